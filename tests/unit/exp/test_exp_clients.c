/* Tests of src/exp/exp_clients.c's pooling: several clients' reports (as
 * minidc load http --json writes them) give the sums of their counts, the
 * longest gap of any, and the percentiles of all their answers together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exp/exp_clients.h"
#include "loadgen/load_report.h"
#include "loadgen/load_stats.h"

#define MS 1000

/* A client's report: 'n' answers of first_ms, first_ms + 1, ... ms and
 * 'failed' timeouts. */
static json_t *report(int n, int first_ms, int failed)
{
    struct load_stats *st = load_stats_new();
    for (int i = 0; i < n + failed; i++)
        load_stats_sent(st, (uint64_t)i * MS, 0);
    for (int i = 0; i < n; i++)
        load_stats_answered(st, (uint64_t)(i + first_ms) * MS, (uint64_t)(first_ms + i) * MS, "vm");
    for (int i = 0; i < failed; i++)
        load_stats_failed(st, (uint64_t)(n + first_ms + i) * MS, LOAD_TIMEOUT, 0);
    load_stats_finish(st, (uint64_t)(n + failed) * MS, (uint64_t)(n + failed + first_ms) * MS, 0);
    json_t *r = load_report_json(st);
    load_stats_free(st);
    return r;
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void test_pool_two_clients(void **state)
{
    (void)state;
    /* vm1: 100 answers of 1..100 ms; vm2: 100 of 101..200 ms and 50 timeouts. */
    json_t *vms = json_pack("{s:o, s:o}", "vm1", report(100, 1, 0), "vm2", report(100, 101, 50));
    json_t *p = exp_clients_pool(vms);
    assert_int_equal(num(p, "clients"), 2);
    assert_int_equal(num(p, "sent"), 250);
    assert_int_equal(num(p, "answered"), 200);
    assert_int_equal(num(p, "failed"), 50);
    assert_true(num(p, "failed_fraction") == 0.2);
    const json_t *lat = json_object_get(p, "latency_ms");
    /* Of 1..200 ms: p50 100, p95 190, p99 198 (within the histogram's 0.4%). */
    assert_true(num(lat, "p50") >= 99.6 && num(lat, "p50") <= 100.4);
    assert_true(num(lat, "p95") >= 189.2 && num(lat, "p95") <= 190.8);
    assert_true(num(lat, "p99") >= 197.2 && num(lat, "p99") <= 198.8);
    assert_true(num(lat, "max") == 200);
    /* Not the average of each client's p95 (about 145 ms). */
    double a = num(json_object_get(json_object_get(vms, "vm1"), "latency_ms"), "p95");
    double b = num(json_object_get(json_object_get(vms, "vm2"), "latency_ms"), "p95");
    assert_true(num(lat, "p95") > (a + b) / 2 + 40);
    assert_true(num(p, "longest_gap_ms") >= num(json_object_get(vms, "vm2"), "longest_gap_ms"));
    assert_true(num(p, "longest_gap_ms") >= num(json_object_get(vms, "vm1"), "longest_gap_ms"));
    json_decref(p);
    json_decref(vms);
}

static void test_pool_edge_cases(void **state)
{
    (void)state;
    /* No client: zeros, no latency. */
    json_t *vms = json_object(), *p = exp_clients_pool(vms);
    assert_int_equal(num(p, "clients"), 0);
    assert_int_equal(num(p, "sent"), 0);
    assert_true(num(p, "failed_fraction") == 0);
    assert_true(json_is_null(json_object_get(p, "latency_ms")));
    json_decref(p);
    /* Only failures: counted, no latency. */
    json_object_set_new(vms, "vm1", report(0, 1, 10));
    p = exp_clients_pool(vms);
    assert_int_equal(num(p, "failed"), 10);
    assert_true(num(p, "failed_fraction") == 1);
    assert_true(json_is_null(json_object_get(p, "latency_ms")));
    json_decref(p);
    /* A report without its buckets (an older minidc): its counts count, its
     * latencies do not. */
    json_t *old = report(10, 500, 0);
    json_object_del(old, "latency_us_buckets");
    json_object_set_new(vms, "vm2", old);
    json_object_set_new(vms, "vm3", report(10, 1, 0));
    p = exp_clients_pool(vms);
    assert_int_equal(num(p, "answered"), 20);
    assert_true(num(json_object_get(p, "latency_ms"), "max") == 10);
    json_decref(p);
    json_decref(vms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_two_clients),
        cmocka_unit_test(test_pool_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
