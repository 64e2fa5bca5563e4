#include "ctl/dispatch.h"

#include <stdlib.h>

#include "ctl/api.h"
#include "ctl/portstats.h"
#include "l2/l2switch.h"
#include "net/net.h"
#include "util/proc.h"
#include "util/xalloc.h"

/* A switch that is up: which app it has. */
struct sw {
    struct l2_table *l2; /* the learning switch's, or NULL: the network logic's */
    struct sw *prev, *next;
};

struct dispatch {
    struct net *net;
    bool app_l2;
    struct ofconns *switches;
    struct api *api;
    struct portstats *ports;
    struct sw *up; /* every switch that is up, to free at the end */
};

struct dispatch *dispatch_create(struct net *net, bool app_l2)
{
    struct dispatch *d = xcalloc(1, sizeof *d);
    d->net = net;
    d->app_l2 = app_l2;
    return d;
}

void dispatch_attach(struct dispatch *d, struct ofconns *switches, struct api *api,
                     struct portstats *ports)
{
    d->switches = switches;
    d->api = api;
    d->ports = ports;
}

static void sw_free(struct dispatch *d, struct sw *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        d->up = s->next;
    if (s->next)
        s->next->prev = s->prev;
    l2_table_destroy(s->l2);
    free(s);
}

void dispatch_destroy(struct dispatch *d)
{
    if (!d)
        return;
    while (d->up)
        sw_free(d, d->up);
    free(d);
}

static void *switch_up(void *ctx, uint64_t dpid, uint8_t version, const struct ofp_port *ports,
                       size_t n_ports)
{
    struct dispatch *d = ctx;
    struct sw *s = xcalloc(1, sizeof *s);
    if (version == OFP10_VERSION || d->app_l2)
        s->l2 = l2_table_create();
    else
        net_switch_up(d->net, dpid, ports, n_ports, proc_now());
    s->next = d->up;
    if (d->up)
        d->up->prev = s;
    d->up = s;
    return s;
}

static void switch_down(void *ctx, void *swp, uint64_t dpid)
{
    struct dispatch *d = ctx;
    struct sw *s = swp;
    if (!s->l2)
        net_switch_down(d->net, dpid);
    if (d->api)
        api_switch_gone(d->api, dpid);
    sw_free(d, s);
}

static void l2_message(struct dispatch *d, struct sw *s, uint64_t dpid, const struct ofp_msg *m)
{
    struct ofp_msg r;
    if (m->type == OFPT_PACKET_IN && l2_packet_in(s->l2, m, &r)) {
        ofconns_send(d->switches, dpid, &r);
        l2_reply_free(&r);
    }
}

static void message(void *ctx, void *swp, uint64_t dpid, const struct ofp_msg *m)
{
    struct dispatch *d = ctx;
    struct sw *s = swp;
    if (m->type == OFPT_MULTIPART_REPLY && d->api && api_multipart_reply(d->api, dpid, m))
        return;
    if (m->type == OFPT_MULTIPART_REPLY && d->ports &&
        portstats_reply(d->ports, dpid, m, proc_now()))
        return;
    if (s->l2) {
        l2_message(d, s, dpid, m);
        return;
    }
    switch (m->type) {
    case OFPT_PACKET_IN:
        net_packet_in(d->net, dpid, m, proc_now());
        break;
    case OFPT_PORT_STATUS:
        net_port_status(d->net, dpid, m->port_status.reason, &m->port_status.desc);
        break;
    case OFPT_MULTIPART_REPLY:
        if (m->mp.mp_type == OFPMP_FLOW)
            net_flow_stats(d->net, dpid, m->mp.flows, m->mp.n, m->mp.flags & OFPMPF_MORE);
        break;
    default:
        break; /* flow removed, config and role replies: nothing to do */
    }
}

static const char *switch_name(void *ctx, uint64_t dpid)
{
    struct dispatch *d = ctx;
    return net_switch_name(d->net, dpid);
}

struct ofconn_io dispatch_io(struct dispatch *d)
{
    return (struct ofconn_io){.ctx = d,
                              .switch_up = switch_up,
                              .switch_down = switch_down,
                              .message = message,
                              .name = switch_name};
}
