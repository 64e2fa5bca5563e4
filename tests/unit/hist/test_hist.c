/* Tests of src/hist: rounds and gaps, the ring's bound, counters as rates,
 * series dropped when the window holds nothing of them, queries (exact,
 * prefix, time range, thinning) and the memory it holds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist/hist.h"

/* The [t, v] points of one series in a query's answer, as "t:v t:v". */
static const char *points(json_t *q, const char *name)
{
    static char buf[1024];
    buf[0] = '\0';
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(json_object_get(q, "series"), name), i, p)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%g:%g", i ? " " : "",
                 json_real_value(json_array_get(p, 0)), json_real_value(json_array_get(p, 1)));
    return buf;
}

static json_t *query1(struct hist *h, const char *name, double since, double until, size_t max)
{
    const char *names[] = {name};
    return hist_query_json(h, names, 1, since, until, max);
}

static void test_rounds_and_gaps(void **state)
{
    (void)state;
    struct hist *h = hist_create(4);
    hist_set(h, "a", 1); /* before any round: nowhere to go */
    assert_int_equal(hist_n_series(h), 0);
    assert_true(hist_begin(h, 10));
    hist_set(h, "a", 1);
    hist_set(h, "b", 5);
    assert_true(hist_begin(h, 12));
    hist_set(h, "a", 2);
    hist_set(h, "a", 2.5);           /* the last one given counts */
    assert_false(hist_begin(h, 12)); /* time must go on */
    assert_false(hist_begin(h, 11));
    assert_true(hist_begin(h, 14));
    hist_set(h, "a", 3);
    hist_set(h, "b", NAN); /* no value */
    json_t *q = query1(h, "a", 0, 0, 0);
    assert_string_equal(points(q, "a"), "10:1 12:2.5 14:3");
    json_decref(q);
    q = query1(h, "b", 0, 0, 0);
    assert_string_equal(points(q, "b"), "10:5");
    json_decref(q);
    q = query1(h, "nosuch", 0, 0, 0);
    assert_string_equal(points(q, "nosuch"), "");
    json_decref(q);
    hist_destroy(h);
}

/* The window: the oldest round goes once 'capacity' more came; a series
 * with nothing left in it goes. */
static void test_ring_bound(void **state)
{
    (void)state;
    struct hist *h = hist_create(3);
    hist_begin(h, 1);
    hist_set(h, "gone", 7);
    for (int t = 1; t <= 10; t++) {
        if (t > 1)
            hist_begin(h, t);
        hist_set(h, "x", t * 10);
    }
    assert_int_equal(hist_rounds(h), 3);
    json_t *q = query1(h, "x", 0, 0, 0);
    assert_string_equal(points(q, "x"), "8:80 9:90 10:100");
    assert_true(json_real_value(json_object_get(q, "from")) == 8);
    assert_true(json_real_value(json_object_get(q, "to")) == 10);
    json_decref(q);
    assert_int_equal(hist_n_series(h), 1); /* "gone" went */
    /* Many series come and go: none is lost or left behind. */
    char name[32];
    for (int t = 11; t <= 200; t++) {
        hist_begin(h, t);
        hist_set(h, "x", t);
        for (int k = 0; k < 40; k++) {
            snprintf(name, sizeof name, "s%d", (t + k) % 97);
            hist_set(h, name, k);
        }
    }
    size_t kept = hist_n_series(h);
    json_t *l = hist_list_json(h, "s");
    assert_int_equal(json_array_size(json_object_get(l, "series")), kept - 1);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(l, "series"), i, s)
        assert_true(json_integer_value(json_object_get(s, "values")) > 0);
    json_decref(l);
    q = query1(h, "x", 0, 0, 0);
    assert_string_equal(points(q, "x"), "198:198 199:199 200:200");
    json_decref(q);
    hist_destroy(h);
}

static void test_counters(void **state)
{
    (void)state;
    struct hist *h = hist_create(8);
    hist_begin(h, 100);
    hist_set_counter(h, "bytes", 1000); /* first: no rate */
    hist_begin(h, 102);
    hist_set_counter(h, "bytes", 3000); /* 1000/s */
    hist_begin(h, 104);
    hist_set_counter(h, "bytes", 500); /* went down: a reset, no rate */
    hist_begin(h, 105);
    hist_set_counter(h, "bytes", 800); /* 300/s */
    json_t *q = query1(h, "bytes", 0, 0, 0);
    assert_string_equal(points(q, "bytes"), "102:1000 105:300");
    json_decref(q);
    hist_destroy(h);
}

static void test_queries(void **state)
{
    (void)state;
    struct hist *h = hist_create(100);
    for (int t = 1; t <= 20; t++) {
        hist_begin(h, t);
        hist_set(h, "vm/vm1/cpu_used", t);
        hist_set(h, "vm/vm2/cpu_used", -t);
        hist_set(h, "server/s1/cpu_used", 0.5);
    }
    json_t *q = query1(h, "vm/vm1/cpu_used", 5, 8, 0);
    assert_string_equal(points(q, "vm/vm1/cpu_used"), "5:5 6:6 7:7 8:8");
    json_decref(q);
    /* Thinned to at most 5: evenly, the last kept. */
    q = query1(h, "vm/vm1/cpu_used", 0, 0, 5);
    assert_string_equal(points(q, "vm/vm1/cpu_used"), "4:4 8:8 12:12 16:16 20:20");
    json_decref(q);
    q = query1(h, "vm/*", 19, 0, 0);
    assert_int_equal(json_object_size(json_object_get(q, "series")), 2);
    assert_string_equal(points(q, "vm/vm2/cpu_used"), "19:-19 20:-20");
    json_decref(q);
    json_t *l = hist_list_json(h, "server/");
    assert_int_equal(json_array_size(json_object_get(l, "series")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(l, "series"), 0), "name")),
        "server/s1/cpu_used");
    assert_int_equal(json_integer_value(json_object_get(l, "rounds")), 20);
    json_decref(l);
    hist_destroy(h);
}

/* An hour at 2 s for 64 servers and 256 VMs: the store's own count of
 * what it holds, against the bound the issue sets (64 MiB). */
static void test_memory(void **state)
{
    (void)state;
    struct hist *h = hist_create(1800);
    char name[64];
    for (int r = 0; r < 1800; r++) {
        hist_begin(h, r * 2.0);
        for (int s = 0; s < 64; s++)
            for (int f = 0; f < 8; f++) {
                snprintf(name, sizeof name, "server/server%d/f%d", s, f);
                hist_set(h, name, r);
            }
        for (int v = 0; v < 256; v++)
            for (int f = 0; f < 10; f++) {
                snprintf(name, sizeof name, "vm/vm%d/f%d", v, f);
                hist_set(h, name, r);
            }
    }
    size_t series = hist_n_series(h), bytes = hist_bytes(h);
    print_message("# %zu series, 1800 rounds: %.1f MiB\n", series, bytes / 1048576.0);
    assert_int_equal(series, 64 * 8 + 256 * 10);
    assert_true(bytes < 64u << 20);
    assert_true(bytes >= series * 1800 * sizeof(float)); /* it counts the values */
    hist_destroy(h);
}

/* The last values of a series as an array, gaps filled from before (from
 * before the window too), the start skipped until the series' first
 * value. */
static void test_tail(void **state)
{
    struct hist *h = hist_create(4);
    double v[8];
    assert_int_equal(hist_tail(h, "x", 8, v), 0);
    const double x[] = {NAN, 1, NAN, 3, 4, NAN};
    for (int r = 0; r < 6; r++) {
        assert_true(hist_begin(h, r + 1));
        hist_set(h, "y", r);
        if (!isnan(x[r]))
            hist_set(h, "x", x[r]);
    }
    /* kept: rounds 3..6, x = NAN 3 4 NAN */
    assert_int_equal(hist_tail(h, "x", 8, v), 3);
    assert_true(v[0] == 3 && v[1] == 4 && v[2] == 4);
    assert_int_equal(hist_tail(h, "x", 1, v), 1);
    assert_true(v[0] == 4);
    assert_int_equal(hist_tail(h, "x", 3, v), 3); /* rounds 4..6: 3 4 (4) */
    assert_true(v[0] == 3 && v[2] == 4);
    assert_int_equal(hist_tail(h, "y", 2, v), 2);
    assert_true(v[0] == 4 && v[1] == 5);
    assert_int_equal(hist_tail(h, "z", 2, v), 0);
    hist_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tail),       cmocka_unit_test(test_rounds_and_gaps),
        cmocka_unit_test(test_ring_bound), cmocka_unit_test(test_counters),
        cmocka_unit_test(test_queries),    cmocka_unit_test(test_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
