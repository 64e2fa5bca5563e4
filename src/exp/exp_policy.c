/* exp_policy: placement policies side by side on the same workload.
 *
 * For each run and each policy: a fresh lab from the topology, the same VMs
 * (128 MiB, a cpu-share of half the smallest server's CPU) booted in the same
 * placement (packed two to a server, the servers in an order drawn from the
 * seed, so some servers start overloaded and others empty), each given the
 * same CPU trace (`minidc vm load --trace`, each sample held the policy's
 * interval), a short warm-up (WARMUP_S) for the servers' figures to show the
 * load, then `minidc policy run` for the duration.  Then the servers' and
 * VMs' history over the policy's window, the events of the run (followed by
 * `minidc events` in the background), the metrics of src/eval through
 * exp_eval, and lab down, always.
 *
 * The workload of a run is the same for every policy; runs differ by the
 * seed's next draws (placement order and traces).  Traces are written into
 * DIR/traces/ (PlanetLab files copied there, so a report names what ran). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp/exp_clients.h"
#include "exp/exp_eval.h"
#include "exp/exp_priv.h"
#include "exp/exp_stats.h"
#include "topo/topo.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define VM_MEMORY_MIB 128
#define WARMUP_S 8.0
#define TRACE_SAMPLES_MAX 8640 /* the guest's limit (load/load.h LOAD_TRACE_MAX) */

struct pol {
    struct exp *e;
    const char *file;
    struct topo *t;
    const char **servers; /* the topology's servers (names owned by t) */
    size_t n_servers;
    char lab[16];
    char **policies;
    size_t n_policies;
    int vms, runs;
    double duration, interval, share;
    double http_rate;        /* each VM's client: requests a second (0: no clients) */
    const char *client_host; /* the host they send from (owned by t) */
    char *planetlab;         /* the directory, or NULL: synthetic */
    unsigned long wseed;     /* synthetic's seed */
    unsigned long wrng;      /* its generator's state (apart from the placement's) */
};

static int split_policies(struct pol *p, const char *list)
{
    char *s = xstrdup(list), *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        p->policies = xrealloc(p->policies, (p->n_policies + 1) * sizeof *p->policies);
        p->policies[p->n_policies++] = xstrdup(tok);
    }
    free(s);
    return p->n_policies ? 0 : -1;
}

/* Sleeps 's' seconds unless interrupted; false when interrupted. */
static bool nap(double s)
{
    double end = proc_now() + s;
    while (!exp_interrupted && proc_now() < end) {
        double left = end - proc_now();
        struct timespec ts = {0, (long)((left < 0.2 ? left : 0.2) * 1e9)};
        nanosleep(&ts, NULL);
    }
    return !exp_interrupted;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    int rc = f && fputs(text, f) >= 0 ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "minidc experiment: cannot write %s: %s\n", path, strerror(errno));
    return rc;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The PlanetLab files of the directory, sorted by name (caller frees). */
static char **planetlab_files(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **v = NULL;
    *n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            v = xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = xstrdup(de->d_name);
        }
    if (d)
        closedir(d);
    if (*n)
        qsort(v, *n, sizeof *v, by_str);
    return v;
}

/* A synthetic trace: a level drawn per VM from 60 to 90% of one CPU, a
 * random walk of +-5 a sample around it within +-15.  The VM gets at most
 * its cpu-share (half its server's CPU), and a guest under TCG gets well
 * under what it asks below that (about 40% of it, measured here): asking
 * this much, each VM runs near its share, two overload their server (u near
 * 1) and one alone does not (u near 0.5). */
static char *synthetic_trace(struct pol *p, struct exp *e, size_t samples)
{
    unsigned long keep = e->rng;
    e->rng = p->wrng;
    double base = 60 + 30 * (double)(exp_rand(e) % 1001) / 1000.0, x = base;
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < samples; i++) {
        x += 5 * ((double)(exp_rand(e) % 2001) / 1000.0 - 1.0);
        x = x < base - 15 ? base - 15 : x > base + 15 ? base + 15 : x;
        long v = lround(x);
        strbuf_printf(&sb, "%ld\n", v < 0 ? 0 : v > 100 ? 100 : v);
    }
    p->wrng = e->rng;
    e->rng = keep;
    return strbuf_steal(&sb);
}

/* The workload of run 'run': per VM its server and its trace file (written
 * into DIR/traces).  Appends {vm, server, trace, source} to 'vms'. */
static int make_workload(struct pol *p, int run, json_t *vms)
{
    struct exp *e = p->e;
    char *tdir = xasprintf("%s/traces", e->dir);
    if (mkdir(tdir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "minidc experiment: cannot make %s: %s\n", tdir, strerror(errno));
        free(tdir);
        return -1;
    }
    size_t *order = xcalloc(p->n_servers, sizeof *order);
    for (size_t i = 0; i < p->n_servers; i++)
        order[i] = i;
    exp_shuffle(e, order, p->n_servers);
    size_t n_files = 0;
    char **files = p->planetlab ? planetlab_files(p->planetlab, &n_files) : NULL;
    size_t n_read = n_files;
    size_t *pick = xcalloc(n_files + 1, sizeof *pick);
    for (size_t i = 0; i < n_files; i++)
        pick[i] = i;
    exp_shuffle(e, pick, n_files);
    if (p->planetlab && n_files < (size_t)p->vms) {
        fprintf(stderr, "minidc experiment: %s has %zu trace files, fewer than the %d VMs\n",
                p->planetlab, n_files, p->vms);
        n_files = 0;
    }
    /* Synthetic: enough samples for the warm-up, the duration and a margin. */
    size_t samples = (size_t)ceil((WARMUP_S + p->duration + 120) / p->interval);
    samples = samples > TRACE_SAMPLES_MAX ? TRACE_SAMPLES_MAX : samples;
    int rc = p->planetlab && !n_files ? -1 : 0;
    for (int v = 0; v < p->vms && rc == 0; v++) {
        char *name = xasprintf("vm%d", v + 1);
        char *path = xasprintf("%s/run%d-%s.txt", tdir, run + 1, name);
        char *src = NULL, *text;
        if (p->planetlab) {
            src = xasprintf("%s/%s", p->planetlab, files[pick[v]]);
            text = exp_read_text(src);
            if (!text)
                fprintf(stderr, "minidc experiment: cannot read %s\n", src);
        } else {
            text = synthetic_trace(p, e, samples);
        }
        rc = text ? write_text(path, text) : -1;
        const char *server = p->servers[order[((size_t)v / 2) % p->n_servers]];
        json_array_append_new(vms, json_pack("{s:s, s:s, s:s, s:s}", "vm", name, "server", server,
                                             "trace", path, "source", src ? src : "synthetic"));
        free(text), free(src), free(path), free(name);
    }
    for (size_t i = 0; i < n_read; i++)
        free(files[i]);
    free(files), free(pick), free(order), free(tdir);
    return rc;
}

/* "minidc ... --lab LAB" */
static int in_lab(struct pol *p, struct strbuf *out, int timeout_ms, const char *const args[])
{
    const char *argv[24];
    size_t n = 0;
    while (args[n] && n < 20) {
        argv[n] = args[n];
        n++;
    }
    argv[n++] = "--lab";
    argv[n++] = p->lab;
    argv[n] = NULL;
    return exp_minidc(p->e, out, timeout_ms, argv);
}

/* The history the metrics are computed from, from 'from' to 'to', through
 * the lab's API: each server's CPU used and the share of it the CPU limit
 * held back, each VM's CPU used and allocation (the 2 s rounds of the
 * other series are not needed by the metrics and would be most of
 * results.json). */
static json_t *fetch_history(struct pol *p, const json_t *vms, double from, double to)
{
    struct strbuf names;
    strbuf_init(&names);
    if (2 * (p->n_servers + json_array_size(vms)) > 64) { /* the API's most names a query */
        strbuf_puts(&names, "server/*,vm/*");
    } else {
        for (size_t i = 0; i < p->n_servers; i++)
            strbuf_printf(&names, "%sserver/%s/cpu_used,server/%s/cpu_throttled_fraction",
                          i ? "," : "", p->servers[i], p->servers[i]);
        size_t i;
        const json_t *vm;
        json_array_foreach(vms, i, vm)
            strbuf_printf(&names, ",vm/%s/cpu_used,vm/%s/cpu_allocation", exp_str(vm, "vm"),
                          exp_str(vm, "vm"));
    }
    char *cmd = xasprintf("curl -s -f -m 30 -H \"Authorization: Bearer $(cat "
                          "/run/minidc/labs/%s/api.token)\" "
                          "'http://192.0.2.254:8080/api/v1/metrics/history?series=%s"
                          "&since=%.3f&until=%.3f'",
                          p->lab, names.s, from - 2, to + 2);
    strbuf_free(&names);
    const char *argv[] = {"ip", "netns", "exec", p->lab, "sh", "-c", cmd, NULL};
    json_t *h = exp_sh_json(p->e, 60000, argv);
    free(cmd);
    return h;
}

/* The events printed as JSON lines in 'path' (those that parse). */
static json_t *read_events(const char *path)
{
    json_t *a = json_array();
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    while (f && getline(&line, &cap, f) > 0) {
        json_t *ev = json_loads(line, 0, NULL);
        if (json_is_object(ev))
            json_array_append_new(a, ev);
        else
            json_decref(ev);
    }
    free(line);
    if (f)
        fclose(f);
    return a;
}

/* The derived series of a run for the plots (exp_eval_series()), every
 * server's included. */
static json_t *run_series(const struct exp_eval *ev)
{
    const struct eval_run *r = exp_eval_run(ev);
    const char **names = xcalloc(r->n_servers + 1, sizeof *names);
    for (size_t i = 0; i < r->n_servers; i++)
        names[i] = exp_eval_server(ev, i);
    json_t *o = exp_eval_series(r, names, SIZE_MAX);
    free(names);
    return o;
}

/* decide_ms of the policy.decision events: {n, p50, max, values}. */
static json_t *decisions(const json_t *events, double from, double to)
{
    json_t *v = json_array();
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
        double t = json_number_value(json_object_get(ev, "time"));
        const json_t *ms = json_object_get(ev, "decide_ms");
        if (!strcmp(exp_str(ev, "type"), "policy.decision") && json_is_number(ms) && t >= from &&
            t <= to + 5)
            json_array_append_new(v, json_real(json_number_value(ms)));
    }
    struct exp_stats s;
    exp_stats_json(v, &s);
    return json_pack("{s:I, s:f, s:f, s:o}", "n", (json_int_t)s.n, "p50", s.n ? s.median : 0.0,
                     "max", s.n ? s.max : 0.0, "values", v);
}

/* The params of --param POLICY:KEY=VALUE for 'policy' as "--param KEY=VALUE"
 * pairs appended to 'argv' from 'n'; returns the new count. */
static size_t policy_params(const struct exp_opts *o, const char *policy, const char **argv,
                            size_t n, size_t cap)
{
    size_t pl = strlen(policy);
    for (size_t i = 0; i < o->n_params && n + 2 < cap; i++)
        if (!strncmp(o->params[i], policy, pl) && o->params[i][pl] == ':') {
            argv[n++] = "--param";
            argv[n++] = o->params[i] + pl + 1;
        }
    return n;
}

/* Where vm boot of VM 'i' writes its stderr (caller frees). */
static char *boot_err_path(const struct pol *p, size_t i)
{
    return xasprintf("%s/.boot-%zu.err", p->e->dir, i);
}

/* Says why the boot of 'vm' failed: 'why', and what vm boot said in
 * 'err_path' (its last line: minidc's own message). */
static void boot_failed(const json_t *vm, const char *why, const char *err_path)
{
    char *said = exp_read_text(err_path), *last = NULL;
    if (said) {
        size_t n = strlen(said);
        while (n && (said[n - 1] == '\n' || said[n - 1] == ' '))
            said[--n] = '\0';
        last = strrchr(said, '\n');
        last = last ? last + 1 : said;
    }
    fprintf(stderr, "minidc experiment: vm boot %s on %s failed (%s)%s%s\n", exp_str(vm, "vm"),
            exp_str(vm, "server"), why, last && *last ? ": " : "", last ? last : "");
    free(said);
}

/* Boots the VMs of 'vms', all at once (each server boots its own in
 * parallel with the others'); 0 when all booted. */
static int boot_all(struct pol *p, const json_t *vms)
{
    char share[32];
    snprintf(share, sizeof share, "%g", p->share);
    size_t n = json_array_size(vms), i;
    pid_t *pids = xcalloc(n + 1, sizeof *pids);
    const json_t *vm;
    json_array_foreach(vms, i, vm) {
        const char *argv[] = {p->e->self,    "vm",
                              "boot",        exp_str(vm, "vm"),
                              "--on",        exp_str(vm, "server"),
                              "--memory",    "128",
                              "--cpu-share", share,
                              "--quiet",     "--lab",
                              p->lab,        NULL};
        exp_record(p->e, argv);
        char *err = boot_err_path(p, i);
        pids[i] = exp_interrupted ? -EINTR : proc_spawn_err(argv, err);
        free(err);
    }
    int rc = 0;
    double end = proc_now() + 600;
    for (i = 0; i < n; i++) {
        int st = 0;
        pid_t w = 0;
        while (pids[i] > 0 && (w = waitpid(pids[i], &st, WNOHANG)) == 0 && !exp_interrupted &&
               proc_now() < end)
            nap(0.2);
        if (pids[i] > 0 && w == 0)
            proc_terminate(pids[i], 2000);
        char *err = boot_err_path(p, i);
        if (pids[i] <= 0 || w != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            char why[64];
            if (pids[i] < 0)
                snprintf(why, sizeof why, "%s", strerror((int)-pids[i]));
            else if (w != pids[i])
                snprintf(why, sizeof why, "timed out after 600 s");
            else if (WIFEXITED(st))
                snprintf(why, sizeof why, "exit %d", WEXITSTATUS(st));
            else
                snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(st));
            if (!exp_interrupted)
                boot_failed(json_array_get(vms, i), why, err);
            rc = 1;
        }
        unlink(err);
        free(err);
    }
    free(pids);
    return rc;
}

/* [{"vm", "address"}] of the VMs of 'vms': the address each keeps for its
 * clients (its first, wherever it moves), from vm list; NULL on failure. */
static json_t *client_targets(struct pol *p, const json_t *vms)
{
    struct strbuf out;
    strbuf_init(&out);
    const char *list[] = {"vm", "list", "--json", NULL};
    json_t *l = in_lab(p, &out, 30000, list) == 0 ? json_loads(out.s, 0, NULL) : NULL;
    strbuf_free(&out);
    json_t *t = json_array();
    size_t i, j;
    const json_t *vm, *v;
    json_array_foreach(vms, i, vm) {
        const char *addr = NULL;
        json_array_foreach(json_object_get(l, "vms"), j, v)
            if (!strcmp(exp_str(v, "name"), exp_str(vm, "vm")))
                addr = json_string_value(json_object_get(v, "home_address"));
        if (!addr) {
            fprintf(stderr, "minidc experiment: vm list does not give %s's address\n",
                    exp_str(vm, "vm"));
            json_decref(t);
            t = NULL;
            break;
        }
        json_array_append_new(t, json_pack("{s:s, s:s}", "vm", exp_str(vm, "vm"), "address", addr));
    }
    json_decref(l);
    return t;
}

/* One policy on one run's workload: the row of results, or NULL. */
static json_t *run_one(struct pol *p, int run, const char *policy, const json_t *vms)
{
    struct exp *e = p->e;
    char interval[32], duration[32];
    snprintf(interval, sizeof interval, "%g", p->interval);
    snprintf(duration, sizeof duration, "%g", p->duration);
    if (exp_lab_up(e, p->lab, p->file, false) != 0) {
        exp_lab_down(e, p->lab); /* what a failed or interrupted lab up left */
        return NULL;
    }
    exp_progress(e, false, "run %d: %s: lab %s up", run + 1, policy, p->lab);
    char *evfile = xasprintf("%s/events-run%d-%s.jsonl", e->dir, run + 1, policy);
    const char *evrec[] = {e->self, "events", "--lab", p->lab, "--since", "0", "--json", NULL};
    exp_record(e, evrec); /* as a user would type it; it writes into evfile */
    char *evcmd = xasprintf("exec '%s' events --lab %s --since 0 --json >'%s' 2>/dev/null", e->self,
                            p->lab, evfile);
    const char *evargv[] = {"sh", "-c", evcmd, NULL};
    pid_t evpid = proc_spawn(evargv);
    json_t *row = NULL, *history = NULL;
    int rc = boot_all(p, vms);
    size_t i;
    const json_t *vm;
    json_array_foreach(vms, i, vm) {
        const char *load[] = {
            "vm",         "load",   exp_str(vm, "vm"), "--trace", exp_str(vm, "trace"),
            "--interval", interval, "--quiet",         NULL};
        if (rc == 0)
            rc = in_lab(p, NULL, 60000, load);
    }
    if (rc == 0) {
        exp_progress(e, false, "run %d: %s: %zu VMs booted and loaded; warming up %.0f s", run + 1,
                     policy, json_array_size(vms), WARMUP_S);
        rc = nap(WARMUP_S) ? 0 : 1;
    }
    json_t *targets = NULL;
    if (rc == 0 && p->http_rate > 0 && !(targets = client_targets(p, vms)))
        rc = 1;
    double from = proc_wall(), to = from;
    if (rc == 0) {
        const char *argv[32] = {"policy", "run", policy, "--interval", interval};
        size_t n = policy_params(&e->o, policy, argv, 5, 30);
        argv[n] = NULL;
        from = proc_wall();
        rc = in_lab(p, NULL, 60000, argv);
    }
    struct exp_clients *clients = NULL;
    if (rc == 0 && targets) {
        char tag[64];
        snprintf(tag, sizeof tag, "run%d-%s", run + 1, policy);
        clients = exp_clients_start(e, p->lab, p->client_host, targets, p->http_rate, p->duration,
                                    e->dir, tag);
        rc = clients ? 0 : 1;
    }
    json_decref(targets);
    double started = proc_now(), last = started;
    while (rc == 0 && proc_now() - started < p->duration) {
        if (!nap(p->duration - (proc_now() - started) < 1 ? p->duration - (proc_now() - started)
                                                          : 1)) {
            rc = 1;
            break;
        }
        if (proc_now() - last >= 15 || proc_now() - started >= p->duration) {
            last = proc_now();
            exp_progress(e, false, "run %d: %s: %.0f of %s s", run + 1, policy,
                         proc_now() - started, duration);
        }
    }
    to = proc_wall();
    if (rc == 0) {
        const char *stop[] = {"policy", "stop", NULL};
        rc = in_lab(p, NULL, 60000, stop);
    }
    /* The clients end with the window; a few seconds more for their last
     * requests' timeouts and their reports. */
    json_t *client_json = clients ? exp_clients_finish(clients, 5) : NULL;
    if (rc == 0)
        history = fetch_history(p, vms, from, to);
    nap(rc == 0 ? 1 : 0); /* the last events reach the file */
    if (evpid > 0)
        proc_terminate(evpid, 2000);
    exp_lab_down(e, p->lab);
    json_t *events = read_events(evfile);
    unlink(evfile);
    free(evfile), free(evcmd);
    if (rc == 0 && history) {
        char *err = NULL;
        struct exp_eval_input in = {
            .t = p->t, .history = history, .events = events, .from = from, .to = to};
        struct exp_eval *ev = exp_eval_build(&in, &err);
        if (!ev) {
            fprintf(stderr, "minidc experiment: run %d, %s: %s\n", run + 1, policy, err);
            free(err);
        } else {
            struct eval_metrics m;
            eval_metrics(exp_eval_run(ev), &m);
            json_t *dec = decisions(events, from, to);
            row = json_pack("{s:s, s:i, s:f, s:f, s:o, s:o, s:o, s:O, s:O}", "policy", policy,
                            "run", run + 1, "from", from, "to", to, "metrics",
                            exp_eval_metrics_json(&m), "decide_ms", dec, "series", run_series(ev),
                            "history", history, "events", events);
            char said[160] = "";
            if (client_json) {
                const json_t *pl = json_object_get(client_json, "pooled");
                snprintf(said, sizeof said, ", clients %lld of %lld answered",
                         (long long)json_integer_value(json_object_get(pl, "answered")),
                         (long long)json_integer_value(json_object_get(pl, "sent")));
                json_object_set(row, "clients", client_json);
            }
            exp_progress(e, true,
                         "run %d: %s: energy %.0f J, overloaded intervals %zu, SLATAH %.3f, "
                         "%zu migrations, %.2f active servers, decide p50 %.2f ms%s",
                         run + 1, policy, m.energy_j, m.overloaded_intervals, m.slatah,
                         m.counts.migrations, m.mean_active,
                         json_number_value(json_object_get(dec, "p50")), said);
            exp_eval_free(ev);
        }
    }
    json_decref(history);
    json_decref(events);
    json_decref(client_json);
    return row;
}

static int parse_workload(struct pol *p, const char *w)
{
    if (!w || !strncmp(w, "synthetic", 9)) {
        const char *s = w ? w + 9 : "";
        p->wseed = p->e->rng;
        if (*s == ':') {
            char *end;
            p->wseed = strtoul(s + 1, &end, 10);
            if (*end || end == s + 1)
                return -1;
        } else if (*s) {
            return -1;
        }
        p->wrng = p->wseed ? p->wseed : 1;
        return 0;
    }
    if (!strncmp(w, "planetlab:", 10) && w[10]) {
        p->planetlab = xstrdup(w + 10);
        return 0;
    }
    return -1;
}

int exp_policy(struct exp *e)
{
    const struct exp_opts *o = &e->o;
    struct pol p = {.e = e, .file = o->lab_file};
    struct diag_list dl;
    diag_list_init(&dl, p.file);
    p.t = topo_load(p.file, &dl);
    diag_list_free(&dl);
    if (!p.t) {
        fprintf(stderr, "minidc experiment: %s does not load (minidc topology check %s)\n", p.file,
                p.file);
        return 1;
    }
    p.servers = xcalloc(p.t->n_nodes + 1, sizeof *p.servers);
    double least = INFINITY;
    for (size_t i = 0; i < p.t->n_nodes; i++)
        if (p.t->nodes[i].kind == TOPO_SERVER) {
            p.servers[p.n_servers++] = p.t->nodes[i].name;
            least = p.t->nodes[i].cpu > 0 && p.t->nodes[i].cpu < least ? p.t->nodes[i].cpu : least;
        }
    int rc = 0;
    if (!p.n_servers || !isfinite(least)) {
        fprintf(stderr,
                "minidc experiment: %s: the policy experiment needs servers with "
                "servers[].cpu (their utilisation is CPU used over it)\n",
                p.file);
        rc = 1;
    }
    p.share = floor(least / 2 * 100) / 100;
    p.vms = o->vms ? o->vms : o->quick ? 3 : (int)p.n_servers;
    p.runs = o->runs ? o->runs : o->quick ? 1 : 3;
    p.duration = o->duration > 0 ? o->duration : o->quick ? 60 : 600;
    p.interval = o->interval > 0 ? o->interval : 10;
    p.http_rate = o->http_rate >= 0 ? o->http_rate : 2;
    for (size_t i = 0; i < p.t->n_nodes && !p.client_host; i++)
        if (p.t->nodes[i].kind == TOPO_HOST)
            p.client_host = p.t->nodes[i].name;
    if (rc == 0 && p.http_rate > 0 && !p.client_host) {
        fprintf(stderr,
                "minidc experiment: %s has no host (hosts:) for the VMs' clients to send from; "
                "give one, or --http-rate 0 for no clients\n",
                p.file);
        rc = 2;
    }
    if (rc == 0 && split_policies(&p, o->policies ? o->policies : "none,thr-mmt")) {
        fprintf(stderr, "minidc experiment: --policies names no policy\n");
        rc = 2;
    }
    if (rc == 0 && parse_workload(&p, o->workload)) {
        fprintf(stderr,
                "minidc experiment: --workload: expected planetlab:DIR or synthetic[:SEED], got "
                "'%s'\n",
                o->workload);
        rc = 2;
    }
    snprintf(p.lab, sizeof p.lab, "xo%s", e->tag);
    char *text = exp_read_text(p.file);
    json_object_set_new(
        e->r, "topology",
        json_pack("{s:s, s:s, s:s?}", "file", p.file, "name", p.t->name, "text", text));
    free(text);
    json_t *cfg = json_object_get(e->r, "config"), *pols = json_array(), *params = json_array();
    for (size_t i = 0; i < p.n_policies; i++)
        json_array_append_new(pols, json_string(p.policies[i]));
    for (size_t i = 0; i < o->n_params; i++)
        json_array_append_new(params, json_string(o->params[i]));
    json_object_set_new(cfg, "policies", pols);
    json_object_set_new(cfg, "params", params);
    json_object_set_new(
        cfg, "workload",
        p.planetlab ? json_pack("{s:s, s:s}", "kind", "planetlab", "dir", p.planetlab)
                    : json_pack("{s:s, s:I}", "kind", "synthetic", "seed", (json_int_t)p.wseed));
    json_object_set_new(cfg, "vms", json_integer(p.vms));
    json_object_set_new(cfg, "vm_memory_mib", json_integer(VM_MEMORY_MIB));
    json_object_set_new(cfg, "vm_cpu_share", json_real(p.share));
    json_object_set_new(cfg, "duration_s", json_real(p.duration));
    json_object_set_new(cfg, "interval_s", json_real(p.interval));
    json_object_set_new(cfg, "warmup_s", json_real(WARMUP_S));
    json_object_set_new(cfg, "runs", json_integer(p.runs));
    json_object_set_new(cfg, "clients",
                        p.http_rate > 0
                            ? json_pack("{s:f, s:s, s:i}", "rate", p.http_rate, "from",
                                        p.client_host, "timeout_ms", EXP_CLIENTS_TIMEOUT_MS)
                            : json_null());
    json_t *rows = json_array(), *workloads = json_array();
    json_object_set_new(e->r, "policy", rows);
    json_object_set_new(e->r, "workloads", workloads);
    e->steps = p.runs * (int)p.n_policies;
    for (int run = 0; run < p.runs && rc == 0; run++) {
        json_t *vms = json_array();
        json_array_append_new(workloads, json_pack("{s:i, s:o}", "run", run + 1, "vms", vms));
        if (make_workload(&p, run, vms)) {
            rc = 1;
            break;
        }
        for (size_t k = 0; k < p.n_policies && rc == 0; k++) {
            json_t *row = run_one(&p, run, p.policies[k], vms);
            if (!row) {
                if (!exp_interrupted)
                    fprintf(stderr, "minidc experiment: run %d of %s failed\n", run + 1,
                            p.policies[k]);
                rc = 1;
            } else {
                json_array_append_new(rows, row);
            }
        }
    }
    if (exp_interrupted) { /* nothing written: the traces go too */
        size_t i, j;
        json_t *w, *vm;
        json_array_foreach(workloads, i, w)
            json_array_foreach(json_object_get(w, "vms"), j, vm)
                unlink(exp_str(vm, "trace"));
        char *tdir = xasprintf("%s/traces", e->dir);
        rmdir(tdir);
        free(tdir);
    }
    for (size_t i = 0; i < p.n_policies; i++)
        free(p.policies[i]);
    free(p.policies), free(p.planetlab), free(p.servers);
    topo_free(p.t);
    return rc;
}
