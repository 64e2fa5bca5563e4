/* Tests of src/eval/metrics on hand-computed series: SLATAH (a server at
 * 100% for 3 of 10 intervals), energy (a linear model over a known series,
 * a SPECpower table between its points, a sleeping server), PDM of a known
 * migration, SLAV, the overload time fraction, mean active servers, event
 * counts.  The arithmetic is in the comments. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "eval/metrics.h"
#include "eval/power.h"

static const double g4[] = {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117};
/* Linear, 100 W idle to 200 W at full load: P(u) = 100 + 100 u. */
static const double lin[] = {100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200};

/* minidcd's rounds: t = 0, 2, ..., 20 s, 11 samples, 10 intervals of 2 s. */
static const double rounds[] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20};
#define ROUNDS 11

static struct eval_run run_of(const struct eval_server *s, size_t n_servers)
{
    struct eval_run r = EVAL_RUN_INIT;
    r.t = rounds;
    r.n = ROUNDS;
    r.servers = s;
    r.n_servers = n_servers;
    return r;
}

/* A server at 100% of its capacity in 3 of its 10 intervals: SLATAH 0.3.
 * Intervals 2, 3 and 4 start at 1.0, 0.995 and 0.99 (at least the 0.99
 * tolerance: a capped server measures just under 1); interval 5 starts at
 * 0.985, under it.  Ts = 3 * 2 s = 6 s, Ta = 20 s: 6 / 20 = 0.3.  The last
 * sample (1.0) starts no interval. */
static const double full3[ROUNDS] = {0.5, 0.5, 1.0, 0.995, 0.99, 0.985, 0.5, 0.5, 0.5, 0.5, 1.0};

static void test_slatah_three_of_ten(void **state)
{
    (void)state;
    struct eval_server s = {g4, full3, NULL};
    struct eval_run r = run_of(&s, 1);
    assert_float_equal(eval_server_active_s(&r, 0), 20, 1e-12);
    assert_float_equal(eval_slatah(&r), 0.3, 1e-12);
    assert_float_equal(eval_slatah_pooled(&r), 0.3, 1e-12);
    /* A stricter tolerance: only the 1.0 and 0.995 intervals, 4 / 20 = 0.2. */
    r.full = 0.995;
    assert_float_equal(eval_slatah(&r), 0.2, 1e-12);
}

/* SLATAH over servers is the mean of Ts_i / Ta_i over the servers that were
 * active: A 6 / 20 = 0.3 (above); B asleep for intervals 0-4 (at 1.0 there,
 * which does not count), awake for 5-9, full in 5 and 6: 4 / 10 = 0.4; C
 * asleep throughout, left out.  (0.3 + 0.4) / 2 = 0.35.  Pooled as
 * CloudSim's code: (6 + 4) / (20 + 10) = 1/3. */
static void test_slatah_over_servers(void **state)
{
    (void)state;
    static const double ub[ROUNDS] = {1, 1, 1, 1, 1, 1, 1, 0.2, 0.2, 0.2, 0.2};
    static const bool sb[ROUNDS] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    static const double uc[ROUNDS] = {0};
    static const bool sc[ROUNDS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    struct eval_server s[3] = {{g4, full3, NULL}, {g4, ub, sb}, {g4, uc, sc}};
    struct eval_run r = run_of(s, 3);
    assert_float_equal(eval_server_active_s(&r, 1), 10, 1e-12);
    assert_float_equal(eval_server_active_s(&r, 2), 0, 1e-12);
    assert_float_equal(eval_slatah(&r), 0.35, 1e-12);
    assert_float_equal(eval_slatah_pooled(&r), 1.0 / 3, 1e-12);
    /* No server active: 0, not a division by zero. */
    r.servers = &s[2];
    r.n_servers = 1;
    assert_true(eval_slatah(&r) == 0 && eval_slatah_pooled(&r) == 0);
}

/* A linear model over a known series, intervals of 10, 20 and 5 s, loads
 * 0, 0.5, 1.2 (measured past 1: 200 W) and 0.25:
 *   P = 100, 150, 200, 125 W
 *   E = 10 (100 + 150) / 2 + 20 (150 + 200) / 2 + 5 (200 + 125) / 2
 *     = 1250 + 3500 + 812.5 = 5562.5 J. */
static void test_energy_linear(void **state)
{
    (void)state;
    static const double t[] = {0, 10, 30, 35};
    static const double u[] = {0, 0.5, 1.2, 0.25};
    struct eval_server s = {lin, u, NULL};
    struct eval_run r = EVAL_RUN_INIT;
    r.t = t;
    r.n = 4;
    r.servers = &s;
    r.n_servers = 1;
    assert_float_equal(eval_server_energy_j(&r, 0), 5562.5, 1e-9);
    assert_float_equal(eval_energy_j(&r), 5562.5, 1e-9);
    /* Two of it: the sum. */
    struct eval_server two[2] = {s, s};
    r.servers = two;
    r.n_servers = 2;
    assert_float_equal(eval_energy_j(&r), 11125, 1e-9);
}

/* hp-ml110-g4 between its table points: at 25% 94.3 W (92.6 + 3.4 / 2), at
 * 35% 97.75 W (96 + 3.5 / 2); from 25% to 35% over 2 s:
 *   (94.3 + 97.75) / 2 * 2 = 192.05 J,
 * then 35% held for 2 s: 97.75 * 2 = 195.5 J; 387.55 J in all. */
static void test_energy_specpower(void **state)
{
    (void)state;
    static const double u[] = {0.25, 0.35, 0.35};
    struct eval_server s = {g4, u, NULL};
    struct eval_run r = run_of(&s, 1);
    r.n = 3;
    assert_float_equal(eval_energy_j(&r), 387.55, 1e-9);
}

/* A sleeping server uses nothing; an interval counts in the state at its
 * start.  Linear 100-200 W, t = 0, 10, 20, 30:
 * - asleep throughout: 0 J;
 * - asleep at 0 and 10 (it woke within [10, 20]), awake at 20 and 30 at
 *   50%: intervals 0 and 1 start asleep, 0 J; interval 2: 150 W * 10 s =
 *   1500 J;
 * - awake at 0 at 50%, asleep from 10 on (load 0 there): interval 0 starts
 *   awake and counts with its end's load: (150 + 100) / 2 * 10 = 1250 J. */
static void test_energy_asleep(void **state)
{
    (void)state;
    static const double t[] = {0, 10, 20, 30};
    static const double u0[] = {0, 0, 0, 0}, u1[] = {0, 0, 0.5, 0.5}, u2[] = {0.5, 0, 0, 0};
    static const bool all[] = {1, 1, 1, 1}, wakes[] = {1, 1, 0, 0}, sleeps[] = {0, 1, 1, 1};
    struct eval_server s[3] = {{lin, u0, all}, {lin, u1, wakes}, {lin, u2, sleeps}};
    struct eval_run r = EVAL_RUN_INIT;
    r.t = t;
    r.n = 4;
    r.servers = s;
    r.n_servers = 3;
    assert_true(eval_server_energy_j(&r, 0) == 0);
    assert_float_equal(eval_server_energy_j(&r, 1), 1500, 1e-9);
    assert_float_equal(eval_server_energy_j(&r, 2), 1250, 1e-9);
    assert_float_equal(eval_energy_j(&r), 2750, 1e-9);
    /* Awake and idle, it draws its idle power: 100 W * 30 s. */
    s[0].asleep = NULL;
    assert_float_equal(eval_server_energy_j(&r, 0), 3000, 1e-9);
}

/* PDM of a known migration.  VM a uses 0.5 CPUs for 20 s, Cr = 10 CPU s,
 * and migrates in intervals 4, 5 and 6 (6 s): Cd = 0.1 * 0.5 * 6 = 0.3,
 * Cd / Cr = 0.03.  VM b uses 1 CPU for 20 s and never migrates: 0.  VM c
 * uses nothing: left out.  PDM = (0.03 + 0) / 2 = 0.015; pooled as
 * CloudSim's code, 0.3 / (10 + 20) = 0.01. */
static const double half[ROUNDS] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
static const bool moves[ROUNDS - 1] = {0, 0, 0, 0, 1, 1, 1, 0, 0, 0};

static void test_pdm(void **state)
{
    (void)state;
    static const double one[ROUNDS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, none[ROUNDS] = {0};
    struct eval_vm v[3] = {{0, ROUNDS, half, moves, NULL},
                           {0, ROUNDS, one, NULL, NULL},
                           {0, ROUNDS, none, moves, NULL}};
    struct eval_run r = run_of(NULL, 0);
    r.vms = v;
    r.n_vms = 1;
    assert_float_equal(eval_pdm(&r), 0.03, 1e-12);
    r.n_vms = 3;
    assert_float_equal(eval_pdm(&r), 0.015, 1e-12);
    assert_float_equal(eval_pdm_pooled(&r), 0.01, 1e-12);
    /* No VM used CPU: 0. */
    r.vms = &v[2];
    r.n_vms = 1;
    assert_true(eval_pdm(&r) == 0 && eval_pdm_pooled(&r) == 0);
}

/* A VM that lives only part of the run (a clone), on an uneven axis
 * (intervals 1, 1, 1, 1, 1, 4, 2, 2, 2, 6 s): from t = 5 to 21 s (samples 5
 * to 10), 0.25 CPUs, migrating in its first interval (5-9 s, 4 s):
 * Cr = 0.25 * (4 + 2 + 2 + 2 + 6) = 4, Cd = 0.1 * 0.25 * 4 = 0.1,
 * PDM = 0.1 / 4 = 0.025.
 * Samples written past the axis are ignored: with n = 8 the same. */
static void test_pdm_part_of_run(void **state)
{
    (void)state;
    static const double t[ROUNDS] = {0, 1, 2, 3, 4, 5, 9, 11, 13, 15, 21};
    static const double q[8] = {0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 9, 9};
    static const bool m[7] = {1, 0, 0, 0, 0, 1, 1};
    struct eval_vm v = {5, 6, q, m, NULL};
    struct eval_run r = run_of(NULL, 0);
    r.t = t;
    r.vms = &v;
    r.n_vms = 1;
    assert_float_equal(eval_pdm(&r), 0.025, 1e-12);
    v.n = 8;
    assert_float_equal(eval_pdm(&r), 0.025, 1e-12);
}

/* A migration known to the second (the simulator's): VM a of test_pdm
 * migrating a quarter of its fifth interval and half of its sixth, 0.75 of
 * the three whole intervals' 3 s: Cd = 0.1 * 0.5 * 0.75 = 0.0375, Cr = 5,
 * PDM 0.0075.  The share overrides the booleans; all zeros: 0. */
static void test_pdm_migrating_share(void **state)
{
    (void)state;
    static const double share[ROUNDS - 1] = {0, 0, 0, 0, 0.25, 0.5, 0, 0, 0, 0},
                                       zero[ROUNDS - 1] = {0};
    struct eval_vm v = {0, ROUNDS, half, moves, share};
    struct eval_run r = run_of(NULL, 0);
    r.vms = &v;
    r.n_vms = 1;
    assert_float_equal(eval_pdm(&r), 0.0075, 1e-12);
    v.migrating_share = zero;
    assert_true(eval_pdm(&r) == 0);
}

/* SLAV = SLATAH * PDM: the server at full 3 of 10 intervals (0.3) and VM a
 * (0.03): 0.009; eval_metrics() gives the same. */
static void test_slav(void **state)
{
    (void)state;
    struct eval_server s = {g4, full3, NULL};
    struct eval_vm v = {0, ROUNDS, half, moves, NULL};
    struct eval_run r = run_of(&s, 1);
    r.vms = &v;
    r.n_vms = 1;
    assert_float_equal(eval_slav(&r), 0.009, 1e-12);
    struct eval_metrics m;
    eval_metrics(&r, &m);
    assert_float_equal(m.slav, 0.009, 1e-12);
    assert_float_equal(m.slatah, 0.3, 1e-12);
    assert_float_equal(m.pdm, 0.03, 1e-12);
    assert_float_equal(m.mean_active, 1, 1e-12);
}

/* Overload time fraction, threshold 0.8 (above it, not at it).  A: 4 of 10
 * intervals start above 0.8 (0.85, 0.9, 1, 1.3), one at 0.8 exactly: 8 s of
 * 20 s, 0.4.  B: awake for intervals 5-9 only (10 s), above in one (2 s),
 * asleep at 0.95 before, which does not count.  Pooled: (8 + 2) / (20 + 10)
 * = 1/3; 4 + 1 = 5 overloaded intervals.  At threshold 0.7, A's 0.8
 * counts too: (10 + 2) / 30 = 0.4. */
static void test_overload(void **state)
{
    (void)state;
    static const double ua[ROUNDS] = {0.3, 0.85, 0.9, 0.3, 1, 1.3, 0.8, 0.3, 0.3, 0.3, 0.9};
    static const double ub[ROUNDS] = {0.95, 0.95, 0.95, 0.95, 0.95, 0.3, 0.9, 0.3, 0.3, 0.3, 0.9};
    static const bool sb[ROUNDS] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    struct eval_server s[2] = {{g4, ua, NULL}, {g4, ub, sb}};
    struct eval_run r = run_of(s, 1);
    assert_float_equal(eval_overload_fraction(&r), 0.4, 1e-12);
    assert_int_equal(eval_overloaded_intervals(&r), 4);
    r.n_servers = 2;
    assert_float_equal(eval_overload_fraction(&r), 1.0 / 3, 1e-12);
    assert_int_equal(eval_overloaded_intervals(&r), 5);
    r.overload = 0.7;
    assert_float_equal(eval_overload_fraction(&r), 0.4, 1e-12);
    assert_int_equal(eval_overloaded_intervals(&r), 6);
}

/* Mean active servers, time-weighted: A awake 20 s, B asleep half the time
 * (10 of 20 s), C asleep throughout: (20 + 10 + 0) / 20 = 1.5.  On an
 * uneven axis (0, 1, 4, 10: intervals 1, 3, 6 s) with B asleep only in the
 * 6 s one: (10 + 4) / 10 = 1.4. */
static void test_mean_active(void **state)
{
    (void)state;
    static const double u[ROUNDS] = {0};
    static const bool half_asleep[ROUNDS] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    static const bool asleep[ROUNDS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    struct eval_server s[3] = {{g4, u, NULL}, {g4, u, half_asleep}, {g4, u, asleep}};
    struct eval_run r = run_of(s, 3);
    assert_float_equal(eval_mean_active(&r), 1.5, 1e-12);
    static const double t[] = {0, 1, 4, 10};
    static const bool late[] = {0, 0, 1, 1};
    s[1].asleep = late;
    r.t = t;
    r.n = 4;
    r.n_servers = 2;
    assert_float_equal(eval_mean_active(&r), 1.4, 1e-12);
    /* An axis of one sample has no time: 0. */
    r.n = 1;
    assert_true(eval_mean_active(&r) == 0);
}

/* Events are counted by kind, those within the axis only (t = 0 to 20;
 * both ends included). */
static void test_counts(void **state)
{
    (void)state;
    static const struct eval_event ev[] = {
        {-1, EVAL_MIGRATION}, /* before the run: not its policy's */
        {0, EVAL_MIGRATION},  {3, EVAL_MIGRATION}, {5, EVAL_CLONE},
        {7, EVAL_SLEEP},      {9, EVAL_SLEEP},     {15, EVAL_WAKE},
        {20, EVAL_MIGRATION}, {21, EVAL_CLONE}, /* after */
    };
    struct eval_run r = run_of(NULL, 0);
    r.events = ev;
    r.n_events = sizeof ev / sizeof *ev;
    struct eval_counts c = eval_count_events(&r);
    assert_int_equal(c.migrations, 3);
    assert_int_equal(c.clones, 1);
    assert_int_equal(c.sleeps, 2);
    assert_int_equal(c.wakes, 1);
    /* Without an axis, every event. */
    r.n = 0;
    c = eval_count_events(&r);
    assert_int_equal(c.migrations, 4);
    assert_int_equal(c.clones, 2);
}

/* Degenerate input gives zeros, not NaN: an empty run, and an axis that
 * does not increase (interval 1 of t = 0, 10, 5, 15 counts nothing). */
static void test_degenerate(void **state)
{
    (void)state;
    struct eval_run r = EVAL_RUN_INIT;
    struct eval_metrics m;
    eval_metrics(&r, &m);
    assert_true(m.energy_j == 0 && m.slatah == 0 && m.pdm == 0 && m.slav == 0);
    assert_true(m.overload_fraction == 0 && m.mean_active == 0 && m.overloaded_intervals == 0);
    static const double t[] = {0, 10, 5, 15};
    static const double u[] = {1, 1, 0, 0};
    struct eval_server s = {lin, u, NULL};
    r.t = t;
    r.n = 4;
    r.servers = &s;
    r.n_servers = 1;
    /* 10 s at full, 10 s idle: SLATAH 0.5; 10 * 200 + 10 * (100 + 100) / 2 J.
     * (Without the rule interval 1 would count -5 s.) */
    assert_float_equal(eval_server_active_s(&r, 0), 20, 1e-12);
    assert_float_equal(eval_slatah(&r), 0.5, 1e-12);
    assert_float_equal(eval_energy_j(&r), 3000, 1e-9);
    /* A missing sample (NaN) counts as no load. */
    static const double gap[] = {NAN, NAN, NAN, NAN};
    s.util = gap;
    assert_float_equal(eval_energy_j(&r), 2000, 1e-9);
    assert_true(eval_slatah(&r) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slatah_three_of_ten),
        cmocka_unit_test(test_slatah_over_servers),
        cmocka_unit_test(test_energy_linear),
        cmocka_unit_test(test_energy_specpower),
        cmocka_unit_test(test_energy_asleep),
        cmocka_unit_test(test_pdm),
        cmocka_unit_test(test_pdm_part_of_run),
        cmocka_unit_test(test_pdm_migrating_share),
        cmocka_unit_test(test_slav),
        cmocka_unit_test(test_overload),
        cmocka_unit_test(test_mean_active),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
