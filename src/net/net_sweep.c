/* net_sweep: mark and sweep after a switch (re)connects.  Its flows of
 * minidc are listed, the hosts their routes name relearned, and the flows no
 * owner wants any more deleted (flows.h: cookies say the owner). */
#include "net/net_priv.h"

#include "net/flows.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("net");

#define SWEEP_DELAY 1.5 /* after a switch connects: time for LLDP before the sweep */

static void request_sweep(struct net *n, struct net_switch *s)
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
    if ((f->cookie & NET_COOKIE_OWNER_MASK) != NET_COOKIE(NET_OWNER_HOST, 0) ||
        f->instructions.n != 1)
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
    if (mac && port && port < OFPP_MAX && !net_is_link_port(n, s->dpid, port) &&
        !net_find_host_ip(n, ip))
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
    case NET_OWNER_LB_CONN:
        return net_find_lb(n, id) != NULL;
    }
    return false; /* owners this controller does not run (yet) */
}

void net_flow_stats(struct net *n, uint64_t dpid, const struct ofp_flow_stats *flows,
                    size_t n_flows, bool more)
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

void net_request_sweeps(struct net *n, double now)
{
    for (size_t i = 0; i < n->n_sw; i++) {
        struct net_switch *s = &n->sw[i];
        if (s->connected && !s->sweep_requested && now - s->connected_at >= SWEEP_DELAY)
            request_sweep(n, s);
    }
}
