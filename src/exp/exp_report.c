/* exp_report: results.json -> report.md.  Pure: no I/O. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp/exp_priv.h"
#include "exp/exp_stats.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The paper's Table 1 (Raspberry Pi 3, seconds), by minidc's operation. */
static const struct {
    const char *op, *label;
    double paper;
} lifecycle_ops[] = {
    {"boot", "boot", 47.25},
    {"clone", "clone", 40.79},
    {"migrate_same_subnet", "migrate within a subnet", 32.28},
    {"migrate_across_subnets", "migrate across subnets (new address, rewrite)", 0},
};

static void header(struct strbuf *sb, const json_t *r)
{
    const json_t *m = json_object_get(r, "machine");
    if (!strcmp(exp_str(r, "experiment"), "sim"))
        strbuf_puts(sb, "# minidc sim\n\n");
    else
        strbuf_printf(sb, "# minidc experiment `%s`\n\n", exp_str(r, "experiment"));
    strbuf_printf(sb,
                  "Run from %s to %s (%.0f s)%s by minidc %s. Every raw sample is in "
                  "`results.json`; the plots are "
                  "made by the gnuplot scripts beside them (`NAME.gp` reading `NAME.dat`).\n\n",
                  exp_str(r, "started"), exp_str(r, "finished"),
                  json_number_value(json_object_get(r, "seconds")),
                  json_is_true(json_object_get(r, "quick")) ? ", the quick version" : "",
                  exp_str(r, "minidc_version"));
    strbuf_puts(sb, "## Machine\n\n| | |\n|---|---|\n");
    static const char *const keys[][2] = {{"host", "host"},
                                          {"kernel", "kernel"},
                                          {"cpu", "CPU"},
                                          {"cpus", "CPUs"},
                                          {"memory_mib", "memory (MiB)"},
                                          {"qemu", "QEMU"},
                                          {"accel", "QEMU accelerator"},
                                          {"openvswitch", "Open vSwitch"},
                                          {"iperf3", "iperf3"},
                                          {"gnuplot", "gnuplot"}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(m, keys[i][0]);
        if (json_is_string(v))
            strbuf_printf(sb, "| %s | %s |\n", keys[i][1], json_string_value(v));
        else if (json_is_integer(v))
            strbuf_printf(sb, "| %s | %lld |\n", keys[i][1], (long long)json_integer_value(v));
    }
    strbuf_printf(sb, "\n## Configuration\n\n- seed: %lld (orders the measurements of each run)\n",
                  (long long)json_integer_value(json_object_get(r, "seed")));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(r, "config"), k, v) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        strbuf_printf(sb, "- %s: `%s`\n", k, s);
        free(s);
    }
    strbuf_puts(sb, "\n");
}

static void footer(struct strbuf *sb, const json_t *r)
{
    const json_t *topo = json_object_get(r, "topology");
    if (json_is_string(json_object_get(topo, "text")))
        strbuf_printf(sb, "## Topology\n\n`%s` (%s):\n\n```yaml\n%s```\n\n", exp_str(topo, "file"),
                      exp_str(topo, "name"), exp_str(topo, "text"));
    strbuf_puts(sb, "## Commands\n\nEach distinct command the experiment ran, in order (`minidc` "
                    "is this minidc):\n\n```\n");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "commands"), i, c)
        strbuf_printf(sb, "%s\n", json_string_value(c));
    strbuf_puts(sb, "```\n");
}

static void plot_links(struct strbuf *sb, const json_t *r, const char *prefix)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r, "plots"), i, p)
        if (!strncmp(exp_str(p, "name"), prefix, strlen(prefix)))
            strbuf_printf(sb, "![%s](%s.svg)\n\n([PNG](%s.png))\n\n", exp_str(p, "title"),
                          exp_str(p, "name"), exp_str(p, "name"));
}

/* ---- paper ---- */

/* Table 1: each lifecycle operation's time, against the paper's. */
static void paper_table1(struct strbuf *sb, const json_t *r, const json_t *cfg, int runs)
{
    const json_t *life = json_object_get(r, "lifecycle");
    strbuf_puts(sb, "## Table 1: VM lifecycle\n\n");
    if (!life) {
        strbuf_printf(sb, "Not measured: %s.\n\n", exp_str(r, "lifecycle_skipped"));
    } else {
        const json_t *ls = json_object_get(cfg, "lifecycle_servers");
        strbuf_printf(sb,
                      "Each operation's own time through minidcd (`minidc vm ... --json`: from the "
                      "request to the "
                      "VM running), %d runs: boot on %s, clone to %s, migrate to %s (same subnet), "
                      "then to %s "
                      "(another subnet). 128 MiB VMs. The paper's figures are its Raspberry Pi 3 "
                      "boards (Table 1).\n\n",
                      runs, exp_str(ls, "boot"), exp_str(ls, "same_subnet"),
                      exp_str(ls, "same_subnet"), exp_str(ls, "other_subnet"));
        const char *net = NULL;
        const char *key;
        const json_t *op;
        json_object_foreach((json_t *)life, key, op)
            if (!net)
                net = json_string_value(json_object_get(op, "network"));
        if (net)
            strbuf_printf(sb,
                          "The clones' and migrations' memory and disk went over the %s network "
                          "(controller.migration-network%s).\n\n",
                          net,
                          strcmp(net, "data") ? "" : ": through the switches, as in the paper");
        strbuf_puts(sb, "| operation | median | min - max | CV | runs | QEMU downtime (median) | "
                        "paper (Raspberry Pi 3) |\n"
                        "|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < sizeof lifecycle_ops / sizeof *lifecycle_ops; i++) {
            const json_t *l = json_object_get(life, lifecycle_ops[i].op);
            if (!l)
                continue;
            struct exp_stats s, d;
            exp_stats_json(json_object_get(l, "seconds"), &s);
            exp_stats_json(json_object_get(l, "downtime_ms"), &d);
            strbuf_printf(sb, "| %s | %.2f s | %.2f - %.2f s | %.1f%% | %zu |",
                          lifecycle_ops[i].label, s.median, s.min, s.max, 100 * s.cv, s.n);
            if (d.n)
                strbuf_printf(sb, " %.0f ms |", d.median);
            else
                strbuf_puts(sb, " - |");
            if (lifecycle_ops[i].paper > 0)
                strbuf_printf(sb, " %.2f s |\n", lifecycle_ops[i].paper);
            else
                strbuf_puts(sb, " (not measured) |\n");
            size_t k;
            json_t *a;
            json_int_t retried = 0;
            json_array_foreach(json_object_get(l, "attempts"), k, a)
                retried += json_integer_value(a) > 1;
            if (retried)
                strbuf_printf(
                    sb,
                    "|  | (%lld of the runs needed another attempt, see docs/vms.md) | | | | | |\n",
                    (long long)retried);
        }
        strbuf_puts(sb, "\n");
        plot_links(sb, r, "table1");
    }
}

/* Figure 2: a table per network of the throughput of each route and MSS. */
static void paper_fig2(struct strbuf *sb, const json_t *cfg, const json_t *cells, int runs)
{
    /* Whether the chains' links carry what the lab's do. */
    const json_t *cl = json_object_get(cfg, "chain_links");
    char chain[160] = "";
    if (json_is_object(cl))
        snprintf(chain, sizeof chain,
                 ", and each veth shaped as the lab's links are: %g Mbit/s, %g ms delay, %g%% loss",
                 json_number_value(json_object_get(cl, "bandwidth_mbit")),
                 json_number_value(json_object_get(cl, "delay_ms")),
                 json_number_value(json_object_get(cl, "loss_percent")));
    strbuf_printf(sb,
                  "## Figure 2: throughput per route and MSS\n\n"
                  "iperf3, %lld s per measurement, TCP MSS set with `-M`; Mbit/s received, median "
                  "of %d runs, with the "
                  "coefficient of variation in brackets. Each run measures every cell once, in an "
                  "order drawn from "
                  "the seed. Three networks: **minidcd** (the lab, routed by minidcd's flows), "
                  "**standalone** (the "
                  "same switches learning on their own, every machine also on one flat subnet, so "
                  "layer 2 only), "
                  "**linux-bridge** (a chain of as many plain Linux bridges, veth with the same "
                  "offload settings%s).\n\n",
                  (long long)json_integer_value(json_object_get(cfg, "iperf3_seconds")), runs,
                  chain);
    size_t i, j, k;
    json_t *route, *mss, *mode;
    json_array_foreach(json_object_get(cfg, "modes"), k, mode) {
        strbuf_printf(sb, "### %s\n\n| route | switches |", json_string_value(mode));
        json_array_foreach(json_object_get(cfg, "mss"), j, mss)
            strbuf_printf(sb, " MSS %lld |", (long long)json_integer_value(mss));
        strbuf_puts(sb, "\n|---|---|");
        json_array_foreach(json_object_get(cfg, "mss"), j, mss)
            strbuf_puts(sb, "---|");
        strbuf_puts(sb, "\n");
        json_array_foreach(json_object_get(cfg, "routes"), i, route) {
            strbuf_printf(sb, "| %lld: %s - %s | %lld |",
                          (long long)json_integer_value(json_object_get(route, "route")),
                          exp_str(route, "from"), exp_str(route, "to"),
                          (long long)json_integer_value(json_object_get(route, "switches")));
            json_array_foreach(json_object_get(cfg, "mss"), j, mss) {
                const json_t *c = exp_cell(cells, json_string_value(mode),
                                           json_integer_value(json_object_get(route, "route")),
                                           json_integer_value(mss));
                struct exp_stats s;
                exp_stats_json(json_object_get(c, "bps"), &s);
                if (s.n)
                    strbuf_printf(sb, " %.0f (%.0f%%) |", s.median / 1e6, 100 * s.cv);
                else
                    strbuf_puts(sb, " - |");
            }
            strbuf_puts(sb, "\n");
        }
        strbuf_puts(sb, "\n");
    }
}

/* minidcd's throughput over each baseline's, per route: the range over MSS. */
static void paper_ratios(struct strbuf *sb, const json_t *cfg, const json_t *cells)
{
    size_t i, j;
    json_t *route, *mss;
    strbuf_puts(sb, "### minidcd against the baselines (ratio of medians, all MSS)\n\n"
                    "| route | minidcd / standalone | minidcd / linux-bridge |\n|---|---|---|\n");
    json_array_foreach(json_object_get(cfg, "routes"), i, route) {
        json_int_t rn = json_integer_value(json_object_get(route, "route"));
        double lo[2] = {1e9, 1e9}, hi[2] = {0, 0};
        json_array_foreach(json_object_get(cfg, "mss"), j, mss) {
            struct exp_stats c, b[2];
            exp_stats_json(
                json_object_get(exp_cell(cells, "minidcd", rn, json_integer_value(mss)), "bps"),
                &c);
            exp_stats_json(
                json_object_get(exp_cell(cells, "standalone", rn, json_integer_value(mss)), "bps"),
                &b[0]);
            exp_stats_json(json_object_get(
                               exp_cell(cells, "linux-bridge", rn, json_integer_value(mss)), "bps"),
                           &b[1]);
            for (int x = 0; x < 2; x++)
                if (c.n && b[x].n && b[x].median > 0) {
                    double q = c.median / b[x].median;
                    lo[x] = q < lo[x] ? q : lo[x];
                    hi[x] = q > hi[x] ? q : hi[x];
                }
        }
        strbuf_printf(sb, "| %lld: %s - %s |", (long long)rn, exp_str(route, "from"),
                      exp_str(route, "to"));
        for (int x = 0; x < 2; x++)
            if (hi[x] > 0)
                strbuf_printf(sb, " %.2f - %.2f |", lo[x], hi[x]);
            else
                strbuf_puts(sb, " - |");
        strbuf_puts(sb, "\n");
    }
    strbuf_puts(sb, "\n");
}

/* How much the cells vary over the runs. */
static void paper_noise(struct strbuf *sb, const json_t *cells)
{
    size_t i, n = json_array_size(cells), m = 0;
    double *cv = xmalloc((n + 1) * sizeof *cv), worst = 0;
    const json_t *worst_c = NULL, *c;
    json_array_foreach(cells, i, c) {
        struct exp_stats s;
        exp_stats_json(json_object_get(c, "bps"), &s);
        if (s.n < 2)
            continue;
        cv[m++] = s.cv;
        if (s.cv > worst)
            worst = s.cv, worst_c = c;
    }
    strbuf_puts(sb, "## Noise\n\n");
    if (m) {
        struct exp_stats s;
        exp_stats(cv, m, &s);
        strbuf_printf(sb,
                      "Throughput: the coefficient of variation of a cell over the runs is %.1f%% "
                      "in the median "
                      "cell, %.1f%% at most (%s, route %lld, MSS %lld). Two runs of this "
                      "experiment are expected to "
                      "agree within about twice that; differences between cells smaller than that "
                      "are noise.\n\n",
                      100 * s.median, 100 * worst, exp_str(worst_c, "mode"),
                      (long long)json_integer_value(json_object_get(worst_c, "route")),
                      (long long)json_integer_value(json_object_get(worst_c, "mss")));
    } else {
        strbuf_puts(sb, "One run per cell: no spread to report (run with `--runs 3` or more).\n\n");
    }
    free(cv);
}

static void paper(struct strbuf *sb, const json_t *r)
{
    const json_t *cfg = json_object_get(r, "config"), *cells = json_object_get(r, "throughput");
    int runs = (int)json_integer_value(json_object_get(cfg, "runs"));
    paper_table1(sb, r, cfg, runs);
    paper_fig2(sb, cfg, cells, runs);
    paper_ratios(sb, cfg, cells);
    plot_links(sb, r, "fig2");
    paper_noise(sb, cells);
}

/* ---- scale ---- */

static void scale(struct strbuf *sb, const json_t *r)
{
    const json_t *rows = json_object_get(r, "scale");
    strbuf_puts(
        sb,
        "## Lab size\n\n"
        "Trees of switches (depth 3, fanout 2) with the servers shared over the four leaves and an "
        "Internet host on the root, each brought up with minidcd and its agents (`minidc lab up`), "
        "every "
        "ordered pair of machines pinged (`minidc lab pingall`), the flows counted on every "
        "switch, and "
        "torn down. Medians over the runs (CV of lab up in brackets). A pair that does not answer "
        "its one "
        "ping is asked again after the others: the pairs answered the first time are given too "
        "(the "
        "others lost a packet in the userspace datapath under the load of the pings).\n\n"
        "| servers | switches | lab up | all pairs reached | pairs answered, all runs (first try) "
        "| minidcd memory | flows (all switches) | "
        "largest flow table | lab down |\n|---|---|---|---|---|---|---|---|---|\n");
    size_t i, j;
    json_t *sz, *row;
    json_array_foreach(json_object_get(json_object_get(r, "config"), "servers"), i, sz) {
        static const char *const keys[] = {
            "lab_up_s",  "pingall_s", "controller_rss_mib", "flows_total", "flows_largest_switch",
            "lab_down_s"};
        struct exp_stats s[6];
        json_int_t sw = 0, pairs = 0, answered = 0, first = 0, servers = 0;
        for (int k = 0; k < 6; k++) {
            json_t *v = json_array();
            json_array_foreach(rows, j, row)
                if (json_integer_value(json_object_get(row, "servers")) == json_integer_value(sz))
                    json_array_append(v, json_object_get(row, keys[k]));
            exp_stats_json(v, &s[k]);
            json_decref(v);
        }
        json_array_foreach(rows, j, row)
            if (json_integer_value(json_object_get(row, "servers")) == json_integer_value(sz)) {
                servers = json_integer_value(sz);
                sw = json_integer_value(json_object_get(row, "switches"));
                pairs += json_integer_value(json_object_get(row, "pairs"));
                answered += json_integer_value(json_object_get(row, "answered"));
                first += json_integer_value(json_object_get(row, "answered_first_try"));
            }
        if (!servers)
            continue;
        strbuf_printf(sb,
                      "| %lld | %lld | %.1f s (%.0f%%) | %.1f s | %lld of %lld (%lld) | %.1f MiB | "
                      "%.0f | %.0f | %.1f s |\n",
                      (long long)servers, (long long)sw, s[0].median, 100 * s[0].cv, s[1].median,
                      (long long)answered, (long long)pairs, (long long)first, s[2].median,
                      s[3].median, s[4].median, s[5].median);
    }
    strbuf_puts(sb, "\n");
    plot_links(sb, r, "scale");
}

/* ---- controller ---- */

static void controller(struct strbuf *sb, const json_t *r)
{
    const json_t *cfg = json_object_get(r, "config"), *rows = json_object_get(r, "controller");
    strbuf_printf(
        sb,
        "## OpenFlow controller\n\n"
        "ofbench (bench/ofbench: cbench's method) with %lld emulated switches, %lld s per "
        "measurement, "
        "against minidcd's reactive learning switch (`--app l2`) and Open vSwitch's "
        "ovs-testcontroller. "
        "throughput: responses per second with many packet-ins in flight; latency: one at a time "
        "(responses per second, so 1/latency). Medians of %lld runs (CV in brackets).\n\n"
        "| mode | OpenFlow | minidcd | ovs-testcontroller | minidcd / ovs-testcontroller "
        "|\n|---|---|---|---|---|\n",
        (long long)json_integer_value(json_object_get(cfg, "switches")),
        (long long)json_integer_value(json_object_get(cfg, "seconds")),
        (long long)json_integer_value(json_object_get(cfg, "runs")));
    static const char *const modes[] = {"throughput", "latency"}, *const ofs[] = {"1.0", "1.3"};
    for (int m = 0; m < 2; m++)
        for (int o = 0; o < 2; o++) {
            struct exp_stats s[2] = {{0}};
            size_t i;
            json_t *row;
            json_array_foreach(rows, i, row)
                if (!strcmp(exp_str(row, "mode"), modes[m]) && !strcmp(exp_str(row, "of"), ofs[o]))
                    exp_stats_json(json_object_get(row, "per_second"),
                                   &s[strcmp(exp_str(row, "controller"), "minidcd") != 0]);
            if (!s[0].n || !s[1].n)
                continue;
            strbuf_printf(sb, "| %s | %s | %.0f/s (%.0f%%) | %.0f/s (%.0f%%) | %.2f |\n", modes[m],
                          ofs[o], s[0].median, 100 * s[0].cv, s[1].median, 100 * s[1].cv,
                          s[1].median > 0 ? s[0].median / s[1].median : 0);
        }
    strbuf_puts(sb, "\n");
    plot_links(sb, r, "controller");
}

/* ---- policy ---- */

/* Each row of the table: where its value is in a row of results (a path
 * of members), its label, digits and scale. */
static const struct {
    const char *path, *label;
    int digits;
    double scale;
} policy_metrics[] = {
    {"metrics.energy_j", "energy (kJ)", 2, 1e-3},
    {"metrics.slatah", "SLATAH", 4, 1},
    {"metrics.pdm", "PDM", 5, 1},
    {"metrics.slav", "SLAV (SLATAH x PDM)", 6, 1},
    {"metrics.slatah_pooled", "SLATAH, pooled (CloudSim's code)", 4, 1},
    {"metrics.pdm_pooled", "PDM, pooled (CloudSim's code)", 5, 1},
    {"metrics.overload_fraction", "overload time fraction (u > 0.8)", 3, 1},
    {"metrics.overloaded_intervals", "overloaded (server, interval) pairs", 0, 1},
    {"metrics.mean_active", "mean active servers", 2, 1},
    {"metrics.migrations", "migrations", 0, 1},
    {"metrics.clones", "clones", 0, 1},
    {"metrics.sleeps", "sleeps", 0, 1},
    {"metrics.wakes", "wakes", 0, 1},
    {"decide_ms.p50", "decision time, median (ms)", 3, 1},
    {"decide_ms.max", "decision time, largest (ms)", 3, 1},
    {"decide_ms.n", "decisions", 0, 1},
    {"clients.pooled.sent", "client requests sent", 0, 1},
    {"clients.pooled.answered", "client requests answered", 0, 1},
    {"clients.pooled.failed", "client requests failed", 0, 1},
    {"clients.pooled.failed_fraction", "client requests failed (%)", 2, 100},
    {"clients.pooled.latency_ms.p50", "client latency p50 (ms)", 2, 1},
    {"clients.pooled.latency_ms.p95", "client latency p95 (ms)", 2, 1},
    {"clients.pooled.latency_ms.p99", "client latency p99 (ms)", 2, 1},
    {"clients.pooled.longest_gap_ms", "longest a client went unanswered (ms)", 0, 1},
};

/* A cell: the median of 'v' and, over several runs, the range. */
static void policy_cell(struct strbuf *sb, const json_t *v, int digits, double scale)
{
    struct exp_stats s;
    exp_stats_json(v, &s);
    if (!s.n)
        strbuf_puts(sb, " - |");
    else if (s.n == 1)
        strbuf_printf(sb, " %.*f |", digits, s.median * scale);
    else
        strbuf_printf(sb, " %.*f (%.*f - %.*f) |", digits, s.median * scale, digits, s.min * scale,
                      digits, s.max * scale);
}

/* The member of 'o' at 'path' ("a.b.c"), or NULL. */
static const json_t *member_at(const json_t *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        o = json_object_get(o, key);
        path += n + (path[n] == '.');
    }
    return o;
}

/* The values at 'path' of each row of 'policy' (those that have one). */
static json_t *policy_values(const json_t *r, const char *policy, const char *path)
{
    json_t *v = json_array(), *row;
    size_t i;
    json_array_foreach(json_object_get(r, "policy"), i, row) {
        const json_t *m = member_at(row, path);
        if (!strcmp(exp_str(row, "policy"), policy) && json_is_number(m))
            json_array_append(v, (json_t *)m);
    }
    return v;
}

/* The policy experiment's opening: how each policy ran in its lab. */
static void lab_intro(struct strbuf *sb, const json_t *cfg, const char *over)
{
    const json_t *w = json_object_get(cfg, "workload");
    char wl[512];
    if (!strcmp(exp_str(w, "kind"), "planetlab"))
        snprintf(wl, sizeof wl, "PlanetLab trace files from `%s`, one per VM chosen by the seed",
                 exp_str(w, "dir"));
    else
        snprintf(wl, sizeof wl,
                 "synthetic traces (seed %lld): per VM a level of 60 to 90%% of a CPU and a "
                 "random walk around it; a VM gets at most its CPU share, so two overload a "
                 "server and one alone does not",
                 (long long)json_integer_value(json_object_get(w, "seed")));
    strbuf_printf(sb,
                  "## Policies side by side\n\n"
                  "Each policy ran on a fresh lab with the same %lld VMs (%lld MiB, a CPU share "
                  "of %g) booted in the same placement (two to a server, the servers in an order "
                  "drawn from the seed) and the same workload: %s, each sample held %g s "
                  "(`minidc vm load --trace`). After a warm-up of %g s, `minidc policy run` for "
                  "%g s with an interval of %g s; the metrics (defined in docs/experiments.md) "
                  "are computed over the policy's window from minidcd's history (2 s rounds) and "
                  "events. %s\n\n",
                  (long long)json_integer_value(json_object_get(cfg, "vms")),
                  (long long)json_integer_value(json_object_get(cfg, "vm_memory_mib")),
                  json_number_value(json_object_get(cfg, "vm_cpu_share")), wl,
                  json_number_value(json_object_get(cfg, "interval_s")),
                  json_number_value(json_object_get(cfg, "warmup_s")),
                  json_number_value(json_object_get(cfg, "duration_s")),
                  json_number_value(json_object_get(cfg, "interval_s")), over);
}

/* minidc sim's opening: the simulated data center and its workload. */
static void sim_intro(struct strbuf *sb, const json_t *cfg)
{
    const json_t *w = json_object_get(cfg, "workload");
    char wl[512];
    if (!strcmp(exp_str(w, "kind"), "planetlab"))
        snprintf(wl, sizeof wl, "the PlanetLab trace files of `%s`, one per VM in name order",
                 exp_str(w, "dir"));
    else
        snprintf(wl, sizeof wl, "generated traces (seed %lld)",
                 (long long)json_integer_value(json_object_get(w, "seed")));
    strbuf_printf(sb,
                  "## The simulation\n\n"
                  "`minidc sim` (docs/simulator.md): %lld servers and %lld VMs%s%s%s, the workload "
                  "%s, a round every %g s for %g s. The metrics are those of `minidc experiment "
                  "policy` (docs/experiments.md), on the simulated rounds.\n\n",
                  (long long)json_integer_value(json_object_get(cfg, "hosts")),
                  (long long)json_integer_value(json_object_get(cfg, "vms")),
                  json_is_string(json_object_get(cfg, "preset")) ? " (the preset `" : "",
                  exp_str(cfg, "preset"),
                  json_is_string(json_object_get(cfg, "preset")) ? "`)" : "", wl,
                  json_number_value(json_object_get(cfg, "interval_s")),
                  json_number_value(json_object_get(cfg, "duration_s")));
}

static void policy(struct strbuf *sb, const json_t *r)
{
    const json_t *cfg = json_object_get(r, "config"), *pols = json_object_get(cfg, "policies");
    bool sim = !strcmp(exp_str(r, "experiment"), "sim");
    char over[96] = "One run of each.";
    json_int_t runs = json_integer_value(json_object_get(cfg, "runs"));
    if (runs > 1)
        snprintf(over, sizeof over, "Median over %lld runs, with the range in brackets.",
                 (long long)runs);
    if (sim)
        sim_intro(sb, cfg);
    else
        lab_intro(sb, cfg, over);
    strbuf_puts(sb, "| metric |");
    size_t i, j;
    json_t *pol;
    json_array_foreach(pols, i, pol)
        strbuf_printf(sb, " %s |", json_string_value(pol));
    strbuf_puts(sb, "\n|---|");
    json_array_foreach(pols, i, pol)
        strbuf_puts(sb, "---|");
    strbuf_puts(sb, "\n");
    bool clients = json_is_object(json_object_get(cfg, "clients"));
    for (size_t k = 0; k < sizeof policy_metrics / sizeof *policy_metrics; k++) {
        if (!clients && !strncmp(policy_metrics[k].path, "clients.", 8))
            continue;
        strbuf_printf(sb, "| %s |", policy_metrics[k].label);
        json_array_foreach(pols, i, pol) {
            json_t *v = policy_values(r, json_string_value(pol), policy_metrics[k].path);
            policy_cell(sb, v, policy_metrics[k].digits, policy_metrics[k].scale);
            json_decref(v);
        }
        strbuf_puts(sb, "\n");
    }
    strbuf_puts(sb, "\n");
    const json_t *cl = json_object_get(cfg, "clients");
    if (clients)
        strbuf_printf(sb,
                      "The clients: each VM had one (`minidc load http` from %s to the address "
                      "the VM keeps wherever it moves), sending %g requests a second through "
                      "the policy's window, each on a connection of its own with a %lld ms "
                      "timeout and no retry; a refused, reset or timed-out request is a "
                      "failure. Latency percentiles are over the answers of all clients of a "
                      "run together.\n\n",
                      exp_str(cl, "from"), json_number_value(json_object_get(cl, "rate")),
                      (long long)json_integer_value(json_object_get(cl, "timeout_ms")));
    const json_t *params = json_object_get(cfg, "params");
    if (json_array_size(params)) {
        strbuf_puts(sb, "Parameters given:");
        json_array_foreach(params, i, pol)
            strbuf_printf(sb, " `%s`", json_string_value(pol));
        strbuf_puts(sb, " (the others at their defaults, `minidc policy list`).\n\n");
    }
    if (sim) {
        plot_links(sb, r, "policy");
        return;
    }
    strbuf_puts(sb, "### Workload\n\n| run | VM | initial server | trace |\n|---|---|---|---|\n");
    const json_t *run, *vm;
    json_array_foreach(json_object_get(r, "workloads"), i, run)
        json_array_foreach(json_object_get(run, "vms"), j, vm)
            strbuf_printf(sb, "| %lld | %s | %s | %s |\n",
                          (long long)json_integer_value(json_object_get(run, "run")),
                          exp_str(vm, "vm"), exp_str(vm, "server"), exp_str(vm, "source"));
    strbuf_puts(sb, "\nThe traces each VM ran are in `traces/` (`runN-VM.txt`).\n\n");
    plot_links(sb, r, "policy");
}

char *exp_report_md(const json_t *r)
{
    struct strbuf sb;
    strbuf_init(&sb);
    header(&sb, r);
    const char *kind = exp_str(r, "experiment");
    if (!strcmp(kind, "paper"))
        paper(&sb, r);
    else if (!strcmp(kind, "scale"))
        scale(&sb, r);
    else if (!strcmp(kind, "controller"))
        controller(&sb, r);
    else if (!strcmp(kind, "policy") || !strcmp(kind, "sim"))
        policy(&sb, r);
    footer(&sb, r);
    return strbuf_steal(&sb);
}
