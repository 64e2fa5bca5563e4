/* sim_results: a simulation's run as a row of results, in the shape the
 * policy experiment's rows have (src/exp), so that `minidc sim --out DIR`
 * gets the same report, results.json and plots. */
#ifndef MINIDC_CLI_SIM_RESULTS_H
#define MINIDC_CLI_SIM_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#include "sim/sim.h"

/* The servers' series (utilisation, asleep) are kept up to this many. */
#define SIM_RESULTS_SERVERS_MAX 64

/* {"policy", "run": 1, "from": 0, "to", "metrics", "decide_ms": {n, p50,
 * max, values}, "series": {t, active, energy_j[, util, asleep]},
 * "events": [{type, time, vm, from, to, seconds} | {type, time, server}]}
 * of run 's' of 'policy' (new reference). */
json_t *sim_results_row(const struct sim *s, const char *policy, const struct sim_host *hosts,
                        const struct sim_vm *vms);

#endif
