#include "cli/sim_topology.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/diag.h"
#include "topo/topo.h"
#include "topo/topo_graph.h"
#include "util/xalloc.h"

/* The bandwidth of the link that joins server 'i' to its switch. */
static double server_bandwidth(const struct topo *t, size_t i)
{
    for (size_t l = 0; l < t->n_links; l++)
        if (t->links[l].a == i || t->links[l].b == i)
            return t->links[l].props.bandwidth_mbit;
    return 0;
}

int sim_topology_load(const char *file, struct sim_topology *out)
{
    memset(out, 0, sizeof *out);
    struct diag_list d;
    diag_list_init(&d, file);
    out->t = topo_load(file, &d);
    if (!out->t) {
        diag_print(&d, stderr);
        diag_list_free(&d);
        return 1;
    }
    diag_list_free(&d);
    const struct topo *t = out->t;
    size_t n = topo_count(t, TOPO_SERVER);
    if (!n) {
        fprintf(stderr, "minidc sim: %s has no server\n", file);
        sim_topology_free(out);
        return 1;
    }
    out->hosts = xcalloc(n, sizeof *out->hosts);
    out->types = xcalloc(n, sizeof *out->types);
    size_t *node = xcalloc(n, sizeof *node);
    int bad = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *s = &t->nodes[i];
        if (s->kind != TOPO_SERVER)
            continue;
        /* The lab reads a missing cpu or memory as "what the machine has";
         * a simulated server has no machine. */
        if (!(s->cpu > 0) || !s->memory_mib) {
            fprintf(stderr,
                    "%s:%d:%d: server %s: the simulator needs its %s%s%s (servers[].cpu: host "
                    "CPUs its VMs may use; servers[].memory: MiB)\n",
                    file, s->pos.line, s->pos.column, s->name, s->cpu > 0 ? "" : "cpu",
                    !(s->cpu > 0) && !s->memory_mib ? " and its " : "",
                    s->memory_mib ? "" : "memory");
            bad = 1;
            continue;
        }
        size_t k = out->n++;
        double bw = server_bandwidth(t, i);
        struct sim_host_type *ty = &out->types[k];
        *ty =
            (struct sim_host_type){.name = s->name,
                                   .cpu = s->cpu,
                                   .cores = (unsigned)ceil(s->cpu),
                                   .memory_mib = s->memory_mib,
                                   .bandwidth_mbit = bw > 0 ? bw : SIM_TOPOLOGY_BANDWIDTH_DEFAULT};
        memcpy(ty->power_w, s->power_w, sizeof ty->power_w);
        out->hosts[k] =
            (struct sim_host){s->name, ty, t->subnets[s->subnet].name, t->nodes[s->sw].name};
        node[k] = i;
    }
    if (bad) {
        free(node);
        sim_topology_free(out);
        return 1;
    }
    if (n <= SIM_TOPOLOGY_HOPS_MAX) {
        struct topo_graph *g = topo_graph_create(t);
        int *dist = xcalloc(t->n_nodes, sizeof *dist);
        out->hops = xcalloc(n * n, sizeof *out->hops);
        for (size_t a = 0; a < n; a++) {
            topo_graph_crossed(g, node[a], dist);
            for (size_t b = 0; b < n; b++)
                out->hops[a * n + b] = a == b ? 0 : dist[node[b]];
        }
        free(dist);
        topo_graph_destroy(g);
    }
    free(node);
    return 0;
}

void sim_topology_free(struct sim_topology *st)
{
    free(st->hosts);
    free(st->types);
    free(st->hops);
    topo_free(st->t);
    memset(st, 0, sizeof *st);
}
