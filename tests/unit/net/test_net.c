/* Tests of src/net, the network logic, through net.h: driven by events with
 * a fake send that records the OpenFlow messages: ARP answers, host learning
 * and moves, routes along the links LLDP found, the sweep after a reconnect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/flows.h"
#include "net/net.h"
#include "net/pkt.h"
#include "util/xalloc.h"

/* Two switches in a line, a subnet on each:  h1 - s1 === s2 - h2 */
static const char *const topo_yaml =
    "name: t\n"
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
    "management: {subnet: 192.0.2.0/24}\n"
    "subnets:\n"
    "  - {name: a, prefix: 198.18.1.0/24, gateway: 198.18.1.254, switch: s1}\n"
    "  - {name: b, prefix: 198.18.2.0/24, gateway: 198.18.2.254, switch: s2}\n"
    "switches: [{name: s1, dpid: '1'}, {name: s2, dpid: '2'}]\n"
    "servers: [{name: h1, address: 198.18.1.1}, {name: h2, address: 198.18.2.1}]\n"
    "links: [[s1, s2], [s1, h1], [s2, h2]]\n";

struct sent {
    uint64_t dpid;
    struct ofp_msg m; /* a decoded copy */
};

static struct sent *log_;
static size_t n_log;

static void record(void *ctx, uint64_t dpid, const struct ofp_msg *m)
{
    (void)ctx;
    size_t len;
    uint8_t *wire = ofp_encode(m, &len);
    assert_non_null(wire);
    log_ = xrealloc(log_, (n_log + 1) * sizeof *log_);
    log_[n_log].dpid = dpid;
    assert_int_equal(ofp_decode(wire, len, &log_[n_log].m), 0);
    n_log++;
    free(wire);
}

static void clear_log(void)
{
    for (size_t i = 0; i < n_log; i++)
        ofp_msg_free(&log_[i].m);
    free(log_);
    log_ = NULL;
    n_log = 0;
}

/* The events published, in order (their data taken). */
static struct {
    char type[32];
    json_t *data;
} events[16];
static size_t n_events;

static void record_event(void *ctx, const char *type, json_t *data)
{
    (void)ctx;
    if (n_events == sizeof events / sizeof *events) {
        json_decref(data);
        return;
    }
    snprintf(events[n_events].type, sizeof events[n_events].type, "%s", type);
    events[n_events++].data = data;
}

static void clear_events(void)
{
    for (size_t i = 0; i < n_events; i++)
        json_decref(events[i].data);
    n_events = 0;
}

static struct topo *topo;
static struct net *net;

static void ports(struct ofp_port *p, int n)
{
    for (int i = 0; i < n; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].port_no = (uint32_t)i + 1;
        p[i].hw_addr[5] = (uint8_t)(i + 1);
    }
}

static int setup(void **state)
{
    (void)state;
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    topo = topo_load_string("t.yaml", topo_yaml, &dl);
    diag_list_free(&dl);
    if (!topo)
        return -1;
    struct net_io io = {.send = record, .event = record_event};
    net = net_create(topo, &io);
    struct ofp_port p[3];
    ports(p, 3);
    net_switch_up(net, 1, p, 3, 0.0);
    net_switch_up(net, 2, p, 3, 0.0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    net_destroy(net);
    topo_free(topo);
    clear_log();
    clear_events();
    return 0;
}

/* Feeds switch 'dpid' a packet-in of 'frame' from 'port'. */
static void packet_in(uint64_t dpid, uint32_t port, const uint8_t *frame, size_t len, double now)
{
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP13_VERSION;
    m.type = OFPT_PACKET_IN;
    m.packet_in.buffer_id = OFP_NO_BUFFER;
    ofp_match_add_u32(&m.packet_in.match, OXM_IN_PORT, port);
    m.packet_in.data.data = (uint8_t *)frame;
    m.packet_in.data.len = len;
    net_packet_in(net, dpid, &m, now);
}

/* LLDP both ways between s1 port 1 and s2 port 1. */
static void discover_link(double now)
{
    size_t len;
    uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    uint8_t *f = pkt_build_lldp(1, 1, mac, &len);
    packet_in(2, 1, f, len, now);
    free(f);
    f = pkt_build_lldp(2, 1, mac, &len);
    packet_in(1, 1, f, len, now);
    free(f);
}

static size_t count(uint8_t type, uint64_t dpid)
{
    size_t n = 0;
    for (size_t i = 0; i < n_log; i++)
        n += log_[i].m.type == type && (!dpid || log_[i].dpid == dpid);
    return n;
}

static const struct ofp_flow_mod *host_flow(uint64_t dpid, uint8_t table, uint32_t ip)
{
    const struct ofp_flow_mod *last = NULL;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (log_[i].dpid == dpid && m->type == OFPT_FLOW_MOD && m->flow_mod.command == OFPFC_ADD &&
            m->flow_mod.table_id == table && m->flow_mod.cookie == NET_COOKIE(NET_OWNER_HOST, ip))
            last = &m->flow_mod;
    }
    return last;
}

static uint32_t out_port(const struct ofp_flow_mod *fm)
{
    const struct ofp_actions *a = &fm->instructions.i[0].actions;
    return a->a[a->n - 1].port;
}

static void test_base_flows_on_connect(void **state)
{
    (void)state;
    /* Each switch got its base flows, including the routed rule to table 2. */
    size_t routed = 0;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (m->type == OFPT_FLOW_MOD &&
            m->flow_mod.cookie == NET_COOKIE(NET_OWNER_BASE, NET_BASE_ROUTED)) {
            routed++;
            assert_int_equal(m->flow_mod.priority, NET_PRIO_ROUTED);
            assert_int_equal(m->flow_mod.instructions.i[1].table_id, NET_TABLE_ROUTED);
        }
    }
    assert_int_equal(routed, 2);
}

static void test_arp_for_gateway_is_answered(void **state)
{
    (void)state;
    clear_log();
    uint8_t h1[6] = {2, 0, 0, 0, 1, 1};
    size_t len;
    uint8_t *f = pkt_build_arp(ARP_REQUEST, h1, 0xc6120101, NULL, 0xc61201fe, NULL, &len);
    packet_in(1, 2, f, len, 1.0);
    free(f);
    /* One packet-out on s1 back to port 2, an ARP reply from the gateway MAC. */
    bool found = false;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (m->type != OFPT_PACKET_OUT || log_[i].dpid != 1)
            continue;
        struct pkt k;
        assert_true(pkt_parse(m->packet_out.data.data, m->packet_out.data.len, &k));
        if (k.eth_type == ETH_TYPE_ARP && k.arp_op == ARP_REPLY) {
            assert_memory_equal(k.arp_sha, net_gateway_mac, 6);
            assert_int_equal(k.arp_spa, 0xc61201fe);
            assert_int_equal(m->packet_out.actions.a[0].port, 2);
            found = true;
        }
    }
    assert_true(found);
    assert_int_equal(net_get_stats(net)->hosts_learned, 1);
}

static void test_routes_follow_links(void **state)
{
    (void)state;
    discover_link(2.0);
    net_tick(net, 2.0);
    clear_log();
    uint8_t h2[6] = {2, 0, 0, 0, 2, 1};
    size_t len;
    uint8_t *f = pkt_build_arp(ARP_REQUEST, h2, 0xc6120201, NULL, 0xc61202fe, NULL, &len);
    packet_in(2, 2, f, len, 2.5);
    free(f);
    /* h2's route: on s2 out of its port 2, on s1 over the link (port 1);
     * table 2 rewrites the destination MAC, table 1 does not. */
    const struct ofp_flow_mod *s2 = host_flow(2, NET_TABLE_FORWARD, 0xc6120201);
    const struct ofp_flow_mod *s1 = host_flow(1, NET_TABLE_FORWARD, 0xc6120201);
    const struct ofp_flow_mod *s1r = host_flow(1, NET_TABLE_ROUTED, 0xc6120201);
    assert_non_null(s2);
    assert_non_null(s1);
    assert_non_null(s1r);
    assert_int_equal(out_port(s2), 2);
    assert_int_equal(out_port(s1), 1);
    assert_int_equal(s1->instructions.i[0].actions.n, 1);
    assert_int_equal(s1r->instructions.i[0].actions.a[0].type, OFPAT_SET_FIELD);
    assert_memory_equal(s1r->instructions.i[0].actions.a[0].field.value, h2, 6);
    assert_int_equal(s1->idle_timeout, NET_HOST_IDLE_TIMEOUT);
}

static void test_a_move_is_not_a_duplicate(void **state)
{
    (void)state;
    clear_log();
    /* h2 (same MAC, same address) now shows up on s2's port 3. */
    uint8_t h2[6] = {2, 0, 0, 0, 2, 1};
    size_t len;
    uint8_t *f = pkt_build_arp(ARP_REQUEST, h2, 0xc6120201, NULL, 0xc61202fe, NULL, &len);
    packet_in(2, 3, f, len, 3.0);
    free(f);
    assert_int_equal(net_get_stats(net)->host_moves, 1);
    /* Its old flows went everywhere, by cookie, before the new ones. */
    size_t deletes = 0;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (m->type == OFPT_FLOW_MOD && m->flow_mod.command == OFPFC_DELETE &&
            m->flow_mod.cookie == NET_COOKIE(NET_OWNER_HOST, 0xc6120201) &&
            m->flow_mod.cookie_mask == ~0ull)
            deletes++;
    }
    assert_int_equal(deletes, 2);
    assert_int_equal(out_port(host_flow(2, NET_TABLE_FORWARD, 0xc6120201)), 3);
    /* Still one host entry for the address, now at port 3. */
    json_t *hosts = net_hosts_json(net);
    size_t i, n = 0;
    json_t *h;
    json_array_foreach(hosts, i, h)
        if (!strcmp(json_string_value(json_object_get(h, "ip")), "198.18.2.1")) {
            n++;
            assert_int_equal(json_integer_value(json_object_get(h, "port")), 3);
        }
    assert_int_equal(n, 1);
    json_decref(hosts);
}

static void test_link_loss_removes_routes(void **state)
{
    (void)state;
    clear_log();
    /* No LLDP for longer than the timeout: the link goes, and s1 can no
     * longer reach h2: its route there is deleted. */
    net_tick(net, 10.0);
    size_t deletes = 0;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (log_[i].dpid == 1 && m->type == OFPT_FLOW_MOD && m->flow_mod.command == OFPFC_DELETE &&
            m->flow_mod.cookie == NET_COOKIE(NET_OWNER_HOST, 0xc6120201))
            deletes++;
    }
    assert_true(deletes >= 1);
    json_t *links = net_links_json(net);
    assert_int_equal(json_array_size(links), 0);
    json_decref(links);
}

static void test_sweep_after_reconnect(void **state)
{
    (void)state;
    struct ofp_port p[3];
    ports(p, 3);
    net_switch_up(net, 1, p, 3, 20.0);
    clear_log();
    net_tick(net, 22.0); /* past the sweep delay: flows asked for */
    assert_true(count(OFPT_MULTIPART_REQUEST, 1) == 1);
    /* The switch holds a wanted base flow, a route to an unknown host, an
     * owner this controller does not run, and a flow that is not minidc's. */
    struct ofp_flow_stats f[4];
    memset(f, 0, sizeof f);
    f[0].cookie = NET_COOKIE(NET_OWNER_BASE, NET_BASE_ARP);
    f[1].cookie = NET_COOKIE(NET_OWNER_HOST, 0xc6120163);
    f[2].cookie = NET_COOKIE(NET_OWNER_LB, 7);
    f[3].cookie = 0x1234;
    clear_log();
    net_flow_stats(net, 1, f, 4, false);
    size_t deleted = 0;
    bool kept[4] = {true, true, true, true};
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (m->type != OFPT_FLOW_MOD || m->flow_mod.command != OFPFC_DELETE)
            continue;
        for (int k = 0; k < 4; k++)
            if (m->flow_mod.cookie == f[k].cookie) {
                kept[k] = false;
                deleted++;
            }
    }
    assert_true(kept[0] && !kept[1] && !kept[2] && kept[3]);
    assert_int_equal(deleted, 2);
    assert_int_equal(net_get_stats(net)->swept, 2);
}

/* Flow-mods adding a rewrite of 'ip' as destination, sent to switch 'dpid'. */
static size_t dst_rewrites(uint64_t dpid, uint32_t ip)
{
    size_t n = 0;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (log_[i].dpid != dpid || m->type != OFPT_FLOW_MOD || m->flow_mod.command != OFPFC_ADD ||
            !m->flow_mod.instructions.n)
            continue;
        const struct ofp_actions *a = &m->flow_mod.instructions.i[0].actions;
        for (size_t k = 0; k < a->n; k++) {
            const uint8_t *v = a->a[k].field.value;
            n += a->a[k].type == OFPAT_SET_FIELD && a->a[k].field.field == OXM_IPV4_DST &&
                 ((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]) == ip;
        }
    }
    return n;
}

static void test_rewrite_placement(void **state)
{
    (void)state;
    discover_link(1.0);
    net_tick(net, 1.0);
    uint8_t mac[6] = {2, 0x6d, 198, 18, 1, 5};
    uint32_t old_ip = 0xc6120105, new_ip = 0xc6120205; /* 198.18.1.5 moved to subnet b */
    /* root: the center (a tie here: the first switch). */
    assert_int_equal(net_rewrite_switch(net, new_ip), 1);
    clear_log();
    assert_int_equal(net_nat_set(net, old_ip, new_ip, mac, 0), 1);
    assert_int_equal(dst_rewrites(1, new_ip), 2); /* routed and not */
    assert_int_equal(dst_rewrites(2, new_ip), 0);
    /* nearest: the switch of the new address's subnet; the rewrite moves. */
    topo->rewrite_at = TOPO_REWRITE_NEAREST;
    assert_int_equal(net_rewrite_switch(net, new_ip), 2);
    clear_log();
    assert_int_equal(net_nat_set(net, old_ip, new_ip, mac, 0), 2);
    assert_int_equal(dst_rewrites(2, new_ip), 2);
    assert_int_equal(dst_rewrites(1, new_ip), 0);
    bool deleted_on_1 = false;
    for (size_t i = 0; i < n_log; i++)
        deleted_on_1 |= log_[i].dpid == 1 && log_[i].m.type == OFPT_FLOW_MOD &&
                        log_[i].m.flow_mod.command == OFPFC_DELETE &&
                        log_[i].m.flow_mod.cookie == NET_COOKIE(NET_OWNER_NAT, old_ip);
    assert_true(deleted_on_1);
    topo->rewrite_at = TOPO_REWRITE_ROOT;
}

/* The ids of the groups added (or deleted) at switch 'dpid' since the log was
 * cleared, into 'ids' (up to 16); returns how many. */
static size_t group_ids(uint64_t dpid, uint16_t command, uint32_t *ids)
{
    size_t n = 0;
    for (size_t i = 0; i < n_log && n < 16; i++)
        if (log_[i].dpid == dpid && log_[i].m.type == OFPT_GROUP_MOD &&
            log_[i].m.group_mod.command == command)
            ids[n++] = log_[i].m.group_mod.group_id;
    return n;
}

static bool shares_an_id(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t k = 0; k < nb; k++)
            if (a[i] == b[k])
                return true;
    return false;
}

static void test_balancer_groups_are_apart(void **state)
{
    (void)state;
    uint32_t ips[2] = {0xc612010a, 0xc612020a};
    uint8_t macs[2][6] = {{2, 0, 0, 0, 1, 10}, {2, 0, 0, 0, 2, 10}};
    /* Three balanced addresses at s1: 198.34.1.7 has the low 20 bits of
     * 198.18.1.7, 198.19.1.6 its 16-bit halves' xor (0xc715). */
    const uint32_t vip[3] = {0xc6120107, 0xc6220107, 0xc6130106};
    uint32_t added[3][16], deleted[16];
    size_t n_added[3];
    for (int k = 0; k < 2; k++) { /* the backends, known to the network */
        size_t len;
        uint8_t *f = pkt_build_arp(ARP_REQUEST, macs[k], ips[k], NULL, ips[k] | 0xfe, NULL, &len);
        packet_in((uint64_t)k + 1, 2, f, len, 30.0);
        free(f);
    }
    for (int v = 0; v < 3; v++) {
        clear_log();
        assert_int_equal(net_lb_set(net, vip[v], ips, (const uint8_t(*)[6])macs, 2, 1), 1);
        n_added[v] = group_ids(1, OFPGC_ADD, added[v]);
        assert_int_equal(n_added[v], 3); /* one group per port of s1 */
        /* its groups are its own: none of another balancer's, and it
         * deleted none of theirs to make room */
        size_t n_deleted = group_ids(1, OFPGC_DELETE, deleted);
        for (int w = 0; w < v; w++) {
            assert_false(shares_an_id(added[v], n_added[v], added[w], n_added[w]));
            assert_false(shares_an_id(deleted, n_deleted, added[w], n_added[w]));
        }
        for (size_t k = 0; k < n_added[v]; k++)
            assert_true(added[v][k] <= OFPG_MAX);
    }
    /* Removing the second deletes its groups, and only those. */
    clear_log();
    assert_int_equal(net_lb_set(net, vip[1], NULL, NULL, 0, 0), 0);
    size_t n_deleted = group_ids(1, OFPGC_DELETE, deleted);
    assert_int_equal(n_deleted, 3);
    assert_false(shares_an_id(deleted, n_deleted, added[0], n_added[0]));
    assert_false(shares_an_id(deleted, n_deleted, added[2], n_added[2]));
    /* The same address again gets the same groups (as after a restart). */
    clear_log();
    net_lb_set(net, vip[1], ips, (const uint8_t(*)[6])macs, 2, 1);
    uint32_t again[16];
    assert_int_equal(group_ids(1, OFPGC_ADD, again), 3);
    assert_memory_equal(again, added[1], 3 * sizeof *again);
    for (int v = 0; v < 3; v++)
        net_lb_set(net, vip[v], NULL, NULL, 0, 0);
}

/* A TCP segment from 'src':'sport' to 'dst':80 with 'flags', addressed to
 * 'eth_dst' (20-byte IPv4 and TCP headers, no payload); caller frees. */
static uint8_t *tcp_frame(const uint8_t eth_dst[6], uint32_t src, uint16_t sport, uint32_t dst,
                          uint8_t flags, size_t *len)
{
    uint8_t *f = xcalloc(1, 54);
    memcpy(f, eth_dst, 6);
    f[6] = 2, f[11] = 0x77;
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14;
    ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = IP_PROTO_TCP;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    uint8_t *tcp = ip + 20;
    tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
    tcp[3] = 80;
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    *len = 54;
    return f;
}

/* The connection flow the last packet-in made at 'dpid': its priority and
 * the MAC it sends to (0 when there is none), and whether the packet went
 * back through the table from its port. */
static uint16_t conn_flow(uint64_t dpid, uint16_t sport, uint8_t mac[6], bool *resent)
{
    uint16_t prio = 0;
    *resent = false;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (log_[i].dpid != dpid)
            continue;
        if (m->type == OFPT_PACKET_OUT && m->packet_out.actions.n == 1 &&
            m->packet_out.actions.a[0].port == OFPP_TABLE && m->packet_out.in_port == 1)
            *resent = prio != 0; /* after the flow */
        if (m->type != OFPT_FLOW_MOD ||
            (m->flow_mod.cookie & NET_COOKIE_OWNER_MASK) != NET_COOKIE(NET_OWNER_LB_CONN, 0))
            continue;
        const struct ofp_oxm *p = ofp_match_find(&m->flow_mod.match, OXM_TCP_SRC);
        assert_non_null(p);
        assert_int_equal(p->value[0] << 8 | p->value[1], sport);
        assert_non_null(ofp_match_find(&m->flow_mod.match, OXM_IPV4_SRC));
        assert_int_equal(m->flow_mod.idle_timeout, NET_LB_CONN_IDLE_S);
        prio = m->flow_mod.priority;
        const struct ofp_actions *a = &m->flow_mod.instructions.i[0].actions;
        for (size_t k = 0; k < a->n; k++)
            if (a->a[k].type == OFPAT_SET_FIELD && a->a[k].field.field == OXM_ETH_DST)
                memcpy(mac, a->a[k].field.value, 6);
    }
    return prio;
}

/* A balancer holds each TCP connection to one backend: the first packet
 * (SYN) gets one by its client's address and port, the same every time;
 * other packets of a connection the controller never saw stay on the VM
 * that had the address (made before the balancer), under any flow a first
 * packet made; other IPv4 goes to the select groups. */
static void test_balancer_holds_connections(void **state)
{
    (void)state;
    uint32_t ips[2] = {0xc612010a, 0xc612020a}; /* the first is the balanced address */
    uint8_t macs[2][6] = {{2, 0, 0, 0, 1, 10}, {2, 0, 0, 0, 2, 10}};
    for (int k = 0; k < 2; k++) {
        size_t len;
        uint8_t *f = pkt_build_arp(ARP_REQUEST, macs[k], ips[k], NULL, ips[k] | 0xfe, NULL, &len);
        packet_in((uint64_t)k + 1, 2, f, len, 30.0);
        free(f);
    }
    clear_log();
    assert_int_equal(net_lb_set(net, ips[0], ips, (const uint8_t(*)[6])macs, 2, 1), 1);
    /* TCP to the address asks the controller, above the groups. */
    size_t to_ctl = 0;
    for (size_t i = 0; i < n_log; i++) {
        const struct ofp_msg *m = &log_[i].m;
        if (log_[i].dpid == 1 && m->type == OFPT_FLOW_MOD &&
            ofp_match_find(&m->flow_mod.match, OXM_IP_PROTO)) {
            const struct ofp_actions *a = &m->flow_mod.instructions.i[0].actions;
            assert_true(m->flow_mod.priority > NET_PRIO_LB_ROUTED - 5);
            assert_int_equal(a->a[0].port, OFPP_CONTROLLER);
            to_ctl++;
        }
    }
    assert_int_equal(to_ctl, 6); /* each port of s1, routed or not */
    uint32_t client = 0xc6120232;
    bool used[2] = {false, false};
    for (uint16_t port = 40000; port < 40032; port++) {
        size_t len;
        uint8_t *syn = tcp_frame(macs[0], client, port, ips[0], TCP_FLAG_SYN, &len);
        uint8_t first[6] = {0}, again[6] = {0};
        bool resent;
        clear_log();
        packet_in(1, 1, syn, len, 31.0);
        assert_int_equal(conn_flow(1, port, first, &resent), NET_PRIO_LB_CONN);
        assert_true(resent);
        clear_log();
        packet_in(1, 1, syn, len, 31.5); /* sent again: the same backend */
        assert_int_equal(conn_flow(1, port, again, &resent), NET_PRIO_LB_CONN);
        assert_memory_equal(first, again, 6);
        used[!memcmp(first, macs[1], 6)] = true;
        free(syn);
    }
    assert_true(used[0] && used[1]); /* both backends get connections */
    /* A connection made before the balancer stays on the original VM, under
     * any first packet's flow. */
    size_t len;
    uint8_t *ack = tcp_frame(macs[0], client, 50000, ips[0], TCP_FLAG_ACK, &len);
    uint8_t mac[6] = {0};
    bool resent;
    clear_log();
    packet_in(1, 1, ack, len, 32.0);
    assert_int_equal(conn_flow(1, 50000, mac, &resent), NET_PRIO_LB_CONN - 1);
    assert_memory_equal(mac, macs[0], 6);
    assert_true(resent);
    free(ack);
    /* Routed to the gateway: the routed priorities. */
    uint8_t gw[6];
    memcpy(gw, net_gateway_mac, 6);
    uint8_t *routed = tcp_frame(gw, client, 50001, ips[0], TCP_FLAG_SYN, &len);
    clear_log();
    packet_in(1, 1, routed, len, 32.5);
    assert_int_equal(conn_flow(1, 50001, mac, &resent), NET_PRIO_LB_CONN_ROUTED);
    free(routed);
    /* Not TCP, or not the balancing switch: not the balancer's. */
    uint8_t *other = tcp_frame(macs[0], client, 50002, ips[0], TCP_FLAG_SYN, &len);
    clear_log();
    packet_in(2, 1, other, len, 33.0);
    assert_int_equal(conn_flow(2, 50002, mac, &resent), 0);
    free(other);
    /* Removing the balancer removes its connections' flows. */
    clear_log();
    net_lb_set(net, ips[0], NULL, NULL, 0, 0);
    bool gone = false;
    for (size_t i = 0; i < n_log; i++)
        gone |= log_[i].m.type == OFPT_FLOW_MOD && log_[i].m.flow_mod.command == OFPFC_DELETE &&
                log_[i].m.flow_mod.cookie == NET_COOKIE(NET_OWNER_LB_CONN, ips[0]);
    assert_true(gone);
}

/* A link that LLDP no longer sees is published as down, as one whose port
 * went down is. */
static void test_link_timeout_is_published(void **state)
{
    (void)state;
    discover_link(40.0);
    net_tick(net, 40.0);
    json_t *links = net_links_json(net);
    assert_int_equal(json_array_size(links), 2);
    json_decref(links);
    clear_events();
    net_tick(net, 45.0); /* past the timeout, no probe came back */
    links = net_links_json(net);
    assert_int_equal(json_array_size(links), 0);
    json_decref(links);
    bool down[2] = {false, false}; /* s1:1 -> s2:1, s2:1 -> s1:1 */
    for (size_t i = 0; i < n_events; i++) {
        if (strcmp(events[i].type, "link.down"))
            continue;
        const char *from = json_string_value(json_object_get(events[i].data, "from"));
        const char *to = json_string_value(json_object_get(events[i].data, "to"));
        assert_non_null(from);
        assert_non_null(to);
        assert_int_equal(json_integer_value(json_object_get(events[i].data, "from_port")), 1);
        assert_int_equal(json_integer_value(json_object_get(events[i].data, "to_port")), 1);
        down[0] |= !strcmp(from, "s1") && !strcmp(to, "s2");
        down[1] |= !strcmp(from, "s2") && !strcmp(to, "s1");
    }
    assert_true(down[0]);
    assert_true(down[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_flows_on_connect),
        cmocka_unit_test(test_arp_for_gateway_is_answered),
        cmocka_unit_test(test_routes_follow_links),
        cmocka_unit_test(test_a_move_is_not_a_duplicate),
        cmocka_unit_test(test_link_loss_removes_routes),
        cmocka_unit_test(test_sweep_after_reconnect),
        cmocka_unit_test(test_rewrite_placement),
        cmocka_unit_test(test_balancer_groups_are_apart),
        cmocka_unit_test(test_balancer_holds_connections),
        cmocka_unit_test(test_link_timeout_is_published),
    };
    return cmocka_run_group_tests_name("net", tests, setup, teardown);
}
