/* Tests of src/topo/topo_gen.c: generated files read back as valid
 * topologies of the promised shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topo/topo.h"

static struct topo *generate(int depth, int fanout, int per_leaf)
{
    struct topo_gen_tree p = {.depth = depth, .fanout = fanout, .per_leaf = per_leaf};
    char *err = NULL;
    char *yaml = topo_gen_tree(&p, &err);
    assert_non_null(yaml);
    assert_null(err);
    struct diag_list dl;
    diag_list_init(&dl, "generated.yaml");
    struct topo *t = topo_load_string("generated.yaml", yaml, &dl);
    if (!t)
        diag_print(&dl, stderr);
    diag_list_free(&dl);
    free(yaml);
    assert_non_null(t);
    return t;
}

static long ipow(long b, int e)
{
    long r = 1;
    while (e-- > 0)
        r *= b;
    return r;
}

static void test_shapes_read_back(void **state)
{
    (void)state;
    static const int shapes[][3] = {
        {1, 1, 1}, {1, 3, 4}, {2, 2, 2}, {3, 2, 2}, {3, 4, 4}, {4, 2, 3}, {2, 16, 16}, {3, 3, 0},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        int d = shapes[i][0], f = shapes[i][1], s = shapes[i][2];
        struct topo *t = generate(d, f, s);
        long leaves = ipow(f, d - 1), switches = 0;
        for (int l = 0; l < d; l++)
            switches += ipow(f, l);
        assert_int_equal(topo_count(t, TOPO_SWITCH), switches);
        assert_int_equal(topo_count(t, TOPO_SERVER), leaves * s);
        assert_int_equal(topo_count(t, TOPO_HOST), 1);
        assert_int_equal(t->n_subnets, leaves + 1);
        /* The Internet host reaches the last server through every level. */
        if (s > 0) {
            long inet = topo_find(t, "internet");
            char last[32];
            snprintf(last, sizeof last, "server%ld", leaves * s);
            long srv = topo_find(t, last);
            assert_true(inet >= 0 && srv >= 0);
            assert_int_equal(topo_switches_crossed(t, (size_t)inet, (size_t)srv), d);
            /* Two servers on one leaf cross one switch. */
            if (s >= 2)
                assert_int_equal(topo_switches_crossed(t, (size_t)topo_find(t, "server1"),
                                                       (size_t)topo_find(t, "server2")),
                                 1);
        }
        topo_free(t);
    }
}

static void test_sixty_four_servers(void **state)
{
    (void)state;
    /* The benchmark's 64-server tree: more than one /24 of management is not
     * needed, and every server gets a distinct management address. */
    struct topo *t = generate(3, 4, 4);
    assert_int_equal(topo_count(t, TOPO_SERVER), 64);
    for (size_t i = 0; i < t->n_nodes; i++)
        for (size_t j = 0; j < i; j++)
            if (t->nodes[i].kind == TOPO_SERVER && t->nodes[j].kind == TOPO_SERVER)
                assert_true(t->nodes[i].mgmt != t->nodes[j].mgmt);
    topo_free(t);
    /* Past 250 servers the management network grows to a /16. */
    t = generate(2, 8, 40);
    assert_int_equal(topo_count(t, TOPO_SERVER), 320);
    assert_int_equal(t->mgmt.len, 16);
    topo_free(t);
}

static void test_out_of_range(void **state)
{
    (void)state;
    static const int bad[][3] = {{0, 2, 2},   {2, 0, 2}, {2, 2, -1},
                                 {2, 2, 251}, {9, 2, 2}, {5, 8, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct topo_gen_tree p = {.depth = bad[i][0], .fanout = bad[i][1], .per_leaf = bad[i][2]};
        char *err = NULL;
        char *yaml = topo_gen_tree(&p, &err);
        assert_null(yaml);
        assert_non_null(err);
        free(err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_read_back),
        cmocka_unit_test(test_sixty_four_servers),
        cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests_name("topo_gen", tests, NULL, NULL);
}
