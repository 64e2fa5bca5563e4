/* Tests of src/policy/stats: each figure worked out by hand beside it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/stats.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_median_and_quartiles(void **state)
{
    (void)state;
    double odd[] = {5, 1, 3};
    near(stats_median(odd, 3), 3);
    double even[] = {4, 1, 3, 2};
    near(stats_median(even, 4), 2.5); /* (2 + 3) / 2 */
    assert_true(even[0] == 1 && even[3] == 4);
    near(stats_median(NULL, 0), 0);
    /* 12 values; sorted: 0.50 0.52 0.55 0.58 0.60 0.61 0.63 0.65 0.70 0.72
     * 0.75 0.80.  Q1 at rank round(0.25 x 13 = 3.25) = 3: 0.55; Q3 at rank
     * round(0.75 x 13 = 9.75) = 10: 0.72; IQR 0.72 - 0.55 = 0.17. */
    double v[] = {0.63, 0.50, 0.80, 0.55, 0.72, 0.60, 0.58, 0.75, 0.52, 0.65, 0.61, 0.70};
    near(stats_iqr(v, 12), 0.17);
    /* 7 values 1..7: Q1 rank round(2) = 2, Q3 rank round(6) = 6: 6 - 2. */
    double w[] = {7, 6, 5, 4, 3, 2, 1};
    near(stats_iqr(w, 7), 4);
    /* One value: both ranks kept within 1..1. */
    double one[] = {0.4};
    near(stats_iqr(one, 1), 0);
}

static void test_mad(void **state)
{
    (void)state;
    /* 0.40 0.42 ... 0.60 (11 values 0.02 apart) and 0.90: median (0.50 +
     * 0.52) / 2 = 0.51; deviations 0.11 0.09 0.07 0.05 0.03 0.01 0.01 0.03
     * 0.05 0.07 0.09 0.39, their median (0.05 + 0.07) / 2 = 0.06. */
    double v[] = {0.40, 0.42, 0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56, 0.58, 0.60, 0.90};
    double scratch[12];
    near(stats_mad(v, 12, scratch), 0.06);
    /* 1 2 3 4 100: median 3, deviations 2 1 0 1 97, median 1: the outlier
     * does not count. */
    double o[] = {100, 1, 2, 3, 4};
    near(stats_mad(o, 5, scratch), 1);
}

static void test_weighted_line(void **state)
{
    (void)state;
    /* (1,1) (2,3) (3,2), weights 1 1 2: sw 4, x mean (1 + 2 + 6) / 4 =
     * 2.25, y mean (1 + 3 + 4) / 4 = 2; Sxx = 1.5625 + 0.0625 + 2 x 0.5625
     * = 2.75, Sxy = (-1.25)(-1) + (-0.25)(1) + 2 (0.75)(0) = 1; b = 1 /
     * 2.75 = 0.363636..., a = 2 - 2.25 b = 1.181818... */
    double x[] = {1, 2, 3}, y[] = {1, 3, 2}, w[] = {1, 1, 2}, a, b;
    assert_int_equal(stats_wls_line(x, y, w, 3, &a, &b), 0);
    near(b, 1 / 2.75);
    near(a, 2 - 2.25 / 2.75);
    /* All the weight on one x: no slope. */
    double w1[] = {0, 5, 0};
    assert_int_equal(stats_wls_line(x, y, w1, 3, &a, &b), -1);
    double w0[] = {0, 0, 0};
    assert_int_equal(stats_wls_line(x, y, w0, 3, &a, &b), -1);
}

static void test_tricube(void **state)
{
    (void)state;
    /* n = 10: u_i = (9 - i) / 9; w = (1 - u^3)^3.  i = 0: u = 1, w = 0;
     * i = 3: u = 2/3, (1 - 8/27)^3 = (19/27)^3 = 6859/19683; i = 6: u =
     * 1/3, (26/27)^3 = 17576/19683; i = 9: u = 0, w = 1. */
    double w[10];
    stats_tricube_weights(10, w);
    near(w[0], 0);
    near(w[3], 6859.0 / 19683);
    near(w[6], 17576.0 / 19683);
    near(w[9], 1);
    for (int i = 1; i < 10; i++)
        assert_true(w[i] > w[i - 1]);
    near(stats_bisquare(0.5), 0.5625); /* (1 - 0.25)^2 */
    near(stats_bisquare(1), 0);
    near(stats_bisquare(-2), 0);
}

static void test_loess(void **state)
{
    (void)state;
    /* n = 3: weights 0, (1 - 1/8)^3, 1: the oldest point does not count,
     * so the line goes through (2, 1) and (3, 2): b = 1, a = -1.  (Plain
     * least squares would give b = -1.5.) */
    double y[] = {5, 1, 2}, a, b;
    assert_int_equal(stats_loess_line(y, 3, 0, &a, &b), 0);
    near(b, 1);
    near(a, -1);
    /* 0.45 + 0.03 x for x = 1..10 but x = 8 at 1.45 instead of 0.69: one
     * bisquare step gives the outlier's residual, many times the median
     * residual s, weight B(e / 6s) = 0; the nine others lie on one line,
     * which any positive weights then fit exactly. */
    double z[10];
    for (int i = 0; i < 10; i++)
        z[i] = 0.45 + 0.03 * (i + 1);
    z[7] = 1.45;
    assert_int_equal(stats_loess_line(z, 10, 0, &a, &b), 0);
    assert_true(b > 0.04); /* pulled up by the outlier */
    assert_int_equal(stats_loess_line(z, 10, 1, &a, &b), 0);
    near(b, 0.03);
    near(a, 0.45);
    /* A constant series: a flat line, residuals 0, robust steps keep it. */
    double c[] = {0.3, 0.3, 0.3, 0.3};
    assert_int_equal(stats_loess_line(c, 4, 2, &a, &b), 0);
    near(a + b * 5, 0.3);
    assert_int_equal(stats_loess_line(c, 2, 0, &a, &b), -1);
}

static void test_pearson_and_r2(void **state)
{
    (void)state;
    /* A = 1..6, B = 2 1 4 3 6 5: centred a = -2.5 -1.5 -0.5 0.5 1.5 2.5, b =
     * -1.5 -2.5 0.5 -0.5 2.5 1.5; sum ab = 14.5, sum a^2 = sum b^2 = 17.5:
     * r = 14.5 / 17.5 = 29/35. */
    double A[] = {1, 2, 3, 4, 5, 6}, B[] = {2, 1, 4, 3, 6, 5};
    near(stats_pearson(A, B, 6), 29.0 / 35);
    /* One regressor: R^2 = r^2 = 841/1225. */
    const double *xb[] = {B};
    double r2;
    assert_int_equal(stats_r2(xb, 1, A, 6, &r2), 0);
    near(r2, 841.0 / 1225);
    /* C = 3 1 2 2 1 3, centred 1 -1 0 0 -1 1: orthogonal to a and b (sum
     * ac = -2.5 + 1.5 - 1.5 + 2.5 = 0, sum bc = -1.5 + 2.5 - 2.5 + 1.5 =
     * 0), so it adds nothing to A's regression on B, and A and B explain
     * none of C. */
    double C[] = {3, 1, 2, 2, 1, 3};
    const double *xbc[] = {B, C}, *xab[] = {A, B};
    assert_int_equal(stats_r2(xbc, 2, A, 6, &r2), 0);
    near(r2, 841.0 / 1225);
    assert_int_equal(stats_r2(xab, 2, C, 6, &r2), 0);
    near(r2, 0);
    /* y exactly 2A + 1: R^2 1. */
    double y[] = {3, 5, 7, 9, 11, 13};
    const double *xa[] = {A};
    assert_int_equal(stats_r2(xa, 1, y, 6, &r2), 0);
    near(r2, 1);
    /* Collinear regressors (B and 2B), a constant one, and no degree of
     * freedom left (3 values, 2 regressors and an intercept). */
    double B2[] = {4, 2, 8, 6, 12, 10}, K[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    const double *col[] = {B, B2}, *con[] = {K};
    assert_int_equal(stats_r2(col, 2, A, 6, &r2), -1);
    assert_int_equal(stats_r2(con, 1, A, 6, &r2), -1);
    assert_int_equal(stats_r2(xbc, 2, A, 3, &r2), -1);
    near(stats_pearson(A, K, 6), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_and_quartiles),
        cmocka_unit_test(test_mad),
        cmocka_unit_test(test_weighted_line),
        cmocka_unit_test(test_tricube),
        cmocka_unit_test(test_loess),
        cmocka_unit_test(test_pearson_and_r2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
