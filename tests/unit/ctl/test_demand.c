/* Tests of src/ctl/demand.c, and of the demand series src/ctl/recorder.c
 * makes of it: the latest report of a source replaces its previous one,
 * sources and ports add up, p95 is the max, a report older than three of
 * its intervals is not counted (and is dropped), the bound on reports, the
 * JSON list, and the history's service/ADDRESS/ series. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/demand.h"
#include "ctl/recorder.h"
#include "hist/hist.h"

#define A1 ((198u << 24) | (18u << 16) | (4u << 8) | 2u) /* 198.18.4.2 */
#define A2 ((10u << 24) | 1u)                            /* 10.0.0.1 */

static struct demand_report report(uint32_t addr, uint16_t port, const char *source, double rps,
                                   double failed, double p95)
{
    struct demand_report r = {.addr = addr,
                              .port = port,
                              .interval_s = 1,
                              .requests_per_second = rps,
                              .sent_per_second = rps + failed,
                              .failed_per_second = failed,
                              .p95_ms = p95};
    snprintf(r.source, sizeof r.source, "%s", source);
    return r;
}

static void put(struct demand *d, struct demand_report r, double now)
{
    assert_int_equal(demand_put(d, &r, now), 0);
}

static void test_sources_add_up(void **state)
{
    (void)state;
    struct demand *d = demand_create();
    struct demand_figures f;
    assert_int_equal(demand_get(d, A1, 10, &f), -1);
    assert_int_equal(f.sources, 0);
    assert_true(f.requests_per_second == 0 && f.p95_ms < 0);

    put(d, report(A1, 80, "1@a", 100, 2, 5.0), 10);
    put(d, report(A1, 80, "2@a", 50, 0, 9.5), 10.2);
    put(d, report(A1, 8080, "1@a", 10, 1, -1), 10.4); /* another port, no answers' latency */
    put(d, report(A2, 80, "1@a", 7, 0, 1), 10.4);     /* another address */
    assert_int_equal(demand_get(d, A1, 10.5, &f), 0);
    assert_true(f.requests_per_second == 160);
    assert_true(f.sent_per_second == 163);
    assert_true(f.failed_per_second == 3);
    assert_true(f.p95_ms == 9.5); /* the max */
    assert_int_equal(f.sources, 3);
    assert_true(fabs(f.age_s - 0.1) < 1e-9); /* since the newest */

    /* A source's next report replaces its last. */
    put(d, report(A1, 80, "2@a", 20, 0, 3.0), 11);
    assert_int_equal(demand_get(d, A1, 11, &f), 0);
    assert_true(f.requests_per_second == 130);
    assert_true(f.p95_ms == 5.0);
    assert_int_equal(f.sources, 3);

    /* The anonymous source is one source too. */
    put(d, report(A2, 80, "", 3, 0, 20), 11);
    put(d, report(A2, 80, "", 4, 0, 2), 11.1);
    assert_int_equal(demand_get(d, A2, 11.1, &f), 0);
    assert_true(f.requests_per_second == 11);
    assert_true(f.p95_ms == 2);
    assert_int_equal(f.sources, 2);
    assert_int_equal(demand_get(d, A2 + 1, 11.1, &f), -1);
    demand_destroy(d);
    demand_destroy(NULL);
}

static void test_staleness(void **state)
{
    (void)state;
    struct demand *d = demand_create();
    struct demand_figures f;
    put(d, report(A1, 80, "old", 100, 0, 50), 0);
    struct demand_report slow = report(A1, 80, "slow", 10, 0, 1);
    slow.interval_s = 5; /* current for 15 s */
    put(d, slow, 0);
    assert_int_equal(demand_get(d, A1, 3.0, &f), 0); /* exactly 3 intervals: still current */
    assert_true(f.requests_per_second == 110);
    assert_true(f.p95_ms == 50);
    assert_int_equal(demand_get(d, A1, 3.01, &f), 0); /* "old" is stale: only "slow" */
    assert_true(f.requests_per_second == 10);
    assert_true(f.p95_ms == 1);
    assert_int_equal(f.sources, 1);
    assert_true(fabs(f.age_s - 3.01) < 1e-9);
    assert_int_equal(demand_get(d, A1, 15.01, &f), -1);
    json_t *j = demand_json(d, 15.01);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    /* A stale source that reports again counts again. */
    put(d, report(A1, 80, "old", 1, 0, 2), 20);
    assert_int_equal(demand_get(d, A1, 20, &f), 0);
    assert_int_equal(f.sources, 1);
    demand_destroy(d);
}

static void test_bound(void **state)
{
    (void)state;
    struct demand *d = demand_create();
    char src[16];
    for (int i = 0; i < DEMAND_REPORTS_MAX; i++) {
        snprintf(src, sizeof src, "%d", i);
        put(d, report(A1, 80, src, 1, 0, 1), 0);
    }
    struct demand_report one = report(A1, 80, "one-more", 1, 0, 1);
    assert_int_equal(demand_put(d, &one, 1), -1);
    struct demand_figures f;
    assert_int_equal(demand_get(d, A1, 1, &f), 0);
    assert_int_equal(f.sources, DEMAND_REPORTS_MAX);
    /* A source already kept may still report. */
    put(d, report(A1, 80, "7", 2, 0, 1), 1);
    /* Once they are stale there is room again. */
    assert_int_equal(demand_put(d, &one, 3.5), 0);
    assert_int_equal(demand_get(d, A1, 3.5, &f), 0);
    assert_int_equal(f.sources, 2); /* "7" (reported at 1) and "one-more" */
    assert_true(f.requests_per_second == 3);
    demand_destroy(d);
}

static void test_json(void **state)
{
    (void)state;
    struct demand *d = demand_create();
    put(d, report(A1, 8080, "b", 10, 1, -1), 5);
    put(d, report(A1, 80, "a", 100, 2, 4), 5);
    put(d, report(A1, 80, "b", 50, 0, 6), 5.5);
    put(d, report(A2, 80, "a", 0, 5, -1), 5.5);
    json_t *j = demand_json(d, 6);
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    assert_string_equal(
        s, "[{\"address\":\"10.0.0.1\",\"port\":80,\"requests_per_second\":0.0,"
           "\"sent_per_second\":5.0,\"failed_per_second\":5.0,\"p95_ms\":null,\"sources\":1,"
           "\"age_s\":0.5},"
           "{\"address\":\"198.18.4.2\",\"port\":80,\"requests_per_second\":150.0,"
           "\"sent_per_second\":152.0,\"failed_per_second\":2.0,\"p95_ms\":6.0,\"sources\":2,"
           "\"age_s\":0.5},"
           "{\"address\":\"198.18.4.2\",\"port\":8080,\"requests_per_second\":10.0,"
           "\"sent_per_second\":11.0,\"failed_per_second\":1.0,\"p95_ms\":null,\"sources\":1,"
           "\"age_s\":1.0}]");
    free(s);
    json_decref(j);
    uint32_t addrs[4];
    assert_int_equal(demand_addresses(d, 6, addrs, 4), 2);
    assert_int_equal(addrs[0], A2);
    assert_int_equal(addrs[1], A1);
    assert_int_equal(demand_addresses(d, 6, addrs, 1), 2);
    assert_int_equal(addrs[0], A2);
    demand_destroy(d);
}

/* The value of 'series' in the last round of 'h', or NAN when it has none. */
static double last(const struct hist *h, const char *series)
{
    json_t *q = hist_query_json(h, &series, 1, 0, 0, 0);
    json_t *pts = json_object_get(json_object_get(q, "series"), series);
    double v =
        json_array_size(pts)
            ? json_number_value(json_array_get(json_array_get(pts, json_array_size(pts) - 1), 1))
            : NAN;
    json_decref(q);
    return v;
}

static void test_recorded(void **state)
{
    (void)state;
    struct hist *h = hist_create(10);
    struct recorder *rec = recorder_create(h);
    struct demand *d = demand_create();
    json_t *servers = json_array();
    put(d, report(A1, 80, "a", 100, 2, 4), 0);
    put(d, report(A1, 8080, "a", 10, 1, 7.5), 0);
    put(d, report(A2, 80, "a", 0, 3, -1), 0);
    recorder_round(rec, 1000, servers, NULL, d, 1);
    /* Ports summed per address, p95 the max. */
    assert_true(last(h, "service/198.18.4.2/requests_per_second") == 110);
    assert_true(last(h, "service/198.18.4.2/failed_per_second") == 3);
    assert_true(last(h, "service/198.18.4.2/p95_ms") == 7.5);
    assert_true(last(h, "service/10.0.0.1/requests_per_second") == 0);
    assert_true(last(h, "service/10.0.0.1/failed_per_second") == 3);
    assert_true(isnan(last(h, "service/10.0.0.1/p95_ms"))); /* no answers: no value */
    json_t *l = hist_list_json(h, "service/");
    assert_int_equal(json_array_size(json_object_get(l, "series")), 5);
    json_decref(l);
    /* Stale: the next round has none. */
    recorder_round(rec, 1002, servers, NULL, d, 5);
    json_t *q = hist_query_json(h, (const char *[]){"service/198.18.4.2/requests_per_second"}, 1,
                                1001, 0, 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(q, "series"),
                                                     "service/198.18.4.2/requests_per_second")),
                     0);
    json_decref(q);
    json_decref(servers);
    demand_destroy(d);
    recorder_destroy(rec);
    hist_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources_add_up), cmocka_unit_test(test_staleness),
        cmocka_unit_test(test_bound),          cmocka_unit_test(test_json),
        cmocka_unit_test(test_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
