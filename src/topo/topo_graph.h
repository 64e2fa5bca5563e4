/* topo_graph: a topology's links as adjacency lists, built once, and the
 * breadth-first searches over them.
 *
 * Building is linear in nodes plus links, and so is every search; a caller
 * that asks many questions of one topology (the checks, the controller)
 * builds the graph once instead of scanning every link for every node. */
#ifndef MINIDC_TOPO_TOPO_GRAPH_H
#define MINIDC_TOPO_TOPO_GRAPH_H

#include <stddef.h>

struct topo;
struct topo_graph;

/* Builds the adjacency lists of 't', which must outlive the graph and keep
 * its nodes and links.  Links with an end the reader could not resolve are
 * left out.  Caller frees with topo_graph_destroy(). */
struct topo_graph *topo_graph_create(const struct topo *t);
/* NULL: nothing to do. */
void topo_graph_destroy(struct topo_graph *g);

/* Fills 'dist' (the caller's, t->n_nodes entries) with the number of
 * switches a packet from node 'from' crosses to each node on a shortest path,
 * a switch end counting itself (topo_switches_crossed()); -1 where
 * unreachable.  Only switches forward: a server or host is a path's end. */
void topo_graph_crossed(const struct topo_graph *g, size_t from, int *dist);

/* The topology's center: the switch with the fewest switches crossed to the
 * farthest switch it reaches, the first in file order on a tie; -1 when there
 * is no switch.  Exact; on a tree (or nearly one) a handful of searches, on a
 * graph of many loops at most one search per switch. */
long topo_graph_center(const struct topo_graph *g);

#endif
