/* net_hosts: hosts learned from what they send on edge ports (or placed by
 * net_host_place()), ARP answered or relayed, and packets held while their
 * destination is asked for (net_arp_probe()). */
#include "net/net_priv.h"

#include <stdlib.h>
#include <string.h>

#include "net/flows.h"
#include "net/pkt.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("net");

#define PENDING_TTL 3.0 /* seconds a packet is held at most */

static bool is_gateway(const struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->t->n_subnets; i++)
        if (n->t->subnets[i].gateway == ip)
            return true;
    return false;
}

static void flush_pending(struct net *n, const struct net_host *h)
{
    size_t j = 0;
    for (size_t i = 0; i < n->n_pending; i++) {
        struct net_pending *p = &n->pending[i];
        if (p->ip == h->ip) {
            struct ofp_actions a = {0};
            ofp_action_set_field(&a, OXM_ETH_DST, h->mac, 6);
            ofp_action_output(&a, h->port);
            net_packet_out(n, h->dpid, OFPP_CONTROLLER, p->data, p->len, &a);
            free(p->data);
        } else {
            n->pending[j++] = *p;
        }
    }
    n->n_pending = j;
}

/* Learns (or moves) the host with 'mac' and 'ip' seen on an edge port. */
void net_learn(struct net *n, uint64_t dpid, uint32_t port, const uint8_t mac[6], uint32_t ip,
               double now)
{
    if (!ip || is_gateway(n, ip) || pkt_mac_is_multicast(mac) || !net_subnet_of(n, ip) ||
        net_find_nat(n, ip))
        return;
    if (net_is_link_port(n, dpid, port))
        return;
    struct net_host *h = net_find_host_ip(n, ip);
    char mb[18], ib[16];
    if (h && h->dpid == dpid && h->port == port && !memcmp(h->mac, mac, 6)) {
        h->seen = now;
        return;
    }
    if (h) {
        /* Seen elsewhere: a move (or a new MAC for the address), not a duplicate. */
        LOG_INF("host %s moved: %s:%u -> %s:%u (%s)", topo_ip_str(ip, ib),
                net_switch_name(n, h->dpid), h->port, net_switch_name(n, dpid), port,
                pkt_mac_str(mac, mb));
        net_emit(n, "host.moved",
                 json_pack("{s:s, s:s, s:s, s:i, s:s, s:i}", "ip", ib, "mac", mb, "from",
                           net_switch_name(n, h->dpid), "from_port", (int)h->port, "to",
                           net_switch_name(n, dpid), "to_port", (int)port));
        net_delete_everywhere(n, NET_COOKIE(NET_OWNER_HOST, ip));
        n->stats.host_moves++;
    } else {
        xgrow(&n->hosts, &n->hosts_cap, n->n_hosts + 1, sizeof *n->hosts);
        h = &n->hosts[n->n_hosts++];
        h->ip = ip;
        n->stats.hosts_learned++;
        LOG_INF("host %s (%s) at %s:%u", topo_ip_str(ip, ib), pkt_mac_str(mac, mb),
                net_switch_name(n, dpid), port);
        net_emit(n, "host.learned",
                 json_pack("{s:s, s:s, s:s, s:i}", "ip", ib, "mac", mb, "switch",
                           net_switch_name(n, dpid), "port", (int)port));
    }
    memcpy(h->mac, mac, 6);
    h->dpid = dpid;
    h->port = port;
    h->seen = now;
    net_install_host(n, h, 0);
    flush_pending(n, h);
    /* A balancer's bucket follows its backend (learned late, or moved). */
    for (size_t i = 0; i < n->n_lbs; i++)
        for (size_t k = 0; k < n->lbs[i].n_be; k++)
            if (n->lbs[i].be[k].ip == ip) {
                net_install_lb(n, &n->lbs[i]);
                break;
            }
}

void net_host_place(struct net *n, uint32_t ip, const uint8_t mac[6], uint64_t dpid, uint32_t port)
{
    net_learn(n, dpid, port, mac, ip, n->now);
}

void net_handle_arp(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
                    const uint8_t *frame, size_t len, double now)
{
    net_learn(n, dpid, in_port, k->arp_sha, k->arp_spa, now);
    if (k->arp_op == ARP_REQUEST) {
        const uint8_t *answer = NULL;
        const struct net_host *h = net_find_host_ip(n, k->arp_tpa);
        const struct net_nat *x = net_find_nat(n, k->arp_tpa);
        uint8_t vmac[6];
        if (is_gateway(n, k->arp_tpa))
            answer = net_gateway_mac;
        else if (net_find_lb(n, k->arp_tpa) && (net_lb_mac(k->arp_tpa, vmac), true))
            answer = vmac; /* a balanced address: the switches take it to the balancer */
        else if (x)
            answer = x->mac; /* a moved VM's old address: the switches take it to R */
        else if (h && !(h->dpid == dpid && h->port == in_port))
            answer = h->mac; /* proxy ARP: no broadcast needed */
        if (answer) {
            size_t rlen;
            uint8_t *r = pkt_build_arp(ARP_REPLY, answer, k->arp_tpa, k->arp_sha, k->arp_spa,
                                       k->eth_src, &rlen);
            net_send_frame(n, dpid, in_port, r, rlen);
            free(r);
            n->stats.arp_replies++;
            return;
        }
        if (k->arp_spa == k->arp_tpa || h)
            return; /* gratuitous, or asking about itself */
        /* Unknown target: relay to the edge ports of its subnet's switch
         * (never across switch links, so no loop can form). */
        const struct topo_subnet *sn = net_subnet_of(n, k->arp_tpa);
        struct net_switch *s = sn ? net_switch_of_subnet(n, sn) : NULL;
        if (s && s->connected)
            net_to_edge_ports(n, s, dpid, in_port, frame, len);
        return;
    }
    if (k->arp_op == ARP_REPLY && !is_gateway(n, k->arp_tpa)) {
        const struct net_host *to = net_find_host_ip(n, k->arp_tpa);
        if (to)
            net_send_frame(n, to->dpid, to->port, frame, len);
    }
}

void net_handle_ipv4_miss(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
                          const uint8_t *frame, size_t len, double now)
{
    if (!pkt_mac_is_multicast(k->eth_src) && memcmp(k->eth_src, net_gateway_mac, 6))
        net_learn(n, dpid, in_port, k->eth_src, k->ip_src, now);
    struct net_host *h = net_find_host_ip(n, k->ip_dst);
    if (h) {
        /* Its route on this switch had gone (idle timeout) or is on its
         * way: put it back here (a switch further on that lost it too
         * asks for itself) and deliver this packet. */
        net_install_host(n, h, dpid);
        struct ofp_actions a = {0};
        ofp_action_set_field(&a, OXM_ETH_DST, h->mac, 6);
        ofp_action_output(&a, h->port);
        net_packet_out(n, h->dpid, OFPP_CONTROLLER, frame, len, &a);
        return;
    }
    if (!net_subnet_of(n, k->ip_dst))
        return;
    /* Hold the packet while its destination answers an ARP probe. */
    if (n->n_pending < NET_PENDING_MAX) {
        struct net_pending *p = &n->pending[n->n_pending++];
        p->ip = k->ip_dst;
        p->data = xmalloc(len);
        memcpy(p->data, frame, len);
        p->len = len;
        p->at = now;
    }
    net_arp_probe(n, k->ip_dst);
}

void net_expire_pending(struct net *n, double now)
{
    size_t j = 0;
    for (size_t i = 0; i < n->n_pending; i++) {
        if (now - n->pending[i].at > PENDING_TTL)
            free(n->pending[i].data);
        else
            n->pending[j++] = n->pending[i];
    }
    n->n_pending = j;
}
