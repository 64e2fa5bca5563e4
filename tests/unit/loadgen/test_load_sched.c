/* Tests of src/loadgen/load_sched.c: how many requests leave in each second for
 * a constant rate and for traces, that times come from the request's number
 * (no drift), and the trace file's reader (src/load parses it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "load/load.h"
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

/* Writes 'len' bytes of 'text' to a new temporary file, named in 'path'. */
static void write_trace(char *path, const char *text, size_t len)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* The file reader: src/load's parser does the parsing (its errors are
 * tested in tests/unit/load/test_load.c), the reader names the file and
 * converts the samples. */
static void test_trace_read(void **state)
{
    (void)state;
    unsigned *v = NULL;
    size_t n = 0;
    char *err = NULL;
    assert_int_equal(load_sched_read_trace("/nonexistent/trace", &v, &n, &err), -1);
    assert_string_equal(err, "/nonexistent/trace: cannot open it: No such file or directory");
    free(err);
    assert_int_equal(load_sched_read_trace("/", &v, &n, &err), -1);
    assert_string_equal(err, "/: cannot read it: Is a directory");
    free(err);

    char path[] = "/tmp/test_load_sched.XXXXXX";
    write_trace(path, "12\n 34 \r\n100\n0", 14);
    assert_int_equal(load_sched_read_trace(path, &v, &n, &err), 0);
    assert_true(n == 4 && v[0] == 12 && v[1] == 34 && v[2] == 100 && v[3] == 0);
    free(v);
    unlink(path);

    /* A bad line, as FILE:LINE through the shared parser. */
    char bad[] = "/tmp/test_load_sched.XXXXXX";
    write_trace(bad, "10\nlots\n200\n", 12);
    v = NULL;
    assert_int_equal(load_sched_read_trace(bad, &v, &n, &err), -1);
    assert_null(v);
    char *want = xasprintf("%s:2: expected a whole number from 0 to 100 (the CPU utilisation in "
                           "percent, one a line), not 'lots'",
                           bad);
    assert_string_equal(err, want);
    free(want);
    free(err);
    unlink(bad);

    /* More than a trace may hold. */
    char big[] = "/tmp/test_load_sched.XXXXXX";
    static char text[LOAD_TRACE_TEXT_MAX + 2];
    memset(text, '\n', sizeof text);
    write_trace(big, text, sizeof text);
    assert_int_equal(load_sched_read_trace(big, &v, &n, &err), -1);
    assert_non_null(strstr(err, ": larger than 65536 bytes"));
    assert_true(!strncmp(err, big, strlen(big)));
    free(err);
    unlink(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_no_drift),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_trace_read),
    };
    return cmocka_run_group_tests_name("load_sched", tests, NULL, NULL);
}
