/* Tests of src/topo: the reader, the checks and what they derive.
 *
 * Each error class is checked for its message and its FILE:LINE:COLUMN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "topo/topo.h"
#include "util/xalloc.h"

/* A small valid topology; tests replace one line of it (1-based). */
static const char *const base[] = {
    "name: t",                                                                 /* 1 */
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}",         /* 2 */
    "management: {subnet: 192.0.2.0/24}",                                      /* 3 */
    "subnets:",                                                                /* 4 */
    "  - {name: a, prefix: 198.18.1.0/24, gateway: 198.18.1.254, switch: s2}", /* 5 */
    "  - {name: b, prefix: 198.18.2.0/24, gateway: 198.18.2.254, switch: s3}", /* 6 */
    "switches:",                                                               /* 7 */
    "  - {name: s1}",                                                          /* 8 */
    "  - {name: s2}",                                                          /* 9 */
    "  - {name: s3}",                                                          /* 10 */
    "servers:",                                                                /* 11 */
    "  - {name: h1, address: 198.18.1.1}",                                     /* 12 */
    "  - {name: h2, address: 198.18.2.1}",                                     /* 13 */
    "links:",                                                                  /* 14 */
    "  - [s1, s2]",                                                            /* 15 */
    "  - [s1, s3]",                                                            /* 16 */
    "  - [s2, h1]",                                                            /* 17 */
    "  - [s3, h2]",                                                            /* 18 */
};
#define BASE_LINES (sizeof base / sizeof *base)

/* Builds the base text with up to two lines replaced (0: none); a replacement
 * may hold several lines. */
static char *variant(int line1, const char *text1, int line2, const char *text2)
{
    size_t len = 0;
    for (size_t i = 0; i < BASE_LINES; i++)
        len += strlen(base[i]) + 1;
    len += (text1 ? strlen(text1) : 0) + (text2 ? strlen(text2) : 0) + 1;
    char *s = xmalloc(len);
    s[0] = '\0';
    for (size_t i = 0; i < BASE_LINES; i++) {
        const char *l = (int)i + 1 == line1 ? text1 : (int)i + 1 == line2 ? text2 : base[i];
        strcat(s, l);
        strcat(s, "\n");
    }
    return s;
}

static struct topo *load(const char *text, struct diag_list *dl)
{
    diag_list_init(dl, "t.yaml");
    return topo_load_string("t.yaml", text, dl);
}

/* Asserts that loading fails with a problem at LINE:COLUMN mentioning 'needle'. */
static void expect_problem(const char *text, int line, int column, const char *needle)
{
    struct diag_list dl;
    struct topo *t = load(text, &dl);
    bool found = false;
    for (size_t i = 0; i < dl.n; i++)
        if (dl.items[i].pos.line == line && dl.items[i].pos.column == column &&
            strstr(dl.items[i].msg, needle))
            found = true;
    if (!found || t) {
        fprintf(stderr, "expected a problem at %d:%d with '%s'; got:\n", line, column, needle);
        diag_print(&dl, stderr);
    }
    assert_null(t);
    assert_true(found);
    topo_free(t);
    diag_list_free(&dl);
}

static void expect_variant_problem(int line, const char *text, int at_line, int at_col,
                                   const char *needle)
{
    char *s = variant(line, text, 0, NULL);
    expect_problem(s, at_line, at_col, needle);
    free(s);
}

static void test_base_is_valid(void **state)
{
    (void)state;
    char *s = variant(0, NULL, 0, NULL);
    struct diag_list dl;
    struct topo *t = load(s, &dl);
    if (!t)
        diag_print(&dl, stderr);
    assert_non_null(t);
    assert_int_equal(dl.n, 0);
    assert_int_equal(topo_count(t, TOPO_SWITCH), 3);
    assert_int_equal(topo_count(t, TOPO_SERVER), 2);
    /* Ports are numbered per switch in link order. */
    long h1 = topo_find(t, "h1");
    assert_true(h1 >= 0);
    assert_string_equal(t->nodes[t->nodes[h1].sw].name, "s2");
    assert_int_equal(t->nodes[h1].sw_port, 2);
    /* Management addresses left out are the lowest free ones; the emulated
     * switches take the highest free one. */
    assert_int_equal(t->nodes[h1].mgmt, 0xc0000201u);
    assert_int_equal(t->emu.switch_mgmt, 0xc00002fdu);
    topo_free(t);
    diag_list_free(&dl);
    free(s);
}

static void test_fig1(void **state)
{
    (void)state;
    const char *src = getenv("MINIDC_SRC");
    char *path = xasprintf("%s/examples/fig1.yaml", src ? src : ".");
    struct diag_list dl;
    diag_list_init(&dl, path);
    struct topo *t = topo_load(path, &dl);
    if (!t)
        diag_print(&dl, stderr);
    assert_non_null(t);
    assert_string_equal(t->name, "fig1");
    assert_int_equal(topo_count(t, TOPO_SWITCH), 7);
    assert_int_equal(topo_count(t, TOPO_SERVER), 8);
    assert_int_equal(topo_count(t, TOPO_HOST), 1);
    /* The paper's Table 2. */
    static const struct {
        const char *a, *b;
        int switches;
    } routes[] = {
        {"server1", "server2", 1}, {"server1", "server3", 3}, {"internet", "server1", 3},
        {"server1", "server8", 5}, {"server8", "server1", 5}, {"ovs1", "ovs1", 1},
        {"ovs4", "ovs7", 5},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        long a = topo_find(t, routes[i].a), b = topo_find(t, routes[i].b);
        assert_true(a >= 0 && b >= 0);
        assert_int_equal(topo_switches_crossed(t, (size_t)a, (size_t)b), routes[i].switches);
    }
    /* Server1's subnet is the paper's. */
    long s1 = topo_find(t, "server1");
    char buf[16];
    assert_string_equal(topo_ip_str(t->subnets[t->nodes[s1].subnet].prefix.addr, buf),
                        "198.51.100.0");
    /* Datapath ids: derived from the name, stable, distinct. */
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SWITCH)
            continue;
        assert_int_equal(t->nodes[i].dpid, topo_derive_dpid(t->nodes[i].name));
        assert_true(t->nodes[i].dpid != 0 && t->nodes[i].dpid <= 0xffffffffffffull);
        for (size_t j = 0; j < i; j++)
            if (t->nodes[j].kind == TOPO_SWITCH)
                assert_true(t->nodes[j].dpid != t->nodes[i].dpid);
    }
    topo_free(t);
    diag_list_free(&dl);
    free(path);
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_variant_problem(12, "  - {name: h1, adress: 198.18.1.1}", 12, 16,
                           "unknown key 'adress'");
    expect_variant_problem(1, "nmae: t", 1, 1, "unknown key 'nmae'");
}

static void test_duplicate_name(void **state)
{
    (void)state;
    expect_variant_problem(13, "  - {name: s2, address: 198.18.2.1}", 13, 12,
                           "duplicate name 's2'");
}

static void test_link_to_unknown_node(void **state)
{
    (void)state;
    expect_variant_problem(18, "  - [s3, h3]", 18, 10,
                           "link end 'h3' is not a switch, server or host");
}

static void test_overlapping_subnets(void **state)
{
    (void)state;
    expect_variant_problem(
        6, "  - {name: b, prefix: 198.18.0.0/16, gateway: 198.18.2.254, switch: s3}", 6, 12,
        "overlaps subnet a");
    expect_variant_problem(
        6, "  - {name: b, prefix: 192.0.2.128/25, gateway: 192.0.2.129, switch: s3}", 6, 12,
        "overlaps the management network");
}

static void test_server_on_two_switches(void **state)
{
    (void)state;
    expect_variant_problem(18, "  - [s3, h2]\n  - [s3, h1]", 19, 6,
                           "already linked to switch 's2'");
}

static void test_subnet_without_switch(void **state)
{
    (void)state;
    expect_variant_problem(6, "  - {name: b, prefix: 198.18.2.0/24, gateway: 198.18.2.254}", 6, 6,
                           "missing required key 'switch'");
    expect_variant_problem(
        6, "  - {name: b, prefix: 198.18.2.0/24, gateway: 198.18.2.254, switch: h2}", 6, 69,
        "a subnet is served by a switch");
}

static void test_not_connected_graph(void **state)
{
    (void)state;
    /* Two islands: s1-s2 and s3 (with h2), and s3 not linked to s1. */
    char *s = variant(16, "  - [s3, s3]", 0, NULL);
    struct diag_list dl;
    struct topo *t = load(s, &dl);
    assert_null(t);
    diag_list_free(&dl);
    free(s);
    expect_variant_problem(16, "  # s3 is not linked", 10, 12,
                           "switch 's3' is not connected to switch 's1'");
}

static void test_name_too_long(void **state)
{
    (void)state;
    char *s = variant(10, "  - {name: s3456789012}", 18, "  - [s3456789012, h2]");
    expect_problem(s, 10, 12, "at most 10 fit");
    free(s);
}

static void test_yaml_syntax(void **state)
{
    (void)state;
    /* Where libfyaml places an unclosed flow mapping is its choice; that
     * it is reported with a position is ours. */
    char *s = variant(9, "  - {name: s2", 0, NULL);
    struct diag_list dl;
    assert_null(load(s, &dl));
    assert_true(dl.n >= 1);
    assert_non_null(strstr(dl.items[0].msg, "YAML syntax"));
    assert_true(dl.items[0].pos.line >= 9);
    diag_list_free(&dl);
    free(s);
    expect_variant_problem(9, "  - {name: s2, name: s4}", 9, 16, "YAML syntax: duplicate key");
    /* What is missing at the end is at the end, not on a line after the
     * last (found by fuzz_topo_parse). */
    expect_problem("name: t\ncontroller: {open", 2, 18, "YAML syntax");
    expect_problem("name: t\r\ncontroller: [", 2, 14, "YAML syntax");
    expect_problem(" >", 1, 3, "the topology: expected a mapping, found a scalar");
}

static void test_addresses(void **state)
{
    (void)state;
    expect_variant_problem(13, "  - {name: h2, address: 198.18.3.1}", 13, 12, "is in no subnet");
    expect_variant_problem(13, "  - {name: h2, address: 198.18.1.1}", 13, 12,
                           "already used by 'h1'");
    expect_variant_problem(13, "  - {name: h2, address: 198.18.2.254}", 13, 12, "is the gateway");
    expect_variant_problem(13, "  - {name: h2, address: 198.18.2.256}", 13, 25,
                           "not an IPv4 address");
    /* 0.0.0.0 is no one's address (it was taken for "none": a server without
     * a subnet passed, and crashed 'topology check --json'). */
    expect_variant_problem(13, "  - {name: h2, address: 0.0.0.0}", 13, 25,
                           "address: 0.0.0.0 is not a host address");
    expect_variant_problem(13, "  - {name: h2, address: 198.18.2.1, management: 0.0.0.0}", 13, 49,
                           "management: 0.0.0.0 is not a host address");
    expect_variant_problem(2, "controller: {openflow: 0.0.0.0:6653, api: 192.0.2.254:8080}", 2, 24,
                           "controller openflow: 0.0.0.0 is not a host address");
    expect_variant_problem(1, "name: t\nemulation: {switch-management: 0.0.0.0}", 2, 32,
                           "emulation switch-management: 0.0.0.0 is not a host address");
    expect_variant_problem(
        6, "  - {name: b, prefix: 198.18.2.1/24, gateway: 198.18.2.254, switch: s3}", 6, 23,
        "host bits set");
    expect_variant_problem(
        6, "  - {name: b, prefix: 198.18.2.0/24, gateway: 198.18.9.254, switch: s3}", 6, 12,
        "gateway 198.18.9.254 is not a host address");
    /* A server inside another switch's subnet. */
    expect_variant_problem(18, "  - [s1, h2]", 13, 12,
                           "served by switch 's3') but linked to switch 's1'");
}

static void test_types(void **state)
{
    (void)state;
    expect_variant_problem(8, "  - [s1]", 8, 6, "expected a mapping, found a list");
    expect_variant_problem(15, "  - s1", 15, 5, "expected a list of two node names");
    expect_variant_problem(2, "controller: {openflow: 192.0.2.254, api: 192.0.2.254:8080}", 2, 24,
                           "not an endpoint");
}

static void test_rewrite_at(void **state)
{
    (void)state;
    char *s = variant(0, NULL, 0, NULL);
    struct diag_list dl;
    struct topo *t = load(s, &dl);
    assert_non_null(t);
    assert_int_equal(t->rewrite_at, TOPO_REWRITE_ROOT);
    topo_free(t);
    diag_list_free(&dl);
    free(s);
    s = variant(
        2, "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080, rewrite-at: nearest}",
        0, NULL);
    t = load(s, &dl);
    assert_non_null(t);
    assert_int_equal(t->rewrite_at, TOPO_REWRITE_NEAREST);
    assert_string_equal(topo_rewrite_at_name(t->rewrite_at), "nearest");
    topo_free(t);
    diag_list_free(&dl);
    free(s);
    expect_variant_problem(
        2, "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080, rewrite-at: edge}", 2,
        77, "expected root or nearest, got 'edge'");
}

static void test_migration_network(void **state)
{
    (void)state;
    char *s = variant(0, NULL, 0, NULL);
    struct diag_list dl;
    struct topo *t = load(s, &dl);
    assert_non_null(t);
    assert_int_equal(t->migration_net, TOPO_MIGRATION_DATA);
    topo_free(t);
    diag_list_free(&dl);
    free(s);
    s = variant(2,
                "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080, "
                "migration-network: management}",
                0, NULL);
    t = load(s, &dl);
    assert_non_null(t);
    assert_int_equal(t->migration_net, TOPO_MIGRATION_MANAGEMENT);
    assert_string_equal(topo_migration_net_name(t->migration_net), "management");
    topo_free(t);
    diag_list_free(&dl);
    free(s);
    expect_variant_problem(2,
                           "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080, "
                           "migration-network: storage}",
                           2, 84, "expected data or management, got 'storage'");
}

static void test_every_problem_reported(void **state)
{
    (void)state;
    char *s = variant(12, "  - {name: h1, adress: 198.18.1.1}", 18, "  - [s3, nowhere]");
    struct diag_list dl;
    struct topo *t = load(s, &dl);
    assert_null(t);
    /* Both the unknown key and the unknown link end, in file order. */
    assert_true(dl.n >= 2);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    diag_print(&dl, f);
    fclose(f);
    const char *k = strstr(out, "t.yaml:12:16: error: unknown key 'adress'");
    const char *l = strstr(out, "t.yaml:18:10: error: link end 'nowhere'");
    assert_non_null(k);
    assert_non_null(l);
    assert_true(k < l);
    free(out);
    diag_list_free(&dl);
    free(s);
}

static void test_empty_and_missing(void **state)
{
    (void)state;
    expect_problem("", 1, 1, "no YAML document");
    struct diag_list dl;
    diag_list_init(&dl, "/nonexistent/x.yaml");
    assert_null(topo_load("/nonexistent/x.yaml", &dl));
    assert_true(dl.n >= 1);
    diag_list_free(&dl);
}

static void test_dpid_given(void **state)
{
    (void)state;
    char *s =
        variant(8, "  - {name: s1, dpid: '0000000000000abc'}", 9, "  - {name: s2, dpid: 'abc'}");
    expect_problem(s, 9, 12, "has the datapath id 0000000000000abc of switch 's1'");
    free(s);
    /* Hex digits only: no sign, no 0x, at most 16. */
    static const char *const bad[] = {"'-1'", "'0x1f'", "'+7'", "'00000000000000001'",
                                      "'0'",  "' 1'"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *line = xasprintf("  - {name: s2, dpid: %s}", bad[i]);
        expect_variant_problem(9, line, 9, 23,
                               "is not a datapath id (expected 1 to 16 hex digits)");
        free(line);
    }
}

/* Loads 'text' and returns what 'minidc topology check' prints of it. */
static char *printed(const char *text)
{
    struct diag_list dl;
    struct topo *t = load(text, &dl);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    diag_print(&dl, f);
    fclose(f);
    topo_free(t);
    diag_list_free(&dl);
    return out;
}

static void test_repeats_as_before(void **state)
{
    (void)state;
    /* Names, subnets, datapath ids, addresses and links given more than
     * once, and subnets within subnets: each reported against the first
     * earlier one (every earlier one for datapath ids and overlaps), a
     * machine in the last subnet that holds it.  The text is what the checks
     * printed when they compared every pair. */
    static const char text[] =
        "name: t\n"
        "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
        "management: {subnet: 192.0.2.0/24}\n"
        "subnets:\n"
        "  - {name: a, prefix: 198.18.0.0/16, gateway: 198.18.9.254, switch: s1}\n"
        "  - {name: a, prefix: 198.18.2.0/24, gateway: 198.18.2.254, switch: s2}\n"
        "  - {name: c, prefix: 198.18.2.0/24, gateway: 198.18.2.253, switch: s3}\n"
        "  - {name: a, prefix: 198.18.0.0/15, gateway: 198.18.8.254, switch: s3}\n"
        "switches:\n"
        "  - {name: s1, dpid: '7'}\n"
        "  - {name: s2, dpid: '7'}\n"
        "  - {name: s3, dpid: '7'}\n"
        "  - {name: s1}\n"
        "servers:\n"
        "  - {name: h1, address: 198.19.1.1, management: 192.0.2.9}\n"
        "  - {name: h2, address: 198.19.1.1, management: 192.0.2.9}\n"
        "  - {name: h3, address: 198.19.1.1, management: 192.0.2.9}\n"
        "  - {name: h4, address: 198.18.2.7}\n"
        "links:\n"
        "  - [s1, s2]\n"
        "  - [s2, s1]\n"
        "  - [s1, s2]\n"
        "  - [s1, h1]\n"
        "  - [s1, h2]\n"
        "  - [s1, h3]\n"
        "  - [s2, h4]\n";
    static const char want[] =
        "t.yaml:6:12: error: duplicate subnet name 'a' (already at line 5)\n"
        "t.yaml:6:12: error: subnet a (198.18.2.0/24) overlaps subnet a (198.18.0.0/16, line 5)\n"
        "t.yaml:7:12: error: subnet c (198.18.2.0/24) overlaps subnet a (198.18.0.0/16, line 5)\n"
        "t.yaml:7:12: error: subnet c (198.18.2.0/24) overlaps subnet a (198.18.2.0/24, line 6)\n"
        "t.yaml:8:12: error: duplicate subnet name 'a' (already at line 5)\n"
        "t.yaml:8:12: error: subnet a (198.18.0.0/15) overlaps subnet a (198.18.0.0/16, line 5)\n"
        "t.yaml:8:12: error: subnet a (198.18.0.0/15) overlaps subnet a (198.18.2.0/24, line 6)\n"
        "t.yaml:8:12: error: subnet a (198.18.0.0/15) overlaps subnet c (198.18.2.0/24, line 7)\n"
        "t.yaml:11:12: error: switch 's2' has the datapath id 0000000000000007 of switch 's1'\n"
        "t.yaml:12:12: error: switch 's3' has the datapath id 0000000000000007 of switch 's1'\n"
        "t.yaml:12:12: error: switch 's3' has the datapath id 0000000000000007 of switch 's2'\n"
        "t.yaml:13:12: error: duplicate name 's1' (already a switch at line 10)\n"
        "t.yaml:15:12: error: server 'h1' is in subnet a (198.18.0.0/15, served by switch 's3') "
        "but linked to switch "
        "'s1'\n"
        "t.yaml:16:12: error: server 'h2': address 198.19.1.1 is already used by 'h1' (line 15)\n"
        "t.yaml:16:12: error: server 'h2' is in subnet a (198.18.0.0/15, served by switch 's3') "
        "but linked to switch "
        "'s1'\n"
        "t.yaml:16:12: error: server 'h2': management address 192.0.2.9 is already used by 'h1'\n"
        "t.yaml:17:12: error: server 'h3': address 198.19.1.1 is already used by 'h1' (line 15)\n"
        "t.yaml:17:12: error: server 'h3' is in subnet a (198.18.0.0/15, served by switch 's3') "
        "but linked to switch "
        "'s1'\n"
        "t.yaml:17:12: error: server 'h3': management address 192.0.2.9 is already used by 'h1'\n"
        "t.yaml:18:12: error: server 'h4' is in subnet a (198.18.0.0/15, served by switch 's3') "
        "but linked to switch "
        "'s2'\n"
        "t.yaml:21:6: error: duplicate link between 's2' and 's1' (already at line 20)\n"
        "t.yaml:22:6: error: duplicate link between 's1' and 's2' (already at line 20)\n";
    char *out = printed(text);
    assert_string_equal(out, want);
    free(out);
}

static void test_management_filled_in(void **state)
{
    (void)state;
    /* Around the controller's address and those written in the file: the
     * emulated switches take the highest free one, servers the lowest. */
    static const char text[] =
        "name: t\n"
        "controller: {openflow: 192.0.2.2:6653, api: 192.0.2.2:8080}\n"
        "management: {subnet: 192.0.2.0/28}\n"
        "subnets: [{name: a, prefix: 198.18.1.0/24, gateway: 198.18.1.254, switch: s1}]\n"
        "switches: [{name: s1}]\n"
        "servers:\n"
        "  - {name: h1, address: 198.18.1.1, management: 192.0.2.1}\n"
        "  - {name: h2, address: 198.18.1.2}\n"
        "  - {name: h3, address: 198.18.1.3, management: 192.0.2.4}\n"
        "  - {name: h4, address: 198.18.1.4}\n"
        "  - {name: h5, address: 198.18.1.5, management: 192.0.2.14}\n"
        "  - {name: h6, address: 198.18.1.6}\n"
        "links: [[s1, h1], [s1, h2], [s1, h3], [s1, h4], [s1, h5], [s1, h6]]\n";
    static const unsigned want[] = {1, 3, 4, 5, 14, 6};
    struct diag_list dl;
    struct topo *t = load(text, &dl);
    assert_non_null(t);
    assert_int_equal(t->emu.switch_mgmt, 0xc000020du);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(t->nodes[i + 1].mgmt, 0xc0000200u + want[i]);
    topo_free(t);
    diag_list_free(&dl);
    /* Full: nine addresses were left, the tenth server without one finds none. */
    char *more = xasprintf(
        "%.*s  - {name: h7, address: 198.18.1.7}\n  - {name: h8, address: 198.18.1.8}\n"
        "  - {name: h9, address: 198.18.1.9}\n  - {name: h10, address: 198.18.1.10}\n"
        "  - {name: h11, address: 198.18.1.11}\n  - {name: h12, address: 198.18.1.12}\n"
        "  - {name: h13, address: 198.18.1.13}\n"
        "links: [[s1, h1], [s1, h2], [s1, h3], [s1, h4], [s1, h5], [s1, h6], [s1, h7], [s1, h8], "
        "[s1, h9], [s1, h10], [s1, h11], [s1, h12], [s1, h13]]\n",
        (int)(strstr(text, "links:") - text), text);
    expect_problem(more, 19, 12, "server 'h13': no management address left in 192.0.2.0/28");
    free(more);
}

/* Writes 'len' bytes to a file of its own and loads it as topo_load() does
 * (the reader's NUL bytes and encodings come from files). */
static struct topo *load_file_bytes(const char *bytes, size_t len, struct diag_list *dl)
{
    char path[] = "/tmp/test_topo_parse.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    diag_list_init(dl, "t.yaml");
    struct topo *t = topo_load(path, dl);
    unlink(path);
    return t;
}

/* Asserts that the bytes are refused with exactly one problem, at LINE:COLUMN
 * and mentioning 'needle'. */
static void expect_bytes_problem(const char *bytes, size_t len, int line, int column,
                                 const char *needle)
{
    struct diag_list dl;
    struct topo *t = load_file_bytes(bytes, len, &dl);
    bool found = dl.n == 1 && dl.items[0].pos.line == line && dl.items[0].pos.column == column &&
                 strstr(dl.items[0].msg, needle);
    if (!found || t) {
        fprintf(stderr, "expected one problem at %d:%d with '%s'; got:\n", line, column, needle);
        diag_print(&dl, stderr);
    }
    assert_null(t);
    assert_true(found);
    diag_list_free(&dl);
}

static void test_aliases(void **state)
{
    (void)state;
    /* An alias is reported where it stands, and nothing it would have
     * confused: a switch given as an alias of another switch. */
    char *s = variant(8, "  - &sw {name: s1}", 10, "  - {name: s3}\n  - *sw");
    expect_problem(s, 11, 5, "YAML alias '*sw'");
    struct diag_list dl;
    assert_null(load(s, &dl));
    assert_int_equal(dl.n, 1);
    assert_non_null(strstr(dl.items[0].msg, "not supported"));
    diag_list_free(&dl);
    free(s);
    /* As a link end, in a merge key, to an anchor never defined, as a key. */
    s = variant(10, "  - {name: &n3 s3}", 18, "  - [*n3, h2]");
    expect_problem(s, 18, 6, "YAML alias '*n3'");
    free(s);
    s = variant(8, "  - &sw {name: s1}", 10, "  - {<<: *sw, name: s3}");
    expect_problem(s, 10, 10, "YAML alias '*sw'");
    free(s);
    expect_variant_problem(13, "  - {name: h2, address: *nowhere}", 13, 25,
                           "YAML alias '*nowhere'");
    expect_variant_problem(13, "  - {*k : h2, address: 198.18.2.1}", 13, 6, "YAML alias '*k'");
    /* An anchor alone changes nothing. */
    s = variant(8, "  - &sw {name: s1}", 0, NULL);
    struct topo *t = load(s, &dl);
    assert_non_null(t);
    topo_free(t);
    diag_list_free(&dl);
    free(s);
}

static void test_second_document(void **state)
{
    (void)state;
    char *one = variant(0, NULL, 0, NULL);
    /* After '---', after '...' (implicitly started), an empty one. */
    static const struct {
        const char *tail;
        int line;
    } second[] = {{"---\nname: other\n", 19}, {"...\nname: other\n", 20}, {"--- # nothing\n", 19}};
    for (size_t i = 0; i < sizeof second / sizeof *second; i++) {
        char *s = xasprintf("%s%s", one, second[i].tail);
        expect_problem(s, second[i].line, 1, "a second YAML document");
        free(s);
    }
    /* One that does not parse is not passed over either. */
    char *s = xasprintf("%s---\nname: [\n", one);
    struct diag_list dl;
    assert_null(load(s, &dl));
    assert_true(dl.n >= 1);
    assert_non_null(strstr(dl.items[0].msg, "YAML syntax"));
    assert_true(dl.items[0].pos.line >= 20);
    diag_list_free(&dl);
    free(s);
    /* The end of the document alone is fine, and so is '---' before it. */
    s = xasprintf("---\n%s...\n", one);
    struct topo *t = load(s, &dl);
    assert_non_null(t);
    topo_free(t);
    diag_list_free(&dl);
    free(s);
    free(one);
}

/* An explicit key ('? KEY') is reported where it stands, and libfyaml never
 * sees it: libfyaml 0.7 crashed on "? a:<tab>:" (found by fuzz_topo_parse).
 * A '?' inside a scalar is a character. */
static void test_explicit_keys(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line, column;
    } bad[] = {
        {"? a:\t:", 1, 1},
        {"? ;:\t:", 1, 1},
        {"name: t\nswitches:\n  ? a:\t:\n", 3, 3},
        {"name: t\nlinks:\n  - ? a\n", 3, 5},
        {"name: t\nx: ? a\n", 2, 4},
        {"name: t\nx: {? a: b}\n", 2, 5},
        {"name: t\nx: [a, ? b]\n", 2, 8},
        {"?\n", 1, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_bytes_problem(bad[i].text, strlen(bad[i].text), bad[i].line, bad[i].column,
                             "explicit key");
    /* In a plain scalar, a quoted one or a comment it is a character: the
     * file is read on (and fails for what it lacks, not for the '?'). */
    static const char *const fine[] = {"name: a ? b\n", "name: '? b'\n", "name: \"x ? y\"\n",
                                       "name: t # ? no\n", "name: a?b\n"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        struct diag_list dl;
        struct topo *t = load_file_bytes(fine[i], strlen(fine[i]), &dl);
        assert_null(t);
        for (size_t k = 0; k < dl.n; k++)
            if (strstr(dl.items[k].msg, "explicit key"))
                fail_msg("'%s': %s", fine[i], dl.items[k].msg);
        diag_list_free(&dl);
    }
}

static void test_nul_and_encoding(void **state)
{
    (void)state;
    char *s = variant(0, NULL, 0, NULL);
    size_t len = strlen(s);
    /* A NUL inside a line, and one after the end with more behind it (it
     * used to cut the file short there, silently). */
    char *at = strstr(s, "{name: s2}") + strlen("{name: s2");
    *at = '\0';
    expect_bytes_problem(s, len, 9, 14, "NUL byte");
    *at = '}';
    char *tail = xmalloc(len + 16);
    memcpy(tail, s, len);
    memcpy(tail + len, "\0links: [\n", 11);
    expect_bytes_problem(tail, len + 11, 19, 1, "NUL byte");
    free(tail);
    /* Not UTF-8, a control character, columns counted in characters (as
     * libfyaml counts them), CRLF and CR line ends. */
    char *bad = variant(9,
                        "  - {name: \xff"
                        "2}",
                        0, NULL);
    expect_bytes_problem(bad, strlen(bad), 9, 12, "not UTF-8");
    free(bad);
    bad = variant(9, "  - {name: s\xc3\xa9\xe2\x82}", 0, NULL);
    expect_bytes_problem(bad, strlen(bad), 9, 14, "not UTF-8");
    free(bad);
    bad = variant(9, "  - {name: \"s\x01\"}", 0, NULL);
    expect_bytes_problem(bad, strlen(bad), 9, 14, "U+0001");
    free(bad);
    bad = variant(1, "name: t # \xc3\xa9t\xc3\xa9\x7f", 0, NULL);
    expect_bytes_problem(bad, strlen(bad), 1, 14, "U+007F");
    free(bad);
    bad = variant(3, "management: {subnet: 192.0.2.0/24}\r\n\r#", 4, "subnets:\x02");
    expect_bytes_problem(bad, strlen(bad), 6, 9, "U+0002");
    free(bad);
    /* A byte order mark is not a character of the first line. */
    bad = xasprintf("\xef\xbb\xbfname: t\x03\n");
    expect_bytes_problem(bad, strlen(bad), 1, 8, "U+0003");
    free(bad);
    /* Tabs, non-ASCII letters and CRLF are text. */
    char *crlf = xmalloc(2 * len + 64);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            crlf[k++] = '\r';
        crlf[k++] = s[i];
    }
    static const char comment[] = "# caf\xc3\xa9\t\xe2\x82\xac\r\n";
    memcpy(crlf + k, comment, sizeof comment - 1);
    k += sizeof comment - 1;
    struct diag_list dl;
    struct topo *t = load_file_bytes(crlf, k, &dl);
    if (!t)
        diag_print(&dl, stderr);
    assert_non_null(t);
    topo_free(t);
    diag_list_free(&dl);
    free(crlf);
    free(s);
}

static void test_positions_of_values(void **state)
{
    (void)state;
    /* Faults found by the checks, at the value at fault rather than 1:1. */
    expect_variant_problem(
        2, "controller: {openflow: 10.0.0.1:6653, api: 192.0.2.254:8080}", 2, 24,
        "controller openflow address 10.0.0.1 is not a host address of the management network");
    expect_variant_problem(2, "controller:\n  openflow: 192.0.2.255:6653\n  api: 192.0.2.254:8080",
                           3, 13, "controller openflow address 192.0.2.255 is not a host address");
    expect_variant_problem(1, "name: t\nemulation: {switch-management: 192.0.3.1}", 2, 32,
                           "emulation switch-management 192.0.3.1 is not a free host address");
    expect_variant_problem(1, "name: a-b", 1, 7, "topology name 'a-b' cannot name a lab");
    /* A name taken from the file's name has no place in the file. */
    char *noname = variant(1, "# no name", 0, NULL);
    struct diag_list dl;
    diag_list_init(&dl, "my-topo.yaml");
    assert_null(topo_load_string("my-topo.yaml", noname, &dl));
    assert_int_equal(dl.n, 1);
    assert_int_equal(dl.items[0].pos.line, 0);
    assert_non_null(
        strstr(dl.items[0].msg, "topology name 'my-topo' (the file's name) cannot name a lab"));
    diag_list_free(&dl);
    free(noname);
    expect_problem("controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
                   "management: {subnet: 192.0.2.0/24}\nsubnets: []\nlinks: []\nswitches: []\n",
                   5, 1, "the topology has no switch");
    /* An empty value: at its key, and said so. */
    char *s = variant(12, "", 13, "");
    expect_problem(s, 11, 1, "servers: expected a list, found an empty value");
    free(s);
}

/* The example at the top of docs/topology.md is a valid file, and
 * examples/fig1-raspi.yaml is fig1 with its capacities. */
static void test_docs_example_and_raspi(void **state)
{
    (void)state;
    const char *src = getenv("MINIDC_SRC");
    char *path = xasprintf("%s/docs/topology.md", src ? src : ".");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char doc[65536];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    char *start = strstr(doc, "## Example\n\n```yaml\n");
    assert_non_null(start);
    start += strlen("## Example\n\n```yaml\n");
    char *end = strstr(start, "```");
    assert_non_null(end);
    *end = '\0';
    struct diag_list dl;
    diag_list_init(&dl, "docs/topology.md");
    struct topo *t = topo_load_string("docs/topology.md", start, &dl);
    if (!t)
        diag_print(&dl, stderr);
    assert_non_null(t);
    assert_true(t->nodes[topo_find(t, "server1")].cpu == 0.25);
    topo_free(t);
    diag_list_free(&dl);
    free(path);
    path = xasprintf("%s/examples/fig1-raspi.yaml", src ? src : ".");
    diag_list_init(&dl, path);
    t = topo_load(path, &dl);
    if (!t)
        diag_print(&dl, stderr);
    assert_non_null(t);
    assert_int_equal(topo_count(t, TOPO_SERVER), 8);
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SERVER)
            assert_true(t->nodes[i].cpu == 0.2);
    for (size_t i = 0; i < t->n_links; i++)
        assert_true(t->links[i].props.bandwidth_mbit == 100);
    topo_free(t);
    diag_list_free(&dl);
    free(path);
}

static struct topo *load_ok(const char *text)
{
    struct diag_list dl;
    struct topo *t = load(text, &dl);
    if (!t)
        diag_print(&dl, stderr);
    assert_non_null(t);
    diag_list_free(&dl);
    return t;
}

/* Capacities: a server's CPU, a link's bandwidth, delay and loss (its own,
 * else link-defaults'), with the position of each value. */
static void test_capacities(void **state)
{
    (void)state;
    char *s = variant(12, "  - {name: h1, address: 198.18.1.1, cpu: 0.25}", 17,
                      "  - {ends: [s2, h1], bandwidth: 100, delay: 2.5, loss: 0.1}");
    struct topo *t = load_ok(s);
    const struct topo_node *h1 = &t->nodes[topo_find(t, "h1")], *h2 = &t->nodes[topo_find(t, "h2")];
    assert_true(h1->cpu == 0.25);
    assert_int_equal(h1->cpu_pos.line, 12);
    assert_int_equal(h1->cpu_pos.column, 42);
    assert_true(h2->cpu == 0);
    const struct topo_link *l = &t->links[2];
    assert_string_equal(t->nodes[l->b].name, "h1");
    assert_true(l->props.bandwidth_mbit == 100 && l->props.delay_ms == 2.5 &&
                l->props.loss_pct == 0.1);
    assert_int_equal(l->props.delay_pos.line, 17);
    assert_int_equal(l->props.delay_pos.column, 45);
    assert_int_equal(l->a_port, 2); /* ports as with [s2, h1] */
    assert_true(t->links[0].props.bandwidth_mbit == 0 && t->links[0].props.delay_ms == 0);
    topo_free(t);
    free(s);
    /* Defaults, and a link's own value over them, key by key. */
    s = variant(1, "name: t\nlink-defaults: {bandwidth: 10, delay: 1}", 16,
                "  - {ends: [s1, s3], bandwidth: 1000}");
    t = load_ok(s);
    assert_true(t->links[0].props.bandwidth_mbit == 10 && t->links[0].props.delay_ms == 1);
    assert_int_equal(t->links[0].props.delay_pos.line, 2);
    assert_true(t->links[1].props.bandwidth_mbit == 1000 && t->links[1].props.delay_ms == 1);
    assert_true(t->links[1].props.loss_pct == 0);
    topo_free(t);
    free(s);
}

static void test_capacities_refused(void **state)
{
    (void)state;
    static const struct {
        int line;
        const char *text;
        int at_line, at_col;
        const char *says;
    } bad[] = {
        {12, "  - {name: h1, address: 198.18.1.1, cpu: 0}", 12, 42,
         "cpu: '0' is not a number of host CPUs from 0.01 to 4096"},
        {12, "  - {name: h1, address: 198.18.1.1, cpu: -1}", 12, 42, "cpu: '-1' is not a number"},
        {12, "  - {name: h1, address: 198.18.1.1, cpu: 1e3}", 12, 42, "cpu: '1e3' is not a number"},
        {12, "  - {name: h1, address: 198.18.1.1, cpu: .5}", 12, 42, "cpu: '.5' is not a number"},
        {12, "  - {name: h1, address: 198.18.1.1, cpu: inf}", 12, 42, "cpu: 'inf' is not a number"},
        {12, "  - {name: h1, address: 198.18.1.1, cpu: [1]}", 12, 43, "cpu: expected a value"},
        {17, "  - {ends: [s2, h1], bandwidth: 0}", 17, 33,
         "link bandwidth: '0' is not a number of Mbit/s from 0.001 to 400000"},
        {17, "  - {ends: [s2, h1], bandwidth: 100mbit}", 17, 33, "link bandwidth: '100mbit'"},
        {17, "  - {ends: [s2, h1], delay: 60001}", 17, 29,
         "link delay: '60001' is not a number of ms from 0 to 60000"},
        {17, "  - {ends: [s2, h1], loss: 101}", 17, 28,
         "link loss: '101' is not a number of percent from 0 to 100"},
        {17, "  - {ends: [s2, h1], jitter: 1}", 17, 22,
         "unknown key 'jitter' in a link (expected one of: ends, bandwidth, delay, loss)"},
        {17, "  - {bandwidth: 10}", 17, 6, "a link: missing required key 'ends'"},
        {17, "  - {ends: [s2], bandwidth: 10}", 17, 13,
         "a link: expected a list of two node names"},
        {1, "name: t\nlink-defaults: {bandwidth: fast}", 2, 28,
         "link-defaults bandwidth: 'fast' is not a number of Mbit/s"},
        {1, "name: t\nlink-defaults: {rate: 1}", 2, 17, "unknown key 'rate' in link-defaults"},
        {1, "name: t\nlink-defaults: 100", 2, 16, "link-defaults: expected a mapping"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_variant_problem(bad[i].line, bad[i].text, bad[i].at_line, bad[i].at_col,
                               bad[i].says);
}

/* servers[].power: a preset, a linear model (11 points on its line), a
 * SPECpower table; hp-ml110-g4's table when the file says none. */
static void test_power(void **state)
{
    (void)state;
    static const double g4[] = {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117};
    static const double g5[] = {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135};
    char *s = variant(12, "  - {name: h1, address: 198.18.1.1, power: hp-ml110-g5}", 0, NULL);
    struct topo *t = load_ok(s);
    const struct topo_node *h1 = &t->nodes[topo_find(t, "h1")], *h2 = &t->nodes[topo_find(t, "h2")];
    for (int i = 0; i < TOPO_POWER_POINTS; i++) {
        assert_true(h1->power_w[i] == g5[i]);
        assert_true(h2->power_w[i] == g4[i]);
    }
    assert_int_equal(h1->power_pos.line, 12);
    assert_int_equal(h1->power_pos.column, 44);
    assert_int_equal(h2->power_pos.line, 0);
    topo_free(t);
    free(s);
    /* Linear from 80 W to 130 W: 80 + 5 W per 10% of load. */
    s = variant(12, "  - {name: h1, address: 198.18.1.1, power: {idle: 80, max: 130}}", 13,
                "  - {name: h2, address: 198.18.2.1, power: {idle: 100, max: 100}}");
    t = load_ok(s);
    h1 = &t->nodes[topo_find(t, "h1")];
    h2 = &t->nodes[topo_find(t, "h2")];
    for (int i = 0; i < TOPO_POWER_POINTS; i++) {
        assert_float_equal(h1->power_w[i], 80 + 5 * i, 1e-9);
        assert_true(h2->power_w[i] == 100);
    }
    topo_free(t);
    free(s);
    /* A table as written; equal neighbours are allowed (it does not decrease). */
    s = variant(12,
                "  - {name: h1, address: 198.18.1.1, "
                "power: [50, 60, 60, 70, 80, 90.5, 100, 110, 120, 130, 140]}",
                0, NULL);
    t = load_ok(s);
    h1 = &t->nodes[topo_find(t, "h1")];
    assert_true(h1->power_w[0] == 50 && h1->power_w[2] == 60 && h1->power_w[5] == 90.5 &&
                h1->power_w[10] == 140);
    topo_free(t);
    free(s);
}

/* Each wrong power model, at the value at fault, saying what was expected. */
static void test_power_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int at_line, at_col;
        const char *says;
    } bad[] = {
        {"  - {name: h1, address: 198.18.1.1, power: hp-ml110-g6}", 12, 44,
         "power: 'hp-ml110-g6' is not a preset (expected {idle: W, max: W}, a list of 11 watts (at "
         "0%, 10%, ..., 100% load) or a preset name (hp-ml110-g4, hp-ml110-g5))"},
        {"  - {name: h1, address: 198.18.1.1, power: 100}", 12, 44, "power: '100' is not a preset"},
        {"  - {name: h1, address: 198.18.1.1, power: [86, 90, 95]}", 12, 45,
         "power: a SPECpower table has 11 points (watts at 0%, 10%, ..., 100% load), found 3"},
        {"  - {name: h1, address: 198.18.1.1, power: [86, 90, 95, 96, 97, 98, 99, 100, 101, 102, "
         "103, 104]}",
         12, 45,
         "power: a SPECpower table has 11 points (watts at 0%, 10%, ..., 100% load), found 12"},
        {"  - {name: h1, address: 198.18.1.1, power: [86, 89, 88, 96, 97, 98, 99, 100, 101, 102, "
         "103]}",
         12, 53,
         "power at 20% load: 88 W is below 89 W at 10% (a SPECpower table does not decrease)"},
        {"  - {name: h1, address: 198.18.1.1, power: [0, 89, 90, 96, 97, 98, 99, 100, 101, 102, "
         "103]}",
         12, 45, "power at 0% load: '0' is not a number of watts above 0, at most 100000"},
        {"  - {name: h1, address: 198.18.1.1, power: [86, 89, 90, 96, 97, 98, 99, 100, 101, 102, "
         "1e3]}",
         12, 88, "power at 100% load: '1e3' is not a number of watts"},
        {"  - {name: h1, address: 198.18.1.1, power: [86, {w: 1}, 90, 96, 97, 98, 99, 100, 101, "
         "102, 103]}",
         12, 50, "power at 10% load: expected a value, found a mapping"},
        {"  - {name: h1, address: 198.18.1.1, power: {idle: 120, max: 100}}", 12, 61,
         "power max: 100 W is below idle (120 W)"},
        {"  - {name: h1, address: 198.18.1.1, power: {idle: 0, max: 100}}", 12, 51,
         "power idle: '0' is not a number of watts above 0, at most 100000"},
        {"  - {name: h1, address: 198.18.1.1, power: {idle: 80, max: 100001}}", 12, 60,
         "power max: '100001' is not a number of watts above 0, at most 100000"},
        {"  - {name: h1, address: 198.18.1.1, power: {idle: -5, max: 100}}", 12, 51,
         "power idle: '-5' is not a number of watts"},
        {"  - {name: h1, address: 198.18.1.1, power: {idle: 80}}", 12, 45,
         "power: missing required key 'max'"},
        {"  - {name: h1, address: 198.18.1.1, power: {idle: 80, max: 100, peak: 1}}", 12, 65,
         "unknown key 'peak' in power (expected one of: idle, max)"},
        {"  - {name: h1, address: 198.18.1.1, power: yes}", 12, 44, "power: 'yes' is not a preset"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_variant_problem(12, bad[i].text, bad[i].at_line, bad[i].at_col, bad[i].says);
}

int main(void)

{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_is_valid),
        cmocka_unit_test(test_fig1),
        cmocka_unit_test(test_capacities),
        cmocka_unit_test(test_docs_example_and_raspi),
        cmocka_unit_test(test_capacities_refused),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_duplicate_name),
        cmocka_unit_test(test_link_to_unknown_node),
        cmocka_unit_test(test_overlapping_subnets),
        cmocka_unit_test(test_server_on_two_switches),
        cmocka_unit_test(test_subnet_without_switch),
        cmocka_unit_test(test_not_connected_graph),
        cmocka_unit_test(test_name_too_long),
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_rewrite_at),
        cmocka_unit_test(test_migration_network),
        cmocka_unit_test(test_every_problem_reported),
        cmocka_unit_test(test_empty_and_missing),
        cmocka_unit_test(test_dpid_given),
        cmocka_unit_test(test_repeats_as_before),
        cmocka_unit_test(test_management_filled_in),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_second_document),
        cmocka_unit_test(test_nul_and_encoding),
        cmocka_unit_test(test_explicit_keys),
        cmocka_unit_test(test_positions_of_values),
        cmocka_unit_test(test_power),
        cmocka_unit_test(test_power_refused),
    };
    return cmocka_run_group_tests_name("topo_parse", tests, NULL, NULL);
}
