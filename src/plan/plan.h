/* plan: carrying out a placement plan, an ordered list of actions (migrate,
 * clone, stop, sleep, wake: include/minidc/policy.h), through an executor
 * that does each one (minidcd's VM operations, a test's fake, the
 * simulator's model).
 *
 * The order is kept where it matters and moves overlap where it does not:
 *   - a move (migrate, clone, stop) starts once fewer than 'max_parallel'
 *     actions run, no earlier action on the same VM is unfinished, and no
 *     earlier sleep or wake is;
 *   - a sleep or wake starts once every earlier action has ended, and runs
 *     alone (waking a server before VMs go to it; sleeping it once they
 *     left).
 * An action that fails ends the plan: those not started are skipped (the
 * rest of a plan may depend on it: a sleep on the moves before it); those
 * under way run to their end.  Each action is whole or not done: the
 * executor's operations finish or undo themselves.
 *
 * Pure: no I/O, no clock ('now' is given), no threads. */
#ifndef MINIDC_PLAN_PLAN_H
#define MINIDC_PLAN_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "minidc/policy.h"

#define PLAN_ACTIONS_MAX 4096
#define PLAN_PARALLEL_DEFAULT 2
#define PLAN_PARALLEL_MAX 64

#define PLAN_STEP_STATES(X)                                                                        \
    X(STEP_PENDING, "pending")                                                                     \
    X(STEP_RUNNING, "running")                                                                     \
    X(STEP_DONE, "done")                                                                           \
    X(STEP_FAILED, "failed")                                                                       \
    X(STEP_SKIPPED, "skipped")

enum plan_step_state {
#define PLAN_STEP_STATE_ENUM(name, text) name,
    PLAN_STEP_STATES(PLAN_STEP_STATE_ENUM)
#undef PLAN_STEP_STATE_ENUM
};

struct plan_step {
    enum mdc_action_kind kind;
    char *vm, *server; /* owned; NULL where the kind has none */
    char *as;          /* clone: the clone's name (NULL: the executor picks) */
    bool balance;      /* clone */
    bool graceful;     /* stop: ask the guest to shut down first */
    char *why;         /* owned; may be NULL */
    enum plan_step_state state;
    unsigned long handle; /* the executor's, while running (an operation's id) */
    char *error;          /* failed or skipped: why */
    json_t *result;       /* what the executor said of it (may be NULL) */
    double started, ended;
};

enum plan_state { PLAN_RUNNING, PLAN_DONE, PLAN_FAILED };

struct plan {
    unsigned long id;
    char *source; /* who made it: "api", "policy thr-mmt" */
    struct plan_step *steps;
    size_t n_steps;
    unsigned max_parallel;
    enum plan_state state;
    double created, ended;
};

/* What carries actions out. */
struct plan_exec {
    void *ctx;
    /* Starts 's': 0 with '*handle' when it is under way, 1 when it is
     * already done (and '*result' may be set), -1 when it could not
     * start (why in '*err', malloc'd). */
    int (*start)(void *ctx, const struct plan_step *s, unsigned long *handle, json_t **result,
                 char **err);
    /* How step 's' (started, handle 's->handle') goes: 0 still under way, 1
     * done, -1 failed (why in '*err', malloc'd); '*result' may be set at
     * its end. */
    int (*poll)(void *ctx, const struct plan_step *s, json_t **result, char **err);
    /* Told of every step that changed state (may be NULL). */
    void (*changed)(void *ctx, const struct plan *p, size_t step);
};

/* A plan of 'n' actions (copied) from 'source'; 'max_parallel' 0: the
 * default. */
struct plan *plan_create(unsigned long id, const char *source, const struct mdc_action *a, size_t n,
                         unsigned max_parallel, double now);
/* Appends a step (its strings copied), before the plan is first advanced. */
void plan_add(struct plan *p, enum mdc_action_kind kind, const char *vm, const char *server,
              const char *as, bool balance, bool graceful, const char *why);
void plan_free(struct plan *p);

/* Polls the steps under way and starts those that may start now; returns
 * whether the plan has ended. */
bool plan_advance(struct plan *p, const struct plan_exec *x, double now);
/* How many steps run now. */
size_t plan_running(const struct plan *p);

const char *plan_step_state_name(enum plan_step_state s);
const char *plan_state_name(enum plan_state s);
const char *plan_action_name(enum mdc_action_kind k);
/* The action named 'name' ("migrate", ...); -1 when none is. */
int plan_action_kind(const char *name);

/* {"id", "source", "state", "created", "ended", "max_parallel", "counts":
 * {pending, running, done, failed, skipped}, "actions": [{"action", "vm",
 * "to" | "server", "as", "balance", "graceful", "why", "state", "error",
 * "started", "ended", "result"}...]} */
json_t *plan_json(const struct plan *p);
json_t *plan_step_json(const struct plan_step *s);

#endif
