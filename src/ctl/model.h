/* model: the data center as a placement policy sees it (struct mdc_model of
 * include/minidc/policy.h), made from what minidcd knows: the topology
 * (capacities, subnets, the switch tree's hop counts), the inventory and
 * the agents' latest figures (vmctl), the figures' history (hist), the
 * links' traffic (portstats) and the demand `minidc load` reports.
 *
 * Capacities: a server's CPU is the topology's servers[].cpu, else what its
 * agent says it may use, else the machine's CPUs; its memory likewise
 * (servers[].memory, else the agent's).  A server's power is the linear
 * model of include/minidc/policy.h through its servers[].power's 0% and 100%
 * points (default hp-ml110-g4, CloudSim's HP ProLiant ML110 G4: 86 W to
 * 117 W); the points between serve the experiments' energy (src/eval), not
 * the policies.  Histories
 * are the last MODEL_HISTORY rounds of the recorder (one a poll).
 *
 * No I/O: JSON and the history in, a model out; event loop thread (the
 * history's owner). */
#ifndef MINIDC_CTL_MODEL_H
#define MINIDC_CTL_MODEL_H

#include <jansson.h>

#include "minidc/policy.h"

#define MODEL_HISTORY 60

struct hist;
struct topo;
struct topo_graph;

struct model_inputs {
    const struct topo *t;
    const struct topo_graph *g; /* NULL: hop counts unknown (-1, as unreachable) */
    const json_t *vms;          /* vmctl_vms_json() */
    const json_t *servers;      /* vmctl_servers_json(): name -> {reachable, asleep, ...} */
    const json_t *metrics;      /* vmctl_metrics_json() */
    const json_t *links;        /* portstats_links_json(); may be NULL */
    /* [{address, requests_per_second, p95_ms, failed_per_second}] the
     * demand reported now, one an address; may be NULL */
    const json_t *demand;
    const struct hist *h; /* may be NULL: no history */
    double now, interval_s;
};

struct model;

/* The inputs are copied or referenced: they may go once this returns. */
struct model *model_build(const struct model_inputs *in);
const struct mdc_model *model_get(const struct model *m);
void model_free(struct model *m);

/* The model as JSON (GET /api/v1/state; docs/policies.md). */
json_t *model_json(const struct mdc_model *m);

#endif
