/* Tests of src/sim: the simulation's rounds on tiny hand-computed cases.
 *
 * Two servers of 1 CPU, 1024 MiB, a 1000 Mbit/s link and a linear power
 * table of 100 W idle to 200 W at full (10 W a tenth); VMs of 0.5 CPU.
 * Rounds every 10 s for 30 s: t = 0, 10, 20, 30, three intervals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/policy.h"
#include "sim/sim.h"

static const struct sim_host_type small = {
    "small", 1.0, 2, 1024, 1000, {100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200}};
static const struct sim_vm_type half500 = {"half", 0.5, 1, 500}, half200 = {"half", 0.5, 1, 200};

static const double full[1] = {1.0}, mid[1] = {0.5}, low[1] = {0.2};

static struct sim_host hosts[2] = {{"h1", &small, "net1", "sw1"}, {"h2", &small, "net1", "sw1"}};

static struct sim_params params(void)
{
    return (struct sim_params){.interval_s = 10,
                               .duration_s = 30,
                               .trace_step_s = 10,
                               .migration_bw_share = 0.5,
                               .max_parallel = 2,
                               .settle_s = 0};
}

/* A policy of the test: each decision, the actions of a script for it. */
struct script {
    size_t decisions;
    const struct mdc_action *at[8]; /* per decision: actions ended by kind -1 */
    size_t servers_seen, vms_seen;
    double util_seen[8];
};

static int script_decide(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                         size_t errlen)
{
    (void)err, (void)errlen;
    struct script *sc = state;
    sc->servers_seen = m->n_servers;
    sc->vms_seen = m->n_vms;
    if (sc->decisions < 8)
        sc->util_seen[sc->decisions] =
            m->servers[0].cpu_utilization.n
                ? m->servers[0].cpu_utilization.values[m->servers[0].cpu_utilization.n - 1]
                : -1;
    const struct mdc_action *a = sc->decisions < 8 ? sc->at[sc->decisions] : NULL;
    sc->decisions++;
    for (; a && (int)a->kind >= 0; a++)
        mdc_plan_add(plan, a->kind, a->vm, a->server, false, "test");
    return 0;
}

static const struct mdc_policy script_policy = {
    MDC_POLICY_API_VERSION, "script", "the test's", NULL, 0, NULL, script_decide, NULL};

#define END                                                                                        \
    {                                                                                              \
        (enum mdc_action_kind) - 1, NULL, NULL, false, ""                                          \
    }

/* No policy: h1 holds vm1 (asks all of its 0.5) and vm2 (half: 0.25), h2
 * vm3 (0.2 of 0.5: 0.1).  h1 at 0.75 draws 175 W, h2 at 0.1 110 W, for
 * 30 s: 8550 J; nothing moves. */
static void test_none_energy(void **state)
{
    (void)state;
    struct sim_vm vms[3] = {
        {"vm1", &half500, full, 1, 0}, {"vm2", &half200, mid, 1, 0}, {"vm3", &half200, low, 1, 1}};
    struct sim_params p = params();
    char err[128];
    struct sim *s = sim_create(&p, hosts, 2, vms, 3, err, sizeof err);
    assert_non_null(s);
    sim_run(s, policy_builtin("none"), NULL);
    const struct eval_run *r = sim_eval(s);
    assert_int_equal(r->n, 4);
    assert_true(r->t[3] == 30);
    assert_float_equal(r->servers[0].util[2], 0.75, 1e-12);
    assert_float_equal(r->servers[1].util[2], 0.1, 1e-12);
    struct eval_metrics m;
    eval_metrics(r, &m);
    assert_float_equal(m.energy_j, 8550, 1e-9);
    assert_int_equal(m.counts.migrations, 0);
    assert_true(m.pdm == 0 && m.slatah == 0);
    assert_int_equal(sim_decisions(s)->n, 3); /* none at the last round */
    sim_free(s);
}

/* vm2 goes to h2 at the first decision (t = 0): 500 MiB at half of 1000
 * Mbit/s takes 8 s, 0.8 of the first interval.  h1 (vm1 and vm2 asking
 * 0.5 each: full) 200 W at t = 0, then 150 W; h2 110 W, then 160 W:
 * energy (200 + 150) / 2 * 10 + 150 * 20 + (110 + 160) / 2 * 10 + 160 * 20
 * = 9300 J.  vm2: Cr = 0.5 * 30 = 15, Cd = 0.1 * 0.5 * 10 * 0.8 = 0.4;
 * PDM = (0.4 / 15) / 3 VMs.  SLATAH: h1 full 1 of its 3 intervals, h2
 * never: (1/3 + 0) / 2. */
static void test_migration(void **state)
{
    (void)state;
    struct sim_vm vms[3] = {
        {"vm1", &half200, full, 1, 0}, {"vm2", &half500, full, 1, 0}, {"vm3", &half200, low, 1, 1}};
    static const struct mdc_action move[] = {{MDC_MIGRATE, "vm2", "h2", false, ""}, END};
    struct script sc = {.at = {move}};
    struct sim_params p = params();
    struct sim *s = sim_create(&p, hosts, 2, vms, 3, NULL, 0);
    sim_run(s, &script_policy, &sc);
    assert_int_equal(sc.servers_seen, 2);
    assert_int_equal(sc.vms_seen, 3);
    assert_float_equal(sc.util_seen[0], 1.0, 1e-12); /* h1's history as the policy saw it */
    assert_float_equal(sc.util_seen[1], 0.5, 1e-12);
    size_t n;
    const struct sim_event *ev = sim_events(s, &n);
    assert_int_equal(n, 1);
    assert_true(ev[0].kind == EVAL_MIGRATION && ev[0].vm == 1 && ev[0].from == 0 && ev[0].to == 1);
    assert_float_equal(ev[0].start, 0, 1e-12);
    assert_float_equal(ev[0].t, 8, 1e-12);
    assert_int_equal(sim_vm_host(s, 1), 1);
    const struct eval_run *r = sim_eval(s);
    assert_float_equal(r->vms[1].migrating_share[0], 0.8, 1e-12);
    assert_true(r->vms[1].migrating_share[1] == 0);
    struct eval_metrics m;
    eval_metrics(r, &m);
    assert_float_equal(m.energy_j, 9300, 1e-9);
    assert_float_equal(m.pdm, 0.4 / 15 / 3, 1e-12);
    assert_float_equal(m.slatah, 1.0 / 6, 1e-12);
    assert_int_equal(m.counts.migrations, 1);
    assert_int_equal(sim_decisions(s)->actions, 1);
    assert_int_equal(sim_decisions(s)->refused, 0);
    sim_free(s);
}

/* A migration longer than an interval: 1000 MiB over a 100 Mbit/s link at
 * half takes 160 s; the run (30 s) ends first: it counts as far as it went
 * (a share of 1 in each interval), the VM stays where it was, and no
 * decision is made meanwhile (the plan is under way). */
static void test_long_migration(void **state)
{
    (void)state;
    static const struct sim_host_type slow = {
        "slow", 1.0, 2, 2048, 100, {100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200}};
    static const struct sim_vm_type big = {"big", 0.5, 1, 1000};
    struct sim_host hs[2] = {{"h1", &slow, NULL, NULL}, {"h2", &slow, NULL, NULL}};
    struct sim_vm vms[1] = {{"vm1", &big, mid, 1, 0}};
    static const struct mdc_action move[] = {{MDC_MIGRATE, "vm1", "h2", false, ""}, END};
    struct script sc = {.at = {move}};
    struct sim_params p = params();
    struct sim *s = sim_create(&p, hs, 2, vms, 1, NULL, 0);
    sim_run(s, &script_policy, &sc);
    size_t n;
    sim_events(s, &n);
    assert_int_equal(n, 0);
    assert_int_equal(sim_vm_host(s, 0), 0);
    assert_int_equal(sc.decisions, 1);
    assert_int_equal(sim_decisions(s)->skipped, 2);
    const struct eval_run *r = sim_eval(s);
    for (int k = 0; k < 3; k++)
        assert_float_equal(r->vms[0].migrating_share[k], 1.0, 1e-12);
    sim_free(s);
}

/* Refusals end the plan, as minidcd's: a server without the memory, a
 * sleep of a server that holds VMs; the rest of the plan is skipped.  A
 * sleep of an empty server: asleep from the next round (0 J), and a VM
 * cannot go there until it is woken. */
static void test_refusals_and_sleep(void **state)
{
    (void)state;
    struct sim_vm vms[3] = {
        {"vm1", &half500, low, 1, 0}, {"vm2", &half500, low, 1, 0}, {"vm3", &half200, low, 1, 1}};
    /* h2 holds vm3 (200 MiB): vm1 fits (700), then vm2 not (1200). */
    static const struct mdc_action d1[] = {{MDC_MIGRATE, "vm1", "h2", false, ""},
                                           {MDC_MIGRATE, "vm2", "h2", false, ""},
                                           {MDC_MIGRATE, "vm3", "h1", false, ""},
                                           END};
    static const struct mdc_action d2[] = {{MDC_SLEEP, NULL, "h2", false, ""}, END};
    struct script sc = {.at = {d1, d2}};
    struct sim_params p = params();
    p.max_parallel = 1;
    struct sim *s = sim_create(&p, hosts, 2, vms, 3, NULL, 0);
    sim_run(s, &script_policy, &sc);
    assert_int_equal(sim_vm_host(s, 0), 1);
    assert_int_equal(sim_vm_host(s, 1), 0);
    assert_int_equal(sim_vm_host(s, 2), 1); /* skipped: vm2's failure ended the plan */
    assert_int_equal(sim_decisions(s)->refused, 2 + 1);
    const struct eval_run *r = sim_eval(s);
    assert_false(r->servers[1].asleep[2]);

    /* An empty h2 sleeps at the first decision: asleep from t = 10. */
    struct sim_vm on1[2] = {{"vm1", &half500, low, 1, 0}, {"vm2", &half200, low, 1, 0}};
    static const struct mdc_action sl[] = {{MDC_SLEEP, NULL, "h2", false, ""}, END};
    static const struct mdc_action to2[] = {{MDC_MIGRATE, "vm2", "h2", false, ""}, END};
    struct script sc2 = {.at = {sl, to2}};
    struct sim *s2 = sim_create(&p, hosts, 2, on1, 2, NULL, 0);
    sim_run(s2, &script_policy, &sc2);
    r = sim_eval(s2);
    assert_false(r->servers[1].asleep[0]);
    assert_true(r->servers[1].asleep[1] && r->servers[1].asleep[3]);
    /* h2: 100 W through its first interval, then nothing. */
    assert_float_equal(eval_server_energy_j(r, 1), 1000, 1e-9);
    assert_int_equal(sim_vm_host(s2, 1), 0); /* refused: asleep */
    size_t n;
    const struct sim_event *ev = sim_events(s2, &n);
    assert_int_equal(n, 1);
    assert_true(ev[0].kind == EVAL_SLEEP && ev[0].to == 1 && ev[0].t == 0);
    sim_free(s2);
    sim_free(s);
}

/* The trace: a sample lasts trace_step_s (20 s here: rounds 0 and 10 s see
 * the first), the last one repeats past the end. */
static void test_trace_steps(void **state)
{
    (void)state;
    static const double tr[2] = {0.2, 0.6};
    struct sim_vm vms[1] = {{"vm1", &half200, tr, 2, 0}};
    struct sim_params p = params();
    p.trace_step_s = 20;
    p.duration_s = 50;
    struct sim *s = sim_create(&p, hosts, 2, vms, 1, NULL, 0);
    sim_run(s, policy_builtin("none"), NULL);
    const struct eval_run *r = sim_eval(s);
    static const double want[6] = {0.1, 0.1, 0.3, 0.3, 0.3, 0.3};
    for (int k = 0; k < 6; k++)
        assert_float_equal(r->vms[0].cpu_used[k], want[k], 1e-12);
    sim_free(s);
}

/* An overloaded server gives each VM the same share of what it asks. */
static void test_overload_shares(void **state)
{
    (void)state;
    static const struct sim_vm_type one = {"one", 1.0, 1, 100};
    struct sim_vm vms[2] = {{"vm1", &one, full, 1, 0}, {"vm2", &one, mid, 1, 0}};
    struct sim_params p = params();
    struct sim *s = sim_create(&p, hosts, 2, vms, 2, NULL, 0);
    sim_run(s, policy_builtin("none"), NULL);
    const struct eval_run *r = sim_eval(s);
    /* asked 1.0 + 0.5 of a 1.0 server: each gets 2/3 of it */
    assert_float_equal(r->vms[0].cpu_used[0], 2.0 / 3, 1e-12);
    assert_float_equal(r->vms[1].cpu_used[0], 1.0 / 3, 1e-12);
    assert_float_equal(r->servers[0].util[0], 1.0, 1e-12);
    struct eval_metrics m;
    eval_metrics(r, &m);
    assert_float_equal(m.slatah, 0.5, 1e-12); /* h1 full throughout, h2 never */
    sim_free(s);
}

/* Set-ups that cannot run are refused, saying why. */
static void test_refused_setups(void **state)
{
    (void)state;
    char err[160];
    struct sim_params p = params();
    struct sim_vm big[3] = {
        {"vm1", &half500, low, 1, 0}, {"vm2", &half500, low, 1, 0}, {"vm3", &half500, low, 1, 0}};
    assert_null(sim_create(&p, hosts, 2, big, 3, err, sizeof err));
    assert_string_equal(err,
                        "server h1 cannot hold its first VMs: their memory passes its 1024 MiB");
    struct sim_vm twice[2] = {{"vm1", &half200, low, 1, 0}, {"vm1", &half200, low, 1, 1}};
    assert_null(sim_create(&p, hosts, 2, twice, 2, err, sizeof err));
    assert_string_equal(err, "two VMs are called vm1");
    struct sim_vm nowhere[1] = {{"vm1", &half200, low, 1, 2}};
    assert_null(sim_create(&p, hosts, 2, nowhere, 1, err, sizeof err));
    assert_string_equal(err, "VM vm1: its first server is not one of the servers");
    p.interval_s = 0;
    assert_null(sim_create(&p, hosts, 2, twice, 1, err, sizeof err));
    assert_non_null(strstr(err, "bad parameters"));
}

/* A built-in policy on a run: the same results twice. */
static void test_builtin_deterministic(void **state)
{
    (void)state;
    static double tr[4][30];
    for (int j = 0; j < 4; j++)
        for (int k = 0; k < 30; k++)
            tr[j][k] = fmod(0.37 * (j + 1) * (k + 3), 1.0);
    struct sim_vm vms[4] = {{"vm1", &half200, tr[0], 30, 0},
                            {"vm2", &half200, tr[1], 30, 0},
                            {"vm3", &half200, tr[2], 30, 1},
                            {"vm4", &half200, tr[3], 30, 1}};
    const struct mdc_policy *pol = policy_builtin("thr-mmt");
    assert_non_null(pol);
    struct eval_metrics m[2];
    for (int i = 0; i < 2; i++) {
        struct mdc_kv *kv;
        size_t n;
        char err[128];
        assert_int_equal(policy_params(pol, NULL, 0, &kv, &n, err, sizeof err), 0);
        void *st = NULL;
        assert_int_equal(pol->init(&st, kv, n, err, sizeof err), 0);
        struct sim_params p = params();
        p.duration_s = 290;
        struct sim *s = sim_create(&p, hosts, 2, vms, 4, NULL, 0);
        sim_run(s, pol, st);
        eval_metrics(sim_eval(s), &m[i]);
        if (pol->destroy)
            pol->destroy(st);
        free(kv);
        sim_free(s);
    }
    assert_memory_equal(&m[0], &m[1], sizeof m[0]);
    assert_true(m[0].counts.migrations > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_energy),    cmocka_unit_test(test_migration),
        cmocka_unit_test(test_long_migration), cmocka_unit_test(test_refusals_and_sleep),
        cmocka_unit_test(test_trace_steps),    cmocka_unit_test(test_overload_shares),
        cmocka_unit_test(test_refused_setups), cmocka_unit_test(test_builtin_deterministic),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
