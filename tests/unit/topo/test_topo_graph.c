/* Tests of src/topo/topo_graph.c: the searches give what the old ones gave.
 *
 * The old code scanned every link for every node it reached (kept here as
 * the reference, ref_crossed()) and chose the center by asking for every pair
 * of switches; the new code builds adjacency lists once and bounds
 * eccentricities.  Switches crossed, the center and the connectivity errors
 * must not change: on fig1, on generated trees, on meshes, rings and random
 * graphs with loops, on disconnected graphs and on large trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topo/topo.h"
#include "topo/topo_graph.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- the reference: the searches as they were ---- */

/* The old topo_switches_crossed(), from one node to every node. */
static void ref_crossed(const struct topo *t, size_t a, int *dist)
{
    size_t n = t->n_nodes;
    size_t *queue = xmalloc(n * sizeof *queue);
    for (size_t i = 0; i < n; i++)
        dist[i] = -1;
    size_t head = 0, tail = 0;
    dist[a] = t->nodes[a].kind == TOPO_SWITCH;
    queue[tail++] = a;
    while (head < tail) {
        size_t u = queue[head++];
        if (u != a && t->nodes[u].kind != TOPO_SWITCH)
            continue;
        for (size_t l = 0; l < t->n_links; l++) {
            const struct topo_link *lk = &t->links[l];
            size_t v;
            if (lk->a == u)
                v = lk->b;
            else if (lk->b == u)
                v = lk->a;
            else
                continue;
            if (dist[v] >= 0)
                continue;
            dist[v] = dist[u] + (t->nodes[v].kind == TOPO_SWITCH);
            queue[tail++] = v;
        }
    }
    free(queue);
}

/* The same through lists of each node's links, made here: for the large
 * topologies, where the old search takes too long for every switch. */
struct ref_links {
    size_t *off, *link;
};

static void ref_links_make(const struct topo *t, struct ref_links *r)
{
    r->off = xcalloc(t->n_nodes + 1, sizeof *r->off);
    r->link = xmalloc((2 * t->n_links + 1) * sizeof *r->link);
    for (size_t l = 0; l < t->n_links; l++)
        r->off[t->links[l].a + 1]++, r->off[t->links[l].b + 1]++;
    for (size_t i = 0; i < t->n_nodes; i++)
        r->off[i + 1] += r->off[i];
    size_t *at = xmalloc((t->n_nodes + 1) * sizeof *at);
    memcpy(at, r->off, (t->n_nodes + 1) * sizeof *at);
    for (size_t l = 0; l < t->n_links; l++)
        r->link[at[t->links[l].a]++] = l, r->link[at[t->links[l].b]++] = l;
    free(at);
}

static void ref_crossed_by_lists(const struct topo *t, const struct ref_links *r, size_t a,
                                 int *dist)
{
    size_t *queue = xmalloc(t->n_nodes * sizeof *queue);
    for (size_t i = 0; i < t->n_nodes; i++)
        dist[i] = -1;
    size_t head = 0, tail = 0;
    dist[a] = t->nodes[a].kind == TOPO_SWITCH;
    queue[tail++] = a;
    while (head < tail) {
        size_t u = queue[head++];
        if (u != a && t->nodes[u].kind != TOPO_SWITCH)
            continue;
        for (size_t k = r->off[u]; k < r->off[u + 1]; k++) {
            const struct topo_link *lk = &t->links[r->link[k]];
            size_t v = lk->a == u ? lk->b : lk->a;
            if (dist[v] >= 0)
                continue;
            dist[v] = dist[u] + (t->nodes[v].kind == TOPO_SWITCH);
            queue[tail++] = v;
        }
    }
    free(queue);
}

/* The old net_root_switch(): the first switch with the smallest largest
 * number of switches crossed to another switch.  'fast': through link lists
 * rather than the old search itself. */
static long ref_center(const struct topo *t, bool fast)
{
    long best = -1;
    int best_ecc = 0;
    int *dist = xmalloc(t->n_nodes * sizeof *dist);
    struct ref_links r = {0};
    if (fast)
        ref_links_make(t, &r);
    for (size_t a = 0; a < t->n_nodes; a++) {
        if (t->nodes[a].kind != TOPO_SWITCH)
            continue;
        if (fast)
            ref_crossed_by_lists(t, &r, a, dist);
        else
            ref_crossed(t, a, dist);
        int ecc = 0;
        for (size_t b = 0; b < t->n_nodes; b++)
            if (t->nodes[b].kind == TOPO_SWITCH && dist[b] > ecc)
                ecc = dist[b];
        if (best < 0 || ecc < best_ecc)
            best = (long)a, best_ecc = ecc;
    }
    free(dist);
    free(r.off);
    free(r.link);
    return best;
}

/* ---- topologies ---- */

/* A graph in memory: switches s1..sN, then servers, links as given. */
static struct topo *graph_topo(size_t n_sw, size_t n_srv, const size_t (*links)[2], size_t n_links)
{
    struct topo *t = xcalloc(1, sizeof *t);
    t->n_nodes = n_sw + n_srv;
    t->nodes = xcalloc(t->n_nodes, sizeof *t->nodes);
    for (size_t i = 0; i < t->n_nodes; i++) {
        t->nodes[i].kind = i < n_sw ? TOPO_SWITCH : TOPO_SERVER;
        t->nodes[i].name = i < n_sw ? xasprintf("s%zu", i + 1) : xasprintf("h%zu", i - n_sw + 1);
    }
    t->n_links = n_links;
    t->links = xcalloc(n_links ? n_links : 1, sizeof *t->links);
    for (size_t l = 0; l < n_links; l++) {
        t->links[l].a = links[l][0];
        t->links[l].b = links[l][1];
    }
    return t;
}

static uint64_t rng_state;

static size_t rnd(size_t n)
{
    /* xorshift64: the same graphs on every run. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (size_t)(rng_state % n);
}

/* A random graph of 'n_sw' switches: a random tree (when 'connected') or
 * random islands, 'extra' more links between switches (loops), and 'n_srv'
 * servers each on a random switch; switches in a random order (the first is
 * anywhere in the tree), links too. */
static struct topo *random_topo(uint64_t seed, size_t n_sw, size_t extra, size_t n_srv,
                                bool connected)
{
    rng_state = seed;
    size_t n = 0, cap = n_sw + extra + n_srv;
    size_t(*links)[2] = xmalloc(cap * sizeof *links);
    for (size_t i = 1; i < n_sw; i++)
        if (connected || rnd(4)) {
            links[n][0] = rnd(i);
            links[n++][1] = i;
        }
    for (size_t k = 0; k < extra; k++) {
        size_t a = rnd(n_sw), b = rnd(n_sw);
        if (a != b) {
            links[n][0] = a;
            links[n++][1] = b;
        }
    }
    for (size_t k = 0; k < n_srv; k++) {
        links[n][0] = rnd(n_sw);
        links[n++][1] = n_sw + k;
    }
    size_t *order = xmalloc((n_sw ? n_sw : 1) * sizeof *order);
    for (size_t i = 0; i < n_sw; i++)
        order[i] = i;
    for (size_t i = n_sw; i > 1; i--) {
        size_t j = rnd(i), x = order[i - 1];
        order[i - 1] = order[j];
        order[j] = x;
    }
    for (size_t l = 0; l < n; l++)
        for (int e = 0; e < 2; e++)
            if (links[l][e] < n_sw)
                links[l][e] = order[links[l][e]];
    free(order);
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd(i), a = links[i - 1][0], b = links[i - 1][1];
        links[i - 1][0] = links[j][0];
        links[i - 1][1] = links[j][1];
        links[j][0] = rnd(2) ? a : b;
        links[j][1] = links[j][0] == a ? b : a;
    }
    struct topo *t = graph_topo(n_sw, n_srv, (const size_t(*)[2])links, n);
    free(links);
    return t;
}

static struct topo *load_text(const char *text)
{
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    struct topo *t = topo_load_string("t.yaml", text, &dl);
    if (!t)
        diag_print(&dl, stderr);
    diag_list_free(&dl);
    assert_non_null(t);
    return t;
}

static struct topo *generated(int depth, int fanout, int per_leaf)
{
    struct topo_gen_tree p = {.depth = depth, .fanout = fanout, .per_leaf = per_leaf};
    char *err = NULL;
    char *yaml = topo_gen_tree(&p, &err);
    assert_non_null(yaml);
    struct topo *t = load_text(yaml);
    free(yaml);
    return t;
}

/* A tree of 'n_sw' switches with 'fanout' children each, 'per_leaf' servers
 * on every leaf and 'chords' more links between switches at random, as a
 * topology file (larger than the generator goes: it gives every leaf a /24
 * of 198.18.0.0/15). */
static char *big_tree_yaml(size_t n_sw, size_t fanout, size_t per_leaf, size_t chords)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "name: big\n"
                     "controller: {openflow: 100.127.255.254:6653, api: 100.127.255.254:8080}\n"
                     "management: {subnet: 100.64.0.0/10}\n"
                     "subnets:\n");
    size_t leaves = 0;
    for (size_t i = 1; i <= n_sw; i++)
        if ((i - 1) * fanout + 2 > n_sw) {
            strbuf_printf(&sb,
                          "  - {name: n%zu, prefix: 10.%zu.%zu.0/24, gateway: 10.%zu.%zu.254, "
                          "switch: s%zu}\n",
                          i, leaves / 256, leaves % 256, leaves / 256, leaves % 256, i);
            leaves++;
        }
    strbuf_puts(&sb, "switches:\n");
    for (size_t i = 1; i <= n_sw; i++)
        strbuf_printf(&sb, "  - {name: s%zu}\n", i);
    if (per_leaf)
        strbuf_puts(&sb, "servers:\n");
    for (size_t k = 0; k < leaves * per_leaf; k++)
        strbuf_printf(&sb, "  - {name: h%zu, address: 10.%zu.%zu.%zu}\n", k + 1, k / per_leaf / 256,
                      k / per_leaf % 256, k % per_leaf + 1);
    strbuf_puts(&sb, "links:\n");
    for (size_t i = 2; i <= n_sw; i++)
        strbuf_printf(&sb, "  - [s%zu, s%zu]\n", (i - 2) / fanout + 1, i);
    rng_state = 0x9e3779b97f4a7c15ull;
    size_t(*made)[2] = xmalloc((chords + 1) * sizeof *made), n_made = 0;
    for (size_t k = 0; k < chords; k++) {
        /* Between two inner switches not linked yet. */
        size_t a = 2 + rnd(n_sw / fanout), b = 2 + rnd(n_sw / fanout);
        if (a > b) {
            size_t x = a;
            a = b;
            b = x;
        }
        bool linked = a == b || (b - 2) / fanout + 1 == a;
        for (size_t j = 0; j < n_made; j++)
            linked |= made[j][0] == a && made[j][1] == b;
        if (linked)
            continue;
        made[n_made][0] = a;
        made[n_made++][1] = b;
        strbuf_printf(&sb, "  - [s%zu, s%zu]\n", a, b);
    }
    free(made);
    for (size_t k = 0; k < leaves * per_leaf; k++)
        strbuf_printf(&sb, "  - [s%zu, h%zu]\n", n_sw - leaves + 1 + k / per_leaf, k + 1);
    return strbuf_steal(&sb);
}

/* ---- comparisons ---- */

/* Switches crossed from 'n_from' sources (all of them when 0) to every node,
 * and the center, as before. */
static void expect_as_before(const struct topo *t, size_t n_from)
{
    struct topo_graph *g = topo_graph_create(t);
    int *got = xmalloc(t->n_nodes * sizeof *got), *want = xmalloc(t->n_nodes * sizeof *want);
    size_t step = n_from ? (t->n_nodes + n_from - 1) / n_from : 1;
    for (size_t a = 0; a < t->n_nodes; a += step) {
        topo_graph_crossed(g, a, got);
        ref_crossed(t, a, want);
        assert_memory_equal(got, want, t->n_nodes * sizeof *got);
        for (size_t b = 0; n_from == 0 && b < t->n_nodes; b += 7)
            assert_int_equal(topo_switches_crossed(t, a, b), want[b]);
    }
    if (n_from == 0) {
        assert_int_equal(topo_graph_center(g), ref_center(t, false));
        assert_int_equal(ref_center(t, true), ref_center(t, false));
    }
    free(got);
    free(want);
    topo_graph_destroy(g);
}

static void test_fig1(void **state)
{
    (void)state;
    const char *src = getenv("MINIDC_SRC");
    char *path = xasprintf("%s/examples/fig1.yaml", src ? src : ".");
    struct diag_list dl;
    diag_list_init(&dl, path);
    struct topo *t = topo_load(path, &dl);
    assert_non_null(t);
    expect_as_before(t, 0);
    /* The paper's root. */
    struct topo_graph *g = topo_graph_create(t);
    assert_string_equal(t->nodes[topo_graph_center(g)].name, "ovs1");
    topo_graph_destroy(g);
    topo_free(t);
    diag_list_free(&dl);
    free(path);
}

static void test_generated_trees(void **state)
{
    (void)state;
    static const int shapes[][3] = {{1, 1, 1}, {2, 2, 2}, {3, 3, 1}, {4, 2, 3},
                                    {5, 3, 0}, {8, 2, 1}, {3, 8, 2}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        struct topo *t = generated(shapes[i][0], shapes[i][1], shapes[i][2]);
        expect_as_before(t, 0);
        topo_free(t);
    }
}

static void test_rings_and_meshes(void **state)
{
    (void)state;
    /* Chains, rings (every switch a center: the first wins), a grid, a
     * leaf-spine fabric; some with servers on them. */
    size_t links[400][2], n;
    for (size_t len = 1; len <= 12; len++) {
        /* A chain, from its first switch to its last. */
        for (n = 0; n + 1 < len; n++) {
            links[n][0] = n;
            links[n][1] = n + 1;
        }
        struct topo *t = graph_topo(len, 0, (const size_t(*)[2])links, n);
        expect_as_before(t, 0);
        topo_free(t);
    }
    for (size_t len = 3; len <= 12; len++) {
        n = 0;
        for (size_t i = 0; i < len; i++) {
            links[n][0] = i;
            links[n++][1] = (i + 1) % len;
        }
        links[n][0] = len - 1;
        links[n++][1] = len; /* one server */
        struct topo *t = graph_topo(len, 1, (const size_t(*)[2])links, n);
        expect_as_before(t, 0);
        topo_free(t);
    }
    n = 0;
    for (size_t r = 0; r < 8; r++)
        for (size_t c = 0; c < 9; c++) {
            if (c + 1 < 9) {
                links[n][0] = r * 9 + c;
                links[n++][1] = r * 9 + c + 1;
            }
            if (r + 1 < 8) {
                links[n][0] = r * 9 + c;
                links[n++][1] = (r + 1) * 9 + c;
            }
        }
    struct topo *t = graph_topo(72, 0, (const size_t(*)[2])links, n);
    expect_as_before(t, 0);
    topo_free(t);
    n = 0;
    for (size_t leaf = 4; leaf < 16; leaf++)
        for (size_t spine = 0; spine < 4; spine++) {
            links[n][0] = leaf;
            links[n++][1] = spine;
        }
    for (size_t s = 0; s < 24; s++) {
        links[n][0] = 4 + s % 12;
        links[n++][1] = 16 + s;
    }
    t = graph_topo(16, 24, (const size_t(*)[2])links, n);
    expect_as_before(t, 0);
    topo_free(t);
}

static void test_random_graphs(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        size_t n_sw = 1 + (size_t)(seed * 7 % 90), extra = (size_t)(seed % 5 == 0 ? 0 : seed % 23);
        struct topo *t = random_topo(seed, n_sw, extra, (size_t)(seed % 40), seed % 3 != 0);
        expect_as_before(t, 0);
        topo_free(t);
    }
}

/* The connectivity errors of a topology file are the switches the old search
 * did not reach from the first one, each at its position. */
static void test_connectivity_errors(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct topo *g =
            random_topo(seed, 2 + (size_t)(seed * 5 % 60), (size_t)(seed % 4), 0, seed % 2);
        struct strbuf sb;
        strbuf_init(&sb);
        strbuf_puts(&sb, "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
                         "management: {subnet: 192.0.2.0/24}\nsubnets: []\nswitches:\n");
        for (size_t i = 0; i < g->n_nodes; i++)
            strbuf_printf(&sb, "  - {name: %s}\n", g->nodes[i].name);
        strbuf_puts(&sb, "links:\n");
        size_t n_links = 0;
        for (size_t l = 0; l < g->n_links; l++) {
            /* Once each: a second link between two switches is an error of its own. */
            bool dup = false;
            for (size_t k = 0; k < l; k++)
                dup |= (g->links[k].a == g->links[l].a && g->links[k].b == g->links[l].b) ||
                       (g->links[k].a == g->links[l].b && g->links[k].b == g->links[l].a);
            if (dup) {
                g->links[l].a = g->links[l].b = 0; /* a self link the reference ignores */
                continue;
            }
            strbuf_printf(&sb, "  - [%s, %s]\n", g->nodes[g->links[l].a].name,
                          g->nodes[g->links[l].b].name);
            n_links++;
        }
        if (!n_links)
            strbuf_puts(&sb, "  []\n");
        int *want = xmalloc(g->n_nodes * sizeof *want);
        ref_crossed(g, 0, want);
        struct diag_list dl;
        diag_list_init(&dl, "t.yaml");
        struct topo *t = topo_load_string("t.yaml", sb.s, &dl);
        size_t unreached = 0;
        for (size_t i = 1; i < g->n_nodes; i++) {
            if (want[i] >= 0)
                continue;
            unreached++;
            char *msg = xasprintf("switch '%s' is not connected to switch 's1'", g->nodes[i].name);
            bool found = false;
            for (size_t k = 0; k < dl.n; k++)
                found |= !strncmp(dl.items[k].msg, msg, strlen(msg)) &&
                         dl.items[k].pos.line == (int)i + 5 && dl.items[k].pos.column == 12;
            if (!found)
                diag_print(&dl, stderr);
            assert_true(found);
            free(msg);
        }
        assert_int_equal(dl.n, unreached);
        assert_true(unreached ? t == NULL : t != NULL);
        topo_free(t);
        diag_list_free(&dl);
        free(want);
        strbuf_free(&sb);
        topo_free(g);
    }
}

static void test_large_trees(void **state)
{
    (void)state;
    /* 4,000 switches (the size that took 92 s to check), with and without
     * loops, and 1,500 with more loops for their size. */
    static const size_t shapes[][4] = {{4000, 4, 1, 0}, {4000, 3, 0, 200}, {1500, 5, 1, 60}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        char *yaml = big_tree_yaml(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
        struct topo *t = load_text(yaml);
        free(yaml);
        assert_int_equal(topo_count(t, TOPO_SWITCH), shapes[i][0]);
        expect_as_before(t, 3);
        struct topo_graph *g = topo_graph_create(t);
        long c = topo_graph_center(g);
        if (shapes[i][3])
            assert_int_equal(c, ref_center(t, true));
        else
            assert_string_equal(t->nodes[c].name, "s1"); /* a complete tree's root */
        topo_graph_destroy(g);
        topo_free(t);
    }
}

static void test_no_switch(void **state)
{
    (void)state;
    struct topo *t = graph_topo(0, 2, NULL, 0);
    struct topo_graph *g = topo_graph_create(t);
    assert_int_equal(topo_graph_center(g), -1);
    int dist[2];
    topo_graph_crossed(g, 1, dist);
    assert_int_equal(dist[0], -1);
    assert_int_equal(dist[1], 0);
    topo_graph_destroy(g);
    topo_graph_destroy(NULL);
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig1),
        cmocka_unit_test(test_generated_trees),
        cmocka_unit_test(test_rings_and_meshes),
        cmocka_unit_test(test_random_graphs),
        cmocka_unit_test(test_connectivity_errors),
        cmocka_unit_test(test_large_trees),
        cmocka_unit_test(test_no_switch),
    };
    return cmocka_run_group_tests_name("topo_graph", tests, NULL, NULL);
}
