/* net_rewrite: address rewrites of VMs moved across subnets (see flows.h):
 * the switch that rewrites, its flows and those steering traffic to it,
 * setting and removing a rewrite, and the view of them. */
#include "net/net_priv.h"

#include <stdlib.h>
#include <string.h>

#include "net/flows.h"
#include "net/pkt.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("net");

/* At the rewriting switch: packets from 'from' get 'to' as source (routed
 * ones routed here, as the first switch would have). */
void net_rewrite_src(struct net *n, uint64_t dpid, uint64_t cookie, uint32_t from, uint32_t to)
{
    uint8_t ip[4];
    net_ip_bytes(to, ip);
    for (int routed = 1; routed >= 0; routed--) {
        struct ofp_msg m;
        net_flow_init(&m, NET_TABLE_CLASSIFY, routed ? NET_PRIO_NAT_ROUTED : NET_PRIO_NAT, cookie);
        if (routed)
            ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, net_gateway_mac, 6, NULL);
        ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_SRC, from);
        struct ofp_actions *a = net_flow_apply(&m);
        if (routed) {
            ofp_actions_push(a, OFPAT_DEC_NW_TTL);
            ofp_action_set_field(a, OXM_ETH_SRC, net_gateway_mac, 6);
        }
        ofp_action_set_field(a, OXM_IPV4_SRC, ip, 4);
        ofp_instructions_push(&m.flow_mod.instructions, OFPIT_GOTO_TABLE)->table_id =
            routed ? NET_TABLE_ROUTED : NET_TABLE_FORWARD;
        net_send_msg(n, dpid, &m);
    }
}

/* Installs rewrite 'x' on every connected switch (see flows.h). */
void net_install_nat(struct net *n, const struct net_nat *x)
{
    uint32_t *ports = xmalloc((n->n_sw + 1) * sizeof *ports);
    bool *reach = xmalloc((n->n_sw + 1) * sizeof *reach);
    net_ports_towards(n, x->at, ports, reach);
    uint64_t cookie = NET_COOKIE(NET_OWNER_NAT, x->old_ip);
    uint8_t ip[4];
    net_ip_bytes(x->new_ip, ip);
    for (size_t i = 0; i < n->n_sw; i++) {
        uint64_t dpid = n->sw[i].dpid;
        if (!n->sw[i].connected)
            continue;
        net_delete_cookie(n, dpid, cookie);
        if (dpid == x->at) {
            /* To the old address: the new one, and the VM's MAC. */
            for (int routed = 1; routed >= 0; routed--) {
                struct ofp_msg m;
                net_flow_init(&m, NET_TABLE_CLASSIFY, routed ? NET_PRIO_NAT_ROUTED : NET_PRIO_NAT,
                              cookie);
                if (routed)
                    ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, net_gateway_mac, 6, NULL);
                ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
                ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, x->old_ip);
                struct ofp_actions *a = net_flow_apply(&m);
                if (routed) {
                    ofp_actions_push(a, OFPAT_DEC_NW_TTL);
                    ofp_action_set_field(a, OXM_ETH_SRC, net_gateway_mac, 6);
                }
                ofp_action_set_field(a, OXM_IPV4_DST, ip, 4);
                ofp_action_set_field(a, OXM_ETH_DST, x->mac, 6);
                ofp_instructions_push(&m.flow_mod.instructions, OFPIT_GOTO_TABLE)->table_id =
                    NET_TABLE_FORWARD;
                net_send_msg(n, dpid, &m);
            }
            net_rewrite_src(n, dpid, cookie, x->new_ip, x->old_ip);
        } else if (reach[i]) {
            /* What the VM sends goes to R first; the old address lives at R. */
            net_steer_src(n, dpid, cookie, x->new_ip, ports[i]);
            net_route_dst(n, dpid, cookie, NET_PRIO_HOST, x->old_ip, x->mac, ports[i]);
        }
    }
    free(ports);
    free(reach);
}

uint64_t net_root_switch(const struct net *n)
{
    return n->root < 0 ? 0 : n->t->nodes[n->root].dpid;
}

uint64_t net_rewrite_switch(const struct net *n, uint32_t new_ip)
{
    const struct topo_subnet *sn = net_subnet_of(n, new_ip);
    if (n->t->rewrite_at == TOPO_REWRITE_NEAREST && sn)
        return n->t->nodes[sn->sw].dpid;
    return net_root_switch(n);
}

static json_t *nat_json(const struct net *n, const struct net_nat *x)
{
    char o[16], w[16], mb[18];
    return json_pack("{s:s, s:s, s:s, s:s}", "old", topo_ip_str(x->old_ip, o), "new",
                     topo_ip_str(x->new_ip, w), "mac", pkt_mac_str(x->mac, mb), "switch",
                     net_switch_name(n, x->at));
}

uint64_t net_nat_set(struct net *n, uint32_t old_ip, uint32_t new_ip, const uint8_t mac[6],
                     uint64_t at)
{
    size_t i = 0;
    while (i < n->n_nats && n->nats[i].old_ip != old_ip)
        i++;
    uint64_t cookie = NET_COOKIE(NET_OWNER_NAT, old_ip);
    if (!new_ip || new_ip == old_ip) {
        if (i == n->n_nats)
            return 0;
        json_t *ev = nat_json(n, &n->nats[i]);
        net_delete_everywhere(n, cookie);
        n->nats[i] = n->nats[--n->n_nats];
        LOG_INF("rewrite of %s removed", json_string_value(json_object_get(ev, "old")));
        net_emit(n, "rewrite.removed", ev);
        return 0;
    }
    if (!at)
        at = net_rewrite_switch(n, new_ip);
    /* The old address is the rewrite's now, no host's. */
    struct net_host *h = net_find_host_ip(n, old_ip);
    if (h) {
        net_delete_everywhere(n, NET_COOKIE(NET_OWNER_HOST, old_ip));
        *h = n->hosts[--n->n_hosts];
    }
    if (i == n->n_nats) {
        xgrow(&n->nats, &n->nats_cap, n->n_nats + 1, sizeof *n->nats);
        n->n_nats++;
    }
    struct net_nat *x = &n->nats[i];
    x->old_ip = old_ip;
    x->new_ip = new_ip;
    memcpy(x->mac, mac, 6);
    x->at = at;
    net_install_nat(n, x);
    /* The rewriting switch needs its hairpin routes (net_install_host). */
    for (size_t k = 0; k < n->n_hosts; k++)
        net_install_host(n, &n->hosts[k], at);
    json_t *ev = nat_json(n, x);
    LOG_INF("rewrite %s <-> %s at %s", json_string_value(json_object_get(ev, "old")),
            json_string_value(json_object_get(ev, "new")), net_switch_name(n, at));
    net_emit(n, "rewrite.installed", ev);
    return at;
}

json_t *net_nats_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_nats; i++)
        json_array_append_new(arr, nat_json(n, &n->nats[i]));
    return arr;
}
