/* net_links: links between switches as the LLDP probes find them, their
 * loss, and the spanning tree along which broadcasts go. */
#include "net/net_priv.h"

#include <stdlib.h>

#include "net/flows.h"
#include "net/pkt.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("net");

#define LINK_TIMEOUT 3.5 /* a link not seen for this long is gone */

static json_t *link_json(const struct net *n, const struct net_link *l)
{
    return json_pack("{s:s, s:i, s:s, s:i}", "from", net_switch_name(n, l->a), "from_port",
                     (int)l->a_port, "to", net_switch_name(n, l->b), "to_port", (int)l->b_port);
}

void net_install_flood(struct net *n)
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

void net_remove_links_of(struct net *n, uint64_t dpid, uint32_t port, bool whole_switch)
{
    size_t j = 0;
    for (size_t i = 0; i < n->n_links; i++) {
        struct net_link *l = &n->links[i];
        bool gone = whole_switch ? (l->a == dpid || l->b == dpid)
                                 : ((l->a == dpid && l->a_port == port) ||
                                    (l->b == dpid && l->b_port == port));
        if (gone) {
            LOG_INF("link %s:%u -> %s:%u down", net_switch_name(n, l->a), l->a_port,
                    net_switch_name(n, l->b), l->b_port);
            net_emit(n, "link.down", link_json(n, l));
            n->dirty = true;
        } else {
            n->links[j++] = *l;
        }
    }
    n->n_links = j;
}

void net_send_lldp(struct net *n)
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

void net_saw_lldp(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k, double now)
{
    struct net_switch *from = net_find_sw(n, k->lldp_dpid);
    if (!from || !from->connected || k->lldp_dpid == dpid)
        return;
    for (size_t i = 0; i < n->n_links; i++) {
        struct net_link *l = &n->links[i];
        if (l->a == k->lldp_dpid && l->a_port == k->lldp_port && l->b == dpid &&
            l->b_port == in_port) {
            l->seen = now;
            return;
        }
    }
    /* A port that leads to a switch hosts no host: forget any learned there. */
    size_t j = 0;
    for (size_t i = 0; i < n->n_hosts; i++) {
        struct net_host *h = &n->hosts[i];
        if ((h->dpid == dpid && h->port == in_port) ||
            (h->dpid == k->lldp_dpid && h->port == k->lldp_port)) {
            net_delete_everywhere(n, NET_COOKIE(NET_OWNER_HOST, h->ip));
        } else {
            n->hosts[j++] = *h;
        }
    }
    n->n_hosts = j;
    xgrow(&n->links, &n->links_cap, n->n_links + 1, sizeof *n->links);
    n->links[n->n_links++] = (struct net_link){
        .a = k->lldp_dpid, .a_port = k->lldp_port, .b = dpid, .b_port = in_port, .seen = now};
    LOG_INF("link %s:%u -> %s:%u up", from->name, k->lldp_port, net_switch_name(n, dpid), in_port);
    net_emit(n, "link.up", link_json(n, &n->links[n->n_links - 1]));
    n->dirty = true;
}

void net_expire_links(struct net *n, double now)
{
    size_t j = 0;
    for (size_t i = 0; i < n->n_links; i++) {
        struct net_link *l = &n->links[i];
        if (now - l->seen > LINK_TIMEOUT) {
            LOG_INF("link %s:%u -> %s:%u timed out", net_switch_name(n, l->a), l->a_port,
                    net_switch_name(n, l->b), l->b_port);
            net_emit(n, "link.down", link_json(n, l));
            n->dirty = true;
        } else {
            n->links[j++] = *l;
        }
    }
    n->n_links = j;
}
