/* Tests of src/loadgen/load_stats.c and load_report.c: a run told event by
 * event, its totals, causes, replicas, longest gap and per-second series,
 * the report's JSON keys, and the text summary printed from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include "loadgen/load_report.h"
#include "loadgen/load_stats.h"
#include "util/xalloc.h"

#define MS 1000

/* Seven requests over three seconds: three answered, four failed, one
 * sent late. */
static struct load_stats *a_run(void)
{
    struct load_stats *st = load_stats_new();
    load_stats_sent(st, 0, 0);
    load_stats_in_flight(st, 1);
    load_stats_connected(st, 2 * MS);
    load_stats_answered(st, 50 * MS, 50 * MS, "vm1");
    load_stats_sent(st, 100 * MS, 20 * MS); /* late */
    load_stats_sent(st, 200 * MS, 0);
    load_stats_in_flight(st, 2);
    load_stats_answered(st, 300 * MS, 100 * MS, "vm2");
    load_stats_sent(st, 500 * MS, 0);
    load_stats_sent(st, 1200 * MS, 5 * MS); /* behind, not late */
    load_stats_failed(st, 1300 * MS, LOAD_HTTP_ERROR, 503);
    load_stats_failed(st, 1500 * MS, LOAD_TIMEOUT, 0);
    load_stats_sent(st, 2100 * MS, 0);
    load_stats_failed(st, 2200 * MS, LOAD_REFUSED, ECONNREFUSED);
    load_stats_sent(st, 2300 * MS, 0);
    load_stats_failed(st, 2300 * MS, LOAD_OTHER, EMFILE);
    load_stats_answered(st, 2500 * MS, 2400 * MS, "vm1");
    load_stats_finish(st, 3000 * MS, 3100 * MS, 0);
    return st;
}

static void near(double got, double want)
{
    if (got < want * 0.996 || got > want * 1.004)
        fail_msg("%g, want %g", got, want);
}

static void test_counts(void **state)
{
    (void)state;
    struct load_stats *st = a_run();
    assert_int_equal(st->sent, 7);
    assert_int_equal(st->answered, 3);
    assert_int_equal(st->failed, 4);
    assert_int_equal(st->sent, st->answered + st->failed + st->unfinished);
    assert_int_equal(st->late, 1);
    assert_int_equal(st->late_max_us, 20 * MS);
    assert_int_equal(st->causes[LOAD_REFUSED], 1);
    assert_int_equal(st->causes[LOAD_RESET], 0);
    assert_int_equal(st->causes[LOAD_TIMEOUT], 1);
    assert_int_equal(st->causes[LOAD_HTTP_ERROR], 1);
    assert_int_equal(st->causes[LOAD_OTHER], 1);
    /* Answers at 0.05, 0.3 and 2.5 s, sending until 3 s: the longest gap is 0.3-2.5. */
    assert_int_equal(st->gap_max_us, 2200 * MS);
    assert_int_equal(st->gap_start_us, 300 * MS);
    assert_int_equal(st->in_flight_max, 2);
    /* Four seconds begun (the last up to 3.1 s). */
    assert_int_equal(st->n_seconds, 4);
    static const uint64_t sent[] = {4, 1, 2, 0}, ans[] = {2, 0, 1, 0}, failed[] = {0, 2, 2, 0};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(st->seconds[i].sent, sent[i]);
        assert_int_equal(st->seconds[i].answered, ans[i]);
        assert_int_equal(st->seconds[i].failed, failed[i]);
    }
    assert_int_equal(st->seconds[0].late, 1);
    near((double)st->seconds[0].p50_us, 50 * MS);
    near((double)st->seconds[0].p95_us, 100 * MS); /* of two answers, the second */
    near((double)st->seconds[0].p99_us, 100 * MS);
    near((double)st->seconds[2].p50_us, 2400 * MS);
    load_stats_free(st);
    load_stats_free(NULL);

    /* Nothing answered: the whole sending time is the gap. */
    st = load_stats_new();
    load_stats_sent(st, 0, 0);
    load_stats_failed(st, 10, LOAD_REFUSED, ECONNREFUSED);
    load_stats_finish(st, 2000 * MS, 2000 * MS, 0);
    assert_int_equal(st->gap_max_us, 2000 * MS);
    assert_int_equal(st->n_seconds, 2);
    load_stats_free(st);
    /* The last answer after sending ended: no gap at the end. */
    st = load_stats_new();
    load_stats_sent(st, 0, 0);
    load_stats_answered(st, 1500 * MS, 1500 * MS, "a");
    load_stats_finish(st, 1000 * MS, 1500 * MS, 0);
    assert_int_equal(st->gap_max_us, 1500 * MS);
    assert_int_equal(st->gap_start_us, 0);
    load_stats_free(st);
}

/* load_stats_tick() closes the seconds before now's, as an event would. */
static void test_tick(void **state)
{
    (void)state;
    struct load_stats *st = load_stats_new();
    for (uint64_t i = 0; i < 100; i++) {
        load_stats_sent(st, i * 10 * MS, 0);
        load_stats_answered(st, i * 10 * MS + (i + 1) * 50, (i + 1) * 50, "a");
    }
    load_stats_tick(st, 999 * MS);
    assert_int_equal(st->n_seconds, 0);
    load_stats_tick(st, 1001 * MS);
    assert_int_equal(st->n_seconds, 1);
    assert_int_equal(st->seconds[0].sent, 100);
    assert_int_equal(st->seconds[0].answered, 100);
    near((double)st->seconds[0].p95_us, 4750); /* the 95th of 0.05, 0.1, ... 5 ms */
    load_stats_tick(st, 3500 * MS);            /* quiet seconds close too, empty */
    assert_int_equal(st->n_seconds, 3);
    assert_int_equal(st->seconds[2].sent, 0);
    assert_int_equal(st->seconds[2].answered, 0);
    load_stats_free(st);
}

static void test_many_names(void **state)
{
    (void)state;
    struct load_stats *st = load_stats_new();
    char name[32];
    for (int i = 0; i < LOAD_MAX_NAMES + 10; i++) {
        snprintf(name, sizeof name, "vm%d", i);
        load_stats_answered(st, (uint64_t)i, 1, name);
        load_stats_failed(st, (uint64_t)i, LOAD_HTTP_ERROR, 400 + i);
    }
    load_stats_answered(st, 1000, 1, "vm0");
    assert_int_equal(st->n_replicas, LOAD_MAX_NAMES);
    assert_string_equal(st->replicas[LOAD_MAX_NAMES - 1].name, "(more)");
    assert_int_equal(st->replicas[LOAD_MAX_NAMES - 1].n, 11);
    assert_int_equal(st->replicas[0].n, 2);
    assert_int_equal(st->n_http, LOAD_MAX_CODES);
    assert_int_equal(st->http[LOAD_MAX_CODES - 1].code, -1);
    assert_int_equal(st->http[LOAD_MAX_CODES - 1].n, LOAD_MAX_NAMES + 10 - (LOAD_MAX_CODES - 1));
    load_stats_free(st);
}

static void test_report_json(void **state)
{
    (void)state;
    struct load_stats *st = a_run();
    json_t *r = load_report_json(st);
    static const char *const keys[] = {"sent",
                                       "answered",
                                       "failed",
                                       "unfinished",
                                       "failures",
                                       "http_errors",
                                       "other_errors",
                                       "late",
                                       "late_threshold_ms",
                                       "late_max_ms",
                                       "latency_ms",
                                       "latency_us_buckets",
                                       "connect_ms",
                                       "replicas",
                                       "longest_gap_ms",
                                       "longest_gap_from_s",
                                       "in_flight_max",
                                       "sending_s",
                                       "elapsed_s",
                                       "answered_per_s",
                                       "cpu_s",
                                       "per_second"};
    assert_int_equal(json_object_size(r), sizeof keys / sizeof *keys);
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(r, k, v) {
        assert_string_equal(k, keys[i]);
        i++;
    }
    char *s = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    assert_non_null(strstr(s, "\"sent\":7,\"answered\":3,\"failed\":4,\"unfinished\":0,"
                              "\"failures\":{\"refused\":1,\"reset\":0,\"timeout\":1,"
                              "\"http_error\":1,\"other\":1},\"http_errors\":{\"503\":1},"
                              "\"other_errors\":{\"EMFILE\":1},\"late\":1,\"late_threshold_ms\":10,"
                              "\"late_max_ms\":20.0,"));
    assert_non_null(strstr(s, "\"replicas\":{\"vm1\":2,\"vm2\":1},\"longest_gap_ms\":2200.0,"
                              "\"longest_gap_from_s\":0.3,\"in_flight_max\":2,\"sending_s\":3.0,"
                              "\"elapsed_s\":3.1,\"answered_per_s\":1.0,"));
    free(s);
    json_t *lat = json_object_get(r, "latency_ms");
    static const char *const lk[] = {"p50", "p90", "p95", "p99", "max", "min", "mean"};
    for (i = 0; i < 7; i++)
        assert_true(json_is_number(json_object_get(lat, lk[i])));
    near(json_number_value(json_object_get(lat, "p50")), 100);
    assert_true(json_number_value(json_object_get(lat, "max")) == 2400);
    assert_true(json_number_value(json_object_get(lat, "mean")) == 850);
    json_t *ps = json_object_get(r, "per_second");
    assert_int_equal(json_array_size(ps), 4);
    json_t *s1 = json_array_get(ps, 1);
    static const char *const sk[] = {"t", "sent", "answered", "failed", "late", "p50_ms", "p99_ms"};
    assert_int_equal(json_object_size(s1), 7);
    for (i = 0; i < 7; i++)
        assert_non_null(json_object_get(s1, sk[i]));
    assert_int_equal(json_integer_value(json_object_get(s1, "t")), 1);
    assert_true(json_is_null(json_object_get(s1, "p50_ms")));
    near(json_number_value(json_object_get(json_array_get(ps, 0), "p99_ms")), 100);
    json_decref(r);
    load_stats_free(st);
    /* Nothing answered: latency is null. */
    st = load_stats_new();
    load_stats_finish(st, 1000, 1000, 0);
    r = load_report_json(st);
    assert_true(json_is_null(json_object_get(r, "latency_ms")));
    assert_true(json_is_null(json_object_get(r, "connect_ms")));
    json_decref(r);
    load_stats_free(st);
}

/* The buckets a report holds give back its latencies, and two reports'
 * together the percentiles of all their answers. */
static void test_report_latency(void **state)
{
    (void)state;
    struct load_stats *a = load_stats_new(), *b = load_stats_new();
    struct load_hist all;
    load_hist_reset(&all);
    for (uint64_t i = 1; i <= 100; i++) { /* a: 1..100 ms, b: 101..200 ms */
        load_stats_sent(a, i * MS, 0);
        load_stats_answered(a, i * MS, i * MS, "vm1");
        load_stats_sent(b, i * MS, 0);
        load_stats_answered(b, i * MS, (100 + i) * MS, "vm2");
        load_hist_add(&all, i * MS);
        load_hist_add(&all, (100 + i) * MS);
    }
    load_stats_finish(a, 200 * MS, 200 * MS, 0);
    load_stats_finish(b, 200 * MS, 200 * MS, 0);
    json_t *ra = load_report_json(a), *rb = load_report_json(b);
    struct load_hist h;
    load_hist_reset(&h);
    assert_int_equal(load_report_latency(ra, &h), 0);
    assert_int_equal(load_report_latency(rb, &h), 0);
    assert_int_equal(h.count, 200);
    assert_int_equal(h.min, 1 * MS);
    assert_int_equal(h.max, 200 * MS);
    assert_true(load_hist_mean(&h) == 100.5 * MS);
    for (double p = 5; p <= 100; p += 5)
        assert_int_equal(load_hist_percentile(&h, p), load_hist_percentile(&all, p));
    near((double)load_hist_percentile(&h, 95), 190.0 * MS);
    near(json_number_value(json_object_get(json_object_get(rb, "latency_ms"), "p95")), 195);
    /* Nothing answered: nothing added, no error. */
    struct load_stats *none = load_stats_new();
    load_stats_finish(none, 1000, 1000, 0);
    json_t *rn = load_report_json(none);
    assert_int_equal(load_report_latency(rn, &h), 0);
    assert_int_equal(h.count, 200);
    /* A report without the buckets, or with a bad one: refused, nothing added. */
    json_object_del(ra, "latency_us_buckets");
    assert_int_equal(load_report_latency(ra, &h), -1);
    json_object_set_new(ra, "latency_us_buckets", json_pack("[[i, i]]", 1000, -1));
    assert_int_equal(load_report_latency(ra, &h), -1);
    assert_int_equal(h.count, 200);
    json_decref(ra), json_decref(rb), json_decref(rn);
    load_stats_free(a), load_stats_free(b), load_stats_free(none);
}

static void test_report_text(void **state)
{
    (void)state;
    struct load_stats *st = a_run();
    json_t *r = json_pack("{s:s, s:s, s:f, s:f, s:i, s:{s:s, s:i, s:f}}", "url", "http://vm1/",
                          "from", "server1", "rate", 10.0, "duration_s", 3.0, "timeout_ms", 1000,
                          "trace", "file", "t.txt", "samples", 3, "interval_s", 1.0);
    json_t *res = load_report_json(st);
    json_object_update(r, res);
    json_decref(res);
    char *text = NULL;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    load_report_text(r, f);
    fclose(f);
    static const char *const lines[] = {
        "minidc load http http://vm1/ from server1: trace t.txt (3 samples of 1 s), up to 10 "
        "requests/s for 3 s, timeout 1000 ms\n",
        "\nsent        7 in 3.0 s; late 1 (more than 10 ms behind schedule; the latest 20.00 ms)\n",
        "\nanswered    3 (42.9%), 1.0 a second\n",
        "\nfailed      4: refused 1, reset 0, timeout 1, http_error 1 (503: 1), other 1 (EMFILE: "
        "1)\n",
        "\nlatency     p50 100.1 ms, p90 2400.0 ms, p99 2400.0 ms, max 2400.0 ms\n",
        "\nconnect     p50 2.00 ms, p99 2.00 ms, max 2.00 ms (the TCP handshake, part of the "
        "latency)\n",
        "\nreplicas    vm1 2, vm2 1\n",
        "\nlongest without an answer 2200.0 ms (from 0.30 s)\n",
        "\nunder way   at most 2 at once\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        if (!strstr(text, lines[i]))
            fail_msg("no line '%s' in:\n%s", lines[i], text);
    assert_null(strstr(text, "unfinished"));
    free(text);
    json_decref(r);
    load_stats_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),         cmocka_unit_test(test_tick),
        cmocka_unit_test(test_many_names),     cmocka_unit_test(test_report_json),
        cmocka_unit_test(test_report_latency), cmocka_unit_test(test_report_text),
    };
    return cmocka_run_group_tests_name("load_stats", tests, NULL, NULL);
}
