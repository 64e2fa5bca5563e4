/* Carrying out a plan (plan.h): the order rules and the steps' states. */
#include "plan/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static const char *const step_state_names[] = {
#define PLAN_STEP_STATE_NAME(name, text) text,
    PLAN_STEP_STATES(PLAN_STEP_STATE_NAME)
#undef PLAN_STEP_STATE_NAME
};

const char *plan_step_state_name(enum plan_step_state s)
{
    return step_state_names[s];
}

const char *plan_state_name(enum plan_state s)
{
    return s == PLAN_RUNNING ? "running" : s == PLAN_DONE ? "done" : "failed";
}

static const char *const action_names[] = {"migrate", "clone", "stop", "sleep", "wake"};

const char *plan_action_name(enum mdc_action_kind k)
{
    return (size_t)k < sizeof action_names / sizeof *action_names ? action_names[k] : "?";
}

int plan_action_kind(const char *name)
{
    for (size_t i = 0; i < sizeof action_names / sizeof *action_names; i++)
        if (!strcmp(action_names[i], name))
            return (int)i;
    return -1;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

void plan_add(struct plan *p, enum mdc_action_kind kind, const char *vm, const char *server,
              const char *as, bool balance, bool graceful, const char *why)
{
    p->steps = xrealloc(p->steps, (p->n_steps + 1) * sizeof *p->steps);
    struct plan_step *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->vm = kind == MDC_SLEEP || kind == MDC_WAKE ? NULL : dup_or_null(vm);
    s->server = kind == MDC_STOP ? NULL : dup_or_null(server);
    s->as = kind == MDC_CLONE ? dup_or_null(as) : NULL;
    s->balance = kind == MDC_CLONE && balance;
    s->graceful = kind == MDC_STOP && graceful;
    s->why = dup_or_null(why);
    s->state = STEP_PENDING;
}

struct plan *plan_create(unsigned long id, const char *source, const struct mdc_action *a, size_t n,
                         unsigned max_parallel, double now)
{
    struct plan *p = xcalloc(1, sizeof *p);
    p->id = id;
    p->source = xstrdup(source);
    p->max_parallel = max_parallel ? max_parallel : PLAN_PARALLEL_DEFAULT;
    p->state = PLAN_RUNNING;
    p->created = now;
    for (size_t i = 0; i < n; i++)
        plan_add(p, a[i].kind, a[i].vm, a[i].server, NULL, a[i].balance, false,
                 a[i].why[0] ? a[i].why : NULL);
    return p;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_steps; i++) {
        struct plan_step *s = &p->steps[i];
        free(s->vm), free(s->server), free(s->as), free(s->why), free(s->error);
        json_decref(s->result);
    }
    free(p->steps);
    free(p->source);
    free(p);
}

size_t plan_running(const struct plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_steps; i++)
        n += p->steps[i].state == STEP_RUNNING;
    return n;
}

static bool is_power(enum mdc_action_kind k)
{
    return k == MDC_SLEEP || k == MDC_WAKE;
}

static bool unfinished(const struct plan_step *s)
{
    return s->state == STEP_PENDING || s->state == STEP_RUNNING;
}

static void changed(const struct plan_exec *x, const struct plan *p, size_t i)
{
    if (x->changed)
        x->changed(x->ctx, p, i);
}

/* Step 'i' ended: 'rc' 1 done, -1 failed with 'err' (taken). */
static void end_step(struct plan *p, const struct plan_exec *x, size_t i, int rc, json_t *result,
                     char *err, double now)
{
    struct plan_step *s = &p->steps[i];
    s->state = rc > 0 ? STEP_DONE : STEP_FAILED;
    s->ended = now;
    if (result) {
        json_decref(s->result);
        s->result = result;
    }
    free(s->error);
    s->error = rc > 0 ? (free(err), NULL) : (err ? err : xstrdup("failed"));
    changed(x, p, i);
}

/* After step 'failed' failed: the steps not started are skipped. */
static void skip_rest(struct plan *p, const struct plan_exec *x, size_t failed, double now)
{
    const struct plan_step *f = &p->steps[failed];
    for (size_t i = 0; i < p->n_steps; i++) {
        struct plan_step *s = &p->steps[i];
        if (s->state != STEP_PENDING)
            continue;
        s->state = STEP_SKIPPED;
        s->ended = now;
        s->error = xasprintf("not started: action %zu (%s %s) failed", failed + 1,
                             plan_action_name(f->kind), f->vm ? f->vm : f->server);
        changed(x, p, i);
    }
}

/* The VMs of the unfinished steps seen so far in a pass over a plan: a set
 * of names (open addressing on FNV-1a), so that each step's check against
 * every earlier one costs one lookup, not a scan. */
struct vm_set {
    const char **slot;
    size_t cap; /* a power of two, at least twice the steps */
};

static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static void set_add(struct vm_set *v, const char *name)
{
    size_t k = name_hash(name) & (v->cap - 1);
    while (v->slot[k] && strcmp(v->slot[k], name))
        k = (k + 1) & (v->cap - 1);
    v->slot[k] = name;
}

static bool set_has(const struct vm_set *v, const char *name)
{
    size_t k = name_hash(name) & (v->cap - 1);
    for (; v->slot[k]; k = (k + 1) & (v->cap - 1))
        if (!strcmp(v->slot[k], name))
            return true;
    return false;
}

/* What a step must wait for among the steps before it, as a pass over the
 * plan in order has seen them: a power step waits for every unfinished
 * earlier step; a move for an unfinished earlier power step, or one on the
 * same VM (its own VM, or for a clone the name it takes). */
struct before {
    bool any;   /* an unfinished step */
    bool power; /* an unfinished sleep or wake */
    struct vm_set vms;
};

/* Whether step 's' may start now, 'running' steps being under way. */
static bool may_start(const struct plan *p, const struct plan_step *s, const struct before *b,
                      size_t running)
{
    if (is_power(s->kind) ? b->any : b->power)
        return false;
    if ((s->vm && set_has(&b->vms, s->vm)) || (s->as && set_has(&b->vms, s->as)))
        return false;
    return is_power(s->kind) ? running == 0 : running < p->max_parallel;
}

static void seen(struct before *b, const struct plan_step *s)
{
    if (!unfinished(s))
        return;
    b->any = true;
    b->power |= is_power(s->kind);
    if (s->vm)
        set_add(&b->vms, s->vm);
}

static void start_step(struct plan *p, const struct plan_exec *x, size_t i, double now)
{
    struct plan_step *s = &p->steps[i];
    json_t *result = NULL;
    char *err = NULL;
    unsigned long handle = 0;
    s->started = now;
    int rc = x->start(x->ctx, s, &handle, &result, &err);
    if (rc == 0) {
        s->state = STEP_RUNNING;
        s->handle = handle;
        if (result) {
            json_decref(s->result);
            s->result = result;
        }
        changed(x, p, i);
    } else {
        end_step(p, x, i, rc > 0 ? 1 : -1, result, err, now);
    }
}

bool plan_advance(struct plan *p, const struct plan_exec *x, double now)
{
    if (p->state != PLAN_RUNNING)
        return true;
    long failed = -1;
    for (size_t i = 0; i < p->n_steps; i++) {
        struct plan_step *s = &p->steps[i];
        if (s->state == STEP_RUNNING) {
            json_t *result = NULL;
            char *err = NULL;
            int rc = x->poll(x->ctx, s, &result, &err);
            if (rc)
                end_step(p, x, i, rc, result, err, now);
            else
                json_decref(result);
        }
        if (s->state == STEP_FAILED && failed < 0)
            failed = (long)i;
    }
    size_t running = plan_running(p);
    struct before b = {.vms = {.cap = 16}};
    while (b.vms.cap < 2 * p->n_steps)
        b.vms.cap *= 2;
    b.vms.slot = xcalloc(b.vms.cap, sizeof *b.vms.slot);
    for (size_t i = 0; failed < 0 && i < p->n_steps; i++) {
        struct plan_step *s = &p->steps[i];
        if (s->state == STEP_PENDING && may_start(p, s, &b, running)) {
            start_step(p, x, i, now);
            if (s->state == STEP_FAILED)
                failed = (long)i;
            running += s->state == STEP_RUNNING;
        }
        seen(&b, s);
    }
    free(b.vms.slot);
    if (failed >= 0)
        skip_rest(p, x, (size_t)failed, now);
    bool left = false, any_failed = false;
    for (size_t i = 0; i < p->n_steps; i++) {
        left |= unfinished(&p->steps[i]);
        any_failed |= p->steps[i].state == STEP_FAILED;
    }
    if (!left) {
        p->state = any_failed ? PLAN_FAILED : PLAN_DONE;
        p->ended = now;
    }
    return !left;
}

json_t *plan_step_json(const struct plan_step *s)
{
    json_t *o = json_pack("{s:s, s:s}", "action", plan_action_name(s->kind), "state",
                          plan_step_state_name(s->state));
    if (s->vm)
        json_object_set_new(o, "vm", json_string(s->vm));
    if (s->server)
        json_object_set_new(o, is_power(s->kind) ? "server" : "to", json_string(s->server));
    if (s->kind == MDC_CLONE) {
        json_object_set_new(o, "balance", json_boolean(s->balance));
        if (s->as)
            json_object_set_new(o, "as", json_string(s->as));
    }
    if (s->kind == MDC_STOP)
        json_object_set_new(o, "graceful", json_boolean(s->graceful));
    if (s->why)
        json_object_set_new(o, "why", json_string(s->why));
    if (s->error)
        json_object_set_new(o, "error", json_string(s->error));
    if (s->started > 0)
        json_object_set_new(o, "started", json_real(s->started));
    if (s->ended > 0 && s->started > 0)
        json_object_set_new(o, "duration_s", json_real(s->ended - s->started));
    if (s->result)
        json_object_set(o, "result", s->result);
    return o;
}

json_t *plan_json(const struct plan *p)
{
    size_t counts[STEP_SKIPPED + 1] = {0};
    json_t *actions = json_array();
    for (size_t i = 0; i < p->n_steps; i++) {
        counts[p->steps[i].state]++;
        json_array_append_new(actions, plan_step_json(&p->steps[i]));
    }
    json_t *c = json_object();
    for (size_t i = 0; i <= STEP_SKIPPED; i++)
        json_object_set_new(c, plan_step_state_name(i), json_integer((json_int_t)counts[i]));
    json_t *o = json_pack("{s:I, s:s, s:s, s:f, s:i, s:o, s:o}", "id", (json_int_t)p->id, "source",
                          p->source, "state", plan_state_name(p->state), "created", p->created,
                          "max_parallel", (int)p->max_parallel, "counts", c, "actions", actions);
    json_object_set_new(o, "ended", p->ended > 0 ? json_real(p->ended) : json_null());
    return o;
}
