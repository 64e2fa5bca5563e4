#include "cli/sim_results.h"

#include <stdbool.h>
#include <stdlib.h>

#include "eval/metrics.h"
#include "exp/exp_eval.h"
#include "exp/exp_stats.h"

static json_t *series(const struct sim *s, const struct eval_run *r, const struct sim_host *hosts)
{
    json_t *t = json_array(), *act = json_array(), *en = json_array();
    double energy = 0;
    for (size_t k = 0; k < r->n; k++) {
        json_array_append_new(t, json_real(r->t[k] - r->t[0]));
        size_t a = 0;
        for (size_t i = 0; i < r->n_servers; i++)
            a += !r->servers[i].asleep[k];
        json_array_append_new(act, json_integer((json_int_t)a));
        if (k) { /* the energy of interval k - 1, added: a run of two rounds */
            struct eval_run part = *r;
            part.t = r->t + k - 1;
            part.n = 2;
            struct eval_server *sv = calloc(r->n_servers, sizeof *sv);
            for (size_t i = 0; sv && i < r->n_servers; i++)
                sv[i] = (struct eval_server){r->servers[i].power_w, r->servers[i].util + k - 1,
                                             r->servers[i].asleep + k - 1};
            part.servers = sv;
            energy += sv ? eval_energy_j(&part) : 0;
            free(sv);
        }
        json_array_append_new(en, json_real(energy));
    }
    json_t *o = json_pack("{s:o, s:o, s:o}", "t", t, "active", act, "energy_j", en);
    if (r->n_servers <= SIM_RESULTS_SERVERS_MAX) {
        json_t *util = json_object(), *asleep = json_object();
        for (size_t i = 0; i < r->n_servers; i++) {
            json_t *u = json_array(), *a = json_array();
            for (size_t k = 0; k < r->n; k++) {
                json_array_append_new(u, json_real(r->servers[i].util[k]));
                json_array_append_new(a, json_boolean(r->servers[i].asleep[k]));
            }
            json_object_set_new(util, hosts[i].name, u);
            json_object_set_new(asleep, hosts[i].name, a);
        }
        json_object_set_new(o, "util", util);
        json_object_set_new(o, "asleep", asleep);
    }
    (void)s;
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
                     st.n ? st.max : 0.0, "values", values, "series", series(s, r, hosts), "events",
                     events(s, hosts, vms));
}
