/* Tests of src/eval/power: CloudSim's SPECpower interpolation, on the
 * hp-ml110-g4 and g5 tables and a linear model, with the load clamped. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "eval/power.h"

static const double g4[] = {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117};
static const double g5[] = {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135};

/* At a table point, the point itself. */
static void test_table_points(void **state)
{
    (void)state;
    for (int i = 0; i <= 10; i++) {
        assert_float_equal(eval_power(g4, i / 10.0), g4[i], 1e-9);
        assert_float_equal(eval_power(g5, i / 10.0), g5[i], 1e-9);
    }
}

/* Between two points, linear: P(u) = p[i] + (p[i+1] - p[i]) * (10 u - i). */
static void test_between_points(void **state)
{
    (void)state;
    /* g4 at 25%: halfway from 92.6 (20%) to 96 (30%): 92.6 + 3.4 * 0.5 = 94.3 */
    assert_float_equal(eval_power(g4, 0.25), 94.3, 1e-9);
    /* g4 at 5%: 86 + (89.4 - 86) * 0.5 = 87.7 */
    assert_float_equal(eval_power(g4, 0.05), 87.7, 1e-9);
    /* g4 at 92%: 114 + (117 - 114) * 0.2 = 114.6 (the last segment) */
    assert_float_equal(eval_power(g4, 0.92), 114.6, 1e-9);
    /* g5 at 57%: 116 (50%) + (121 - 116) * 0.7 = 119.5 */
    assert_float_equal(eval_power(g5, 0.57), 119.5, 1e-9);
    /* CloudSim's own form of it: p1 + (p2 - p1) / 10 * (u - i / 10) * 100 */
    double u = 0.83, cloudsim = g5[8] + (g5[9] - g5[8]) / 10 * (u - 8 / 10.0) * 100;
    assert_float_equal(eval_power(g5, u), cloudsim, 1e-9); /* 129 + 4 * 0.3 = 130.2 */
    assert_float_equal(eval_power(g5, u), 130.2, 1e-9);
}

/* A linear model's 11 points give the line itself: 80 W + 50 W * u. */
static void test_linear(void **state)
{
    (void)state;
    double lin[EVAL_POWER_POINTS];
    for (int i = 0; i < EVAL_POWER_POINTS; i++)
        lin[i] = 80 + 5 * i;
    assert_float_equal(eval_power(lin, 0.37), 98.5, 1e-9); /* 80 + 50 * 0.37 */
    assert_float_equal(eval_power(lin, 0.999), 129.95, 1e-9);
}

/* The load is clamped to 0..1 (a measured load may pass 1); NaN is 0. */
static void test_clamped(void **state)
{
    (void)state;
    assert_true(eval_power(g4, -0.5) == 86);
    assert_true(eval_power(g4, 1.3) == 117);
    assert_true(eval_power(g4, 1) == 117);
    assert_true(eval_power(g4, 0) == 86);
    assert_true(eval_power(g4, NAN) == 86);
    assert_true(eval_power(g4, INFINITY) == 117);
    /* Just below 1: on the last segment, not past the table. */
    assert_float_equal(eval_power(g4, nextafter(1.0, 0.0)), 117, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_points),
        cmocka_unit_test(test_between_points),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
