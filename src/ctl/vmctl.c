#include "ctl/vmctl.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/recover.h"
#include "util/http.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vm/metrics.h"

LOG_MODULE("vm");

#define OPS_KEPT 256

struct vrec {
    char *name, *server, *mac, *ip, *gw; /* ip: ADDR/LEN */
    uint32_t addr;      /* its address now */
    uint32_t home;      /* the address clients use: its first (kept across subnets) */
    uint32_t next;      /* reserved for a move across subnets under way */
    uint32_t serves;    /* a replica behind a balancer of this address (0: none) */
    unsigned memory_mib, cpus;
    const char *state;  /* booting, running, migrating, cloning, stopping, recovering, crashed */
    unsigned long op;   /* the operation holding it, 0 when none */
    bool restored;      /* found after a restart at another address or serving one: the network needs telling */
    char *why;          /* recovering: what it waits for, or what is done (NULL otherwise) */
    double retry;       /* recovering: a recovery that failed is tried again from then */
};

/* A transfer under way, or left half-done for the poller to finish or undo
 * (ctl/recover.h).  Its record is in the state file from before the
 * transfer asks any agent until it ends, so that a minidcd started after
 * this one died knows which copies are whose. */
struct xrec {
    unsigned long op;           /* the operation doing it; 0: left to the poller */
    char *vm, *src, *dst, *dst_name;
    bool clone, balance;
    bool finish_sent;           /* the destination may have been told to start its copy */
    uint32_t addr;              /* a move across subnets: the destination's address (0: none) */
    json_t *src_spec, *dst_spec; /* the VM at the source, and as the destination makes it (vrec_spec) */
    char *phase;
};

struct op {
    unsigned long id;
    char *kind, *vm, *target;
    json_t *phases;
    char *current;
    double phase_t0, started, ended;
    const char *state; /* running, done, failed */
    char *error;
    json_t *result;
    json_t *args;
    bool reads_only; /* exec: changes no inventory, holds no VM */
    bool handover;   /* a transfer that failed without learning how its undo went: its record goes to the poller */
    struct vmctl *v;
};

struct vmctl {
    pthread_mutex_t lock;
    const struct topo *t;
    char *token;
    uint16_t port;
    struct vrec **vms;
    size_t n_vms, cap_vms;
    struct op **ops;
    size_t n_ops, cap_ops;
    unsigned long next_op;
    size_t ops_running; /* those that may change the inventory (not exec) */
    size_t threads;     /* operations under way, all kinds */
    double changed; /* last time an operation changed the inventory */
    json_t *metrics; /* server name -> the agent's metrics */
    json_t *agents;  /* server name -> {"reachable", "error", ...info} */
    char *state_file;
    json_t *saved; /* the state file as read at start: VM name -> {mac, address, serves} */
    struct xrec **xrecs; /* transfers under way or left half-done */
    size_t n_xrecs, cap_xrecs;
    pthread_t poller;
    pthread_cond_t wake;
    bool stop;
    struct vmctl_hooks hooks;
};

static json_t *vmctl_error_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *vmctl_error_json(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:s}", "error", s);
    free(s);
    return o;
}

/* ---- topology lookups ---- */

static const struct topo_node *vmctl_server_node(const struct vmctl *v, const char *name)
{
    long i = name ? topo_find(v->t, name) : -1;
    return i >= 0 && v->t->nodes[i].kind == TOPO_SERVER ? &v->t->nodes[i] : NULL;
}

static const struct topo_subnet *vmctl_server_subnet(const struct vmctl *v, const char *server)
{
    const struct topo_node *n = vmctl_server_node(v, server);
    return n ? &v->t->subnets[n->subnet] : NULL;
}

/* ---- talking to agents (blocking; operation and poller threads only) ---- */

/* vmctl_agent_call's failures, all negative: the agent answered no (its message
 * in '*err'), or that it has no such VM; the request never reached it (it
 * did nothing); or the request went and no answer came (the agent may have
 * done it, or be doing it still). */
enum {
    AGENT_REFUSED = -1,
    AGENT_NO_VM = -2,
    AGENT_UNDELIVERED = -3,
    AGENT_NO_ANSWER = -4,
};

static int vmctl_agent_call(struct vmctl *v, const char *server, const char *method, const char *path, json_t *body,
                      json_t **out, int timeout_ms, char **err)
{
    const struct topo_node *n = vmctl_server_node(v, server);
    char addr[16];
    *out = NULL;
    if (!n || !n->mgmt) {
        *err = xasprintf("server %s has no management address", server);
        json_decref(body);
        return -1;
    }
    topo_ip_str(n->mgmt, addr);
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct http_req r = {.addr = addr, .port = v->port, .method = method, .path = path, .token = v->token,
                         .body = b};
    struct strbuf reply;
    strbuf_init(&reply);
    int st = http_request(&r, &reply, timeout_ms);
    free(b);
    if (st < 0) {
        *err = xasprintf("the agent of %s (%s:%u) %s%s", server, addr, v->port,
                         st == -ETIMEDOUT ? "did not answer in time" : "is unreachable: ",
                         st == -ETIMEDOUT ? "" : strerror(-st));
        strbuf_free(&reply);
        /* Refused or unroutable: the connection was never made. */
        return st == -ECONNREFUSED || st == -EHOSTUNREACH || st == -ENETUNREACH ? AGENT_UNDELIVERED
                                                                                : AGENT_NO_ANSWER;
    }
    json_t *o = json_loads(reply.s, 0, NULL);
    strbuf_free(&reply);
    if (st >= 400 || !o) {
        const char *e = json_string_value(json_object_get(o, "error"));
        *err = e ? xstrdup(e) : xasprintf("the agent of %s answered %d", server, st);
        json_decref(o);
        return st == 404 ? AGENT_NO_VM : AGENT_REFUSED;
    }
    *out = o;
    return 0;
}

/* ---- inventory (lock held) ---- */

static uint32_t vmctl_parse_ip(const char *s)
{
    unsigned b[4] = {0};
    if (!s || sscanf(s, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4)
        return 0;
    return b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static json_t *xrec_json(const struct xrec *x)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:O, s:O}", "vm", x->vm, "kind",
                          x->clone ? "clone" : "move", "from", x->src, "to", x->dst, "as", x->dst_name, "phase",
                          x->phase ? x->phase : "", "finish_sent", x->finish_sent, "balance", x->balance, "source",
                          x->src_spec, "destination", x->dst_spec);
    char a[16];
    if (x->addr)
        json_object_set_new(o, "address", json_string(topo_ip_str(x->addr, a)));
    return o;
}

static void xrec_free(struct xrec *x)
{
    if (!x)
        return;
    free(x->vm), free(x->src), free(x->dst), free(x->dst_name), free(x->phase);
    json_decref(x->src_spec), json_decref(x->dst_spec);
    free(x);
}

/* Writes what a restarted minidcd cannot learn from the agents (see
 * vmctl.h); replaced whole, never half-written. */
static void vmctl_save_state(struct vmctl *v)
{
    if (!v->state_file)
        return;
    json_t *vms = json_object();
    char a[16];
    for (size_t i = 0; i < v->n_vms; i++) {
        const struct vrec *r = v->vms[i];
        json_t *o = json_pack("{s:s, s:s}", "mac", r->mac, "address", topo_ip_str(r->home, a));
        if (r->serves)
            json_object_set_new(o, "serves", json_string(topo_ip_str(r->serves, a)));
        json_object_set_new(vms, r->name, o);
    }
    json_t *xs = json_array();
    for (size_t i = 0; i < v->n_xrecs; i++)
        json_array_append_new(xs, xrec_json(v->xrecs[i]));
    json_t *st = json_pack("{s:o, s:o}", "vms", vms, "transfers", xs);
    char *tmp = xasprintf("%s.tmp", v->state_file);
    if (json_dump_file(st, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 || rename(tmp, v->state_file) < 0) {
        LOG_WRN("cannot write %s: %s", v->state_file, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    json_decref(st);
}

static struct vrec *vrec_find(struct vmctl *v, const char *name)
{
    for (size_t i = 0; i < v->n_vms; i++)
        if (!strcmp(v->vms[i]->name, name))
            return v->vms[i];
    return NULL;
}

static void vrec_free(struct vrec *r)
{
    free(r->name), free(r->server), free(r->mac), free(r->ip), free(r->gw), free(r->why);
    free(r);
}

/* Says why 'r' is recovering (NULL: it is not). */
static void vrec_why(struct vrec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vrec_why(struct vrec *r, const char *fmt, ...)
{
    char *s = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s = xvasprintf(fmt, ap);
        va_end(ap);
    }
    free(r->why);
    r->why = s;
}

static void vrec_remove(struct vmctl *v, struct vrec *r)
{
    for (size_t i = 0; i < v->n_vms; i++)
        if (v->vms[i] == r) {
            v->vms[i] = v->vms[--v->n_vms];
            break;
        }
    vrec_free(r);
}

static bool addr_taken(const struct vmctl *v, uint32_t a)
{
    for (size_t i = 0; i < v->t->n_nodes; i++)
        if (v->t->nodes[i].kind != TOPO_SWITCH && v->t->nodes[i].addr == a)
            return true;
    for (size_t i = 0; i < v->t->n_subnets; i++)
        if (v->t->subnets[i].gateway == a)
            return true;
    for (size_t i = 0; i < v->n_vms; i++)
        if (v->vms[i]->addr == a || v->vms[i]->home == a || v->vms[i]->next == a)
            return true;
    return false;
}

/* The lowest free address of 'sn', or 0 when it is full. */
static uint32_t vmctl_alloc_addr(const struct vmctl *v, const struct topo_subnet *sn)
{
    uint32_t mask = topo_prefix_mask(sn->prefix.len), net = sn->prefix.addr & mask, bcast = net | ~mask;
    for (uint32_t a = net + 1; a < bcast; a++)
        if (!addr_taken(v, a))
            return a;
    return 0;
}

static struct vrec *vrec_new(struct vmctl *v, const char *name, const char *server, unsigned mem, unsigned cpus,
                           const char *state, json_t **out)
{
    const struct topo_subnet *sn = vmctl_server_subnet(v, server);
    uint32_t a = vmctl_alloc_addr(v, sn);
    if (!a) {
        *out = vmctl_error_json("subnet %s has no free address left", sn->name);
        return NULL;
    }
    struct vrec *r = xcalloc(1, sizeof *r);
    char ip[16], gw[16];
    r->name = xstrdup(name);
    r->server = xstrdup(server);
    r->addr = r->home = a;
    r->ip = xasprintf("%s/%d", topo_ip_str(a, ip), sn->prefix.len);
    r->gw = xstrdup(topo_ip_str(sn->gateway, gw));
    /* Locally administered, unique as the address is: 02:6d and the address. */
    r->mac = xasprintf("02:6d:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    r->memory_mib = mem;
    r->cpus = cpus;
    r->state = state;
    xgrow(&v->vms, &v->cap_vms, v->n_vms + 1, sizeof *v->vms);
    v->vms[v->n_vms++] = r;
    return r;
}

static json_t *vrec_json(const struct vrec *r)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "name", r->name, "server", r->server, "ip",
                          r->ip, "mac", r->mac, "gateway", r->gw, "memory_mib", (int)r->memory_mib, "cpus",
                          (int)r->cpus, "state", r->state);
    if (r->op)
        json_object_set_new(o, "operation", json_integer((json_int_t)r->op));
    char h[16];
    json_object_set_new(o, "address", json_string(topo_ip_str(r->home, h)));
    if (r->serves)
        json_object_set_new(o, "serves", json_string(topo_ip_str(r->serves, h)));
    if (r->why)
        json_object_set_new(o, "recovery", json_string(r->why));
    return o;
}

/* Body the agents take to make a VM. */
static json_t *vrec_spec(const struct vrec *r)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "name", r->name, "mac", r->mac, "ip", r->ip, "gw", r->gw,
                     "memory_mib", (int)r->memory_mib, "cpus", (int)r->cpus);
}

/* ---- transfer records (lock held) ---- */

static struct xrec *xrec_of_op(struct vmctl *v, unsigned long op)
{
    for (size_t i = 0; op && i < v->n_xrecs; i++)
        if (v->xrecs[i]->op == op)
            return v->xrecs[i];
    return NULL;
}

static void xrec_remove(struct vmctl *v, struct xrec *x)
{
    for (size_t i = 0; i < v->n_xrecs; i++)
        if (v->xrecs[i] == x) {
            memmove(&v->xrecs[i], &v->xrecs[i + 1], (v->n_xrecs - i - 1) * sizeof *v->xrecs);
            v->n_xrecs--;
            break;
        }
    xrec_free(x);
}

/* The record of a transfer, from the state file; NULL when it is not one
 * this topology can hold. */
static struct xrec *xrec_load(const struct vmctl *v, json_t *o)
{
    const char *vm = json_string_value(json_object_get(o, "vm")), *kind = json_string_value(json_object_get(o, "kind"));
    const char *src = json_string_value(json_object_get(o, "from")), *dst = json_string_value(json_object_get(o, "to"));
    const char *as = json_string_value(json_object_get(o, "as"));
    json_t *ss = json_object_get(o, "source"), *ds = json_object_get(o, "destination");
    if (!vm || !kind || !as || !vmctl_server_node(v, src) || !vmctl_server_node(v, dst) || !json_is_object(ss) ||
        !json_is_object(ds) || (strcmp(kind, "move") && strcmp(kind, "clone")))
        return NULL;
    struct xrec *x = xcalloc(1, sizeof *x);
    x->vm = xstrdup(vm);
    x->src = xstrdup(src);
    x->dst = xstrdup(dst);
    x->dst_name = xstrdup(as);
    x->clone = !strcmp(kind, "clone");
    x->balance = json_is_true(json_object_get(o, "balance"));
    x->finish_sent = json_is_true(json_object_get(o, "finish_sent"));
    x->addr = vmctl_parse_ip(json_string_value(json_object_get(o, "address")));
    x->src_spec = json_incref(ss);
    x->dst_spec = json_incref(ds);
    x->phase = xstrdup(json_string_value(json_object_get(o, "phase")) ?: "");
    return x;
}

/* A VM record made from what an agent (or a transfer record) says of it:
 * {name, mac, ip, gw, memory_mib, cpus}, on 'server'; its address for
 * clients and what it serves as the state file left them. */
static struct vrec *vrec_found(struct vmctl *v, const char *name, const char *server, const json_t *a,
                               const char *state)
{
    struct vrec *r = xcalloc(1, sizeof *r);
    const char *ip = json_string_value(json_object_get(a, "ip")) ?: "";
    r->name = xstrdup(name);
    r->server = xstrdup(server);
    r->mac = xstrdup(json_string_value(json_object_get(a, "mac")) ?: "");
    r->ip = xstrdup(ip);
    r->gw = xstrdup(json_string_value(json_object_get(a, "gw")) ?: "");
    r->addr = r->home = vmctl_parse_ip(ip);
    json_t *was = json_object_get(v->saved, name);
    if (was && !strcmp(json_string_value(json_object_get(was, "mac")) ?: "", r->mac)) {
        r->home = vmctl_parse_ip(json_string_value(json_object_get(was, "address"))) ?: r->addr;
        r->serves = vmctl_parse_ip(json_string_value(json_object_get(was, "serves")));
        r->restored = r->home != r->addr || r->serves;
    }
    r->memory_mib = (unsigned)json_integer_value(json_object_get(a, "memory_mib"));
    r->cpus = (unsigned)json_integer_value(json_object_get(a, "cpus"));
    r->state = state;
    xgrow(&v->vms, &v->cap_vms, v->n_vms + 1, sizeof *v->vms);
    v->vms[v->n_vms++] = r;
    return r;
}

/* Where 'r' is now: on 'server', as its agent describes it ('a'). */
static void vrec_place(struct vrec *r, const char *server, const json_t *a)
{
    const char *ip = json_string_value(json_object_get(a, "ip")), *gw = json_string_value(json_object_get(a, "gw"));
    free(r->server);
    r->server = xstrdup(server);
    if (ip && gw) {
        free(r->ip), free(r->gw);
        r->ip = xstrdup(ip);
        r->gw = xstrdup(gw);
        r->addr = vmctl_parse_ip(ip);
    }
    r->next = 0;
}

/* ---- operations ---- */

static json_t *op_json(const struct op *o)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:O, s:f}", "id", (json_int_t)o->id, "kind", o->kind, "vm", o->vm,
                          "state", o->state, "phases", o->phases, "seconds",
                          (o->ended ? o->ended : proc_now()) - o->started);
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
static void op_phase(struct op *o, const char *name)
{
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    double now = proc_now();
    if (o->current)
        json_array_append_new(o->phases,
                              json_pack("{s:s, s:f}", "phase", o->current, "seconds", now - o->phase_t0));
    free(o->current);
    o->current = name ? xstrdup(name) : NULL;
    o->phase_t0 = now;
    /* A transfer's record says how far it went (a recovery's steps are
     * its own). */
    struct xrec *x = name && strcmp(o->kind, "recover") ? xrec_of_op(v, o->id) : NULL;
    if (x) {
        free(x->phase);
        x->phase = xstrdup(name);
        vmctl_save_state(v);
    }
    pthread_mutex_unlock(&v->lock);
}

static void op_result(struct op *o, const char *key, json_t *value)
{
    pthread_mutex_lock(&o->v->lock);
    if (!o->result)
        o->result = json_object();
    json_object_set_new(o->result, key, value);
    pthread_mutex_unlock(&o->v->lock);
}

/* Records how the operation ended; 'err' (taken) NULL means success. */
static void op_end(struct op *o, char *err)
{
    op_phase(o, NULL);
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    o->ended = proc_now();
    o->state = err ? "failed" : "done";
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
        LOG_ERR_("%s %s failed after %.2f s: %s", o->kind, o->vm, o->ended - o->started, err);
    else
        LOG_INF("%s %s%s%s done in %.2f s", o->kind, o->vm, o->target ? " -> " : "", o->target ? o->target : "",
                o->ended - o->started);
    static const struct {
        const char *kind, *event;
    } names[] = {{"boot", "vm.booted"},       {"migrate", "vm.migrated"},   {"clone", "vm.cloned"},
                 {"stop", "vm.destroyed"},    {"recover", "vm.recovered"}};
    const char *type = err ? "vm.failed" : NULL;
    for (size_t i = 0; !type && i < sizeof names / sizeof *names; i++)
        if (!strcmp(o->kind, names[i].kind))
            type = names[i].event;
    if (type && v->hooks.publish) {
        pthread_mutex_lock(&v->lock);
        json_t *d = op_json(o);
        pthread_mutex_unlock(&v->lock);
        json_object_del(d, "state");
        json_object_set_new(d, "operation", json_object_get(d, "id") ? json_incref(json_object_get(d, "id")) : json_null());
        json_object_del(d, "id");
        v->hooks.publish(v->hooks.ctx, type, d);
    }
}

static void op_free(struct op *o)
{
    if (!o)
        return;
    free(o->kind), free(o->vm), free(o->target), free(o->current), free(o->error);
    json_decref(o->phases), json_decref(o->result), json_decref(o->args);
    free(o);
}

/* Starts 'fn' on a new operation for VM record 'r' (which it holds); lock
 * held.  Returns 202 with the operation's id in '*out'. */
static int op_start(struct vmctl *v, const char *kind, struct vrec *r, const char *target, json_t *args,
                    void *(*fn)(void *), json_t **out)
{
    struct op *o = xcalloc(1, sizeof *o);
    o->id = ++v->next_op;
    o->kind = xstrdup(kind);
    o->vm = xstrdup(r->name);
    o->target = target ? xstrdup(target) : NULL;
    o->phases = json_array();
    o->state = "running";
    o->started = o->phase_t0 = proc_now();
    o->args = args;
    o->v = v;
    /* A command in the guest does not hold the VM: a long one must not keep
     * it from being stopped or moved (it then ends with an error), nor hold
     * up the poller's reconciliation. */
    o->reads_only = !strcmp(kind, "exec");
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
        o->state = "failed";
        o->error = xstrdup("cannot start a thread");
        o->ended = proc_now();
        if (!o->reads_only)
            v->ops_running--;
        v->threads--;
        r->op = 0;
        *out = vmctl_error_json("cannot start a thread");
        return 503;
    }
    pthread_attr_destroy(&at);
    LOG_INF("operation %lu: %s %s%s%s", o->id, kind, r->name, target ? " -> " : "", target ? target : "");
    *out = json_pack("{s:I}", "operation", (json_int_t)o->id);
    return 202;
}

/* The VM record named by operation 'o', and a copy of what the thread needs
 * (so it can work without the lock). */
static struct vrec *op_vm(struct op *o)
{
    return vrec_find(o->v, o->vm);
}

static void op_release(struct op *o, const char *state)
{
    pthread_mutex_lock(&o->v->lock);
    struct vrec *r = op_vm(o);
    if (r) {
        r->op = 0;
        r->state = state;
    }
    pthread_mutex_unlock(&o->v->lock);
}

static void op_drop(struct op *o, const char *name)
{
    pthread_mutex_lock(&o->v->lock);
    struct vrec *r = vrec_find(o->v, name);
    if (r)
        vrec_remove(o->v, r);
    pthread_mutex_unlock(&o->v->lock);
}

/* Whether 'server' has 'mib' free for VMs; says why not in '*err'. */
static int vmctl_check_room(struct vmctl *v, const char *server, unsigned mib, char **err)
{
    json_t *info;
    if (vmctl_agent_call(v, server, "GET", "/v1/info", NULL, &info, 5000, err) < 0)
        return -1;
    json_int_t free_mib = json_integer_value(json_object_get(info, "free_mib"));
    json_int_t cap = json_integer_value(json_object_get(info, "capacity_mib"));
    json_decref(info);
    if (free_mib < mib) {
        *err = xasprintf("%s has %lld MiB free for VMs (%lld of %lld in use); %u MiB needed", server,
                         (long long)free_mib, (long long)(cap - free_mib), (long long)cap, mib);
        return -1;
    }
    return 0;
}

static void vmctl_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6] = {0};
    sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
}

/* Has the network balance 'vip' over the VMs that serve it now; a single
 * one left at another address gets the plain rewrite back.  Lock not held. */
static const char *vmctl_rebalance(struct vmctl *v, uint32_t vip)
{
    uint32_t ips[16];
    uint8_t macs[16][6];
    size_t n = 0;
    pthread_mutex_lock(&v->lock);
    for (size_t i = 0; i < v->n_vms && n < 16; i++)
        if (v->vms[i]->serves == vip) {
            ips[n] = v->vms[i]->addr;
            vmctl_parse_mac(v->vms[i]->mac, macs[n++]);
        }
    if (n == 1) {
        for (size_t i = 0; i < v->n_vms; i++)
            if (v->vms[i]->serves == vip)
                v->vms[i]->serves = 0;
        vmctl_save_state(v);
    }
    pthread_mutex_unlock(&v->lock);
    const char *at = v->hooks.balance ? v->hooks.balance(v->hooks.ctx, vip, ips, (const uint8_t(*)[6])macs, n) : NULL;
    if (n == 1 && ips[0] != vip && v->hooks.rewrite)
        v->hooks.rewrite(v->hooks.ctx, vip, ips[0], macs[0]);
    return at;
}

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
    if (vmctl_check_room(v, server, mem, &err) == 0) {
        op_phase(o, "boot");
        int rc = vmctl_agent_call(v, server, "POST", "/v1/vms", spec, &reply, 180000, &err);
        spec = NULL; /* taken by vmctl_agent_call */
        if (rc == 0) {
            op_result(o, "agent", json_incref(json_object_get(reply, "timing")) ?: json_null());
            op_release(o, "running");
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
        *out = vmctl_error_json("server: no server named '%s' in topology %s", server, v->t->name);
        return 400;
    }
    pthread_mutex_lock(&v->lock);
    int st;
    if (vrec_find(v, name)) {
        *out = vmctl_error_json("there is already a VM %s (on %s)", name, vrec_find(v, name)->server);
        st = 409;
    } else {
        struct vrec *r = vrec_new(v, name, server, b->memory_mib, b->cpus, "booting", out);
        st = r ? op_start(v, "boot", r, server, NULL, boot_thread, out) : 507;
        if (st != 202 && r)
            vrec_remove(v, r);
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

/* ---- migrate and clone: the destination prepares, the source sends, the
 * destination finishes; undone step by step on failure ---- */

struct transfer {
    char *src_server, *vm;      /* the source */
    char *dst_server, *dst_name;
    json_t *dst_spec;
    bool copy;
    bool identity; /* the destination takes the identity of dst_spec (a clone, a move across subnets) */
    bool verify_memory; /* compare the guest's memory on both sides, page by page, before it runs */
    bool unsettled; /* failed, and how far its undo went is not known: left to the poller */
};

/* Records transfer 'x' of operation 'o' in the state file, before it asks
 * any agent (lock held).  'src_spec' (taken) is the VM as it is at the
 * source; 'addr' the destination's address when it changes. */
static void xrec_add(struct vmctl *v, const struct op *o, const struct transfer *x, json_t *src_spec, uint32_t addr,
                     bool balance)
{
    struct xrec *r = xcalloc(1, sizeof *r);
    r->op = o->id;
    r->vm = xstrdup(x->vm);
    r->src = xstrdup(x->src_server);
    r->dst = xstrdup(x->dst_server);
    r->dst_name = xstrdup(x->dst_name);
    r->clone = x->copy;
    r->balance = balance;
    r->addr = addr;
    r->src_spec = src_spec;
    r->dst_spec = json_deep_copy(x->dst_spec);
    r->phase = xstrdup("");
    xgrow(&v->xrecs, &v->cap_xrecs, v->n_xrecs + 1, sizeof *v->xrecs);
    v->xrecs[v->n_xrecs++] = r;
    vmctl_save_state(v);
}

/* The destination may run its copy from now on: a minidcd that finds the
 * transfer half-done must hear from it before it resumes the source. */
static void xrec_finish_sent(struct op *o)
{
    pthread_mutex_lock(&o->v->lock);
    struct xrec *x = xrec_of_op(o->v, o->id);
    if (x) {
        x->finish_sent = true;
        vmctl_save_state(o->v);
    }
    pthread_mutex_unlock(&o->v->lock);
}

/* Removes VM 'name' on 'server'; returns vmctl_agent_call's answer (0, or why
 * not, logged). */
static int remove_copy(struct vmctl *v, const char *server, const char *name)
{
    char *path = xasprintf("/v1/vms/%s", name), *e = NULL;
    json_t *junk = NULL;
    int rc = vmctl_agent_call(v, server, "DELETE", path, NULL, &junk, 30000, &e);
    if (rc < 0 && rc != AGENT_NO_VM)
        LOG_WRN("could not remove %s on %s: %s", name, server, e);
    free(path), free(e);
    json_decref(junk);
    return rc;
}

/* Appends 'fmt' to the error '*err'. */
static void err_append(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_append(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *more = xvasprintf(fmt, ap);
    va_end(ap);
    char *m = xasprintf("%s%s", *err ? *err : "", more);
    free(*err), free(more);
    *err = m;
}

/* One transfer; on failure everything of it is undone (the source runs on,
 * nothing is left at the destination), unless an agent did not answer at a
 * step where its silence leaves the VM's state unknown: then 'unsettled'
 * is set and the poller finishes or undoes it once the agents answer
 * (ctl/recover.h): a paused source never runs again while the
 * destination's copy may run.  It is not tried again: the guests seen
 * coming out of a move spinning and silent had lost memory in it (QEMU
 * before 9.0 under TCG; the agents now pause such guests while their
 * memory goes over), and a move that fails for a cause of its own should
 * say so. */
static int transfer(struct op *o, struct transfer *x, char **err)
{
    struct vmctl *v = o->v;
    json_t *prep = NULL, *sent = NULL, *fin = NULL;
    char *path = NULL;
    op_phase(o, "check");
    unsigned mem = (unsigned)json_integer_value(json_object_get(x->dst_spec, "memory_mib"));
    if (vmctl_check_room(v, x->dst_server, mem, err) < 0)
        return -1;
    op_phase(o, "prepare");
    /* The destination lets only the source reach the ports it opens. */
    const struct topo_node *src = vmctl_server_node(v, x->src_server);
    char from[16];
    json_t *spec = json_deep_copy(x->dst_spec);
    json_object_set_new(spec, "from", json_string(topo_ip_str(src ? src->addr : 0, from)));
    int rc = vmctl_agent_call(v, x->dst_server, "POST", "/v1/incoming", spec, &prep, 60000, err);
    if (rc < 0) {
        /* Unanswered, it may have made its copy, which cannot run: it goes
         * (an arrival left behind is removed where it is found). */
        if (rc == AGENT_NO_ANSWER)
            remove_copy(v, x->dst_server, x->dst_name);
        return -1;
    }
    op_phase(o, x->copy ? "copy" : "migrate");
    path = xasprintf("/v1/vms/%s/send", x->vm);
    json_t *body = json_pack("{s:O, s:O, s:s, s:b}", "nbd", json_object_get(prep, "nbd"), "uri",
                             json_object_get(prep, "uri"), "mode", x->copy ? "copy" : "move", "verify_memory",
                             x->verify_memory);
    json_decref(prep);
    rc = vmctl_agent_call(v, x->src_server, "POST", path, body, &sent, 600000, err);
    free(path);
    if (rc < 0) {
        /* The source's agent has put its VM back as it was (it says so), or
         * never heard of the send; the half-made destination goes.  With no
         * answer the source may be paused: its agent is asked again later. */
        remove_copy(v, x->dst_server, x->dst_name);
        if (rc == AGENT_NO_ANSWER) {
            x->unsettled = true;
            err_append(err, "; %s on %s may be paused: it is recovered when its agent answers", x->vm,
                       x->src_server);
        }
        return -1;
    }
    op_result(o, "qemu", json_incref(json_object_get(sent, "qemu")) ?: json_null());
    op_result(o, "source", json_incref(json_object_get(sent, "timing")) ?: json_null());
    /* The source's page digest goes to the destination, which compares
     * what arrived before it runs it. */
    json_t *digest = json_incref(json_object_get(json_object_get(sent, "memory"), "digest"));
    json_decref(sent);
    if (!x->copy && !x->identity && v->hooks.place) {
        /* Same address, new place: the network sends its packets to the
         * destination before the VM runs there (they wait in its tap). */
        op_phase(o, "place");
        uint8_t mac[6];
        vmctl_parse_mac(json_string_value(json_object_get(x->dst_spec, "mac")) ?: "", mac);
        v->hooks.place(v->hooks.ctx, vmctl_parse_ip(json_string_value(json_object_get(x->dst_spec, "ip"))), mac,
                       x->dst_server);
    }
    op_phase(o, "start");
    xrec_finish_sent(o);
    char *fpath = xasprintf("/v1/vms/%s/finish", x->dst_name);
    json_t *fbody = json_pack("{s:b, s:b}", "identity", x->identity, "isolate", x->identity);
    if (digest)
        json_object_set_new(fbody, "memory_digest", digest);
    rc = vmctl_agent_call(v, x->dst_server, "POST", fpath, fbody, &fin, 180000, err);
    free(fpath);
    if (rc < 0) {
        /* A copy whose agent took the request and gave no answer may run:
         * it must be gone before the source runs again.  One its agent
         * refused to start, or that never got the request, does not. */
        int del = remove_copy(v, x->dst_server, x->dst_name);
        if (rc == AGENT_NO_ANSWER && del != 0 && del != AGENT_NO_VM) {
            x->unsettled = true;
            err_append(err, "; whether the copy on %s runs is not known: %s %s until its agent answers",
                       x->dst_server, x->copy ? "the clone is recovered" : "the source stays paused",
                       x->copy ? "" : "there");
            return -1;
        }
        if (!x->copy) {
            char *rpath = xasprintf("/v1/vms/%s/resume", x->vm), *e2 = NULL;
            json_t *junk = NULL;
            if (vmctl_agent_call(v, x->src_server, "POST", rpath, NULL, &junk, 30000, &e2) < 0) {
                err_append(err, "; and resuming %s on %s failed too: %s (it is recovered when its agent can)",
                           x->vm, x->src_server, e2);
                x->unsettled = true;
            }
            free(rpath), free(e2), json_decref(junk);
        }
        return -1;
    }
    op_result(o, "destination", json_incref(json_object_get(fin, "timing")) ?: json_null());
    if (json_object_get(fin, "memory_check"))
        op_result(o, "memory_check", json_incref(json_object_get(fin, "memory_check")));
    json_decref(fin);
    return 0;
}

static void transfer_free(struct transfer *x)
{
    free(x->src_server), free(x->vm), free(x->dst_server), free(x->dst_name);
    json_decref(x->dst_spec);
}

/* The source's state after a transfer failed and was undone: running,
 * unless its agent says its QEMU died (the cause of the failure, maybe). */
static const char *source_state(struct vmctl *v, const struct transfer *x)
{
    char *path = xasprintf("/v1/vms/%s", x->vm), *e = NULL;
    json_t *a = NULL;
    const char *st = "running";
    if (vmctl_agent_call(v, x->src_server, "GET", path, NULL, &a, 5000, &e) == 0 &&
        recover_copy_of(a) == RECOVER_CRASHED)
        st = "crashed";
    free(path), free(e);
    json_decref(a);
    return st;
}

/* Tells the network where a VM is now (lock not held): its packets go to
 * 'server' ('place', NULL: not asked), a replica's balancer follows it, a VM
 * away from its home address has that address rewritten to 'addr', and
 * one back home ('was_away') loses its rewrite.  Returns the rewriting or
 * balancing switch (static), or NULL. */
static const char *vmctl_network_follow(struct vmctl *v, const char *place, uint32_t home, uint32_t addr, uint32_t serves,
                                  bool was_away, const uint8_t mac[6], bool *balanced)
{
    *balanced = false;
    if (place && v->hooks.place)
        v->hooks.place(v->hooks.ctx, addr, mac, place);
    if (serves) {
        *balanced = true;
        return vmctl_rebalance(v, serves);
    }
    if ((addr != home || was_away) && v->hooks.rewrite)
        return v->hooks.rewrite(v->hooks.ctx, home, addr, mac);
    return NULL;
}

static void *vmctl_migrate_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o);
    struct transfer x = {.src_server = xstrdup(r->server), .vm = xstrdup(r->name), .dst_server = xstrdup(o->target),
                         .dst_name = xstrdup(r->name), .dst_spec = vrec_spec(r),
                         .verify_memory = json_is_true(json_object_get(o->args, "verify_memory"))};
    /* Across subnets the VM takes an address of the destination's subnet
     * (its home address back when it goes home). */
    uint32_t new_addr = (uint32_t)json_integer_value(json_object_get(o->args, "addr"));
    const struct topo_subnet *dsn = vmctl_server_subnet(v, o->target);
    char nip[24], ngw[16], a16[16];
    if (new_addr) {
        snprintf(nip, sizeof nip, "%s/%d", topo_ip_str(new_addr, a16), dsn->prefix.len);
        topo_ip_str(dsn->gateway, ngw);
        json_object_set_new(x.dst_spec, "ip", json_string(nip));
        json_object_set_new(x.dst_spec, "gw", json_string(ngw));
        x.identity = true;
    }
    uint32_t home = r->home, serves = r->serves;
    uint8_t mac[6];
    vmctl_parse_mac(r->mac, mac);
    xrec_add(v, o, &x, vrec_spec(r), new_addr, false);
    pthread_mutex_unlock(&v->lock);
    char *err = NULL;
    if (transfer(o, &x, &err) == 0) {
        if (serves)
            op_phase(o, "balance");
        else if (new_addr)
            op_phase(o, "rewrite");
        if (new_addr) {
            /* A replica's bucket follows it; otherwise clients keep the
             * home address: the network rewrites it. */
            pthread_mutex_lock(&v->lock);
            r->addr = new_addr;
            pthread_mutex_unlock(&v->lock);
            bool balanced;
            const char *at = vmctl_network_follow(v, NULL, home, new_addr, serves, true, mac, &balanced);
            if (at && !balanced)
                op_result(o, "rewrite", json_pack("{s:s, s:s, s:s}", "old", topo_ip_str(home, a16), "new", nip,
                                                  "switch", at));
        }
        pthread_mutex_lock(&v->lock);
        free(r->server);
        r->server = xstrdup(x.dst_server);
        if (new_addr) {
            free(r->ip), free(r->gw);
            r->ip = xstrdup(nip);
            r->gw = xstrdup(ngw);
            r->addr = new_addr;
        }
        r->next = 0;
        pthread_mutex_unlock(&v->lock);
        op_release(o, "running");
        /* The source's paused QEMU and its files go last, once the VM runs
         * at the destination (a copy left paused beside the running one is
         * removed where it is found). */
        op_phase(o, "cleanup");
        char *e2 = NULL, *path = xasprintf("/v1/vms/%s", x.vm);
        json_t *junk;
        if (vmctl_agent_call(v, x.src_server, "DELETE", path, NULL, &junk, 30000, &e2) < 0) {
            LOG_WRN("%s runs on %s but its old copy on %s could not be removed: %s", x.vm, x.dst_server,
                    x.src_server, e2);
            op_result(o, "warning", json_sprintf("the old copy on %s could not be removed: %s", x.src_server, e2));
        }
        json_decref(junk);
        free(path), free(e2);
    } else {
        pthread_mutex_lock(&v->lock);
        r->next = 0;
        if (x.unsettled) {
            vrec_why(r, "migration %s -> %s failed halfway: waiting for the agents to tell where it runs",
                     x.src_server, x.dst_server);
            o->handover = true;
        }
        pthread_mutex_unlock(&v->lock);
        op_release(o, x.unsettled ? "recovering" : source_state(v, &x));
    }
    transfer_free(&x);
    op_end(o, err);
    return NULL;
}

static void *vmctl_clone_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    const char *as = json_string_value(json_object_get(o->args, "as"));
    bool balance = json_is_true(json_object_get(o->args, "balance"));
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o), *c = vrec_find(v, as);
    struct transfer x = {.src_server = xstrdup(r->server), .vm = xstrdup(r->name), .dst_server = xstrdup(o->target),
                         .dst_name = xstrdup(as), .dst_spec = vrec_spec(c), .copy = true, .identity = true,
                         .verify_memory = json_is_true(json_object_get(o->args, "verify_memory"))};
    xrec_add(v, o, &x, vrec_spec(r), 0, balance);
    pthread_mutex_unlock(&v->lock);
    char *err = NULL;
    int rc = transfer(o, &x, &err);
    json_t *made = NULL;
    pthread_mutex_lock(&v->lock);
    if (x.unsettled) {
        /* The clone may run, or the source be paused: the poller asks. */
#define CLONE_UNSETTLED "clone %s -> %s failed halfway: waiting for the agents to tell what runs"
        vrec_why(r, CLONE_UNSETTLED, x.src_server, x.dst_server);
        if ((c = vrec_find(v, as))) {
            vrec_why(c, CLONE_UNSETTLED, x.src_server, x.dst_server);
            c->op = 0;
            c->state = "recovering";
        }
        o->handover = true;
    } else if ((c = vrec_find(v, as))) {
        if (rc == 0) {
            c->op = 0;
            c->state = "running";
            made = vrec_json(c);
        } else {
            vrec_remove(v, c);
        }
    }
    uint32_t vip = 0;
    if (made && balance) {
        struct vrec *src = op_vm(o);
        vip = src->serves ? src->serves : src->home;
        src->serves = vip;
        c->serves = vip;
    }
    pthread_mutex_unlock(&v->lock);
    op_release(o, x.unsettled ? "recovering" : rc == 0 ? "running" : source_state(v, &x));
    if (made)
        op_result(o, "clone", made);
    if (vip) {
        op_phase(o, "balance");
        const char *at = vmctl_rebalance(v, vip);
        char a16[16];
        if (at)
            op_result(o, "balancer", json_pack("{s:s, s:s}", "address", topo_ip_str(vip, a16), "switch", at));
    }
    transfer_free(&x);
    op_end(o, err);
    return NULL;
}

/* Takes VM 'name' for an operation (lock held); 409/404 otherwise. */
static int vmctl_hold(struct vmctl *v, const char *name, struct vrec **rp, json_t **out)
{
    struct vrec *r = vrec_find(v, name);
    if (!r) {
        *out = vmctl_error_json("no VM named %s", name);
        return 404;
    }
    if (r->op) {
        *out = vmctl_error_json("VM %s is busy: operation %lu (%s)", name, r->op, r->state);
        return 409;
    }
    if (!strcmp(r->state, "recovering")) {
        *out = vmctl_error_json("VM %s is being recovered: %s", name, r->why ? r->why : "a transfer was cut short");
        return 409;
    }
    *rp = r;
    return 0;
}

int vmctl_migrate(struct vmctl *v, const char *vm, const struct api_migrate *m, json_t **out)
{
    const char *to = m->to;
    if (!vmctl_server_node(v, to)) {
        *out = vmctl_error_json("to: no server named '%s' in topology %s", to, v->t->name);
        return 400;
    }
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st && !strcmp(r->server, to)) {
        *out = vmctl_error_json("%s already runs on %s", vm, to);
        st = 409;
    } else if (!st) {
        /* Across subnets: an address in the destination's subnet, reserved
         * now (home: the VM's own first address). */
        json_t *args = json_pack("{s:b}", "verify_memory", m->verify_memory);
        const struct topo_subnet *dsn = vmctl_server_subnet(v, to);
        if (vmctl_server_subnet(v, r->server) != dsn) {
            uint32_t a = topo_prefix_contains(dsn->prefix, r->home) ? r->home : vmctl_alloc_addr(v, dsn);
            if (!a) {
                *out = vmctl_error_json("subnet %s has no free address left", dsn->name);
                json_decref(args);
                pthread_mutex_unlock(&v->lock);
                return 507;
            }
            json_object_set_new(args, "addr", json_integer(a));
            r->next = a;
        }
        r->state = "migrating";
        st = op_start(v, "migrate", r, to, args, vmctl_migrate_thread, out);
        if (st != 202)
            r->state = "running";
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

int vmctl_clone(struct vmctl *v, const char *vm, const struct api_clone *req, json_t **out)
{
    const char *to = req->to, *as = req->as[0] ? req->as : NULL;
    if (!vmctl_server_node(v, to)) {
        *out = vmctl_error_json("to: no server named '%s' in topology %s", to, v->t->name);
        return 400;
    }
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
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
        *out = vmctl_error_json("there is already a VM %s (on %s)", as, vrec_find(v, as)->server);
        st = 409;
    }
    if (!st) {
        struct vrec *c = vrec_new(v, as, to, r->memory_mib, r->cpus, "cloning", out);
        if (!c) {
            st = 507;
        } else {
            r->state = "cloning";
            st = op_start(v, "clone", r, to,
                          json_pack("{s:s, s:b, s:b}", "as", as, "balance", req->balance, "verify_memory",
                                    req->verify_memory),
                          vmctl_clone_thread, out);
            if (st == 202) {
                c->op = r->op;
                json_object_set_new(*out, "clone", json_string(as));
            } else {
                r->state = "running";
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
    char *path = xasprintf("/v1/vms/%s%s", o->vm, graceful ? "?graceful=1" : ""), *err = NULL;
    json_t *reply;
    op_phase(o, "stop");
    if (vmctl_agent_call(v, server, "DELETE", path, NULL, &reply, 60000, &err) == 0) {
        json_decref(reply);
        pthread_mutex_lock(&v->lock);
        struct vrec *r = op_vm(o);
        uint32_t vip = r ? r->serves : 0, home = r ? r->home : 0, addr = r ? r->addr : 0;
        uint8_t mac[6] = {0};
        if (r)
            vmctl_parse_mac(r->mac, mac);
        pthread_mutex_unlock(&v->lock);
        op_drop(o, o->vm);
        if (vip) {
            op_phase(o, "balance");
            vmctl_rebalance(v, vip);
        } else if (home && addr != home && v->hooks.rewrite) {
            /* A VM that had moved away from its home address leaves no
             * rewrite behind: the address goes back to its subnet, and the
             * next VM given it must be reachable there. */
            op_phase(o, "rewrite");
            v->hooks.rewrite(v->hooks.ctx, home, home, mac);
        }
    } else {
        op_release(o, "running");
    }
    free(path), free(server);
    op_end(o, err);
    return NULL;
}

int vmctl_stop(struct vmctl *v, const char *vm, bool graceful, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st) {
        r->state = "stopping";
        st = op_start(v, "stop", r, NULL, json_pack("{s:b}", "graceful", graceful), stop_thread, out);
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

static void *exec_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    char *path = xasprintf("/v1/vms/%s/exec", o->vm), *err = NULL;
    json_t *reply;
    json_int_t timeout = json_integer_value(json_object_get(o->args, "timeout_ms")) ?: 30000;
    op_phase(o, "exec");
    if (vmctl_agent_call(v, o->target, "POST", path, json_incref(o->args), &reply, (int)timeout + 10000, &err) == 0) {
        op_result(o, "exitcode", json_incref(json_object_get(reply, "exitcode")));
        op_result(o, "stdout", json_incref(json_object_get(reply, "stdout")));
        op_result(o, "stderr", json_incref(json_object_get(reply, "stderr")));
        json_decref(reply);
    }
    free(path);
    op_end(o, err);
    return NULL;
}

int vmctl_exec(struct vmctl *v, const char *vm, const struct api_exec *x, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st) {
        json_t *args = json_pack("{s:O, s:I}", "argv", x->argv, "timeout_ms", (json_int_t)x->timeout_ms);
        if (x->input)
            json_object_set_new(args, "input", json_string(x->input));
        st = op_start(v, "exec", r, r->server, args, exec_thread, out);
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
        *out = vmctl_error_json("no operation %lu", id);
    pthread_mutex_unlock(&v->lock);
    return st;
}

json_t *vmctl_metrics_json(struct vmctl *v)
{
    pthread_mutex_lock(&v->lock);
    json_t *arr = json_array();
    const char *k;
    json_t *m;
    json_object_foreach(v->metrics, k, m) json_array_append(arr, m);
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

/* ---- recovery: transfers left half-done, copies no transfer explains
 * (ctl/recover.h) ---- */

#define RECOVER_RETRY_S 10.0

/* Says why 'r' waits to be recovered; logged when it changes. */
static void vrec_wait(struct vrec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vrec_wait(struct vrec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    if (!r->why || strcmp(s, r->why))
        LOG_WRN("VM %s: %s", r->name, s);
    free(r->why);
    r->why = s;
}

/* Runs one recovery plan (the operation's args, made by vmctl_start_recovery):
 * each copy's step, every start, then every removal, then every resume; the
 * first that fails stops the rest, and the poller decides again in
 * RECOVER_RETRY_S.  Then the inventory says where the VM is, and the
 * network is told as after a migration. */
static void *recover_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    json_t *copies = json_object_get(o->args, "copies");
    bool identity = json_is_true(json_object_get(o->args, "identity"));
    static const struct {
        enum recover_act act;
        const char *phase;
    } order[] = {{RECOVER_START, "start"}, {RECOVER_DELETE, "remove"}, {RECOVER_RESUME, "resume"}};
    char *err = NULL;
    json_t *done = json_array();
    for (size_t k = 0; k < sizeof order / sizeof *order && !err; k++) {
        size_t i;
        json_t *c;
        json_array_foreach(copies, i, c)
        {
            const char *server = json_string_value(json_object_get(c, "server"));
            const char *name = json_string_value(json_object_get(c, "name"));
            if (err || strcmp(json_string_value(json_object_get(c, "do")) ?: "", recover_act_name(order[k].act)))
                continue;
            op_phase(o, order[k].phase);
            char *path, *e = NULL;
            json_t *body = NULL, *junk = NULL;
            const char *method = "POST";
            if (order[k].act == RECOVER_START) {
                xrec_finish_sent(o);
                path = xasprintf("/v1/vms/%s/finish", name);
                body = json_pack("{s:b, s:b}", "identity", identity, "isolate", identity);
            } else if (order[k].act == RECOVER_DELETE) {
                path = xasprintf("/v1/vms/%s", name);
                method = "DELETE";
            } else {
                path = xasprintf("/v1/vms/%s/resume", name);
            }
            int rc = vmctl_agent_call(v, server, method, path, body, &junk, order[k].act == RECOVER_START ? 180000 : 30000,
                                &e);
            if (rc < 0 && !(order[k].act == RECOVER_DELETE && rc == AGENT_NO_VM))
                err = xasprintf("%s %s on %s: %s", order[k].phase, name, server, e);
            else
                json_array_append_new(done, json_sprintf("%s %s on %s", order[k].phase, name, server));
            free(path), free(e);
            json_decref(junk);
        }
    }
    op_result(o, "action", json_incref(json_object_get(o->args, "action")));
    op_result(o, "why", json_incref(json_object_get(o->args, "why")));
    op_result(o, "done", done);
    const char *clone = json_string_value(json_object_get(o->args, "clone"));
    json_int_t at = json_integer_value(json_object_get(o->args, "at"));
    json_t *atc = at >= 0 ? json_array_get(copies, (size_t)at) : NULL;
    char *place = NULL;
    uint32_t home = 0, addr = 0, serves = 0, vip = 0;
    uint8_t mac[6] = {0};
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o), *c = clone ? vrec_find(v, clone) : NULL;
    if (err) {
        o->handover = true; /* a transfer's record stays, for the next try */
        for (struct vrec *x = r; x; x = x == r ? c : NULL) {
            x->op = 0;
            x->state = "recovering";
            x->retry = proc_now() + RECOVER_RETRY_S;
            vrec_why(x, "recovery failed (%s): decided again in %.0f s", err, RECOVER_RETRY_S);
        }
    } else {
        if (r && atc) {
            vrec_place(r, json_string_value(json_object_get(atc, "server")), json_object_get(atc, "vm"));
            bool crashed = !strcmp(json_string_value(json_object_get(atc, "was")) ?: "", "crashed");
            r->state = crashed ? "crashed" : "running";
            r->op = 0;
            r->retry = 0;
            r->restored = false;
            vrec_why(r, NULL);
            if (!crashed) {
                place = xstrdup(r->server);
                home = r->home, addr = r->addr, serves = r->serves;
                vmctl_parse_mac(r->mac, mac);
            }
        } else if (r) {
            LOG_WRN("VM %s: no copy of it is left", r->name);
            vrec_remove(v, r);
            r = NULL;
        }
        if (c && json_is_true(json_object_get(o->args, "clone_kept"))) {
            json_t *cc = json_array_get(copies, 1);
            vrec_place(c, json_string_value(json_object_get(cc, "server")), json_object_get(cc, "vm"));
            c->op = 0;
            c->state = "running";
            c->restored = false;
            vrec_why(c, NULL);
            if (r && json_is_true(json_object_get(o->args, "balance"))) {
                vip = r->serves ? r->serves : r->home;
                r->serves = c->serves = vip;
            }
        } else if (c) {
            vrec_remove(v, c);
        }
        vmctl_save_state(v);
    }
    pthread_mutex_unlock(&v->lock);
    if (place) {
        /* As after a migration: its packets go where it runs, a replica's
         * balancer follows it, its home address is rewritten to it. */
        op_phase(o, "network");
        bool balanced;
        const char *sw = vmctl_network_follow(v, place, home, addr, serves,
                                        json_is_true(json_object_get(o->args, "was_away")), mac, &balanced);
        if (sw)
            op_result(o, balanced ? "balancer" : "rewrite", json_pack("{s:s}", "switch", sw));
    }
    if (vip) {
        op_phase(o, "balance");
        vmctl_rebalance(v, vip);
    }
    if (!err)
        LOG_INF("VM %s recovered (%s: %s)%s%s", o->vm, json_string_value(json_object_get(o->args, "action")),
                json_string_value(json_object_get(o->args, "why")), place ? ": it runs on " : "", place ? place : "");
    free(place);
    op_end(o, err);
    return NULL;
}

/* Starts a recovery operation for VM 'r' (lock held): plan 'p' over the
 * 'n' copies found (each named, on its server, as its agent reported it
 * ('vms', may hold NULLs); 'x' the transfer record it comes from, or NULL.
 * 'identity': a copy started takes the identity it was made with. */
static void vmctl_start_recovery(struct vmctl *v, struct vrec *r, const struct recover_plan *p, size_t n,
                           const char *const servers[], const char *const names[], const enum recover_copy copies[],
                           json_t *const vms[], struct xrec *x, bool identity)
{
    json_t *cs = json_array();
    struct strbuf what;
    strbuf_init(&what);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_pack("{s:s, s:s, s:s, s:s}", "server", servers[i], "name", names[i], "was",
                              recover_copy_name(copies[i]), "do", recover_act_name(p->act[i]));
        if (vms[i])
            json_object_set(c, "vm", vms[i]);
        json_array_append_new(cs, c);
        strbuf_printf(&what, "%s%s %s on %s", i ? ", " : "", recover_act_name(p->act[i]), names[i], servers[i]);
    }
    json_t *args = json_pack("{s:s, s:s, s:o, s:I, s:b, s:b}", "action", recover_verdict_name(p->verdict), "why",
                             p->why, "copies", cs, "at", (json_int_t)p->at, "identity", identity, "was_away",
                             x && x->addr && p->at == 1);
    if (x) {
        json_object_set_new(args, "transfer", xrec_json(x));
        if (x->clone)
            json_object_set_new(args, "clone", json_string(x->dst_name));
        json_object_set_new(args, "clone_kept", json_boolean(p->clone_kept));
        json_object_set_new(args, "balance", json_boolean(x->balance));
    }
    json_t *out = NULL;
    r->state = "recovering";
    int st = op_start(v, "recover", r, p->at >= 0 ? servers[p->at] : NULL, args, recover_thread, &out);
    json_decref(out);
    if (st == 202) {
        struct vrec *c = x && x->clone ? vrec_find(v, x->dst_name) : NULL;
        if (c) {
            c->op = r->op;
            c->state = "recovering";
        }
        if (x)
            x->op = r->op;
        if (x)
            vrec_why(r, "%s %s -> %s cut short (%s): %s: %s", x->clone ? "clone" : "migration", x->src, x->dst,
                     *x->phase ? x->phase : "before it began", recover_verdict_name(p->verdict), p->why);
        else
            vrec_why(r, "%s: %s", recover_verdict_name(p->verdict), p->why);
        LOG_INF("VM %s: %s; %s", r->name, r->why, what.s);
    }
    strbuf_free(&what);
}

/* ---- the poller ---- */

/* The copy of VM 'name' on 'server' in the agents' 'lists' (server -> its
 * GET /v1/vms answer; a server missing did not answer); '*vm' gets the
 * agent's word on it (borrowed), or NULL. */
static enum recover_copy copy_on(json_t *lists, const char *server, const char *name, json_t **vm)
{
    json_t *list = json_object_get(lists, server), *a;
    size_t i;
    *vm = NULL;
    if (!list)
        return RECOVER_UNKNOWN;
    json_array_foreach(json_object_get(list, "vms"), i, a) if (!strcmp(json_string_value(json_object_get(a, "name")) ?: "",
                                                                       name))
    {
        *vm = a;
        return recover_copy_of(a);
    }
    return RECOVER_ABSENT;
}

/* Brings the inventory in line with what the agents hold ('lists': server
 * -> its GET /v1/vms answer, for those that answered; 'all_heard': all
 * did), unless an operation is under way or ended after the answers were
 * asked for.  Every transfer left half-done, and every VM whose copies no
 * transfer explains (paused, arriving, or on more than one server), gets a
 * recovery once it can be decided, and shows as "recovering" until then. */
static void reconcile(struct vmctl *v, json_t *lists, bool all_heard, double asked)
{
    if (v->ops_running || v->changed >= asked)
        return;
    double now = proc_now();
    bool changed = false;
    json_t *taken = json_object(); /* the names transfers account for */
    for (size_t k = 0; k < v->n_xrecs; k++) {
        struct xrec *x = v->xrecs[k];
        json_object_set_new(taken, x->vm, json_true());
        json_object_set_new(taken, x->dst_name, json_true());
        if (x->op)
            continue;
        json_t *vms[2];
        enum recover_copy c[2] = {copy_on(lists, x->src, x->vm, &vms[0]), copy_on(lists, x->dst, x->dst_name, &vms[1])};
        struct recover_transfer t = {.clone = x->clone, .finish_sent = x->finish_sent, .src = c[0], .dst = c[1]};
        struct recover_plan p = recover_transfer_plan(&t);
        struct vrec *r = vrec_find(v, x->vm);
        if (!r) {
            r = vrec_found(v, x->vm, x->src, vms[0] ? vms[0] : x->src_spec, "recovering");
            changed = true;
        }
        if (x->clone && !vrec_find(v, x->dst_name)) {
            vrec_found(v, x->dst_name, x->dst, vms[1] ? vms[1] : x->dst_spec, "recovering");
            changed = true;
        }
        r->state = "recovering";
        if (p.verdict == RECOVER_WAIT)
            vrec_wait(r, "%s %s -> %s cut short (%s): %s (%s %s, %s %s)", x->clone ? "clone" : "migration", x->src,
                      x->dst, *x->phase ? x->phase : "before it began", p.why, x->src, recover_copy_name(c[0]),
                      x->dst, recover_copy_name(c[1]));
        else if (r->retry <= now) {
            const char *servers[2] = {x->src, x->dst}, *names[2] = {x->vm, x->dst_name};
            vmctl_start_recovery(v, r, &p, 2, servers, names, c, vms, x, x->addr != 0);
        }
    }
    /* Copies no transfer explains, name by name. */
    json_t *byname = json_object(), *list, *a, *found;
    const char *server, *name;
    size_t i;
    json_object_foreach(lists, server, list) json_array_foreach(json_object_get(list, "vms"), i, a)
    {
        const char *nm = json_string_value(json_object_get(a, "name"));
        if (!nm || !json_string_value(json_object_get(a, "ip")) || json_object_get(taken, nm))
            continue;
        if (!json_object_get(byname, nm))
            json_object_set_new(byname, nm, json_array());
        json_array_append_new(json_object_get(byname, nm), json_pack("{s:s, s:O}", "server", server, "vm", a));
    }
    json_object_foreach(byname, name, found)
    {
        enum recover_copy c[RECOVER_COPIES_MAX];
        const char *servers[RECOVER_COPIES_MAX], *names[RECOVER_COPIES_MAX];
        json_t *vms[RECOVER_COPIES_MAX];
        size_t n = 0;
        struct strbuf where;
        strbuf_init(&where);
        json_array_foreach(found, i, a) if (n < RECOVER_COPIES_MAX)
        {
            servers[n] = json_string_value(json_object_get(a, "server"));
            names[n] = name;
            vms[n] = json_object_get(a, "vm");
            c[n] = recover_copy_of(vms[n]);
            strbuf_printf(&where, "%s%s %s", n ? ", " : "", servers[n], recover_copy_name(c[n]));
            n++;
        }
        struct recover_plan p = recover_found_plan(c, n, all_heard);
        struct vrec *r = vrec_find(v, name);
        size_t at = p.at >= 0 && (size_t)p.at < n ? (size_t)p.at : 0;
        if (r && r->op) {
            strbuf_free(&where);
            continue;
        }
        if (!r) {
            r = vrec_found(v, name, servers[at], vms[at], "running");
            LOG_INF("found VM %s (%s) on %s", name, r->ip, servers[at]);
            changed = true;
        }
        if (p.verdict == RECOVER_NOTHING) {
            /* One copy: the agent's word on its state (running, crashed). */
            if (strcmp(r->server, servers[at])) {
                vrec_place(r, servers[at], vms[at]);
                changed = true;
            }
            const char *st = c[at] == RECOVER_CRASHED ? "crashed" : "running";
            if (strcmp(st, r->state))
                LOG_WRN("VM %s on %s is %s", name, servers[at], st);
            r->state = st;
            vrec_why(r, NULL);
        } else if (n == 1 && c[0] == RECOVER_BUSY &&
                   !strcmp(json_string_value(json_object_get(vms[0], "state")) ?: "", "booting")) {
            r->state = "booting"; /* asked of its agent by an earlier minidcd */
        } else if (p.verdict == RECOVER_WAIT || p.verdict == RECOVER_CONFLICT) {
            r->state = "recovering";
            vrec_wait(r, "copies on %s: %s", where.s, p.why);
        } else if (r->retry <= now) {
            vmctl_start_recovery(v, r, &p, n, servers, names, c, vms, NULL, true);
        }
        strbuf_free(&where);
    }
    /* VMs gone from the agents that answered. */
    for (size_t k = 0; k < v->n_vms;) {
        struct vrec *r = v->vms[k];
        if (!r->op && !json_object_get(taken, r->name) && !json_object_get(byname, r->name) &&
            json_object_get(lists, r->server)) {
            LOG_WRN("VM %s is no longer on %s", r->name, r->server);
            vrec_remove(v, r);
            changed = true;
        } else {
            k++;
        }
    }
    json_decref(byname);
    json_decref(taken);
    if (changed)
        vmctl_save_state(v);
}

/* After a restart: the rewrites and balancers of the VMs found (once every
 * agent was asked). */
static void restore_network(struct vmctl *v)
{
    for (;;) {
        pthread_mutex_lock(&v->lock);
        struct vrec *r = NULL;
        for (size_t i = 0; i < v->n_vms && !r; i++)
            if (v->vms[i]->restored && !v->vms[i]->op && !strcmp(v->vms[i]->state, "running"))
                r = v->vms[i];
        if (!r) {
            pthread_mutex_unlock(&v->lock);
            return;
        }
        uint32_t home = r->home, addr = r->addr, serves = r->serves;
        uint8_t mac[6];
        vmctl_parse_mac(r->mac, mac);
        /* Every replica of the address is handled by one rebalance. */
        for (size_t i = 0; i < v->n_vms; i++)
            if (v->vms[i] == r || (serves && v->vms[i]->serves == serves))
                v->vms[i]->restored = false;
        pthread_mutex_unlock(&v->lock);
        char h[16], a[16];
        bool balanced;
        const char *at = vmctl_network_follow(v, NULL, home, addr, serves, false, mac, &balanced);
        if (balanced)
            LOG_INF("balancer of %s restored at %s", topo_ip_str(serves, h), at ? at : "(none)");
        else
            LOG_INF("rewrite %s <-> %s restored at %s", topo_ip_str(home, h), topo_ip_str(addr, a), at ? at : "(none)");
    }
}

static void poll_once(struct vmctl *v)
{
    json_t *lists = json_object();
    bool all_heard = true;
    double asked = proc_now();
    for (size_t i = 0; i < v->t->n_nodes; i++) {
        const struct topo_node *n = &v->t->nodes[i];
        if (n->kind != TOPO_SERVER || !n->mgmt)
            continue;
        json_t *list = NULL, *metrics = NULL, *info = NULL;
        char *err = NULL;
        int rc = vmctl_agent_call(v, n->name, "GET", "/v1/vms", NULL, &list, 2000, &err);
        if (rc == 0)
            rc = vmctl_agent_call(v, n->name, "GET", "/v1/info", NULL, &info, 2000, &err);
        if (rc == 0)
            rc = vmctl_agent_call(v, n->name, "GET", "/v1/metrics", NULL, &metrics, 5000, &err);
        pthread_mutex_lock(&v->lock);
        json_t *was = json_object_get(v->agents, n->name);
        bool was_up = json_is_true(json_object_get(was, "reachable"));
        if (rc == 0) {
            json_object_set_new(info, "reachable", json_true());
            json_object_set_new(v->agents, n->name, info);
            json_object_set_new(v->metrics, n->name, metrics);
            json_object_set(lists, n->name, list);
            if (!was_up)
                LOG_INF("agent of %s is up", n->name);
        } else {
            all_heard = false;
            if (was_up || !was)
                LOG_WRN("%s", err);
            json_object_set_new(v->agents, n->name,
                                json_pack("{s:s, s:b, s:s}", "server", n->name, "reachable", 0, "error", err));
            json_object_del(v->metrics, n->name);
        }
        pthread_mutex_unlock(&v->lock);
        json_decref(list);
        free(err);
    }
    pthread_mutex_lock(&v->lock);
    reconcile(v, lists, all_heard, asked);
    pthread_mutex_unlock(&v->lock);
    json_decref(lists);
    restore_network(v);
}

static void *vmctl_poller(void *arg)
{
    struct vmctl *v = arg;
    pthread_mutex_lock(&v->lock);
    while (!v->stop) {
        pthread_mutex_unlock(&v->lock);
        poll_once(v);
        pthread_mutex_lock(&v->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)VMCTL_POLL_S;
        if (!v->stop)
            pthread_cond_timedwait(&v->wake, &v->lock, &ts);
    }
    pthread_mutex_unlock(&v->lock);
    return NULL;
}

/* Reads the state file (see vmctl.h): what the VMs were, and the transfers
 * the minidcd before this one left under way. */
static void vmctl_load_state(struct vmctl *v)
{
    json_error_t je;
    json_t *st = json_load_file(v->state_file, 0, &je);
    if (!st && access(v->state_file, F_OK) == 0)
        LOG_WRN("%s:%d: %s; VMs found at other addresses will not be rewritten", v->state_file, je.line, je.text);
    v->saved = json_incref(json_object_get(st, "vms"));
    /* Transfers the minidcd before this one left under way: each VM
     * shows as recovering until the agents have told what to do. */
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(st, "transfers"), i, o)
    {
        struct xrec *x = xrec_load(v, o);
        if (!x) {
            LOG_WRN("%s: transfer %zu is not one of this topology's: ignored", v->state_file, i);
            continue;
        }
        xgrow(&v->xrecs, &v->cap_xrecs, v->n_xrecs + 1, sizeof *v->xrecs);
        v->xrecs[v->n_xrecs++] = x;
        LOG_WRN("a %s of %s from %s to %s was under way (%s): it is finished or undone once the agents answer",
                x->clone ? "clone" : "migration", x->vm, x->src, x->dst, *x->phase ? x->phase : "before it began");
        struct vrec *r = vrec_find(v, x->vm) ?: vrec_found(v, x->vm, x->src, x->src_spec, "recovering");
        vrec_why(r, "%s %s -> %s cut short (%s): waiting to hear from the agents", x->clone ? "clone" : "migration",
                 x->src, x->dst, *x->phase ? x->phase : "before it began");
        if (x->clone && !vrec_find(v, x->dst_name))
            vrec_found(v, x->dst_name, x->dst, x->dst_spec, "recovering");
    }
    json_decref(st);
}

struct vmctl *vmctl_create(const struct topo *t, const char *token, uint16_t agent_port, const char *state_file,
                           const struct vmctl_hooks *hooks)
{
    struct vmctl *v = xcalloc(1, sizeof *v);
    if (hooks)
        v->hooks = *hooks;
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->wake, NULL);
    v->t = t;
    v->token = token ? xstrdup(token) : NULL;
    v->port = agent_port;
    v->metrics = json_object();
    v->agents = json_object();
    if (state_file) {
        v->state_file = xstrdup(state_file);
        vmctl_load_state(v);
    }
    if (pthread_create(&v->poller, NULL, vmctl_poller, v) != 0)
        LOG_ERR_("cannot start the agent poller");
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
    free(v->state_file);
    free(v->token);
    free(v);
}
