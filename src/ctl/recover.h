/* recover: what minidcd does with a migration or a clone it finds half-done
 * (after its own restart, or when an operation could not learn how its own
 * undo went), and with copies of a VM the agents hold that no transfer
 * explains: finish or undo, decided from what the agents report of each
 * copy.  Pure: no I/O, no clock, no state; the agents' answers in, a plan
 * out (tests/unit/ctl/test_recover.c).
 *
 * The rule: a copy that runs wins and the others go; when none runs, the
 * source (a paused source still holds the whole VM) runs again and the
 * destination's copy goes; a destination's copy that has all of the VM is
 * started only when the source's is lost.  Two copies never run: a paused
 * source is resumed only where the destination's copy cannot be running
 * (it was never told to start, or its agent says it is not), and the plan
 * removes that copy before it resumes the source.  A copy an agent is still
 * working on, or one that may run on an agent that does not answer, is
 * waited for. */
#ifndef MINIDC_CTL_RECOVER_H
#define MINIDC_CTL_RECOVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* One copy of a VM, as its agent reports it. */
enum recover_copy {
    RECOVER_ABSENT,   /* the agent answered and holds no VM of that name */
    RECOVER_RUNNING,  /* running (also "broken": running, a device marked broken) */
    RECOVER_PAUSED,   /* a source paused by a move */
    RECOVER_INCOMING, /* an arrival that has not all of the VM yet (memory, devices) */
    RECOVER_ARRIVED,  /* an arrival that has all of it, never started */
    RECOVER_CRASHED,  /* its QEMU is gone */
    RECOVER_BUSY,     /* an operation of the agent's holds it */
    RECOVER_UNKNOWN,  /* its agent does not answer */
};

/* The copy an agent's JSON for one VM (an element of GET /v1/vms) tells;
 * NULL: the agent answered without it (RECOVER_ABSENT). */
enum recover_copy recover_copy_of(const json_t *agent_vm);
const char *recover_copy_name(enum recover_copy c);

enum recover_verdict {
    RECOVER_WAIT,     /* cannot be decided yet: ask again later */
    RECOVER_NOTHING,  /* nothing to do (one copy, settled) */
    RECOVER_FINISH,   /* the destination's copy (or the running one) is kept */
    RECOVER_UNDO,     /* the source's copy is kept (resumed if paused) */
    RECOVER_CONFLICT, /* more than one copy runs: no one can tell which is right */
};
const char *recover_verdict_name(enum recover_verdict v);

/* What is done to each copy, in this order over all copies: every START,
 * then every DELETE, then every RESUME (a step that fails stops the rest). */
enum recover_act {
    RECOVER_LEAVE,
    RECOVER_START,  /* run an arrived copy (POST .../finish) */
    RECOVER_DELETE, /* remove the copy and its files (DELETE) */
    RECOVER_RESUME, /* run a paused source again (POST .../resume) */
};
const char *recover_act_name(enum recover_act a);

#define RECOVER_COPIES_MAX 8

struct recover_plan {
    enum recover_verdict verdict;
    const char *why; /* static text, for the log, the operation and `vm list` */
    int at;          /* the copy the VM is at afterwards; -1: no copy left */
    bool clone_kept; /* a clone's copy runs: the clone is kept (recover_transfer_plan) */
    enum recover_act act[RECOVER_COPIES_MAX];
};

/* A transfer minidcd recorded: copy 0 is the source's (the VM on the
 * source's server), copy 1 the destination's (the VM, or the clone's name,
 * on the destination's server).  For a clone 'at' is the source's copy (the
 * VM); the clone's own copy is kept when 'clone_kept'. */
struct recover_transfer {
    bool clone;
    bool finish_sent; /* the destination may have been told to start its copy */
    enum recover_copy src, dst;
};
struct recover_plan recover_transfer_plan(const struct recover_transfer *t);

/* The 'n' copies (1 to RECOVER_COPIES_MAX) of one VM name found on the
 * agents that answered, with no transfer recorded: 'all_heard' says every
 * agent answered (a copy elsewhere may run otherwise, so nothing is
 * resumed or started).  Arrivals alone are the remains of a cut transfer:
 * removed (a clone's copy must not be started with nobody asking). */
struct recover_plan recover_found_plan(const enum recover_copy *copies, size_t n, bool all_heard);

#endif
