/* Tests of src/sim/sim_preset.c: the named types, CloudSim's blocks of VM
 * types, its placement at time 0, and generated traces. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eval/power.h"
#include "sim/sim_preset.h"

static void test_types(void **state)
{
    (void)state;
    const struct sim_host_type *g4 = sim_host_type_find("hp-ml110-g4"),
                               *g5 = sim_host_type_find("hp-ml110-g5");
    assert_non_null(g4);
    assert_non_null(g5);
    assert_true(g4->cpu == 3.72 && g5->cpu == 5.32 && g4->memory_mib == 4096);
    assert_true(g4->power_w[0] == 86 && g4->power_w[10] == 117);
    assert_true(g5->power_w[0] == 93.7 && g5->power_w[10] == 135);
    assert_null(sim_host_type_find("hp-ml110-g6"));
    const struct sim_host_type *x = sim_host_type_find("ibm-x3550-x5675");
    assert_non_null(x);
    assert_true(x->cores == 12 && fabs(x->cpu - 12 * 3.067) < 1e-9 && x->memory_mib == 16384);
    assert_true(x->power_w[0] == 58.4 && x->power_w[10] == 222);
    /* Every table rises (or stays) from 0% to 100%, as a power model must. */
    const char *names[] = {"hp-ml110-g4", "hp-ml110-g5", "ibm-x3250-x3470", "ibm-x3550-x5670",
                           "ibm-x3550-x5675"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const struct sim_host_type *h = sim_host_type_find(names[i]);
        assert_non_null(h);
        assert_non_null(strstr(sim_host_type_names(), names[i]));
        for (int k = 1; k < 11; k++)
            assert_true(h->power_w[k] >= h->power_w[k - 1]);
    }
    assert_true(sim_vm_type_find("micro")->memory_mib == 613);
    assert_true(sim_vm_type_find("high-cpu")->cpu == 2.5);
    assert_null(sim_vm_type_find(NULL));
    /* 1052 VMs (the 20110303 workload): four blocks of 263. */
    assert_string_equal(sim_planetlab_vm_type(0, 1052)->name, "high-cpu");
    assert_string_equal(sim_planetlab_vm_type(262, 1052)->name, "high-cpu");
    assert_string_equal(sim_planetlab_vm_type(263, 1052)->name, "extra-large");
    assert_string_equal(sim_planetlab_vm_type(526, 1052)->name, "small");
    assert_string_equal(sim_planetlab_vm_type(1051, 1052)->name, "micro");
    /* 5 VMs: blocks of 2. */
    assert_string_equal(sim_planetlab_vm_type(4, 5)->name, "small");
}

/* Two servers, a G4 and a G5, at time 0.  A high-cpu VM (2.5 per core)
 * fits only on the G5 (2.66 a core, not the G4's 1.86).  Then micro VMs:
 * the first goes where the power rises least, from P(0) (nothing has run
 * yet): the G4 (0.5 / 3.72 = 0.134: 89.4 + 3.2 * 0.344 - 86 = 4.50 W)
 * rather than the G5 with the high-cpu VM (3.0 / 5.32 = 0.564: 116 + 5 *
 * 0.639 - 93.7 = 25.5 W, within 0.8); a VM that fits nowhere is named. */
static void test_place_initial(void **state)
{
    (void)state;
    struct sim_host h[2] = {{"g4", sim_host_type_find("hp-ml110-g4"), NULL, NULL},
                            {"g5", sim_host_type_find("hp-ml110-g5"), NULL, NULL}};
    static const double tr[1] = {0.5};
    struct sim_vm v[3] = {{"a", sim_vm_type_find("high-cpu"), tr, 1, 99},
                          {"b", sim_vm_type_find("micro"), tr, 1, 99},
                          {"c", sim_vm_type_find("micro"), tr, 1, 99}};
    char err[128];
    assert_int_equal(sim_place_initial(h, 2, v, 3, 0.8, err, sizeof err), 0);
    assert_int_equal(v[0].host, 1);
    assert_int_equal(v[1].host, 0);
    /* c: the G4 would be at 1.0 / 3.72 = 0.269 (+ 9.6 W over P(0)), the
     * G5 at 3.0 / 5.32 = 0.564 (+ 25.5 W): the G4 again. */
    assert_int_equal(v[2].host, 0);
    /* Four high-cpu VMs: the G5 takes one (2.5 / 5.32 = 0.47), a second
     * would be 0.94 > 0.8; none fits the G4's cores. */
    struct sim_vm hc[2] = {{"a", sim_vm_type_find("high-cpu"), tr, 1, 99},
                           {"b", sim_vm_type_find("high-cpu"), tr, 1, 99}};
    assert_int_equal(sim_place_initial(h, 2, hc, 2, 0.8, err, sizeof err), -1);
    assert_string_equal(err, "VM b (high-cpu) fits on no server");
    /* Without the threshold (1.0) the second fits beside the first. */
    assert_int_equal(sim_place_initial(h, 2, hc, 2, 1.0, err, sizeof err), 0);
    assert_int_equal(hc[1].host, 1);
}

static void test_synthetic(void **state)
{
    (void)state;
    double a[288], b[288], c[288];
    sim_synthetic_trace(7, 3, a, 288);
    sim_synthetic_trace(7, 3, b, 288);
    sim_synthetic_trace(7, 4, c, 288);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    double sum = 0;
    for (int k = 0; k < 288; k++) {
        assert_true(a[k] >= 0 && a[k] <= 1);
        assert_true(fabs(a[k] * 100 - round(a[k] * 100)) < 1e-9); /* whole percents */
        sum += a[k];
    }
    assert_true(sum / 288 > 0.02 && sum / 288 < 0.7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_place_initial),
        cmocka_unit_test(test_synthetic),
    };
    return cmocka_run_group_tests_name("sim_preset", tests, NULL, NULL);
}
