/* The controller's network logic.  See net.h and flows.h. */
#include "net/net.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/flows.h"
#include "net/pkt.h"
#include "topo/topo_graph.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("net");

const uint8_t net_gateway_mac[6] = {0x02, 0x6d, 0x64, 0x63, 0x00, 0x01};

#define LLDP_INTERVAL 1.0  /* seconds between probes on every port */
#define LINK_TIMEOUT 3.5   /* a link not seen for this long is gone */
#define SWEEP_DELAY 1.5    /* after a switch connects: time for LLDP before the sweep */
#define PENDING_MAX 64     /* packets held while their destination is ARPed for */
#define PENDING_TTL 3.0

struct net_port {
    uint32_t no;
    char name[17];
    uint8_t mac[6];
    bool up;
};

struct net_switch {
    uint64_t dpid;
    char *name;
    bool connected;
    struct net_port *ports;
    size_t n_ports;
    double connected_at;
    bool sweep_requested, swept;
    /* flows seen during the sweep: their cookies */
    uint64_t *seen_cookies;
    size_t n_seen, seen_cap;
};

struct net_link { /* one direction: a probe sent on (a, a_port) arrived on (b, b_port) */
    uint64_t a, b;
    uint32_t a_port, b_port;
    double seen;
};

struct net_host {
    uint8_t mac[6];
    uint32_t ip;
    uint64_t dpid;
    uint32_t port;
    double seen;
};

struct net_nat { /* a VM moved across subnets: OLD is rewritten to NEW at switch 'at' */
    uint32_t old_ip, new_ip;
    uint8_t mac[6];
    uint64_t at;
};

#define NET_LB_MAX 16
struct net_lb { /* clients that address VIP are spread over the backends at switch 'at' */
    uint32_t vip;
    uint64_t at;
    size_t n_be;
    struct {
        uint32_t ip;
        uint8_t mac[6];
    } be[NET_LB_MAX];
};

struct net_pending {
    uint32_t ip;
    uint8_t *data;
    size_t len;
    double at;
};

struct net {
    const struct topo *t;
    /* The topology's links, its center and every node's distance from it:
     * the file does not change while the net runs. */
    struct topo_graph *graph;
    long root;
    int *root_dist;
    struct net_io io;
    struct net_switch *sw;
    size_t n_sw, sw_cap;
    struct net_link *links;
    size_t n_links, links_cap;
    struct net_host *hosts;
    size_t n_hosts, hosts_cap;
    struct net_nat *nats;
    size_t n_nats, nats_cap;
    struct net_lb *lbs;
    size_t n_lbs, lbs_cap;
    struct net_pending pending[PENDING_MAX];
    size_t n_pending;
    double now, last_lldp;
    bool dirty; /* topology changed: recompute routes and flooding */
    struct net_stats stats;
};

/* ---- lookups ---- */

static struct net_switch *net_find_sw(const struct net *n, uint64_t dpid)
{
    for (size_t i = 0; i < n->n_sw; i++)
        if (n->sw[i].dpid == dpid)
            return &n->sw[i];
    return NULL;
}

static struct net_port *find_port(struct net_switch *s, uint32_t no)
{
    for (size_t i = 0; i < s->n_ports; i++)
        if (s->ports[i].no == no)
            return &s->ports[i];
    return NULL;
}

static bool net_is_link_port(const struct net *n, uint64_t dpid, uint32_t port)
{
    for (size_t i = 0; i < n->n_links; i++)
        if ((n->links[i].a == dpid && n->links[i].a_port == port) ||
            (n->links[i].b == dpid && n->links[i].b_port == port))
            return true;
    return false;
}

static struct net_host *net_find_host_ip(const struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->n_hosts; i++)
        if (n->hosts[i].ip == ip)
            return &n->hosts[i];
    return NULL;
}

static const struct net_nat *net_find_nat(const struct net *n, uint32_t old_ip)
{
    for (size_t i = 0; i < n->n_nats; i++)
        if (n->nats[i].old_ip == old_ip)
            return &n->nats[i];
    return NULL;
}

static const struct topo_subnet *net_subnet_of(const struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->t->n_subnets; i++)
        if (topo_prefix_contains(n->t->subnets[i].prefix, ip))
            return &n->t->subnets[i];
    return NULL;
}

static bool is_gateway(const struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->t->n_subnets; i++)
        if (n->t->subnets[i].gateway == ip)
            return true;
    return false;
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

/* ---- sending ---- */

static void net_send_msg(struct net *n, uint64_t dpid, struct ofp_msg *m)
{
    m->version = OFP13_VERSION;
    if (m->type == OFPT_FLOW_MOD)
        n->stats.flow_mods++;
    else if (m->type == OFPT_PACKET_OUT)
        n->stats.packet_outs++;
    n->io.send(n->io.ctx, dpid, m);
    ofp_msg_free(m);
}

static void net_emit(struct net *n, const char *type, json_t *data)
{
    if (n->io.event)
        n->io.event(n->io.ctx, type, data);
    else
        json_decref(data);
}

static json_t *link_json(const struct net *n, const struct net_link *l)
{
    return json_pack("{s:s, s:i, s:s, s:i}", "from", net_switch_name(n, l->a), "from_port", (int)l->a_port, "to",
                     net_switch_name(n, l->b), "to_port", (int)l->b_port);
}

static void net_flow_init(struct ofp_msg *m, uint8_t table, uint16_t prio, uint64_t cookie)
{
    memset(m, 0, sizeof *m);
    m->type = OFPT_FLOW_MOD;
    m->flow_mod.command = OFPFC_ADD;
    m->flow_mod.table_id = table;
    m->flow_mod.priority = prio;
    m->flow_mod.cookie = cookie;
    m->flow_mod.buffer_id = OFP_NO_BUFFER;
    m->flow_mod.out_port = OFPP_ANY;
    m->flow_mod.out_group = OFPG_ANY;
}

static struct ofp_actions *net_flow_apply(struct ofp_msg *m)
{
    return &ofp_instructions_push(&m->flow_mod.instructions, OFPIT_APPLY_ACTIONS)->actions;
}

static void net_delete_cookie(struct net *n, uint64_t dpid, uint64_t cookie)
{
    struct ofp_msg m;
    net_flow_init(&m, 0xff /* all tables */, 0, cookie);
    m.flow_mod.command = OFPFC_DELETE;
    m.flow_mod.cookie_mask = ~0ull;
    net_send_msg(n, dpid, &m);
}

static void install_base(struct net *n, uint64_t dpid)
{
    struct ofp_msg m;
    /* LLDP and ARP to the controller, whole frames. */
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_LLDP, NET_COOKIE(NET_OWNER_BASE, NET_BASE_LLDP));
    ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_LLDP);
    ofp_action_output(net_flow_apply(&m), OFPP_CONTROLLER);
    net_send_msg(n, dpid, &m);
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_ARP, NET_COOKIE(NET_OWNER_BASE, NET_BASE_ARP));
    ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_ARP);
    ofp_action_output(net_flow_apply(&m), OFPP_CONTROLLER);
    net_send_msg(n, dpid, &m);
    /* Routed: addressed to the gateway. */
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_ROUTED, NET_COOKIE(NET_OWNER_BASE, NET_BASE_ROUTED));
    ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, net_gateway_mac, 6, NULL);
    ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
    struct ofp_actions *a = net_flow_apply(&m);
    ofp_actions_push(a, OFPAT_DEC_NW_TTL);
    ofp_action_set_field(a, OXM_ETH_SRC, net_gateway_mac, 6);
    ofp_instructions_push(&m.flow_mod.instructions, OFPIT_GOTO_TABLE)->table_id = NET_TABLE_ROUTED;
    net_send_msg(n, dpid, &m);
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_IPV4, NET_COOKIE(NET_OWNER_BASE, NET_BASE_IPV4));
    ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
    ofp_instructions_push(&m.flow_mod.instructions, OFPIT_GOTO_TABLE)->table_id = NET_TABLE_FORWARD;
    net_send_msg(n, dpid, &m);
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_DROP, NET_COOKIE(NET_OWNER_BASE, NET_BASE_DROP));
    net_send_msg(n, dpid, &m);
    net_flow_init(&m, NET_TABLE_FORWARD, NET_PRIO_MISS, NET_COOKIE(NET_OWNER_BASE, NET_BASE_MISS));
    ofp_action_output(net_flow_apply(&m), OFPP_CONTROLLER);
    net_send_msg(n, dpid, &m);
    net_flow_init(&m, NET_TABLE_ROUTED, NET_PRIO_MISS, NET_COOKIE(NET_OWNER_BASE, NET_BASE_ROUTED_MISS));
    ofp_action_output(net_flow_apply(&m), OFPP_CONTROLLER);
    net_send_msg(n, dpid, &m);
}

static void net_packet_out(struct net *n, uint64_t dpid, uint32_t in_port, const uint8_t *data, size_t len,
                           struct ofp_actions *actions)
{
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = OFPT_PACKET_OUT;
    m.packet_out.buffer_id = OFP_NO_BUFFER;
    m.packet_out.in_port = in_port;
    m.packet_out.actions = *actions;
    memset(actions, 0, sizeof *actions);
    m.packet_out.data.data = xmalloc(len);
    memcpy(m.packet_out.data.data, data, len);
    m.packet_out.data.len = len;
    net_send_msg(n, dpid, &m);
}

static void net_send_frame(struct net *n, uint64_t dpid, uint32_t port, const uint8_t *data, size_t len)
{
    struct ofp_actions a = {0};
    ofp_action_output(&a, port);
    net_packet_out(n, dpid, OFPP_CONTROLLER, data, len, &a);
}

/* ---- paths ---- */

/* For every switch, the port towards switch 'dst' on a shortest path (0 when
 * it has none, or is 'dst').  'ports' has n->n_sw entries, by index. */
static void net_ports_towards(const struct net *n, uint64_t dst, uint32_t *ports, bool *reach)
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

static const struct net_lb *net_find_lb(const struct net *n, uint32_t vip)
{
    for (size_t i = 0; i < n->n_lbs; i++)
        if (n->lbs[i].vip == vip)
            return &n->lbs[i];
    return NULL;
}

/* The MAC clients get in ARP for a balanced address: the switches carry
 * frames to it to the balancer. */
static void net_lb_mac(uint32_t vip, uint8_t mac[6])
{
    mac[0] = 0x02, mac[1] = 0x6c, mac[2] = (uint8_t)(vip >> 24), mac[3] = (uint8_t)(vip >> 16),
    mac[4] = (uint8_t)(vip >> 8), mac[5] = (uint8_t)vip;
}

/* Installs host 'h''s routes on every connected switch, or only on switch
 * 'only' when it is not 0. */
static void net_install_host(struct net *n, const struct net_host *h, uint64_t only)
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

static void net_ip_bytes(uint32_t v, uint8_t ip[4])
{
    ip[0] = (uint8_t)(v >> 24), ip[1] = (uint8_t)(v >> 16), ip[2] = (uint8_t)(v >> 8), ip[3] = (uint8_t)v;
}

/* At the rewriting switch: packets from 'from' get 'to' as source (routed
 * ones routed here, as the first switch would have). */
static void net_rewrite_src(struct net *n, uint64_t dpid, uint64_t cookie, uint32_t from, uint32_t to)
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

/* Elsewhere: what 'src' sends goes out of 'port', towards the rewriting switch. */
static void net_steer_src(struct net *n, uint64_t dpid, uint64_t cookie, uint32_t src, uint32_t port)
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
static void net_route_dst(struct net *n, uint64_t dpid, uint64_t cookie, uint16_t prio, uint32_t dst,
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

/* Installs rewrite 'x' on every connected switch (see flows.h). */
static void net_install_nat(struct net *n, const struct net_nat *x)
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
                net_flow_init(&m, NET_TABLE_CLASSIFY, routed ? NET_PRIO_NAT_ROUTED : NET_PRIO_NAT, cookie);
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
                ofp_instructions_push(&m.flow_mod.instructions, OFPIT_GOTO_TABLE)->table_id = NET_TABLE_FORWARD;
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

static void net_arp_probe(struct net *n, uint32_t ip);

static uint32_t lb_group_id(const struct net_lb *b, uint32_t port)
{
    return (b->vip & 0xfffffu) << 10 | (port & 0x3ffu);
}

/* Installs balancer 'b' (see flows.h): one select group per port of the
 * balancing switch (a bucket whose backend lies behind the packet's own
 * port must say IN_PORT), flows sending the address to it, and the return
 * rewrite of the backends' sources. */
static void net_install_lb(struct net *n, const struct net_lb *b)
{
    size_t ns = n->n_sw + 1;
    uint32_t *to_at = xmalloc(ns * sizeof *to_at);
    bool *reach_at = xmalloc(ns * sizeof *reach_at);
    net_ports_towards(n, b->at, to_at, reach_at);
    uint64_t cookie = NET_COOKIE(NET_OWNER_LB, b->vip);
    uint8_t vmac[6];
    net_lb_mac(b->vip, vmac);
    /* Where each backend is, as seen from the balancing switch. */
    uint32_t be_port[NET_LB_MAX] = {0};
    const struct net_host *be_host[NET_LB_MAX] = {0};
    uint32_t *tmp = xmalloc(ns * sizeof *tmp);
    bool *rtmp = xmalloc(ns * sizeof *rtmp);
    size_t at_i = ns;
    for (size_t i = 0; i < n->n_sw; i++)
        if (n->sw[i].dpid == b->at)
            at_i = i;
    for (size_t k = 0; k < b->n_be; k++) {
        const struct net_host *h = net_find_host_ip(n, b->be[k].ip);
        be_host[k] = h;
        if (!h)
            net_arp_probe(n, b->be[k].ip); /* its bucket comes when it answers (net_learn()) */
        if (!h || at_i == ns)
            continue;
        if (h->dpid == b->at) {
            be_port[k] = h->port;
        } else {
            net_ports_towards(n, h->dpid, tmp, rtmp);
            be_port[k] = rtmp[at_i] ? tmp[at_i] : 0;
        }
    }
    /* While no backend's place is known (just after a restart), the
     * balancing switch keeps what it has: groups without a bucket would drop
     * what its groups of before still deliver.  The backends are probed, and
     * net_learn() comes back here. */
    size_t placed = 0;
    for (size_t k = 0; k < b->n_be; k++)
        placed += be_port[k] != 0;
    for (size_t i = 0; i < n->n_sw; i++) {
        struct net_switch *s = &n->sw[i];
        if (!s->connected || (s->dpid == b->at && !placed))
            continue;
        net_delete_cookie(n, s->dpid, cookie);
        struct ofp_msg m;
        /* A backend at the balanced address itself (the original VM in
         * place) is reached by its MAC once the balancer chose it. */
        for (size_t k = 0; k < b->n_be; k++) {
            const struct net_host *h = be_host[k];
            if (b->be[k].ip != b->vip || !h || s->dpid == b->at)
                continue;
            uint32_t out = h->dpid == s->dpid ? h->port : 0;
            if (!out) {
                net_ports_towards(n, h->dpid, tmp, rtmp);
                if (!rtmp[i])
                    continue;
                out = tmp[i];
            }
            net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_LB_DIRECT, cookie);
            ofp_match_add_u16(&m.flow_mod.match, OXM_ETH_TYPE, ETH_TYPE_IPV4);
            ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, b->be[k].mac, 6, NULL);
            ofp_match_add_u32(&m.flow_mod.match, OXM_IPV4_DST, b->vip);
            ofp_action_output(net_flow_apply(&m), out);
            net_send_msg(n, s->dpid, &m);
        }
        if (s->dpid != b->at) {
            if (!reach_at[i])
                continue;
            /* The balanced address lives at the balancer; the backends'
             * replies go there to get it back as their source. */
            net_route_dst(n, s->dpid, cookie, NET_PRIO_HOST + 10, b->vip, vmac, to_at[i]);
            for (size_t k = 0; k < b->n_be; k++)
                if (b->be[k].ip != b->vip)
                    net_steer_src(n, s->dpid, cookie, b->be[k].ip, to_at[i]);
            continue;
        }
        /* The balancer: a group per port. */
        for (size_t p = 0; p < s->n_ports; p++) {
            uint32_t no = s->ports[p].no;
            if (no >= OFPP_MAX)
                continue;
            uint32_t gid = lb_group_id(b, no);
            memset(&m, 0, sizeof m);
            m.type = OFPT_GROUP_MOD;
            m.group_mod.command = OFPGC_DELETE;
            m.group_mod.group_id = gid;
            net_send_msg(n, s->dpid, &m);
            memset(&m, 0, sizeof m);
            m.type = OFPT_GROUP_MOD;
            m.group_mod.command = OFPGC_ADD;
            m.group_mod.type = OFPGT_SELECT;
            m.group_mod.group_id = gid;
            m.group_mod.buckets = xcalloc(b->n_be + 1, sizeof *m.group_mod.buckets);
            for (size_t k = 0; k < b->n_be; k++) {
                if (!be_port[k])
                    continue;
                struct ofp_bucket *bk = &m.group_mod.buckets[m.group_mod.n_buckets++];
                bk->weight = 1;
                bk->watch_port = OFPP_ANY;
                bk->watch_group = OFPG_ANY;
                ofp_action_set_field(&bk->actions, OXM_ETH_DST, b->be[k].mac, 6);
                if (b->be[k].ip != b->vip) {
                    uint8_t ip[4];
                    net_ip_bytes(b->be[k].ip, ip);
                    ofp_action_set_field(&bk->actions, OXM_IPV4_DST, ip, 4);
                }
                ofp_action_output(&bk->actions, be_port[k] == no ? OFPP_IN_PORT : be_port[k]);
            }
            net_send_msg(n, s->dpid, &m);
            for (int routed = 1; routed >= 0; routed--) {
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
                net_send_msg(n, s->dpid, &m);
            }
        }
        /* Replies: the backend's address becomes the balanced one. */
        for (size_t k = 0; k < b->n_be; k++)
            if (b->be[k].ip != b->vip)
                net_rewrite_src(n, s->dpid, cookie, b->be[k].ip, b->vip);
    }
    free(tmp), free(rtmp), free(to_at), free(reach_at);
}

static void net_install_flood(struct net *n)
{
    /* Spanning tree: breadth-first from the connected switch with the
     * lowest datapath id; a port is in the tree if a tree link uses it. */
    size_t ns = n->n_sw;
    bool *in = xcalloc(ns + 1, sizeof *in);
    size_t *queue = xmalloc((ns + 1) * sizeof *queue);
    struct {
        uint64_t dpid;
        uint32_t port;
    } *tree = xmalloc((2 * ns + 1) * sizeof *tree);
    size_t n_tree = 0, head = 0, tail = 0, root = ns;
    for (size_t i = 0; i < ns; i++)
        if (n->sw[i].connected && (root == ns || n->sw[i].dpid < n->sw[root].dpid))
            root = i;
    if (root < ns) {
        in[root] = true;
        queue[tail++] = root;
    }
    while (head < tail) {
        const struct net_switch *y = &n->sw[queue[head++]];
        for (size_t l = 0; l < n->n_links; l++) {
            const struct net_link *lk = &n->links[l];
            if (lk->a != y->dpid)
                continue;
            for (size_t x = 0; x < ns; x++)
                if (n->sw[x].dpid == lk->b && !in[x] && n->sw[x].connected) {
                    in[x] = true;
                    queue[tail++] = x;
                    tree[n_tree].dpid = lk->a, tree[n_tree++].port = lk->a_port;
                    tree[n_tree].dpid = lk->b, tree[n_tree++].port = lk->b_port;
                }
        }
    }
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (size_t i = 0; i < ns; i++) {
        struct net_switch *s = &n->sw[i];
        if (!s->connected)
            continue;
        struct ofp_msg m;
        net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_FLOOD, NET_COOKIE(NET_OWNER_FLOOD, 0));
        ofp_match_add(&m.flow_mod.match, OXM_ETH_DST, bcast, 6, NULL);
        struct ofp_actions *a = net_flow_apply(&m);
        for (size_t p = 0; p < s->n_ports; p++) {
            uint32_t no = s->ports[p].no;
            if (no >= OFPP_MAX || !s->ports[p].up)
                continue;
            bool tree_port = false;
            for (size_t t = 0; t < n_tree; t++)
                tree_port |= tree[t].dpid == s->dpid && tree[t].port == no;
            if (tree_port || !net_is_link_port(n, s->dpid, no))
                ofp_action_output(a, no);
        }
        net_send_msg(n, s->dpid, &m);
    }
    free(in);
    free(queue);
    free(tree);
}

static void recompute(struct net *n)
{
    n->dirty = false;
    net_install_flood(n);
    for (size_t i = 0; i < n->n_hosts; i++)
        net_install_host(n, &n->hosts[i], 0);
    for (size_t i = 0; i < n->n_nats; i++)
        net_install_nat(n, &n->nats[i]);
    for (size_t i = 0; i < n->n_lbs; i++)
        net_install_lb(n, &n->lbs[i]);
}

/* ---- switches, ports, links ---- */

static char *topo_name_for(const struct net *n, uint64_t dpid)
{
    for (size_t i = 0; i < n->t->n_nodes; i++)
        if (n->t->nodes[i].kind == TOPO_SWITCH && n->t->nodes[i].dpid == dpid)
            return xstrdup(n->t->nodes[i].name);
    return xasprintf("%016" PRIx64, dpid);
}

struct net *net_create(const struct topo *t, const struct net_io *io)
{
    struct net *n = xcalloc(1, sizeof *n);
    n->t = t;
    n->io = *io;
    n->graph = topo_graph_create(t);
    n->root = topo_graph_center(n->graph);
    n->root_dist = xmalloc((t->n_nodes ? t->n_nodes : 1) * sizeof *n->root_dist);
    for (size_t i = 0; i < t->n_nodes; i++)
        n->root_dist[i] = 0;
    if (n->root >= 0)
        topo_graph_crossed(n->graph, (size_t)n->root, n->root_dist);
    return n;
}

void net_destroy(struct net *n)
{
    if (!n)
        return;
    topo_graph_destroy(n->graph);
    free(n->root_dist);
    free(n->nats);
    free(n->lbs);
    for (size_t i = 0; i < n->n_sw; i++) {
        free(n->sw[i].name);
        free(n->sw[i].ports);
        free(n->sw[i].seen_cookies);
    }
    for (size_t i = 0; i < n->n_pending; i++)
        free(n->pending[i].data);
    free(n->sw);
    free(n->links);
    free(n->hosts);
    free(n);
}

static void net_remove_links_of(struct net *n, uint64_t dpid, uint32_t port, bool whole_switch)
{
    size_t j = 0;
    for (size_t i = 0; i < n->n_links; i++) {
        struct net_link *l = &n->links[i];
        bool gone = whole_switch ? (l->a == dpid || l->b == dpid)
                                 : ((l->a == dpid && l->a_port == port) || (l->b == dpid && l->b_port == port));
        if (gone) {
            LOG_INF("link %s:%u -> %s:%u down", net_switch_name(n, l->a), l->a_port, net_switch_name(n, l->b),
                    l->b_port);
            net_emit(n, "link.down", link_json(n, l));
            n->dirty = true;
        } else {
            n->links[j++] = *l;
        }
    }
    n->n_links = j;
}

void net_switch_up(struct net *n, uint64_t dpid, const struct ofp_port *ports, size_t n_ports, double now)
{
    struct net_switch *s = net_find_sw(n, dpid);
    if (!s) {
        xgrow(&n->sw, &n->sw_cap, n->n_sw + 1, sizeof *n->sw);
        s = &n->sw[n->n_sw++];
        memset(s, 0, sizeof *s);
        s->dpid = dpid;
        s->name = topo_name_for(n, dpid);
    }
    s->connected = true;
    s->connected_at = now;
    s->sweep_requested = s->swept = false;
    s->n_seen = 0;
    free(s->ports);
    s->ports = xcalloc(n_ports + 1, sizeof *s->ports);
    s->n_ports = n_ports;
    for (size_t i = 0; i < n_ports; i++) {
        s->ports[i].no = ports[i].port_no;
        memcpy(s->ports[i].name, ports[i].name, sizeof s->ports[i].name);
        memcpy(s->ports[i].mac, ports[i].hw_addr, 6);
        s->ports[i].up = !(ports[i].config & OFPPC_PORT_DOWN) && !(ports[i].state & OFPPS_LINK_DOWN);
    }
    LOG_INF("switch %s (%016" PRIx64 ") up, %zu ports", s->name, dpid, n_ports);
    char dp[17];
    snprintf(dp, sizeof dp, "%016" PRIx64, dpid);
    net_emit(n, "switch.up", json_pack("{s:s, s:s, s:i}", "switch", s->name, "dpid", dp, "ports", (int)n_ports));
    install_base(n, dpid);
    n->dirty = true;
    n->last_lldp = 0; /* probe now */
}

void net_switch_down(struct net *n, uint64_t dpid)
{
    struct net_switch *s = net_find_sw(n, dpid);
    if (!s || !s->connected)
        return;
    s->connected = false;
    LOG_INF("switch %s down", s->name);
    net_emit(n, "switch.down", json_pack("{s:s}", "switch", s->name));
    net_remove_links_of(n, dpid, 0, true);
    n->dirty = true;
}

void net_port_status(struct net *n, uint64_t dpid, uint8_t reason, const struct ofp_port *port)
{
    struct net_switch *s = net_find_sw(n, dpid);
    if (!s)
        return;
    struct net_port *p = find_port(s, port->port_no);
    bool up = reason != 1 /* delete */ && !(port->config & OFPPC_PORT_DOWN) && !(port->state & OFPPS_LINK_DOWN);
    if (!p && reason != 1) {
        s->ports = xrealloc(s->ports, (s->n_ports + 1) * sizeof *s->ports);
        p = &s->ports[s->n_ports++];
        memset(p, 0, sizeof *p);
        p->no = port->port_no;
        memcpy(p->name, port->name, sizeof p->name);
        memcpy(p->mac, port->hw_addr, 6);
    }
    if (p && p->up != up) {
        LOG_INF("switch %s port %u (%s) %s", s->name, port->port_no, port->name, up ? "up" : "down");
        p->up = up;
        n->dirty = true;
    }
    if (!up)
        net_remove_links_of(n, dpid, port->port_no, false);
}

static void net_send_lldp(struct net *n)
{
    for (size_t i = 0; i < n->n_sw; i++) {
        struct net_switch *s = &n->sw[i];
        if (!s->connected)
            continue;
        for (size_t p = 0; p < s->n_ports; p++) {
            if (s->ports[p].no >= OFPP_MAX || !s->ports[p].up)
                continue;
            size_t len;
            uint8_t *f = pkt_build_lldp(s->dpid, s->ports[p].no, s->ports[p].mac, &len);
            net_send_frame(n, s->dpid, s->ports[p].no, f, len);
            free(f);
        }
    }
}

static void net_saw_lldp(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k, double now)
{
    struct net_switch *from = net_find_sw(n, k->lldp_dpid);
    if (!from || !from->connected || k->lldp_dpid == dpid)
        return;
    for (size_t i = 0; i < n->n_links; i++) {
        struct net_link *l = &n->links[i];
        if (l->a == k->lldp_dpid && l->a_port == k->lldp_port && l->b == dpid && l->b_port == in_port) {
            l->seen = now;
            return;
        }
    }
    /* A port that leads to a switch hosts no host: forget any learned there. */
    size_t j = 0;
    for (size_t i = 0; i < n->n_hosts; i++) {
        struct net_host *h = &n->hosts[i];
        if ((h->dpid == dpid && h->port == in_port) || (h->dpid == k->lldp_dpid && h->port == k->lldp_port)) {
            for (size_t w = 0; w < n->n_sw; w++)
                if (n->sw[w].connected)
                    net_delete_cookie(n, n->sw[w].dpid, NET_COOKIE(NET_OWNER_HOST, h->ip));
        } else {
            n->hosts[j++] = *h;
        }
    }
    n->n_hosts = j;
    xgrow(&n->links, &n->links_cap, n->n_links + 1, sizeof *n->links);
    n->links[n->n_links++] =
        (struct net_link){.a = k->lldp_dpid, .a_port = k->lldp_port, .b = dpid, .b_port = in_port, .seen = now};
    LOG_INF("link %s:%u -> %s:%u up", from->name, k->lldp_port, net_switch_name(n, dpid), in_port);
    net_emit(n, "link.up", link_json(n, &n->links[n->n_links - 1]));
    n->dirty = true;
}

/* ---- hosts ---- */

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
static void net_learn(struct net *n, uint64_t dpid, uint32_t port, const uint8_t mac[6], uint32_t ip, double now)
{
    if (!ip || is_gateway(n, ip) || pkt_mac_is_multicast(mac) || !net_subnet_of(n, ip) || net_find_nat(n, ip))
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
        LOG_INF("host %s moved: %s:%u -> %s:%u (%s)", topo_ip_str(ip, ib), net_switch_name(n, h->dpid), h->port,
                net_switch_name(n, dpid), port, pkt_mac_str(mac, mb));
        net_emit(n, "host.moved",
                 json_pack("{s:s, s:s, s:s, s:i, s:s, s:i}", "ip", ib, "mac", mb, "from", net_switch_name(n, h->dpid),
                           "from_port", (int)h->port, "to", net_switch_name(n, dpid), "to_port", (int)port));
        for (size_t i = 0; i < n->n_sw; i++)
            if (n->sw[i].connected)
                net_delete_cookie(n, n->sw[i].dpid, NET_COOKIE(NET_OWNER_HOST, ip));
        n->stats.host_moves++;
    } else {
        xgrow(&n->hosts, &n->hosts_cap, n->n_hosts + 1, sizeof *n->hosts);
        h = &n->hosts[n->n_hosts++];
        h->ip = ip;
        n->stats.hosts_learned++;
        LOG_INF("host %s (%s) at %s:%u", topo_ip_str(ip, ib), pkt_mac_str(mac, mb), net_switch_name(n, dpid), port);
        net_emit(n, "host.learned", json_pack("{s:s, s:s, s:s, s:i}", "ip", ib, "mac", mb, "switch",
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

static struct net_switch *net_switch_of_subnet(const struct net *n, const struct topo_subnet *sn)
{
    return net_find_sw(n, n->t->nodes[sn->sw].dpid);
}

/* Sends 'frame' out of every up edge port of switch 's' but (dpid, in_port). */
static void net_to_edge_ports(struct net *n, struct net_switch *s, uint64_t dpid, uint32_t in_port,
                              const uint8_t *frame, size_t len)
{
    struct ofp_actions a = {0};
    for (size_t p = 0; p < s->n_ports; p++) {
        uint32_t no = s->ports[p].no;
        if (no >= OFPP_MAX || !s->ports[p].up || net_is_link_port(n, s->dpid, no) || (s->dpid == dpid && no == in_port))
            continue;
        ofp_action_output(&a, no);
    }
    if (a.n)
        net_packet_out(n, s->dpid, OFPP_CONTROLLER, frame, len, &a);
    else
        ofp_actions_free(&a);
}

/* Asks, from the gateway, who has 'ip' on its subnet's edge ports. */
static void net_arp_probe(struct net *n, uint32_t ip)
{
    const struct topo_subnet *sn = net_subnet_of(n, ip);
    struct net_switch *s = sn ? net_switch_of_subnet(n, sn) : NULL;
    if (!s || !s->connected)
        return;
    size_t len;
    uint8_t *f = pkt_build_arp(ARP_REQUEST, net_gateway_mac, sn->gateway, NULL, ip, NULL, &len);
    net_to_edge_ports(n, s, 0, 0, f, len);
    free(f);
}

static void net_handle_arp(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k, const uint8_t *frame,
                           size_t len, double now)
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
            uint8_t *r = pkt_build_arp(ARP_REPLY, answer, k->arp_tpa, k->arp_sha, k->arp_spa, k->eth_src, &rlen);
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

static void net_handle_ipv4_miss(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
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
    if (n->n_pending < PENDING_MAX) {
        struct net_pending *p = &n->pending[n->n_pending++];
        p->ip = k->ip_dst;
        p->data = xmalloc(len);
        memcpy(p->data, frame, len);
        p->len = len;
        p->at = now;
    }
    net_arp_probe(n, k->ip_dst);
}

void net_packet_in(struct net *n, uint64_t dpid, const struct ofp_msg *m, double now)
{
    n->stats.packet_ins++;
    uint32_t in_port;
    if (!ofp_match_in_port(&m->packet_in.match, &in_port) || !net_find_sw(n, dpid))
        return;
    struct pkt k;
    const uint8_t *frame = m->packet_in.data.data;
    size_t len = m->packet_in.data.len;
    if (!frame || !pkt_parse(frame, len, &k))
        return;
    switch (k.eth_type) {
    case ETH_TYPE_LLDP:
        if (k.lldp_ours)
            net_saw_lldp(n, dpid, in_port, &k, now);
        break;
    case ETH_TYPE_ARP:
        net_handle_arp(n, dpid, in_port, &k, frame, len, now);
        break;
    case ETH_TYPE_IPV4:
        net_handle_ipv4_miss(n, dpid, in_port, &k, frame, len, now);
        break;
    }
}

/* ---- restart: mark and sweep ---- */

static void net_request_sweep(struct net *n, struct net_switch *s)
{
    struct ofp_msg m;
    ofp_flow_stats_request(&m, NET_COOKIE_MARK, NET_COOKIE_MARK_MASK);
    s->sweep_requested = true;
    s->n_seen = 0;
    net_send_msg(n, s->dpid, &m);
}

/* A host route at its edge says where the host is: relearn it. */
static void relearn_from_flow(struct net *n, struct net_switch *s, const struct ofp_flow_stats *f)
{
    if ((f->cookie & NET_COOKIE_OWNER_MASK) != NET_COOKIE(NET_OWNER_HOST, 0) || f->instructions.n != 1)
        return;
    const struct ofp_actions *a = &f->instructions.i[0].actions;
    const uint8_t *mac = NULL;
    uint32_t port = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->a[i].type == OFPAT_SET_FIELD && a->a[i].field.field == OXM_ETH_DST)
            mac = a->a[i].field.value;
        if (a->a[i].type == OFPAT_OUTPUT)
            port = a->a[i].port;
    }
    uint32_t ip = (uint32_t)f->cookie;
    if (mac && port && port < OFPP_MAX && !net_is_link_port(n, s->dpid, port) && !net_find_host_ip(n, ip))
        net_learn(n, s->dpid, port, mac, ip, n->now);
}

static bool cookie_wanted(const struct net *n, uint64_t cookie)
{
    uint64_t owner = (cookie & NET_COOKIE_OWNER_MASK) >> 48 & 0xff;
    uint32_t id = (uint32_t)cookie;
    if ((cookie & 0x0000ffff00000000ull) != 0)
        return false;
    switch (owner) {
    case NET_OWNER_BASE:
        return id >= 1 && id < NET_BASE_COUNT;
    case NET_OWNER_FLOOD:
        return id == 0;
    case NET_OWNER_HOST:
        return net_find_host_ip(n, id) != NULL;
    case NET_OWNER_NAT:
        return net_find_nat(n, id) != NULL;
    case NET_OWNER_LB:
        return net_find_lb(n, id) != NULL;
    }
    return false; /* owners this controller does not run (yet) */
}

void net_flow_stats(struct net *n, uint64_t dpid, const struct ofp_flow_stats *flows, size_t n_flows, bool more)
{
    struct net_switch *s = net_find_sw(n, dpid);
    if (!s || !s->sweep_requested || s->swept)
        return;
    for (size_t i = 0; i < n_flows; i++) {
        xgrow(&s->seen_cookies, &s->seen_cap, s->n_seen + 1, sizeof *s->seen_cookies);
        s->seen_cookies[s->n_seen++] = flows[i].cookie;
        relearn_from_flow(n, s, &flows[i]);
    }
    if (more)
        return;
    s->swept = true;
    size_t swept = 0;
    for (size_t i = 0; i < s->n_seen; i++) {
        uint64_t c = s->seen_cookies[i];
        if ((c & NET_COOKIE_MARK_MASK) != NET_COOKIE_MARK || cookie_wanted(n, c))
            continue;
        net_delete_cookie(n, dpid, c);
        swept++;
    }
    n->stats.swept += swept;
    LOG_INF("switch %s: %zu flows of minidc found, %zu swept", s->name, s->n_seen, swept);
    n->dirty = true; /* re-assert everything wanted */
}

void net_tick(struct net *n, double now)
{
    n->now = now;
    if (now - n->last_lldp >= LLDP_INTERVAL) {
        n->last_lldp = now;
        net_send_lldp(n);
    }
    /* Links not seen for a while are gone. */
    size_t j = 0;
    for (size_t i = 0; i < n->n_links; i++) {
        struct net_link *l = &n->links[i];
        if (now - l->seen > LINK_TIMEOUT) {
            LOG_INF("link %s:%u -> %s:%u timed out", net_switch_name(n, l->a), l->a_port, net_switch_name(n, l->b),
                    l->b_port);
            n->dirty = true;
        } else {
            n->links[j++] = *l;
        }
    }
    n->n_links = j;
    /* Packets held too long for an answer that never came. */
    j = 0;
    for (size_t i = 0; i < n->n_pending; i++) {
        if (now - n->pending[i].at > PENDING_TTL)
            free(n->pending[i].data);
        else
            n->pending[j++] = n->pending[i];
    }
    n->n_pending = j;
    for (size_t i = 0; i < n->n_sw; i++) {
        struct net_switch *s = &n->sw[i];
        if (s->connected && !s->sweep_requested && now - s->connected_at >= SWEEP_DELAY)
            net_request_sweep(n, s);
    }
    if (n->dirty)
        recompute(n);
}

/* ---- views ---- */

/* Views list switches by name, links by their ends and hosts by where they
 * are, so that outputs are
 * stable whatever order switches connected in. */
static int cmp_json_by(const void *a, const void *b, const char *k1, const char *k2)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, k1)), json_string_value(json_object_get(y, k1)));
    if (c || !k2)
        return c;
    json_int_t p = json_integer_value(json_object_get(x, k2)), q = json_integer_value(json_object_get(y, k2));
    return p < q ? -1 : p > q;
}

static int cmp_by_name(const void *a, const void *b)
{
    return cmp_json_by(a, b, "name", NULL);
}

static int cmp_by_from(const void *a, const void *b)
{
    return cmp_json_by(a, b, "from", "from_port");
}

static int cmp_by_place(const void *a, const void *b)
{
    return cmp_json_by(a, b, "switch", "port");
}

static json_t *sorted(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    json_t **v = xmalloc((n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, v[i]);
    free(v);
    json_decref(arr);
    return out;
}

json_t *net_switches_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_sw; i++) {
        const struct net_switch *s = &n->sw[i];
        char dp[17];
        snprintf(dp, sizeof dp, "%016" PRIx64, s->dpid);
        json_t *ports = json_array();
        for (size_t p = 0; p < s->n_ports; p++) {
            if (s->ports[p].no >= OFPP_MAX)
                continue;
            json_array_append_new(ports, json_pack("{s:I, s:s, s:b, s:b}", "port", (json_int_t)s->ports[p].no,
                                                   "name", s->ports[p].name, "up", s->ports[p].up, "link",
                                                   net_is_link_port(n, s->dpid, s->ports[p].no)));
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o}", "name", s->name, "dpid", dp, "connected",
                                             s->connected, "ports", ports));
    }
    return sorted(arr, cmp_by_name);
}

json_t *net_links_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_links; i++) {
        const struct net_link *l = &n->links[i];
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:I, s:f}", "from", net_switch_name(n, l->a),
                                             "from_port", (json_int_t)l->a_port, "to", net_switch_name(n, l->b),
                                             "to_port", (json_int_t)l->b_port, "age", n->now > l->seen ? n->now - l->seen : 0.0));
    }
    return sorted(arr, cmp_by_from);
}

json_t *net_hosts_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_hosts; i++) {
        const struct net_host *h = &n->hosts[i];
        char ip[16], mac[18];
        const struct topo_subnet *sn = net_subnet_of(n, h->ip);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:s, s:f}", "ip", topo_ip_str(h->ip, ip), "mac",
                                             pkt_mac_str(h->mac, mac), "switch", net_switch_name(n, h->dpid),
                                             "port", (json_int_t)h->port, "subnet", sn ? sn->name : "",
                                             "age", n->now > h->seen ? n->now - h->seen : 0.0));
    }
    return sorted(arr, cmp_by_place);
}

/* ---- address rewrite for VMs moved across subnets ---- */

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
    return json_pack("{s:s, s:s, s:s, s:s}", "old", topo_ip_str(x->old_ip, o), "new", topo_ip_str(x->new_ip, w),
                     "mac", pkt_mac_str(x->mac, mb), "switch", net_switch_name(n, x->at));
}

uint64_t net_nat_set(struct net *n, uint32_t old_ip, uint32_t new_ip, const uint8_t mac[6], uint64_t at)
{
    size_t i = 0;
    while (i < n->n_nats && n->nats[i].old_ip != old_ip)
        i++;
    uint64_t cookie = NET_COOKIE(NET_OWNER_NAT, old_ip);
    if (!new_ip || new_ip == old_ip) {
        if (i == n->n_nats)
            return 0;
        json_t *ev = nat_json(n, &n->nats[i]);
        for (size_t w = 0; w < n->n_sw; w++)
            if (n->sw[w].connected)
                net_delete_cookie(n, n->sw[w].dpid, cookie);
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
        for (size_t w = 0; w < n->n_sw; w++)
            if (n->sw[w].connected)
                net_delete_cookie(n, n->sw[w].dpid, NET_COOKIE(NET_OWNER_HOST, old_ip));
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

/* ---- on-demand load balancers ---- */

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
    return json_pack("{s:s, s:s, s:o}", "address", topo_ip_str(b->vip, v), "switch", net_switch_name(n, b->at),
                     "backends", be);
}

uint64_t net_lb_set(struct net *n, uint32_t vip, const uint32_t *ips, const uint8_t (*macs)[6], size_t count,
                    uint64_t at)
{
    size_t i = 0;
    while (i < n->n_lbs && n->lbs[i].vip != vip)
        i++;
    uint64_t cookie = NET_COOKIE(NET_OWNER_LB, vip);
    if (count < 2) {
        if (i == n->n_lbs)
            return 0;
        json_t *ev = lb_json(n, &n->lbs[i]);
        for (size_t w = 0; w < n->n_sw; w++)
            if (n->sw[w].connected) {
                net_delete_cookie(n, n->sw[w].dpid, cookie);
                for (size_t p = 0; n->sw[w].dpid == n->lbs[i].at && p < n->sw[w].n_ports; p++) {
                    struct ofp_msg m;
                    memset(&m, 0, sizeof m);
                    m.type = OFPT_GROUP_MOD;
                    m.group_mod.command = OFPGC_DELETE;
                    m.group_mod.group_id = lb_group_id(&n->lbs[i], n->sw[w].ports[p].no);
                    net_send_msg(n, n->sw[w].dpid, &m);
                }
            }
        n->lbs[i] = n->lbs[--n->n_lbs];
        net_emit(n, "balancer.removed", ev);
        return 0;
    }
    bool created = i == n->n_lbs;
    if (created) {
        xgrow(&n->lbs, &n->lbs_cap, n->n_lbs + 1, sizeof *n->lbs);
        n->n_lbs++;
    }
    struct net_lb *b = &n->lbs[i];
    if (!at) {
        /* The switch common to every backend's subnet nearest the root. */
        uint64_t root = net_root_switch(n);
        at = root;
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
    }
    if (!created && b->at != at) {
        net_lb_set(n, vip, NULL, NULL, 0, 0);
        return net_lb_set(n, vip, ips, macs, count, at);
    }
    b->vip = vip;
    b->at = at;
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
    LOG_INF("balancer for %s at %s, %zu backends", json_string_value(json_object_get(ev, "address")),
            net_switch_name(n, b->at), b->n_be);
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
