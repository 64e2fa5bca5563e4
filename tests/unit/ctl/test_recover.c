/* Tests of src/ctl/recover.c: what minidcd does with a half-done migration
 * or clone, and with copies of a VM no transfer explains.  Besides the
 * cases named one by one, every combination of the two copies' states is
 * checked for what must never happen: two copies running, the one whole
 * copy removed, a step taken while an agent works on the VM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/recover.h"

#define N_COPY (RECOVER_UNKNOWN + 1)

static enum recover_copy of(const char *json)
{
    json_t *o = json_loads(json, 0, NULL);
    assert_non_null(o);
    enum recover_copy c = recover_copy_of(o);
    json_decref(o);
    return c;
}

static void test_copy_of(void **state)
{
    (void)state;
    assert_int_equal(recover_copy_of(NULL), RECOVER_ABSENT);
    assert_int_equal(of("{\"name\": \"vm1\", \"state\": \"running\"}"), RECOVER_RUNNING);
    assert_int_equal(of("{\"state\": \"broken\", \"problem\": \"virtio-net\"}"), RECOVER_RUNNING);
    assert_int_equal(of("{\"state\": \"paused\"}"), RECOVER_PAUSED);
    assert_int_equal(of("{\"state\": \"crashed\"}"), RECOVER_CRASHED);
    assert_int_equal(of("{\"state\": \"incoming\"}"), RECOVER_INCOMING);
    assert_int_equal(of("{\"state\": \"incoming\", \"arrived\": false}"), RECOVER_INCOMING);
    assert_int_equal(of("{\"state\": \"incoming\", \"arrived\": true}"), RECOVER_ARRIVED);
    assert_int_equal(of("{\"state\": \"booting\"}"), RECOVER_BUSY);
    /* Whatever its state, a copy an operation holds is busy. */
    assert_int_equal(of("{\"state\": \"incoming\", \"arrived\": true, \"operation\": \"finish\"}"),
                     RECOVER_BUSY);
    assert_int_equal(of("{\"state\": \"running\", \"operation\": \"migrate\"}"), RECOVER_BUSY);
    assert_int_equal(of("{\"state\": \"sleeping\"}"), RECOVER_UNKNOWN);
    assert_int_equal(of("{}"), RECOVER_UNKNOWN);
}

static struct recover_plan move(enum recover_copy s, enum recover_copy d, bool finish_sent)
{
    struct recover_transfer t = {.clone = false, .finish_sent = finish_sent, .src = s, .dst = d};
    return recover_transfer_plan(&t);
}

static struct recover_plan clone(enum recover_copy s, enum recover_copy d, bool finish_sent)
{
    struct recover_transfer t = {.clone = true, .finish_sent = finish_sent, .src = s, .dst = d};
    return recover_transfer_plan(&t);
}

#define ASSERT_PLAN(p, verdict_, at_, act0, act1)                                                  \
    do {                                                                                           \
        struct recover_plan p_ = (p);                                                              \
        assert_string_equal(recover_verdict_name(p_.verdict), recover_verdict_name(verdict_));     \
        if ((verdict_) != RECOVER_WAIT) {                                                          \
            assert_int_equal(p_.at, at_);                                                          \
            assert_string_equal(recover_act_name(p_.act[0]), recover_act_name(act0));              \
            assert_string_equal(recover_act_name(p_.act[1]), recover_act_name(act1));              \
        }                                                                                          \
    } while (0)

static void test_move(void **state)
{
    (void)state;
    /* minidcd died while the memory went: the source's agent finished its
     * half (paused), the destination has all of it, never told to start. */
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_ARRIVED, false), RECOVER_UNDO, 0, RECOVER_RESUME,
                RECOVER_DELETE);
    /* Its send failed and was rolled back. */
    ASSERT_PLAN(move(RECOVER_RUNNING, RECOVER_INCOMING, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    ASSERT_PLAN(move(RECOVER_RUNNING, RECOVER_CRASHED, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    /* Killed before anything was made. */
    ASSERT_PLAN(move(RECOVER_RUNNING, RECOVER_ABSENT, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* The destination started its copy: finished. */
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_RUNNING, true), RECOVER_FINISH, 1, RECOVER_DELETE,
                RECOVER_LEAVE);
    ASSERT_PLAN(move(RECOVER_ABSENT, RECOVER_RUNNING, true), RECOVER_FINISH, 1, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* ... even with the source's agent silent: its copy is left for later. */
    ASSERT_PLAN(move(RECOVER_UNKNOWN, RECOVER_RUNNING, true), RECOVER_FINISH, 1, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* Told to start, and it did not (its agent refused or it was removed). */
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_ARRIVED, true), RECOVER_UNDO, 0, RECOVER_RESUME,
                RECOVER_DELETE);
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_ABSENT, true), RECOVER_UNDO, 0, RECOVER_RESUME,
                RECOVER_LEAVE);
    /* Told to start, its agent silent: it may run; the source waits. */
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_UNKNOWN, true), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* Never told to start: whatever its agent does, it cannot run. */
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_UNKNOWN, false), RECOVER_UNDO, 0, RECOVER_RESUME,
                RECOVER_LEAVE);
    /* The source's agent silent, the destination not running: wait. */
    ASSERT_PLAN(move(RECOVER_UNKNOWN, RECOVER_ARRIVED, false), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* Agents at work: wait, whatever else. */
    ASSERT_PLAN(move(RECOVER_BUSY, RECOVER_INCOMING, false), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    ASSERT_PLAN(move(RECOVER_PAUSED, RECOVER_BUSY, true), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* The source's QEMU died after its memory had all gone: the arrived
     * copy is the VM now. */
    ASSERT_PLAN(move(RECOVER_CRASHED, RECOVER_ARRIVED, false), RECOVER_FINISH, 1, RECOVER_DELETE,
                RECOVER_START);
    ASSERT_PLAN(move(RECOVER_ABSENT, RECOVER_ARRIVED, true), RECOVER_FINISH, 1, RECOVER_LEAVE,
                RECOVER_START);
    /* ... before: nothing whole is left; the crashed source stays listed. */
    ASSERT_PLAN(move(RECOVER_CRASHED, RECOVER_INCOMING, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    ASSERT_PLAN(move(RECOVER_ABSENT, RECOVER_INCOMING, false), RECOVER_UNDO, -1, RECOVER_LEAVE,
                RECOVER_DELETE);
}

static void test_clone(void **state)
{
    (void)state;
    /* Killed while it copied: the clone's copy goes, the source runs on. */
    ASSERT_PLAN(clone(RECOVER_RUNNING, RECOVER_ARRIVED, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    ASSERT_PLAN(clone(RECOVER_RUNNING, RECOVER_INCOMING, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    /* ... with the source paused at the switch-over (its agent died). */
    ASSERT_PLAN(clone(RECOVER_PAUSED, RECOVER_INCOMING, false), RECOVER_UNDO, 0, RECOVER_RESUME,
                RECOVER_DELETE);
    ASSERT_PLAN(clone(RECOVER_RUNNING, RECOVER_ARRIVED, true), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    ASSERT_PLAN(clone(RECOVER_RUNNING, RECOVER_ABSENT, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    /* The clone runs (it took its identity): kept. */
    struct recover_plan p = clone(RECOVER_RUNNING, RECOVER_RUNNING, true);
    ASSERT_PLAN(p, RECOVER_FINISH, 0, RECOVER_LEAVE, RECOVER_LEAVE);
    assert_true(p.clone_kept);
    assert_false(clone(RECOVER_RUNNING, RECOVER_ARRIVED, true).clone_kept);
    ASSERT_PLAN(clone(RECOVER_PAUSED, RECOVER_RUNNING, true), RECOVER_FINISH, 0, RECOVER_RESUME,
                RECOVER_LEAVE);
    ASSERT_PLAN(clone(RECOVER_RUNNING, RECOVER_UNKNOWN, true), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    ASSERT_PLAN(clone(RECOVER_RUNNING, RECOVER_UNKNOWN, false), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    ASSERT_PLAN(clone(RECOVER_UNKNOWN, RECOVER_RUNNING, true), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
    ASSERT_PLAN(clone(RECOVER_BUSY, RECOVER_INCOMING, false), RECOVER_WAIT, 0, RECOVER_LEAVE,
                RECOVER_LEAVE);
}

static bool whole(enum recover_copy c)
{
    return c == RECOVER_RUNNING || c == RECOVER_PAUSED;
}

/* A failed check names the combination it failed on. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            print_error("%s: %s\n", what, #c);                                                     \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Every combination, moves and clones, told to start or not. */
static void test_never(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++)
        for (int sent = 0; sent < 2; sent++)
            for (int s = 0; s < N_COPY; s++)
                for (int d = 0; d < N_COPY; d++) {
                    struct recover_transfer t = {
                        .clone = kind, .finish_sent = sent, .src = s, .dst = d};
                    struct recover_plan p = recover_transfer_plan(&t);
                    char what[96];
                    snprintf(what, sizeof what, "%s%s src %s dst %s: %s", kind ? "clone" : "move",
                             sent ? " (finish sent)" : "", recover_copy_name(s),
                             recover_copy_name(d), recover_verdict_name(p.verdict));
                    bool busy = s == RECOVER_BUSY || d == RECOVER_BUSY;
                    /* An agent at work: nothing is done. */
                    if (busy)
                        CHECK(p.verdict == RECOVER_WAIT);
                    if (p.verdict == RECOVER_WAIT)
                        continue;
                    CHECK(p.verdict == RECOVER_FINISH || p.verdict == RECOVER_UNDO);
                    bool dst_runs = d == RECOVER_RUNNING || p.act[1] == RECOVER_START;
                    bool src_runs = s == RECOVER_RUNNING || p.act[0] == RECOVER_RESUME;
                    /* Two copies of one VM never run (a clone is a VM of its own). */
                    if (!kind)
                        CHECK(!(dst_runs && src_runs && p.act[0] != RECOVER_DELETE));
                    /* A source is resumed only where the destination's copy
                     * cannot run: known not to, or never told to. */
                    if (p.act[0] == RECOVER_RESUME && !kind)
                        CHECK(d != RECOVER_RUNNING && (d != RECOVER_UNKNOWN || !sent));
                    /* Nothing is done on an agent that does not answer. */
                    if (s == RECOVER_UNKNOWN)
                        CHECK(p.act[0] == RECOVER_LEAVE);
                    if (d == RECOVER_UNKNOWN)
                        CHECK(p.act[1] == RECOVER_LEAVE);
                    /* The copy the VM is at is never removed, and it runs
                     * (or it is the crashed source, listed so). */
                    if (p.at >= 0) {
                        CHECK(p.act[p.at] != RECOVER_DELETE);
                        enum recover_copy at = p.at ? (enum recover_copy)d : (enum recover_copy)s;
                        CHECK(whole(at) || p.act[p.at] == RECOVER_START || at == RECOVER_CRASHED);
                    }
                    /* A whole copy is removed only when another runs. */
                    if (p.act[0] == RECOVER_DELETE && whole(s))
                        CHECK(dst_runs && !kind);
                    if (p.act[1] == RECOVER_DELETE)
                        CHECK(!(d == RECOVER_RUNNING));
                    /* An arrival is started only when the source is lost. */
                    if (p.act[1] == RECOVER_START)
                        CHECK(!(whole(s) || kind));
                    /* Copies that hold nothing are left. */
                    if (s == RECOVER_ABSENT)
                        CHECK(p.act[0] == RECOVER_LEAVE);
                    if (d == RECOVER_ABSENT)
                        CHECK(p.act[1] == RECOVER_LEAVE);
                    /* A clone is kept only when it runs. */
                    CHECK(!p.clone_kept || (kind && d == RECOVER_RUNNING));
                }
}

static struct recover_plan found(bool all_heard, size_t n, ...)
{
    enum recover_copy c[RECOVER_COPIES_MAX];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        c[i] = va_arg(ap, enum recover_copy);
    va_end(ap);
    return recover_found_plan(c, n, all_heard);
}

static void test_found(void **state)
{
    (void)state;
    /* One copy, running or crashed: nothing to do. */
    ASSERT_PLAN(found(true, 1, RECOVER_RUNNING), RECOVER_NOTHING, 0, RECOVER_LEAVE, RECOVER_LEAVE);
    assert_int_equal(found(true, 1, RECOVER_CRASHED).verdict, RECOVER_NOTHING);
    /* A paused copy beside a running one (its move's cleanup never came). */
    ASSERT_PLAN(found(true, 2, RECOVER_PAUSED, RECOVER_RUNNING), RECOVER_FINISH, 1, RECOVER_DELETE,
                RECOVER_LEAVE);
    ASSERT_PLAN(found(false, 2, RECOVER_RUNNING, RECOVER_PAUSED), RECOVER_FINISH, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    /* A paused copy alone (the state file lost): it runs again, once every
     * agent answered. */
    ASSERT_PLAN(found(true, 1, RECOVER_PAUSED), RECOVER_UNDO, 0, RECOVER_RESUME, RECOVER_LEAVE);
    assert_int_equal(found(false, 1, RECOVER_PAUSED).verdict, RECOVER_WAIT);
    ASSERT_PLAN(found(true, 2, RECOVER_ARRIVED, RECOVER_PAUSED), RECOVER_UNDO, 1, RECOVER_DELETE,
                RECOVER_RESUME);
    ASSERT_PLAN(found(true, 2, RECOVER_PAUSED, RECOVER_INCOMING), RECOVER_UNDO, 0, RECOVER_RESUME,
                RECOVER_DELETE);
    /* An arrival beside the running source. */
    ASSERT_PLAN(found(false, 2, RECOVER_RUNNING, RECOVER_ARRIVED), RECOVER_FINISH, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    /* An arrival alone: removed, never started (it may be a clone's). */
    ASSERT_PLAN(found(true, 1, RECOVER_ARRIVED), RECOVER_UNDO, -1, RECOVER_DELETE, RECOVER_LEAVE);
    ASSERT_PLAN(found(true, 1, RECOVER_INCOMING), RECOVER_UNDO, -1, RECOVER_DELETE, RECOVER_LEAVE);
    assert_int_equal(found(false, 1, RECOVER_ARRIVED).verdict, RECOVER_WAIT);
    /* The source's QEMU died after its memory had gone. */
    ASSERT_PLAN(found(true, 2, RECOVER_CRASHED, RECOVER_ARRIVED), RECOVER_FINISH, 1, RECOVER_DELETE,
                RECOVER_START);
    assert_int_equal(found(false, 2, RECOVER_CRASHED, RECOVER_ARRIVED).verdict, RECOVER_WAIT);
    ASSERT_PLAN(found(true, 2, RECOVER_CRASHED, RECOVER_INCOMING), RECOVER_UNDO, 0, RECOVER_LEAVE,
                RECOVER_DELETE);
    /* Two running: no one can tell which; nothing is done. */
    struct recover_plan p = found(true, 2, RECOVER_RUNNING, RECOVER_RUNNING);
    assert_int_equal(p.verdict, RECOVER_CONFLICT);
    assert_int_equal(p.act[0], RECOVER_LEAVE);
    assert_int_equal(p.act[1], RECOVER_LEAVE);
    /* An agent at work on one: wait. */
    assert_int_equal(found(true, 2, RECOVER_BUSY, RECOVER_PAUSED).verdict, RECOVER_WAIT);
    assert_int_equal(found(true, 2, RECOVER_RUNNING, RECOVER_BUSY).verdict, RECOVER_WAIT);
    /* Three copies: the running one stays. */
    p = found(true, 3, RECOVER_PAUSED, RECOVER_INCOMING, RECOVER_RUNNING);
    assert_int_equal(p.verdict, RECOVER_FINISH);
    assert_int_equal(p.at, 2);
    assert_int_equal(p.act[0], RECOVER_DELETE);
    assert_int_equal(p.act[1], RECOVER_DELETE);
    assert_int_equal(p.act[2], RECOVER_LEAVE);
}

/* Over every pair of copies found: at most one runs afterwards, and
 * nothing is resumed or started unless every agent answered. */
static void test_found_never(void **state)
{
    (void)state;
    for (int heard = 0; heard < 2; heard++)
        for (int a = 0; a < N_COPY; a++)
            for (int b = 0; b < N_COPY; b++) {
                if (a == RECOVER_ABSENT || b == RECOVER_ABSENT)
                    continue; /* only copies that exist are found */
                enum recover_copy c[2] = {a, b};
                struct recover_plan p = recover_found_plan(c, 2, heard);
                char what[96];
                snprintf(what, sizeof what, "found %s and %s%s: %s", recover_copy_name(a),
                         recover_copy_name(b), heard ? "" : " (not all heard)",
                         recover_verdict_name(p.verdict));
                if (p.verdict == RECOVER_WAIT || p.verdict == RECOVER_CONFLICT ||
                    p.verdict == RECOVER_NOTHING) {
                    for (int i = 0; i < 2; i++)
                        if (p.verdict != RECOVER_NOTHING)
                            CHECK(p.act[i] == RECOVER_LEAVE);
                    continue;
                }
                int runs = 0;
                for (int i = 0; i < 2; i++) {
                    bool r = (c[i] == RECOVER_RUNNING || p.act[i] == RECOVER_RESUME ||
                              p.act[i] == RECOVER_START) &&
                             p.act[i] != RECOVER_DELETE;
                    runs += r;
                    if (p.act[i] == RECOVER_RESUME || p.act[i] == RECOVER_START)
                        CHECK(heard);
                    if (r)
                        CHECK(p.at == i);
                }
                CHECK(runs <= 1);
                if (p.at >= 0)
                    CHECK(p.act[p.at] != RECOVER_DELETE);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_of), cmocka_unit_test(test_move),
        cmocka_unit_test(test_clone),   cmocka_unit_test(test_never),
        cmocka_unit_test(test_found),   cmocka_unit_test(test_found_never),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
