/* net_lookup: finding what the net knows: switches by datapath id, the
 * ports that lead to other switches, hosts by address, rewrites and balancers
 * by the address they serve, subnets by an address in them; net.h's lookups
 * of switches and its counters. */
#include "net/net_priv.h"

#include <stdlib.h>
#include <string.h>

struct net_switch *net_find_sw(const struct net *n, uint64_t dpid)
{
    for (size_t i = 0; i < n->n_sw; i++)
        if (n->sw[i].dpid == dpid)
            return &n->sw[i];
    return NULL;
}

bool net_is_link_port(const struct net *n, uint64_t dpid, uint32_t port)
{
    for (size_t i = 0; i < n->n_links; i++)
        if ((n->links[i].a == dpid && n->links[i].a_port == port) ||
            (n->links[i].b == dpid && n->links[i].b_port == port))
            return true;
    return false;
}

struct net_host *net_find_host_ip(const struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->n_hosts; i++)
        if (n->hosts[i].ip == ip)
            return &n->hosts[i];
    return NULL;
}

const struct net_nat *net_find_nat(const struct net *n, uint32_t old_ip)
{
    for (size_t i = 0; i < n->n_nats; i++)
        if (n->nats[i].old_ip == old_ip)
            return &n->nats[i];
    return NULL;
}

const struct topo_subnet *net_subnet_of(const struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->t->n_subnets; i++)
        if (topo_prefix_contains(n->t->subnets[i].prefix, ip))
            return &n->t->subnets[i];
    return NULL;
}

const char *net_switch_name(const struct net *n, uint64_t dpid)
{
    struct net_switch *s = net_find_sw(n, dpid);
    return s ? s->name : "?";
}

bool net_switch_lookup(const struct net *n, const char *name, uint64_t *dpid)
{
    for (size_t i = 0; i < n->n_sw; i++)
        if (!strcmp(n->sw[i].name, name)) {
            *dpid = n->sw[i].dpid;
            return true;
        }
    char *end;
    unsigned long long v = strtoull(name, &end, 16);
    if (*name && !*end && net_find_sw(n, v)) {
        *dpid = v;
        return true;
    }
    return false;
}

const struct net_stats *net_get_stats(const struct net *n)
{
    return &n->stats;
}

const struct net_lb *net_find_lb(const struct net *n, uint32_t vip)
{
    for (size_t i = 0; i < n->n_lbs; i++)
        if (n->lbs[i].vip == vip)
            return &n->lbs[i];
    return NULL;
}

struct net_switch *net_switch_of_subnet(const struct net *n, const struct topo_subnet *sn)
{
    return net_find_sw(n, n->t->nodes[sn->sw].dpid);
}
