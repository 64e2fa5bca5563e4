/* net_send: what the net sends.  Every OpenFlow message goes through
 * net_send_msg(), which counts it; flow-mods start from net_flow_init(),
 * frames of the controller's own go out as packet-outs, ARP probes from a
 * subnet's gateway among them.  Events go out through net_emit(). */
#include "net/net_priv.h"

#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"
#include "util/xalloc.h"

void net_send_msg(struct net *n, uint64_t dpid, struct ofp_msg *m)
{
    m->version = OFP13_VERSION;
    if (m->type == OFPT_FLOW_MOD)
        n->stats.flow_mods++;
    else if (m->type == OFPT_PACKET_OUT)
        n->stats.packet_outs++;
    n->io.send(n->io.ctx, dpid, m);
    ofp_msg_free(m);
}

void net_emit(struct net *n, const char *type, json_t *data)
{
    if (n->io.event)
        n->io.event(n->io.ctx, type, data);
    else
        json_decref(data);
}

void net_flow_init(struct ofp_msg *m, uint8_t table, uint16_t prio, uint64_t cookie)
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

struct ofp_actions *net_flow_apply(struct ofp_msg *m)
{
    return &ofp_instructions_push(&m->flow_mod.instructions, OFPIT_APPLY_ACTIONS)->actions;
}

void net_delete_cookie(struct net *n, uint64_t dpid, uint64_t cookie)
{
    struct ofp_msg m;
    net_flow_init(&m, 0xff /* all tables */, 0, cookie);
    m.flow_mod.command = OFPFC_DELETE;
    m.flow_mod.cookie_mask = ~0ull;
    net_send_msg(n, dpid, &m);
}

void net_delete_everywhere(struct net *n, uint64_t cookie)
{
    for (size_t i = 0; i < n->n_sw; i++)
        if (n->sw[i].connected)
            net_delete_cookie(n, n->sw[i].dpid, cookie);
}

void net_packet_out(struct net *n, uint64_t dpid, uint32_t in_port, const uint8_t *data, size_t len,
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

void net_send_frame(struct net *n, uint64_t dpid, uint32_t port, const uint8_t *data, size_t len)
{
    struct ofp_actions a = {0};
    ofp_action_output(&a, port);
    net_packet_out(n, dpid, OFPP_CONTROLLER, data, len, &a);
}

void net_ip_bytes(uint32_t v, uint8_t ip[4])
{
    ip[0] = (uint8_t)(v >> 24), ip[1] = (uint8_t)(v >> 16), ip[2] = (uint8_t)(v >> 8),
    ip[3] = (uint8_t)v;
}

/* Sends 'frame' out of every up edge port of switch 's' but (dpid, in_port). */
void net_to_edge_ports(struct net *n, struct net_switch *s, uint64_t dpid, uint32_t in_port,
                       const uint8_t *frame, size_t len)
{
    struct ofp_actions a = {0};
    for (size_t p = 0; p < s->n_ports; p++) {
        uint32_t no = s->ports[p].no;
        if (no >= OFPP_MAX || !s->ports[p].up || net_is_link_port(n, s->dpid, no) ||
            (s->dpid == dpid && no == in_port))
            continue;
        ofp_action_output(&a, no);
    }
    if (a.n)
        net_packet_out(n, s->dpid, OFPP_CONTROLLER, frame, len, &a);
    else
        ofp_actions_free(&a);
}

/* Asks, from the gateway, who has 'ip' on its subnet's edge ports. */
void net_arp_probe(struct net *n, uint32_t ip)
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
