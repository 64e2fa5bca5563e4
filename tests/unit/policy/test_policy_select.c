/* Tests of src/policy/select: MMT, MU, RS and MC's choices, MC's
 * correlations worked out by hand and its fallback to MMT. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "policy/select.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static struct fx f;

/* Three VMs on one server: memory 300, 100, 200 MiB; CPU used 0.5, 0.3,
 * 0.1 of allocations 1, 0.5, 0.2 (uses 0.5, 0.6, 0.5). */
static const size_t cands[] = {0, 1, 2};

static void three(void)
{
    f = (struct fx){0};
    size_t s = fx_server(&f, "s0", "n1");
    fx_vm(&f, "a", s, 300, 0.5);
    fx_vm(&f, "b", s, 100, 0.3);
    fx_vm(&f, "c", s, 200, 0.1);
    f.v[1].cpu_allocation = 0.5;
    f.v[2].cpu_allocation = 0.2;
    fx_model(&f);
}

static void test_mmt_and_mu(void **state)
{
    (void)state;
    three();
    char why[64];
    assert_int_equal(sel_choose(SEL_MMT, &f.m, cands, 3, NULL, why, sizeof why), 1);
    assert_string_equal(why, "least memory 100 MiB (mmt)");
    /* MU: 0.5 / 1, 0.3 / 0.5 = 0.6, 0.1 / 0.2 = 0.5: a and c tie at 0.5,
     * the first listed wins. */
    assert_int_equal(sel_choose(SEL_MU, &f.m, cands, 3, NULL, why, sizeof why), 0);
    f.v[0].cpu_used = 0.6;
    assert_int_equal(sel_choose(SEL_MU, &f.m, cands, 3, NULL, why, sizeof why), 2);
    assert_string_equal(why, "least use of allocation 0.50 (mu)");
    /* Among the last two only. */
    assert_int_equal(sel_choose(SEL_MMT, &f.m, cands + 2, 1, NULL, why, sizeof why), 0);
}

static void test_rs(void **state)
{
    (void)state;
    three();
    char why[64];
    size_t many[] = {0, 1, 2, 0, 1, 2, 0, 1};
    /* The same seed draws the same sequence. */
    struct sel_rng r1, r2;
    sel_rng_seed(&r1, 7);
    sel_rng_seed(&r2, 7);
    for (int i = 0; i < 20; i++)
        assert_int_equal(sel_choose(SEL_RS, &f.m, many, 8, &r1, why, sizeof why),
                         sel_choose(SEL_RS, &f.m, many, 8, &r2, why, sizeof why));
    /* Different seeds draw differently: over 64 seeds every one of the
     * 8 candidates comes first some time. */
    size_t seen[8] = {0};
    for (uint64_t seed = 1; seed <= 64; seed++) {
        struct sel_rng r;
        sel_rng_seed(&r, seed);
        size_t i = sel_choose(SEL_RS, &f.m, many, 8, &r, why, sizeof why);
        assert_true(i < 8);
        seen[i] = 1;
    }
    size_t kinds = 0;
    for (int i = 0; i < 8; i++)
        kinds += seen[i];
    assert_true(kinds == 8);
    /* Seed 0 is the documented one. */
    struct sel_rng z, d;
    sel_rng_seed(&z, 0);
    sel_rng_seed(&d, SEL_DEFAULT_SEED);
    assert_true(sel_rng_next(&z) == sel_rng_next(&d));
}

/* A = 1..6 and B = 2 1 4 3 6 5 correlate (r = 29/35); C = 3 1 2 2 1 3 is
 * orthogonal to both once centred (see test_policy_stats).  So A's R^2 on
 * B and C is r^2 = 841/1225 = 0.6865, B's the same, C's 0.  Listed C, A, B:
 * A, the first of the highest, goes. */
static const double hist_a[] = {1, 2, 3, 4, 5, 6}, hist_b[] = {2, 1, 4, 3, 6, 5},
                    hist_c[] = {3, 1, 2, 2, 1, 3};

static void test_mc(void **state)
{
    (void)state;
    three();
    f.v[0].cpu_used_history = (struct mdc_history){hist_a, 6};
    f.v[1].cpu_used_history = (struct mdc_history){hist_b, 6};
    f.v[2].cpu_used_history = (struct mdc_history){hist_c, 6};
    size_t order[] = {2, 0, 1};
    double r2[3];
    assert_int_equal(sel_correlations(&f.m, order, 3, r2), 0);
    near(r2[0], 0);
    near(r2[1], 841.0 / 1225);
    near(r2[2], 841.0 / 1225);
    char why[64];
    assert_int_equal(sel_choose(SEL_MC, &f.m, order, 3, NULL, why, sizeof why), 1);
    assert_string_equal(why, "highest R^2 0.69 (mc)");
    /* Histories aligned at the newest: a longer one is cut to the
     * shortest (its older values unused). */
    static const double long_a[] = {9, 9, 9, 1, 2, 3, 4, 5, 6};
    f.v[0].cpu_used_history = (struct mdc_history){long_a, 9};
    assert_int_equal(sel_correlations(&f.m, order, 3, r2), 0);
    near(r2[1], 841.0 / 1225);
    /* 3 values for 3 VMs: no degree of freedom: MMT (b, 100 MiB). */
    f.v[1].cpu_used_history.n = 3;
    assert_int_equal(sel_correlations(&f.m, order, 3, r2), -1);
    assert_int_equal(sel_choose(SEL_MC, &f.m, order, 3, NULL, why, sizeof why), 2);
    assert_string_equal(why, "least memory 100 MiB (mmt; mc cannot regress)");
    /* B twice A: singular: MMT too. */
    static const double twice_a[] = {2, 4, 6, 8, 10, 12};
    f.v[0].cpu_used_history = (struct mdc_history){hist_a, 6};
    f.v[1].cpu_used_history = (struct mdc_history){twice_a, 6};
    assert_int_equal(sel_correlations(&f.m, order, 3, r2), -1);
    /* One candidate: it. */
    assert_int_equal(sel_choose(SEL_MC, &f.m, order, 1, NULL, why, sizeof why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmt_and_mu),
        cmocka_unit_test(test_rs),
        cmocka_unit_test(test_mc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
