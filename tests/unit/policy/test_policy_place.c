/* Tests of src/policy/proj and place: histories less the VMs leaving,
 * PABFD's least power increase within memory and CPU room, sleeping
 * servers woken first, the subnet variant. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "policy/place.h"
#include "policy/proj.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static struct fx f;

static void test_history_less_leaving_vms(void **state)
{
    (void)state;
    f = (struct fx){0};
    size_t s0 = fx_server(&f, "s0", "n1"), s1 = fx_server(&f, "s1", "n1");
    f.s[s0].cpu_capacity = 2;
    static const double h0[] = {0.5, 0.6, 0.7}, h1[] = {0.2, 0.2, 0.2, 0.2}, hv[] = {0.1, 0.2};
    f.s[s0].cpu_utilization = (struct mdc_history){h0, 3};
    f.s[s1].cpu_utilization = (struct mdc_history){h1, 4};
    size_t v = fx_vm(&f, "v", s0, 100, 0.2);
    f.v[v].cpu_used_history = (struct mdc_history){hv, 2};
    struct proj p;
    proj_init(&p, fx_model(&f));
    /* Leaving s0 (capacity 2): 0.1 / 2 and 0.2 / 2 off its two newest
     * values: 0.5, 0.55, 0.6; its use 0.2 - 0.2 = 0. */
    proj_remove(&p, v);
    near(p.s[s0].hist[0], 0.5);
    near(p.s[s0].hist[1], 0.55);
    near(p.s[s0].hist[2], 0.6);
    near(proj_util(&p, s0), 0);
    assert_int_equal(p.s[s0].n_vms, 0);
    /* Onto s1 (capacity 1): 0.2, 0.2, 0.3, 0.4; memory 100 MiB. */
    proj_add(&p, v, s1);
    near(p.s[s1].hist[2], 0.3);
    near(p.s[s1].hist[3], 0.4);
    near(p.s[s1].mem_used, 100);
    near(proj_util(&p, s1), 0.2);
    assert_int_equal(p.where[v], s1);
    assert_true(p.moved[v]);
    /* Back: as before, and 'moved' kept by proj_move. */
    proj_move(&p, v, s0);
    near(p.s[s1].hist[3], 0.2);
    near(p.s[s0].hist[2], 0.7);
    /* s0 with the VM added again, asked of THR at 0.05: 0.2 / 2 = 0.1 >
     * 0.05.  Without it, 0. */
    struct detector thr = {.kind = DET_THR, .threshold = 0.05};
    proj_remove(&p, v);
    assert_false(proj_overloaded(&p, &thr, s0, SIZE_MAX, NULL));
    assert_true(proj_overloaded(&p, &thr, s0, v, NULL));
    proj_free(&p);
}

/* s0 holds VM v (0.2 CPU, 100 MiB) to place.  s1 (100-200 W) runs at 0.5:
 * v adds 0.2 x 100 = 20 W; s2 (50-250 W) at 0.3 adds 0.2 x 200 = 40 W;
 * s3, asleep (60-100 W), adds 60 + 0.2 x 40 = 68 W from 0 W. */
static size_t v, s0, s1, s2, s3;

static void four(void)
{
    f = (struct fx){0};
    s0 = fx_server(&f, "s0", "n1");
    s1 = fx_server(&f, "s1", "n1");
    s2 = fx_server(&f, "s2", "n1");
    s3 = fx_server(&f, "s3", "n1");
    v = fx_vm(&f, "v", s0, 100, 0.2);
    fx_vm(&f, "w1", s1, 500, 0.5);
    fx_vm(&f, "w2", s2, 500, 0.3);
    f.s[s2].power_idle_w = 50, f.s[s2].power_max_w = 250;
    f.s[s3].power_idle_w = 60, f.s[s3].power_max_w = 100;
    f.s[s3].asleep = true;
}

static bool find(struct place_opts *o, struct place_choice *c)
{
    struct proj p;
    proj_init(&p, fx_model(&f));
    bool ok = place_find(&p, v, o, c);
    proj_free(&p);
    return ok;
}

static void test_pabfd(void **state)
{
    (void)state;
    struct detector thr = {.kind = DET_THR, .threshold = 0.8};
    struct place_opts o = {.kind = PLACE_PABFD, .det = &thr, .wake = true};
    struct place_choice c;
    four();
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s1);
    near(c.watts, 20);
    /* s1 without the memory (950 + 100 > 1000): s2, +40 W. */
    f.s[s1].memory_used_mib = 950;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s2);
    near(c.watts, 40);
    /* s1 with the memory but at 0.7: 0.9 with v, over 0.8: s2. */
    four();
    f.s[s1].cpu_used = 0.7;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s2);
    /* Neither s1 nor s2 can: s3 asleep, +68 W; not when waking is not
     * allowed. */
    f.s[s2].memory_used_mib = 1000;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s3);
    near(c.watts, 68);
    o.wake = false;
    assert_false(find(&o, &c));
    /* A server with no VM takes a VM heavier than the threshold. */
    four();
    f.v[v].cpu_used = 0.9;
    f.s[s0].cpu_used = 0.9;
    f.s[s3].asleep = false; /* awake and empty, 60-300 W: 0.9 x 240 = 216 W */
    f.s[s3].power_max_w = 300;
    o.wake = true;
    /* s1 (+50 W) and s2 (+140 W) would go over 0.8; s3 holds nothing. */
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s3);
    near(c.watts, 216);
    /* Not to an unreachable server, nor one the network cannot reach. */
    four();
    f.s[s1].reachable = false;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s2);
    four();
    f.hops[s0 * 4 + s1] = -1;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s2);
}

static void test_wake_before_migrate(void **state)
{
    (void)state;
    four();
    struct proj p;
    proj_init(&p, fx_model(&f));
    struct mdc_plan plan = {0};
    proj_plan_migrate(&p, &plan, v, s3, "why");
    assert_string_equal(fx_plan(&f, &plan), "wake s3; migrate v s3");
    assert_string_equal(plan.actions[0].why,
                        "s3 woken: v needs its room and no awake server has it");
    assert_false(p.s[s3].asleep);
    assert_true(p.s[s3].dest);
    /* Awake now: the next VM to it wakes nothing, and costs 0.5 x 40. */
    size_t w1 = 1;
    near(proj_power_increase(&p, s3, w1), 20);
    proj_plan_migrate(&p, &plan, w1, s3, "why");
    assert_string_equal(fx_plan(&f, &plan), "wake s3; migrate v s3; migrate w1 s3");
    free(plan.actions);
    proj_free(&p);
}

static void test_subnet(void **state)
{
    (void)state;
    /* v on s0 of n1.  s1 of n1 (100-300 W) adds 0.2 x 200 = 40 W; s2 and
     * s3 of n2 add 20 W each, s2 5 hops away, s3 3. */
    f = (struct fx){0};
    s0 = fx_server(&f, "s0", "n1");
    s1 = fx_server(&f, "s1", "n1");
    s2 = fx_server(&f, "s2", "n2");
    s3 = fx_server(&f, "s3", "n2");
    v = fx_vm(&f, "v", s0, 100, 0.2);
    f.s[s1].power_max_w = 300;
    f.hops[s0 * 4 + s2] = 5;
    f.hops[s0 * 4 + s3] = 3;
    struct detector thr = {.kind = DET_THR, .threshold = 0.8};
    struct place_opts o = {.kind = PLACE_PABFD, .det = &thr, .wake = true};
    struct place_choice c;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s2); /* PABFD: 20 W, the first of the two */
    o.kind = PLACE_SUBNET;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s1); /* its own subnet, though 40 W */
    assert_true(c.own_subnet);
    /* s1 full: the other subnet, 20 W both, s3 fewer hops. */
    f.s[s1].memory_used_mib = 1000;
    assert_true(find(&o, &c));
    assert_int_equal(c.server, s3);
    assert_int_equal(c.hops, 3);
    assert_false(c.own_subnet);
}

static void test_sort(void **state)
{
    (void)state;
    four();
    fx_model(&f);
    size_t vms[] = {0, 1, 2};
    /* cpu 0.2, 0.5, 0.3: 1, 2, 0. */
    place_sort_vms(&f.m, vms, 3);
    assert_int_equal(vms[0], 1);
    assert_int_equal(vms[1], 2);
    assert_int_equal(vms[2], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_less_leaving_vms),
        cmocka_unit_test(test_pabfd),
        cmocka_unit_test(test_wake_before_migrate),
        cmocka_unit_test(test_subnet),
        cmocka_unit_test(test_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
