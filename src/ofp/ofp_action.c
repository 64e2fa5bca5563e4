/* Actions and instructions: 1.3 actions (1.0's are read into the nearest
 * 1.3 ones and written back from them), instructions, their builders and
 * their JSON. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- actions ---- */

struct ofp_action *ofp_actions_push(struct ofp_actions *a, uint16_t type)
{
    a->a = xrealloc(a->a, (a->n + 1) * sizeof *a->a);
    struct ofp_action *x = &a->a[a->n++];
    memset(x, 0, sizeof *x);
    x->type = type;
    return x;
}

void ofp_action_output(struct ofp_actions *a, uint32_t port)
{
    struct ofp_action *x = ofp_actions_push(a, OFPAT_OUTPUT);
    x->port = port;
    x->max_len = port == OFPP_CONTROLLER ? OFPCML_NO_BUFFER : 0;
}

void ofp_action_set_field(struct ofp_actions *a, uint8_t field, const void *value, size_t len)
{
    struct ofp_action *x = ofp_actions_push(a, OFPAT_SET_FIELD);
    x->field.oxm_class = OXM_CLASS_BASIC;
    x->field.field = field;
    x->field.len = (uint8_t)len;
    memcpy(x->field.value, value, len);
}

void ofp_actions_free(struct ofp_actions *a)
{
    free(a->a);
    a->a = NULL;
    a->n = 0;
}

/* Takes the next type-length item (an action or an instruction: 16-bit type
 * and length, the length a multiple of 8 covering the header) from 'c';
 * 'body' gets what follows its 4-byte header. */
static enum ofp_err pull_tlv(struct ofp_cur *c, uint16_t *type, size_t *len, struct ofp_cur *body,
                             enum ofp_err bad_len)
{
    struct ofpw_action_header h; /* same layout as an instruction header */
    struct ofp_cur peek = *c;
    if (!OFP_PULL(&peek, &h))
        return bad_len;
    *len = ntohs(h.len);
    *type = ntohs(h.type);
    if (*len < 8 || *len % 8 || !ofp_cur_sub(c, *len, body))
        return bad_len;
    ofp_cur_pull(body, 4);
    return 0;
}

enum ofp_err ofp_actions_decode13(struct ofp_cur *c, struct ofp_actions *out)
{
    out->n = 0;
    out->a = NULL;
    while (c->left > 0) {
        uint16_t type;
        size_t len;
        struct ofp_cur body;
        enum ofp_err e = pull_tlv(c, &type, &len, &body, OFPERR_BAD_ACTION_BAD_LEN);
        if (e)
            return e;
        struct ofp_action *a = ofp_actions_push(out, type);
        const uint8_t *p = body.p;
        switch (type) {
        case OFPAT_OUTPUT:
            if (len != 16)
                return OFPERR_BAD_ACTION_BAD_LEN;
            a->port = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            a->max_len = (uint16_t)(p[4] << 8 | p[5]);
            break;
        case OFPAT_GROUP:
        case OFPAT_SET_QUEUE:
        case OFPAT_SET_MPLS_TTL:
        case OFPAT_SET_NW_TTL:
        case OFPAT_PUSH_VLAN:
            if (len != 8)
                return OFPERR_BAD_ACTION_BAD_LEN;
            if (type == OFPAT_GROUP || type == OFPAT_SET_QUEUE)
                a->arg = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            else if (type == OFPAT_PUSH_VLAN)
                a->arg = (uint32_t)(p[0] << 8 | p[1]);
            else
                a->arg = p[0];
            break;
        case OFPAT_COPY_TTL_OUT:
        case OFPAT_COPY_TTL_IN:
        case OFPAT_DEC_MPLS_TTL:
        case OFPAT_POP_VLAN:
        case OFPAT_DEC_NW_TTL:
            if (len != 8)
                return OFPERR_BAD_ACTION_BAD_LEN;
            break;
        case OFPAT_SET_FIELD: {
            e = ofp_oxm_decode(&body, &a->field);
            if (e || a->field.hasmask)
                return e ? OFPERR_BAD_ACTION_BAD_LEN : OFPERR_BAD_ACTION_BAD_ARGUMENT;
            /* The rest is padding to 8 bytes, and nothing more. */
            if (len != (size_t)(4 + 4 + a->field.len + 7) / 8 * 8)
                return OFPERR_BAD_ACTION_BAD_LEN;
            break;
        }
        default:
            return OFPERR_BAD_ACTION_BAD_TYPE;
        }
    }
    return 0;
}

void ofp_actions_encode13(struct ofp_out *o, const struct ofp_actions *as)
{
    for (size_t i = 0; i < as->n; i++) {
        const struct ofp_action *a = &as->a[i];
        size_t start = o->len;
        ofp_out_put16(o, a->type);
        ofp_out_put16(o, 0);
        switch (a->type) {
        case OFPAT_OUTPUT:
            ofp_out_put32(o, a->port);
            ofp_out_put16(o, a->max_len);
            ofp_out_zeros(o, 6);
            break;
        case OFPAT_GROUP:
        case OFPAT_SET_QUEUE:
            ofp_out_put32(o, a->arg);
            break;
        case OFPAT_PUSH_VLAN:
            ofp_out_put16(o, (uint16_t)a->arg);
            ofp_out_zeros(o, 2);
            break;
        case OFPAT_SET_MPLS_TTL:
        case OFPAT_SET_NW_TTL: {
            uint8_t t[4] = {(uint8_t)a->arg, 0, 0, 0};
            ofp_out_put(o, t, 4);
            break;
        }
        case OFPAT_SET_FIELD:
            ofp_oxm_encode(o, &a->field);
            break;
        default:
            ofp_out_zeros(o, 4);
            break;
        }
        ofp_out_pad8(o, start);
        ofp_out_patch16(o, start + 2, (uint16_t)(o->len - start));
    }
}

/* 1.0 action types. */
enum {
    OFPAT10_OUTPUT = 0,
    OFPAT10_SET_VLAN_VID = 1,
    OFPAT10_SET_VLAN_PCP = 2,
    OFPAT10_STRIP_VLAN = 3,
    OFPAT10_SET_DL_SRC = 4,
    OFPAT10_SET_DL_DST = 5,
    OFPAT10_SET_NW_SRC = 6,
    OFPAT10_SET_NW_DST = 7,
    OFPAT10_SET_NW_TOS = 8,
    OFPAT10_SET_TP_SRC = 9,
    OFPAT10_SET_TP_DST = 10,
};

static const struct {
    uint16_t type10;
    uint8_t field;
    uint8_t len;
} set10[] = {
    {OFPAT10_SET_VLAN_VID, OXM_VLAN_VID, 2}, {OFPAT10_SET_VLAN_PCP, OXM_VLAN_PCP, 1},
    {OFPAT10_SET_DL_SRC, OXM_ETH_SRC, 6},    {OFPAT10_SET_DL_DST, OXM_ETH_DST, 6},
    {OFPAT10_SET_NW_SRC, OXM_IPV4_SRC, 4},   {OFPAT10_SET_NW_DST, OXM_IPV4_DST, 4},
    {OFPAT10_SET_NW_TOS, OXM_IP_DSCP, 1},    {OFPAT10_SET_TP_SRC, OXM_TCP_SRC, 2},
    {OFPAT10_SET_TP_DST, OXM_TCP_DST, 2},
};

enum ofp_err ofp_actions_decode10(struct ofp_cur *c, struct ofp_actions *out)
{
    out->n = 0;
    out->a = NULL;
    while (c->left > 0) {
        uint16_t type;
        size_t len;
        struct ofp_cur body;
        enum ofp_err e = pull_tlv(c, &type, &len, &body, OFPERR_BAD_ACTION_BAD_LEN);
        if (e)
            return e;
        const uint8_t *p = body.p;
        if (type == OFPAT10_OUTPUT) {
            if (len != 8)
                return OFPERR_BAD_ACTION_BAD_LEN;
            struct ofp_action *a = ofp_actions_push(out, OFPAT_OUTPUT);
            a->port = ofp_port10to13((uint16_t)(p[0] << 8 | p[1]));
            a->max_len = (uint16_t)(p[2] << 8 | p[3]);
            continue;
        }
        if (type == OFPAT10_STRIP_VLAN) {
            if (len != 8)
                return OFPERR_BAD_ACTION_BAD_LEN;
            ofp_actions_push(out, OFPAT_POP_VLAN);
            continue;
        }
        size_t i;
        for (i = 0; i < sizeof set10 / sizeof *set10; i++)
            if (set10[i].type10 == type)
                break;
        if (i == sizeof set10 / sizeof *set10)
            return OFPERR_BAD_ACTION_BAD_TYPE;
        size_t want = set10[i].len == 6 ? 16 : 8;
        if (len != want)
            return OFPERR_BAD_ACTION_BAD_LEN;
        uint8_t v[6];
        memcpy(v, p, set10[i].len);
        if (type == OFPAT10_SET_NW_TOS)
            v[0] >>= 2;
        ofp_action_set_field(out, set10[i].field, v, set10[i].len);
    }
    return 0;
}

bool ofp_actions_encode10(struct ofp_out *o, const struct ofp_actions *as)
{
    for (size_t i = 0; i < as->n; i++) {
        const struct ofp_action *a = &as->a[i];
        if (a->type == OFPAT_OUTPUT) {
            uint16_t p10;
            if (!ofp_port13to10(a->port, &p10))
                return false;
            ofp_out_put16(o, OFPAT10_OUTPUT), ofp_out_put16(o, 8);
            ofp_out_put16(o, p10), ofp_out_put16(o, a->max_len);
            continue;
        }
        if (a->type == OFPAT_POP_VLAN) {
            ofp_out_put16(o, OFPAT10_STRIP_VLAN), ofp_out_put16(o, 8), ofp_out_zeros(o, 4);
            continue;
        }
        if (a->type != OFPAT_SET_FIELD || a->field.oxm_class != OXM_CLASS_BASIC)
            return false;
        size_t j;
        for (j = 0; j < sizeof set10 / sizeof *set10; j++)
            if (set10[j].field == a->field.field)
                break;
        if (j == sizeof set10 / sizeof *set10)
            return false;
        size_t start = o->len;
        ofp_out_put16(o, set10[j].type10);
        ofp_out_put16(o, set10[j].len == 6 ? 16 : 8);
        uint8_t v[6];
        memcpy(v, a->field.value, set10[j].len);
        if (set10[j].type10 == OFPAT10_SET_NW_TOS)
            v[0] = (uint8_t)(v[0] << 2);
        ofp_out_put(o, v, set10[j].len);
        ofp_out_pad8(o, start);
    }
    return true;
}

/* ---- instructions ---- */

struct ofp_instruction *ofp_instructions_push(struct ofp_instructions *in, uint16_t type)
{
    in->i = xrealloc(in->i, (in->n + 1) * sizeof *in->i);
    struct ofp_instruction *x = &in->i[in->n++];
    memset(x, 0, sizeof *x);
    x->type = type;
    return x;
}

void ofp_instructions_free(struct ofp_instructions *in)
{
    for (size_t i = 0; i < in->n; i++)
        ofp_actions_free(&in->i[i].actions);
    free(in->i);
    in->i = NULL;
    in->n = 0;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64toh(v);
}

enum ofp_err ofp_instructions_decode(struct ofp_cur *c, struct ofp_instructions *out)
{
    out->n = 0;
    out->i = NULL;
    while (c->left > 0) {
        uint16_t type;
        size_t len;
        struct ofp_cur body;
        enum ofp_err e = pull_tlv(c, &type, &len, &body, OFPERR_BAD_INSTRUCTION_BAD_LEN);
        if (e)
            return e;
        struct ofp_instruction *in = ofp_instructions_push(out, type);
        const uint8_t *p = body.p;
        switch (type) {
        case OFPIT_GOTO_TABLE:
            if (len != 8)
                return OFPERR_BAD_INSTRUCTION_BAD_LEN;
            in->table_id = p[0];
            break;
        case OFPIT_METER:
            if (len != 8)
                return OFPERR_BAD_INSTRUCTION_BAD_LEN;
            in->meter_id = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            break;
        case OFPIT_WRITE_METADATA:
            if (len != 24)
                return OFPERR_BAD_INSTRUCTION_BAD_LEN;
            in->metadata = get64(p + 4);
            in->metadata_mask = get64(p + 12);
            break;
        case OFPIT_WRITE_ACTIONS:
        case OFPIT_APPLY_ACTIONS:
        case OFPIT_CLEAR_ACTIONS: {
            ofp_cur_pull(&body, 4);
            if (type == OFPIT_CLEAR_ACTIONS && body.left)
                return OFPERR_BAD_INSTRUCTION_BAD_LEN;
            e = ofp_actions_decode13(&body, &in->actions);
            if (e)
                return e;
            break;
        }
        default:
            return OFPERR_BAD_INSTRUCTION_UNKNOWN_INST;
        }
    }
    return 0;
}

void ofp_instructions_encode(struct ofp_out *o, const struct ofp_instructions *ins)
{
    for (size_t i = 0; i < ins->n; i++) {
        const struct ofp_instruction *in = &ins->i[i];
        size_t start = o->len;
        ofp_out_put16(o, in->type);
        ofp_out_put16(o, 0);
        switch (in->type) {
        case OFPIT_GOTO_TABLE: {
            uint8_t t[4] = {in->table_id, 0, 0, 0};
            ofp_out_put(o, t, 4);
            break;
        }
        case OFPIT_METER:
            ofp_out_put32(o, in->meter_id);
            break;
        case OFPIT_WRITE_METADATA:
            ofp_out_zeros(o, 4);
            ofp_out_put64(o, in->metadata);
            ofp_out_put64(o, in->metadata_mask);
            break;
        default:
            ofp_out_zeros(o, 4);
            ofp_actions_encode13(o, &in->actions);
            break;
        }
        ofp_out_patch16(o, start + 2, (uint16_t)(o->len - start));
    }
}

/* ---- JSON ---- */

json_t *ofp_actions_json(const struct ofp_actions *as)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < as->n; i++) {
        const struct ofp_action *a = &as->a[i];
        char *s = NULL;
        switch (a->type) {
        case OFPAT_OUTPUT: {
            char *p = ofp_port_str(a->port);
            s = a->port == OFPP_CONTROLLER && a->max_len != OFPCML_NO_BUFFER
                    ? xasprintf("output:%s:%u", p, a->max_len)
                    : xasprintf("output:%s", p);
            free(p);
            break;
        }
        case OFPAT_GROUP:
            s = xasprintf("group:%" PRIu32, a->arg);
            break;
        case OFPAT_SET_QUEUE:
            s = xasprintf("set_queue:%" PRIu32, a->arg);
            break;
        case OFPAT_SET_NW_TTL:
            s = xasprintf("set_nw_ttl:%" PRIu32, a->arg);
            break;
        case OFPAT_SET_MPLS_TTL:
            s = xasprintf("set_mpls_ttl:%" PRIu32, a->arg);
            break;
        case OFPAT_PUSH_VLAN:
            s = xasprintf("push_vlan:0x%04" PRIx32, a->arg);
            break;
        case OFPAT_POP_VLAN:
            s = xstrdup("pop_vlan");
            break;
        case OFPAT_DEC_NW_TTL:
            s = xstrdup("dec_ttl");
            break;
        case OFPAT_DEC_MPLS_TTL:
            s = xstrdup("dec_mpls_ttl");
            break;
        case OFPAT_COPY_TTL_IN:
            s = xstrdup("copy_ttl_in");
            break;
        case OFPAT_COPY_TTL_OUT:
            s = xstrdup("copy_ttl_out");
            break;
        case OFPAT_SET_FIELD: {
            char *k = ofp_oxm_key(&a->field), *v = ofp_oxm_value(&a->field);
            s = xasprintf("set_field:%s->%s", v, k);
            free(k), free(v);
            break;
        }
        default:
            s = xasprintf("action_%u", a->type);
        }
        json_array_append_new(arr, json_string(s));
        free(s);
    }
    return arr;
}

json_t *ofp_instructions_json(const struct ofp_instructions *ins)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ins->n; i++) {
        const struct ofp_instruction *in = &ins->i[i];
        json_t *o = NULL;
        switch (in->type) {
        case OFPIT_GOTO_TABLE:
            o = json_pack("{s:s, s:i}", "type", "goto_table", "table_id", in->table_id);
            break;
        case OFPIT_METER:
            o = json_pack("{s:s, s:I}", "type", "meter", "meter_id", (json_int_t)in->meter_id);
            break;
        case OFPIT_WRITE_METADATA: {
            char v[40];
            snprintf(v, sizeof v, "0x%" PRIx64 "/0x%" PRIx64, in->metadata, in->metadata_mask);
            o = json_pack("{s:s, s:s}", "type", "write_metadata", "metadata", v);
            break;
        }
        case OFPIT_CLEAR_ACTIONS:
            o = json_pack("{s:s}", "type", "clear_actions");
            break;
        default:
            o = json_pack("{s:s, s:o}", "type",
                          in->type == OFPIT_WRITE_ACTIONS ? "write_actions" : "apply_actions",
                          "actions", ofp_actions_json(&in->actions));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}
