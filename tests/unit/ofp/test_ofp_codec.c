/* Tests of src/ofp: every message of the corpus recorded from Open vSwitch
 * (tests/data/ofp) decodes, encodes back to the same bytes, and survives
 * truncation and corruption with an error rather than a crash; messages the
 * controller builds decode to what was built. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ofp/ofp.h"
#include "ofp/ofp_print.h"
#include "util/xalloc.h"

struct sample {
    char name[96];
    uint8_t *data;
    size_t len;
};

static struct sample *samples;
static size_t n_samples;

static void load_corpus(const char *file)
{
    const char *src = getenv("MINIDC_SRC");
    char *path = xasprintf("%s/tests/data/ofp/%s", src ? src : ".", file);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    char line[200000];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char name[64], hex[sizeof line];
        if (sscanf(line, "%63s %199999s", name, hex) != 2)
            continue;
        samples = xrealloc(samples, (n_samples + 1) * sizeof *samples);
        struct sample *s = &samples[n_samples++];
        snprintf(s->name, sizeof s->name, "%s:%s", file, name);
        s->len = strlen(hex) / 2;
        s->data = xmalloc(s->len);
        for (size_t i = 0; i < s->len; i++) {
            unsigned v;
            sscanf(hex + 2 * i, "%2x", &v);
            s->data[i] = (uint8_t)v;
        }
    }
    fclose(f);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    load_corpus("of13.hex");
    load_corpus("of10.hex");
    return n_samples > 40 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_samples; i++)
        free(samples[i].data);
    free(samples);
    return 0;
}

static void test_corpus_round_trip(void **state)
{
    (void)state;
    size_t types_seen[32] = {0};
    for (size_t i = 0; i < n_samples; i++) {
        struct sample *s = &samples[i];
        struct ofp_msg m;
        enum ofp_err e = ofp_decode(s->data, s->len, &m);
        if (e)
            fprintf(stderr, "%s: %s\n", s->name, ofp_err_name(e));
        assert_int_equal(e, 0);
        types_seen[m.type % 32]++;
        size_t len = 0;
        uint8_t *out = ofp_encode(&m, &len);
        if (!out || len != s->len || memcmp(out, s->data, len)) {
            fprintf(stderr, "%s: round trip differs (%zu bytes in, %zu out)\n", s->name, s->len,
                    out ? len : 0);
            for (size_t j = 0; out && j < len && j < s->len; j++)
                if (out[j] != s->data[j]) {
                    fprintf(stderr, "  first difference at byte %zu: %02x, want %02x\n", j, out[j],
                            s->data[j]);
                    break;
                }
        }
        assert_non_null(out);
        assert_int_equal(len, s->len);
        assert_memory_equal(out, s->data, len);
        /* Printing never fails on what decodes. */
        char *text = ofp_to_text(&m);
        assert_non_null(text);
        free(text);
        free(out);
        ofp_msg_free(&m);
    }
    /* The corpus covers what the issue names. */
    static const uint8_t want[] = {OFPT_HELLO,           OFPT_ERROR,
                                   OFPT_FEATURES_REPLY,  OFPT_GET_CONFIG_REPLY,
                                   OFPT_PACKET_IN,       OFPT_PORT_STATUS,
                                   OFPT_PACKET_OUT,      OFPT_FLOW_MOD,
                                   OFPT_GROUP_MOD,       OFPT_MULTIPART_REQUEST,
                                   OFPT_MULTIPART_REPLY, OFPT_ROLE_REPLY};
    for (size_t i = 0; i < sizeof want; i++) {
        if (!types_seen[want[i]])
            fprintf(stderr, "corpus lacks %s\n", ofp_type_name(want[i]));
        assert_true(types_seen[want[i]] > 0);
    }
}

static void test_truncation_is_an_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_samples; i++) {
        struct sample *s = &samples[i];
        /* Every shorter prefix, with its header length patched to match, so
         * the body decoders (not only framing) see short input. */
        for (size_t cut = 0; cut < s->len; cut++) {
            uint8_t *copy = xmalloc(cut ? cut : 1);
            memcpy(copy, s->data, cut);
            if (cut >= 4) {
                copy[2] = (uint8_t)(cut >> 8);
                copy[3] = (uint8_t)cut;
            }
            struct ofp_msg m;
            enum ofp_err e = ofp_decode(copy, cut, &m);
            if (!e) {
                /* Some prefixes are whole messages (an echo with less data). */
                size_t len;
                uint8_t *out = ofp_encode(&m, &len);
                free(out);
                ofp_msg_free(&m);
            }
            free(copy);
        }
        /* A header that claims more than there is. */
        struct ofp_msg m;
        assert_int_not_equal(ofp_decode(s->data, s->len - 1, &m), 0);
    }
}

static void test_corruption_never_crashes(void **state)
{
    (void)state;
    /* Deterministic pseudo-random corruption (xorshift), bounded. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t decoded = 0, rejected = 0;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < n_samples; i++) {
            struct sample *s = &samples[i];
            uint8_t *copy = xmalloc(s->len);
            memcpy(copy, s->data, s->len);
            for (int k = 0; k < 3; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                size_t at = 4 + (size_t)(x % (s->len > 4 ? s->len - 4 : 1));
                if (at < s->len)
                    copy[at] ^= (uint8_t)(x >> 32);
            }
            struct ofp_msg m;
            if (ofp_decode(copy, s->len, &m) == 0) {
                decoded++;
                size_t len;
                free(ofp_encode(&m, &len));
                free(ofp_to_text(&m));
                ofp_msg_free(&m);
            } else {
                rejected++;
            }
            free(copy);
        }
    }
    assert_true(decoded > 0 && rejected > 0);
}

static void test_framing(void **state)
{
    (void)state;
    uint8_t short_len[8] = {4, 0, 0, 7, 0, 0, 0, 1};
    assert_int_equal(ofp_peek_length(short_len, 8), 7);
    assert_int_equal(ofp_peek_length(short_len, 7), 0);
    struct ofp_msg m;
    assert_int_equal(ofp_decode(short_len, 8, &m), OFPERR_BAD_REQUEST_BAD_LEN);
    uint8_t bad_version[8] = {9, 2, 0, 8, 0, 0, 0, 1};
    assert_int_equal(ofp_decode(bad_version, 8, &m), OFPERR_BAD_REQUEST_BAD_VERSION);
    uint8_t bad_type[8] = {4, 99, 0, 8, 0, 0, 0, 1};
    assert_int_equal(ofp_decode(bad_type, 8, &m), OFPERR_BAD_REQUEST_BAD_TYPE);
    /* Any version may say hello. */
    uint8_t hello6[16] = {6, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x50};
    assert_int_equal(ofp_decode(hello6, 16, &m), 0);
    assert_int_equal(m.hello.bitmap, 0x50);
    ofp_msg_free(&m);
    /* A match whose OXM runs past its end. */
    uint8_t bad_oxm[] = {4, 14, 0, 64, 0, 0,  0,    1, /* flow mod fixed part */
                         0, 0,  0, 0,  0, 0,  0,    0, 0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                         0, 0,  0, 0,  0, 0,  0,    0, 0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                         0, 0,  0, 1,  0, 12, 0x80, 0, 0x18, 8, 1, 2, 3, 4, 0, 0, 0, 0};
    assert_int_equal(ofp_decode(bad_oxm, sizeof bad_oxm, &m), OFPERR_BAD_MATCH_BAD_LEN);
    assert_int_equal(ofp_err_type(OFPERR_BAD_MATCH_BAD_LEN), 4);
    assert_int_equal(ofp_err_code(OFPERR_BAD_MATCH_BAD_LEN), 1);
}

/* An empty message to build. */
static void msg_init(struct ofp_msg *m, uint8_t version, uint8_t type, uint32_t xid)
{
    memset(m, 0, sizeof *m);
    m->version = version;
    m->type = type;
    m->xid = xid;
}

static void test_built_messages(void **state)
{
    (void)state;
    /* A flow the controller installs: match, set-field, output, goto. */
    struct ofp_msg m;
    msg_init(&m, OFP13_VERSION, OFPT_FLOW_MOD, 42);
    struct ofp_flow_mod *fm = &m.flow_mod;
    fm->cookie = 0x02000000c6336401ull;
    fm->priority = 1000;
    fm->idle_timeout = 300;
    fm->buffer_id = OFP_NO_BUFFER;
    fm->out_port = OFPP_ANY;
    fm->out_group = OFPG_ANY;
    ofp_match_add_u16(&fm->match, OXM_ETH_TYPE, 0x0800);
    ofp_match_add_u32(&fm->match, OXM_IPV4_DST, 0xc6336401);
    struct ofp_instruction *in = ofp_instructions_push(&fm->instructions, OFPIT_APPLY_ACTIONS);
    uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    ofp_action_set_field(&in->actions, OXM_ETH_DST, mac, 6);
    ofp_actions_push(&in->actions, OFPAT_DEC_NW_TTL);
    ofp_action_output(&in->actions, 3);
    ofp_instructions_push(&fm->instructions, OFPIT_GOTO_TABLE)->table_id = 2;
    size_t len;
    uint8_t *wire = ofp_encode(&m, &len);
    assert_non_null(wire);
    assert_int_equal(len % 8, 0);
    struct ofp_msg d;
    assert_int_equal(ofp_decode(wire, len, &d), 0);
    assert_int_equal(d.xid, 42);
    assert_int_equal(d.flow_mod.priority, 1000);
    assert_int_equal(d.flow_mod.idle_timeout, 300);
    assert_true(d.flow_mod.cookie == 0x02000000c6336401ull);
    const struct ofp_oxm *dst = ofp_match_find(&d.flow_mod.match, OXM_IPV4_DST);
    assert_non_null(dst);
    assert_int_equal(dst->value[0], 0xc6);
    assert_int_equal(d.flow_mod.instructions.n, 2);
    assert_int_equal(d.flow_mod.instructions.i[0].actions.n, 3);
    assert_int_equal(d.flow_mod.instructions.i[0].actions.a[2].port, 3);
    assert_int_equal(d.flow_mod.instructions.i[1].table_id, 2);
    /* The same flow in 1.0: one apply-actions list, no goto. */
    ofp_instructions_free(&fm->instructions);
    in = ofp_instructions_push(&fm->instructions, OFPIT_APPLY_ACTIONS);
    ofp_action_output(&in->actions, 3);
    m.version = OFP10_VERSION;
    uint8_t *wire10 = ofp_encode(&m, &len);
    assert_non_null(wire10);
    assert_int_equal(len, 72 + 8);
    struct ofp_msg d10;
    assert_int_equal(ofp_decode(wire10, len, &d10), 0);
    assert_int_equal(d10.flow_mod.priority, 1000);
    assert_non_null(ofp_match_find(&d10.flow_mod.match, OXM_IPV4_DST));
    /* What 1.0 cannot say is refused, not mangled. */
    ofp_instructions_push(&fm->instructions, OFPIT_GOTO_TABLE);
    assert_null(ofp_encode(&m, &len));
    free(wire);
    free(wire10);
    ofp_msg_free(&d);
    ofp_msg_free(&d10);
    ofp_msg_free(&m);
}

static const struct sample *sample(const char *name)
{
    for (size_t i = 0; i < n_samples; i++)
        if (!strcmp(samples[i].name, name))
            return &samples[i];
    fprintf(stderr, "corpus lacks %s\n", name);
    abort();
}

/* Decodes corpus sample 'name', and checks it encodes back to its bytes. */
static void decode_sample(const char *name, struct ofp_msg *m)
{
    const struct sample *s = sample(name);
    assert_int_equal(ofp_decode(s->data, s->len, m), 0);
    size_t len;
    uint8_t *out = ofp_encode(m, &len);
    assert_non_null(out);
    assert_int_equal(len, s->len);
    assert_memory_equal(out, s->data, len);
    free(out);
}

static void test_of10_statistics(void **state)
{
    (void)state;
    /* As Open vSwitch sends them (tests/data/ofp/make-corpus.py): ovs-ofctl's
     * table request, ovs-vswitchd's table and flow replies. */
    struct ofp_msg m;
    decode_sample("of10.hex:stats_request_1", &m);
    assert_int_equal(m.version, OFP10_VERSION);
    assert_int_equal(m.type, OFPT_MULTIPART_REQUEST);
    assert_int_equal(m.mp.mp_type, OFPMP_TABLE);
    ofp_msg_free(&m);
    decode_sample("of10.hex:stats_reply_3", &m);
    assert_int_equal(m.mp.mp_type, OFPMP_TABLE);
    assert_int_equal(m.mp.n, 254);
    assert_int_equal(m.mp.tables[0].table_id, 0);
    assert_int_equal(m.mp.tables[0].active_count, 3);
    assert_int_equal(m.mp.tables[0].lookup_count, 2);
    assert_int_equal(m.mp.tables[0].matched_count, 2);
    assert_int_equal(m.mp.tables[0].max_entries, 1000000);
    assert_int_equal(m.mp.tables[0].wildcards, 0x3fffff);
    assert_int_equal(m.mp.tables[253].table_id, 253);
    char *text = ofp_to_text(&m);
    assert_non_null(strstr(
        text, "tables[0]: table_id=0 name= wildcards=0x3fffff max_entries=1000000 active_count=3"));
    free(text);
    ofp_msg_free(&m);
    decode_sample("of10.hex:stats_reply_4", &m);
    assert_int_equal(m.mp.mp_type, OFPMP_FLOW);
    assert_int_equal(m.mp.n, 3);
    const struct ofp_flow_stats *f = &m.mp.flows[0];
    assert_true(f->cookie == 0x42);
    assert_int_equal(f->priority, 200);
    assert_int_equal(f->idle_timeout, 300);
    assert_true(f->packet_count == 1);
    const struct ofp_oxm *dst = ofp_match_find(&f->match, OXM_TCP_DST);
    assert_non_null(dst);
    assert_int_equal(dst->value[1], 80);
    assert_int_equal(f->instructions.n, 1);
    assert_int_equal(f->instructions.i[0].type, OFPIT_APPLY_ACTIONS);
    assert_int_equal(f->instructions.i[0].actions.n, 2);
    assert_int_equal(f->instructions.i[0].actions.a[1].port, 1);
    /* The flow that drops has no action at all. */
    assert_int_equal(m.mp.flows[2].instructions.i[0].actions.n, 0);
    json_t *j = ofp_to_json(&m);
    json_t *fl = json_array_get(json_object_get(j, "flows"), 0);
    assert_non_null(fl);
    assert_null(json_object_get(fl, "flags")); /* 1.3 only */
    assert_int_equal(json_integer_value(json_object_get(fl, "byte_count")), 118);
    json_decref(j);
    ofp_msg_free(&m);
}

static void test_of10_statistics_built(void **state)
{
    (void)state;
    /* A table reply and a flow reply the codec builds: their bytes, and
     * back. */
    struct ofp_msg m;
    msg_init(&m, OFP10_VERSION, OFPT_MULTIPART_REPLY, 7);
    m.mp.mp_type = OFPMP_TABLE;
    m.mp.n = 2;
    m.mp.tables = xcalloc(2, sizeof *m.mp.tables);
    m.mp.tables[0] = (struct ofp_table_stats){.table_id = 0,
                                              .active_count = 5,
                                              .lookup_count = 1ull << 40,
                                              .matched_count = 9,
                                              .name = "classifier",
                                              .wildcards = 0x3820ff,
                                              .max_entries = 4096};
    m.mp.tables[1] =
        (struct ofp_table_stats){.table_id = 1, .name = "a name of thirty-two characters!"};
    size_t len;
    uint8_t *wire = ofp_encode(&m, &len);
    assert_non_null(wire);
    assert_int_equal(len, 12 + 2 * 64);
    assert_memory_equal(wire + 12 + 4, "classifier\0", 11);
    assert_int_equal(wire[12 + 36], 0x00), assert_int_equal(wire[12 + 37], 0x38);
    struct ofp_msg d;
    assert_int_equal(ofp_decode(wire, len, &d), 0);
    assert_int_equal(d.mp.n, 2);
    assert_string_equal(d.mp.tables[0].name, "classifier");
    assert_string_equal(d.mp.tables[1].name, "a name of thirty-two characters!");
    assert_true(d.mp.tables[0].lookup_count == 1ull << 40);
    assert_int_equal(d.mp.tables[0].wildcards, 0x3820ff);
    assert_int_equal(d.mp.tables[0].max_entries, 4096);
    ofp_msg_free(&d);
    /* Table requests have no body; one with a body is refused. */
    wire[3] = 12, wire[1] = 16; /* a request of 12 bytes: the header and type */
    assert_int_equal(ofp_decode(wire, 12, &d), 0);
    assert_int_equal(d.mp.mp_type, OFPMP_TABLE);
    ofp_msg_free(&d);
    wire[3] = 16;
    assert_int_equal(ofp_decode(wire, 16, &d), OFPERR_BAD_REQUEST_BAD_LEN);
    /* A reply that ends inside an entry. */
    wire[1] = 17, wire[2] = 0, wire[3] = 12 + 63;
    assert_int_equal(ofp_decode(wire, 12 + 63, &d), OFPERR_BAD_REQUEST_BAD_LEN);
    free(wire);
    ofp_msg_free(&m);

    msg_init(&m, OFP10_VERSION, OFPT_MULTIPART_REPLY, 8);
    m.mp.mp_type = OFPMP_FLOW;
    m.mp.n = 1;
    m.mp.flows = xcalloc(1, sizeof *m.mp.flows);
    struct ofp_flow_stats *f = &m.mp.flows[0];
    f->table_id = 0, f->duration_sec = 12, f->duration_nsec = 5, f->priority = 7,
    f->hard_timeout = 60;
    f->cookie = 0x0102030405060708ull, f->packet_count = 3, f->byte_count = 300;
    ofp_match_add_u16(&f->match, OXM_ETH_TYPE, 0x0806);
    ofp_action_output(&ofp_instructions_push(&f->instructions, OFPIT_APPLY_ACTIONS)->actions,
                      OFPP_CONTROLLER);
    wire = ofp_encode(&m, &len);
    assert_non_null(wire);
    assert_int_equal(len, 12 + 88 + 8);
    assert_int_equal(wire[12], 0), assert_int_equal(wire[13], 96); /* the entry's length */
    assert_int_equal(ofp_decode(wire, len, &d), 0);
    assert_int_equal(d.mp.n, 1);
    assert_true(d.mp.flows[0].cookie == 0x0102030405060708ull);
    assert_int_equal(d.mp.flows[0].duration_nsec, 5);
    assert_int_equal(d.mp.flows[0].hard_timeout, 60);
    assert_int_equal(d.mp.flows[0].instructions.i[0].actions.a[0].port, OFPP_CONTROLLER);
    assert_non_null(ofp_match_find(&d.mp.flows[0].match, OXM_ETH_TYPE));
    ofp_msg_free(&d);
    /* An entry shorter than its fixed part, or longer than the message. */
    wire[13] = 80;
    assert_int_equal(ofp_decode(wire, len, &d), OFPERR_BAD_REQUEST_BAD_LEN);
    wire[13] = 104;
    assert_int_equal(ofp_decode(wire, len, &d), OFPERR_BAD_REQUEST_BAD_LEN);
    free(wire);
    /* What 1.0 cannot say is refused, not mangled. */
    ofp_instructions_push(&f->instructions, OFPIT_GOTO_TABLE);
    assert_null(ofp_encode(&m, &len));
    ofp_msg_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_round_trip),
        cmocka_unit_test(test_truncation_is_an_error),
        cmocka_unit_test(test_corruption_never_crashes),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_built_messages),
        cmocka_unit_test(test_of10_statistics),
        cmocka_unit_test(test_of10_statistics_built),
    };
    return cmocka_run_group_tests_name("ofp_codec", tests, setup, teardown);
}
