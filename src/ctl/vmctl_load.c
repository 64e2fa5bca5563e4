/* The guests' load generators (POST, DELETE and GET /api/v1/vms/NAME/load).
 * minidcd runs minidc-load (guest/load.c) in the guest through its guest
 * agent, as vm exec does: "--cpu P [--memory M]", or "--trace - --interval
 * S [--memory M]" with the trace on its standard input (one sample a line),
 * or "--stop".  minidc-load starts the load detached and returns, so the
 * operation ends within a second; the load then lives in the guest's memory
 * (it goes on across migrations, and a clone has it too).
 *
 * What minidcd last set is kept in the VM's record (and the state file),
 * for GET and for policies that need to know a VM's workload:
 *   {kind: "cpu", cpu_percent, memory_mib, since, operation}
 *   {kind: "trace", trace: [...], samples, interval_s, memory_mib, since, operation}
 *   {kind: "none"[, since]}   (never set, or stopped)
 * 'since' is the wall clock (seconds since 1970) when the guest said the
 * load runs.  A load stopped or changed inside the guest by other means is
 * not seen. */
#include "ctl/vmctl_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load/load.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LOAD_PROGRAM "/usr/sbin/minidc-load"
/* minidc-load fills --memory before it answers: a GiB takes seconds under TCG. */
#define LOAD_EXEC_MS 60000

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The command's message: what it wrote to stderr (else stdout), without its
 * last newline, or how it ended.  Caller frees. */
static char *load_failure(json_t *reply)
{
    const char *e = json_string_value(json_object_get(reply, "stderr"));
    if (!e || !*e)
        e = json_string_value(json_object_get(reply, "stdout"));
    if (e && *e) {
        size_t n = strlen(e);
        while (n && e[n - 1] == '\n')
            n--;
        return xasprintf("%.*s", (int)n, e);
    }
    json_t *code = json_object_get(reply, "exitcode");
    return json_is_integer(code)
               ? xasprintf(LOAD_PROGRAM " exited %lld", (long long)json_integer_value(code))
               : xstrdup(LOAD_PROGRAM " was killed");
}

static void *load_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    json_t *record = json_object_get(o->args, "record"), *reply = NULL;
    struct agent_proto_exec x = {.argv = json_object_get(o->args, "argv"),
                                 .input = json_string_value(json_object_get(o->args, "input")),
                                 .timeout_ms = LOAD_EXEC_MS};
    char *err = NULL;
    bool stop = !strcmp(json_string_value(json_object_get(record, "kind")), "none");
    op_phase(o, stop ? "stop" : "start");
    if (v->client.exec(v->client.ctx, o->target, o->vm, &x, LOAD_EXEC_MS + 10000, &reply, &err) ==
        0) {
        if (json_integer_value(json_object_get(reply, "exitcode")) != 0 ||
            !json_is_integer(json_object_get(reply, "exitcode"))) {
            err = load_failure(reply);
        } else {
            json_t *set = json_deep_copy(record);
            json_object_set_new(set, "since", json_real(wall_now()));
            json_object_set_new(set, "operation", json_integer((json_int_t)o->id));
            /* The operation's result says what was set, but a trace's samples
             * (GET has them; events would carry them over and over). */
            json_t *shown = json_deep_copy(set);
            json_object_del(shown, "trace");
            op_result(o, "load", shown);
            op_result(o, "output", json_incref(json_object_get(reply, "stdout")) ?: json_null());
            pthread_mutex_lock(&v->lock);
            struct vrec *r = op_vm(o);
            if (r) {
                json_decref(r->load);
                r->load = set;
                set = NULL;
                vmctl_save_state(v);
            }
            pthread_mutex_unlock(&v->lock);
            json_decref(set);
        }
    }
    json_decref(reply);
    /* The VM was held, its state untouched: it is let go as it is. */
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o);
    if (r)
        r->op = 0;
    pthread_mutex_unlock(&v->lock);
    op_end(o, err);
    return NULL;
}

/* Starts the load operation on 'vm' with 'argv' (taken), 'input' (may be
 * NULL) and the 'record' (taken) to keep once it runs. */
static int load_start(struct vmctl *v, const char *vm, json_t *argv, const char *input,
                      json_t *record, const struct api_load *req, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    struct vrec *r;
    int st = vmctl_hold(v, vm, &r, out);
    if (!st && req && req->cpu_percent > 100 * r->cpus) {
        *out = agent_proto_error("cpu_percent: VM %s has %u CPU%s: at most %u", vm, r->cpus,
                                 r->cpus == 1 ? "" : "s", 100 * r->cpus);
        st = 400;
    } else if (!st && req && req->memory_mib >= r->memory_mib) {
        *out = agent_proto_error("memory_mib: VM %s has %u MiB: a load can keep less than that "
                                 "(its guest says how much it has available)",
                                 vm, r->memory_mib);
        st = 400;
    }
    if (!st) {
        json_t *args = json_pack("{s:o, s:o}", "argv", argv, "record", record);
        if (input)
            json_object_set_new(args, "input", json_string(input));
        st = op_start(v, OP_LOAD, r, r->server, args, load_thread, out);
    } else {
        json_decref(argv);
        json_decref(record);
    }
    pthread_mutex_unlock(&v->lock);
    return st;
}

/* Appends option 'opt' and its value 'fmt...' to 'argv'. */
static void add_arg(json_t *argv, const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_arg(json_t *argv, const char *opt, const char *fmt, ...)
{
    char val[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof val, fmt, ap);
    va_end(ap);
    json_array_append_new(argv, json_string(opt));
    json_array_append_new(argv, json_string(val));
}

int vmctl_load(struct vmctl *v, const char *vm, const struct api_load *req, json_t **out)
{
    json_t *argv = json_pack("[s]", LOAD_PROGRAM), *record;
    struct strbuf input;
    strbuf_init(&input);
    if (req->trace.samples) {
        json_t *trace = json_array();
        for (size_t i = 0; i < req->trace.n; i++) {
            json_array_append_new(trace, json_integer(req->trace.samples[i]));
            strbuf_printf(&input, "%u\n", req->trace.samples[i]);
        }
        add_arg(argv, "--trace", "-");
        add_arg(argv, "--interval", "%g", req->interval_s);
        record = json_pack("{s:s, s:o, s:I, s:f}", "kind", "trace", "trace", trace, "samples",
                           (json_int_t)req->trace.n, "interval_s", req->interval_s);
    } else {
        add_arg(argv, "--cpu", "%u", req->cpu_percent);
        record = json_pack("{s:s, s:i}", "kind", "cpu", "cpu_percent", (int)req->cpu_percent);
    }
    if (req->memory_mib)
        add_arg(argv, "--memory", "%u", req->memory_mib);
    json_object_set_new(record, "memory_mib", json_integer(req->memory_mib));
    int st = load_start(v, vm, argv, req->trace.samples ? input.s : NULL, record, req, out);
    strbuf_free(&input);
    return st;
}

int vmctl_load_stop(struct vmctl *v, const char *vm, json_t **out)
{
    return load_start(v, vm, json_pack("[s, s]", LOAD_PROGRAM, "--stop"), NULL,
                      json_pack("{s:s}", "kind", "none"), NULL, out);
}

int vmctl_load_get(struct vmctl *v, const char *vm, json_t **out)
{
    pthread_mutex_lock(&v->lock);
    struct vrec *r = vrec_find(v, vm);
    if (!r) {
        pthread_mutex_unlock(&v->lock);
        *out = agent_proto_error("no VM named %s", vm);
        return 404;
    }
    json_t *o = r->load ? json_deep_copy(r->load) : json_pack("{s:s}", "kind", "none");
    pthread_mutex_unlock(&v->lock);
    /* A trace's sample under way now, as minidcd reckons from 'since'. */
    json_t *trace = json_object_get(o, "trace");
    if (json_array_size(trace)) {
        double since = json_number_value(json_object_get(o, "since")),
               interval = json_number_value(json_object_get(o, "interval_s"));
        json_object_set_new(o, "sample_now",
                            json_integer((json_int_t)load_trace_index(wall_now() - since, interval,
                                                                      json_array_size(trace))));
    }
    *out = o;
    return 200;
}
