/* Tests of src/exp's pure parts: the statistics, the report and the plots
 * made from a results document like the one `minidc experiment` writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exp/exp_priv.h"
#include "exp/exp_stats.h"
#include "util/xalloc.h"

static void test_stats(void **state)
{
    (void)state;
    struct exp_stats s;
    double x[] = {4, 1, 3, 2};
    exp_stats(x, 4, &s);
    assert_int_equal(s.n, 4);
    assert_true(s.median == 2.5 && s.min == 1 && s.max == 4 && s.mean == 2.5);
    assert_true(s.sd > 1.2909 && s.sd < 1.2910); /* sqrt(5/3) */
    assert_true(s.cv > 0.5163 && s.cv < 0.5164);
    double one[] = {7};
    exp_stats(one, 1, &s);
    assert_true(s.median == 7 && s.sd == 0 && s.cv == 0);
    exp_stats(NULL, 0, &s);
    assert_int_equal(s.n, 0);
    json_t *arr = json_pack("[i, f, s, i]", 3, 1.0, "x", 2);
    exp_stats_json(arr, &s);
    assert_int_equal(s.n, 3);
    assert_true(s.median == 2);
    json_decref(arr);
}

/* A paper experiment's results: 4 routes, 5 MSS, 3 modes, 2 runs, with
 * throughput 10*route + mss/100 (Mbit/s) and a second run 10% higher. */
static json_t *paper_results(void)
{
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:s, s:f, s:I, s:b, s:[], s:{s:s, s:s}}", "experiment", "paper",
                  "minidc_version", "0.1.0", "started", "2026-11-26T00:00:00Z", "finished",
                  "2026-11-26T00:10:00Z", "seconds", 600.0, "seed", (json_int_t)7, "quick", 0,
                  "commands", "machine", "cpu", "test cpu", "qemu", "QEMU 7.2");
    json_t *routes = json_array(), *mss = json_pack("[i, i, i, i, i]", 128, 256, 512, 1024, 1400);
    const char *ends[4][2] = {{"server1", "server2"},
                              {"internet", "server1"},
                              {"server1", "server3"},
                              {"server1", "server8"}};
    int sw[4] = {1, 3, 3, 5};
    for (int i = 0; i < 4; i++)
        json_array_append_new(routes, json_pack("{s:i, s:s, s:s, s:i}", "route", i + 1, "from",
                                                ends[i][0], "to", ends[i][1], "switches", sw[i]));
    json_object_set_new(r, "config",
                        json_pack("{s:i, s:i, s:o, s:o, s:[s, s, s], s:{s:s, s:s, s:s}}", "runs", 2,
                                  "iperf3_seconds", 2, "routes", routes, "mss", mss, "modes",
                                  "minidcd", "standalone", "linux-bridge", "lifecycle_servers",
                                  "boot", "server8", "same_subnet", "server7", "other_subnet",
                                  "server1"));
    json_t *cells = json_array();
    const char *modes[] = {"minidcd", "standalone", "linux-bridge"};
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < 4; i++)
            for (size_t k = 0; k < 5; k++) {
                double v =
                    (10.0 * (i + 1) + (double)json_integer_value(json_array_get(mss, k)) / 100) *
                    1e6;
                json_array_append_new(
                    cells,
                    json_pack("{s:s, s:i, s:s, s:s, s:i, s:I, s:[f, f]}", "mode", modes[m], "route",
                              i + 1, "from", ends[i][0], "to", ends[i][1], "switches", sw[i], "mss",
                              json_integer_value(json_array_get(mss, k)), "bps", v, v * 1.1));
            }
    json_object_set_new(r, "throughput", cells);
    json_object_set_new(
        r, "lifecycle",
        json_pack("{s:{s:[f, f], s:[], s:[i, i]}, s:{s:[f, f], s:[i, i], s:[i, i]}}", "boot",
                  "seconds", 2.5, 2.7, "downtime_ms", "attempts", 1, 1, "migrate_same_subnet",
                  "seconds", 1.0, 1.2, "downtime_ms", 20, 30, "attempts", 1, 2));
    json_object_set_new(
        r, "topology",
        json_pack("{s:s, s:s, s:s}", "file", "fig1.yaml", "name", "fig1", "text", "name: fig1\n"));
    return r;
}

static void test_paper_report(void **state)
{
    (void)state;
    json_t *r = paper_results();
    json_object_set_new(r, "plots",
                        json_pack("[{s:s, s:s}]", "name", "fig2-throughput", "title", "Figure 2"));
    char *md = exp_report_md(r);
    /* Every route and every MSS, in each of the three networks. */
    assert_non_null(strstr(md, "| 1: server1 - server2 | 1 |"));
    assert_non_null(strstr(md, "| 4: server1 - server8 | 5 |"));
    assert_non_null(
        strstr(md, "| route | switches | MSS 128 | MSS 256 | MSS 512 | MSS 1024 | MSS 1400 |"));
    assert_non_null(strstr(md, "### linux-bridge"));
    /* Route 2: MSS 128 21.28 and 23.408 Mbit/s: median 22, CV 7%. */
    assert_non_null(strstr(md, "| 2: internet - server1 | 3 | 22 (7%) | 24 (7%) | 26 (7%) |"));
    /* Table 1 beside the paper's figures; a retried run is said. */
    assert_non_null(strstr(md, "| boot | 2.60 s | 2.50 - 2.70 s |"));
    assert_non_null(strstr(md, "47.25 s"));
    assert_non_null(strstr(md, "| migrate within a subnet | 1.10 s | 1.00 - 1.20 s |"));
    assert_non_null(strstr(md, "25 ms"));
    assert_non_null(strstr(md, "1 of the runs needed another attempt"));
    /* Noise, the plot, seed, machine, topology. */
    assert_non_null(strstr(md, "## Noise"));
    assert_non_null(strstr(md, "![Figure 2](fig2-throughput.svg)"));
    assert_non_null(strstr(md, "seed: 7"));
    assert_non_null(strstr(md, "| CPU | test cpu |"));
    assert_non_null(strstr(md, "```yaml\nname: fig1\n```"));
    free(md);
    json_decref(r);
}

static void test_paper_plots(void **state)
{
    (void)state;
    json_t *r = paper_results();
    json_t *specs = exp_plot_specs(r);
    assert_int_equal(json_array_size(specs), 3);
    const json_t *fig2 = json_array_get(specs, 0);
    assert_string_equal(json_string_value(json_object_get(fig2, "name")), "fig2-throughput");
    const char *data = json_string_value(json_object_get(fig2, "data"));
    const char *script = json_string_value(json_object_get(fig2, "script"));
    /* One row per route, one column per MSS: route 4 is 1.05 x (41.28 .. 54) Mbit/s
     * (medians of v and 1.1 v). */
    assert_non_null(strstr(data, "4: server1-server8 (5)\t43.344\t44.688\t47.376\t52.752\t56.7\n"));
    assert_non_null(strstr(script, "plot 'fig2-throughput.dat' using 2:xtic(1) title \"MSS 128\""));
    assert_non_null(strstr(script, "'' using 6 title \"MSS 1400\""));
    /* Table 1: ours and the paper's; clone was not measured, so no row. */
    const json_t *t1 = json_array_get(specs, 2);
    data = json_string_value(json_object_get(t1, "data"));
    assert_non_null(strstr(data, "boot\t2.6\t47.25\n"));
    assert_null(strstr(data, "clone"));
    assert_non_null(strstr(json_string_value(json_object_get(t1, "script")), "set logscale y"));
    json_decref(specs);
    json_decref(r);
}

static void test_other_reports(void **state)
{
    (void)state;
    json_t *r = json_pack(
        "{s:s, s:{s:[i, i], s:i}, s:[{s:i, s:i, s:f, s:f, s:i, s:i, s:f, s:i, s:i, s:f},"
        "{s:i, s:i, s:f, s:f, s:i, s:i, s:f, s:i, s:i, s:f, s:i}], s:[]}",
        "experiment", "scale", "config", "servers", 8, 16, "runs", 1, "scale", "servers", 8,
        "switches", 7, "lab_up_s", 1.5, "pingall_s", 0.5, "pairs", 72, "answered", 72,
        "controller_rss_mib", 4.5, "flows_total", 180, "flows_largest_switch", 26, "lab_down_s",
        0.3, "servers", 16, "switches", 7, "lab_up_s", 2.5, "pingall_s", 1.5, "pairs", 272,
        "answered", 272, "controller_rss_mib", 5.0, "flows_total", 300, "flows_largest_switch", 42,
        "lab_down_s", 0.4, "answered_first_try", 270, "commands");
    char *md = exp_report_md(r);
    assert_non_null(strstr(
        md, "| 16 | 7 | 2.5 s (0%) | 1.5 s | 272 of 272 (270) | 5.0 MiB | 300 | 42 | 0.4 s |"));
    free(md);
    json_t *specs = exp_plot_specs(r);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(specs, 0), "data")),
                           "8\t1.5\t0.5\t0.3\t4.5\t180\n"));
    json_decref(specs);
    json_decref(r);
    r = json_pack(
        "{s:s, s:{s:i, s:i, s:i}, s:[{s:s, s:s, s:s, s:[f]}, {s:s, s:s, s:s, s:[f]}], s:[]}",
        "experiment", "controller", "config", "switches", 4, "seconds", 1, "runs", 1, "controller",
        "controller", "minidcd", "mode", "latency", "of", "1.3", "per_second", 40000.0,
        "controller", "ovs-testcontroller", "mode", "latency", "of", "1.3", "per_second", 80000.0,
        "commands");
    md = exp_report_md(r);
    assert_non_null(strstr(md, "| latency | 1.3 | 40000/s (0%) | 80000/s (0%) | 0.50 |"));
    free(md);
    json_decref(r);
}

/* A policy row: metrics and series of two rounds. */
static json_t *policy_row(const char *policy, int run, double energy, int overloaded, int active)
{
    return json_pack(
        "{s:s, s:i, s:f, s:f, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:f, "
        "s:i, s:i, s:i, s:i}, s:{s:i, s:f, s:f}, s:{s:[f, f], s:[i, i], s:[f, f], "
        "s:{s:[f, n]}, s:{s:[b, b]}}, s:[{s:s, s:f}], s:{s:{s:i, s:i, s:f, s:{s:f, "
        "s:f, s:f}, s:f}}}",
        "policy", policy, "run", run, "from", 100.0, "to", 104.0, "metrics", "energy_j", energy,
        "energy_kwh", energy / 3.6e6, "slatah", 0.25, "slatah_pooled", 0.25, "pdm", 0.001,
        "pdm_pooled", 0.001, "slav", 0.00025, "overload_fraction", 0.5, "overloaded_intervals",
        overloaded, "mean_active", (double)active, "migrations", overloaded < 5, "clones", 0,
        "sleeps", 0, "wakes", 0, "decide_ms", "n", 2, "p50", 0.5, "max", 1.5, "series", "t", 0.0,
        2.0, "active", active, active, "energy_j", 0.0, energy, "util", "server1", 0.9, "asleep",
        "server1", 0, 1, "events", "type", "vm.migrated", "time", 102.0, "clients", "pooled",
        "sent", 100, "failed", overloaded, "failed_fraction", overloaded / 100.0, "latency_ms",
        "p50", 5.0, "p95", 9.0 + run, "p99", 20.0, "longest_gap_ms", 1000.0);
}

static void test_policy_report(void **state)
{
    (void)state;
    json_t *r = json_pack("{s:s, s:{s:[s, s], s:[s], s:{s:s, s:i}, s:i, s:i, s:f, s:f, s:f, "
                          "s:f, s:i}, s:[], s:[{s:i, s:[{s:s, s:s, s:s, s:s}]}], s:[]}",
                          "experiment", "policy", "config", "policies", "none", "thr-mmt", "params",
                          "thr-mmt:threshold=0.7", "workload", "kind", "synthetic", "seed", 3,
                          "vms", 1, "vm_memory_mib", 128, "vm_cpu_share", 0.25, "duration_s", 60.0,
                          "interval_s", 10.0, "warmup_s", 8.0, "runs", 2, "policy", "workloads",
                          "run", 1, "vms", "vm", "vm1", "server", "server2", "trace",
                          "/x/traces/run1-vm1.txt", "source", "synthetic", "commands");
    json_t *rows = json_object_get(r, "policy");
    json_array_append_new(rows, policy_row("none", 1, 2000, 10, 2));
    json_array_append_new(rows, policy_row("none", 2, 3000, 12, 2));
    json_array_append_new(rows, policy_row("thr-mmt", 1, 1500, 2, 1));
    json_array_append_new(rows, policy_row("thr-mmt", 2, 1700, 4, 1));
    char *md = exp_report_md(r);
    assert_non_null(strstr(md, "| metric | none | thr-mmt |\n|---|---|---|\n"));
    assert_non_null(strstr(md, "| energy (kJ) | 2.50 (2.00 - 3.00) | 1.60 (1.50 - 1.70) |\n"));
    assert_non_null(
        strstr(md, "| overloaded (server, interval) pairs | 11 (10 - 12) | 3 (2 - 4) |\n"));
    assert_non_null(strstr(md, "| decision time, largest (ms) | 1.500 (1.500 - 1.500) |"));
    assert_non_null(strstr(md, "| 1 | vm1 | server2 | synthetic |\n"));
    assert_non_null(strstr(md, "synthetic traces (seed 3)"));
    assert_non_null(strstr(md, " events. Median over 2 runs, with the range in brackets.\n"));
    assert_non_null(strstr(md, "Parameters given: `thr-mmt:threshold=0.7`"));
    /* No clients in the configuration: no client rows. */
    assert_null(strstr(md, "client"));
    free(md);
    json_object_set_new(
        json_object_get(r, "config"), "clients",
        json_pack("{s:f, s:s, s:i}", "rate", 2.0, "from", "internet", "timeout_ms", 1000));
    md = exp_report_md(r);
    assert_non_null(strstr(md, "| client requests sent | 100 (100 - 100) | 100 (100 - 100) |\n"));
    assert_non_null(strstr(md, "| client requests failed | 11 (10 - 12) | 3 (2 - 4) |\n"));
    assert_non_null(strstr(
        md, "| client requests failed (%) | 11.00 (10.00 - 12.00) | 3.00 (2.00 - 4.00) |\n"));
    assert_non_null(strstr(md, "| client latency p95 (ms) | 10.50 (10.00 - 11.00) |"));
    /* A row without the figure (answered is not in these rows): a dash. */
    assert_non_null(strstr(md, "| client requests answered | - | - |\n"));
    assert_non_null(strstr(md, "from internet to the address the VM keeps"));
    free(md);
    json_t *specs = exp_plot_specs(r);
    const char *names[] = {"policy-active",       "policy-energy",     "policy-util-none",
                           "policy-util-thr-mmt", "policy-migrations", "policy-metrics"};
    assert_int_equal(json_array_size(specs), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(exp_str(json_array_get(specs, i), "name"), names[i]);
    /* run 1 of each policy, a block each; energy in kJ */
    assert_string_equal(exp_str(json_array_get(specs, 1), "data"),
                        "# none\n0.000\t0\n2.000\t2\n\n\n# thr-mmt\n0.000\t0\n2.000\t1.5\n\n\n");
    /* t, server, utilisation (? when none), asleep */
    assert_non_null(strstr(exp_str(json_array_get(specs, 2), "data"), "0.000\t0\t0.9\t0\n"));
    assert_non_null(strstr(exp_str(json_array_get(specs, 2), "data"), "2.000\t0\t?\t1\n"));
    assert_non_null(strstr(exp_str(json_array_get(specs, 2), "script"), "title \"asleep\""));
    assert_non_null(strstr(exp_str(json_array_get(specs, 4), "data"), "2.000\t1\tvm.migrated\n"));
    assert_non_null(
        strstr(exp_str(json_array_get(specs, 5), "data"), "overloaded intervals\t11\t3\n"));
    json_decref(specs);
    json_decref(r);
}

/* results.json's text: the same document read back; a series on one line,
 * strings a line each, a deep object of a few figures on one line. */
static void test_results_text(void **state)
{
    (void)state;
    json_t *r =
        json_pack("{s:s, s:[s, s], s:{s:[[f, f], [f, n]], s:[i, b]}, s:{}, s:[], s:[{s:i, s:s, "
                  "s:[{s:i, s:i}, {s:i, s:n}]}]}",
                  "experiment", "policy", "commands", "minidc a", "minidc \"b\"", "series", "x/cpu",
                  1.5, 0.25, 3.0, "flags", 1, 1, "empty", "none", "rows", "n", 7, "name", "a",
                  "per_second", "t", 0, "sent", 2, "t", 1, "p50", 3);
    char *text = exp_results_text(r);
    assert_string_equal(text, "{\n"
                              "  \"experiment\": \"policy\",\n"
                              "  \"commands\": [\n"
                              "    \"minidc a\",\n"
                              "    \"minidc \\\"b\\\"\"\n"
                              "  ],\n"
                              "  \"series\": {\n"
                              "    \"x/cpu\": [[1.5,0.25],[3.0,null]],\n"
                              "    \"flags\": [1,true]\n"
                              "  },\n"
                              "  \"empty\": {},\n"
                              "  \"none\": [],\n"
                              "  \"rows\": [\n"
                              "    {\n"
                              "      \"n\": 7,\n"
                              "      \"name\": \"a\",\n"
                              "      \"per_second\": [\n"
                              "        {\"t\":0,\"sent\":2},\n"
                              "        {\"t\":1,\"p50\":null}\n"
                              "      ]\n"
                              "    }\n"
                              "  ]\n"
                              "}\n");
    json_t *back = json_loads(text, 0, NULL);
    assert_true(json_equal(back, r));
    json_decref(back);
    free(text);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),         cmocka_unit_test(test_paper_report),
        cmocka_unit_test(test_paper_plots),   cmocka_unit_test(test_other_reports),
        cmocka_unit_test(test_policy_report), cmocka_unit_test(test_results_text),
    };
    return cmocka_run_group_tests_name("exp", tests, NULL, NULL);
}
