/* sim_topology: the simulator's servers from a topology file (`minidc sim
 * --topology FILE`): each server of the file with its own capacities (its
 * `cpu` and `memory`, its power model, its link's bandwidth), its subnet
 * and switch, and the switches crossed between each two of them, so that a
 * policy is simulated on the data center a lab runs. */
#ifndef MINIDC_CLI_SIM_TOPOLOGY_H
#define MINIDC_CLI_SIM_TOPOLOGY_H

#include <stddef.h>

#include "sim/sim.h"

/* Up to this many servers get the switches-crossed matrix (n x n ints);
 * beyond, placement sees none (as --hosts). */
#define SIM_TOPOLOGY_HOPS_MAX 4096
/* A link without a bandwidth (as fast as the datapath) migrates at this. */
#define SIM_TOPOLOGY_BANDWIDTH_DEFAULT 1000.0

struct sim_topology {
    struct topo *t;              /* the file, which the names point into */
    struct sim_host *hosts;      /* one per server, in file order */
    struct sim_host_type *types; /* each server's own */
    size_t n;
    int *hops; /* n x n, or NULL */
};

/* Reads 'file' into 'out'; 0, or non-zero after saying on stderr what is
 * wrong and where (FILE:LINE:COL). */
int sim_topology_load(const char *file, struct sim_topology *out);
void sim_topology_free(struct sim_topology *st);

#endif
