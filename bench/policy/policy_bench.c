/* bench/policy: how long the built-in policies take to decide, on a data
 * center of 64 servers and 256 VMs and one of 800 servers and 1,052 VMs
 * (the size of Beloglazov & Buyya's CloudSim runs, a PlanetLab day's
 * VMs).
 *
 * Each VM's CPU history is a day of a PlanetLab trace (288 values 0-100,
 * one per 5 minutes, a file a VM, read from --traces DIR, the files taken
 * in name order) or, without a directory, a seeded random walk of the same
 * shape.  VMs are of CloudSim's four types (allocations 1, 0.8, 0.4 and
 * 0.2 host CPUs of 870, 1740, 1740 and 613 MiB), scattered over the
 * servers at random (seeded), so that some servers are overloaded and
 * some idle; servers are of two kinds (1 host CPU, 8 GiB; 86-117 W and
 * 93.7-135 W, CloudSim's HP G4 and G5), those holding no VM asleep, 16 a
 * subnet, 4 subnets an aggregation switch (hops 1, 3, 5).  Every fourth VM
 * answers a service (one in three with a replica), at 0 to 150 requests a
 * second.  The decision is taken at the day's last round.
 *
 * For each policy it reports the median time of decide() over --runs runs
 * (init() and destroy() not counted) and the actions of the plan.
 * Usage: policy_bench [--traces DIR] [--runs N] [--show N] [--policy NAME]...
 * (--show N: the first N actions of each plan, with their why, on
 * stderr). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"

#define ROUNDS 288

static uint64_t rng_state = 42;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15)); /* splitmix64 */
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return (double)(rng() >> 11) * 0x1.0p-53;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Up to 'max' traces of DIR, each ROUNDS values 0-100, into t[i][]; how
 * many were read (files of another shape are skipped). */
static size_t read_traces(const char *dir, double (*t)[ROUNDS], size_t max)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(1);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = got < max ? fopen(path, "r") : NULL;
        size_t k = 0;
        int v;
        while (f && k < ROUNDS && fscanf(f, "%d", &v) == 1)
            t[got][k++] = v;
        if (f)
            fclose(f);
        if (k == ROUNDS)
            got++;
        free(names[i]);
    }
    free(names);
    return got;
}

/* A day of a random walk: a level of its own, steps of up to 8 points. */
static void synthetic(double *t)
{
    double level = 5 + 40 * uniform() * uniform(), x = level;
    for (int k = 0; k < ROUNDS; k++) {
        x += 16 * (uniform() - 0.5) + 0.05 * (level - x);
        x = x < 0 ? 0 : x > 100 ? 100 : x;
        t[k] = (int)x;
    }
}

struct dc {
    struct mdc_server *s;
    struct mdc_vm *v;
    struct mdc_service *svc;
    double *hist; /* servers' then VMs' histories */
    size_t *svc_vms;
    char *names;
    int *hops;
    struct mdc_model m;
};

static void build(struct dc *dc, size_t ns, size_t nv, double (*tr)[ROUNDS], size_t ntr)
{
    static const double alloc[] = {1, 0.8, 0.4, 0.2};
    static const unsigned mem[] = {870, 1740, 1740, 613};
    rng_state = 42;
    memset(dc, 0, sizeof *dc);
    dc->s = calloc(ns, sizeof *dc->s);
    dc->v = calloc(nv, sizeof *dc->v);
    dc->hist = calloc((ns + nv) * ROUNDS, sizeof *dc->hist);
    dc->names = calloc(ns + 2 * nv + ns / 16 + 1, 16);
    dc->hops = calloc(ns * ns, sizeof *dc->hops);
    size_t nsvc = (nv + 3) / 4;
    dc->svc = calloc(nsvc, sizeof *dc->svc);
    dc->svc_vms = calloc(2 * nsvc, sizeof *dc->svc_vms);
    char *name = dc->names;
    for (size_t i = 0; i < ns; i++) {
        struct mdc_server *s = &dc->s[i];
        snprintf(name, 16, "server%zu", i + 1);
        s->name = name, name += 16;
        snprintf(name, 16, "net%zu", i / 16 + 1);
        s->subnet = s->sw = name;
        if (i % 16 == 15 || i == ns - 1)
            name += 16;
        bool g5 = i % 2;
        *s = (struct mdc_server){.name = s->name,
                                 .subnet = s->subnet,
                                 .sw = s->sw,
                                 .cpu_capacity = 1,
                                 .memory_mib = 8192,
                                 .power_idle_w = g5 ? 93.7 : 86,
                                 .power_max_w = g5 ? 135 : 117,
                                 .link_mbit = 1000,
                                 .reachable = true,
                                 .cpu_utilization = {dc->hist + i * ROUNDS, ROUNDS}};
        for (size_t j = 0; j < ns; j++)
            dc->hops[i * ns + j] = i == j ? 0 : i / 16 == j / 16 ? 1 : i / 64 == j / 64 ? 3 : 5;
    }
    for (size_t i = 0; i < nv; i++) {
        struct mdc_vm *v = &dc->v[i];
        double *h = dc->hist + (ns + i) * ROUNDS;
        int type = (int)(rng() % 4);
        if (ntr)
            memcpy(h, tr[i % ntr], sizeof(double) * ROUNDS);
        else
            synthetic(h);
        for (int k = 0; k < ROUNDS; k++)
            h[k] *= alloc[type] / 100;
        snprintf(name, 16, "vm%zu", i + 1);
        snprintf(name + 16, 16, "10.%zu.%zu.%zu", i >> 16, (i >> 8) & 255, i & 255);
        size_t at = rng() % ns;
        *v = (struct mdc_vm){.name = name,
                             .server = at,
                             .address = name + 16,
                             .home = name + 16,
                             .state = "running",
                             .movable = true,
                             .memory_mib = mem[type],
                             .cpus = 1,
                             .cpu_allocation = alloc[type],
                             .cpu_used = h[ROUNDS - 1],
                             .cpu_used_history = {h, ROUNDS}};
        name += 32;
        struct mdc_server *s = &dc->s[at];
        s->memory_used_mib += v->memory_mib;
        s->cpu_allocated += v->cpu_allocation;
        s->cpu_used += v->cpu_used;
        for (int k = 0; k < ROUNDS; k++)
            dc->hist[at * ROUNDS + k] += h[k] / s->cpu_capacity;
    }
    for (size_t i = 0; i < ns; i++) {
        struct mdc_server *s = &dc->s[i];
        s->asleep = s->memory_used_mib == 0;
        if (!s->asleep) {
            s->cpu_used += 0.02; /* QEMU's own */
            for (int k = 0; k < ROUNDS; k++)
                dc->hist[i * ROUNDS + k] += 0.01;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < nsvc; i++) {
        struct mdc_service *sv = &dc->svc[i];
        sv->vms = dc->svc_vms + k;
        dc->svc_vms[k++] = 4 * i;
        sv->n_vms = 1;
        sv->address = dc->v[4 * i].home;
        if (i % 3 == 0 && 4 * i + 1 < nv) {
            dc->svc_vms[k++] = 4 * i + 1;
            dc->v[4 * i + 1].serves = sv->address;
            sv->n_vms++;
        }
        sv->requests_per_s = 150 * uniform();
        sv->p95_ms = sv->failed_per_s = -1;
    }
    dc->m = (struct mdc_model){.now = 1e9,
                               .interval_s = 300,
                               .servers = dc->s,
                               .n_servers = ns,
                               .vms = dc->v,
                               .n_vms = nv,
                               .services = dc->svc,
                               .n_services = nsvc,
                               .hops = dc->hops};
}

static void dc_free(struct dc *dc)
{
    free(dc->s);
    free(dc->v);
    free(dc->svc);
    free(dc->hist);
    free(dc->svc_vms);
    free(dc->names);
    free(dc->hops);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median time of decide() in ms, and the plan's actions in 'n'. */
static int show; /* --show N: the first N actions of each plan, on stderr */

static double time_policy(const struct mdc_policy *p, const struct mdc_model *m, int runs,
                          size_t *n, size_t *moves)
{
    double t[64];
    for (int r = 0; r < runs; r++) {
        struct mdc_kv *kv;
        size_t nkv;
        char err[256];
        void *st = NULL;
        if (policy_params(p, NULL, 0, &kv, &nkv, err, sizeof err) ||
            (p->init && p->init(&st, kv, nkv, err, sizeof err))) {
            fprintf(stderr, "%s: %s\n", p->name, err);
            exit(1);
        }
        free(kv);
        struct mdc_plan plan = {0};
        double t0 = now_s();
        if (p->decide(st, m, &plan, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", p->name, err);
            exit(1);
        }
        t[r] = (now_s() - t0) * 1e3;
        *n = plan.n;
        *moves = 0;
        static const char *const kinds[] = {"migrate", "clone", "stop", "sleep", "wake"};
        for (size_t i = 0; r == 0 && i < plan.n && i < (size_t)show; i++)
            fprintf(stderr, "%s %zu/%zu: %s %s %s: %s\n", p->name, m->n_servers, i,
                    kinds[plan.actions[i].kind], plan.actions[i].vm ? plan.actions[i].vm : "-",
                    plan.actions[i].server ? plan.actions[i].server : "-", plan.actions[i].why);
        for (size_t i = 0; i < plan.n; i++)
            *moves += plan.actions[i].kind == MDC_MIGRATE || plan.actions[i].kind == MDC_CLONE;
        free(plan.actions);
        if (p->destroy)
            p->destroy(st);
    }
    qsort(t, (size_t)runs, sizeof *t, by_double);
    return t[runs / 2];
}

/* One line on the data center: how many servers asleep and over 0.8. */
static void describe(const struct mdc_model *m)
{
    size_t asleep = 0, over = 0;
    for (size_t i = 0; i < m->n_servers; i++) {
        asleep += m->servers[i].asleep;
        over += m->servers[i].cpu_used / m->servers[i].cpu_capacity > 0.8;
    }
    printf("%zu servers (%zu asleep, %zu over utilisation 0.8), %zu VMs, %zu services\n",
           m->n_servers, asleep, over, m->n_vms, m->n_services);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int runs = 7;
    const char *chosen[64];
    size_t n_chosen = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--traces") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--show") && i + 1 < argc)
            show = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--policy") && i + 1 < argc && n_chosen < 64)
            chosen[n_chosen++] = argv[++i];
        else {
            fprintf(
                stderr,
                "usage: policy_bench [--traces DIR] [--runs N] [--show N] [--policy NAME]...\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 64)
        runs = 7;
    static const char *const families[] = {
        "thr-mmt", "iqr-mmt",        "mad-mmt", "lr-mmt",      "lrr-mmt",   "thr-mc", "thr-rs",
        "thr-mu",  "thr-mmt-subnet", "lrr-mc",  "consolidate", "autoscale", "none"};
    if (!n_chosen)
        for (size_t i = 0; i < sizeof families / sizeof *families; i++)
            chosen[n_chosen++] = families[i];
    static double traces[1052][ROUNDS];
    size_t ntr = dir ? read_traces(dir, traces, 1052) : 0;
    if (dir && !ntr) {
        fprintf(stderr, "%s: no trace of %d values\n", dir, ROUNDS);
        return 1;
    }
    printf("histories: %s (%zu traces); %d runs, medians\n", dir ? dir : "synthetic", ntr, runs);
    struct dc small, large;
    build(&small, 64, 256, traces, ntr);
    build(&large, 800, 1052, traces, ntr);
    describe(&small.m);
    describe(&large.m);
    size_t over = 0;
    printf(
        "\n| policy | 64 servers / 256 VMs | actions (moves) | 800 servers / 1,052 VMs | actions "
        "(moves) |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < n_chosen; i++) {
        const struct mdc_policy *p = policy_builtin(chosen[i]);
        if (!p) {
            fprintf(stderr, "no policy %s\n", chosen[i]);
            return 1;
        }
        size_t n1, m1, n2, m2;
        double a = time_policy(p, &small.m, runs, &n1, &m1);
        double b = time_policy(p, &large.m, runs, &n2, &m2);
        printf("| %s | %.3f ms | %zu (%zu) | %.3f ms | %zu (%zu) |\n", p->name, a, n1, m1, b, n2,
               m2);
        over += b > 1000;
    }
    dc_free(&small);
    dc_free(&large);
    return over ? 1 : 0;
}
