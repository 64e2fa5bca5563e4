/* Tests of src/plan with a fake executor: which actions start when (the
 * bound on moves at once, one VM's actions in turn, sleep and wake alone
 * and in order), a failed action ending the plan (those not started
 * skipped, those under way finishing), an action that cannot start, one
 * done at once, and the plan's JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/plan.h"
#include "util/xalloc.h"

/* The fake: each step's fate by index (its position in the plan), set by
 * the test: how many polls it stays under way, and how it ends. */
struct fake {
    struct plan *p;
    int polls[16]; /* polls before it ends */
    int fate[16];  /* 1 done, -1 fails (under way), -2 cannot start, 2 done at start */
    char log[512]; /* "s1 s2 e1 ..." starts and ends, in order */
    size_t changes;
};

static size_t index_of(struct fake *f, const struct plan_step *s)
{
    return (size_t)(s - f->p->steps);
}

/* Logs "s3 " (what 's' for step index 'i'). */
static void logf_(struct fake *f, char what, size_t i)
{
    snprintf(f->log + strlen(f->log), sizeof f->log - strlen(f->log), "%c%zu ", what, i + 1);
}

static int fake_start(void *ctx, const struct plan_step *s, unsigned long *handle, json_t **result,
                      char **err)
{
    struct fake *f = ctx;
    size_t i = index_of(f, s);
    logf_(f, 's', i);
    if (f->fate[i] == -2) {
        *err = xstrdup("refused");
        return -1;
    }
    if (f->fate[i] == 2) {
        *result = json_pack("{s:b}", "at_once", 1);
        return 1;
    }
    *handle = 100 + i;
    return 0;
}

static int fake_poll(void *ctx, const struct plan_step *s, json_t **result, char **err)
{
    struct fake *f = ctx;
    size_t i = index_of(f, s);
    assert_int_equal(s->handle, 100 + i);
    if (f->polls[i]-- > 0)
        return 0;
    logf_(f, 'e', i);
    if (f->fate[i] < 0) {
        *err = xstrdup("agent said no");
        return -1;
    }
    *result = json_pack("{s:i}", "operation", (int)(100 + i));
    return 1;
}

static void fake_changed(void *ctx, const struct plan *p, size_t step)
{
    struct fake *f = ctx;
    f->changes++;
}

static struct plan_exec exec_of(struct fake *f)
{
    return (struct plan_exec){f, fake_start, fake_poll, fake_changed};
}

/* Advances until the plan ends (at most 100 times), the clock one a call. */
static int run(struct plan *p, struct fake *f)
{
    struct plan_exec x = exec_of(f);
    for (int t = 1; t <= 100; t++)
        if (plan_advance(p, &x, t))
            return t;
    fail_msg("the plan never ended: %s", f->log);
    return -1;
}

static struct plan *plan_of(struct fake *f, unsigned max_parallel)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < 16; i++)
        f->fate[i] = 1;
    f->p = plan_create(7, "test", NULL, 0, max_parallel, 0.5);
    return f->p;
}

/* Four migrations of four VMs, two at once: the third starts when one of
 * the first two ended, never three at a time. */
static void test_bound_on_moves(void **state)
{
    struct fake f;
    struct plan *p = plan_of(&f, 2);
    const char *vms[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        plan_add(p, MDC_MIGRATE, vms[i], "s2", NULL, false, false, NULL);
    f.polls[0] = 1, f.polls[1] = 3, f.polls[2] = 0, f.polls[3] = 0;
    struct plan_exec x = exec_of(&f);
    for (int t = 1; !plan_advance(p, &x, t); t++) {
        assert_true(plan_running(p) <= 2);
        assert_true(t < 50);
    }
    assert_string_equal(f.log, "s1 s2 e1 s3 e3 s4 e2 e4 ");
    assert_int_equal(p->state, PLAN_DONE);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(p->steps[i].state, STEP_DONE);
    plan_free(p);
}

/* Two actions on one VM run in turn, while another VM's move goes ahead. */
static void test_one_vm_in_turn(void **state)
{
    struct fake f;
    struct plan *p = plan_of(&f, 4);
    plan_add(p, MDC_MIGRATE, "a", "s2", NULL, false, false, NULL);
    plan_add(p, MDC_CLONE, "a", "s3", NULL, true, false, NULL);
    plan_add(p, MDC_MIGRATE, "b", "s3", NULL, false, false, NULL);
    f.polls[0] = 2;
    run(p, &f);
    assert_string_equal(f.log, "s1 s3 e3 e1 s2 e2 ");
    assert_true(p->steps[1].balance);
    plan_free(p);
}

/* A wake runs alone and before the moves after it; a sleep waits for every
 * move before it. */
static void test_power_in_order(void **state)
{
    struct fake f;
    struct plan *p = plan_of(&f, 4);
    plan_add(p, MDC_MIGRATE, "x", "s1", NULL, false, false, NULL);
    plan_add(p, MDC_WAKE, NULL, "s4", NULL, false, false, NULL);
    plan_add(p, MDC_MIGRATE, "a", "s4", NULL, false, false, NULL);
    plan_add(p, MDC_MIGRATE, "b", "s4", NULL, false, false, NULL);
    plan_add(p, MDC_SLEEP, NULL, "s3", NULL, false, false, NULL);
    f.polls[0] = 2, f.polls[2] = 1, f.polls[3] = 3;
    f.fate[1] = 2, f.fate[4] = 2; /* power: done at once */
    run(p, &f);
    assert_string_equal(f.log, "s1 e1 s2 s3 s4 e3 e4 s5 ");
    assert_int_equal(p->state, PLAN_DONE);
    assert_true(json_is_true(json_object_get(p->steps[1].result, "at_once")));
    plan_free(p);
}

/* A move that fails: the moves under way finish, those not started are
 * skipped with why, and the plan failed. */
static void test_failure_skips_the_rest(void **state)
{
    struct fake f;
    struct plan *p = plan_of(&f, 2);
    plan_add(p, MDC_MIGRATE, "a", "s2", NULL, false, false, "a why");
    plan_add(p, MDC_MIGRATE, "b", "s2", NULL, false, false, NULL);
    plan_add(p, MDC_MIGRATE, "c", "s2", NULL, false, false, NULL);
    plan_add(p, MDC_SLEEP, NULL, "s1", NULL, false, false, NULL);
    f.fate[0] = -1, f.polls[0] = 0, f.polls[1] = 3;
    run(p, &f);
    assert_string_equal(f.log, "s1 s2 e1 e2 ");
    assert_int_equal(p->state, PLAN_FAILED);
    assert_int_equal(p->steps[0].state, STEP_FAILED);
    assert_string_equal(p->steps[0].error, "agent said no");
    assert_int_equal(p->steps[1].state, STEP_DONE);
    assert_int_equal(p->steps[2].state, STEP_SKIPPED);
    assert_int_equal(p->steps[3].state, STEP_SKIPPED);
    assert_string_equal(p->steps[3].error, "not started: action 1 (migrate a) failed");
    /* every state change was told: 4 starts or skips, 2 ends */
    assert_int_equal(f.changes, 2 + 2 + 2);
    plan_free(p);
}

/* An action the executor refuses to start fails at once and ends the plan. */
static void test_refused_start(void **state)
{
    struct fake f;
    struct plan *p = plan_of(&f, 1);
    plan_add(p, MDC_STOP, "a", NULL, NULL, false, true, NULL);
    plan_add(p, MDC_MIGRATE, "b", "s2", NULL, false, false, NULL);
    f.fate[0] = -2;
    int t = run(p, &f);
    assert_int_equal(t, 1);
    assert_string_equal(f.log, "s1 ");
    assert_string_equal(p->steps[0].error, "refused");
    assert_int_equal(p->steps[1].state, STEP_SKIPPED);
    assert_true(p->steps[0].graceful);
    assert_null(p->steps[0].server);
    plan_free(p);
}

/* An empty plan is done at its first advance. */
static void test_empty(void **state)
{
    struct fake f;
    struct plan *p = plan_of(&f, 0);
    assert_int_equal(p->max_parallel, PLAN_PARALLEL_DEFAULT);
    assert_int_equal(run(p, &f), 1);
    assert_int_equal(p->state, PLAN_DONE);
    plan_free(p);
}

/* A policy's actions become steps, with their why; and the JSON says it. */
static void test_from_actions_and_json(void **state)
{
    struct mdc_plan mp = {0};
    assert_int_equal(mdc_plan_add(&mp, MDC_MIGRATE, "vm1", "s2", false, "s1 overloaded"), 0);
    assert_int_equal(mdc_plan_add(&mp, MDC_SLEEP, NULL, "s1", false, NULL), 0);
    struct plan *p = plan_create(3, "policy thr-mmt", mp.actions, mp.n, 1, 10);
    free(mp.actions);
    struct fake f;
    memset(&f, 0, sizeof f);
    f.p = p;
    f.fate[0] = 1, f.fate[1] = 2;
    run(p, &f);
    json_t *j = plan_json(p);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(strstr(s, "\"id\":3"));
    assert_non_null(strstr(s, "\"source\":\"policy thr-mmt\""));
    assert_non_null(strstr(s, "\"state\":\"done\""));
    assert_non_null(strstr(s, "\"done\":2"));
    assert_non_null(strstr(s, "{\"action\":\"migrate\",\"duration_s\":1.0,\"result\":"
                              "{\"operation\":100},\"started\":1.0,\"state\":\"done\",\"to\":"
                              "\"s2\",\"vm\":\"vm1\",\"why\":\"s1 overloaded\"}"));
    assert_non_null(strstr(s, "\"action\":\"sleep\",\"duration_s\":0.0,\"result\":{\"at_once\":"
                              "true},\"server\":\"s1\",\"started\":2.0"));
    assert_non_null(strstr(s, "\"server\":\"s1\""));
    free(s);
    json_decref(j);
    assert_int_equal(plan_action_kind("wake"), MDC_WAKE);
    assert_int_equal(plan_action_kind("reboot"), -1);
    plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_on_moves),        cmocka_unit_test(test_one_vm_in_turn),
        cmocka_unit_test(test_power_in_order),        cmocka_unit_test(test_failure_skips_the_rest),
        cmocka_unit_test(test_refused_start),         cmocka_unit_test(test_empty),
        cmocka_unit_test(test_from_actions_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
