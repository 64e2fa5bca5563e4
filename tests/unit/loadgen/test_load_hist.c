/* Tests of src/loadgen/load_hist.c: percentiles against the exact ones of known
 * samples (within the bound the header gives), the bucket layout, merging,
 * and the edges (empty, clamped, exact small values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loadgen/load_hist.h"
#include "util/xalloc.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact nearest-rank percentile of sorted 'v'. */
static uint64_t exact(const uint64_t *v, size_t n, double p)
{
    size_t rank = (size_t)(p / 100 * (double)n + 0.999999999);
    return v[(rank ? rank : 1) - 1];
}

/* A fixed pseudo-random sequence (xorshift64*), so failures repeat. */
static uint64_t rng(uint64_t *s)
{
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void check_against_exact(uint64_t *v, size_t n)
{
    struct load_hist *h = xcalloc(1, sizeof *h);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        load_hist_add(h, v[i]);
        sum += v[i];
    }
    qsort(v, n, sizeof *v, cmp_u64);
    static const double ps[] = {0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
        double want = (double)exact(v, n, ps[i]), got = (double)load_hist_percentile(h, ps[i]);
        double err = want ? (got > want ? got - want : want - got) / want : got;
        if (err > 1.0 / 256)
            fail_msg("p%g: %g, exact %g (%.3f%% off)", ps[i], got, want, err * 100);
    }
    assert_int_equal(load_hist_percentile(h, 100), v[n - 1]);
    assert_int_equal(h->max, v[n - 1]);
    assert_int_equal(h->min, v[0]);
    assert_int_equal(h->count, n);
    assert_true(load_hist_mean(h) == (double)sum / (double)n);
    free(h);
}

static void test_accuracy(void **state)
{
    (void)state;
    enum { N = 100000 };
    uint64_t *v = xmalloc(N * sizeof *v), s = 42;
    /* Uniform over 1 us .. 2 s. */
    for (size_t i = 0; i < N; i++)
        v[i] = 1 + rng(&s) % 2000000;
    check_against_exact(v, N);
    /* Spread over six decades (log-uniform), as latencies with a long tail are. */
    for (size_t i = 0; i < N; i++) {
        unsigned decade = (unsigned)(rng(&s) % 6);
        uint64_t base = 1;
        for (unsigned d = 0; d < decade; d++)
            base *= 10;
        v[i] = base + rng(&s) % (9 * base);
    }
    check_against_exact(v, N);
    /* Mostly fast, 1% at about a second: p99 and above fall in the tail. */
    for (size_t i = 0; i < N; i++)
        v[i] = i % 100 == 7 ? 1000000 + rng(&s) % 50000 : 300 + rng(&s) % 700;
    check_against_exact(v, N);
    /* A few samples: nearest rank. */
    uint64_t few[] = {5000, 1000, 3000, 2000, 4000};
    check_against_exact(few, 5);
    free(v);
}

static void test_small_values_exact(void **state)
{
    (void)state;
    struct load_hist *h = xcalloc(1, sizeof *h);
    for (uint64_t x = 0; x < 256; x++)
        load_hist_add(h, x);
    for (int p = 1; p <= 100; p++)
        assert_int_equal(load_hist_percentile(h, p), (uint64_t)(p * 256 + 99) / 100 - 1);
    free(h);
}

static void test_buckets(void **state)
{
    (void)state;
    unsigned last = 0;
    /* Every value falls in the bucket whose range holds it; buckets grow
     * with values, at most 1/128 of their lower bound wide. */
    for (uint64_t x = 0; x < ((uint64_t)1 << 32); x = x < 4096 ? x + 1 : x + x / 1000 + 1) {
        unsigned b = load_hist_bucket(x);
        uint64_t lo, w;
        load_hist_bucket_range(b, &lo, &w);
        assert_true(b < LOAD_HIST_BUCKETS);
        assert_true(lo <= x && x < lo + w);
        assert_true(b >= last);
        assert_true(w == 1 || w * 128 <= lo);
        last = b;
    }
    assert_int_equal(load_hist_bucket(LOAD_HIST_MAX_US), LOAD_HIST_BUCKETS - 1);
    assert_int_equal(load_hist_bucket((uint64_t)1 << 40), LOAD_HIST_BUCKETS - 1);
}

static void test_edges(void **state)
{
    (void)state;
    struct load_hist *h = xcalloc(1, sizeof *h), *g = xcalloc(1, sizeof *g);
    assert_int_equal(load_hist_percentile(h, 50), 0);
    assert_true(load_hist_mean(h) == 0);
    load_hist_add(h, (uint64_t)1 << 40); /* clamped */
    assert_int_equal(h->max, LOAD_HIST_MAX_US);
    load_hist_reset(h);
    assert_int_equal(h->count, 0);
    for (int i = 0; i < 90; i++)
        load_hist_add(h, 1000);
    for (int i = 0; i < 10; i++)
        load_hist_add(g, 50000);
    load_hist_merge(h, g);
    assert_int_equal(h->count, 100);
    assert_int_equal(h->max, 50000);
    assert_int_equal(h->min, 1000);
    uint64_t p90 = load_hist_percentile(h, 90), p91 = load_hist_percentile(h, 91);
    assert_true(p90 >= 996 && p90 <= 1004);
    assert_true(p91 >= 49800 && p91 <= 50000);
    free(h), free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests_name("load_hist", tests, NULL, NULL);
}
