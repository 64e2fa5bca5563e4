/* Tests of lab_link_qdiscs() (src/lab/lab_capacity.c): the qdiscs that give
 * a veth end a link's bandwidth, delay and loss, as tc batch lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lab/lab.h"
#include "topo/topo.h"
#include "util/strbuf.h"

static const char *lines(const struct topo_link_props *p)
{
    static char buf[512];
    struct strbuf sb;
    strbuf_init(&sb);
    lab_link_qdiscs(&sb, "ovs4-2", p);
    snprintf(buf, sizeof buf, "%s", sb.s);
    strbuf_free(&sb);
    return buf;
}

static void test_qdiscs(void **state)
{
    (void)state;
    struct topo_link_props none = {0};
    assert_string_equal(lines(&none), "");
    /* 100 Mbit/s: a 2 ms bucket is 25,000 bytes. */
    struct topo_link_props bw = {.bandwidth_mbit = 100};
    assert_string_equal(lines(&bw), "qdisc replace dev ovs4-2 root handle 1: tbf rate "
                                    "100000000bit burst 25000 latency 50ms\n");
    /* A slow link keeps a bucket of ten full frames. */
    struct topo_link_props slow = {.bandwidth_mbit = 1};
    assert_non_null(strstr(lines(&slow), "rate 1000000bit burst 15140 latency 50ms"));
    /* Delay and loss: netem, below the tbf when there is one. */
    struct topo_link_props both = {.bandwidth_mbit = 10, .delay_ms = 5, .loss_pct = 0.5};
    assert_string_equal(lines(&both),
                        "qdisc replace dev ovs4-2 root handle 1: tbf rate 10000000bit burst "
                        "15140 latency 50ms\n"
                        "qdisc replace dev ovs4-2 parent 1:1 handle 10: netem delay 5.000ms loss "
                        "0.5000%\n");
    struct topo_link_props delay = {.delay_ms = 2.5};
    assert_string_equal(lines(&delay), "qdisc replace dev ovs4-2 root handle 1: netem delay "
                                       "2.500ms loss 0.0000%\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qdiscs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
