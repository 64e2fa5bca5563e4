/* Adjacency lists in compressed form (one array of neighbours, one offset per
 * node) and breadth-first search over them.  See topo_graph.h. */
#include "topo/topo_graph.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

#include "topo/topo.h"
#include "util/xalloc.h"

struct topo_graph {
    const struct topo *t;
    size_t *off; /* node i's neighbours are adj[off[i]] .. adj[off[i + 1] - 1] */
    size_t *adj;
};

struct topo_graph *topo_graph_create(const struct topo *t)
{
    size_t n = t->n_nodes;
    struct topo_graph *g = xcalloc(1, sizeof *g);
    g->t = t;
    g->off = xcalloc(n + 1, sizeof *g->off);
    for (size_t l = 0; l < t->n_links; l++) {
        const struct topo_link *lk = &t->links[l];
        if (lk->a < n && lk->b < n) {
            g->off[lk->a + 1]++;
            g->off[lk->b + 1]++;
        }
    }
    for (size_t i = 0; i < n; i++)
        g->off[i + 1] += g->off[i];
    g->adj = xmalloc((g->off[n] ? g->off[n] : 1) * sizeof *g->adj);
    size_t *fill = xmalloc((n ? n : 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        fill[i] = g->off[i];
    for (size_t l = 0; l < t->n_links; l++) {
        const struct topo_link *lk = &t->links[l];
        if (lk->a < n && lk->b < n) {
            g->adj[fill[lk->a]++] = lk->b;
            g->adj[fill[lk->b]++] = lk->a;
        }
    }
    free(fill);
    return g;
}

void topo_graph_destroy(struct topo_graph *g)
{
    if (!g)
        return;
    free(g->off);
    free(g->adj);
    free(g);
}

static bool is_switch(const struct topo_graph *g, size_t i)
{
    return g->t->nodes[i].kind == TOPO_SWITCH;
}

/* Breadth-first from 'from'; 'queue' holds n_nodes entries. */
static void bfs(const struct topo_graph *g, size_t from, int *dist, size_t *queue)
{
    size_t n = g->t->n_nodes;
    for (size_t i = 0; i < n; i++)
        dist[i] = -1;
    if (from >= n)
        return;
    size_t head = 0, tail = 0;
    dist[from] = is_switch(g, from);
    queue[tail++] = from;
    while (head < tail) {
        size_t u = queue[head++];
        /* Only switches forward; servers and hosts are path ends. */
        if (u != from && !is_switch(g, u))
            continue;
        for (size_t k = g->off[u]; k < g->off[u + 1]; k++) {
            size_t v = g->adj[k];
            if (dist[v] >= 0)
                continue;
            dist[v] = dist[u] + is_switch(g, v);
            queue[tail++] = v;
        }
    }
}

void topo_graph_crossed(const struct topo_graph *g, size_t from, int *dist)
{
    size_t *queue = xmalloc((g->t->n_nodes ? g->t->n_nodes : 1) * sizeof *queue);
    bfs(g, from, dist, queue);
    free(queue);
}

/* One question: the graph is built for it (linear, like the search). */
int topo_switches_crossed(const struct topo *t, size_t a, size_t b)
{
    if (a >= t->n_nodes || b >= t->n_nodes)
        return -1;
    struct topo_graph *g = topo_graph_create(t);
    int *dist = xmalloc(t->n_nodes * sizeof *dist);
    topo_graph_crossed(g, a, dist);
    int d = dist[b];
    free(dist);
    topo_graph_destroy(g);
    return d;
}

/* The center by bounding eccentricities (after Takes and Kosters, "Computing
 * the eccentricity distribution of large graphs", 2013).  A search from
 * switch v gives its eccentricity e(v) exactly and, for every switch w it
 * reaches at distance d, the bound e(w) >= max(d, e(v) - d).  A switch whose
 * bound already shows it cannot beat the best one so far (larger, or equal
 * and later in the file) needs no search of its own.  The first searches go
 * to the periphery (the farthest switch of the previous search), whose
 * bounds are the tightest: on a tree, the two ends of a diameter give every
 * switch's eccentricity exactly, so the center follows in four searches.
 * Distances are switches crossed, which orders switches as hops do. */
long topo_graph_center(const struct topo_graph *g)
{
    size_t n = g->t->n_nodes;
    int *dist = xmalloc((n ? n : 1) * sizeof *dist);
    int *lower = xcalloc(n ? n : 1, sizeof *lower);
    bool *open = xcalloc(n ? n : 1, sizeof *open);
    size_t *queue = xmalloc((n ? n : 1) * sizeof *queue);
    long best = -1, far = -1;
    int best_ecc = INT_MAX;
    for (size_t i = 0; i < n; i++)
        open[i] = is_switch(g, i);
    for (int round = 0;; round++) {
        /* Next: the periphery for the first rounds, then the open switch
         * with the lowest bound. */
        long v = -1;
        if (round < 3 && far >= 0 && open[far])
            v = far;
        else
            for (size_t i = 0; i < n; i++)
                if (open[i] && (v < 0 || lower[i] < lower[v]))
                    v = (long)i;
        if (v < 0)
            break;
        bfs(g, (size_t)v, dist, queue);
        open[v] = false;
        int ecc = 0;
        far = -1;
        for (size_t i = 0; i < n; i++)
            if (is_switch(g, i) && dist[i] > ecc) {
                ecc = dist[i];
                far = (long)i;
            }
        if (ecc < best_ecc || (ecc == best_ecc && v < best)) {
            best = v;
            best_ecc = ecc;
        }
        for (size_t i = 0; i < n; i++) {
            if (!open[i])
                continue;
            if (dist[i] >= 0 && is_switch(g, i)) {
                /* In hops: e(w) >= max(d, e(v) - d); crossed = hops + 1. */
                int d = dist[i] - 1, b = d > ecc - 1 - d ? d : ecc - 1 - d;
                if (b + 1 > lower[i])
                    lower[i] = b + 1;
            }
            if (lower[i] > best_ecc || (lower[i] == best_ecc && (long)i > best))
                open[i] = false;
        }
    }
    free(dist);
    free(lower);
    free(open);
    free(queue);
    return best;
}
