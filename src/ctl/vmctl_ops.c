/* Operation records: each operation's phases, result and end, kept for
 * GET /api/v1/operations/ID; op_start starts the thread that runs it. */
#include "ctl/vmctl_priv.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"

LOG_MODULE("vm");

#define OPS_KEPT 256

const char *op_kind_name(enum op_kind k)
{
    switch (k) {
#define VMCTL_OP_KIND_CASE(name, text, event)                                                      \
    case name:                                                                                     \
        return text;
        VMCTL_OP_KINDS(VMCTL_OP_KIND_CASE)
#undef VMCTL_OP_KIND_CASE
    }
    return "?";
}

const char *op_kind_event(enum op_kind k)
{
    switch (k) {
#define VMCTL_OP_EVENT_CASE(name, text, event)                                                     \
    case name:                                                                                     \
        return event;
        VMCTL_OP_KINDS(VMCTL_OP_EVENT_CASE)
#undef VMCTL_OP_EVENT_CASE
    }
    return NULL;
}

const char *op_state_name(enum op_state s)
{
    switch (s) {
#define VMCTL_OP_STATE_CASE(name, text)                                                            \
    case name:                                                                                     \
        return text;
        VMCTL_OP_STATES(VMCTL_OP_STATE_CASE)
#undef VMCTL_OP_STATE_CASE
    }
    return "?";
}

json_t *op_json(const struct op *o)
{
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:O, s:f}", "id", (json_int_t)o->id, "kind",
                  op_kind_name(o->kind), "vm", o->vm, "state", op_state_name(o->state), "phases",
                  o->phases, "seconds", (o->ended ? o->ended : proc_now()) - o->started);
    if (o->target)
        json_object_set_new(j, "target", json_string(o->target));
    if (o->current)
        json_object_set_new(j, "current", json_string(o->current));
    if (o->error)
        json_object_set_new(j, "error", json_string(o->error));
    if (o->result)
        json_object_set(j, "result", o->result);
    return j;
}

/* Ends the phase under way (if any) and starts 'name' (NULL: none). */
void op_phase(struct op *o, const char *name)
{
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    double now = proc_now();
    if (o->current)
        json_array_append_new(
            o->phases, json_pack("{s:s, s:f}", "phase", o->current, "seconds", now - o->phase_t0));
    free(o->current);
    o->current = name ? xstrdup(name) : NULL;
    o->phase_t0 = now;
    /* A transfer's record says how far it went (a recovery's steps are
     * its own). */
    struct xrec *x = name && o->kind != OP_RECOVER ? xrec_of_op(v, o->id) : NULL;
    if (x) {
        free(x->phase);
        x->phase = xstrdup(name);
        vmctl_save_state(v);
    }
    pthread_mutex_unlock(&v->lock);
}

void op_result(struct op *o, const char *key, json_t *value)
{
    pthread_mutex_lock(&o->v->lock);
    if (!o->result)
        o->result = json_object();
    json_object_set_new(o->result, key, value);
    pthread_mutex_unlock(&o->v->lock);
}

/* Records how the operation ended; 'err' (taken) NULL means success. */
void op_end(struct op *o, char *err)
{
    op_phase(o, NULL);
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    o->ended = proc_now();
    o->state = err ? OP_FAILED : OP_DONE;
    o->error = err;
    /* A transfer's record goes with it, unless it is left to the poller. */
    struct xrec *x = xrec_of_op(v, o->id);
    if (x && o->handover)
        x->op = 0;
    else if (x)
        xrec_remove(v, x);
    if (!o->reads_only) {
        v->ops_running--;
        v->changed = o->ended;
    }
    v->threads--;
    vmctl_save_state(v);
    pthread_mutex_unlock(&v->lock);
    if (err)
        LOG_ERR_("%s %s failed after %.2f s: %s", op_kind_name(o->kind), o->vm,
                 o->ended - o->started, err);
    else
        LOG_INF("%s %s%s%s done in %.2f s", op_kind_name(o->kind), o->vm, o->target ? " -> " : "",
                o->target ? o->target : "", o->ended - o->started);
    const char *type = err ? "vm.failed" : op_kind_event(o->kind);
    if (type && v->hooks.publish) {
        pthread_mutex_lock(&v->lock);
        json_t *d = op_json(o);
        pthread_mutex_unlock(&v->lock);
        json_object_del(d, "state");
        json_object_set_new(d, "operation",
                            json_object_get(d, "id") ? json_incref(json_object_get(d, "id"))
                                                     : json_null());
        json_object_del(d, "id");
        v->hooks.publish(v->hooks.ctx, type, d);
    }
}

void op_free(struct op *o)
{
    if (!o)
        return;
    free(o->vm), free(o->target), free(o->current), free(o->error);
    json_decref(o->phases), json_decref(o->result), json_decref(o->args);
    free(o);
}

/* Starts 'fn' on a new operation for VM record 'r' (which it holds); lock
 * held.  Returns 202 with the operation's id in '*out'. */
int op_start(struct vmctl *v, enum op_kind kind, struct vrec *r, const char *target, json_t *args,
             void *(*fn)(void *), json_t **out)
{
    struct op *o = xcalloc(1, sizeof *o);
    o->id = ++v->next_op;
    o->kind = kind;
    o->vm = xstrdup(r->name);
    o->target = target ? xstrdup(target) : NULL;
    o->phases = json_array();
    o->state = OP_RUNNING;
    o->started = o->phase_t0 = proc_now();
    o->args = args;
    o->v = v;
    /* A command in the guest does not hold the VM: a long one must not keep
     * it from being stopped or moved (it then ends with an error), nor hold
     * up the poller's reconciliation. */
    o->reads_only = kind == OP_EXEC;
    if (!o->reads_only)
        r->op = o->id;
    /* Forget the oldest finished operations. */
    if (v->n_ops >= OPS_KEPT) {
        for (size_t i = 0; i < v->n_ops; i++)
            if (v->ops[i]->ended) {
                struct op *old = v->ops[i];
                memmove(&v->ops[i], &v->ops[i + 1], (v->n_ops - i - 1) * sizeof *v->ops);
                v->n_ops--;
                op_free(old);
                break;
            }
    }
    xgrow(&v->ops, &v->cap_ops, v->n_ops + 1, sizeof *v->ops);
    v->ops[v->n_ops++] = o;
    if (!o->reads_only)
        v->ops_running++;
    v->threads++;
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, fn, o) != 0) {
        pthread_attr_destroy(&at);
        o->state = OP_FAILED;
        o->error = xstrdup("cannot start a thread");
        o->ended = proc_now();
        if (!o->reads_only)
            v->ops_running--;
        v->threads--;
        r->op = 0;
        *out = agent_proto_error("cannot start a thread");
        return 503;
    }
    pthread_attr_destroy(&at);
    LOG_INF("operation %lu: %s %s%s%s", o->id, op_kind_name(kind), r->name, target ? " -> " : "",
            target ? target : "");
    *out = json_pack("{s:I}", "operation", (json_int_t)o->id);
    return 202;
}

/* The VM record named by operation 'o', and a copy of what the thread needs
 * (so it can work without the lock). */
struct vrec *op_vm(struct op *o)
{
    return vrec_find(o->v, o->vm);
}

void op_release(struct op *o, enum vm_state state)
{
    pthread_mutex_lock(&o->v->lock);
    struct vrec *r = op_vm(o);
    if (r) {
        r->op = 0;
        r->state = state;
    }
    pthread_mutex_unlock(&o->v->lock);
}

void op_drop(struct op *o, const char *name)
{
    pthread_mutex_lock(&o->v->lock);
    struct vrec *r = vrec_find(o->v, name);
    if (r)
        vrec_remove(o->v, r);
    pthread_mutex_unlock(&o->v->lock);
}
