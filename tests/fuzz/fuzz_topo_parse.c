/* libFuzzer target on the topology reader: any bytes, read as a topology
 * file, must give a topology or problems, never both nor neither; every
 * problem is placed inside the file (or nowhere); a topology given is whole
 * (every machine on a switch and in a subnet, every link's ends known, ports
 * in range), and its graph answers.  No crash, leak, sanitizer report or
 * time out.  A broken promise aborts, which libFuzzer reports like a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "topo/topo.h"
#include "topo/topo_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void promise(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_topo_parse: broken promise: %s\n", what);
        abort();
    }
}

static void check_whole(const struct topo *t)
{
    promise(topo_count(t, TOPO_SWITCH) > 0, "a topology has a switch");
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        promise(n->name != NULL, "every node has a name");
        if (n->kind == TOPO_SWITCH) {
            promise(n->next_port <= TOPO_PORT_MAX, "ports in range");
            continue;
        }
        promise(n->sw < t->n_nodes && t->nodes[n->sw].kind == TOPO_SWITCH,
                "every machine hangs on a switch");
        promise(n->subnet < t->n_subnets, "every machine is in a subnet");
        promise(n->sw_port >= 1 && n->sw_port <= t->nodes[n->sw].next_port,
                "a machine's port is its switch's");
        promise(n->kind != TOPO_SERVER || n->mgmt != 0, "every server has a management address");
    }
    for (size_t i = 0; i < t->n_links; i++)
        promise(t->links[i].a < t->n_nodes && t->links[i].b < t->n_nodes,
                "every link's ends are known");
    for (size_t i = 0; i < t->n_subnets; i++)
        promise(t->subnets[i].sw < t->n_nodes && t->nodes[t->subnets[i].sw].kind == TOPO_SWITCH,
                "every subnet is served by a switch");
    /* The switches are connected: from the center, every one is reached. */
    struct topo_graph *g = topo_graph_create(t);
    long c = topo_graph_center(g);
    promise(c >= 0 && t->nodes[c].kind == TOPO_SWITCH, "the center is a switch");
    int *dist = malloc(t->n_nodes * sizeof *dist);
    promise(dist != NULL, "memory");
    topo_graph_crossed(g, (size_t)c, dist);
    for (size_t i = 0; i < t->n_nodes; i++)
        promise(dist[i] >= 1, "every node is reached from the center");
    free(dist);
    topo_graph_destroy(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
    struct diag_list dl;
    diag_list_init(&dl, "fuzz.yaml");
    struct topo *t = topo_load_buffer("fuzz.yaml", data, size, &dl);
    promise((t != NULL) != (dl.n > 0), "a topology or problems, not both, not neither");
    for (size_t i = 0; i < dl.n; i++) {
        const struct diag *d = &dl.items[i];
        promise(d->msg != NULL, "a problem says something");
        promise(d->pos.line >= 0 && (size_t)d->pos.line <= lines,
                "a problem's line is in the file");
        promise(d->pos.line == 0 || (d->pos.column >= 1 && (size_t)d->pos.column <= size + 1),
                "a problem's column is on its line");
    }
    if (t)
        check_whole(t);
    if (devnull)
        diag_print(&dl, devnull);
    diag_list_free(&dl);
    topo_free(t);
    return 0;
}
