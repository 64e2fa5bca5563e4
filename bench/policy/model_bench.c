/* bench/policy/model_bench: what one interval of a policy costs minidcd
 * beyond decide(): building the model (ctl/model.c) from the inventory, the
 * agents' figures and the history, and writing it as JSON (GET
 * /api/v1/state), on the data centers of policy_bench: 64 servers / 256
 * VMs and 800 servers / 1,052 VMs, a tree topology, MODEL_HISTORY rounds of
 * every series.  Against decide() of thr-mmt on the model built, in the
 * same run.  Medians of --runs runs (default 7).
 * Usage: model_bench [--runs N] */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/model.h"
#include "hist/hist.h"
#include "policy/policy.h"
#include "topo/topo.h"
#include "topo/topo_graph.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct dc {
    struct topo *t;
    struct topo_graph *g;
    struct hist *h;
    json_t *vms, *servers, *metrics;
};

/* A tree of 'leaves' leaf switches of 'per_leaf' servers (1 CPU each) and
 * 'n_vms' VMs spread over them, with MODEL_HISTORY rounds of history. */
static int make(struct dc *d, int fanout, int per_leaf, int n_vms)
{
    struct topo_gen_tree p = {2, fanout, per_leaf, "bench"};
    char *err = NULL, *yaml = topo_gen_tree(&p, &err);
    if (!yaml) {
        fprintf(stderr, "model_bench: %s\n", err);
        return -1;
    }
    struct diag_list dl;
    diag_list_init(&dl, "bench.yaml");
    d->t = topo_load_string("bench.yaml", yaml, &dl);
    free(yaml);
    if (!d->t) {
        diag_print(&dl, stderr);
        diag_list_free(&dl);
        return -1;
    }
    diag_list_free(&dl);
    /* Capped servers, as the policies need (the generator writes no cpu). */
    for (size_t i = 0; i < d->t->n_nodes; i++)
        if (d->t->nodes[i].kind == TOPO_SERVER)
            d->t->nodes[i].cpu = 1;
    d->g = topo_graph_create(d->t);
    d->h = hist_create(MODEL_HISTORY);
    d->vms = json_array();
    d->servers = json_object();
    d->metrics = json_array();
    size_t n_servers = 0;
    for (size_t i = 0; i < d->t->n_nodes; i++)
        n_servers += d->t->nodes[i].kind == TOPO_SERVER;
    json_t **server_vms = calloc(n_servers, sizeof *server_vms);
    const char **names = calloc(n_servers, sizeof *names);
    for (size_t i = 0, k = 0; i < d->t->n_nodes; i++)
        if (d->t->nodes[i].kind == TOPO_SERVER) {
            names[k] = d->t->nodes[i].name;
            server_vms[k++] = json_array();
            json_object_set_new(d->servers, d->t->nodes[i].name,
                                json_pack("{s:b, s:b}", "reachable", 1, "asleep", 0));
        }
    for (int v = 0; v < n_vms; v++) {
        char name[16], addr[32];
        snprintf(name, sizeof name, "vm%d", v);
        snprintf(addr, sizeof addr, "10.%d.%d.%d", v / 65536, v / 256 % 256, v % 256);
        size_t s = (size_t)v * 7919 % n_servers;
        json_array_append_new(d->vms, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:f}", "name",
                                                name, "server", names[s], "current_address", addr,
                                                "home_address", addr, "state", "running",
                                                "memory_mib", 870, "cpus", 1, "cpu_share", 0.4));
        json_array_append_new(server_vms[s], json_pack("{s:s, s:f}", "name", name, "cpu_used",
                                                       0.01 * (double)(v % 40)));
    }
    for (size_t s = 0; s < n_servers; s++)
        json_array_append_new(d->metrics,
                              json_pack("{s:{s:s, s:f}, s:o}", "server", "name", names[s],
                                        "cpu_used", 0.3, "vms", server_vms[s]));
    for (int r = 0; r < MODEL_HISTORY; r++) {
        hist_begin(d->h, 1000 + 2 * r);
        char series[64];
        for (size_t s = 0; s < n_servers; s++) {
            snprintf(series, sizeof series, "server/%s/cpu_used", names[s]);
            hist_set(d->h, series, 0.3 + 0.01 * (r % 7));
        }
        for (int v = 0; v < n_vms; v++) {
            static const char *const figs[] = {"cpu_used", "rss_bytes", "net_rx_bytes_per_second",
                                               "net_tx_bytes_per_second"};
            for (size_t f = 0; f < 4; f++) {
                snprintf(series, sizeof series, "vm/vm%d/%s", v, figs[f]);
                hist_set(d->h, series, 0.01 * (double)((v + r) % 40));
            }
        }
    }
    free(server_vms);
    free(names);
    return 0;
}

static void destroy(struct dc *d)
{
    json_decref(d->vms), json_decref(d->servers), json_decref(d->metrics);
    hist_destroy(d->h);
    topo_graph_destroy(d->g);
    topo_free(d->t);
}

static void bench(const char *what, int fanout, int per_leaf, int n_vms, int runs)
{
    struct dc d = {0};
    if (make(&d, fanout, per_leaf, n_vms))
        exit(1);
    const struct mdc_policy *pol = policy_builtin("thr-mmt");
    struct mdc_kv kv[3];
    size_t n_kv = 0;
    struct mdc_kv *filled = NULL;
    char err[256];
    if (policy_params(pol, kv, n_kv, &filled, &n_kv, err, sizeof err)) {
        fprintf(stderr, "model_bench: %s\n", err);
        exit(1);
    }
    void *st = NULL;
    if (pol->init && pol->init(&st, filled, n_kv, err, sizeof err)) {
        fprintf(stderr, "model_bench: %s\n", err);
        exit(1);
    }
    double *build = calloc((size_t)runs, sizeof *build), *js = calloc((size_t)runs, sizeof *js),
           *dec = calloc((size_t)runs, sizeof *dec);
    size_t bytes = 0;
    for (int r = 0; r < runs; r++) {
        struct model_inputs in = {
            d.t, d.g, d.vms, d.servers, d.metrics, NULL, NULL, d.h, 1000 + 2 * MODEL_HISTORY, 2};
        double t0 = now_s();
        struct model *m = model_build(&in);
        double t1 = now_s();
        json_t *j = model_json(model_get(m));
        char *text = json_dumps(j, JSON_COMPACT);
        double t2 = now_s();
        bytes = strlen(text);
        free(text);
        json_decref(j);
        struct mdc_plan plan = {0};
        double t3 = now_s();
        pol->decide(st, model_get(m), &plan, err, sizeof err);
        double t4 = now_s();
        free(plan.actions);
        model_free(m);
        build[r] = t1 - t0, js[r] = t2 - t1, dec[r] = t4 - t3;
    }
    printf("| %s | %.2f ms | %.2f ms (%.1f MB) | %.2f ms |\n", what, median(build, runs) * 1e3,
           median(js, runs) * 1e3, (double)bytes / 1e6, median(dec, runs) * 1e3);
    if (pol->destroy)
        pol->destroy(st);
    free(filled);
    free(build), free(js), free(dec);
    destroy(&d);
}

int main(int argc, char **argv)
{
    int runs = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: model_bench [--runs N]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    printf("%d runs, medians\n\n", runs);
    printf("| data center | model_build | as JSON (GET /api/v1/state) | thr-mmt decide |\n");
    printf("|---|---|---|---|\n");
    bench("64 servers / 256 VMs", 4, 16, 256, runs);
    bench("800 servers / 1,052 VMs", 16, 50, 1052, runs);
    return 0;
}
