/* Tests of src/policy/detect: the five overload detectors on series worked
 * out by hand, their fallback to THR on short histories, LR's horizon. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/detect.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static bool over(enum det_kind k, double safety, double u, const double *h, size_t n,
                 struct det_result *r)
{
    struct detector d = {.kind = k, .threshold = 0.8, .safety = safety};
    struct det_input in = {.u = u, .hist = h, .n = n, .interval_s = 10};
    return det_check(&d, &in, r);
}

static void test_thr(void **state)
{
    (void)state;
    struct detector d = {.kind = DET_THR, .threshold = 0.8};
    struct det_input in = {.u = 0.85};
    struct det_result r;
    char line[128];
    assert_true(det_check(&d, &in, &r));
    det_describe(&d, &r, line, sizeof line);
    assert_string_equal(line, "utilisation 0.85 > threshold 0.80 (thr)");
    in.u = 0.8; /* over, not at */
    assert_false(det_check(&d, &in, &r));
    in.u = -0.1; /* below 0 counts as 0 */
    assert_false(det_check(&d, &in, NULL));
}

/* Sorted: 0.50 0.52 0.55 0.58 0.60 0.61 0.63 0.65 0.70 0.72 0.75 0.80.  Q1
 * (rank 3) 0.55, Q3 (rank 10) 0.72: IQR 0.17; with safety 1.5 the
 * threshold is 1 - 1.5 x 0.17 = 0.745. */
static const double iqr_hist[] = {0.63, 0.50, 0.80, 0.55, 0.72, 0.60,
                                  0.58, 0.75, 0.52, 0.65, 0.61, 0.70};

static void test_iqr(void **state)
{
    (void)state;
    struct det_result r;
    assert_true(over(DET_IQR, 1.5, 0.75, iqr_hist, 12, &r));
    assert_int_equal(r.used, DET_IQR);
    near(r.spread, 0.17);
    near(r.limit, 0.745);
    assert_false(over(DET_IQR, 1.5, 0.74, iqr_hist, 12, &r));
    /* Safety 0: the threshold is 1. */
    assert_false(over(DET_IQR, 0, 0.99, iqr_hist, 12, &r));
    /* 11 values: THR at 0.8 decides, and 0.75 is under it. */
    assert_false(over(DET_IQR, 1.5, 0.75, iqr_hist, 11, &r));
    assert_int_equal(r.used, DET_THR);
    char line[128];
    struct detector d = {.kind = DET_IQR, .threshold = 0.8, .safety = 1.5};
    det_describe(&d, &r, line, sizeof line);
    assert_string_equal(line, "utilisation 0.75 <= threshold 0.80 (thr: iqr has 11 values)");
    assert_true(over(DET_IQR, 1.5, 0.81, iqr_hist, 11, &r));
}

static void test_mad(void **state)
{
    (void)state;
    /* Median 0.51, deviations' median 0.06 (see test_policy_stats):
     * threshold 1 - 2.5 x 0.06 = 0.85. */
    const double h[] = {0.40, 0.42, 0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56, 0.58, 0.60, 0.90};
    struct det_result r;
    assert_true(over(DET_MAD, 2.5, 0.86, h, 12, &r));
    near(r.spread, 0.06);
    near(r.limit, 0.85);
    char line[128];
    struct detector d = {.kind = DET_MAD, .threshold = 0.8, .safety = 2.5};
    det_describe(&d, &r, line, sizeof line);
    assert_string_equal(line, "utilisation 0.86 > 1 - 2.5 x MAD 0.060 = 0.85 (mad)");
    assert_false(over(DET_MAD, 2.5, 0.84, h, 12, &r));
    /* The newest 30 only: 30 values of 0.5 then these 12 are 42 values, of
     * which the window holds 18 of 0.5 and the 12: 19 of its 30 values are
     * 0.5, so median 0.5, MAD 0, threshold 1. */
    double longer[42];
    for (int i = 0; i < 30; i++)
        longer[i] = 0.5;
    memcpy(longer + 30, h, sizeof h);
    assert_false(over(DET_MAD, 2.5, 0.99, longer, 42, &r));
    assert_int_equal(r.n, 30);
    near(r.limit, 1);
    assert_true(over(DET_MAD, 2.5, 1.01, longer, 42, &r));
    /* 11 values: THR, for which 0.84 is over 0.8. */
    assert_true(over(DET_MAD, 2.5, 0.84, h + 1, 11, &r));
    assert_int_equal(r.used, DET_THR);
}

static void test_migration_time(void **state)
{
    (void)state;
    /* 1024 MiB = 8589.934592 Mbit, over half of 1000 Mbit/s: 17.18 s. */
    near(det_migration_s(1024, 1000), 8589.934592 / 500);
    near(det_migration_s(1024, 0), 8589.934592 / 500); /* not limited: 1 Gbit/s */
    near(det_migration_s(1024, 100), 8589.934592 / 50);
}

static void test_lr(void **state)
{
    (void)state;
    /* 12 values: two wild ones outside the 10 fitted, then x = 1 at 5.0
     * (tricube weight 0: ignored), then 0.5 + 0.03 x for x = 2..10.  The
     * fit is that line.  A VM of 1024 MiB over 1000 Mbit/s migrates in
     * 17.18 s: rounds of 10 s put the prediction ceil(1.718) = 2 rounds
     * ahead, at x = 12: 0.5 + 0.36 = 0.86, x 1.2 = 1.032 >= 1: overloaded;
     * rounds of 20 s, 1 round ahead: 0.83 x 1.2 = 0.996: not. */
    double h[12] = {9, 9, 5.0};
    for (int x = 2; x <= 10; x++)
        h[x + 1] = 0.5 + 0.03 * x;
    struct detector d = {.kind = DET_LR, .threshold = 0.8, .safety = 1.2};
    struct det_input in = {
        .u = 0.1, .hist = h, .n = 12, .interval_s = 10, .migration_s = det_migration_s(1024, 1000)};
    struct det_result r;
    assert_true(det_check(&d, &in, &r));
    assert_int_equal(r.used, DET_LR);
    near(r.rounds, 2);
    near(r.value, 0.86);
    char line[128];
    det_describe(&d, &r, line, sizeof line);
    assert_string_equal(line, "predicted 0.86 x 1.2 = 1.03 >= 1, 2 rounds ahead (lr)");
    in.interval_s = 20;
    assert_false(det_check(&d, &in, &r));
    near(r.value, 0.83);
    /* A slow link: 171.8 s, 18 rounds of 10 s: 0.5 + 0.03 x 28 = 1.34. */
    in.interval_s = 10;
    in.migration_s = det_migration_s(1024, 100);
    assert_true(det_check(&d, &in, &r));
    near(r.value, 1.34);
    /* 9 values: THR on the utilisation now (0.1). */
    in.hist = h + 3;
    in.n = 9;
    assert_false(det_check(&d, &in, &r));
    assert_int_equal(r.used, DET_THR);
}

static void test_lrr_resists_an_outlier(void **state)
{
    (void)state;
    /* 0.45 + 0.03 x for x = 1..10, but x = 8 at 1.45.  LR's tricube fit
     * is pulled up by it (slope about 0.082, prediction at x = 12 about
     * 1.03, x 1.2 > 1: overloaded).  LRR's bisquare step gives the
     * outlier weight 0 (its residual is over 6 x the median residual) and
     * fits the nine others exactly: 0.45 + 0.03 x 12 = 0.81, x 1.2 = 0.972
     * < 1: not overloaded. */
    double h[10];
    for (int x = 1; x <= 10; x++)
        h[x - 1] = 0.45 + 0.03 * x;
    h[7] = 1.45;
    struct detector d = {.kind = DET_LR, .threshold = 0.8, .safety = 1.2};
    struct det_input in = {
        .u = 0.7, .hist = h, .n = 10, .interval_s = 10, .migration_s = det_migration_s(1024, 1000)};
    struct det_result r;
    assert_true(det_check(&d, &in, &r));
    assert_true(r.value > 1);
    d.kind = DET_LRR;
    assert_false(det_check(&d, &in, &r));
    assert_int_equal(r.used, DET_LRR);
    near(r.value, 0.81);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thr), cmocka_unit_test(test_iqr),
        cmocka_unit_test(test_mad), cmocka_unit_test(test_migration_time),
        cmocka_unit_test(test_lr),  cmocka_unit_test(test_lrr_resists_an_outlier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
