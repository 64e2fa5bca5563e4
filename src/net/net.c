/* net: the controller's network logic (see net.h and flows.h).  This file
 * holds a net's life: its creation and end, switches that connect,
 * disconnect or change ports, packet-ins handed to the file that handles
 * their kind, and the periodic work.  net_priv.h lists the other files. */
#include "net/net_priv.h"

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

#define LLDP_INTERVAL 1.0 /* seconds between probes on every port */

/* ---- creation and end ---- */

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

/* ---- switches and ports ---- */

static struct net_port *find_port(struct net_switch *s, uint32_t no)
{
    for (size_t i = 0; i < s->n_ports; i++)
        if (s->ports[i].no == no)
            return &s->ports[i];
    return NULL;
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
    net_flow_init(&m, NET_TABLE_CLASSIFY, NET_PRIO_ROUTED,
                  NET_COOKIE(NET_OWNER_BASE, NET_BASE_ROUTED));
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
    net_flow_init(&m, NET_TABLE_ROUTED, NET_PRIO_MISS,
                  NET_COOKIE(NET_OWNER_BASE, NET_BASE_ROUTED_MISS));
    ofp_action_output(net_flow_apply(&m), OFPP_CONTROLLER);
    net_send_msg(n, dpid, &m);
}

void net_switch_up(struct net *n, uint64_t dpid, const struct ofp_port *ports, size_t n_ports,
                   double now)
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
        s->ports[i].up =
            !(ports[i].config & OFPPC_PORT_DOWN) && !(ports[i].state & OFPPS_LINK_DOWN);
    }
    LOG_INF("switch %s (%016" PRIx64 ") up, %zu ports", s->name, dpid, n_ports);
    char dp[17];
    snprintf(dp, sizeof dp, "%016" PRIx64, dpid);
    net_emit(n, "switch.up",
             json_pack("{s:s, s:s, s:i}", "switch", s->name, "dpid", dp, "ports", (int)n_ports));
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
    bool up = reason != 1 /* delete */ && !(port->config & OFPPC_PORT_DOWN) &&
              !(port->state & OFPPS_LINK_DOWN);
    if (!p && reason != 1) {
        s->ports = xrealloc(s->ports, (s->n_ports + 1) * sizeof *s->ports);
        p = &s->ports[s->n_ports++];
        memset(p, 0, sizeof *p);
        p->no = port->port_no;
        memcpy(p->name, port->name, sizeof p->name);
        memcpy(p->mac, port->hw_addr, 6);
    }
    if (p && p->up != up) {
        LOG_INF("switch %s port %u (%s) %s", s->name, port->port_no, port->name,
                up ? "up" : "down");
        p->up = up;
        n->dirty = true;
    }
    if (!up)
        net_remove_links_of(n, dpid, port->port_no, false);
}

/* ---- packet-ins ---- */

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
        if (!net_lb_packet_in(n, dpid, in_port, &k, frame, len))
            net_handle_ipv4_miss(n, dpid, in_port, &k, frame, len, now);
        break;
    }
}

/* ---- periodic work ---- */

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

void net_tick(struct net *n, double now)
{
    n->now = now;
    if (now - n->last_lldp >= LLDP_INTERVAL) {
        n->last_lldp = now;
        net_send_lldp(n);
    }
    net_expire_links(n, now);
    net_expire_pending(n, now);
    net_request_sweeps(n, now);
    if (n->dirty)
        recompute(n);
}
