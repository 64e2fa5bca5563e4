/* exp: running an experiment: its output directory, its commands (each
 * recorded), progress, the machine it ran on, and the files it leaves. */
#include "exp/exp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "exp/exp_priv.h"
#include "util/proc.h"
#include "util/xalloc.h"

volatile sig_atomic_t exp_interrupted;

static const struct {
    const char *name, *summary;
    int (*run)(struct exp *e);
} kinds[] = {
    {"paper",
     "the paper's Table 1 (VM boot, clone, migrate times) and Figure 2 (iperf3 per route and MSS)",
     exp_paper},
    {"scale",
     "lab size 8 to 64 servers: lab up time, controller memory, flows, all-pairs reachability",
     exp_scale},
    {"controller", "OpenFlow controller throughput and latency: minidcd against ovs-testcontroller",
     exp_controller},
    {"policy",
     "placement policies side by side on one workload: energy, SLATAH, PDM, overload, migrations",
     exp_policy},
};

void exp_list(FILE *f)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        fprintf(f, "%-11s %s\n", kinds[i].name, kinds[i].summary);
}

bool exp_exists(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kinds[i].name, name))
            return true;
    return false;
}

/* ---- commands ---- */

void exp_record(struct exp *e, const char *const argv[])
{
    json_t *cmds = json_object_get(e->r, "commands");
    char *line = proc_argv_string(argv);
    /* minidc's own programs by their names, wherever they were built. */
    size_t dl = strlen(e->self) - strlen("minidc");
    if (!strncmp(line, e->self, dl) && dl > 0 && e->self[dl - 1] == '/')
        memmove(line, line + dl, strlen(line + dl) + 1);
    size_t i;
    json_t *c;
    json_array_foreach(cmds, i, c)
        if (!strcmp(json_string_value(c), line)) {
            free(line);
            return;
        }
    json_array_append_new(cmds, json_string(line));
    free(line);
}

int exp_sh(struct exp *e, struct strbuf *out, int timeout_ms, bool quiet_fail,
           const char *const argv[])
{
    if (exp_interrupted)
        return -EINTR;
    exp_record(e, argv);
    struct strbuf err;
    strbuf_init(&err);
    struct proc_opts po = {.out = out, .err = &err, .timeout_ms = timeout_ms};
    int st = proc_run(argv, &po);
    if (st != 0 && !quiet_fail && !exp_interrupted) {
        char *line = proc_argv_string(argv);
        fprintf(stderr, "minidc experiment: `%s` %s %d%s%s\n", line,
                st < 0 ? "could not run:" : "exited with", st, err.len ? ":\n" : "",
                err.len ? err.s : "");
        free(line);
    }
    strbuf_free(&err);
    return exp_interrupted ? -EINTR : st;
}

int exp_minidc(struct exp *e, struct strbuf *out, int timeout_ms, const char *const args[])
{
    size_t n = 0;
    while (args[n])
        n++;
    const char **argv = xcalloc(n + 2, sizeof *argv);
    argv[0] = e->self;
    memcpy(argv + 1, args, n * sizeof *argv);
    int st = exp_sh(e, out, timeout_ms, false, argv);
    free(argv);
    return st;
}

char *exp_read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    struct strbuf sb;
    strbuf_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    fclose(f);
    return strbuf_steal(&sb);
}

int exp_lab_up(struct exp *e, const char *name, const char *file, bool standalone)
{
    const char *args[] = {"lab",
                          "up",
                          "--quiet",
                          "--name",
                          name,
                          standalone ? "--standalone" : file,
                          standalone ? file : NULL,
                          NULL};
    return exp_minidc(e, NULL, 600000, args);
}

void exp_lab_down(struct exp *e, const char *name)
{
    const char *argv[] = {e->self, "lab", "down", name, NULL};
    struct strbuf junk;
    strbuf_init(&junk);
    struct proc_opts po = {.out = &junk, .err = &junk, .timeout_ms = 120000};
    exp_record(e, argv);
    proc_run(argv, &po);
    strbuf_free(&junk);
}

json_t *exp_sh_json(struct exp *e, int timeout_ms, const char *const argv[])
{
    struct strbuf out;
    strbuf_init(&out);
    json_t *o = NULL;
    if (exp_sh(e, &out, timeout_ms, false, argv) == 0) {
        json_error_t je;
        o = json_loads(out.s ? out.s : "", JSON_DECODE_ANY, &je);
        if (!o)
            fprintf(stderr, "minidc experiment: %s printed no JSON (%s)\n", argv[0], je.text);
    }
    strbuf_free(&out);
    return o;
}

void exp_progress(struct exp *e, bool step, const char *fmt, ...)
{
    if (step)
        e->step++;
    if (e->o.quiet)
        return;
    double t = proc_now() - e->t0;
    va_list ap;
    va_start(ap, fmt);
    if (step && e->steps)
        fprintf(stderr, "[%2d:%02d] [%d/%d] ", (int)t / 60, (int)t % 60, e->step, e->steps);
    else
        fprintf(stderr, "[%2d:%02d] ", (int)t / 60, (int)t % 60);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* xorshift64*: small, and the same sequence everywhere for a seed. */
unsigned long exp_rand(struct exp *e)
{
    unsigned long long x = e->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    e->rng = (unsigned long)x;
    return (unsigned long)((x * 2685821657736338717ull) >> 11);
}

void exp_shuffle(struct exp *e, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = exp_rand(e) % i, t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* ---- the machine ---- */

static char *first_line(const char *const argv[])
{
    struct strbuf out;
    strbuf_init(&out);
    struct proc_opts po = {.out = &out, .timeout_ms = 5000};
    char *s = NULL;
    if (proc_run(argv, &po) == 0 && out.s) {
        out.s[strcspn(out.s, "\n")] = '\0';
        s = xstrdup(out.s);
    }
    strbuf_free(&out);
    return s ? s : xstrdup("unknown");
}

static char *cpuinfo_model(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512], *model = NULL;
    while (f && !model && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            char *v = strchr(line, ':') + 1;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            model = xstrdup(v);
        }
    if (f)
        fclose(f);
    return model ? model : xstrdup("unknown");
}

static long meminfo_mib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    long kb = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb / 1024;
}

/* The accelerator the labs' cached probe found ("KERNEL MTIME ACCEL" in
 * /run/minidc/accel; a lab up probes when it is missing or stale). */
static void read_accel(char *accel, size_t len)
{
    snprintf(accel, len, "not probed yet");
    FILE *f = fopen("/run/minidc/accel", "r");
    char line[512];
    if (!f)
        return;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *sp = strrchr(line, ' ');
        if (sp)
            snprintf(accel, len, "%s", sp + 1);
    }
    fclose(f);
}

json_t *exp_machine(void)
{
    struct utsname u;
    uname(&u);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    const char *qemu[] = {"qemu-system-x86_64", "--version", NULL},
               *ovs[] = {"ovs-vswitchd", "--version", NULL},
               *iperf[] = {"iperf3", "--version", NULL}, *gp[] = {"gnuplot", "--version", NULL};
    char *cpu = cpuinfo_model(), *q = first_line(qemu), *o = first_line(ovs),
         *ip = first_line(iperf), *g = first_line(gp);
    char *kernel = xasprintf("%s %s %s", u.sysname, u.release, u.machine);
    char accel[32];
    read_accel(accel, sizeof accel);
    json_t *m =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "host", host, "kernel",
                  kernel, "cpu", cpu, "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
                  "memory_mib", (json_int_t)meminfo_mib(), "qemu", q, "openvswitch", o, "iperf3",
                  ip, "gnuplot", g, "accel", accel);
    free(cpu), free(q), free(o), free(ip), free(g), free(kernel);
    return m;
}

/* ---- the run ---- */

static int mkdirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = '/';
        }
    int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "minidc experiment: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void on_interrupt(int sig)
{
    (void)sig;
    exp_interrupted = 1;
}

static char *iso_time(void)
{
    time_t now = time(NULL);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    return xstrdup(buf);
}

/* The plots, report.md and results.json of 'r' into 'dir'. */
static int write_outputs(json_t *r, const char *dir, bool quiet)
{
    int rc = exp_plots(r, dir, quiet);
    char *md = exp_report_md(r);
    char *rp = xasprintf("%s/report.md", dir), *jp = xasprintf("%s/results.json", dir);
    if (rc == 0 && write_file(rp, md) < 0)
        rc = 1;
    char *text = rc == 0 ? exp_results_text(r) : NULL;
    if (rc == 0 && write_file(jp, text) < 0)
        rc = 1;
    free(text);
    if (rc == 0 && !quiet)
        fprintf(stderr, "wrote %s, %s and %zu plots\n", rp, jp,
                json_array_size(json_object_get(r, "plots")) * 2);
    free(md), free(rp), free(jp);
    return rc;
}

int exp_write_results(json_t *r, const char *dir, bool quiet)
{
    if (mkdirs(dir) < 0) {
        fprintf(stderr, "minidc: cannot make %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (!json_object_get(r, "minidc_version"))
        json_object_set_new(r, "minidc_version", json_string(MINIDC_VERSION));
    if (!json_object_get(r, "machine"))
        json_object_set_new(r, "machine", exp_machine());
    return write_outputs(r, dir, quiet);
}

int exp_rewrite_report(const char *dir, bool quiet)
{
    char *jp = xasprintf("%s/results.json", dir);
    json_error_t je;
    json_t *r = json_load_file(jp, 0, &je);
    const char *kind = r ? json_string_value(json_object_get(r, "experiment")) : NULL;
    if (!r || !kind || (!exp_exists(kind) && strcmp(kind, "sim"))) {
        fprintf(stderr, "minidc experiment: %s: %s\n", jp,
                r ? "not the results of an experiment" : je.text);
        json_decref(r);
        free(jp);
        return 1;
    }
    free(jp);
    int rc = write_outputs(r, dir, quiet);
    json_decref(r);
    return rc;
}

int exp_main(const char *name, const struct exp_opts *opts)
{
    size_t k = 0;
    while (k < sizeof kinds / sizeof *kinds && strcmp(kinds[k].name, name))
        k++;
    if (k == sizeof kinds / sizeof *kinds) {
        fprintf(stderr,
                "minidc experiment: no experiment '%s'; `minidc experiment list` shows them\n",
                name);
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "minidc experiment: must be run as root (it builds labs)\n");
        return 1;
    }
    struct exp e = {.o = *opts, .name = name};
    e.rng = opts->seed ? opts->seed : 1;
    snprintf(e.tag, sizeof e.tag, "%05d", (int)(getpid() % 100000));
    e.self = proc_sibling("minidc");
    char *started = iso_time();
    char *out = opts->out ? xstrdup(opts->out) : NULL;
    if (!out) {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
        out = xasprintf("results/%s-%s", name, stamp);
    }
    struct stat st;
    bool existed = stat(out, &st) == 0;
    if (mkdirs(out) < 0) {
        fprintf(stderr, "minidc experiment: cannot make %s: %s\n", out, strerror(errno));
        free(out), free(started), free(e.self);
        return 1;
    }
    e.r = json_pack("{s:s, s:s, s:s, s:I, s:b, s:[], s:{}}", "experiment", name, "minidc_version",
                    MINIDC_VERSION, "started", started, "seed", (json_int_t)e.rng, "quick",
                    opts->quick, "commands", "config");
    free(started);
    json_object_set_new(e.r, "machine", exp_machine());
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    e.dir = out;
    e.t0 = proc_now();
    if (!opts->quiet)
        fprintf(stderr, "minidc experiment %s%s: writing to %s\n", name,
                opts->quick ? " (quick)" : "", out);
    int rc = kinds[k].run(&e);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (exp_interrupted) {
        fprintf(stderr,
                "minidc experiment: interrupted; what it made is removed, nothing written\n");
        rc = 130;
    }
    if (rc == 0) {
        /* The first lab of the run may have been the first to probe. */
        char accel[32];
        read_accel(accel, sizeof accel);
        json_object_set_new(json_object_get(e.r, "machine"), "accel", json_string(accel));
        char *ended = iso_time();
        json_object_set_new(e.r, "finished", json_string(ended));
        json_object_set_new(e.r, "seconds", json_real(proc_now() - e.t0));
        free(ended);
        rc = write_outputs(e.r, out, opts->quiet);
        if (rc == 0 && !opts->quiet)
            fprintf(stderr, "minidc experiment %s: done in %.0f s\n", name, proc_now() - e.t0);
    }
    if (rc != 0 && !existed)
        rmdir(out); /* made for this run and left empty: gone (kept if anything is in it) */
    json_decref(e.r);
    free(e.self);
    free(out);
    return rc;
}
