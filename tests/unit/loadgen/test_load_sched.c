/* Tests of src/loadgen/load_sched.c: how many requests leave in each second for
 * a constant rate and for traces, that times come from the request's number
 * (no drift), and the trace reader's errors, each at FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loadgen/load_sched.h"
#include "util/xalloc.h"

/* Runs 's' to its end: requests in each of the first 'n' bins of 'bin_s'
 * seconds into 'bins'; returns the total. */
static uint64_t count(struct load_sched *s, double bin_s, uint64_t *bins, size_t n)
{
    memset(bins, 0, n * sizeof *bins);
    uint64_t t, prev = 0, total = 0;
    while (load_sched_next(s, &t)) {
        assert_true(t >= prev);
        prev = t;
        size_t b = (size_t)((double)t / 1e6 / bin_s);
        assert_true(b < n);
        bins[b]++;
        total++;
    }
    assert_false(load_sched_next(s, &t)); /* and stays over */
    return total;
}

static void test_constant(void **state)
{
    (void)state;
    struct load_sched s;
    uint64_t bins[8];
    load_sched_constant(&s, 10, 3);
    assert_int_equal(count(&s, 1, bins, 8), 30);
    for (int i = 0; i < 3; i++)
        assert_int_equal(bins[i], 10);
    assert_int_equal(bins[3], 0);
    /* Evenly spaced, from the start. */
    load_sched_constant(&s, 4, 1);
    uint64_t t;
    for (uint64_t k = 0; k < 4; k++) {
        assert_true(load_sched_next(&s, &t));
        assert_int_equal(t, k * 250000);
    }
    assert_false(load_sched_next(&s, &t));
    /* Fractional rates and durations. */
    load_sched_constant(&s, 2.5, 4);
    assert_int_equal(count(&s, 1, bins, 8), 10);
    load_sched_constant(&s, 1000, 0.5);
    assert_int_equal(count(&s, 1, bins, 8), 500);
    assert_true(load_sched_rate_at(&s, 0.2) == 1000 && load_sched_rate_at(&s, 0.5) == 0);
}

static void test_no_drift(void **state)
{
    (void)state;
    /* The millionth request of 1,000/s leaves at exactly 999.999 s: times
     * are k / R, never a sum of intervals. */
    struct load_sched s;
    load_sched_constant(&s, 1000, 1000);
    uint64_t t = 0, n = 0, last = 0;
    while (load_sched_next(&s, &t))
        last = t, n++;
    assert_int_equal(n, 1000000);
    assert_int_equal(last, 999999000);
    /* 3/s: a third of a second apart, rounded to the microsecond each. */
    load_sched_constant(&s, 3, 100);
    for (n = 0; load_sched_next(&s, &t); n++)
        assert_int_equal(t, (n * 1000000 + 1) / 3);
    assert_int_equal(n, 300);
}

static void test_trace(void **state)
{
    (void)state;
    static const unsigned tr[] = {100, 50, 0, 100, 25};
    struct load_sched s;
    uint64_t bins[16];
    load_sched_trace(&s, 10, tr, 5, 1, 0);
    assert_true(s.duration_s == 5);
    /* 2.5 requests are due in the last second: at 4.0, 4.4 and 4.8 s. */
    assert_int_equal(count(&s, 1, bins, 16), 10 + 5 + 0 + 10 + 3);
    static const uint64_t want[] = {10, 5, 0, 10, 3, 0};
    for (int i = 0; i < 6; i++)
        assert_int_equal(bins[i], want[i]);
    /* A sample of 50 at R = 10: every 0.2 s. */
    load_sched_trace(&s, 10, tr, 5, 1, 0);
    uint64_t t;
    for (int i = 0; i < 12; i++)
        load_sched_next(&s, &t);
    assert_int_equal(t, 1200000);
    /* Samples of 5 s (PlanetLab's own are 5 min). */
    load_sched_trace(&s, 10, tr, 5, 5, 0);
    assert_int_equal(count(&s, 5, bins, 16), 50 + 25 + 0 + 50 + 13);
    assert_int_equal(bins[1], 25);
    assert_int_equal(bins[2], 0);
    assert_true(load_sched_rate_at(&s, 7) == 5 && load_sched_rate_at(&s, 12) == 0);
    /* --duration cuts the trace: 2.5 s of it. */
    load_sched_trace(&s, 10, tr, 5, 1, 2.5);
    assert_int_equal(count(&s, 1, bins, 16), 15);
    /* All zero: nothing leaves. */
    static const unsigned zero[] = {0, 0};
    load_sched_trace(&s, 100, zero, 2, 1, 0);
    assert_int_equal(count(&s, 1, bins, 16), 0);
}

static char *parse_err(const char *text)
{
    unsigned *v = NULL;
    size_t n;
    char *err = NULL;
    assert_int_equal(load_trace_parse(text, strlen(text), "t.txt", &v, &n, &err), -1);
    assert_null(v);
    return err;
}

static void test_trace_parse(void **state)
{
    (void)state;
    unsigned *v;
    size_t n;
    char *err = NULL;
    const char *good = "0\n 7 \r\n100\n42";
    assert_int_equal(load_trace_parse(good, strlen(good), "t.txt", &v, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_true(v[0] == 0 && v[1] == 7 && v[2] == 100 && v[3] == 42);
    free(v);

    err = parse_err("10\n20\nabc\n 30 \n150\n\n-5\n12.5\n00000000000000000000099\n1000000000000\n");
    assert_string_equal(err, "t.txt:3: error: 'abc' is not an integer 0-100\n"
                             "t.txt:5: error: '150' is out of range: expected 0-100\n"
                             "t.txt:6: error: an empty line: expected an integer 0-100 (one "
                             "sample a line)\n"
                             "t.txt:7: error: '-5' is not an integer 0-100\n"
                             "t.txt:8: error: '12.5' is not an integer 0-100\n"
                             "t.txt:10: error: '1000000000000' is out of range: expected 0-100\n");
    free(err);
    err = parse_err("");
    assert_string_equal(err, "t.txt: error: no samples (one integer 0-100 a line)\n");
    free(err);
    err = parse_err("5\n\x01\x02zz\n");
    assert_string_equal(err, "t.txt:2: error: '??zz' is not an integer 0-100\n");
    free(err);
    /* Ten problems are listed, the rest counted. */
    err = parse_err("x\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\n1\n");
    assert_non_null(strstr(err, "t.txt:10: error: 'x'"));
    assert_null(strstr(err, "t.txt:11:"));
    assert_non_null(strstr(err, "t.txt: error: and 2 more\n"));
    free(err);
}

static void test_trace_read(void **state)
{
    (void)state;
    unsigned *v;
    size_t n;
    char *err = NULL;
    assert_int_equal(load_trace_read("/nonexistent/trace", &v, &n, &err), -1);
    assert_string_equal(err, "/nonexistent/trace: error: cannot read: No such file or directory\n");
    free(err);
    char path[] = "/tmp/test_load_sched.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "12\n34\n", 6), 6);
    close(fd);
    assert_int_equal(load_trace_read(path, &v, &n, &err), 0);
    assert_true(n == 2 && v[0] == 12 && v[1] == 34);
    free(v);
    FILE *f = fopen(path, "w");
    fwrite("1\n\0\n", 1, 4, f);
    fclose(f);
    assert_int_equal(load_trace_read(path, &v, &n, &err), -1);
    assert_non_null(strstr(err, "a NUL byte"));
    free(err);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant),   cmocka_unit_test(test_no_drift),
        cmocka_unit_test(test_trace),      cmocka_unit_test(test_trace_parse),
        cmocka_unit_test(test_trace_read),
    };
    return cmocka_run_group_tests_name("load_sched", tests, NULL, NULL);
}
