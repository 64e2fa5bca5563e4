#include "exp/exp_clients.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp/exp_priv.h"
#include "loadgen/load_hist.h"
#include "loadgen/load_report.h"
#include "util/proc.h"
#include "util/xalloc.h"

struct client {
    char *vm, *out, *err; /* the VM; where its report and its stderr go */
    pid_t pid;
    int status; /* -1 while it runs */
};

struct exp_clients {
    struct client *c;
    size_t n;
    char *from;
    double rate, seconds, started;
};

static void pause_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

static void free_clients(struct exp_clients *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        unlink(cs->c[i].out), unlink(cs->c[i].err);
        free(cs->c[i].vm), free(cs->c[i].out), free(cs->c[i].err);
    }
    free(cs->c), free(cs->from), free(cs);
}

/* Stops client 'c' if it still runs: SIGINT first (it stops sending and
 * still reports), then SIGTERM and SIGKILL. */
static void stop_client(struct client *c)
{
    if (c->pid <= 0 || c->status >= 0)
        return;
    kill(c->pid, SIGINT);
    for (int i = 0; i < 50; i++) {
        int st;
        if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
            c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return;
        }
        pause_s(0.1);
    }
    proc_terminate(c->pid, 1000);
    int st;
    c->status = waitpid(c->pid, &st, 0) == c->pid && WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

struct exp_clients *exp_clients_start(struct exp *e, const char *lab, const char *from,
                                      const json_t *targets, double rate, double seconds,
                                      const char *dir, const char *tag)
{
    struct exp_clients *cs = xcalloc(1, sizeof *cs);
    cs->from = xstrdup(from);
    cs->rate = rate;
    cs->seconds = seconds;
    cs->c = xcalloc(json_array_size(targets) + 1, sizeof *cs->c);
    cs->started = proc_now();
    char r[32], d[32], t[32];
    snprintf(r, sizeof r, "%g", rate);
    snprintf(d, sizeof d, "%g", seconds);
    snprintf(t, sizeof t, "%d", EXP_CLIENTS_TIMEOUT_MS);
    size_t i;
    const json_t *tg;
    json_array_foreach(targets, i, tg) {
        struct client *c = &cs->c[cs->n++];
        c->vm = xstrdup(exp_str(tg, "vm"));
        c->out = xasprintf("%s/.client-%s-%s.json", dir, tag, c->vm);
        c->err = xasprintf("%s/.client-%s-%s.err", dir, tag, c->vm);
        c->status = -1;
        char *url = xasprintf("http://%s/", exp_str(tg, "address"));
        const char *argv[] = {e->self,     "load", "http",   url, "--lab",      lab,
                              "--from",    from,   "--rate", r,   "--duration", d,
                              "--timeout", t,      "--json", NULL};
        exp_record(e, argv);
        char *cmd = proc_argv_string(argv);
        char *sh = xasprintf("exec %s >'%s'", cmd, c->out);
        const char *shargv[] = {"sh", "-c", sh, NULL};
        c->pid = exp_interrupted ? -EINTR : proc_spawn_err(shargv, c->err);
        free(sh), free(cmd), free(url);
        if (c->pid < 0) {
            if (!exp_interrupted)
                fprintf(stderr, "minidc experiment: the client of %s did not start: %s\n", c->vm,
                        strerror((int)-c->pid));
            for (size_t k = 0; k < cs->n; k++)
                stop_client(&cs->c[k]);
            free_clients(cs);
            return NULL;
        }
    }
    return cs;
}

json_t *exp_clients_finish(struct exp_clients *cs, double grace_s)
{
    double end = cs->started + cs->seconds + grace_s;
    for (size_t i = 0; i < cs->n; i++) {
        struct client *c = &cs->c[i];
        while (c->status < 0 && !exp_interrupted && proc_now() < end) {
            int st;
            if (waitpid(c->pid, &st, WNOHANG) == c->pid)
                c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            else
                pause_s(0.1);
        }
        stop_client(c);
    }
    json_t *vms = json_object();
    size_t missing = 0;
    for (size_t i = 0; i < cs->n; i++) {
        struct client *c = &cs->c[i];
        json_error_t je;
        json_t *rep = json_load_file(c->out, 0, &je);
        if (!json_is_object(rep)) {
            char *why = exp_read_text(c->err);
            char *nl = why ? strchr(why, '\n') : NULL;
            if (nl)
                *nl = '\0';
            if (!exp_interrupted)
                fprintf(stderr,
                        "minidc experiment: the client of %s reported nothing (exit %d)%s%s\n",
                        c->vm, c->status, why && *why ? ": " : "", why ? why : "");
            free(why);
            json_decref(rep);
            missing++;
            continue;
        }
        json_object_set_new(vms, c->vm, rep);
    }
    json_t *pooled = exp_clients_pool(vms);
    json_object_set_new(pooled, "missing", json_integer((json_int_t)missing));
    json_t *r = json_pack("{s:f, s:s, s:i, s:o, s:o}", "rate", cs->rate, "from", cs->from,
                          "timeout_ms", EXP_CLIENTS_TIMEOUT_MS, "vms", vms, "pooled", pooled);
    free_clients(cs);
    return r;
}

static json_int_t count(const json_t *rep, const char *key)
{
    return json_integer_value(json_object_get(rep, key));
}

json_t *exp_clients_pool(const json_t *vms)
{
    struct load_hist *h = xcalloc(1, sizeof *h);
    json_int_t sent = 0, answered = 0, failed = 0, unfinished = 0;
    double gap = 0;
    const char *vm;
    const json_t *rep;
    json_object_foreach((json_t *)vms, vm, rep) {
        sent += count(rep, "sent");
        answered += count(rep, "answered");
        failed += count(rep, "failed");
        unfinished += count(rep, "unfinished");
        double g = json_number_value(json_object_get(rep, "longest_gap_ms"));
        gap = g > gap ? g : gap;
        load_report_latency(rep, h); /* a report without buckets: not in the latencies */
    }
    json_t *lat = json_null();
    if (h->count)
        lat = json_pack("{s:f, s:f, s:f, s:f}", "p50", load_hist_percentile(h, 50) / 1e3, "p95",
                        load_hist_percentile(h, 95) / 1e3, "p99", load_hist_percentile(h, 99) / 1e3,
                        "max", (double)h->max / 1e3);
    free(h);
    return json_pack("{s:I, s:I, s:I, s:I, s:f, s:I, s:o, s:f}", "clients",
                     (json_int_t)json_object_size(vms), "sent", sent, "answered", answered,
                     "failed", failed, "failed_fraction",
                     sent ? (double)failed / (double)sent : 0.0, "unfinished", unfinished,
                     "latency_ms", lat, "longest_gap_ms", gap);
}
