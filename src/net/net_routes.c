/* net_routes: shortest paths between switches, the routes towards hosts
 * (tables 1 and 2, see flows.h), and the flows that route an address or steer
 * a source towards the switch of a rewrite or a balancer. */
#include "net/net_priv.h"

#include <stdlib.h>

#include "net/flows.h"
#include "net/pkt.h"
#include "util/xalloc.h"

/* For every switch, the port towards switch 'dst' on a shortest path (0 when
 * it has none, or is 'dst').  'ports' has n->n_sw entries, by index. */
void net_ports_towards(const struct net *n, uint64_t dst, uint32_t *ports, bool *reach)
{
    size_t *queue = xmalloc((n->n_sw + 1) * sizeof *queue);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n->n_sw; i++) {
        ports[i] = 0;
        reach[i] = n->sw[i].dpid == dst && n->sw[i].connected;
        if (reach[i])
            queue[tail++] = i;
    }
    while (head < tail) {
        const struct net_switch *y = &n->sw[queue[head++]];
        for (size_t l = 0; l < n->n_links; l++) {
            const struct net_link *lk = &n->links[l];
            if (lk->b != y->dpid)
                continue;
            for (size_t x = 0; x < n->n_sw; x++)
                if (n->sw[x].dpid == lk->a && !reach[x] && n->sw[x].connected) {
                    reach[x] = true;
                    ports[x] = lk->a_port;
                    queue[tail++] = x;
                }
        }
    }
    free(queue);
}

static bool nat_switch(const struct net *n, uint64_t dpid)
{
    for (size_t i = 0; i < n->n_nats; i++)
        if (n->nats[i].at == dpid)
            return true;
    for (size_t i = 0; i < n->n_lbs; i++)
        if (n->lbs[i].at == dpid)
            return true;
    return false;
}

/* Installs host 'h''s routes on every connected switch, or only on switch
 * 'only' when it is not 0. */
void net_install_host(struct net *n, const struct net_host *h, uint64_t only)
{
    uint32_t *ports = xmalloc(n->n_sw * sizeof *ports);
    bool *reach = xmalloc(n->n_sw * sizeof *reach);
    net_ports_towards(n, h->dpid, ports, reach);
    uint64_t cookie = NET_COOKIE(NET_OWNER_HOST, h->ip);
    for (size_t i = 0; i < n->n_sw; i++) {
        if (!n->sw[i].connected || (only && n->sw[i].dpid != only))
            continue;
        if (!reach[i]) {
            net_delete_cookie(n, n->sw[i].dpid, cookie);
            continue;
        }
        /* Table 1 forwards; table 2 also gives routed packets the host's MAC. */
        for (uint8_t table = NET_TABLE_FORWARD; table <= NET_TABLE_ROUTED; table++) {
            struct ofp_msg m;
            net_flow_init(&m, table, NET_PRIO_HOST, cookie);
            m.flow_mod.idle_timeout = NET_HOST_IDLE_TIMEOUT;
            ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
            ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, h->ip);
            struct ofp_actions *a = net_flow_apply(&m);
            if (table == NET_TABLE_ROUTED)
                ofp_action_set_field(a, OXM_ETH_DST, h->mac, 6);
            uint32_t out = n->sw[i].dpid == h->dpid ? h->port : ports[i];
            ofp_action_output(a, out);
            net_send_msg(n, n->sw[i].dpid, &m);
            /* A switch that rewrites a moved VM's traffic sends some of it
             * back where it came from, which OpenFlow allows only as
             * IN_PORT. */
            if (nat_switch(n, n->sw[i].dpid)) {
                net_flow_init(&m, table, NET_PRIO_HOST + 1, cookie);
                m.flow_mod.idle_timeout = NET_HOST_IDLE_TIMEOUT;
                ofp_match_add_u32(&m.flow_mod.match, OXM_IN_PORT, out);
                ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
                ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, h->ip);
                a = net_flow_apply(&m);
                if (table == NET_TABLE_ROUTED)
                    ofp_action_set_field(a, OXM_ETH_DST, h->mac, 6);
                ofp_action_output(a, OFPP_IN_PORT);
                net_send_msg(n, n->sw[i].dpid, &m);
            }
        }
    }
    free(ports);
    free(reach);
}

/* Elsewhere: what 'src' sends goes out of 'port', towards the rewriting switch. */
void net_steer_src(struct net *n, uint64_t dpid, uint64_t cookie, uint32_t src, uint32_t port)
{
    struct ofp_msg m;
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_NAT_STEER, cookie);
    ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
    ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_SRC, src);
    ofp_action_output(net_flow_apply(&m), port);
    net_send_msg(n, dpid, &m);
}

/* Elsewhere: address 'dst' lives behind 'port' (tables 1 and 2 at 'prio';
 * routed packets get 'mac' as destination). */
void net_route_dst(struct net *n, uint64_t dpid, uint64_t cookie, uint16_t prio, uint32_t dst,
                   const uint8_t mac[6], uint32_t port)
{
    for (uint8_t table = NET_TABLE_FORWARD; table <= NET_TABLE_ROUTED; table++) {
        struct ofp_msg m;
        net_flow_init(&m, table, prio, cookie);
        ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, dst);
        struct ofp_actions *a = net_flow_apply(&m);
        if (table == NET_TABLE_ROUTED)
            ofp_action_set_field(a, OXM_ETH_DST, mac, 6);
        ofp_action_output(a, port);
        net_send_msg(n, dpid, &m);
    }
}
