/* Tests of vmctl (src/ctl/vmctl*.c) with a fake agent in the agents' place
 * (agent_client.h): what a migration or clone does when the destination
 * refuses to prepare, when the copy does not start (the source resumed, the
 * transfer not tried again) and when the source does not resume either (the
 * poller recovers it), how addresses are given, and what the state file
 * keeps across a restart.
 *
 * The fake holds VMs per server as an agent would (booted, arrived, paused,
 * running) so that the poller's reconciliation sees what the operations
 * left; each request can be made to fail for a server, with or without the
 * agent having done it.  Operations run in their threads as in minidcd; a
 * test waits for the event each one publishes as it ends. */
#include <ctype.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl/vmctl_priv.h"
#include "topo/diag.h"
#include "util/log.h"
#include "util/xalloc.h"

#define N_REQ (AGENT_PROTO_EXEC + 1)
#define MAX_CALLS 64
#define MAX_EVENTS 32

/* Two servers in subnet a (a /29: 10.1.0.3 to .5 are left for VMs), one in
 * subnet b. */
static const char topology[] =
    "name: t\n"
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
    "management: {subnet: 192.0.2.0/24}\n"
    "subnets:\n"
    "  - {name: a, prefix: 10.1.0.0/29, gateway: 10.1.0.6, switch: sw1}\n"
    "  - {name: b, prefix: 10.2.0.0/24, gateway: 10.2.0.254, switch: sw2}\n"
    "switches: [{name: sw1}, {name: sw2}]\n"
    "servers:\n"
    "  - {name: s1, address: 10.1.0.1, management: 192.0.2.1, memory: 1024}\n"
    "  - {name: s2, address: 10.1.0.2, management: 192.0.2.2, memory: 1024}\n"
    "  - {name: s3, address: 10.2.0.3, management: 192.0.2.3, memory: 1024}\n"
    "links: [[sw1, sw2], [sw1, s1], [sw1, s2], [sw2, s3]]\n";

/* How one request fails: on 'server' (NULL: any), with 'rc'; 'done': the
 * agent did it all the same (a request that went unanswered). */
struct rule {
    int rc;
    const char *server;
    bool done;
    const char *message;
};

struct fake {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct rule rules[N_REQ];
    json_t *held; /* server -> [VM as GET /v1/vms shows it] */
    char calls[MAX_CALLS][64];
    size_t n_calls;
    /* the hooks */
    json_t *events[MAX_EVENTS];
    char types[MAX_EVENTS][24];
    size_t n_events;
    char net[MAX_CALLS][80]; /* place, rewrite and balance asked of the network */
    size_t n_net;
    /* exec: the command last asked (its words joined by spaces) and its
     * input, and what it answers */
    char exec_argv[256];
    char *exec_input;
    int exec_code;
    const char *exec_stderr;
};

static const char *const req_names[N_REQ] = {
#define REQ_NAME(name, method, path, action) #name,
    AGENT_PROTO_REQUESTS(REQ_NAME)
#undef REQ_NAME
};

/* ---- the fake agent ---- */

static json_t *held_vm(struct fake *f, const char *server, const char *vm, size_t *index)
{
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(f->held, server), i, a) {
        if (strcmp(json_string_value(json_object_get(a, "name")), vm))
            continue;
        if (index)
            *index = i;
        return a;
    }
    return NULL;
}

static void hold(struct fake *f, const char *server, const struct agent_proto_vm *vm,
                 const char *state)
{
    if (!json_object_get(f->held, server))
        json_object_set_new(f->held, server, json_array());
    json_t *a = agent_proto_vm_json(vm);
    json_object_set_new(a, "state", json_string(state));
    json_array_append_new(json_object_get(f->held, server), a);
}

static void set_state(struct fake *f, const char *server, const char *vm, const char *state)
{
    json_t *a = held_vm(f, server, vm, NULL);
    if (a)
        json_object_set_new(a, "state", json_string(state));
}

/* Records request 'r' ("prepare s2 vm1") and says how it goes: 0, or its
 * failure (with '*err'); '*apply' whether what it does is done. */
static int begin(struct fake *f, enum agent_proto_req r, const char *server, const char *vm,
                 bool *apply, char **err)
{
    struct rule *rule = &f->rules[r];
    if (f->n_calls < MAX_CALLS) {
        char *c = f->calls[f->n_calls++];
        snprintf(c, sizeof f->calls[0], "%s %s%s%s", req_names[r], server, vm ? " " : "",
                 vm ? vm : "");
        for (; *c != ' '; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    bool fails = rule->rc && (!rule->server || !strcmp(rule->server, server));
    *apply = !fails || rule->done;
    if (fails)
        *err = xasprintf("%s", rule->message ? rule->message : "refused by the fake");
    return fails ? rule->rc : 0;
}

/* Ends a request (each one takes the fake's lock, which this lets go):
 * 'o' (taken) is its answer when it succeeds and one is asked for. */
static int answer(struct fake *f, int rc, json_t *o, json_t **out)
{
    if (rc || !out)
        json_decref(o);
    else
        *out = o;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fake_info(void *ctx, const char *server, int timeout_ms, json_t **out, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_INFO, server, NULL, &apply, err);
    return answer(
        f, rc,
        json_pack("{s:s, s:i, s:i}", "server", server, "free_mib", 1024, "capacity_mib", 1024),
        out);
}

static int fake_list(void *ctx, const char *server, int timeout_ms, json_t **out, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_LIST, server, NULL, &apply, err);
    json_t *vms = json_deep_copy(json_object_get(f->held, server));
    return answer(f, rc, json_pack("{s:s, s:o}", "server", server, "vms", vms ?: json_array()),
                  out);
}

static int fake_metrics(void *ctx, const char *server, int timeout_ms, json_t **out, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_METRICS, server, NULL, &apply, err);
    return answer(f, rc, json_pack("{s:{s:s}, s:[]}", "server", "name", server, "vms"), out);
}

static int fake_get(void *ctx, const char *server, const char *vm, int timeout_ms, json_t **out,
                    char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_GET, server, vm, &apply, err);
    json_t *a = held_vm(f, server, vm, NULL);
    if (!rc && !a) {
        rc = AGENT_NO_VM;
        *err = xasprintf("no VM %s on %s", vm, server);
    }
    return answer(f, rc, json_deep_copy(a), out);
}

static int fake_boot(void *ctx, const char *server, const struct agent_proto_vm *vm, json_t **out,
                     char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_BOOT, server, vm->name, &apply, err);
    if (apply)
        hold(f, server, vm, "running");
    return answer(f, rc, json_pack("{s:{s:[], s:f}}", "timing", "phases", "seconds", 0.1), out);
}

static int fake_prepare(void *ctx, const char *server, const struct agent_proto_vm *vm,
                        const char *from, const char *listen, json_t **out, char **err)
{
    struct fake *f = ctx;
    (void)from, (void)listen;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_PREPARE, server, vm->name, &apply, err);
    if (apply)
        hold(f, server, vm, "incoming");
    return answer(f, rc,
                  json_pack("{s:s, s:s}", "nbd", "nbd:10.9.9.9:7100:exportname=disk0", "uri",
                            "tcp:10.9.9.9:7101"),
                  out);
}

static int fake_send(void *ctx, const char *server, const char *vm,
                     const struct agent_proto_send *s, json_t **out, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_SEND, server, vm, &apply, err);
    if (apply && !s->copy)
        set_state(f, server, vm, "paused");
    return answer(f, rc, json_pack("{s:{s:i}, s:{}}", "qemu", "total_ms", 5, "timing"), out);
}

static int fake_finish(void *ctx, const char *server, const char *vm,
                       const struct agent_proto_finish *fin, json_t **out, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_FINISH, server, vm, &apply, err);
    if (apply)
        set_state(f, server, vm, "running");
    return answer(f, rc, json_pack("{s:{}}", "timing"), out);
}

static int fake_resume(void *ctx, const char *server, const char *vm, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_RESUME, server, vm, &apply, err);
    if (apply)
        set_state(f, server, vm, "running");
    return answer(f, rc, NULL, NULL);
}

static int fake_remove(void *ctx, const char *server, const char *vm, bool graceful, int timeout_ms,
                       char **err)
{
    struct fake *f = ctx;
    bool apply;
    size_t i;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_REMOVE, server, vm, &apply, err);
    bool there = held_vm(f, server, vm, &i);
    if (apply && there)
        json_array_remove(json_object_get(f->held, server), i);
    if (!rc && !there) {
        rc = AGENT_NO_VM;
        *err = xasprintf("no VM %s on %s", vm, server);
    }
    return answer(f, rc, NULL, NULL);
}

static int fake_exec(void *ctx, const char *server, const char *vm,
                     const struct agent_proto_exec *x, int timeout_ms, json_t **out, char **err)
{
    struct fake *f = ctx;
    bool apply;
    pthread_mutex_lock(&f->lock);
    int rc = begin(f, AGENT_PROTO_EXEC, server, vm, &apply, err);
    size_t i;
    json_t *a;
    f->exec_argv[0] = '\0';
    json_array_foreach(x->argv, i, a)
        snprintf(f->exec_argv + strlen(f->exec_argv), sizeof f->exec_argv - strlen(f->exec_argv),
                 "%s%s", i ? " " : "", json_string_value(a));
    free(f->exec_input);
    f->exec_input = x->input ? xstrdup(x->input) : NULL;
    return answer(f, rc,
                  json_pack("{s:i, s:s, s:s}", "exitcode", f->exec_code, "stdout", "ran\n",
                            "stderr", f->exec_stderr ? f->exec_stderr : ""),
                  out);
}

/* ---- the network and the events (vmctl_hooks) ---- */

static void publish(void *ctx, const char *type, json_t *data)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    if (f->n_events < MAX_EVENTS) {
        snprintf(f->types[f->n_events], sizeof f->types[0], "%s", type);
        f->events[f->n_events++] = data;
    } else {
        json_decref(data);
    }
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

static void net_note(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void net_note(struct fake *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&f->lock);
    if (f->n_net < MAX_CALLS)
        vsnprintf(f->net[f->n_net++], sizeof f->net[0], fmt, ap);
    pthread_mutex_unlock(&f->lock);
    va_end(ap);
}

static const char *rewrite(void *ctx, uint32_t old_ip, uint32_t new_ip, const uint8_t mac[6])
{
    char a[16], b[16];
    net_note(ctx, "rewrite %s %s", topo_ip_str(old_ip, a), topo_ip_str(new_ip, b));
    return "sw2";
}

static const char *balance(void *ctx, uint32_t vip, const uint32_t *ips, const uint8_t (*macs)[6],
                           size_t count)
{
    char a[16], b[16], c[16];
    net_note(ctx, "balance %s over %zu: %s %s", topo_ip_str(vip, a), count,
             count > 0 ? topo_ip_str(ips[0], b) : "-", count > 1 ? topo_ip_str(ips[1], c) : "-");
    return count > 1 ? "sw1" : NULL;
}

static void place(void *ctx, uint32_t ip, const uint8_t mac[6], const char *server)
{
    char a[16];
    net_note(ctx, "place %s %s", topo_ip_str(ip, a), server);
}

/* ---- fixture ---- */

struct fixture {
    struct topo *t;
    struct fake f;
    struct agent_client agents;
    struct vmctl_hooks hooks;
    struct vmctl *v;
    char dir[64], state_file[96];
};

static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->held = json_object();
}

static void fake_free(struct fake *f)
{
    for (size_t i = 0; i < f->n_events; i++)
        json_decref(f->events[i]);
    json_decref(f->held);
    free(f->exec_input);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
}

static void start(struct fixture *x)
{
    x->v = vmctl_create_with(x->t, &x->agents, x->state_file, &x->hooks, false);
}

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    struct diag_list d;
    diag_list_init(&d, "t.yaml");
    x->t = topo_load_string("t.yaml", topology, &d);
    if (!x->t)
        diag_print(&d, stderr);
    diag_list_free(&d);
    assert_non_null(x->t);
    fake_init(&x->f);
    x->agents = (struct agent_client){
        .ctx = &x->f,
        .info = fake_info,
        .list = fake_list,
        .metrics = fake_metrics,
        .get = fake_get,
        .boot = fake_boot,
        .prepare = fake_prepare,
        .send = fake_send,
        .finish = fake_finish,
        .resume = fake_resume,
        .remove = fake_remove,
        .exec = fake_exec,
    };
    x->hooks = (struct vmctl_hooks){
        .ctx = &x->f, .publish = publish, .rewrite = rewrite, .balance = balance, .place = place};
    snprintf(x->dir, sizeof x->dir, "/tmp/test_vmctl.XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->state_file, sizeof x->state_file, "%s/state.json", x->dir);
    start(x);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    vmctl_destroy(x->v);
    fake_free(&x->f);
    topo_free(x->t);
    unlink(x->state_file);
    rmdir(x->dir);
    free(x);
    return 0;
}

/* ---- helpers ---- */

/* Waits for operation 'id' to end (its event published); returns the event's
 * type. */
static const char *wait_op(struct fixture *x, json_int_t id)
{
    struct fake *f = &x->f;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        for (size_t i = 0; i < f->n_events; i++)
            if (json_integer_value(json_object_get(f->events[i], "operation")) == id) {
                pthread_mutex_unlock(&f->lock);
                return f->types[i];
            }
        if (pthread_cond_timedwait(&f->cond, &f->lock, &until)) {
            pthread_mutex_unlock(&f->lock);
            fail_msg("operation %lld did not end", (long long)id);
        }
    }
}

/* The id in a 202's answer (taken). */
static json_int_t op_id(int st, json_t *out)
{
    assert_int_equal(st, 202);
    json_int_t id = json_integer_value(json_object_get(out, "operation"));
    json_decref(out);
    return id;
}

static void boot(struct fixture *x, const char *name, const char *server)
{
    struct api_boot b = {.memory_mib = 128, .cpus = 1};
    snprintf(b.name, sizeof b.name, "%s", name);
    snprintf(b.server, sizeof b.server, "%s", server);
    json_t *out;
    assert_string_equal(wait_op(x, op_id(vmctl_boot(x->v, &b, &out), out)), "vm.booted");
}

static json_int_t migrate(struct fixture *x, const char *vm, const char *to)
{
    struct api_migrate m = {0};
    snprintf(m.to, sizeof m.to, "%s", to);
    json_t *out;
    json_int_t id = op_id(vmctl_migrate(x->v, vm, &m, &out), out);
    wait_op(x, id);
    return id;
}

static json_int_t clone_vm(struct fixture *x, const char *vm, const char *to, const char *as,
                           bool balance)
{
    struct api_clone c = {.balance = balance};
    snprintf(c.to, sizeof c.to, "%s", to);
    snprintf(c.as, sizeof c.as, "%s", as);
    json_t *out;
    json_int_t id = op_id(vmctl_clone(x->v, vm, &c, &out), out);
    wait_op(x, id);
    return id;
}

/* Operation 'id' as GET /api/v1/operations/ID shows it (caller frees). */
static json_t *operation(struct fixture *x, json_int_t id)
{
    json_t *o;
    assert_int_equal(vmctl_operation(x->v, (unsigned long)id, &o), 200);
    return o;
}

static void assert_failed_with(struct fixture *x, json_int_t id, const char *error)
{
    json_t *o = operation(x, id);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "failed");
    assert_string_equal(json_string_value(json_object_get(o, "error")), error);
    json_decref(o);
}

/* VM 'name' as GET /api/v1/vms shows it (caller frees), or NULL. */
static json_t *vm(struct fixture *x, const char *name)
{
    json_t *all = vmctl_vms_json(x->v), *a, *found = NULL;
    size_t i;
    json_array_foreach(all, i, a)
        if (!strcmp(json_string_value(json_object_get(a, "name")), name))
            found = json_incref(a);
    json_decref(all);
    return found;
}

static void assert_vm(struct fixture *x, const char *name, const char *server, const char *state)
{
    json_t *a = vm(x, name);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "server")), server);
    assert_string_equal(json_string_value(json_object_get(a, "state")), state);
    json_decref(a);
}

static const char *vm_field(struct fixture *x, const char *name, const char *key)
{
    static char buf[128];
    json_t *a = vm(x, name);
    assert_non_null(a);
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(a, key)) ?: "(none)");
    json_decref(a);
    return buf;
}

/* The requests the agents got since 'from', joined by ", ". */
static const char *calls_since(struct fixture *x, size_t from)
{
    static char buf[2048];
    buf[0] = '\0';
    pthread_mutex_lock(&x->f.lock);
    for (size_t i = from; i < x->f.n_calls; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i > from ? ", " : "",
                 x->f.calls[i]);
    pthread_mutex_unlock(&x->f.lock);
    return buf;
}

static size_t n_calls(struct fixture *x)
{
    pthread_mutex_lock(&x->f.lock);
    size_t n = x->f.n_calls;
    pthread_mutex_unlock(&x->f.lock);
    return n;
}

static size_t n_net(struct fixture *x)
{
    pthread_mutex_lock(&x->f.lock);
    size_t n = x->f.n_net;
    pthread_mutex_unlock(&x->f.lock);
    return n;
}

/* What the network was asked since 'from', joined by ", ". */
static const char *net_since(struct fixture *x, size_t from)
{
    static char buf[1024];
    buf[0] = '\0';
    pthread_mutex_lock(&x->f.lock);
    for (size_t i = from; i < x->f.n_net; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i > from ? ", " : "",
                 x->f.net[i]);
    pthread_mutex_unlock(&x->f.lock);
    return buf;
}

static void agent_fails(struct fixture *x, enum agent_proto_req r, int rc, const char *server,
                        const char *message, bool done)
{
    pthread_mutex_lock(&x->f.lock);
    x->f.rules[r] = (struct rule){.rc = rc, .server = server, .message = message, .done = done};
    pthread_mutex_unlock(&x->f.lock);
}

static void heal(struct fixture *x)
{
    pthread_mutex_lock(&x->f.lock);
    memset(x->f.rules, 0, sizeof x->f.rules);
    pthread_mutex_unlock(&x->f.lock);
}

/* What the agent of 'server' holds of 'name': its state, or "absent". */
static const char *held(struct fixture *x, const char *server, const char *name)
{
    static char buf[32];
    pthread_mutex_lock(&x->f.lock);
    json_t *a = held_vm(&x->f, server, name, NULL);
    snprintf(buf, sizeof buf, "%s", a ? json_string_value(json_object_get(a, "state")) : "absent");
    pthread_mutex_unlock(&x->f.lock);
    return buf;
}

static json_t *state_file(struct fixture *x)
{
    json_t *st = json_load_file(x->state_file, 0, NULL);
    assert_non_null(st);
    return st;
}

static size_t transfers_kept(struct fixture *x)
{
    json_t *st = state_file(x);
    size_t n = json_array_size(json_object_get(st, "transfers"));
    json_decref(st);
    return n;
}

/* ---- tests ---- */

/* A destination that refuses to prepare: nothing else is asked (no send,
 * no removal: it made nothing), the VM runs on at its source, and the
 * operation fails with the agent's words. */
static void test_prepare_refused(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_PREPARE, AGENT_REFUSED, "s2", "s2 cannot receive vm1: no tap",
                false);
    size_t from = n_calls(x);
    json_int_t id = migrate(x, "vm1", "s2");
    assert_string_equal(calls_since(x, from), "info s2, prepare s2 vm1, get s1 vm1");
    assert_failed_with(x, id, "s2 cannot receive vm1: no tap");
    assert_vm(x, "vm1", "s1", "running");
    assert_string_equal(held(x, "s1", "vm1"), "running");
    assert_int_equal(transfers_kept(x), 0);
}

/* A prepare that went unanswered may have made a copy: it is removed. */
static void test_prepare_unanswered(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_PREPARE, AGENT_NO_ANSWER, "s2", "the agent of s2 did not answer",
                true);
    size_t from = n_calls(x);
    json_int_t id = migrate(x, "vm1", "s2");
    assert_string_equal(calls_since(x, from), "info s2, prepare s2 vm1, remove s2 vm1, get s1 vm1");
    assert_failed_with(x, id, "the agent of s2 did not answer");
    assert_string_equal(held(x, "s2", "vm1"), "absent");
    assert_vm(x, "vm1", "s1", "running");
}

/* A copy that does not start: it goes, the source is resumed, once; the
 * transfer is not tried again, and its record leaves the state file. */
static void test_start_refused(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_FINISH, AGENT_REFUSED, "s2", "memory differs: 3 pages", false);
    size_t from = n_calls(x), net = n_net(x);
    json_int_t id = migrate(x, "vm1", "s2");
    assert_string_equal(calls_since(x, from), "info s2, prepare s2 vm1, send s1 vm1, "
                                              "finish s2 vm1, remove s2 vm1, resume s1 vm1, "
                                              "get s1 vm1");
    /* Same subnet: the network sent its packets to s2 before the start. */
    assert_non_null(strstr(net_since(x, net), "place 10.1.0.3 s2"));
    assert_failed_with(x, id, "memory differs: 3 pages");
    assert_vm(x, "vm1", "s1", "running");
    assert_string_equal(held(x, "s1", "vm1"), "running");
    assert_string_equal(held(x, "s2", "vm1"), "absent");
    assert_int_equal(transfers_kept(x), 0);
    /* The VM takes operations again. */
    heal(x);
    migrate(x, "vm1", "s2");
    assert_vm(x, "vm1", "s2", "running");
}

/* The network, which a move within a subnet points at the destination
 * before the start, points back at the source when the copy does not
 * start there: the VM runs on at the source.  Likewise when the source then
 * does not resume (the copy is gone: the source is where it will run). */
static void test_start_refused_places_back(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_FINISH, AGENT_REFUSED, "s2", "memory differs: 3 pages", false);
    size_t net = n_net(x);
    migrate(x, "vm1", "s2");
    assert_string_equal(net_since(x, net), "place 10.1.0.3 s2, place 10.1.0.3 s1");
    assert_vm(x, "vm1", "s1", "running");
    agent_fails(x, AGENT_PROTO_RESUME, AGENT_REFUSED, NULL, "no QMP", false);
    net = n_net(x);
    migrate(x, "vm1", "s2");
    assert_string_equal(net_since(x, net), "place 10.1.0.3 s2, place 10.1.0.3 s1");
    assert_vm(x, "vm1", "s1", "recovering");
}

/* A clone that does not start: the clone goes, and the source, which never
 * stopped, is not resumed. */
static void test_clone_start_refused(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_FINISH, AGENT_REFUSED, "s3", "cannot start c1", false);
    size_t from = n_calls(x);
    json_int_t id = clone_vm(x, "vm1", "s3", "c1", false);
    assert_string_equal(calls_since(x, from), "info s3, prepare s3 c1, send s1 vm1, "
                                              "finish s3 c1, remove s3 c1, get s1 vm1");
    assert_failed_with(x, id, "cannot start c1");
    assert_null(vm(x, "c1"));
    assert_vm(x, "vm1", "s1", "running");
}

/* A copy that does not start and a source that does not resume: the VM is
 * recovering (no operation is taken), its transfer stays in the state file,
 * and the poller resumes the source once its agent answers. */
static void test_resume_fails_too(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_FINISH, AGENT_REFUSED, "s2", "memory differs: 3 pages", false);
    agent_fails(x, AGENT_PROTO_RESUME, AGENT_REFUSED, NULL, "no QMP", false);
    json_int_t id = migrate(x, "vm1", "s2");
    assert_failed_with(x, id,
                       "memory differs: 3 pages; and resuming vm1 on s1 failed too: no QMP "
                       "(it is recovered when its agent can)");
    assert_vm(x, "vm1", "s1", "recovering");
    assert_string_equal(vm_field(x, "vm1", "recovery"), "migration s1 -> s2 failed halfway: "
                                                        "waiting for the agents to tell where it "
                                                        "runs");
    assert_string_equal(held(x, "s1", "vm1"), "paused");
    struct api_migrate m = {.to = "s3"};
    json_t *out;
    assert_int_equal(vmctl_migrate(x->v, "vm1", &m, &out), 409);
    json_decref(out);
    json_t *st = state_file(x);
    json_t *t = json_array_get(json_object_get(st, "transfers"), 0);
    assert_string_equal(json_string_value(json_object_get(t, "vm")), "vm1");
    assert_string_equal(json_string_value(json_object_get(t, "kind")), "move");
    assert_string_equal(json_string_value(json_object_get(t, "from")), "s1");
    assert_string_equal(json_string_value(json_object_get(t, "to")), "s2");
    assert_string_equal(json_string_value(json_object_get(t, "phase")), "start");
    assert_true(json_is_true(json_object_get(t, "finish_sent")));
    json_decref(st);
    /* The agent answers again: the poller sees the source paused and no
     * copy at s2, and resumes it. */
    heal(x);
    size_t from = n_calls(x);
    vmctl_poll_once(x->v);
    assert_string_equal(wait_op(x, id + 1), "vm.recovered");
    assert_non_null(strstr(calls_since(x, from), "resume s1 vm1"));
    assert_vm(x, "vm1", "s1", "running");
    assert_string_equal(held(x, "s1", "vm1"), "running");
    assert_int_equal(transfers_kept(x), 0);
}

/* A start that went unanswered (the copy runs) and a copy that cannot be
 * removed: the source is never resumed; the poller finishes the move. */
static void test_start_unanswered(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    agent_fails(x, AGENT_PROTO_FINISH, AGENT_NO_ANSWER, "s2", "the agent of s2 did not answer",
                true);
    agent_fails(x, AGENT_PROTO_REMOVE, AGENT_NO_ANSWER, "s2", "no answer", false);
    size_t from = n_calls(x);
    json_int_t id = migrate(x, "vm1", "s2");
    assert_null(strstr(calls_since(x, from), "resume"));
    assert_failed_with(x, id,
                       "the agent of s2 did not answer; whether the copy on s2 runs is not "
                       "known: the source stays paused there until its agent answers");
    assert_vm(x, "vm1", "s1", "recovering");
    heal(x);
    from = n_calls(x);
    vmctl_poll_once(x->v);
    assert_string_equal(wait_op(x, id + 1), "vm.recovered");
    const char *calls = calls_since(x, from);
    assert_non_null(strstr(calls, "remove s1 vm1"));
    assert_null(strstr(calls, "resume"));
    assert_vm(x, "vm1", "s2", "running");
    assert_string_equal(held(x, "s1", "vm1"), "absent");
}

/* A VM its agent shows broken is broken in minidcd's list too, with the
 * agent's problem; it is not moved or cloned (nothing is asked of any
 * agent), it can be stopped; when its agent shows it running again, so
 * does minidcd. */
static void test_broken(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    pthread_mutex_lock(&x->f.lock);
    set_state(&x->f, "s1", "vm1", "broken");
    json_object_set_new(held_vm(&x->f, "s1", "vm1", NULL), "problem",
                        json_string("disk vda: I/O status failed"));
    pthread_mutex_unlock(&x->f.lock);
    vmctl_poll_once(x->v);
    assert_vm(x, "vm1", "s1", "broken");
    assert_string_equal(vm_field(x, "vm1", "problem"), "disk vda: I/O status failed");
    size_t from = n_calls(x);
    struct api_migrate m = {.to = "s2"};
    json_t *out;
    assert_int_equal(vmctl_migrate(x->v, "vm1", &m, &out), 409);
    assert_string_equal(json_string_value(json_object_get(out, "error")),
                        "VM vm1 is broken (disk vda: I/O status failed): a migration would "
                        "carry the damage; stop it and boot it again");
    json_decref(out);
    struct api_clone c = {.to = "s2"};
    assert_int_equal(vmctl_clone(x->v, "vm1", &c, &out), 409);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "a clone would"));
    json_decref(out);
    assert_string_equal(calls_since(x, from), "");
    assert_null(vm(x, "vm1-c1"));
    /* Well again (QEMU's I/O status reset): running, no problem. */
    pthread_mutex_lock(&x->f.lock);
    set_state(&x->f, "s1", "vm1", "running");
    json_object_del(held_vm(&x->f, "s1", "vm1", NULL), "problem");
    pthread_mutex_unlock(&x->f.lock);
    vmctl_poll_once(x->v);
    assert_vm(x, "vm1", "s1", "running");
    assert_string_equal(vm_field(x, "vm1", "problem"), "(none)");
    pthread_mutex_lock(&x->f.lock);
    set_state(&x->f, "s1", "vm1", "broken");
    pthread_mutex_unlock(&x->f.lock);
    vmctl_poll_once(x->v);
    assert_vm(x, "vm1", "s1", "broken");
    assert_int_equal(vmctl_stop(x->v, "vm1", true, &out), 202);
    json_int_t id = json_integer_value(json_object_get(out, "operation"));
    json_decref(out);
    assert_string_equal(wait_op(x, id), "vm.destroyed");
    assert_string_equal(held(x, "s1", "vm1"), "absent");
}

/* Addresses: the lowest free one of the server's subnet (not a server's,
 * the gateway's or another VM's, whose first address stays its own when it
 * moves to another subnet), a MAC made of it, and 507 once the subnet is
 * full; a stopped VM's address is given again. */
static void test_addresses(void **state)
{
    struct fixture *x = *state;
    boot(x, "a1", "s1");
    assert_string_equal(vm_field(x, "a1", "current_address"), "10.1.0.3/29");
    assert_string_equal(vm_field(x, "a1", "gateway"), "10.1.0.6");
    assert_string_equal(vm_field(x, "a1", "mac"), "02:6d:0a:01:00:03");
    assert_string_equal(vm_field(x, "a1", "home_address"), "10.1.0.3");
    /* Nothing is shown under the names these had before. */
    assert_string_equal(vm_field(x, "a1", "ip"), "(none)");
    assert_string_equal(vm_field(x, "a1", "address"), "(none)");
    boot(x, "a2", "s2");
    assert_string_equal(vm_field(x, "a2", "current_address"), "10.1.0.4/29");
    boot(x, "b1", "s3");
    assert_string_equal(vm_field(x, "b1", "current_address"), "10.2.0.1/24");
    /* Across subnets: an address of the destination's; clients keep the
     * first, which the network rewrites to it. */
    size_t net = n_net(x);
    json_int_t mig = migrate(x, "a2", "s3");
    assert_string_equal(vm_field(x, "a2", "current_address"), "10.2.0.2/24");
    assert_string_equal(vm_field(x, "a2", "gateway"), "10.2.0.254");
    assert_string_equal(vm_field(x, "a2", "home_address"), "10.1.0.4");
    assert_string_equal(net_since(x, net), "rewrite 10.1.0.4 10.2.0.2");
    /* The operation's result says the rewrite as GET /api/v1/rewrites does. */
    json_t *o = operation(x, mig);
    json_t *rw = json_object_get(json_object_get(o, "result"), "rewrite");
    assert_string_equal(json_string_value(json_object_get(rw, "old")), "10.1.0.4");
    assert_string_equal(json_string_value(json_object_get(rw, "new")), "10.2.0.2");
    assert_string_equal(json_string_value(json_object_get(rw, "switch")), "sw2");
    json_decref(o);
    boot(x, "a3", "s1");
    assert_string_equal(vm_field(x, "a3", "current_address"), "10.1.0.5/29");
    /* .3 and .5 run here, .4 is a2's: subnet a is full. */
    struct api_boot b = {.name = "a4", .server = "s2", .memory_mib = 128, .cpus = 1};
    json_t *out;
    assert_int_equal(vmctl_boot(x->v, &b, &out), 507);
    assert_string_equal(agent_proto_error_text(out), "subnet a has no free address left");
    json_decref(out);
    assert_null(vm(x, "a4"));
    /* A clone takes an address of its destination's subnet. */
    clone_vm(x, "a3", "s3", "c3", false);
    assert_string_equal(vm_field(x, "c3", "current_address"), "10.2.0.4/24"); /* .3 is s3's */
    assert_string_equal(vm_field(x, "c3", "home_address"), "10.2.0.4");
    json_int_t id = op_id(vmctl_stop(x->v, "a1", false, &out), out);
    assert_string_equal(wait_op(x, id), "vm.destroyed");
    boot(x, "a5", "s2");
    assert_string_equal(vm_field(x, "a5", "current_address"), "10.1.0.3/29");
}

/* The original of a balanced VM stopped, its clone is the one replica left:
 * it keeps the balanced address (rewritten to it), in the list and in the
 * state file; the address is not given to another VM; the rewrite follows
 * the clone across subnets and goes with it. */
static void test_last_replica_keeps_service(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    clone_vm(x, "vm1", "s2", "c1", true);
    assert_string_equal(vm_field(x, "c1", "current_address"), "10.1.0.4/29");
    assert_string_equal(vm_field(x, "c1", "serves"), "10.1.0.3");
    size_t net = n_net(x);
    json_t *out;
    /* A replica leaves its balancer before its agent is asked to stop it,
     * and comes back when the stop fails. */
    agent_fails(x, AGENT_PROTO_REMOVE, AGENT_REFUSED, "s1", "no", false);
    json_int_t id = op_id(vmctl_stop(x->v, "vm1", false, &out), out);
    assert_string_equal(wait_op(x, id), "vm.failed");
    assert_string_equal(net_since(x, net),
                        "balance 10.1.0.3 over 1: 10.1.0.4 -, rewrite 10.1.0.3 10.1.0.4, balance "
                        "10.1.0.3 over 2: 10.1.0.3 10.1.0.4");
    assert_string_equal(vm_field(x, "vm1", "state"), "running");
    heal(x);
    net = n_net(x);
    id = op_id(vmctl_stop(x->v, "vm1", false, &out), out);
    assert_string_equal(wait_op(x, id), "vm.destroyed");
    assert_string_equal(net_since(x, net),
                        "balance 10.1.0.3 over 1: 10.1.0.4 -, rewrite 10.1.0.3 10.1.0.4");
    assert_string_equal(vm_field(x, "c1", "serves"), "10.1.0.3");
    json_t *st = state_file(x);
    json_t *c1 = json_object_get(json_object_get(st, "vms"), "c1");
    assert_string_equal(json_string_value(json_object_get(c1, "serves")), "10.1.0.3");
    json_decref(st);
    boot(x, "a2", "s1");
    assert_string_equal(vm_field(x, "a2", "current_address"), "10.1.0.5/29");
    net = n_net(x);
    migrate(x, "c1", "s3");
    assert_string_equal(vm_field(x, "c1", "current_address"), "10.2.0.1/24");
    assert_string_equal(net_since(x, net),
                        "balance 10.1.0.3 over 1: 10.2.0.1 -, rewrite 10.1.0.3 10.2.0.1");
    assert_string_equal(vm_field(x, "c1", "serves"), "10.1.0.3");
    net = n_net(x);
    id = op_id(vmctl_stop(x->v, "c1", false, &out), out);
    assert_string_equal(wait_op(x, id), "vm.destroyed");
    assert_string_equal(net_since(x, net),
                        "balance 10.1.0.3 over 0: - -, rewrite 10.1.0.3 10.1.0.3");
}

/* What the state file keeps, read by a minidcd started afterwards: a VM's
 * first address and what it serves (the network told again once the
 * agents show the VMs), and a transfer left half-done (the VM recovering
 * before any agent is asked, then recovered). */
static void test_state_file_round_trip(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    migrate(x, "vm1", "s3");
    clone_vm(x, "vm1", "s3", "c1", true);
    boot(x, "vm2", "s1");
    agent_fails(x, AGENT_PROTO_FINISH, AGENT_REFUSED, "s2", "no", false);
    agent_fails(x, AGENT_PROTO_RESUME, AGENT_REFUSED, NULL, "no QMP", false);
    migrate(x, "vm2", "s2");
    heal(x);
    json_t *st = state_file(x);
    json_t *vms = json_object_get(st, "vms");
    /* The state file's keys are its own, unchanged: "address" is the home
     * address (home_address in the API). */
    assert_string_equal(json_string_value(json_object_get(json_object_get(vms, "vm1"), "address")),
                        "10.1.0.3");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vms, "vm1"), "serves")),
                        "10.1.0.3");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vms, "c1"), "serves")),
                        "10.1.0.3");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vms, "c1"), "mac")),
                        "02:6d:0a:02:00:02");
    assert_int_equal(json_array_size(json_object_get(st, "transfers")), 1);
    json_decref(st);

    /* minidcd restarts (its operations are numbered from 1 again). */
    vmctl_destroy(x->v);
    for (size_t i = 0; i < x->f.n_events; i++)
        json_decref(x->f.events[i]);
    x->f.n_events = 0;
    start(x);
    assert_vm(x, "vm2", "s1", "recovering");
    assert_string_equal(vm_field(x, "vm2", "recovery"), "migration s1 -> s2 cut short (start): "
                                                        "waiting to hear from the agents");
    assert_null(vm(x, "vm1"));
    size_t net = n_net(x);
    vmctl_poll_once(x->v);
    /* The transfer is undone: its source resumed. */
    assert_string_equal(wait_op(x, 1), "vm.recovered");
    assert_vm(x, "vm2", "s1", "running");
    assert_int_equal(transfers_kept(x), 0);
    assert_vm(x, "vm1", "s3", "running");
    assert_string_equal(vm_field(x, "vm1", "home_address"), "10.1.0.3");
    assert_string_equal(vm_field(x, "vm1", "current_address"), "10.2.0.1/24");
    assert_string_equal(vm_field(x, "vm1", "serves"), "10.1.0.3");
    assert_string_equal(vm_field(x, "c1", "serves"), "10.1.0.3");
    const char *told = net_since(x, net);
    const char *bal = strstr(told, "balance 10.1.0.3 over 2: 10.2.0.1 10.2.0.2");
    assert_non_null(bal);
    assert_non_null(strstr(told, "place 10.1.0.4 s1"));
    /* The restarted network is told where both replicas run before the
     * balancer goes in: a silent replica would get no bucket otherwise. */
    const char *p1 = strstr(told, "place 10.2.0.1 s3"), *p2 = strstr(told, "place 10.2.0.2 s3");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p1 < bal && p2 < bal);
}

/* A sleeping server takes no VM; it may not sleep while a VM is on it; its
 * state and what others keep outlive a restart. */
static void test_sleep_and_wake(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    json_t *out;
    assert_int_equal(vmctl_server_power(x->v, "s1", true, &out), 409);
    assert_string_equal(json_string_value(json_object_get(out, "error")),
                        "server s1 cannot sleep: VM vm1 is on it (running)");
    json_decref(out);
    assert_int_equal(vmctl_server_power(x->v, "s9", true, &out), 404);
    json_decref(out);
    /* Before its agent was heard from, what runs on s2 is not known. */
    assert_int_equal(vmctl_server_power(x->v, "s2", true, &out), 409);
    assert_string_equal(json_string_value(json_object_get(out, "error")),
                        "server s2 cannot sleep: its agent has not answered, so what runs there "
                        "is not known");
    json_decref(out);
    vmctl_poll_once(x->v);
    assert_int_equal(vmctl_server_power(x->v, "s2", true, &out), 200);
    assert_true(json_is_true(json_object_get(out, "changed")));
    json_decref(out);
    assert_true(vmctl_server_asleep(x->v, "s2"));
    assert_int_equal(vmctl_server_power(x->v, "s2", true, &out), 200);
    assert_true(json_is_false(json_object_get(out, "changed")));
    json_decref(out);
    struct api_migrate m = {.to = "s2"};
    assert_int_equal(vmctl_migrate(x->v, "vm1", &m, &out), 409);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "s2 is asleep"));
    json_decref(out);
    struct api_boot b = {.name = "vm2", .server = "s2", .memory_mib = 128, .cpus = 1};
    assert_int_equal(vmctl_boot(x->v, &b, &out), 409);
    json_decref(out);
    struct api_clone c = {.to = "s2", .balance = true};
    assert_int_equal(vmctl_clone(x->v, "vm1", &c, &out), 409);
    json_decref(out);
    json_t *servers = vmctl_servers_json(x->v);
    assert_true(json_is_true(json_object_get(json_object_get(servers, "s2"), "asleep")));
    assert_true(json_is_false(json_object_get(json_object_get(servers, "s1"), "asleep")));
    json_decref(servers);
    json_t *kept = json_pack("{s:s}", "name", "thr-mmt");
    vmctl_keep(x->v, "policy", kept);
    json_decref(kept);

    vmctl_destroy(x->v);
    for (size_t i = 0; i < x->f.n_events; i++)
        json_decref(x->f.events[i]);
    x->f.n_events = 0;
    start(x);
    assert_true(vmctl_server_asleep(x->v, "s2"));
    kept = vmctl_kept(x->v, "policy");
    assert_string_equal(json_string_value(json_object_get(kept, "name")), "thr-mmt");
    json_decref(kept);
    assert_null(vmctl_kept(x->v, "other"));
    assert_int_equal(vmctl_server_power(x->v, "s2", false, &out), 200);
    json_decref(out);
    assert_false(vmctl_server_asleep(x->v, "s2"));
    vmctl_poll_once(x->v); /* the restarted vmctl learns of vm1 */
    migrate(x, "vm1", "s2");
    assert_vm(x, "vm1", "s2", "running");
}

/* The load of 'vm' as GET .../load shows it (caller frees). */
static json_t *load_of(struct fixture *x, const char *vm)
{
    json_t *l;
    assert_int_equal(vmctl_load_get(x->v, vm, &l), 200);
    return l;
}

static const char *load_kind(struct fixture *x, const char *vm)
{
    static char buf[16];
    json_t *l = load_of(x, vm);
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(l, "kind")));
    json_decref(l);
    return buf;
}

/* A load: the command minidc-load is run with in the guest (the trace on its
 * input), what minidcd keeps of it, and what it refuses before asking. */
static void test_load(void **state)
{
    struct fixture *x = *state;
    boot(x, "vm1", "s1");
    json_t *out, *l;
    assert_string_equal(load_kind(x, "vm1"), "none");
    struct api_load req = {.cpu_percent = 50, .memory_mib = 64};
    json_int_t id = op_id(vmctl_load(x->v, "vm1", &req, &out), out);
    assert_string_equal(wait_op(x, id), "vm.load");
    assert_string_equal(x->f.exec_argv, "/usr/sbin/minidc-load --cpu 50 --memory 64");
    assert_null(x->f.exec_input);
    l = load_of(x, "vm1");
    assert_string_equal(json_string_value(json_object_get(l, "kind")), "cpu");
    assert_int_equal(json_integer_value(json_object_get(l, "cpu_percent")), 50);
    assert_int_equal(json_integer_value(json_object_get(l, "memory_mib")), 64);
    assert_int_equal(json_integer_value(json_object_get(l, "operation")), id);
    assert_true(json_number_value(json_object_get(l, "since")) > 1.6e9);
    json_decref(l);
    json_t *o = operation(x, id);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "load");
    json_t *res = json_object_get(o, "result");
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "load"), "kind")),
                        "cpu");
    assert_string_equal(json_string_value(json_object_get(res, "output")), "ran\n");
    json_decref(o);
    assert_vm(x, "vm1", "s1", "running");

    /* Beyond the VM's CPUs or memory: refused here, the guest not asked. */
    size_t calls = n_calls(x);
    req = (struct api_load){.cpu_percent = 101};
    assert_int_equal(vmctl_load(x->v, "vm1", &req, &out), 400);
    assert_string_equal(agent_proto_error_text(out), "cpu_percent: VM vm1 has 1 CPU: at most 100");
    json_decref(out);
    req = (struct api_load){.cpu_percent = 10, .memory_mib = 128};
    assert_int_equal(vmctl_load(x->v, "vm1", &req, &out), 400);
    assert_string_equal(agent_proto_error_text(out),
                        "memory_mib: VM vm1 has 128 MiB: a load can keep less than that (its "
                        "guest says how much it has available)");
    json_decref(out);
    assert_int_equal(vmctl_load(x->v, "vm9", &req, &out), 404);
    json_decref(out);
    assert_int_equal(vmctl_load_get(x->v, "vm9", &out), 404);
    json_decref(out);
    assert_int_equal(n_calls(x), calls);

    /* A trace goes on minidc-load's standard input, one sample a line. */
    uint8_t samples[] = {10, 90, 0};
    req = (struct api_load){.trace = {samples, 3}, .interval_s = 4};
    id = op_id(vmctl_load(x->v, "vm1", &req, &out), out);
    assert_string_equal(wait_op(x, id), "vm.load");
    assert_string_equal(x->f.exec_argv, "/usr/sbin/minidc-load --trace - --interval 4");
    assert_string_equal(x->f.exec_input, "10\n90\n0\n");
    l = load_of(x, "vm1");
    assert_string_equal(json_string_value(json_object_get(l, "kind")), "trace");
    assert_int_equal(json_array_size(json_object_get(l, "trace")), 3);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(l, "trace"), 1)), 90);
    assert_int_equal(json_integer_value(json_object_get(l, "samples")), 3);
    assert_true(json_number_value(json_object_get(l, "interval_s")) == 4);
    assert_int_equal(json_integer_value(json_object_get(l, "sample_now")), 0);
    assert_int_equal(json_integer_value(json_object_get(l, "memory_mib")), 0);
    json_decref(l);
    /* The operation (and its event) tell of it without the samples. */
    o = operation(x, id);
    res = json_object_get(json_object_get(o, "result"), "load");
    assert_null(json_object_get(res, "trace"));
    assert_int_equal(json_integer_value(json_object_get(res, "samples")), 3);
    json_decref(o);

    /* minidc-load refuses: the operation fails with its words, and what was
     * set before stays. */
    x->f.exec_code = 1;
    x->f.exec_stderr = "minidc-load: --memory 100: the guest has 80 MiB available (8 kept spare)\n";
    req = (struct api_load){.cpu_percent = 10, .memory_mib = 100};
    id = op_id(vmctl_load(x->v, "vm1", &req, &out), out);
    assert_string_equal(wait_op(x, id), "vm.failed");
    assert_failed_with(x, id,
                       "minidc-load: --memory 100: the guest has 80 MiB available (8 kept spare)");
    assert_string_equal(load_kind(x, "vm1"), "trace");
    x->f.exec_stderr = "";
    id = op_id(vmctl_load(x->v, "vm1", &req, &out), out);
    assert_string_equal(wait_op(x, id), "vm.failed");
    assert_failed_with(x, id, "ran");
    x->f.exec_code = 0;
    /* An agent that cannot ask the guest. */
    agent_fails(x, AGENT_PROTO_EXEC, AGENT_REFUSED, NULL, "exec in vm1: VM is paused", false);
    id = op_id(vmctl_load(x->v, "vm1", &req, &out), out);
    assert_string_equal(wait_op(x, id), "vm.failed");
    assert_failed_with(x, id, "exec in vm1: VM is paused");
    heal(x);
    assert_vm(x, "vm1", "s1", "running");

    /* The load lives in the guest: it goes with a move, and a clone has it
     * too. */
    migrate(x, "vm1", "s2");
    assert_string_equal(load_kind(x, "vm1"), "trace");
    clone_vm(x, "vm1", "s2", "c1", false);
    assert_string_equal(load_kind(x, "c1"), "trace");

    /* Stopped: "none", since when. */
    id = op_id(vmctl_load_stop(x->v, "vm1", &out), out);
    assert_string_equal(wait_op(x, id), "vm.load");
    assert_string_equal(x->f.exec_argv, "/usr/sbin/minidc-load --stop");
    l = load_of(x, "vm1");
    assert_string_equal(json_string_value(json_object_get(l, "kind")), "none");
    assert_true(json_number_value(json_object_get(l, "since")) > 1.6e9);
    json_decref(l);
    assert_string_equal(load_kind(x, "c1"), "trace");

    /* A restarted minidcd knows from its state file. */
    vmctl_destroy(x->v);
    for (size_t i = 0; i < x->f.n_events; i++)
        json_decref(x->f.events[i]);
    x->f.n_events = 0;
    start(x);
    vmctl_poll_once(x->v);
    assert_string_equal(load_kind(x, "vm1"), "none");
    l = load_of(x, "c1");
    assert_string_equal(json_string_value(json_object_get(l, "kind")), "trace");
    assert_int_equal(json_array_size(json_object_get(l, "trace")), 3);
    json_decref(l);
}

int main(void)
{
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prepare_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_unanswered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_refused_places_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clone_start_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_fails_too, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_unanswered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_file_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_replica_keeps_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep_and_wake, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
