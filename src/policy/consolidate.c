/* consolidate: underload consolidation alone (underload.h), no overload
 * step.  A lightly used server is an awake one whose utilisation now is
 * under 'underload' (0.2: a fifth of its CPU); the least used is emptied
 * first, onto servers that stay at or under 'threshold' with the VM
 * (THR's rule; a server with no VM takes any that fits its memory), and at
 * most 'max_servers' go to sleep a round, so that one round's plan stays
 * short (minidc carries it out a few moves at a time, and the next round
 * sees the result). */
#include "policy/builtin.h"

#include <stdio.h>
#include <stdlib.h>

#include "policy/param.h"
#include "policy/proj.h"
#include "policy/underload.h"
#include "util/xalloc.h"

struct cons_state {
    struct detector det;
    enum place_kind place;
    double underload;
    size_t max_servers;
};

static int cons_init(void **state, const struct mdc_kv *kv, size_t n, char *err, size_t errlen)
{
    struct param_src src = {kv, n, err, errlen};
    struct cons_state st = {.det = {.kind = DET_THR}};
    if (param_number(&src, "threshold", "0.8", 0, 1, &st.det.threshold) ||
        param_number(&src, "underload", "0.2", 0, 1, &st.underload) ||
        param_size(&src, "max_servers", "4", 0, 100000, &st.max_servers))
        return -1;
    const char *place = mdc_param_get(kv, n, "placement");
    if (place && place_parse(place, &st.place)) {
        snprintf(err, errlen, "placement '%s': expected pabfd or subnet", place);
        return -1;
    }
    struct cons_state *p = xmalloc(sizeof *p);
    *p = st;
    *state = p;
    return 0;
}

static int cons_decide(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                       size_t errlen)
{
    struct cons_state *st = state;
    struct proj p;
    proj_init(&p, m);
    struct underload_opts uo = {.det = &st->det,
                                .place = st->place,
                                .below = st->underload,
                                .max_servers = st->max_servers,
                                .policy = "consolidate"};
    underload_run(&p, plan, &uo);
    bool failed = p.failed;
    proj_free(&p);
    if (failed) {
        snprintf(err, errlen, "consolidate: out of memory for the plan");
        return -1;
    }
    return 0;
}

static void cons_destroy(void *state)
{
    free(state);
}

static const struct mdc_param cons_params[] = {
    {"threshold", "0.8", "a destination may not go over this utilisation (0 to 1)"},
    {"underload", "0.2", "servers under this utilisation are emptied (0 to 1)"},
    {"max_servers", "4", "servers put to sleep a round at most (0: no bound)"},
    {"placement", "pabfd", "where the VMs go: pabfd, or subnet (their own subnet first)"},
    {NULL, NULL, NULL}};

const struct mdc_policy policy_consolidate = {
    MDC_POLICY_API_VERSION,
    "consolidate",
    "empties the least used servers onto others and puts them to sleep",
    cons_params,
    MDC_NEEDS_CPU_CAPACITY,
    cons_init,
    cons_decide,
    cons_destroy};
