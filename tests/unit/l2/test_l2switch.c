/* Tests of src/l2/l2switch.c: an unknown destination is flooded, a known one
 * gets a flow to its port, each switch learns on its own, and a packet-in
 * without a port or a whole Ethernet header is not answered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l2/l2switch.h"

static const uint8_t A[6] = {2, 0, 0, 0, 0, 0xa}, B[6] = {2, 0, 0, 0, 0, 0xb};

/* A packet-in on 'port' of a frame from 'src' to 'dst', in 'frame'. */
static void pin(struct ofp_msg *m, uint8_t *frame, uint32_t port, const uint8_t *dst,
                const uint8_t *src)
{
    memset(m, 0, sizeof *m);
    memset(frame, 0, 60);
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    frame[12] = 0x08;
    m->type = OFPT_PACKET_IN;
    m->packet_in.buffer_id = OFP_NO_BUFFER;
    ofp_match_add_u32(&m->packet_in.match, OXM_IN_PORT, port);
    m->packet_in.data.data = frame;
    m->packet_in.data.len = 60;
}

static void assert_flood(const struct ofp_msg *r, uint32_t in_port)
{
    assert_int_equal(r->type, OFPT_PACKET_OUT);
    assert_int_equal(r->packet_out.in_port, in_port);
    assert_int_equal(r->packet_out.actions.n, 1);
    assert_int_equal(r->packet_out.actions.a[0].port, OFPP_FLOOD);
    assert_int_equal(r->packet_out.data.len, 60); /* unbuffered: the frame goes back with it */
}

static void assert_flow_to(const struct ofp_msg *r, uint32_t out_port)
{
    assert_int_equal(r->type, OFPT_FLOW_MOD);
    assert_int_equal(r->flow_mod.command, OFPFC_ADD);
    assert_int_equal(r->flow_mod.idle_timeout, L2_IDLE_TIMEOUT);
    assert_int_equal(r->flow_mod.instructions.n, 1);
    const struct ofp_actions *a = &r->flow_mod.instructions.i[0].actions;
    assert_int_equal(a->n, 1);
    assert_int_equal(a->a[0].port, out_port);
}

static void test_learn_then_forward(void **state)
{
    (void)state;
    struct l2_table *t = l2_table_create();
    struct ofp_msg m, r;
    uint8_t f[60];
    pin(&m, f, 1, B, A); /* A on port 1 asks for B: unknown */
    assert_true(l2_packet_in(t, &m, &r));
    assert_flood(&r, 1);
    l2_reply_free(&r);
    pin(&m, f, 2, A, B); /* B answers from port 2: A is known */
    assert_true(l2_packet_in(t, &m, &r));
    assert_flow_to(&r, 1);
    uint32_t in;
    assert_true(ofp_match_in_port(&r.flow_mod.match, &in));
    assert_int_equal(in, 2);
    l2_reply_free(&r);
    pin(&m, f, 1, B, A); /* and now B is known too */
    assert_true(l2_packet_in(t, &m, &r));
    assert_flow_to(&r, 2);
    l2_reply_free(&r);
    /* A moves to port 3: the next frame from it teaches that. */
    pin(&m, f, 3, B, A);
    assert_true(l2_packet_in(t, &m, &r));
    l2_reply_free(&r);
    pin(&m, f, 2, A, B);
    assert_true(l2_packet_in(t, &m, &r));
    assert_flow_to(&r, 3);
    l2_reply_free(&r);
    l2_table_destroy(t);
}

/* What one switch learned is not another's: each has its own table. */
static void test_a_table_per_switch(void **state)
{
    (void)state;
    struct l2_table *s1 = l2_table_create(), *s2 = l2_table_create();
    struct ofp_msg m, r;
    uint8_t f[60];
    pin(&m, f, 1, B, A);
    assert_true(l2_packet_in(s1, &m, &r));
    l2_reply_free(&r);
    pin(&m, f, 7, A, B); /* on the other switch A is unknown */
    assert_true(l2_packet_in(s2, &m, &r));
    assert_flood(&r, 7);
    l2_reply_free(&r);
    pin(&m, f, 2, A, B);
    assert_true(l2_packet_in(s1, &m, &r));
    assert_flow_to(&r, 1);
    l2_reply_free(&r);
    l2_table_destroy(s1);
    l2_table_destroy(s2);
}

static void test_not_answered(void **state)
{
    (void)state;
    struct l2_table *t = l2_table_create();
    struct ofp_msg m, r;
    uint8_t f[60];
    pin(&m, f, 1, B, A);
    m.packet_in.data.len = 13; /* no whole Ethernet header */
    assert_false(l2_packet_in(t, &m, &r));
    memset(&m.packet_in.match, 0, sizeof m.packet_in.match); /* no in_port */
    m.packet_in.data.len = 60;
    assert_false(l2_packet_in(t, &m, &r));
    /* Nothing was learned from either. */
    pin(&m, f, 2, A, B);
    assert_true(l2_packet_in(t, &m, &r));
    assert_flood(&r, 2);
    l2_reply_free(&r);
    l2_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_then_forward),
        cmocka_unit_test(test_a_table_per_switch),
        cmocka_unit_test(test_not_answered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
