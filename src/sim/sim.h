/* sim: a trace-driven simulation of a data center under a placement policy.
 *
 * Servers (hosts) have a CPU capacity (host CPUs), memory, a link and a
 * SPECpower table; VMs have a CPU allocation, memory and a trace of the
 * share of their allocation they ask for, one sample every trace_step_s.
 * Time goes in rounds of interval_s (t_k = k * interval_s from 0 to
 * duration_s).  At each round:
 *
 *   1. every VM asks for trace(t_k) x its allocation; a server whose VMs ask
 *      more than its capacity gives each VM the same share of what it asks
 *      (what it asked x capacity / asked in all); the server's utilisation is
 *      what its VMs ask over its capacity (it may pass 1: that is how the lab
 *      measures an overloaded server's VMs, and what SLATAH counts);
 *   2. the round is sampled for the metrics (eval/metrics.h) and the
 *      histories the policy sees (the last SIM_HISTORY rounds);
 *   3. the policy decides on the model it would get in the lab
 *      (minidc/policy.h), unless a plan of it is still under way (as
 *      minidcd does); its plan is carried out by src/plan's rules, with
 *      simulated time: a migration takes memory / (link x
 *      migration_bw_share) seconds, during which the VM runs on its source
 *      and its memory is held on the destination too; a sleep or wake is
 *      immediate; a clone or stop is refused (the simulator has no
 *      services).
 *
 * Pure: no I/O, no clock (the decision times are measured with the
 * caller's 'clock'); memory linear in servers + VMs x rounds. */
#ifndef MINIDC_SIM_SIM_H
#define MINIDC_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>

#include "eval/metrics.h"
#include "eval/power.h"
#include "minidc/policy.h"

#define SIM_HISTORY 60 /* rounds of history the policy sees, as minidcd keeps */

struct sim_host_type {
    const char *name;
    double cpu;            /* host CPUs its VMs may use together */
    unsigned cores;        /* its VMs' vCPUs together may not pass this x 1 ... */
    double memory_mib;     /* ... nor their memory this */
    double bandwidth_mbit; /* its link: migrations go over it */
    double power_w[EVAL_POWER_POINTS];
};

struct sim_vm_type {
    const char *name;
    double cpu; /* host CPUs allocated to it: its trace's 100% */
    unsigned cores;
    unsigned memory_mib;
};

struct sim_host {
    const char *name;
    const struct sim_host_type *type;
    const char *subnet; /* NULL: "" */
    const char *sw;     /* NULL: "" */
};

struct sim_vm {
    const char *name;
    const struct sim_vm_type *type;
    const double *trace; /* n_trace samples, 0..1 of its allocation */
    size_t n_trace;      /* > 0; past its end the trace repeats its last sample */
    size_t host;         /* its first server (an index into the hosts) */
};

struct sim_params {
    double interval_s;         /* > 0 */
    double duration_s;         /* >= interval_s */
    double trace_step_s;       /* > 0: how long a trace sample lasts */
    double migration_bw_share; /* 0 < share <= 1 of the link a migration uses */
    unsigned max_parallel;     /* moves at once (src/plan); 0: its default */
    double settle_s;           /* after a plan ends, rounds this soon are skipped */
    const int *hops;           /* n_hosts x n_hosts switches crossed, or NULL */
    double (*clock)(void);     /* seconds, for the decision times; NULL: not measured */
};

/* One migration, sleep or wake, as the run's events. */
struct sim_event {
    double t;     /* when it ended (a migration) or happened */
    double start; /* a migration's start */
    enum eval_event_kind kind;
    size_t vm;       /* a migration's; SIZE_MAX for a sleep or wake */
    size_t from, to; /* a migration's servers; the server of a sleep or wake in 'to' */
};

struct sim;

/* A simulation of 'hosts' and 'vms' (borrowed: they, their types, names
 * and traces must outlive it) under 'p'; NULL with why in 'err' when the
 * set-up cannot run (a VM's first server cannot hold it, a bad parameter:
 * which and why). */
struct sim *sim_create(const struct sim_params *p, const struct sim_host *hosts, size_t n_hosts,
                       const struct sim_vm *vms, size_t n_vms, char *err, size_t errlen);
void sim_free(struct sim *s);

/* Runs 'pol' (with 'state', from its init()) from the start to the end.
 * A round whose decide() fails has an empty plan and the run goes on
 * (sim_decisions() counts it and keeps the last error). */
void sim_run(struct sim *s, const struct mdc_policy *pol, void *state);

/* The run's rounds as eval/metrics.h computes on (valid until sim_free). */
const struct eval_run *sim_eval(const struct sim *s);
/* The migrations, sleeps and wakes, in the order they happened. */
const struct sim_event *sim_events(const struct sim *s, size_t *n);

struct sim_decisions {
    size_t n, failed, skipped; /* decided, decide() failed, rounds skipped (plan under way) */
    size_t actions, refused;   /* actions planned, actions refused or skipped */
    double seconds_sum, seconds_max;
    const double *seconds; /* n: each decision's time (0 without a clock) */
    const char *last_error;
};
const struct sim_decisions *sim_decisions(const struct sim *s);

/* Where each VM is at the end (an index into the hosts). */
size_t sim_vm_host(const struct sim *s, size_t vm);

#endif
