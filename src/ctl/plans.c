/* minidcd's plans (plans.h): the store, and the executor over vmctl. */
#include "ctl/plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentproto/agent_proto.h"
#include "ctl/vmctl.h"
#include "plan/plan.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("plan");

struct plans {
    struct vmctl *v;
    plans_publish_fn *publish;
    void *ctx;
    struct plan *kept[PLANS_KEPT]; /* a ring, oldest overwritten */
    size_t n_kept, head;
    struct plan *running; /* one of kept[], or NULL */
    unsigned long next_id;
    double ended_at; /* the last plan that did something ended then */
};

struct plans *plans_create(struct vmctl *v, plans_publish_fn *publish, void *ctx)
{
    struct plans *p = xcalloc(1, sizeof *p);
    p->v = v;
    p->publish = publish;
    p->ctx = ctx;
    p->next_id = 1;
    return p;
}

void plans_destroy(struct plans *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_kept; i++)
        plan_free(p->kept[i]);
    free(p);
}

/* ---- the executor: vmctl's operations ---- */

/* The message of an error reply ({"error": ...}), malloc'd. */
static char *error_of(const json_t *out, int st)
{
    const char *e = json_string_value(json_object_get(out, "error"));
    return e ? xstrdup(e) : xasprintf("refused (HTTP status %d)", st);
}

static int exec_start(void *ctx, const struct plan_step *s, unsigned long *handle, json_t **result,
                      char **err)
{
    struct plans *p = ctx;
    json_t *out = NULL;
    int st;
    switch (s->kind) {
    case MDC_MIGRATE: {
        struct api_migrate m = {0};
        snprintf(m.to, sizeof m.to, "%s", s->server);
        st = vmctl_migrate(p->v, s->vm, &m, &out);
        break;
    }
    case MDC_CLONE: {
        struct api_clone c = {.balance = s->balance};
        snprintf(c.to, sizeof c.to, "%s", s->server);
        if (s->as)
            snprintf(c.as, sizeof c.as, "%s", s->as);
        st = vmctl_clone(p->v, s->vm, &c, &out);
        break;
    }
    case MDC_STOP:
        st = vmctl_stop(p->v, s->vm, s->graceful, &out);
        break;
    case MDC_SLEEP:
    case MDC_WAKE:
        st = vmctl_server_power(p->v, s->server, s->kind == MDC_SLEEP, &out);
        if (st == 200) {
            *result = out;
            return 1;
        }
        break;
    default:
        st = 400;
        out = agent_proto_error("no such action");
    }
    if (st == 202) {
        *handle = (unsigned long)json_integer_value(json_object_get(out, "operation"));
        *result = out;
        return 0;
    }
    *err = error_of(out, st);
    json_decref(out);
    return -1;
}

static int exec_poll(void *ctx, const struct plan_step *s, json_t **result, char **err)
{
    struct plans *p = ctx;
    json_t *op = NULL;
    if (vmctl_operation(p->v, s->handle, &op) != 200) {
        *err = xasprintf("operation %lu is gone", s->handle);
        json_decref(op);
        return -1;
    }
    const char *state = json_string_value(json_object_get(op, "state")) ?: "";
    if (!strcmp(state, "running")) {
        json_decref(op);
        return 0;
    }
    json_t *r = json_pack("{s:I}", "operation", (json_int_t)s->handle);
    json_t *res = json_object_get(op, "result");
    if (res)
        json_object_set(r, "operation_result", res);
    *result = r;
    int rc = 1;
    if (strcmp(state, "done")) {
        *err = error_of(op, 500);
        rc = -1;
    }
    json_decref(op);
    return rc;
}

static void exec_changed(void *ctx, const struct plan *pl, size_t i)
{
    struct plans *p = ctx;
    const struct plan_step *s = &pl->steps[i];
    if (s->state == STEP_RUNNING || !p->publish)
        return;
    json_t *d = plan_step_json(s);
    json_object_set_new(d, "plan", json_integer((json_int_t)pl->id));
    json_object_set_new(d, "source", json_string(pl->source));
    json_object_set_new(d, "index", json_integer((json_int_t)i));
    bool policy = !strncmp(pl->source, "policy", 6);
    if (s->state == STEP_DONE)
        LOG_INF("plan %lu: %s %s%s%s done", pl->id, plan_action_name(s->kind),
                s->vm ? s->vm : s->server, s->vm && s->server ? " -> " : "",
                s->vm && s->server ? s->server : "");
    else
        LOG_WRN("plan %lu: %s %s %s: %s", pl->id, plan_action_name(s->kind),
                s->vm ? s->vm : s->server, plan_step_state_name(s->state),
                s->error ? s->error : "");
    p->publish(p->ctx, policy ? "policy.action" : "plan.action", d);
}

static struct plan_exec executor_of(struct plans *p)
{
    return (struct plan_exec){p, exec_start, exec_poll, exec_changed};
}

/* ---- the store ---- */

static void keep(struct plans *p, struct plan *pl)
{
    size_t at = (p->head + p->n_kept) % PLANS_KEPT;
    if (p->n_kept == PLANS_KEPT) {
        plan_free(p->kept[p->head]);
        p->head = (p->head + 1) % PLANS_KEPT;
        at = (p->head + PLANS_KEPT - 1) % PLANS_KEPT;
    } else {
        p->n_kept++;
    }
    p->kept[at] = pl;
}

static void ended(struct plans *p, struct plan *pl)
{
    if (pl->n_steps)
        p->ended_at = pl->ended;
    json_t *j = plan_json(pl);
    LOG_INF("plan %lu (%s) %s", pl->id, pl->source, plan_state_name(pl->state));
    if (p->publish)
        p->publish(p->ctx, "plan.ended",
                   json_pack("{s:O, s:O, s:O, s:O}", "plan", json_object_get(j, "id"), "source",
                             json_object_get(j, "source"), "state", json_object_get(j, "state"),
                             "counts", json_object_get(j, "counts")));
    json_decref(j);
}

static void begin(struct plans *p, struct plan *pl, double now)
{
    keep(p, pl);
    p->running = pl;
    struct plan_exec x = executor_of(p);
    if (plan_advance(pl, &x, now)) {
        p->running = NULL;
        ended(p, pl);
    }
}

unsigned long plans_start(struct plans *p, const char *source, const struct mdc_action *a, size_t n,
                          unsigned max_parallel, double now)
{
    if (p->running)
        return 0;
    struct plan *pl = plan_create(p->next_id++, source, a, n, max_parallel, now);
    begin(p, pl, now);
    return pl->id;
}

int plans_post(struct plans *p, const struct api_plan *req, double now, json_t **out)
{
    if (p->running) {
        *out = agent_proto_error("plan %lu (%s) is under way: one plan runs at a time",
                                 p->running->id, p->running->source);
        return 409;
    }
    struct plan *pl = plan_create(p->next_id++, "api", NULL, 0, req->max_parallel, now);
    for (size_t i = 0; i < req->n; i++) {
        const struct api_action *a = &req->actions[i];
        plan_add(pl, (enum mdc_action_kind)a->kind, a->vm, a->server, a->as, a->balance,
                 a->graceful, a->why);
    }
    unsigned long id = pl->id;
    begin(p, pl, now);
    *out = json_pack("{s:I}", "id", (json_int_t)id);
    return 201;
}

void plans_tick(struct plans *p, double now)
{
    if (!p->running)
        return;
    struct plan_exec x = executor_of(p);
    struct plan *pl = p->running;
    if (plan_advance(pl, &x, now)) {
        p->running = NULL;
        ended(p, pl);
    }
}

bool plans_busy(const struct plans *p)
{
    return p->running != NULL;
}

double plans_ended_at(const struct plans *p)
{
    return p->ended_at;
}

int plans_get(const struct plans *p, unsigned long id, json_t **out)
{
    for (size_t i = 0; i < p->n_kept; i++) {
        const struct plan *pl = p->kept[(p->head + i) % PLANS_KEPT];
        if (pl->id == id) {
            *out = plan_json(pl);
            return 200;
        }
    }
    *out = agent_proto_error("no plan %lu (the last %d are kept)", id, PLANS_KEPT);
    return 404;
}

json_t *plans_list_json(const struct plans *p)
{
    json_t *a = json_array();
    for (size_t i = p->n_kept; i-- > 0;) {
        json_t *j = plan_json(p->kept[(p->head + i) % PLANS_KEPT]);
        json_object_del(j, "actions");
        json_array_append_new(a, j);
    }
    return a;
}
