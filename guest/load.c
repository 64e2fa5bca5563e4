/* minidc-load: the guest's load generator, started by minidcd through the
 * guest agent (minidc vm load).  It holds a CPU utilisation, constant or
 * following a trace, and optionally keeps a given amount of memory resident
 * and dirty.  Static, libc only; the pure part (trace, duty cycle) is
 * src/load, shared with minidcd and unit-tested.
 *
 *   minidc-load --cpu PERCENT [--memory MIB]
 *   minidc-load --trace FILE|- [--interval SECONDS] [--memory MIB]
 *   minidc-load --stop | --status
 * with [--foreground] [--run-dir DIR] (default /run: the pid and state
 * files; another directory to try it outside a guest).
 *
 * A load runs detached (a daemon, its pid in DIR/minidc-load.pid): the
 * command returns once it runs, saying so, or says why it could not start.
 * A new load replaces the one running; --stop ends it.  The load lives in
 * the guest's memory, so it goes on across a live migration.
 *
 * CPU: PERCENT is of one CPU (150: one thread at 75% and one at 75%, at most
 * 100 per CPU the guest has).  Each thread spins for its share of every
 * LOAD_PERIOD, against CLOCK_MONOTONIC, and sleeps the rest.  A trace's
 * samples are the utilisation of all the guest's CPUs (as CloudSim reads
 * PlanetLab's): one thread per CPU, each busy for the sample's percent;
 * each sample is held INTERVAL seconds (default 5), and the trace starts
 * again after its last.
 *
 * Memory: MIB are allocated and filled, then every page is written again
 * each LOAD_TOUCH_PERIOD, so they stay resident and dirty (a migration sends
 * them again and again).  The daemon's OOM score is the highest: the kernel
 * kills it before the guest agent if memory runs out. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "load/load.h"

#define PAGE 4096

struct spec {
    enum { NONE, CPU, TRACE, STOP, STATUS } kind;
    unsigned cpu;      /* percent of one CPU */
    unsigned long mib; /* memory to touch */
    const char *trace; /* file, "-": stdin */
    double interval;   /* seconds a sample is held */
    uint8_t *samples;  /* LOAD_TRACE_MAX */
    size_t n_samples;
    bool foreground;
    const char *dir;
};

/* What the worker threads share (read only once they run). */
struct run {
    const struct spec *s;
    double t0;       /* CLOCK_MONOTONIC when the load began */
    double fraction; /* --cpu: each thread's */
    unsigned threads;
    volatile unsigned char *mem;
    size_t mem_len;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: minidc-load --cpu PERCENT [--memory MIB]\n"
               "       minidc-load --trace FILE|- [--interval SECONDS] [--memory MIB]\n"
               "       minidc-load --stop | --status\n"
               "  with [--foreground] [--run-dir DIR]\n");
}

static char *path(const struct spec *s, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", s->dir, file);
    return buf;
}

/* ---- the load itself ---- */

static void *worker(void *arg)
{
    const struct run *r = arg;
    const struct spec *s = r->s;
    struct load_duty d;
    load_duty_init(&d, LOAD_PERIOD);
    for (;;) {
        double t = now(), since = t - r->t0;
        double start = r->t0 + LOAD_PERIOD * (double)(long)(since / LOAD_PERIOD);
        double fraction =
            s->kind == TRACE
                ? s->samples[load_trace_index(since, s->interval, s->n_samples)] / 100.0
                : r->fraction;
        double spin = load_duty_spin(&d, fraction, t - start), end = t + spin, u = t;
        volatile unsigned long x = 0;
        while ((u = now()) < end)
            for (int i = 0; i < 1000; i++)
                x++;
        load_duty_done(&d, fraction, u - t);
        sleep_until(start + LOAD_PERIOD);
    }
    return NULL;
}

static void *toucher(void *arg)
{
    const struct run *r = arg;
    unsigned long pass = 1;
    for (double next = now();; next += LOAD_TOUCH_PERIOD) {
        sleep_until(next);
        pass++;
        for (size_t i = 0; i < r->mem_len; i += PAGE)
            *(volatile unsigned long *)(r->mem + i) = pass ^ i;
    }
    return NULL;
}

/* ---- the daemon's files ---- */

/* Whether 'pid' is a live minidc-load (not a zombie, not a reused pid). */
static bool alive(pid_t pid)
{
    char p[64], buf[256];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')');
    return strstr(buf, "(minidc-load)") && close && close[1] == ' ' && close[2] != 'Z' &&
           close[2] != 'X';
}

/* The load running: its pid (0: none) and the MiB it holds ('*mib', may be
 * NULL), from its pid file ("PID MIB"). */
static pid_t running(const struct spec *s, unsigned long *mib)
{
    char p[4096];
    FILE *f = fopen(path(s, "minidc-load.pid", p, sizeof p), "r");
    int pid = 0;
    unsigned long m = 0;
    if (f && fscanf(f, "%d %lu", &pid, &m) < 1)
        pid = 0;
    if (f)
        fclose(f);
    if (mib)
        *mib = m;
    return pid > 1 && alive(pid) ? pid : 0;
}

/* Ends the load running, if any: its pid, or 0. */
static pid_t stop_running(const struct spec *s)
{
    pid_t pid = running(s, NULL);
    if (!pid)
        return 0;
    kill(pid, SIGTERM);
    for (int i = 0; i < 300 && alive(pid); i++) {
        if (i == 200)
            kill(pid, SIGKILL);
        usleep(10000);
    }
    char p[4096];
    unlink(path(s, "minidc-load.pid", p, sizeof p));
    unlink(path(s, "minidc-load.state", p, sizeof p));
    return pid;
}

/* What the load does, in words (the state file holds it too). */
static void describe(const struct spec *s, const struct run *r, char *buf, size_t len)
{
    int o = s->kind == CPU
                ? snprintf(buf, len, "cpu %u%% (%u thread%s at %.0f%%)", s->cpu, r->threads,
                           r->threads == 1 ? "" : "s", r->fraction * 100)
                : snprintf(buf, len, "trace of %zu samples, %g s each, on %u thread%s",
                           s->n_samples, s->interval, r->threads, r->threads == 1 ? "" : "s");
    if (s->mib && o > 0 && (size_t)o < len)
        snprintf(buf + o, len - (size_t)o, ", memory %lu MiB", s->mib);
}

static int write_file(const struct spec *s, const char *name, const char *text)
{
    char p[4096], tmp[4200];
    path(s, name, p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fputs(text, f);
    if (fclose(f) != 0 || rename(tmp, p) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static long available_mib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib < 0 ? -1 : kib / 1024;
}

/* ---- starting ---- */

/* Tells the starter why the load cannot begin; 1. */
static int refuse(int ready, const char *what, const char *dir)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "cannot %s%s: %s\n", what, dir, strerror(errno));
    if (write(ready, msg, (size_t)n) < 0) {
        /* the starter is gone: nobody to tell */
    }
    return 1;
}

/* The daemon's side: memory, files, threads; tells 'ready' "ok" or why
 * not, then runs until a signal. */
static int daemon_main(const struct spec *s, int ready, int lock)
{
    struct run r = {.s = s, .t0 = now()};
    char msg[512];
    r.threads = s->kind == CPU ? load_threads(s->cpu, &r.fraction)
                               : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    /* The first the kernel kills if memory runs out, filling it too. */
    FILE *oom = fopen("/proc/self/oom_score_adj", "w");
    if (oom)
        fputs("1000\n", oom), fclose(oom);
    if (s->mib) {
        r.mem_len = s->mib << 20;
        void *m = mmap(NULL, r.mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return refuse(ready, "allocate the memory", "");
        r.mem = m;
        memset(m, 0x5a, r.mem_len);
    }
    char what[256], line[512];
    describe(s, &r, what, sizeof what);
    snprintf(line, sizeof line, "%d %lu\n", (int)getpid(), s->mib);
    if (write_file(s, "minidc-load.pid", line) < 0)
        return refuse(ready, "write its pid file in ", s->dir);
    snprintf(line, sizeof line, "pid %d: %s, since %ld\n", (int)getpid(), what, (long)time(NULL));
    write_file(s, "minidc-load.state", line);
    if (lock >= 0)
        close(lock);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t th;
    for (unsigned i = 0; i < r.threads; i++)
        pthread_create(&th, NULL, worker, &r);
    if (r.mem)
        pthread_create(&th, NULL, toucher, &r);
    snprintf(msg, sizeof msg, "ok pid %d: %s\n", (int)getpid(), what);
    if (write(ready, msg, strlen(msg)) < 0)
        return 1;
    if (ready != STDOUT_FILENO)
        close(ready);
    int sig;
    sigwait(&set, &sig);
    /* Its files go with it, unless a newer load has taken them. */
    if (running(s, NULL) == getpid()) {
        char p[4096];
        unlink(path(s, "minidc-load.pid", p, sizeof p));
        unlink(path(s, "minidc-load.state", p, sizeof p));
    }
    return 0;
}

/* Says why the load cannot start, and whether the one before was stopped;
 * 1. */
static int failed(pid_t old, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failed(pid_t old, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("minidc-load: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (old)
        fprintf(stderr, "minidc-load: the load of pid %d was stopped\n", (int)old);
    return 1;
}

/* Starts the load of 's' detached, replacing the one running: 0 once it
 * runs, 1 after saying why not.  A load refused for want of memory leaves
 * the one running as it is. */
static int start(const struct spec *s)
{
    char p[4096];
    int lock = open(path(s, "minidc-load.lock", p, sizeof p), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) < 0)
        return failed(0, "%s: %s\n", p, strerror(errno));
    unsigned long old_mib;
    long avail = available_mib();
    if (running(s, &old_mib) && avail >= 0)
        avail += (long)old_mib; /* given back when it stops */
    if (s->mib && avail >= 0 && (long)s->mib + LOAD_MEMORY_SPARE > avail)
        return failed(0, "--memory %lu: the guest has %ld MiB available (%d kept spare)\n", s->mib,
                      avail, LOAD_MEMORY_SPARE);
    pid_t old = stop_running(s);
    if (s->foreground) {
        printf("minidc-load: pid %d in the foreground%s\n", (int)getpid(),
               old ? " (the load running before is stopped)" : "");
        fflush(stdout);
        return daemon_main(s, STDOUT_FILENO, lock);
    }
    int pp[2];
    if (pipe(pp) < 0)
        return failed(old, "pipe: %s\n", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return failed(old, "fork: %s\n", strerror(errno));
    if (pid == 0) {
        /* Detached: a session of its own, no terminal, and none of the
         * caller's pipes (the guest agent waits for them to close). */
        close(pp[0]);
        setsid();
        if (chdir("/") < 0)
            _exit(1);
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
        _exit(daemon_main(s, pp[1], lock));
    }
    close(pp[1]);
    close(lock);
    char msg[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof msg - 1 && (n = read(pp[0], msg + got, sizeof msg - 1 - got)) > 0)
        got += (size_t)n;
    msg[got] = '\0';
    if (strncmp(msg, "ok ", 3)) {
        waitpid(pid, NULL, 0);
        return failed(old, "%s", got ? msg : "the load ended before it began\n");
    }
    printf("minidc-load: %s", msg + 3);
    if (old)
        printf("minidc-load: it replaces the load of pid %d\n", (int)old);
    return 0;
}

/* ---- the command line ---- */

static int read_trace(struct spec *s)
{
    static char text[LOAD_TRACE_TEXT_MAX + 1];
    static uint8_t samples[LOAD_TRACE_MAX];
    bool is_stdin = !strcmp(s->trace, "-");
    const char *name = is_stdin ? "stdin" : s->trace;
    FILE *f = is_stdin ? stdin : fopen(s->trace, "r");
    if (!f) {
        fprintf(stderr, "minidc-load: %s: %s\n", s->trace, strerror(errno));
        return -1;
    }
    size_t len = fread(text, 1, sizeof text, f);
    bool bad = ferror(f);
    if (!is_stdin)
        fclose(f);
    if (bad || len > LOAD_TRACE_TEXT_MAX) {
        fprintf(stderr, "minidc-load: %s: %s\n", name,
                bad ? "cannot read it" : "larger than 64 KiB: more samples than a trace may hold");
        return -1;
    }
    char err[LOAD_ERROR_MAX];
    long n = load_trace_parse(name, text, len, samples, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "minidc-load: %s\n", err);
        return -1;
    }
    s->samples = samples;
    s->n_samples = (size_t)n;
    return 0;
}

static bool whole(const char *arg, unsigned long max, unsigned long *v)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(arg, &end, 10);
    if (!*arg || *end || errno || arg[0] == '-' || x > max)
        return false;
    *v = x;
    return true;
}

static int parse(int argc, char **argv, struct spec *s)
{
    static const struct option opts[] = {
        {"cpu", required_argument, NULL, 'c'},   {"memory", required_argument, NULL, 'm'},
        {"trace", required_argument, NULL, 't'}, {"interval", required_argument, NULL, 'i'},
        {"stop", no_argument, NULL, 's'},        {"status", no_argument, NULL, 'S'},
        {"foreground", no_argument, NULL, 'f'},  {"run-dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    bool interval = false;
    unsigned long v;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int c, kinds = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'c':
            if (!whole(optarg, LOAD_CPU_MAX, &v) || v > 100 * (unsigned long)ncpu) {
                fprintf(stderr,
                        "minidc-load: --cpu takes a whole number from 0 to %ld (percent of one "
                        "CPU; this guest has %ld), not '%s'\n",
                        100 * ncpu, ncpu, optarg);
                return 2;
            }
            s->kind = CPU, s->cpu = (unsigned)v, kinds++;
            break;
        case 'm':
            if (!whole(optarg, 1 << 20, &v) || !v) {
                fprintf(stderr, "minidc-load: --memory takes a number of MiB, not '%s'\n", optarg);
                return 2;
            }
            s->mib = v;
            break;
        case 't':
            s->kind = TRACE, s->trace = optarg, kinds++;
            break;
        case 'i':
            s->interval = strtod(optarg, &end);
            if (*end || end == optarg ||
                !(s->interval >= LOAD_INTERVAL_MIN && s->interval <= LOAD_INTERVAL_MAX)) {
                fprintf(stderr, "minidc-load: --interval takes seconds from %g to %g, not '%s'\n",
                        LOAD_INTERVAL_MIN, LOAD_INTERVAL_MAX, optarg);
                return 2;
            }
            interval = true;
            break;
        case 's':
        case 'S':
            s->kind = c == 's' ? STOP : STATUS, kinds++;
            break;
        case 'f':
            s->foreground = true;
            break;
        case 'd':
            s->dir = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || kinds != 1 || (interval && s->kind != TRACE) ||
        (s->mib && s->kind != CPU && s->kind != TRACE)) {
        fprintf(stderr, "minidc-load: %s\n",
                optind < argc ? "takes no operands"
                : kinds != 1  ? "say one of --cpu, --trace, --stop or --status"
                : interval    ? "--interval goes with --trace"
                              : "--memory goes with --cpu or --trace");
        usage(stderr);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct spec s = {.interval = LOAD_INTERVAL_DEFAULT, .dir = "/run"};
    int rc = parse(argc, argv, &s);
    if (rc)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    if (s.kind == STATUS) {
        char p[4096], line[512] = "";
        FILE *f = running(&s, NULL) ? fopen(path(&s, "minidc-load.state", p, sizeof p), "r") : NULL;
        if (f && fgets(line, sizeof line, f))
            printf("minidc-load: %s", line);
        else
            printf("minidc-load: no load running\n");
        if (f)
            fclose(f);
        return f ? 0 : 3;
    }
    if (s.kind == STOP) {
        char p[4096];
        int lock = open(path(&s, "minidc-load.lock", p, sizeof p), O_RDWR | O_CREAT, 0600);
        if (lock >= 0)
            flock(lock, LOCK_EX);
        pid_t pid = stop_running(&s);
        if (pid)
            printf("minidc-load: stopped the load of pid %d\n", (int)pid);
        else
            printf("minidc-load: no load was running\n");
        return 0;
    }
    if (s.kind == TRACE && read_trace(&s) < 0)
        return 1;
    return start(&s);
}
