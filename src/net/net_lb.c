/* net_lb: on-demand load balancers (see flows.h): the switch that
 * balances, its select groups and flows and those steering traffic to it,
 * setting and removing a balancer, and the view of them. */
#include "net/net_priv.h"

#include <stdlib.h>
#include <string.h>

#include "net/flows.h"
#include "net/pkt.h"
#include "topo/topo_graph.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("net");

/* The MAC clients get in ARP for a balanced address: the switches carry
 * frames to it to the balancer. */
void net_lb_mac(uint32_t vip, uint8_t mac[6])
{
    mac[0] = 0x02, mac[1] = 0x6c, mac[2] = (uint8_t)(vip >> 24), mac[3] = (uint8_t)(vip >> 16),
    mac[4] = (uint8_t)(vip >> 8), mac[5] = (uint8_t)vip;
}

/* Group ids.  A balancer's group for port P of its switch is SLOT << 16 | P.
 * Open vSwitch numbers its ports below 0xff00 (OpenFlow 1.0's OFPP_MAX; its
 * 1.3 numbers are the same) and a slot is 1 to 0xfffe, so ids stay below
 * OFPG_MAX; a port beyond 0xff00 gets no group.  Groups belong to a switch,
 * and each balancer has a slot of its own at its switch: the xor of its
 * address's 16-bit halves (different for any two addresses of one /16), or
 * when another balancer there has that one, the next one free.  An address
 * gets the same slot again (after a restart too, unless another balancer
 * took it first), so the groups of before are replaced, not left behind. */
#define LB_PORT_MAX 0xff00u
#define LB_SLOT_MAX 0xfffeu

static bool lb_port_grouped(uint32_t no)
{
    return no >= 1 && no < LB_PORT_MAX;
}

static uint32_t lb_group_id(const struct net_lb *b, uint32_t port)
{
    return (uint32_t)b->slot << 16 | port;
}

/* A slot for balancer 'b' at its switch that no other balancer there has;
 * 0 when all are taken. */
static uint16_t lb_slot(const struct net *n, const struct net_lb *b)
{
    uint32_t s = ((b->vip >> 16 ^ b->vip) & 0xffffu) % LB_SLOT_MAX + 1;
    for (uint32_t tries = 0; tries < LB_SLOT_MAX; tries++, s = s % LB_SLOT_MAX + 1) {
        bool taken = false;
        for (size_t i = 0; i < n->n_lbs && !taken; i++)
            taken = &n->lbs[i] != b && n->lbs[i].at == b->at && n->lbs[i].slot == s;
        if (!taken)
            return (uint16_t)s;
    }
    return 0;
}

/* Where each backend of 'b' is, as seen from the balancing switch: its host
 * ('host', NULL while the network does not know it: it is probed, and its
 * bucket comes when it answers, net_learn()) and the balancer's port towards
 * it ('port', 0 while unknown).  Returns how many backends have a port. */
static size_t lb_place_backends(struct net *n, const struct net_lb *b,
                                const struct net_host *host[NET_LB_MAX], uint32_t port[NET_LB_MAX])
{
    size_t ns = n->n_sw + 1;
    uint32_t *tmp = xmalloc(ns * sizeof *tmp);
    bool *rtmp = xmalloc(ns * sizeof *rtmp);
    size_t at_i = ns;
    for (size_t i = 0; i < n->n_sw; i++)
        if (n->sw[i].dpid == b->at)
            at_i = i;
    for (size_t k = 0; k < b->n_be; k++) {
        const struct net_host *h = net_find_host_ip(n, b->be[k].ip);
        host[k] = h;
        if (!h)
            net_arp_probe(n, b->be[k].ip); /* its bucket comes when it answers (net_learn()) */
        if (!h || at_i == ns)
            continue;
        if (h->dpid == b->at) {
            port[k] = h->port;
        } else {
            net_ports_towards(n, h->dpid, tmp, rtmp);
            port[k] = rtmp[at_i] ? tmp[at_i] : 0;
        }
    }
    free(tmp), free(rtmp);
    size_t placed = 0;
    for (size_t k = 0; k < b->n_be; k++)
        placed += port[k] != 0;
    return placed;
}

/* At switch 'i', not the balancer: a backend at the balanced address itself
 * (the original VM in place) is reached by its MAC once the balancer chose
 * it. */
static void lb_direct(struct net *n, const struct net_lb *b, const struct net_host *const *host,
                      size_t i, uint64_t cookie)
{
    const struct net_switch *s = &n->sw[i];
    size_t ns = n->n_sw + 1;
    uint32_t *tmp = xmalloc(ns * sizeof *tmp);
    bool *rtmp = xmalloc(ns * sizeof *rtmp);
    for (size_t k = 0; k < b->n_be; k++) {
        const struct net_host *h = host[k];
        if (b->be[k].ip != b->vip || !h)
            continue;
        uint32_t out = h->dpid == s->dpid ? h->port : 0;
        if (!out) {
            net_ports_towards(n, h->dpid, tmp, rtmp);
            if (!rtmp[i])
                continue;
            out = tmp[i];
        }
        struct ofp_msg m;
        net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_LB_DIRECT, cookie);
        ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
        ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, b->be[k].mac, 6, NULL);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, b->vip);
        ofp_action_output(net_flow_apply(&m), out);
        net_send_msg(n, s->dpid, &m);
    }
    free(tmp), free(rtmp);
}

/* At switch 'dpid', not the balancer, whose port 'port' leads there: the
 * balanced address lives at the balancer; the backends' replies go there to
 * get it back as their source. */
static void lb_steer(struct net *n, const struct net_lb *b, uint64_t dpid, uint64_t cookie,
                     uint32_t port)
{
    uint8_t vmac[6];
    net_lb_mac(b->vip, vmac);
    net_route_dst(n, dpid, cookie, NET_PRIO_HOST + 10, b->vip, vmac, port);
    for (size_t k = 0; k < b->n_be; k++)
        if (b->be[k].ip != b->vip)
            net_steer_src(n, dpid, cookie, b->be[k].ip, port);
}

static void lb_group_delete(struct net *n, uint64_t dpid, uint32_t gid)
{
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = OFPT_GROUP_MOD;
    m.group_mod.command = OFPGC_DELETE;
    m.group_mod.group_id = gid;
    net_send_msg(n, dpid, &m);
}

/* What takes a packet in on port 'no' to backend 'k' of 'b', out of port
 * 'port': its MAC, its address (unless it is the balanced one) and the way
 * to it (IN_PORT when that is 'no'). */
static void lb_to_backend(struct ofp_actions *a, const struct net_lb *b, size_t k, uint32_t port,
                          uint32_t no)
{
    ofp_action_set_field(a, OXM_ETH_DST, b->be[k].mac, 6);
    if (b->be[k].ip != b->vip) {
        uint8_t ip[4];
        net_ip_bytes(b->be[k].ip, ip);
        ofp_action_set_field(a, OXM_IPV4_DST, ip, 4);
    }
    ofp_action_output(a, port == no ? OFPP_IN_PORT : port);
}

/* Group 'gid' of switch 'dpid' for packets in on port 'no': a bucket per
 * backend with a port ('port', lb_place_backends()), which takes the
 * backend's MAC, its address and the way to it (IN_PORT when that is 'no'). */
static void lb_group_add(struct net *n, const struct net_lb *b, uint64_t dpid, uint32_t gid,
                         uint32_t no, const uint32_t port[NET_LB_MAX])
{
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = OFPT_GROUP_MOD;
    m.group_mod.command = OFPGC_ADD;
    m.group_mod.type = OFPGT_SELECT;
    m.group_mod.group_id = gid;
    m.group_mod.buckets = xcalloc(b->n_be + 1, sizeof *m.group_mod.buckets);
    for (size_t k = 0; k < b->n_be; k++) {
        if (!port[k])
            continue;
        struct ofp_bucket *bk = &m.group_mod.buckets[m.group_mod.n_buckets++];
        bk->weight = 1;
        bk->watch_port = OFPP_ANY;
        bk->watch_group = OFPG_ANY;
        lb_to_backend(&bk->actions, b, k, port[k], no);
    }
    net_send_msg(n, dpid, &m);
}

/* The flows that give group 'gid' what comes in on port 'no' for the
 * balanced address, routed (addressed to the gateway) or not. */
static void lb_group_flows(struct net *n, const struct net_lb *b, uint64_t dpid, uint64_t cookie,
                           uint32_t gid, uint32_t no)
{
    for (int routed = 1; routed >= 0; routed--) {
        struct ofp_msg m;
        net_flow_init(&m, NET_TABLE_CLASSIFY, routed ? NET_PRIO_LB_ROUTED : NET_PRIO_LB, cookie);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IN_PORT, no);
        if (routed)
            ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, net_gateway_mac, 6, NULL);
        ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, b->vip);
        struct ofp_actions *a = net_flow_apply(&m);
        if (routed) {
            ofp_actions_push(a, OFPAT_DEC_NW_TTL);
            ofp_action_set_field(a, OXM_ETH_SRC, net_gateway_mac, 6);
        }
        ofp_actions_push(a, OFPAT_GROUP)->arg = gid;
        net_send_msg(n, dpid, &m);
        /* TCP asks the controller, which holds each connection to its
         * backend (net_lb_packet_in()). */
        net_flow_init(&m, NET_TABLE_CLASSIFY, routed ? NET_PRIO_LB_TCP_ROUTED : NET_PRIO_LB_TCP,
                      cookie);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IN_PORT, no);
        if (routed)
            ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, net_gateway_mac, 6, NULL);
        ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
        ofp_match_add_u8(&m.flow_mod.match, OXM_IP_PROTO, IP_PROTO_TCP);
        ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, b->vip);
        ofp_action_output(net_flow_apply(&m), OFPP_CONTROLLER);
        net_send_msg(n, dpid, &m);
    }
}

/* The backend of a connection from 'client':'cport' to the balancer of 'b'
 * (its first packet when 'first'): an index into b->be among those with a
 * port, or -1 when none has. */
static long lb_pick(const struct net_lb *b, const uint32_t port[NET_LB_MAX], uint32_t client,
                    uint16_t cport, bool first)
{
    size_t placed[NET_LB_MAX], n = 0;
    for (size_t k = 0; k < b->n_be; k++)
        if (port[k])
            placed[n++] = k;
    if (!n)
        return -1;
    if (!first) {
        /* Made before the balancer: the VM that had the address alone. */
        for (size_t i = 0; i < n; i++)
            if (b->be[placed[i]].ip == b->vip)
                return (long)placed[i];
        return (long)placed[0];
    }
    uint32_t h = client * 2654435761u ^ (uint32_t)cport * 40503u;
    h ^= h >> 16;
    return (long)placed[h % n];
}

bool net_lb_packet_in(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
                      const uint8_t *frame, size_t len)
{
    if (k->eth_type != ETH_TYPE_IPV4 || k->ip_proto != IP_PROTO_TCP || !k->l4)
        return false;
    const struct net_lb *b = net_find_lb(n, k->ip_dst);
    if (!b || b->at != dpid)
        return false;
    const struct net_host *host[NET_LB_MAX] = {0};
    uint32_t port[NET_LB_MAX] = {0};
    lb_place_backends(n, b, host, port);
    bool first = (k->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
    long be = lb_pick(b, port, k->ip_src, k->l4_src, first);
    if (be < 0)
        return true; /* no backend placed yet: TCP sends again */
    bool routed = !memcmp(k->eth_dst, net_gateway_mac, 6);
    struct ofp_msg m;
    /* A later packet of a connection made here can come too: the
     * datapath's cache sends it to the controller until it is revalidated
     * after the connection's flow came.  Its flow goes under the first
     * packet's (an identical one would replace it), so that the connection
     * keeps the backend its first packet got. */
    uint16_t prio = routed ? NET_PRIO_LB_CONN_ROUTED : NET_PRIO_LB_CONN;
    net_flow_init(&m, NET_TABLE_CLASSIFY, first ? prio : prio - 1,
                  NET_COOKIE(NET_OWNER_LB_CONN, b->vip));
    m.flow_mod.idle_timeout = NET_LB_CONN_IDLE_S;
    struct ofp_match *mt = &m.flow_mod.match;
    ofp_match_add_u32(mt, OXM_IN_PORT, in_port);
    if (routed)
        ofp_match_add(mt, OXM_ETH_DST, net_gateway_mac, 6, NULL);
    ofp_match_add_u16(mt, OXM_ETH_TYPE, ETH_TYPE_IPV4);
    ofp_match_add_u8(mt, OXM_IP_PROTO, IP_PROTO_TCP);
    ofp_match_add_u32(mt, OXM_IPV4_SRC, k->ip_src);
    ofp_match_add_u32(mt, OXM_IPV4_DST, b->vip);
    ofp_match_add_u16(mt, OXM_TCP_SRC, k->l4_src);
    ofp_match_add_u16(mt, OXM_TCP_DST, k->l4_dst);
    struct ofp_actions *a = net_flow_apply(&m);
    if (routed) {
        ofp_actions_push(a, OFPAT_DEC_NW_TTL);
        ofp_action_set_field(a, OXM_ETH_SRC, net_gateway_mac, 6);
    }
    lb_to_backend(a, b, (size_t)be, port[be], in_port);
    net_send_msg(n, dpid, &m);
    /* After the flow, on the same connection: the switch has it when the
     * packet goes through its table again. */
    struct ofp_actions out = {0};
    ofp_action_output(&out, OFPP_TABLE);
    net_packet_out(n, dpid, in_port, frame, len, &out);
    return true;
}

/* The balancer, switch 's': a group per port, and the rewrite of the
 * replies. */
static void lb_balancer(struct net *n, const struct net_lb *b, const struct net_switch *s,
                        uint64_t cookie, const uint32_t port[NET_LB_MAX])
{
    for (size_t p = 0; p < s->n_ports; p++) {
        uint32_t no = s->ports[p].no;
        if (!lb_port_grouped(no))
            continue;
        uint32_t gid = lb_group_id(b, no);
        lb_group_delete(n, s->dpid, gid);
        lb_group_add(n, b, s->dpid, gid, no, port);
        lb_group_flows(n, b, s->dpid, cookie, gid, no);
    }
    /* Replies: the backend's address becomes the balanced one. */
    for (size_t k = 0; k < b->n_be; k++)
        if (b->be[k].ip != b->vip)
            net_rewrite_src(n, s->dpid, cookie, b->be[k].ip, b->vip);
}

/* Installs balancer 'b' (see flows.h): one select group per port of the
 * balancing switch (a bucket whose backend lies behind the packet's own
 * port must say IN_PORT), flows sending the address to it, and the return
 * rewrite of the backends' sources. */
void net_install_lb(struct net *n, const struct net_lb *b)
{
    size_t ns = n->n_sw + 1;
    uint32_t *to_at = xmalloc(ns * sizeof *to_at);
    bool *reach_at = xmalloc(ns * sizeof *reach_at);
    net_ports_towards(n, b->at, to_at, reach_at);
    uint64_t cookie = NET_COOKIE(NET_OWNER_LB, b->vip);
    uint32_t be_port[NET_LB_MAX] = {0};
    const struct net_host *be_host[NET_LB_MAX] = {0};
    size_t placed = lb_place_backends(n, b, be_host, be_port);
    /* While no backend's place is known (just after a restart), the
     * balancing switch keeps what it has: groups without a bucket would drop
     * what its groups of before still deliver.  The backends are probed, and
     * net_learn() comes back here. */
    for (size_t i = 0; i < n->n_sw; i++) {
        const struct net_switch *s = &n->sw[i];
        if (!s->connected || (s->dpid == b->at && !placed))
            continue;
        net_delete_cookie(n, s->dpid, cookie);
        if (s->dpid == b->at) {
            lb_balancer(n, b, s, cookie, be_port);
        } else {
            lb_direct(n, b, be_host, i, cookie);
            if (reach_at[i])
                lb_steer(n, b, s->dpid, cookie, to_at[i]);
        }
    }
    free(to_at), free(reach_at);
}

uint64_t net_lb_switch(const struct net *n, uint32_t a, uint32_t b)
{
    const struct topo *t = n->t;
    const struct topo_subnet *sa = net_subnet_of(n, a), *sb = net_subnet_of(n, b);
    uint64_t root = net_root_switch(n);
    if (!sa || !sb || sa == sb)
        return root;
    /* The switch of the path between the two subnets' switches that is
     * nearest the root (their lowest common switch in the tree). */
    int *da = xmalloc(t->n_nodes * sizeof *da), *db = xmalloc(t->n_nodes * sizeof *db);
    topo_graph_crossed(n->graph, sa->sw, da);
    topo_graph_crossed(n->graph, sb->sw, db);
    int dab = da[sb->sw];
    int best = 1 << 30;
    uint64_t at = root;
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SWITCH)
            continue;
        if (da[i] < 0 || db[i] < 0 || da[i] + db[i] - 1 != dab)
            continue; /* not on a shortest path between them */
        int dr = n->root >= 0 ? n->root_dist[i] : 0;
        if (dr < best)
            best = dr, at = t->nodes[i].dpid;
    }
    free(da);
    free(db);
    return at;
}

static json_t *lb_json(const struct net *n, const struct net_lb *b)
{
    char v[16], ib[16], mb[18];
    json_t *be = json_array();
    for (size_t k = 0; k < b->n_be; k++)
        json_array_append_new(be, json_pack("{s:s, s:s}", "ip", topo_ip_str(b->be[k].ip, ib), "mac",
                                            pkt_mac_str(b->be[k].mac, mb)));
    return json_pack("{s:s, s:s, s:o}", "address", topo_ip_str(b->vip, v), "switch",
                     net_switch_name(n, b->at), "backends", be);
}

/* Removes balancer 'i': its flows everywhere, its groups at its switch. */
static void lb_remove(struct net *n, size_t i)
{
    uint64_t cookie = NET_COOKIE(NET_OWNER_LB, n->lbs[i].vip);
    json_t *ev = lb_json(n, &n->lbs[i]);
    for (size_t w = 0; w < n->n_sw; w++)
        if (n->sw[w].connected) {
            net_delete_cookie(n, n->sw[w].dpid, cookie);
            net_delete_cookie(n, n->sw[w].dpid, NET_COOKIE(NET_OWNER_LB_CONN, n->lbs[i].vip));
            for (size_t p = 0; n->sw[w].dpid == n->lbs[i].at && p < n->sw[w].n_ports; p++)
                if (lb_port_grouped(n->sw[w].ports[p].no))
                    lb_group_delete(n, n->sw[w].dpid,
                                    lb_group_id(&n->lbs[i], n->sw[w].ports[p].no));
        }
    n->lbs[i] = n->lbs[--n->n_lbs];
    net_emit(n, "balancer.removed", ev);
}

/* The switch common to every backend's subnet nearest the root. */
static uint64_t lb_switch_for(const struct net *n, const uint32_t *ips, size_t count)
{
    uint64_t at = net_root_switch(n);
    int best = -1;
    for (size_t k = 1; k < count; k++) {
        uint64_t c = net_lb_switch(n, ips[0], ips[k]);
        long ci = -1;
        for (size_t j = 0; j < n->t->n_nodes; j++)
            if (n->t->nodes[j].kind == TOPO_SWITCH && n->t->nodes[j].dpid == c)
                ci = (long)j;
        int d = ci >= 0 && n->root >= 0 ? n->root_dist[ci] : 0;
        if (best < 0 || d < best)
            best = d, at = c;
    }
    return at;
}

uint64_t net_lb_set(struct net *n, uint32_t vip, const uint32_t *ips, const uint8_t (*macs)[6],
                    size_t count, uint64_t at)
{
    size_t i = 0;
    while (i < n->n_lbs && n->lbs[i].vip != vip)
        i++;
    if (count < 2) {
        if (i < n->n_lbs)
            lb_remove(n, i);
        return 0;
    }
    bool created = i == n->n_lbs;
    if (created) {
        xgrow(&n->lbs, &n->lbs_cap, n->n_lbs + 1, sizeof *n->lbs);
        n->n_lbs++;
    }
    struct net_lb *b = &n->lbs[i];
    if (!at)
        at = lb_switch_for(n, ips, count);
    if (!created && b->at != at) {
        net_lb_set(n, vip, NULL, NULL, 0, 0);
        return net_lb_set(n, vip, ips, macs, count, at);
    }
    b->vip = vip;
    b->at = at;
    if (created) {
        b->slot = lb_slot(n, b);
        if (!b->slot) {
            char v[16];
            LOG_ERR_("balancer for %s: every group id of %s is taken", topo_ip_str(vip, v),
                     net_switch_name(n, at));
            n->n_lbs--;
            return 0;
        }
    }
    b->n_be = count < NET_LB_MAX ? count : NET_LB_MAX;
    for (size_t k = 0; k < b->n_be; k++) {
        b->be[k].ip = ips[k];
        memcpy(b->be[k].mac, macs[k], 6);
    }
    /* A rewrite of the same address is the balancer's job now. */
    if (net_find_nat(n, vip)) {
        uint8_t zero[6] = {0};
        net_nat_set(n, vip, 0, zero, 0);
    }
    net_install_lb(n, b);
    for (size_t k = 0; k < n->n_hosts; k++)
        net_install_host(n, &n->hosts[k], b->at);
    json_t *ev = lb_json(n, b);
    LOG_INF("balancer for %s at %s, %zu backends",
            json_string_value(json_object_get(ev, "address")), net_switch_name(n, b->at), b->n_be);
    net_emit(n, created ? "balancer.created" : "balancer.changed", ev);
    return b->at;
}

json_t *net_lbs_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_lbs; i++)
        json_array_append_new(arr, lb_json(n, &n->lbs[i]));
    return arr;
}
