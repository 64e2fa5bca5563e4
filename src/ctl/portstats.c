#include "ctl/portstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist/hist.h"
#include "topo/topo.h"
#include "util/xalloc.h"

/* A switch port's counters at its last two replies. */
struct port {
    uint64_t dpid;
    uint32_t port_no;
    uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
    double at;
    uint64_t prev_rx_bytes, prev_tx_bytes, prev_rx_packets, prev_tx_packets;
    double prev_at; /* 0: one reply only */
};

/* One end of a link, as the topology has it. */
struct end {
    const struct topo_node *node;
    unsigned port; /* switch port; 0 on a server or host */
};

struct portstats {
    const struct topo *t;
    struct port *ports;
    size_t n_ports;
    uint32_t *xids; /* per switch node index: the request in flight (0: none) */
};

struct portstats *portstats_create(const struct topo *t)
{
    struct portstats *p = xcalloc(1, sizeof *p);
    p->t = t;
    p->xids = xcalloc(t->n_nodes + 1, sizeof *p->xids);
    /* Every switch end of every link has its place. */
    for (size_t i = 0; i < t->n_links; i++)
        for (int e = 0; e < 2; e++) {
            const struct topo_link *l = &t->links[i];
            const struct topo_node *n = &t->nodes[e ? l->b : l->a];
            if (n->kind != TOPO_SWITCH)
                continue;
            p->ports = xrealloc(p->ports, (p->n_ports + 1) * sizeof *p->ports);
            p->ports[p->n_ports++] =
                (struct port){.dpid = n->dpid, .port_no = e ? l->b_port : l->a_port};
        }
    return p;
}

void portstats_destroy(struct portstats *p)
{
    if (!p)
        return;
    free(p->ports);
    free(p->xids);
    free(p);
}

void portstats_request(struct portstats *p, portstats_send_fn *send, void *ctx)
{
    for (size_t i = 0; i < p->t->n_nodes; i++) {
        const struct topo_node *n = &p->t->nodes[i];
        if (n->kind != TOPO_SWITCH)
            continue;
        struct ofp_msg m;
        memset(&m, 0, sizeof m);
        m.type = OFPT_MULTIPART_REQUEST;
        m.mp.mp_type = OFPMP_PORT_STATS;
        m.mp.port_no = OFPP_ANY;
        p->xids[i] = send(ctx, n->dpid, &m);
    }
}

static struct port *find_port(struct portstats *p, uint64_t dpid, uint32_t port_no)
{
    for (size_t i = 0; i < p->n_ports; i++)
        if (p->ports[i].dpid == dpid && p->ports[i].port_no == port_no)
            return &p->ports[i];
    return NULL;
}

bool portstats_reply(struct portstats *p, uint64_t dpid, const struct ofp_msg *m, double now)
{
    if (m->type != OFPT_MULTIPART_REPLY || m->mp.mp_type != OFPMP_PORT_STATS)
        return false;
    size_t sw = p->t->n_nodes;
    for (size_t i = 0; i < p->t->n_nodes && sw == p->t->n_nodes; i++)
        if (p->t->nodes[i].kind == TOPO_SWITCH && p->t->nodes[i].dpid == dpid && p->xids[i] &&
            p->xids[i] == m->xid)
            sw = i;
    if (sw == p->t->n_nodes)
        return false;
    for (size_t k = 0; k < m->mp.n; k++) {
        const struct ofp_port_stats *s = &m->mp.port_stats[k];
        struct port *pt = find_port(p, dpid, s->port_no);
        if (!pt)
            continue; /* LOCAL, or a port no link names */
        pt->prev_rx_bytes = pt->rx_bytes, pt->prev_tx_bytes = pt->tx_bytes;
        pt->prev_rx_packets = pt->rx_packets, pt->prev_tx_packets = pt->tx_packets;
        pt->prev_at = pt->at;
        pt->rx_bytes = s->rx_bytes, pt->tx_bytes = s->tx_bytes;
        pt->rx_packets = s->rx_packets, pt->tx_packets = s->tx_packets;
        pt->at = now;
    }
    if (!(m->mp.flags & OFPMPF_MORE))
        p->xids[sw] = 0;
    return true;
}

/* One direction from 'from' to 'to': counters and rates, or false when not
 * heard of (or counters went down: a port that came back). */
struct flow {
    uint64_t bytes, packets;
    double bps, pps;
    bool rates;
};

static bool direction(const struct portstats *p, struct end from, struct end to, struct flow *f)
{
    bool tx = from.node->kind == TOPO_SWITCH;
    const struct port *pt = find_port((struct portstats *)p, tx ? from.node->dpid : to.node->dpid,
                                      tx ? from.port : to.port);
    if (!pt || !pt->at)
        return false;
    uint64_t b = tx ? pt->tx_bytes : pt->rx_bytes, pb = tx ? pt->prev_tx_bytes : pt->prev_rx_bytes;
    uint64_t n = tx ? pt->tx_packets : pt->rx_packets,
             pn = tx ? pt->prev_tx_packets : pt->prev_rx_packets;
    f->bytes = b, f->packets = n;
    f->rates = pt->prev_at > 0 && pt->at > pt->prev_at && b >= pb && n >= pn;
    f->bps = f->rates ? (double)(b - pb) * 8 / (pt->at - pt->prev_at) : 0;
    f->pps = f->rates ? (double)(n - pn) / (pt->at - pt->prev_at) : 0;
    return true;
}

static void link_ends(const struct topo *t, const struct topo_link *l, struct end *a, struct end *b,
                      char *name, size_t n)
{
    *a = (struct end){&t->nodes[l->a], l->a_port};
    *b = (struct end){&t->nodes[l->b], l->b_port};
    topo_link_name(t, l, name, n);
}

static json_t *flow_json(const struct portstats *p, struct end from, struct end to, double mbit)
{
    struct flow f;
    if (!direction(p, from, to, &f))
        return json_null();
    json_t *o =
        json_pack("{s:I, s:I}", "bytes", (json_int_t)f.bytes, "packets", (json_int_t)f.packets);
    json_object_set_new(o, "bits_per_second", f.rates ? json_real(f.bps) : json_null());
    json_object_set_new(o, "packets_per_second", f.rates ? json_real(f.pps) : json_null());
    json_object_set_new(o, "utilization",
                        f.rates && mbit > 0 ? json_real(f.bps / (mbit * 1e6)) : json_null());
    return o;
}

json_t *portstats_links_json(const struct portstats *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->t->n_links; i++) {
        const struct topo_link *l = &p->t->links[i];
        struct end a, b;
        char name[TOPO_LINK_NAME_MAX];
        link_ends(p->t, l, &a, &b, name, sizeof name);
        double mbit = l->props.bandwidth_mbit;
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "name", name, "a", a.node->name, "b", b.node->name);
        json_object_set_new(o, "bandwidth_mbit", mbit > 0 ? json_real(mbit) : json_null());
        json_object_set_new(o, "ab", flow_json(p, a, b, mbit));
        json_object_set_new(o, "ba", flow_json(p, b, a, mbit));
        json_array_append_new(arr, o);
    }
    return arr;
}

void portstats_record(const struct portstats *p, struct hist *h)
{
    for (size_t i = 0; i < p->t->n_links; i++) {
        const struct topo_link *l = &p->t->links[i];
        struct end e[2];
        char name[TOPO_LINK_NAME_MAX], series[TOPO_LINK_NAME_MAX + 32];
        link_ends(p->t, l, &e[0], &e[1], name, sizeof name);
        for (int d = 0; d < 2; d++) {
            struct flow f;
            const char *dir = d ? "ba" : "ab";
            if (!direction(p, e[d], e[!d], &f) || !f.rates)
                continue;
            snprintf(series, sizeof series, "link/%s/%s_bps", name, dir);
            hist_set(h, series, f.bps);
            snprintf(series, sizeof series, "link/%s/%s_pps", name, dir);
            hist_set(h, series, f.pps);
            if (l->props.bandwidth_mbit > 0) {
                snprintf(series, sizeof series, "link/%s/%s_utilization", name, dir);
                hist_set(h, series, f.bps / (l->props.bandwidth_mbit * 1e6));
            }
        }
    }
}
