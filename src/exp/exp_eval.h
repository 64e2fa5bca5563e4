/* exp_eval: a policy run's figures, as minidcd kept them, turned into the
 * series eval/metrics.h computes on.
 *
 * The time axis is the rounds of the servers' history (GET
 * /api/v1/metrics/history, series server/NAME/cpu_used) within the run's
 * window; a server's utilisation at a round is its CPU used over its
 * capacity (the topology's servers[].cpu), the value held from its last
 * sample when a round has none.  Whether it sleeps follows the events
 * server.asleep and server.awake.  Each VM's CPU comes from vm/NAME/cpu_used,
 * from its first sample to its last; it migrates in the rounds that overlap
 * a vm.migrated event's operation (which ends at the event's time and took
 * its "seconds").  Events count: vm.migrated, vm.cloned, server.asleep,
 * server.awake.
 *
 * No I/O: JSON and the topology in, arrays out (owned by struct exp_eval). */
#ifndef MINIDC_EXP_EXP_EVAL_H
#define MINIDC_EXP_EXP_EVAL_H

#include <jansson.h>

#include "eval/metrics.h"

struct topo;
struct exp_eval;

struct exp_eval_input {
    const struct topo *t;  /* the lab's topology: capacities and power tables */
    const json_t *history; /* {"series": {NAME: [[t, v]...]}} (server/... and vm/...) */
    const json_t *events;  /* [{type, time, ...}], as minidc events --json prints them */
    double from, to;       /* the run's window, seconds since the epoch */
};

/* The run; NULL with why in '*err' (malloc'd): a server without
 * servers[].cpu, or no round of the servers' history in the window. */
struct exp_eval *exp_eval_build(const struct exp_eval_input *in, char **err);
const struct eval_run *exp_eval_run(const struct exp_eval *e);
/* The names of the run's servers and VMs, in the order of its arrays. */
const char *exp_eval_server(const struct exp_eval *e, size_t i);
const char *exp_eval_vm(const struct exp_eval *e, size_t i);
void exp_eval_free(struct exp_eval *e);

/* The metrics as JSON: {energy_j, energy_kwh, slatah, slatah_pooled, pdm,
 * pdm_pooled, slav, overload_fraction, overloaded_intervals, mean_active,
 * migrations, clones, sleeps, wakes}. */
json_t *exp_eval_metrics_json(const struct eval_metrics *m);

/* The derived series of run 'r' for the plots: {"t" (seconds since its
 * first round), "active" (servers awake), "energy_j" (so far), and, when
 * it has at most 'max_servers' servers, "util" and "asleep" (each server's,
 * under its name in 'names')}.  For the policy experiment's rows and the
 * simulator's alike. */
json_t *exp_eval_series(const struct eval_run *r, const char *const *names, size_t max_servers);

#endif
