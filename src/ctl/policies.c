/* minidcd's placement policies and their loop (policies.h). */
#include "ctl/policies.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentproto/agent_proto.h"
#include "ctl/model.h"
#include "ctl/plans.h"
#include "ctl/vmctl.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "util/log.h"
#include "util/proc.h"
#include "topo/topo.h"
#include "util/xalloc.h"

LOG_MODULE("policy");

/* A policy of a shared object. */
struct loaded {
    const struct mdc_policy *pol;
    char *path;
};

/* The policy running. */
struct running {
    const struct mdc_policy *pol;
    void *state;
    json_t *params; /* name -> value, every one the policy lists */
    struct mdc_kv *kv;
    size_t n_kv;
    double interval_s;
    bool dry_run;
    unsigned max_parallel;
    double since, next;
    unsigned long decisions, skipped, plans, failures;
    json_t *last; /* the last decision's event */
};

struct policies {
    const struct topo *t;
    struct vmctl *v;
    struct plans *plans;
    struct policies_hooks hooks;
    void **handles; /* dlopen's */
    size_t n_handles;
    struct loaded *loaded;
    size_t n_loaded;
    struct running *run;
};

struct policies *policies_create(const struct topo *t, struct vmctl *v, struct plans *plans,
                                 const struct policies_hooks *hooks)
{
    struct policies *p = xcalloc(1, sizeof *p);
    p->t = t;
    p->v = v;
    p->plans = plans;
    p->hooks = *hooks;
    return p;
}

static void running_free(struct running *r)
{
    if (!r)
        return;
    if (r->pol->destroy)
        r->pol->destroy(r->state);
    json_decref(r->params);
    free(r->kv);
    json_decref(r->last);
    free(r);
}

void policies_destroy(struct policies *p)
{
    if (!p)
        return;
    running_free(p->run);
    for (size_t i = 0; i < p->n_loaded; i++)
        free(p->loaded[i].path);
    free(p->loaded);
    for (size_t i = 0; i < p->n_handles; i++)
        dlclose(p->handles[i]);
    free(p->handles);
    free(p);
}

static void publish(struct policies *p, const char *type, json_t *data)
{
    if (p->hooks.publish)
        p->hooks.publish(p->hooks.ctx, type, data);
    else
        json_decref(data);
}

/* The policy named 'name', loaded or built in; NULL when none is. */
static const struct mdc_policy *find(const struct policies *p, const char *name, const char **from)
{
    for (size_t i = 0; i < p->n_loaded; i++)
        if (!strcmp(p->loaded[i].pol->name, name)) {
            if (from)
                *from = p->loaded[i].path;
            return p->loaded[i].pol;
        }
    if (from)
        *from = "built-in";
    return policy_builtin(name);
}

int policies_load(struct policies *p, const char *path, char **err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        *err = xasprintf("%s", dlerror());
        return -1;
    }
    const struct mdc_policy *const *list = dlsym(h, "mdc_policies");
    size_t n = 0;
    if (!list) {
        *err = xasprintf("%s: exports no mdc_policies (a NULL-ended array of const struct "
                         "mdc_policy *: see include/minidc/policy.h)",
                         path);
    } else {
        for (; list[n] && n < 1024; n++) {
            const struct mdc_policy *pol = list[n];
            if (pol->api_version != MDC_POLICY_API_VERSION)
                *err = xasprintf("%s: policy %zu was built for policy API version %d, minidcd "
                                 "takes %d (rebuild it against this include/minidc/policy.h)",
                                 path, n + 1, pol->api_version, MDC_POLICY_API_VERSION);
            else if (!pol->name || !*pol->name || !pol->decide)
                *err = xasprintf("%s: policy %zu has no name or no decide()", path, n + 1);
            else if (find(p, pol->name, NULL))
                *err = xasprintf("%s: a policy named %s is already known", path, pol->name);
            if (*err)
                break;
        }
        if (!n && !*err)
            *err = xasprintf("%s: mdc_policies is empty", path);
    }
    if (*err) {
        dlclose(h);
        return -1;
    }
    p->handles = xrealloc(p->handles, (p->n_handles + 1) * sizeof *p->handles);
    p->handles[p->n_handles++] = h;
    p->loaded = xrealloc(p->loaded, (p->n_loaded + n) * sizeof *p->loaded);
    for (size_t i = 0; i < n; i++) {
        p->loaded[p->n_loaded++] = (struct loaded){list[i], xstrdup(path)};
        LOG_INF("policy %s loaded from %s", list[i]->name, path);
    }
    return 0;
}

/* ---- listing ---- */

static json_t *needs_json(unsigned needs)
{
    json_t *a = json_array();
    if (needs & MDC_NEEDS_REQUEST_RATE)
        json_array_append_new(a, json_string("request_rate"));
    if (needs & MDC_NEEDS_LATENCY)
        json_array_append_new(a, json_string("latency"));
    if (needs & MDC_NEEDS_CPU_CAPACITY)
        json_array_append_new(a, json_string("cpu_capacity"));
    return a;
}

static json_t *policy_json(const struct mdc_policy *pol, const char *from)
{
    json_t *params = json_array();
    for (const struct mdc_param *q = pol->params; q && q->name; q++)
        json_array_append_new(params, json_pack("{s:s, s:s, s:s}", "name", q->name, "default",
                                                q->default_value ? q->default_value : "", "help",
                                                q->help ? q->help : ""));
    return json_pack("{s:s, s:s, s:o, s:o, s:s}", "name", pol->name, "summary",
                     pol->summary ? pol->summary : "", "params", params, "needs",
                     needs_json(pol->needs), "from", from);
}

json_t *policies_list_json(const struct policies *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->n_loaded; i++)
        json_array_append_new(a, policy_json(p->loaded[i].pol, p->loaded[i].path));
    size_t n = policy_builtin_list(NULL, 0);
    const struct mdc_policy **b = xcalloc(n + 1, sizeof *b);
    n = policy_builtin_list(b, n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, policy_json(b[i], "built-in"));
    free(b);
    return a;
}

/* ---- running one ---- */

/* Every parameter 'pol' lists, the given value or its default, into
 * '*params'; 0, or -1 with why in 'err'. */
static int fill_params(const struct mdc_policy *pol, const json_t *given, json_t **params,
                       char *err, size_t errlen)
{
    size_t n = json_object_size(given), k = 0, n_out = 0;
    struct mdc_kv *kv = xcalloc(n + 1, sizeof *kv), *out = NULL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)given, key, v)
        kv[k++] = (struct mdc_kv){key, json_string_value(v) ?: ""};
    int rc = policy_params(pol, kv, n, &out, &n_out, err, errlen);
    if (!rc) {
        *params = json_object();
        for (size_t i = 0; i < n_out; i++)
            json_object_set_new(*params, out[i].key, json_string(out[i].value ?: ""));
    }
    free(out);
    free(kv);
    return rc;
}

/* The figures 'pol' needs that the model lacks; NULL when none. */
static char *missing_figures(const struct mdc_policy *pol, const struct mdc_model *m,
                             const struct topo *t)
{
    if (pol->needs & MDC_NEEDS_REQUEST_RATE) {
        bool any = false;
        for (size_t i = 0; i < m->n_services; i++)
            any |= m->services[i].requests_per_s >= 0;
        if (!any)
            return xasprintf("policy %s needs the requests per second of a service, and none is "
                             "reported now: run `minidc load http` at the service (it reports "
                             "them to minidcd while it runs), then start the policy",
                             pol->name);
    }
    if (pol->needs & MDC_NEEDS_LATENCY) {
        bool any = false;
        for (size_t i = 0; i < m->n_services; i++)
            any |= m->services[i].p95_ms >= 0;
        if (!any)
            return xasprintf("policy %s needs a service's p95 latency, and none is reported now: "
                             "run `minidc load http` at the service first",
                             pol->name);
    }
    if (pol->needs & MDC_NEEDS_CPU_CAPACITY) {
        /* Without servers[].cpu a lab's servers would each read the whole
         * machine's CPUs, which they share: a utilisation would mean
         * nothing. */
        char names[256] = "";
        size_t n = 0;
        for (size_t i = 0; i < t->n_nodes; i++)
            if (t->nodes[i].kind == TOPO_SERVER && !(t->nodes[i].cpu > 0) && n++ < 4)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                         n > 1 ? ", " : "", t->nodes[i].name);
        if (n)
            return xasprintf("policy %s needs every server's CPU capacity, and the topology "
                             "gives %zu server%s none (%s%s): give each servers[].cpu (host "
                             "CPUs its VMs may use; docs/topology.md)",
                             pol->name, n, n == 1 ? "" : "s", names, n > 4 ? ", ..." : "");
    }
    return NULL;
}

static json_t *status_of(const struct running *r, double now)
{
    json_t *o = json_pack("{s:b, s:s, s:O, s:f, s:b, s:i, s:f, s:I, s:I, s:I, s:I, s:f}", "running",
                          1, "name", r->pol->name, "params", r->params, "interval_s", r->interval_s,
                          "dry_run", r->dry_run, "max_parallel", (int)r->max_parallel, "since",
                          r->since, "decisions", (json_int_t)r->decisions, "skipped",
                          (json_int_t)r->skipped, "plans", (json_int_t)r->plans, "failures",
                          (json_int_t)r->failures, "next_in_s", fmax(0, r->next - now));
    json_object_set(o, "last_decision", r->last ? r->last : json_null());
    return o;
}

/* Starts 'pol' with 'req'; 201 or an error (when 'check': the figures it
 * needs are there). */
static int start(struct policies *p, const struct mdc_policy *pol, const struct api_policy_run *req,
                 double now, bool check, json_t **out)
{
    char err[512] = "";
    json_t *params;
    if (fill_params(pol, req->params, &params, err, sizeof err)) {
        *out = agent_proto_error("%s", err);
        return 400;
    }
    if (check) {
        struct model *m = p->hooks.model(p->hooks.ctx);
        char *missing = missing_figures(pol, model_get(m), p->t);
        model_free(m);
        if (missing) {
            *out = agent_proto_error("%s", missing);
            free(missing);
            json_decref(params);
            return 400;
        }
    }
    struct running *r = xcalloc(1, sizeof *r);
    r->pol = pol;
    r->params = params;
    r->n_kv = json_object_size(params);
    r->kv = xcalloc(r->n_kv + 1, sizeof *r->kv);
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(params, k, v)
        r->kv[i++] = (struct mdc_kv){k, json_string_value(v)};
    if (pol->init && pol->init(&r->state, r->kv, r->n_kv, err, sizeof err)) {
        *out = agent_proto_error("policy %s: %s", pol->name, *err ? err : "init failed");
        json_decref(r->params);
        free(r->kv);
        free(r);
        return 400;
    }
    r->interval_s = req->interval_s;
    r->dry_run = req->dry_run;
    r->max_parallel = req->max_parallel ? req->max_parallel : PLAN_PARALLEL_DEFAULT;
    r->since = now;
    r->next = now; /* the first decision at the next tick */
    p->run = r;
    json_t *kept =
        json_pack("{s:s, s:O, s:f, s:b, s:i}", "name", pol->name, "params", params, "interval_s",
                  r->interval_s, "dry_run", r->dry_run, "max_parallel", (int)r->max_parallel);
    vmctl_keep(p->v, "policy", kept);
    json_decref(kept);
    LOG_INF("policy %s runs every %g s%s", pol->name, r->interval_s,
            r->dry_run ? " (dry run: it decides, nothing is done)" : "");
    publish(p, "policy.started",
            json_pack("{s:s, s:O, s:f, s:b}", "policy", pol->name, "params", params, "interval_s",
                      r->interval_s, "dry_run", r->dry_run));
    *out = status_of(r, now);
    return 201;
}

int policies_run(struct policies *p, const struct api_policy_run *req, double now, json_t **out)
{
    if (p->run) {
        *out = agent_proto_error("policy %s runs: stop it first (DELETE /api/v1/policy, or "
                                 "minidc policy stop)",
                                 p->run->pol->name);
        return 409;
    }
    const struct mdc_policy *pol = find(p, req->name, NULL);
    if (!pol) {
        *out = agent_proto_error("no policy named '%s' (GET /api/v1/policies, or minidc policy "
                                 "list, lists them)",
                                 req->name);
        return 400;
    }
    return start(p, pol, req, now, true, out);
}

int policies_stop(struct policies *p, json_t **out)
{
    if (!p->run) {
        *out = agent_proto_error("no policy runs");
        return 404;
    }
    struct running *r = p->run;
    *out = status_of(r, proc_wall());
    json_object_set_new(*out, "running", json_false());
    publish(p, "policy.stopped",
            json_pack("{s:s, s:I}", "policy", r->pol->name, "decisions", (json_int_t)r->decisions));
    LOG_INF("policy %s stopped after %lu decisions", r->pol->name, r->decisions);
    p->run = NULL;
    running_free(r);
    vmctl_keep(p->v, "policy", NULL);
    return 200;
}

json_t *policies_status_json(const struct policies *p, double now)
{
    return p->run ? status_of(p->run, now) : json_pack("{s:b}", "running", 0);
}

json_t *policies_state_json(struct policies *p)
{
    struct model *m = p->hooks.model(p->hooks.ctx);
    json_t *j = model_json(model_get(m));
    model_free(m);
    return j;
}

/* ---- deciding ---- */

/* What the policy decided on, in a few figures. */
static json_t *inputs_json(const struct mdc_model *m)
{
    size_t asleep = 0, movable = 0, rated = 0;
    double sum = 0, max = 0;
    for (size_t i = 0; i < m->n_servers; i++) {
        const struct mdc_server *s = &m->servers[i];
        asleep += s->asleep;
        double u = s->cpu_utilization.n ? s->cpu_utilization.values[s->cpu_utilization.n - 1] : 0;
        sum += u;
        max = fmax(max, u);
    }
    for (size_t i = 0; i < m->n_vms; i++)
        movable += m->vms[i].movable;
    for (size_t i = 0; i < m->n_services; i++)
        rated += m->services[i].requests_per_s >= 0;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "servers", (json_int_t)m->n_servers,
                     "asleep", (json_int_t)asleep, "vms", (json_int_t)m->n_vms, "movable",
                     (json_int_t)movable, "services_with_demand", (json_int_t)rated,
                     "mean_utilization", m->n_servers ? sum / (double)m->n_servers : 0,
                     "max_utilization", max);
}

static json_t *actions_json(const struct mdc_plan *plan)
{
    json_t *a = json_array();
    for (size_t i = 0; i < plan->n; i++) {
        const struct mdc_action *x = &plan->actions[i];
        json_t *o = json_pack("{s:s}", "action", plan_action_name(x->kind));
        if (x->vm)
            json_object_set_new(o, "vm", json_string(x->vm));
        if (x->server)
            json_object_set_new(o, x->kind == MDC_SLEEP || x->kind == MDC_WAKE ? "server" : "to",
                                json_string(x->server));
        if (x->kind == MDC_CLONE)
            json_object_set_new(o, "balance", json_boolean(x->balance));
        if (x->why[0])
            json_object_set_new(o, "why", json_string(x->why));
        json_array_append_new(a, o);
    }
    return a;
}

static void decide(struct policies *p, double now)
{
    struct running *r = p->run;
    struct model *m = p->hooks.model(p->hooks.ctx);
    const struct mdc_model *mm = model_get(m);
    struct mdc_plan plan = {0};
    char err[512] = "";
    double t0 = proc_now();
    int rc = r->pol->decide(r->state, mm, &plan, err, sizeof err);
    double took = proc_now() - t0;
    r->decisions++;
    json_t *ev = json_pack("{s:s, s:I, s:o, s:f, s:b}", "policy", r->pol->name, "decision",
                           (json_int_t)r->decisions, "inputs", inputs_json(mm), "decide_ms",
                           took * 1000, "dry_run", r->dry_run);
    if (rc) {
        r->failures++;
        json_object_set_new(ev, "error", json_string(*err ? err : "decide() failed"));
        LOG_WRN("policy %s could not decide: %s", r->pol->name, *err ? err : "decide() failed");
        plan.n = 0;
    }
    json_object_set_new(ev, "actions", actions_json(&plan));
    if (!rc && plan.n && !r->dry_run) {
        char source[96];
        snprintf(source, sizeof source, "policy %s", r->pol->name);
        unsigned long id =
            plans_start(p->plans, source, plan.actions, plan.n, r->max_parallel, now);
        r->plans++;
        json_object_set_new(ev, "plan", json_integer((json_int_t)id));
    }
    if (plan.n)
        LOG_INF("policy %s: %zu action(s)%s, decided in %.2f ms", r->pol->name, plan.n,
                r->dry_run ? " (dry run: not done)" : "", took * 1000);
    free(plan.actions);
    json_decref(r->last);
    r->last = json_incref(ev);
    publish(p, "policy.decision", ev);
    model_free(m);
}

void policies_tick(struct policies *p, double now)
{
    struct running *r = p->run;
    if (!r || now < r->next)
        return;
    r->next = now + r->interval_s;
    if (!vmctl_rounds(p->v) || plans_busy(p->plans) ||
        now < plans_ended_at(p->plans) + POLICIES_SETTLE_S) {
        r->skipped++;
        LOG_DBG("policy %s: the agents not polled yet, or a plan under way or just ended: this "
                "interval is skipped",
                r->pol->name);
        return;
    }
    decide(p, now);
}

void policies_restore(struct policies *p, double now)
{
    json_t *k = vmctl_kept(p->v, "policy");
    if (!k)
        return;
    struct api_policy_run req = {0};
    const char *name = json_string_value(json_object_get(k, "name"));
    req.name = (char *)(name ? name : "");
    req.params = json_object_get(k, "params");
    if (!json_is_object(req.params))
        req.params = NULL;
    req.interval_s = json_number_value(json_object_get(k, "interval_s"));
    if (!(req.interval_s >= API_POLICY_INTERVAL_MIN && req.interval_s <= API_POLICY_INTERVAL_MAX))
        req.interval_s = API_POLICY_INTERVAL_DEFAULT;
    req.dry_run = json_is_true(json_object_get(k, "dry_run"));
    json_int_t mp = json_integer_value(json_object_get(k, "max_parallel"));
    req.max_parallel = mp > 0 && mp <= API_PARALLEL_MAX ? (unsigned)mp : 0;
    json_t *empty = json_object();
    if (!req.params)
        req.params = empty;
    const struct mdc_policy *pol = find(p, req.name, NULL);
    json_t *out = NULL;
    if (!pol)
        LOG_ERR_("the state file says policy '%s' ran, and there is none of that name now (was "
                 "it from a --policy-path not given this time?): it does not run",
                 req.name);
    else if (start(p, pol, &req, now, false, &out) != 201)
        LOG_ERR_("policy %s ran before the restart and cannot start again: %s", req.name,
                 agent_proto_error_text(out));
    else
        LOG_INF("policy %s runs again, as before the restart", req.name);
    json_decref(out);
    json_decref(empty);
    json_decref(k);
}
