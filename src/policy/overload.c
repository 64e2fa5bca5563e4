#include "policy/overload.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/param.h"
#include "policy/proj.h"
#include "policy/underload.h"
#include "util/xalloc.h"

struct ds_state {
    struct detector det;
    enum sel_kind sel;
    enum place_kind place;
    bool consolidate;
    struct sel_rng rng;
    char name[32];
};

static int ds_init(void **state, enum det_kind d, enum sel_kind s, enum place_kind pl,
                   const struct mdc_kv *kv, size_t n, char *err, size_t errlen)
{
    struct param_src src = {kv, n, err, errlen};
    struct ds_state st = {.det = {.kind = d}, .sel = s, .place = pl};
    if (param_number(&src, "threshold", "0.8", 0, 1, &st.det.threshold))
        return -1;
    if (d != DET_THR) {
        const char *def = d == DET_IQR ? "1.5" : d == DET_MAD ? "2.5" : "1.2";
        if (param_number(&src, "safety", def, 0, 10, &st.det.safety))
            return -1;
    }
    const char *place = mdc_param_get(kv, n, "placement");
    if (place && place_parse(place, &st.place)) {
        snprintf(err, errlen, "placement '%s': expected pabfd or subnet", place);
        return -1;
    }
    if (param_bool(&src, "consolidate", "1", &st.consolidate))
        return -1;
    uint64_t seed = 0;
    if (s == SEL_RS && param_u64(&src, "seed", "0", &seed))
        return -1;
    sel_rng_seed(&st.rng, seed);
    snprintf(st.name, sizeof st.name, "%s-%s%s", det_name(d), sel_name(s),
             st.place == PLACE_SUBNET ? "-subnet" : "");
    struct ds_state *p = xmalloc(sizeof *p);
    *p = st;
    *state = p;
    return 0;
}

static void ds_destroy(void *state)
{
    free(state);
}

/* A VM chosen to leave an overloaded server, and why. */
struct leaving {
    double cpu;
    size_t vm, from;
    char why[48];
};

static int by_cpu_desc(const void *a, const void *b)
{
    const struct leaving *x = a, *y = b;
    if (x->cpu != y->cpu)
        return x->cpu < y->cpu ? 1 : -1;
    return (x->vm > y->vm) - (x->vm < y->vm);
}

/* Picks VMs off overloaded server 's' into 'out' (from *n on) until it is
 * overloaded no more. */
static void unload(struct ds_state *st, struct proj *p, size_t s, struct leaving *out, size_t *n,
                   size_t *cands)
{
    const struct mdc_model *m = p->m;
    for (;;) {
        const struct proj_server *ps = &p->s[s];
        size_t k = 0;
        for (size_t i = 0; i < ps->n_vms; i++)
            if (m->vms[ps->vms[i]].movable && !p->moved[ps->vms[i]])
                cands[k++] = ps->vms[i];
        if (!k)
            return;
        struct leaving *l = &out[(*n)++];
        size_t i = sel_choose(st->sel, m, cands, k, &st->rng, l->why, sizeof l->why);
        l->vm = cands[i], l->from = s, l->cpu = m->vms[cands[i]].cpu_used;
        proj_remove(p, l->vm);
        if (!proj_overloaded(p, &st->det, s, SIZE_MAX, NULL))
            return;
    }
}

static int ds_decide(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                     size_t errlen)
{
    struct ds_state *st = state;
    struct proj p;
    proj_init(&p, m);
    struct leaving *out = xmalloc((m->n_vms ? m->n_vms : 1) * sizeof *out);
    size_t *cands = xmalloc((m->n_vms ? m->n_vms : 1) * sizeof *cands), n = 0;
    /* Why each overloaded server is: its description, by server. */
    char(*over)[80] = xcalloc(m->n_servers ? m->n_servers : 1, sizeof *over);
    for (size_t s = 0; s < m->n_servers; s++) {
        struct det_result r;
        if (p.s[s].asleep || !m->servers[s].reachable ||
            !proj_overloaded(&p, &st->det, s, SIZE_MAX, &r))
            continue;
        p.s[s].excluded = true;
        det_describe(&st->det, &r, over[s], sizeof over[s]);
        unload(st, &p, s, out, &n, cands);
    }
    qsort(out, n, sizeof *out, by_cpu_desc);
    struct place_opts po = {.kind = st->place, .det = &st->det, .wake = true};
    char why[128];
    for (size_t i = 0; i < n; i++) {
        struct place_choice c;
        size_t v = out[i].vm;
        if (!place_find(&p, v, &po, &c)) {
            proj_add(&p, v, out[i].from); /* it stays */
            p.moved[v] = false;
            continue;
        }
        /* Where first: a line too long loses its end, the selector's word. */
        snprintf(why, sizeof why, "%s %s -> %s (+%.1f W): %s; %s", m->vms[v].name,
                 m->servers[out[i].from].name, m->servers[c.server].name, c.watts,
                 over[out[i].from], out[i].why);
        proj_plan_migrate(&p, plan, v, c.server, why);
    }
    if (st->consolidate) {
        struct underload_opts uo = {
            .det = &st->det, .place = st->place, .below = 1, .policy = st->name};
        underload_run(&p, plan, &uo);
    }
    bool failed = p.failed;
    free(over);
    free(cands);
    free(out);
    proj_free(&p);
    if (failed) {
        snprintf(err, errlen, "%s: out of memory for the plan", st->name);
        return -1;
    }
    return 0;
}

/* The parameters: the detector's, then placement and consolidation, then
 * RS's seed. */
#define P_END                                                                                      \
    {                                                                                              \
        NULL, NULL, NULL                                                                           \
    }
#define P_FALLBACK                                                                                 \
    {                                                                                              \
        "threshold", "0.8", "THR's threshold, used while the history is too short (0 to 1)"        \
    }
#define P_THR                                                                                      \
    {                                                                                              \
        "threshold", "0.8", "overloaded when the utilisation now is over this (0 to 1)"            \
    }
#define P_IQR                                                                                      \
    {"safety", "1.5", "overloaded over 1 - safety x the IQR of the last 30 values"}, P_FALLBACK
#define P_MAD                                                                                      \
    {"safety", "2.5", "overloaded over 1 - safety x the MAD of the last 30 values"}, P_FALLBACK
#define P_LR                                                                                       \
    {"safety", "1.2", "overloaded when safety x the utilisation predicted is 1 or more"}, P_FALLBACK
#define P_LRR P_LR
#define P_COMMON(place)                                                                            \
    {"placement", place, "where the VMs go: pabfd, or subnet (their own subnet first)"},           \
    {                                                                                              \
        "consolidate", "1", "1: also empty the least used servers and put them to sleep"           \
    }
#define P_SEED {"seed", "0", "RS's random seed (0: a fixed one)"},

#define DS_PARAMS(d, D)                                                                            \
    static const struct mdc_param params_##d##_pabfd[] = {P_##D, P_COMMON("pabfd"), P_END};        \
    static const struct mdc_param params_##d##_subnet[] = {P_##D, P_COMMON("subnet"), P_END};      \
    static const struct mdc_param params_##d##_pabfd_rs[] = {P_##D, P_COMMON("pabfd"),             \
                                                             P_SEED P_END};                        \
    static const struct mdc_param params_##d##_subnet_rs[] = {P_##D, P_COMMON("subnet"),           \
                                                              P_SEED P_END};
DS_PARAMS(thr, THR)
DS_PARAMS(iqr, IQR)
DS_PARAMS(mad, MAD)
DS_PARAMS(lr, LR)
DS_PARAMS(lrr, LRR)

/* An init() for each policy: the detector, selector and placement it is. */
#define DS_INIT(d, D, s, S, pl, PL)                                                                \
    static int init_##d##_##s##_##pl(void **st, const struct mdc_kv *kv, size_t n, char *err,      \
                                     size_t len)                                                   \
    {                                                                                              \
        return ds_init(st, DET_##D, SEL_##S, PLACE_##PL, kv, n, err, len);                         \
    }
#define DS_INIT2(d, D, s, S) DS_INIT(d, D, s, S, pabfd, PABFD) DS_INIT(d, D, s, S, subnet, SUBNET)
#define DS_INITS(d, D)                                                                             \
    DS_INIT2(d, D, mmt, MMT) DS_INIT2(d, D, mc, MC) DS_INIT2(d, D, rs, RS) DS_INIT2(d, D, mu, MU)
DS_INITS(thr, THR)
DS_INITS(iqr, IQR)
DS_INITS(mad, MAD)
DS_INITS(lr, LR)
DS_INITS(lrr, LRR)

#define DS_POLICY(d, s, pl, suffix, rs)                                                            \
    {                                                                                              \
        MDC_POLICY_API_VERSION, #d "-" #s suffix,                                                  \
            "servers overloaded by " #d ", VMs picked by " #s ", placed by " #pl                   \
            ", then consolidation (Beloglazov & Buyya 2012)",                                      \
            params_##d##_##pl##rs, MDC_NEEDS_CPU_CAPACITY, init_##d##_##s##_##pl, ds_decide,       \
            ds_destroy                                                                             \
    }
#define DS_SEL(d, s, rs)                                                                           \
    {                                                                                              \
        DS_POLICY(d, s, pabfd, "", rs), DS_POLICY(d, s, subnet, "-subnet", rs)                     \
    }
#define DS_DET(d)                                                                                  \
    {                                                                                              \
        DS_SEL(d, mmt, ), DS_SEL(d, mc, ), DS_SEL(d, rs, _rs), DS_SEL(d, mu, )                     \
    }

/* In the order of enum det_kind, enum sel_kind, enum place_kind. */
static const struct mdc_policy policies[OVERLOAD_N_DET][OVERLOAD_N_SEL][OVERLOAD_N_PLACE] = {
    DS_DET(thr), DS_DET(iqr), DS_DET(mad), DS_DET(lr), DS_DET(lrr)};

const struct mdc_policy *overload_policy(enum det_kind d, enum sel_kind s, enum place_kind p)
{
    return &policies[d][s][p];
}
