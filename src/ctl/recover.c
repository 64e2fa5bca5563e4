#include "ctl/recover.h"

#include <string.h>

enum recover_copy recover_copy_of(const json_t *a)
{
    if (!a)
        return RECOVER_ABSENT;
    if (json_object_get(a, "operation"))
        return RECOVER_BUSY;
    const char *st = json_string_value(json_object_get(a, "state"));
    static const struct {
        const char *state;
        enum recover_copy copy;
    } states[] = {{"running", RECOVER_RUNNING},
                  {"broken", RECOVER_RUNNING},
                  {"paused", RECOVER_PAUSED},
                  {"crashed", RECOVER_CRASHED},
                  {"booting", RECOVER_BUSY}};
    for (size_t i = 0; st && i < sizeof states / sizeof *states; i++)
        if (!strcmp(st, states[i].state))
            return states[i].copy;
    if (st && !strcmp(st, "incoming"))
        return json_is_true(json_object_get(a, "arrived")) ? RECOVER_ARRIVED : RECOVER_INCOMING;
    /* A state this minidcd does not know: nothing is done to it. */
    return RECOVER_UNKNOWN;
}

const char *recover_copy_name(enum recover_copy c)
{
    static const char *const names[] = {"absent",  "running", "paused", "incoming",
                                        "arrived", "crashed", "busy",   "unknown"};
    return (size_t)c < sizeof names / sizeof *names ? names[c] : "?";
}

const char *recover_verdict_name(enum recover_verdict v)
{
    static const char *const names[] = {"wait", "nothing", "finish", "undo", "conflict"};
    return (size_t)v < sizeof names / sizeof *names ? names[v] : "?";
}

const char *recover_act_name(enum recover_act a)
{
    static const char *const names[] = {"leave", "start", "delete", "resume"};
    return (size_t)a < sizeof names / sizeof *names ? names[a] : "?";
}

/* A copy that holds memory or files on its server (something to remove). */
static bool present(enum recover_copy c)
{
    return c == RECOVER_RUNNING || c == RECOVER_PAUSED || c == RECOVER_INCOMING ||
           c == RECOVER_ARRIVED || c == RECOVER_CRASHED;
}

static struct recover_plan plan(enum recover_verdict v, int at, const char *why)
{
    struct recover_plan p = {.verdict = v, .at = at, .why = why};
    for (size_t i = 0; i < RECOVER_COPIES_MAX; i++)
        p.act[i] = RECOVER_LEAVE;
    return p;
}

static struct recover_plan clone_plan(const struct recover_transfer *t)
{
    enum recover_copy s = t->src, d = t->dst;
    if (s == RECOVER_UNKNOWN)
        return plan(RECOVER_WAIT, 0, "the source's agent does not answer");
    if (d == RECOVER_UNKNOWN && t->finish_sent)
        return plan(RECOVER_WAIT, 0, "the destination's agent does not answer: the clone may run");
    int at = s == RECOVER_RUNNING || s == RECOVER_PAUSED || s == RECOVER_CRASHED ? 0 : -1;
    struct recover_plan p;
    if (d == RECOVER_RUNNING) {
        p = plan(RECOVER_FINISH, at, "the clone runs: it is kept");
        p.clone_kept = true;
    } else {
        /* Its agent, if it answers again, removes an arrival at its start;
         * minidcd removes what is left as an arrival nobody asked for. */
        p = plan(RECOVER_UNDO, at, "the clone never ran: it is removed");
        p.act[1] = present(d) ? RECOVER_DELETE : RECOVER_LEAVE;
    }
    p.act[0] = s == RECOVER_PAUSED ? RECOVER_RESUME : RECOVER_LEAVE;
    return p;
}

struct recover_plan recover_transfer_plan(const struct recover_transfer *t)
{
    enum recover_copy s = t->src, d = t->dst;
    if (s == RECOVER_BUSY || d == RECOVER_BUSY)
        return plan(RECOVER_WAIT, 0, "an agent is still at work on it");
    if (t->clone)
        return clone_plan(t);
    struct recover_plan p;
    if (d == RECOVER_RUNNING) {
        /* The source's copy on an agent that does not answer is left: once
         * it answers, a paused copy beside a running one is removed. */
        p = plan(RECOVER_FINISH, 1, "the destination's copy runs");
        p.act[0] = present(s) ? RECOVER_DELETE : RECOVER_LEAVE;
        return p;
    }
    if (d == RECOVER_UNKNOWN && t->finish_sent)
        return plan(RECOVER_WAIT, 0, "the destination's agent does not answer: its copy may run");
    /* The destination's copy does not run, and cannot start on its own. */
    if (s == RECOVER_UNKNOWN)
        return plan(RECOVER_WAIT, 0, "the source's agent does not answer");
    if (s == RECOVER_RUNNING || s == RECOVER_PAUSED) {
        p = plan(RECOVER_UNDO, 0,
                 s == RECOVER_PAUSED ? "the destination's copy never ran: the source runs again"
                                     : "the destination's copy never ran: the source runs on");
        p.act[0] = s == RECOVER_PAUSED ? RECOVER_RESUME : RECOVER_LEAVE;
        p.act[1] = present(d) ? RECOVER_DELETE : RECOVER_LEAVE;
        return p;
    }
    /* The source's copy is lost (its QEMU died, or it is gone). */
    if (d == RECOVER_ARRIVED) {
        p = plan(RECOVER_FINISH, 1,
                 "the source's copy is lost and the destination's has all of the VM: it starts");
        p.act[1] = RECOVER_START;
        p.act[0] = present(s) ? RECOVER_DELETE : RECOVER_LEAVE;
        return p;
    }
    p = plan(RECOVER_UNDO, s == RECOVER_CRASHED ? 0 : -1, "no whole copy of the VM is left");
    p.act[0] = present(s) && s != RECOVER_CRASHED ? RECOVER_DELETE : RECOVER_LEAVE;
    p.act[1] = present(d) ? RECOVER_DELETE : RECOVER_LEAVE;
    return p;
}

/* The first copy in state 'c', or -1. */
static int first(const enum recover_copy *copies, size_t n, enum recover_copy c)
{
    for (size_t i = 0; i < n; i++)
        if (copies[i] == c)
            return (int)i;
    return -1;
}

struct recover_plan recover_found_plan(const enum recover_copy *copies, size_t n, bool all_heard)
{
    if (n > RECOVER_COPIES_MAX)
        n = RECOVER_COPIES_MAX;
    size_t count[RECOVER_UNKNOWN + 1] = {0};
    for (size_t i = 0; i < n; i++)
        count[copies[i]]++;
    if (count[RECOVER_BUSY])
        return plan(RECOVER_WAIT, 0, "an agent is still at work on it");
    if (count[RECOVER_UNKNOWN])
        return plan(RECOVER_WAIT, 0, "an agent reports a state minidcd does not know");
    if (count[RECOVER_RUNNING] > 1)
        return plan(RECOVER_CONFLICT, first(copies, n, RECOVER_RUNNING),
                    "it runs in more than one place");
    struct recover_plan p;
    int keep;
    if (count[RECOVER_RUNNING]) {
        keep = first(copies, n, RECOVER_RUNNING);
        p = plan(n == 1 ? RECOVER_NOTHING : RECOVER_FINISH, keep,
                 "a copy runs: the others are removed");
    } else if (count[RECOVER_PAUSED]) {
        if (!all_heard)
            return plan(RECOVER_WAIT, 0,
                        "paused, and not every agent answered: a copy may run elsewhere");
        keep = first(copies, n, RECOVER_PAUSED);
        p = plan(RECOVER_UNDO, keep, "paused with no copy running: it runs again");
        p.act[keep] = RECOVER_RESUME;
    } else if (count[RECOVER_ARRIVED] && count[RECOVER_CRASHED]) {
        if (!all_heard)
            return plan(RECOVER_WAIT, 0,
                        "its QEMU died, and not every agent answered: a copy may run elsewhere");
        keep = first(copies, n, RECOVER_ARRIVED);
        p = plan(RECOVER_FINISH, keep,
                 "its QEMU died after its memory had gone: the arrived copy starts");
        p.act[keep] = RECOVER_START;
    } else if (count[RECOVER_ARRIVED] || count[RECOVER_INCOMING]) {
        if (!all_heard)
            return plan(RECOVER_WAIT, 0, "an arrival, and not every agent answered");
        keep = first(copies, n, RECOVER_CRASHED);
        p = plan(RECOVER_UNDO, keep, "an arrival no transfer explains: it is removed");
    } else {
        /* Crashed copies only: listed as such until someone stops them. */
        return plan(RECOVER_NOTHING, 0, "crashed");
    }
    for (size_t i = 0; i < n; i++)
        if ((int)i != keep && present(copies[i]))
            p.act[i] = RECOVER_DELETE;
    return p;
}
