/* eval/metrics: the metrics of placement policies, from a run's series.
 *
 * The definitions are Beloglazov & Buyya's ("Optimal online deterministic
 * algorithms and adaptive heuristics for energy and performance efficient
 * dynamic consolidation of virtual machines in Cloud data centers", CCPE
 * 24(13), 2012), computed as CloudSim computes them
 * (org.cloudbus.cloudsim.examples.power.Helper, PowerHost); where minidc
 * differs, the function says so.  docs/experiments.md defines them for the
 * reader of a report.
 *
 * A run is sampled on one time axis t[0] < t[1] < ... < t[n-1] (seconds;
 * minidcd's rounds, 2 s apart).  Interval k is [t[k], t[k+1]].  Every state
 * is sample-and-hold: what was sampled at t[k] (awake or asleep, the load
 * against a threshold, a VM's CPU use) holds for interval k, as in CloudSim's
 * Helper, which weighs each history entry's state by the time to the next
 * one.  A server that falls asleep or wakes within interval k is thus counted
 * in the state sampled at t[k]: off by at most one interval per change.
 * Only energy uses both ends of an interval (the mean of their powers).  An
 * interval whose t[k+1] is not after t[k] counts nothing.
 *
 * Pure: no I/O, no allocation; the caller owns every array. */
#ifndef MINIDC_EVAL_METRICS_H
#define MINIDC_EVAL_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* A server ran at 100% of its capacity when its measured utilisation was at
 * least this: a server capped by a cgroup quota (servers[].cpu) tops out just
 * under 1 when measured, even when its VMs want more, so 1 itself would
 * hardly ever be seen. */
#define EVAL_FULL_DEFAULT 0.99
/* Overloaded: utilisation above this (the default threshold of the thr
 * detector, docs/policies.md). */
#define EVAL_OVERLOAD_DEFAULT 0.8
/* CloudSim's estimate of what a VM loses while it migrates: 10% of its CPU
 * (VmSchedulerTimeShared allocates a migrating VM 90% of what it asks). */
#define EVAL_MIGRATION_LOSS 0.1

struct eval_server {
    const double *power_w; /* EVAL_POWER_POINTS watts (topo_node.power_w) */
    const double *util;    /* n: CPU used over capacity at t[k]; may pass 1; NaN counts as 0 */
    const bool *asleep;    /* n: asleep at t[k]; NULL: awake throughout */
};

/* A VM lives from t[first] to t[first + n - 1]; samples past the axis are
 * ignored. */
struct eval_vm {
    size_t first;
    size_t n;
    const double *cpu_used; /* n: host CPUs it used at t[first + i] */
    const bool *migrating;  /* n - 1: migrating in [t[first + i], t[first + i + 1]]; NULL: never */
    /* n - 1: the share of that interval it migrated, 0..1 (the simulator
     * knows a migration's start and end); NULL: 'migrating' says, whole
     * intervals. */
    const double *migrating_share;
};

enum eval_event_kind { EVAL_MIGRATION, EVAL_CLONE, EVAL_SLEEP, EVAL_WAKE };

struct eval_event {
    double t; /* on the axis's clock */
    enum eval_event_kind kind;
};

struct eval_counts {
    size_t migrations, clones, sleeps, wakes;
};

struct eval_run {
    const double *t; /* n sample times, increasing */
    size_t n;
    const struct eval_server *servers;
    size_t n_servers;
    const struct eval_vm *vms;
    size_t n_vms;
    const struct eval_event *events;
    size_t n_events;
    double full;     /* EVAL_FULL_DEFAULT unless the caller knows better */
    double overload; /* EVAL_OVERLOAD_DEFAULT likewise */
};
#define EVAL_RUN_INIT                                                                              \
    {                                                                                              \
        .full = EVAL_FULL_DEFAULT, .overload = EVAL_OVERLOAD_DEFAULT                               \
    }

/* Joules server 'i' used: over its awake intervals,
 *   E = sum_k (P(u_k) + P(u_k+1)) / 2 * (t_k+1 - t_k),
 * P = eval_power() of its table: CloudSim's getEnergyLinearInterpolation(),
 * the power taken as linear across the interval.  An interval that starts
 * asleep counts 0 J (the emulated sleep draws nothing); one that starts awake
 * counts in full with the power at its end's load.  CloudSim instead counts
 * a host at 0% load as switched off; here an idle awake server draws its
 * idle power. */
double eval_server_energy_j(const struct eval_run *r, size_t i);
/* The sum over servers. */
double eval_energy_j(const struct eval_run *r);

/* Seconds server 'i' was active (awake): Ta_i = sum of its awake intervals. */
double eval_server_active_s(const struct eval_run *r, size_t i);

/* SLA violation Time per Active Host (Beloglazov & Buyya 2012):
 *   SLATAH = 1/N sum_i Ts_i / Ta_i,
 * Ts_i the active time server i ran at 100% of its capacity (util >=
 * r->full), over the N servers with any active time; 0 when none was active.
 * CloudSim's Helper.getSlaTimePerActiveHost() pools the servers instead
 * (eval_slatah_pooled()), and counts a host at full when it allocated less
 * than its VMs asked, which a measured utilisation shows as util >= full. */
double eval_slatah(const struct eval_run *r);
/* sum_i Ts_i / sum_i Ta_i, as CloudSim's code; 0 when no server was active. */
double eval_slatah_pooled(const struct eval_run *r);

/* Performance Degradation due to Migrations (Beloglazov & Buyya 2012):
 *   PDM = 1/M sum_j Cd_j / Cr_j,
 * Cr_j the CPU VM j used over its life (host CPU seconds, sum_i c_i dt_i),
 * Cd_j = EVAL_MIGRATION_LOSS * the CPU it used in the intervals it
 * migrated (in the share of each it migrated, when migrating_share is
 * given): CloudSim's estimate (10% of its CPU while it migrates), not a
 * measurement.  Over the M VMs that used any CPU; 0 when none did. */
double eval_pdm(const struct eval_run *r);
/* sum_j Cd_j / sum_j Cr_j, as CloudSim's Helper.getSlaMetrics()
 * ("underallocated_migration"); 0 when no VM used CPU. */
double eval_pdm_pooled(const struct eval_run *r);

/* SLA Violation (Beloglazov & Buyya 2012): SLAV = SLATAH * PDM. */
double eval_slav(const struct eval_run *r);

/* Overload time fraction: the share of active server time above
 * r->overload, sum_i To_i / sum_i Ta_i (To_i: server i's active time with
 * util > r->overload); 0 when no server was active.  The per-server OTF of
 * Beloglazov & Buyya (TPDS 24(7), 2013), pooled over the servers. */
double eval_overload_fraction(const struct eval_run *r);
/* The number of (server, interval) pairs that were active and overloaded. */
size_t eval_overloaded_intervals(const struct eval_run *r);

/* Time-weighted mean number of active servers: sum_i Ta_i / (t_n-1 - t_0);
 * 0 for an axis shorter than one interval. */
double eval_mean_active(const struct eval_run *r);

/* The events of each kind with t_0 <= t <= t_n-1 (what happened before or
 * after the sampled run is not its policy's); all of them without an axis. */
struct eval_counts eval_count_events(const struct eval_run *r);

struct eval_metrics {
    double energy_j;
    double slatah, slatah_pooled;
    double pdm, pdm_pooled;
    double slav;
    double overload_fraction;
    size_t overloaded_intervals;
    double mean_active;
    struct eval_counts counts;
};

/* Every metric above into '*out'. */
void eval_metrics(const struct eval_run *r, struct eval_metrics *out);

#endif
