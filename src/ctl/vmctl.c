#include "ctl/vmctl.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/vmctl_priv.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "vm/metrics.h"

LOG_MODULE("vm");

/* ---- boot ---- */

static void *boot_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o);
    char *server = xstrdup(r->server);
    json_t *spec = vrec_spec(r);
    unsigned mem = r->memory_mib;
    pthread_mutex_unlock(&v->lock);
    char *err = NULL;
    json_t *reply = NULL;
    op_phase(o, "check");
    struct agent_proto_vm vm;
    if (!agent_proto_vm_read(spec, &vm)) {
        err = xasprintf("%s: memory or CPUs out of range", o->vm);
    } else if (vmctl_check_room(v, server, mem, &err) == 0) {
        op_phase(o, "boot");
        if (v->client.boot(v->client.ctx, server, &vm, &reply, &err) == 0) {
            op_result(o, "agent", json_incref(json_object_get(reply, "timing")) ?: json_null());
            op_release(o, VM_RUNNING);
        }
    }
    json_decref(spec);
    json_decref(reply);
    if (err)
        op_drop(o, o->vm);
    free(server);
    op_end(o, err);
    return NULL;
}

int vmctl_boot(struct vmctl *v, const struct api_boot *b, json_t **out)
{
    const char *name = b->name, *server = b->server;
    if (!vmctl_server_node(v, server)) {
        *out = agent_proto_error("server: no server named '%s' in topology %s", server, v->t->name);
        return 400;
    }
    pthread_mutex_lock(&v->lock);
    int st;
    if (vrec_find(v, name)) {
        *out =
            agent_proto_error("there is already a VM %s (on %s)", name, vrec_find(v, name)->server);
        st = 409;
    } else if (vmctl_refuse_asleep(v, server, out)) {
        st = 409;
    } else {
        struct vrec *r = vrec_new(v, name, server, b->memory_mib, b->cpus, VM_BOOTING, out);
        if (r)
            r->cpu_share = b->cpu_share;
        st = r ? op_start(v, OP_BOOT, r, server, NULL, boot_thread, out) : 507;
        if (st != 202 && r)
            vrec_remove(v, r);
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

/* ---- migrate and clone (the work: vmctl_transfer.c) ---- */

/* Whether 'r' may be copied to another server; 409 otherwise: a broken VM's
 * damage would go with it. */
static int vmctl_movable(const struct vrec *r, const char *what, json_t **out)
{
    if (r->state != VM_BROKEN)
        return 0;
    *out =
        agent_proto_error("VM %s is broken (%s): a %s would carry the damage; stop it and boot "
                          "it again",
                          r->name, r->problem ? r->problem : "QEMU marked a device broken", what);
    return 409;
}

int vmctl_hold(struct vmctl *v, const char *name, struct vrec **rp, json_t **out)
{
    struct vrec *r = vrec_find(v, name);
    if (!r) {
        *out = agent_proto_error("no VM named %s", name);
        return 404;
    }
    if (r->op) {
        *out = agent_proto_error("VM %s is busy: operation %lu (%s)", name, r->op,
                                 vm_state_name(r->state));
        return 409;
    }
    if (r->state == VM_RECOVERING) {
        *out = agent_proto_error("VM %s is being recovered: %s", name,
                                 r->why ? r->why : "a transfer was cut short");
        return 409;
    }
    *rp = r;
    return 0;
}

int vmctl_migrate(struct vmctl *v, const char *vm, const struct api_migrate *m, json_t **out)
{
    const char *to = m->to;
    if (!vmctl_server_node(v, to)) {
        *out = agent_proto_error("to: no server named '%s' in topology %s", to, v->t->name);
        return 400;
    }
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st)
        st = vmctl_movable(r, "migration", out);
    if (!st)
        st = vmctl_refuse_asleep(v, to, out);
    if (!st && !strcmp(r->server, to)) {
        *out = agent_proto_error("%s already runs on %s", vm, to);
        st = 409;
    } else if (!st) {
        /* Across subnets: an address in the destination's subnet, reserved
         * now (home: the VM's own first address). */
        json_t *args = json_pack("{s:b}", "verify_memory", m->verify_memory);
        const struct topo_subnet *dsn = vmctl_server_subnet(v, to);
        if (vmctl_server_subnet(v, r->server) != dsn) {
            uint32_t a =
                topo_prefix_contains(dsn->prefix, r->home) ? r->home : vmctl_alloc_addr(v, dsn);
            if (!a) {
                *out = agent_proto_error("subnet %s has no free address left", dsn->name);
                json_decref(args);
                pthread_mutex_unlock(&v->lock);
                return 507;
            }
            json_object_set_new(args, "addr", json_integer(a));
            r->next = a;
        }
        r->state = VM_MIGRATING;
        st = op_start(v, OP_MIGRATE, r, to, args, vmctl_migrate_thread, out);
        if (st != 202)
            r->state = VM_RUNNING;
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

int vmctl_clone(struct vmctl *v, const char *vm, const struct api_clone *req, json_t **out)
{
    const char *to = req->to, *as = req->as[0] ? req->as : NULL;
    if (!vmctl_server_node(v, to)) {
        *out = agent_proto_error("to: no server named '%s' in topology %s", to, v->t->name);
        return 400;
    }
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st)
        st = vmctl_movable(r, "clone", out);
    if (!st)
        st = vmctl_refuse_asleep(v, to, out);
    char name[API_NAME_MAX + 8];
    if (!st && !as) {
        /* NAME-c1, NAME-c2, ... */
        for (int i = 1; i < 1000; i++) {
            snprintf(name, sizeof name, "%.*s-c%d", API_NAME_MAX - 5, vm, i);
            if (!vrec_find(v, name))
                break;
        }
        as = name;
    }
    if (!st && vrec_find(v, as)) {
        *out = agent_proto_error("there is already a VM %s (on %s)", as, vrec_find(v, as)->server);
        st = 409;
    }
    if (!st) {
        struct vrec *c = vrec_new(v, as, to, r->memory_mib, r->cpus, VM_CLONING, out);
        if (c) {
            c->cpu_share = r->cpu_share;       /* a replica gets what its source has */
            c->load = json_deep_copy(r->load); /* its memory holds the same load */
        }
        if (!c) {
            st = 507;
        } else {
            r->state = VM_CLONING;
            st = op_start(v, OP_CLONE, r, to,
                          json_pack("{s:s, s:b, s:b}", "as", as, "balance", req->balance,
                                    "verify_memory", req->verify_memory),
                          vmctl_clone_thread, out);
            if (st == 202) {
                c->op = r->op;
                json_object_set_new(*out, "clone", json_string(as));
            } else {
                r->state = VM_RUNNING;
                vrec_remove(v, c);
            }
        }
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

/* ---- stop and exec ---- */

static void *stop_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    char *server = xstrdup(op_vm(o)->server);
    pthread_mutex_unlock(&v->lock);
    bool graceful = json_is_true(json_object_get(o->args, "graceful"));
    char *err = NULL;
    /* A replica leaves its balancer before it stops: new connections go to
     * the others, none to a VM shutting down. */
    pthread_mutex_lock(&v->lock);
    struct vrec *me = op_vm(o);
    uint32_t serves = me ? me->serves : 0;
    size_t others = 0;
    for (size_t i = 0; serves && i < v->n_vms; i++)
        others += v->vms[i] != me && v->vms[i]->serves == serves && !v->vms[i]->leaving;
    if (others)
        me->leaving = true;
    pthread_mutex_unlock(&v->lock);
    if (others) {
        op_phase(o, "unbalance");
        vmctl_rebalance(v, serves);
    }
    op_phase(o, "stop");
    if (v->client.remove(v->client.ctx, server, o->vm, graceful, 60000, &err) == 0) {
        pthread_mutex_lock(&v->lock);
        struct vrec *r = op_vm(o);
        uint32_t vip = r ? r->serves : 0, home = r ? r->home : 0, addr = r ? r->addr : 0;
        uint8_t mac[6] = {0};
        if (r)
            vmctl_parse_mac(r->mac, mac);
        pthread_mutex_unlock(&v->lock);
        op_drop(o, o->vm);
        if (vip) {
            if (!others) { /* else out of its balancer since "unbalance" */
                op_phase(o, "balance");
                vmctl_rebalance(v, vip);
            }
        } else if (home && addr != home && v->hooks.rewrite) {
            /* A VM that had moved away from its home address leaves no
             * rewrite behind: the address goes back to its subnet, and the
             * next VM given it must be reachable there. */
            op_phase(o, "rewrite");
            v->hooks.rewrite(v->hooks.ctx, home, home, mac);
        }
    } else {
        if (others) { /* it stays: back in its balancer */
            pthread_mutex_lock(&v->lock);
            struct vrec *r = op_vm(o);
            if (r)
                r->leaving = false;
            pthread_mutex_unlock(&v->lock);
            vmctl_rebalance(v, serves);
        }
        op_release(o, VM_RUNNING);
    }
    free(server);
    op_end(o, err);
    return NULL;
}

int vmctl_stop(struct vmctl *v, const char *vm, bool graceful, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st) {
        r->state = VM_STOPPING;
        st = op_start(v, OP_STOP, r, NULL, json_pack("{s:b}", "graceful", graceful), stop_thread,
                      out);
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

static void *exec_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    char *err = NULL;
    json_t *reply;
    json_t *timeout_ms = json_object_get(o->args, "timeout_ms");
    struct agent_proto_exec x = {.argv = json_object_get(o->args, "argv"),
                                 .input = json_string_value(json_object_get(o->args, "input")),
                                 .timeout_ms = (unsigned)json_integer_value(timeout_ms)};
    /* The agent answers when the command ends or its limit passes: 10 s
     * more for the answer to come. */
    int wait_ms = (int)(json_integer_value(timeout_ms) ?: 30000) + 10000;
    op_phase(o, "exec");
    if (v->client.exec(v->client.ctx, o->target, o->vm, &x, wait_ms, &reply, &err) == 0) {
        op_result(o, "exitcode", json_incref(json_object_get(reply, "exitcode")));
        op_result(o, "stdout", json_incref(json_object_get(reply, "stdout")));
        op_result(o, "stderr", json_incref(json_object_get(reply, "stderr")));
        json_decref(reply);
    }
    op_end(o, err);
    return NULL;
}

int vmctl_exec(struct vmctl *v, const char *vm, const struct api_exec *x, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st) {
        json_t *args =
            json_pack("{s:O, s:I}", "argv", x->argv, "timeout_ms", (json_int_t)x->timeout_ms);
        if (x->input)
            json_object_set_new(args, "input", json_string(x->input));
        st = op_start(v, OP_EXEC, r, r->server, args, exec_thread, out);
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

/* ---- reading ---- */

json_t *vmctl_vms_json(struct vmctl *v)
{
    json_t *arr = json_array();
    pthread_mutex_lock(&v->lock);
    for (size_t i = 0; i < v->n_vms; i++)
        json_array_append_new(arr, vrec_json(v->vms[i]));
    pthread_mutex_unlock(&v->lock);
    return arr;
}

json_t *vmctl_servers_json(struct vmctl *v)
{
    pthread_mutex_lock(&v->lock);
    json_t *o = json_deep_copy(v->agents);
    const char *k;
    json_t *a;
    json_object_foreach(o, k, a)
        if (json_is_object(a))
            json_object_set_new(a, "asleep", json_boolean(vmctl_asleep_locked(v, k)));
    pthread_mutex_unlock(&v->lock);
    return o;
}

int vmctl_operation(struct vmctl *v, unsigned long id, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    int st = 404;
    for (size_t i = 0; i < v->n_ops; i++)
        if (v->ops[i]->id == id) {
            *out = op_json(v->ops[i]);
            st = 200;
        }
    if (st == 404)
        *out = agent_proto_error("no operation %lu", id);
    pthread_mutex_unlock(&v->lock);
    return st;
}

json_t *vmctl_metrics_json(struct vmctl *v)
{
    pthread_mutex_lock(&v->lock);
    json_t *arr = json_array();
    const char *k;
    json_t *m;
    json_object_foreach(v->metrics, k, m)
        json_array_append(arr, m);
    pthread_mutex_unlock(&v->lock);
    return arr;
}

char *vmctl_metrics_prometheus(struct vmctl *v)
{
    json_t *arr = vmctl_metrics_json(v);
    char *s = metrics_prometheus(arr);
    json_decref(arr);
    return s;
}

/* ---- creating and destroying ---- */

struct vmctl *vmctl_create_with(const struct topo *t, const struct agent_client *agents,
                                const char *state_file, const struct vmctl_hooks *hooks, bool poll)
{
    struct vmctl *v = xcalloc(1, sizeof *v);
    if (hooks)
        v->hooks = *hooks;
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->wake, NULL);
    v->t = t;
    v->client = *agents;
    v->metrics = json_object();
    v->agents = json_object();
    v->asleep = json_object();
    v->kept = json_object();
    if (state_file) {
        v->state_file = xstrdup(state_file);
        vmctl_load_state(v);
    }
    if (poll && pthread_create(&v->poller, NULL, vmctl_poller, v) != 0)
        LOG_ERR_("cannot start the agent poller");
    else
        v->polling = poll;
    return v;
}

struct vmctl *vmctl_create(const struct topo *t, const char *token, uint16_t agent_port,
                           const char *state_file, const struct vmctl_hooks *hooks)
{
    struct agent_client *http = agent_client_http(t, token, agent_port);
    struct vmctl *v = vmctl_create_with(t, http, state_file, hooks, true);
    v->http = http;
    return v;
}

void vmctl_destroy(struct vmctl *v)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->lock);
    v->stop = true;
    pthread_cond_signal(&v->wake);
    pthread_mutex_unlock(&v->lock);
    if (v->polling)
        pthread_join(v->poller, NULL);
    /* Operations under way get a moment to end; if one does not, the rest
     * stays allocated for it (minidcd is exiting). */
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&v->lock);
        size_t running = v->threads;
        pthread_mutex_unlock(&v->lock);
        if (!running)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (v->threads) {
        LOG_WRN("%zu operation(s) still under way at exit", v->threads);
        return;
    }
    for (size_t i = 0; i < v->n_vms; i++)
        vrec_free(v->vms[i]);
    for (size_t i = 0; i < v->n_xrecs; i++)
        xrec_free(v->xrecs[i]);
    free(v->xrecs);
    for (size_t i = 0; i < v->n_ops; i++)
        op_free(v->ops[i]);
    free(v->vms);
    free(v->ops);
    json_decref(v->metrics);
    json_decref(v->agents);
    json_decref(v->saved);
    json_decref(v->asleep);
    json_decref(v->kept);
    free(v->state_file);
    agent_client_http_free(v->http);
    free(v);
}
