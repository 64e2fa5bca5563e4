#include "cli/sim_results.h"

#include <stdbool.h>
#include <stdlib.h>

#include "eval/metrics.h"
#include "exp/exp_eval.h"
#include "exp/exp_stats.h"
#include "util/xalloc.h"

static json_t *series(const struct eval_run *r, const struct sim_host *hosts)
{
    const char **names = xcalloc(r->n_servers + 1, sizeof *names);
    for (size_t i = 0; i < r->n_servers; i++)
        names[i] = hosts[i].name;
    json_t *o = exp_eval_series(r, names, SIM_RESULTS_SERVERS_MAX);
    free(names);
    return o;
}

static json_t *events(const struct sim *s, const struct sim_host *hosts, const struct sim_vm *vms)
{
    size_t n;
    const struct sim_event *ev = sim_events(s, &n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct sim_event *e = &ev[i];
        if (e->kind == EVAL_MIGRATION)
            json_array_append_new(a, json_pack("{s:s, s:f, s:s, s:s, s:s, s:f}", "type",
                                               "vm.migrated", "time", e->t, "vm", vms[e->vm].name,
                                               "from", hosts[e->from].name, "to", hosts[e->to].name,
                                               "seconds", e->t - e->start));
        else
            json_array_append_new(
                a, json_pack("{s:s, s:f, s:s}", "type",
                             e->kind == EVAL_SLEEP ? "server.asleep" : "server.awake", "time", e->t,
                             "server", hosts[e->to].name));
    }
    return a;
}

json_t *sim_results_row(const struct sim *s, const char *policy, const struct sim_host *hosts,
                        const struct sim_vm *vms)
{
    const struct eval_run *r = sim_eval(s);
    struct eval_metrics m;
    eval_metrics(r, &m);
    const struct sim_decisions *d = sim_decisions(s);
    json_t *values = json_array();
    for (size_t i = 0; i < d->n; i++)
        json_array_append_new(values, json_real(d->seconds[i] * 1e3));
    struct exp_stats st;
    exp_stats_json(values, &st);
    return json_pack("{s:s, s:i, s:f, s:f, s:o, s:{s:I, s:f, s:f, s:o}, s:o, s:o}", "policy",
                     policy, "run", 1, "from", r->n ? r->t[0] : 0.0, "to",
                     r->n ? r->t[r->n - 1] : 0.0, "metrics", exp_eval_metrics_json(&m), "decide_ms",
                     "n", (json_int_t)st.n, "p50", st.n ? st.median : 0.0, "max",
                     st.n ? st.max : 0.0, "values", values, "series", series(r, hosts), "events",
                     events(s, hosts, vms));
}
