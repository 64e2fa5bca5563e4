/* A policy run's figures into eval/metrics.h's series (exp_eval.h). */
#include "exp/exp_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "util/xalloc.h"

struct exp_eval {
    struct eval_run run;
    double *t;
    struct eval_server *servers;
    double **utils;
    bool **asleep;
    char **server_names;
    struct eval_vm *vms;
    double **cpus;
    bool **migrating;
    char **vm_names;
    struct eval_event *events;
};

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The value of series 'pts' ([[t, v]...], by time) held at time 't': its
 * last sample at or before 't'; NaN when none. */
static double held(const json_t *pts, double t, size_t *cursor)
{
    double v = NAN;
    size_t n = json_array_size(pts);
    while (*cursor < n) {
        const json_t *p = json_array_get(pts, *cursor);
        if (json_number_value(json_array_get(p, 0)) > t)
            break;
        v = json_number_value(json_array_get(p, 1));
        (*cursor)++;
    }
    if (isnan(v) && *cursor > 0)
        v = json_number_value(json_array_get(json_array_get(pts, *cursor - 1), 1));
    return v;
}

static const json_t *series(const struct exp_eval_input *in, const char *kind, const char *name)
{
    char key[192];
    snprintf(key, sizeof key, "%s/%s/cpu_used", kind, name);
    return json_object_get(json_object_get(in->history, "series"), key);
}

/* The rounds of the servers' series within the window, sorted, each once. */
static size_t axis(struct exp_eval *e, const struct exp_eval_input *in)
{
    size_t cap = 0, n = 0;
    const char *k;
    json_t *pts;
    json_object_foreach(json_object_get(in->history, "series"), k, pts)
        if (!strncmp(k, "server/", 7))
            cap += json_array_size(pts);
    e->t = xcalloc(cap + 1, sizeof *e->t);
    json_object_foreach(json_object_get(in->history, "series"), k, pts) {
        size_t len = strlen(k);
        if (strncmp(k, "server/", 7) || len < 9 || strcmp(k + len - 9, "/cpu_used"))
            continue;
        size_t i;
        json_t *p;
        json_array_foreach(pts, i, p) {
            double t = json_number_value(json_array_get(p, 0));
            if (t >= in->from && t <= in->to)
                e->t[n++] = t;
        }
    }
    qsort(e->t, n, sizeof *e->t, by_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || e->t[i] != e->t[u - 1])
            e->t[u++] = e->t[i];
    return u;
}

static const char *event_str(const json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key)) ?: "";
}

/* Whether server 'name' sleeps at time 't', by the events before it. */
static bool asleep_at(const json_t *events, const char *name, double t)
{
    bool asleep = false;
    double last = -INFINITY;
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *type = event_str(ev, "type");
        double at = json_number_value(json_object_get(ev, "time"));
        if (at > t || at < last || strcmp(event_str(ev, "server"), name))
            continue;
        if (!strcmp(type, "server.asleep") || !strcmp(type, "server.awake")) {
            asleep = !strcmp(type, "server.asleep");
            last = at;
        }
    }
    return asleep;
}

static int build_servers(struct exp_eval *e, const struct exp_eval_input *in, char **err)
{
    const struct topo *t = in->t;
    size_t n = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        n += t->nodes[i].kind == TOPO_SERVER;
    e->servers = xcalloc(n + 1, sizeof *e->servers);
    e->utils = xcalloc(n + 1, sizeof *e->utils);
    e->asleep = xcalloc(n + 1, sizeof *e->asleep);
    e->server_names = xcalloc(n + 1, sizeof *e->server_names);
    size_t k = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *nd = &t->nodes[i];
        if (nd->kind != TOPO_SERVER)
            continue;
        if (!(nd->cpu > 0)) {
            *err = xasprintf("server %s has no servers[].cpu: its utilisation would mean nothing",
                             nd->name);
            e->run.n_servers = k;
            return -1;
        }
        const json_t *pts = series(in, "server", nd->name);
        double *u = e->utils[k] = xcalloc(e->run.n + 1, sizeof *u);
        bool *a = e->asleep[k] = xcalloc(e->run.n + 1, sizeof *a);
        size_t cursor = 0;
        for (size_t r = 0; r < e->run.n; r++) {
            u[r] = held(pts, e->t[r], &cursor) / nd->cpu;
            a[r] = asleep_at(in->events, nd->name, e->t[r]);
        }
        e->server_names[k] = xstrdup(nd->name);
        e->servers[k] = (struct eval_server){nd->power_w, u, a};
        k++;
    }
    e->run.servers = e->servers;
    e->run.n_servers = k;
    return 0;
}

/* Whether VM 'name' migrated during [t0, t1]. */
static bool migrating(const json_t *events, const char *name, double t0, double t1)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
        if (strcmp(event_str(ev, "type"), "vm.migrated") || strcmp(event_str(ev, "vm"), name))
            continue;
        double end = json_number_value(json_object_get(ev, "time"));
        double start = end - json_number_value(json_object_get(ev, "seconds"));
        if (start < t1 && end > t0)
            return true;
    }
    return false;
}

static void build_vms(struct exp_eval *e, const struct exp_eval_input *in)
{
    size_t cap = json_object_size(json_object_get(in->history, "series")) + 1, k = 0;
    e->vms = xcalloc(cap, sizeof *e->vms);
    e->cpus = xcalloc(cap, sizeof *e->cpus);
    e->migrating = xcalloc(cap, sizeof *e->migrating);
    e->vm_names = xcalloc(cap, sizeof *e->vm_names);
    const char *key;
    json_t *pts;
    json_object_foreach(json_object_get(in->history, "series"), key, pts) {
        size_t len = strlen(key), np = json_array_size(pts);
        if (strncmp(key, "vm/", 3) || len < 12 || strcmp(key + len - 9, "/cpu_used") || !np)
            continue;
        double first_t = json_number_value(json_array_get(json_array_get(pts, 0), 0)),
               last_t = json_number_value(json_array_get(json_array_get(pts, np - 1), 0));
        size_t first = 0, last = e->run.n;
        while (first < e->run.n && e->t[first] < first_t)
            first++;
        while (last > first && e->t[last - 1] > last_t)
            last--;
        if (last <= first)
            continue;
        char *name = xstrndup(key + 3, len - 12);
        size_t n = last - first, cursor = 0;
        double *c = e->cpus[k] = xcalloc(n, sizeof *c);
        bool *m = e->migrating[k] = xcalloc(n, sizeof *m);
        for (size_t i = 0; i < n; i++) {
            c[i] = held(pts, e->t[first + i], &cursor);
            if (i + 1 < n)
                m[i] = migrating(in->events, name, e->t[first + i], e->t[first + i + 1]);
        }
        e->vm_names[k] = name;
        e->vms[k++] = (struct eval_vm){.first = first, .n = n, .cpu_used = c, .migrating = m};
    }
    e->run.vms = e->vms;
    e->run.n_vms = k;
}

static void build_events(struct exp_eval *e, const struct exp_eval_input *in)
{
    size_t n = json_array_size(in->events), k = 0, i;
    e->events = xcalloc(n + 1, sizeof *e->events);
    const json_t *ev;
    json_array_foreach(in->events, i, ev) {
        const char *type = event_str(ev, "type");
        static const struct {
            const char *type;
            enum eval_event_kind kind;
        } kinds[] = {{"vm.migrated", EVAL_MIGRATION},
                     {"vm.cloned", EVAL_CLONE},
                     {"server.asleep", EVAL_SLEEP},
                     {"server.awake", EVAL_WAKE}};
        for (size_t j = 0; j < sizeof kinds / sizeof *kinds; j++)
            if (!strcmp(type, kinds[j].type))
                e->events[k++] = (struct eval_event){json_number_value(json_object_get(ev, "time")),
                                                     kinds[j].kind};
    }
    e->run.events = e->events;
    e->run.n_events = k;
}

struct exp_eval *exp_eval_build(const struct exp_eval_input *in, char **err)
{
    struct exp_eval *e = xcalloc(1, sizeof *e);
    e->run = (struct eval_run)EVAL_RUN_INIT;
    e->run.n = axis(e, in);
    e->run.t = e->t;
    if (!e->run.n) {
        *err = xasprintf("no round of the servers' history from %.3f to %.3f", in->from, in->to);
        exp_eval_free(e);
        return NULL;
    }
    if (build_servers(e, in, err)) {
        exp_eval_free(e);
        return NULL;
    }
    build_vms(e, in);
    build_events(e, in);
    return e;
}

const struct eval_run *exp_eval_run(const struct exp_eval *e)
{
    return &e->run;
}

const char *exp_eval_server(const struct exp_eval *e, size_t i)
{
    return e->server_names[i];
}

const char *exp_eval_vm(const struct exp_eval *e, size_t i)
{
    return e->vm_names[i];
}

void exp_eval_free(struct exp_eval *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->run.n_servers; i++)
        free(e->utils[i]), free(e->asleep[i]), free(e->server_names[i]);
    for (size_t i = 0; i < e->run.n_vms; i++)
        free(e->cpus[i]), free(e->migrating[i]), free(e->vm_names[i]);
    free(e->utils), free(e->asleep), free(e->server_names), free(e->servers);
    free(e->cpus), free(e->migrating), free(e->vm_names), free(e->vms);
    free(e->events);
    free(e->t);
    free(e);
}

json_t *exp_eval_metrics_json(const struct eval_metrics *m)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:f, s:I, s:I, s:I, s:I}",
                     "energy_j", m->energy_j, "energy_kwh", m->energy_j / 3.6e6, "slatah",
                     m->slatah, "slatah_pooled", m->slatah_pooled, "pdm", m->pdm, "pdm_pooled",
                     m->pdm_pooled, "slav", m->slav, "overload_fraction", m->overload_fraction,
                     "overloaded_intervals", (json_int_t)m->overloaded_intervals, "mean_active",
                     m->mean_active, "migrations", (json_int_t)m->counts.migrations, "clones",
                     (json_int_t)m->counts.clones, "sleeps", (json_int_t)m->counts.sleeps, "wakes",
                     (json_int_t)m->counts.wakes);
}

json_t *exp_eval_series(const struct eval_run *r, const char *const *names, size_t max_servers)
{
    json_t *t = json_array(), *act = json_array(), *en = json_array();
    /* Interval k - 1's energy, added: eval on a run of those two rounds. */
    struct eval_server *two = xcalloc(r->n_servers + 1, sizeof *two);
    struct eval_run part = *r;
    part.n = 2;
    part.servers = two;
    double energy = 0;
    for (size_t k = 0; k < r->n; k++) {
        json_array_append_new(t, json_real(r->t[k] - r->t[0]));
        size_t a = 0;
        for (size_t i = 0; i < r->n_servers; i++)
            a += !(r->servers[i].asleep && r->servers[i].asleep[k]);
        json_array_append_new(act, json_integer((json_int_t)a));
        if (k) {
            part.t = r->t + k - 1;
            for (size_t i = 0; i < r->n_servers; i++)
                two[i] = (struct eval_server){r->servers[i].power_w, r->servers[i].util + k - 1,
                                              r->servers[i].asleep ? r->servers[i].asleep + k - 1
                                                                   : NULL};
            energy += eval_energy_j(&part);
        }
        json_array_append_new(en, json_real(energy));
    }
    free(two);
    json_t *o = json_pack("{s:o, s:o, s:o}", "t", t, "active", act, "energy_j", en);
    if (r->n_servers > max_servers)
        return o;
    json_t *util = json_object(), *asleep = json_object();
    for (size_t i = 0; i < r->n_servers; i++) {
        json_t *u = json_array(), *a = json_array();
        for (size_t k = 0; k < r->n; k++) {
            double v = r->servers[i].util[k];
            json_array_append_new(u, isnan(v) ? json_null() : json_real(v));
            json_array_append_new(a, json_boolean(r->servers[i].asleep && r->servers[i].asleep[k]));
        }
        json_object_set_new(util, names[i], u);
        json_object_set_new(asleep, names[i], a);
    }
    json_object_set_new(o, "util", util);
    json_object_set_new(o, "asleep", asleep);
    return o;
}
