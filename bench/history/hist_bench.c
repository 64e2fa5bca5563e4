/* bench/history: the memory and time of minidcd's figure history (src/hist)
 * for a data center of 64 servers and 256 VMs over an hour at minidcd's
 * poll (2 s: 1800 rounds), with the series minidcd's recorder keeps (5 a
 * server, 9 a VM, 6 a link of a 64-server tree's 85 links), against a
 * baseline in the same run: the same samples kept as jansson arrays of
 * [time, value] pairs (what a history without its own store would do).
 *
 * It reports, for each, the process's resident memory growth (from
 * /proc/self/statm, after malloc_trim) and the median time of a round, and
 * for src/hist its own count of the bytes it holds and the time of a query
 * of one series' hour.  Usage: hist_bench [--runs N] [--json]. */
#include <jansson.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hist/hist.h"

#define SERVERS 64
#define VMS 256
#define LINKS 85
#define ROUNDS 1800

static const char *const server_figs[] = {"cpu_used", "cpu_utilization", "cpu_throttled_fraction",
                                          "vm_memory_mib", "memory_available_bytes"};
static const char *const vm_figs[] = {"cpu_used",
                                      "cpu_utilization",
                                      "cpu_allocation",
                                      "memory_used_bytes",
                                      "rss_bytes",
                                      "net_rx_bytes_per_second",
                                      "net_tx_bytes_per_second",
                                      "disk_read_bytes_per_second",
                                      "disk_written_bytes_per_second"};
static const char *const link_figs[] = {"ab_bps", "ab_pps", "ab_utilization",
                                        "ba_bps", "ba_pps", "ba_utilization"};
#define N(a) (sizeof a / sizeof *a)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rss_mib(void)
{
    malloc_trim(0);
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    if (f)
        fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Every series' name, in the recorder's form. */
static char **names(size_t *n)
{
    size_t cap = SERVERS * N(server_figs) + VMS * N(vm_figs) + LINKS * N(link_figs);
    char **v = calloc(cap, sizeof *v);
    *n = 0;
    for (int s = 0; s < SERVERS; s++)
        for (size_t f = 0; f < N(server_figs); f++)
            if (asprintf(&v[(*n)++], "server/server%d/%s", s + 1, server_figs[f]) < 0)
                exit(1);
    for (int s = 0; s < VMS; s++)
        for (size_t f = 0; f < N(vm_figs); f++)
            if (asprintf(&v[(*n)++], "vm/vm%d/%s", s + 1, vm_figs[f]) < 0)
                exit(1);
    for (int l = 0; l < LINKS; l++)
        for (size_t f = 0; f < N(link_figs); f++)
            if (asprintf(&v[(*n)++], "link/ovs%d:%d-server%d/%s", l / 4 + 1, l % 4 + 2, l + 1,
                         link_figs[f]) < 0)
                exit(1);
    return v;
}

struct result {
    double rss_mib, round_us, query_ms, bytes_mib;
};

static struct result run_hist(char **nm, size_t n)
{
    double before = rss_mib();
    struct hist *h = hist_create(ROUNDS);
    double *t = malloc(ROUNDS * sizeof *t);
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        hist_begin(h, 1.7e9 + 2.0 * r);
        for (size_t i = 0; i < n; i++)
            hist_set(h, nm[i], (double)(r * 7 + i) * 0.001);
        t[r] = now() - t0;
    }
    struct result res = {.rss_mib = rss_mib() - before,
                         .round_us = median(t, ROUNDS) * 1e6,
                         .bytes_mib = (double)hist_bytes(h) / 1048576.0};
    double q0 = now();
    const char *one[] = {"vm/vm100/cpu_used"};
    json_t *q = hist_query_json(h, one, 1, 0, 0, 0);
    res.query_ms = (now() - q0) * 1e3;
    json_decref(q);
    hist_destroy(h);
    free(t);
    return res;
}

/* The baseline: an object of series, each an array of [t, v]; the oldest
 * round taken off the front once an hour is kept. */
static struct result run_json(char **nm, size_t n)
{
    double before = rss_mib();
    json_t *all = json_object();
    double *t = malloc(ROUNDS * sizeof *t);
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            json_t *a = json_object_get(all, nm[i]);
            if (!a)
                json_object_set_new(all, nm[i], a = json_array());
            json_array_append_new(
                a, json_pack("[f, f]", 1.7e9 + 2.0 * r, (double)(r * 7 + i) * 0.001));
            if (json_array_size(a) > ROUNDS)
                json_array_remove(a, 0);
        }
        t[r] = now() - t0;
    }
    struct result res = {.rss_mib = rss_mib() - before, .round_us = median(t, ROUNDS) * 1e6};
    double q0 = now();
    char *s = json_dumps(json_object_get(all, "vm/vm100/cpu_used"), JSON_COMPACT);
    res.query_ms = (now() - q0) * 1e3;
    free(s);
    json_decref(all);
    free(t);
    return res;
}

int main(int argc, char **argv)
{
    int runs = 5;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json"))
            as_json = true;
        else {
            fprintf(stderr, "usage: hist_bench [--runs N] [--json]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    size_t n;
    char **nm = names(&n);
    double h_rss[64], h_round[64], h_query[64], j_rss[64], j_round[64], j_query[64], bytes = 0;
    if (runs > 64)
        runs = 64;
    for (int r = 0; r < runs; r++) {
        /* Interleaved, so that both see the same machine. */
        struct result a = run_hist(nm, n), b = run_json(nm, n);
        h_rss[r] = a.rss_mib, h_round[r] = a.round_us, h_query[r] = a.query_ms;
        j_rss[r] = b.rss_mib, j_round[r] = b.round_us, j_query[r] = b.query_ms;
        bytes = a.bytes_mib;
        if (!as_json)
            fprintf(stderr, "run %d: hist %.1f MiB %.0f us/round; json %.1f MiB %.0f us/round\n",
                    r + 1, a.rss_mib, a.round_us, b.rss_mib, b.round_us);
    }
    double hr = median(h_rss, (size_t)runs), hu = median(h_round, (size_t)runs),
           hq = median(h_query, (size_t)runs), jr = median(j_rss, (size_t)runs),
           ju = median(j_round, (size_t)runs), jq = median(j_query, (size_t)runs);
    if (as_json)
        printf("{\"series\": %zu, \"rounds\": %d, \"runs\": %d, \"hist\": {\"rss_mib\": %.2f, "
               "\"bytes_mib\": %.2f, \"round_us\": %.1f, \"query_ms\": %.3f}, \"json\": "
               "{\"rss_mib\": %.2f, \"round_us\": %.1f, \"query_ms\": %.3f}}\n",
               n, ROUNDS, runs, hr, bytes, hu, hq, jr, ju, jq);
    else
        printf("%zu series, %d rounds, median of %d runs:\n"
               "  src/hist: %.1f MiB resident (%.1f MiB by its own count), %.0f us a round, "
               "%.2f ms to query one series' hour\n"
               "  jansson arrays: %.1f MiB resident, %.0f us a round, %.2f ms\n"
               "  memory ratio %.1fx, round time ratio %.1fx\n",
               n, ROUNDS, runs, hr, bytes, hu, hq, jr, ju, jq, jr / hr, ju / hu);
    for (size_t i = 0; i < n; i++)
        free(nm[i]);
    free(nm);
    return 0;
}
