/* Telling the network where VMs are: rewrites of a moved VM's home
 * address, balancers over replicas, a VM's new place. */
#include "ctl/vmctl_priv.h"
/* Has the network balance 'vip' over the VMs that serve it now.  A single
 * one left at another address gets a plain rewrite of 'vip' to it: the
 * original VM (whose home 'vip' is) serves nothing more then, its home
 * address being its own; a clone keeps serving 'vip', so that the rewrite
 * follows it, comes back after a restart, and goes when it goes (none
 * left: the rewrite is removed).  Lock not held. */
const char *vmctl_rebalance(struct vmctl *v, uint32_t vip)
{
    uint32_t ips[16];
    uint8_t macs[16][6] = {{0}};
    size_t n = 0;
    pthread_mutex_lock(&v->lock);
    struct vrec *last = NULL;
    for (size_t i = 0; i < v->n_vms && n < 16; i++)
        if (v->vms[i]->serves == vip && !v->vms[i]->leaving) {
            last = v->vms[i];
            ips[n] = v->vms[i]->addr;
            vmctl_parse_mac(v->vms[i]->mac, macs[n++]);
        }
    if (n == 1 && last->home == vip) {
        last->serves = 0;
        vmctl_save_state(v);
    }
    pthread_mutex_unlock(&v->lock);
    const char *at = v->hooks.balance
                         ? v->hooks.balance(v->hooks.ctx, vip, ips, (const uint8_t(*)[6])macs, n)
                         : NULL;
    if (n == 1 && ips[0] != vip && v->hooks.rewrite)
        v->hooks.rewrite(v->hooks.ctx, vip, ips[0], macs[0]);
    else if (n == 0 && v->hooks.rewrite)
        v->hooks.rewrite(v->hooks.ctx, vip, vip, macs[0]);
    return at;
}

/* Tells the network where a VM is now (lock not held): its packets go to
 * 'server' ('place', NULL: not asked), a replica's balancer follows it, a VM
 * away from its home address has that address rewritten to 'addr', and
 * one back home ('was_away') loses its rewrite.  Returns the rewriting or
 * balancing switch (static), or NULL. */
const char *vmctl_network_follow(struct vmctl *v, const char *place, uint32_t home, uint32_t addr,
                                 uint32_t serves, bool was_away, const uint8_t mac[6],
                                 bool *balanced)
{
    *balanced = false;
    if (place && v->hooks.place)
        v->hooks.place(v->hooks.ctx, addr, mac, place);
    if (serves) {
        *balanced = true;
        return vmctl_rebalance(v, serves);
    }
    if ((addr != home || was_away) && v->hooks.rewrite)
        return v->hooks.rewrite(v->hooks.ctx, home, addr, mac);
    return NULL;
}
