/* Tests of src/ctl/portstats.c and src/ctl/recorder.c: which switch port
 * counts for which direction of a link, rates between two replies,
 * utilisation of the link's bandwidth, replies that are not portstats', and
 * the history rounds the recorder makes of the agents' figures and the
 * links'. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/portstats.h"
#include "ctl/recorder.h"
#include "hist/hist.h"
#include "topo/topo.h"

static const char topology[] =
    "name: t\n"
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
    "management: {subnet: 192.0.2.0/24}\n"
    "subnets:\n"
    "  - {name: a, prefix: 198.18.1.0/24, gateway: 198.18.1.254, switch: s1}\n"
    "switches: [{name: s1}, {name: s2}]\n"
    "servers:\n"
    "  - {name: h1, address: 198.18.1.1}\n"
    "links:\n"
    "  - {ends: [s1, s2], bandwidth: 100}\n"
    "  - [s1, h1]\n";

struct sent {
    uint64_t dpid[8];
    size_t n;
    uint32_t next_xid;
};

static uint32_t fake_send(void *ctx, uint64_t dpid, const struct ofp_msg *m)
{
    struct sent *s = ctx;
    assert_int_equal(m->type, OFPT_MULTIPART_REQUEST);
    assert_int_equal(m->mp.mp_type, OFPMP_PORT_STATS);
    assert_int_equal(m->mp.port_no, OFPP_ANY);
    s->dpid[s->n++] = dpid;
    return ++s->next_xid;
}

/* A reply of 'dpid' with 'n' ports: {port, rx_bytes, tx_bytes}. */
static void reply(struct portstats *p, uint64_t dpid, uint32_t xid, double now, size_t n,
                  const uint64_t (*ports)[3], bool expect)
{
    struct ofp_port_stats st[4];
    memset(st, 0, sizeof st);
    for (size_t i = 0; i < n; i++) {
        st[i].port_no = (uint32_t)ports[i][0];
        st[i].rx_bytes = ports[i][1];
        st[i].tx_bytes = ports[i][2];
        st[i].rx_packets = ports[i][1] / 1000;
        st[i].tx_packets = ports[i][2] / 1000;
    }
    struct ofp_msg m;
    memset(&m, 0, sizeof m);
    m.type = OFPT_MULTIPART_REPLY;
    m.xid = xid;
    m.mp.mp_type = OFPMP_PORT_STATS;
    m.mp.n = n;
    m.mp.port_stats = st;
    assert_int_equal(portstats_reply(p, dpid, &m, now), expect);
}

static json_t *link_named(json_t *links, const char *name)
{
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l)
        if (!strcmp(json_string_value(json_object_get(l, "name")), name))
            return l;
    return NULL;
}

static double fig(json_t *links, const char *name, const char *dir, const char *key)
{
    json_t *v = json_object_get(json_object_get(link_named(links, name), dir), key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void test_links(void **state)
{
    (void)state;
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    struct topo *t = topo_load_string("t.yaml", topology, &dl);
    assert_non_null(t);
    diag_list_free(&dl);
    uint64_t s1 = t->nodes[topo_find(t, "s1")].dpid, s2 = t->nodes[topo_find(t, "s2")].dpid;
    struct portstats *p = portstats_create(t);
    struct sent sent = {0};
    portstats_request(p, fake_send, &sent);
    assert_int_equal(sent.n, 2);
    json_t *links = portstats_links_json(p);
    assert_true(json_is_null(json_object_get(link_named(links, "s1:1-s2:1"), "ab")));
    json_decref(links);
    /* s1: port 1 to s2, port 2 to h1; s2: port 1 to s1. */
    const uint64_t s1_a[][3] = {{1, 0, 1000000}, {2, 5000, 20000}, {0xfffffffe, 9, 9}};
    const uint64_t s2_a[][3] = {{1, 1000000, 0}};
    reply(p, s1, 1, 10.0, 3, s1_a, true);
    reply(p, s2, 2, 10.0, 1, s2_a, true);
    reply(p, s2, 2, 10.0, 1, s2_a, false);  /* answered already */
    reply(p, s2, 99, 10.0, 1, s2_a, false); /* not asked for */
    links = portstats_links_json(p);
    assert_true(fig(links, "s1:1-s2:1", "ab", "bytes") == 1000000);
    assert_true(isnan(fig(links, "s1:1-s2:1", "ab", "bits_per_second"))); /* one reply only */
    json_decref(links);
    portstats_request(p, fake_send, &sent);
    /* 2 s later: s1 sent 25 MB more to s2 (100 Mbit/s), s2 sent 1 MB back;
     * h1 sent 500 kB (s1 port 2 received it) and got 250 kB. */
    const uint64_t s1_b[][3] = {{1, 1000000, 26000000}, {2, 505000, 270000}};
    const uint64_t s2_b[][3] = {{1, 26000000, 1000000}};
    reply(p, s1, 3, 12.0, 2, s1_b, true);
    reply(p, s2, 4, 12.0, 1, s2_b, true);
    links = portstats_links_json(p);
    assert_true(fig(links, "s1:1-s2:1", "ab", "bits_per_second") == 100e6);
    assert_true(fig(links, "s1:1-s2:1", "ab", "utilization") == 1.0);
    assert_true(fig(links, "s1:1-s2:1", "ba", "bits_per_second") == 4e6);
    assert_true(fig(links, "s1:1-s2:1", "ba", "packets_per_second") == 500);
    /* h1's link: s1 -> h1 is what s1's port sent; h1 -> s1 what it received. */
    assert_true(fig(links, "s1:2-h1", "ab", "bits_per_second") == 1e6);
    assert_true(fig(links, "s1:2-h1", "ba", "bits_per_second") == 2e6);
    assert_true(isnan(fig(links, "s1:2-h1", "ab", "utilization"))); /* no bandwidth */
    assert_true(json_is_null(json_object_get(link_named(links, "s1:2-h1"), "bandwidth_mbit")));
    json_decref(links);

    /* The recorder: a round of the agents' figures and the links'. */
    struct hist *h = hist_create(10);
    struct recorder *r = recorder_create(h);
    json_t *servers =
        json_loads("[{\"sampled_at\": 5, \"server\": {\"name\": \"h1\", \"cpu_used\": 0.2, "
                   "\"cpu_utilization\": 1.0, \"cpu_throttled_seconds\": 3},"
                   " \"vms\": [{\"name\": \"vm1\", \"cpu_used\": 0.1, \"cpu_allocation\": 0.15,"
                   " \"net\": {\"rx_bytes\": 100, \"tx_bytes\": 0}}]}]",
                   0, NULL);
    recorder_round(r, 100, servers, p, NULL, 0);
    /* Not polled again: the same figures make no second sample. */
    recorder_round(r, 102, servers, NULL, NULL, 0);
    json_object_set_new(json_array_get(servers, 0), "sampled_at", json_real(7));
    json_object_set_new(json_object_get(json_array_get(servers, 0), "server"),
                        "cpu_throttled_seconds", json_real(4));
    recorder_round(r, 104, servers, NULL, NULL, 0);
    const char *names[] = {"server/h1/cpu_used", "server/h1/cpu_throttled_fraction",
                           "vm/vm1/cpu_allocation", "vm/vm1/net_rx_bytes_per_second",
                           "link/s1:1-s2:1/ab_utilization"};
    json_t *q = hist_query_json(h, names, 5, 0, 0, 0);
    json_t *ser = json_object_get(q, "series");
    assert_int_equal(json_array_size(json_object_get(ser, "server/h1/cpu_used")), 2);
    /* 1 s throttled in the 4 s between its two samples. */
    json_t *thr = json_array_get(json_object_get(ser, "server/h1/cpu_throttled_fraction"), 0);
    assert_true(json_real_value(json_array_get(thr, 1)) == 0.25);
    assert_int_equal(json_array_size(json_object_get(ser, "vm/vm1/net_rx_bytes_per_second")), 1);
    json_t *u = json_array_get(json_object_get(ser, "link/s1:1-s2:1/ab_utilization"), 0);
    assert_true(json_real_value(json_array_get(u, 0)) == 100);
    assert_true(json_real_value(json_array_get(u, 1)) == 1.0);
    json_decref(q);
    json_decref(servers);
    recorder_destroy(r);
    hist_destroy(h);
    portstats_destroy(p);
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
