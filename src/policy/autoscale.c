/* autoscale: scale-out of services behind balancers, the paper's clone.
 *
 * A service (struct mdc_service: an address and the VMs answering it)
 * whose requests a second per VM are over 'rps', or whose p95 latency is
 * over 'slo_ms' (0: not looked at), gets a clone of one of its VMs (the
 * original when it is movable, else a replica) behind its balancer, on the
 * server placement chooses: awake, reachable, with the memory for it, its
 * CPU not over its capacity with the clone's, holding no VM of the service
 * yet (a replica beside another would share its CPU), its subnet first,
 * then least power increase, then fewest hops.  It scales out again only
 * 'warmup' seconds after its last scale action (the new replica must join
 * the balancer before the rate a VM shows drops), and up to 'max_vms'.
 *
 * Scale-in has hysteresis: a replica is stopped when the requests a second
 * would still be under 'hysteresis' x 'rps' a VM with one VM fewer (with
 * 0.5, a service scaled out at 50 a VM is scaled in when it would carry
 * under 25 a VM without the replica), and 'cooldown' seconds have passed
 * since its last scale action, or since the policy first saw it (a
 * restarted minidcd does not drop replicas at once).  Only replicas are
 * stopped (a VM whose 'serves' is set), never the original: the one on the
 * least used server, whose server is then the nearest to being emptied.
 *
 * Services whose requests_per_s is not known (< 0) are left alone.  needs
 * is MDC_NEEDS_REQUEST_RATE alone: p95_ms is looked at only when slo_ms is
 * given, and a p95 not known (< 0) then counts as within it. */
#include "policy/builtin.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/param.h"
#include "policy/place.h"
#include "policy/proj.h"
#include "util/xalloc.h"

/* What the policy remembers of a service, by its address. */
struct svc {
    char *address; /* NULL: a free slot */
    double first_seen, last_action;
    bool acted;
    uint64_t seen; /* the round it was last seen in */
};

struct as_state {
    double rps, slo_ms, hysteresis, cooldown, warmup;
    size_t max_vms;
    struct svc *svcs; /* open addressing, a power of two of slots */
    size_t cap, used;
    uint64_t round;
};

static uint64_t hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

static struct svc *slot(struct svc *t, size_t cap, const char *address)
{
    size_t i = hash(address) & (cap - 1);
    while (t[i].address && strcmp(t[i].address, address))
        i = (i + 1) & (cap - 1);
    return &t[i];
}

/* Grows the table, dropping services not seen in this round or the last. */
static void rehash(struct as_state *st)
{
    size_t keep = 0;
    for (size_t i = 0; i < st->cap; i++)
        keep += st->svcs[i].address && st->svcs[i].seen + 1 >= st->round;
    size_t cap = 16;
    while (cap < 4 * (keep + 1))
        cap *= 2;
    struct svc *t = xcalloc(cap, sizeof *t);
    for (size_t i = 0; i < st->cap; i++) {
        struct svc *e = &st->svcs[i];
        if (!e->address)
            continue;
        if (e->seen + 1 >= st->round)
            *slot(t, cap, e->address) = *e;
        else
            free(e->address);
    }
    free(st->svcs);
    st->svcs = t, st->cap = cap, st->used = keep;
}

static struct svc *lookup(struct as_state *st, const char *address, double now)
{
    if (2 * (st->used + 1) > st->cap)
        rehash(st);
    struct svc *e = slot(st->svcs, st->cap, address);
    if (!e->address) {
        *e = (struct svc){.address = xstrdup(address), .first_seen = now};
        st->used++;
    }
    e->seen = st->round;
    return e;
}

static int as_init(void **state, const struct mdc_kv *kv, size_t n, char *err, size_t errlen)
{
    struct param_src src = {kv, n, err, errlen};
    struct as_state st = {0};
    if (param_number(&src, "rps", "50", 0, INFINITY, &st.rps) ||
        param_number(&src, "slo_ms", "0", 0, INFINITY, &st.slo_ms) ||
        param_number(&src, "hysteresis", "0.5", 0, 1, &st.hysteresis) ||
        param_number(&src, "cooldown", "60", 0, INFINITY, &st.cooldown) ||
        param_number(&src, "warmup", "10", 0, INFINITY, &st.warmup) ||
        param_size(&src, "max_vms", "8", 1, 100000, &st.max_vms))
        return -1;
    struct as_state *p = xmalloc(sizeof *p);
    *p = st;
    *state = p;
    return 0;
}

static void as_destroy(void *state)
{
    struct as_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->cap; i++)
        free(st->svcs[i].address);
    free(st->svcs);
    free(st);
}

/* Plans a clone for service 'sv': true when one is planned. */
static bool scale_out(struct proj *p, const struct mdc_service *sv, bool *avoid,
                      struct mdc_plan *plan, const char *cause)
{
    const struct mdc_model *m = p->m;
    size_t original = SIZE_MAX, replica = SIZE_MAX;
    for (size_t i = 0; i < sv->n_vms; i++) {
        size_t v = sv->vms[i];
        if (v >= m->n_vms)
            continue;
        if (m->vms[v].server < m->n_servers)
            avoid[m->vms[v].server] = true;
        if (!m->vms[v].movable || p->moved[v])
            continue;
        if (!m->vms[v].serves && original == SIZE_MAX)
            original = v;
        else if (m->vms[v].serves && replica == SIZE_MAX)
            replica = v;
    }
    size_t src = original != SIZE_MAX ? original : replica;
    struct detector full = {.kind = DET_THR, .threshold = 1};
    struct place_opts po = {.kind = PLACE_SUBNET, .det = &full, .avoid = avoid};
    struct place_choice c;
    bool ok = src != SIZE_MAX && place_find(p, src, &po, &c);
    if (ok) {
        char why[128];
        snprintf(why, sizeof why, "%s: %s: clone %s to %s behind its balancer (autoscale)",
                 sv->address, cause, m->vms[src].name, m->servers[c.server].name);
        proj_plan_clone(p, plan, src, c.server, why);
    }
    for (size_t i = 0; i < sv->n_vms; i++)
        if (sv->vms[i] < m->n_vms && m->vms[sv->vms[i]].server < m->n_servers)
            avoid[m->vms[sv->vms[i]].server] = false;
    return ok;
}

/* Plans the stop of a replica of 'sv': true when one is planned. */
static bool scale_in(struct proj *p, const struct mdc_service *sv, struct mdc_plan *plan,
                     const char *cause)
{
    const struct mdc_model *m = p->m;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < sv->n_vms; i++) {
        size_t v = sv->vms[i];
        if (v >= m->n_vms || !m->vms[v].serves || !m->vms[v].movable || p->moved[v] ||
            m->vms[v].server >= m->n_servers)
            continue;
        if (best == SIZE_MAX || proj_util(p, m->vms[v].server) < proj_util(p, m->vms[best].server))
            best = v;
    }
    if (best == SIZE_MAX)
        return false;
    char why[128];
    snprintf(why, sizeof why, "%s: %s: stop replica %s (autoscale)", sv->address, cause,
             m->vms[best].name);
    proj_plan_stop(p, plan, best, why);
    return true;
}

static int as_decide(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                     size_t errlen)
{
    struct as_state *st = state;
    struct proj p;
    proj_init(&p, m);
    bool *avoid = xcalloc(m->n_servers ? m->n_servers : 1, sizeof *avoid);
    char cause[80];
    st->round++;
    for (size_t i = 0; i < m->n_services; i++) {
        const struct mdc_service *sv = &m->services[i];
        if (!(sv->requests_per_s >= 0) || !sv->n_vms || !sv->address)
            continue;
        struct svc *e = lookup(st, sv->address, m->now);
        double per = sv->requests_per_s / (double)sv->n_vms;
        bool slow = st->slo_ms > 0 && sv->p95_ms >= 0 && sv->p95_ms > st->slo_ms;
        if (per > st->rps || slow) {
            if (sv->n_vms >= st->max_vms || (e->acted && m->now - e->last_action < st->warmup))
                continue;
            if (slow)
                snprintf(cause, sizeof cause, "p95 %.0f ms > %g ms", sv->p95_ms, st->slo_ms);
            else
                snprintf(cause, sizeof cause, "%.1f requests/s a VM on %zu > %g", per, sv->n_vms,
                         st->rps);
            if (scale_out(&p, sv, avoid, plan, cause))
                e->acted = true, e->last_action = m->now;
            continue;
        }
        if (sv->n_vms < 2)
            continue;
        double fewer = sv->requests_per_s / (double)(sv->n_vms - 1);
        double since = m->now - (e->acted ? e->last_action : e->first_seen);
        if (fewer >= st->hysteresis * st->rps || since < st->cooldown)
            continue;
        snprintf(cause, sizeof cause, "%.1f requests/s a VM on %zu < %g x %g", fewer, sv->n_vms - 1,
                 st->hysteresis, st->rps);
        if (scale_in(&p, sv, plan, cause))
            e->acted = true, e->last_action = m->now;
    }
    bool failed = p.failed;
    free(avoid);
    proj_free(&p);
    if (failed) {
        snprintf(err, errlen, "autoscale: out of memory for the plan");
        return -1;
    }
    return 0;
}

static const struct mdc_param as_params[] = {
    {"rps", "50", "requests a second a VM of a service may carry before it is cloned"},
    {"slo_ms", "0", "p95 latency in ms over which a service is cloned (0: not looked at)"},
    {"hysteresis", "0.5", "a replica goes when one VM fewer would carry under this x rps"},
    {"cooldown", "60", "seconds after a service's last scale action before one of its VMs goes"},
    {"warmup", "10", "seconds after a service's last scale action before it is cloned again"},
    {"max_vms", "8", "VMs a service may have at most"},
    {NULL, NULL, NULL}};

const struct mdc_policy policy_autoscale = {
    MDC_POLICY_API_VERSION,
    "autoscale",
    "clones the VMs of busy services behind their balancers and stops replicas when quiet",
    as_params,
    MDC_NEEDS_REQUEST_RATE,
    as_init,
    as_decide,
    as_destroy};
