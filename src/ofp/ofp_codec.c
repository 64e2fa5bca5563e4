/* OpenFlow decode and encode: the header, the dispatch on the message type
 * (the table of operations below), and the small messages (hello, error,
 * echo, features, config, barrier, role).  The other messages are in their
 * family's file (see ofp_priv.h), each with its 1.3 and 1.0 decoders and
 * encoders, its free and its JSON: a new message adds a family's functions
 * and a row of the table.
 *
 * Decoders read through bounds-checked cursors (ofp_buf.h) and return an
 * OpenFlow error for anything malformed; encoders produce the canonical form
 * (zero padding, lengths computed), so decode -> encode of a canonical
 * message gives back the same bytes. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp/ofp_priv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- errors ---- */

const char *ofp_err_name(enum ofp_err e)
{
    switch (e) {
    case OFPERR_NONE:
        return "OK";
#define OFP_ERR_CASE(name, type, code)                                                             \
    case name:                                                                                     \
        return #name;
        OFP_ERR_LIST(OFP_ERR_CASE)
#undef OFP_ERR_CASE
    }
    return "OFPERR_UNKNOWN";
}

uint16_t ofp_err_type(enum ofp_err e)
{
    return (uint16_t)(((uint32_t)e >> 16) & 0x3fff);
}

uint16_t ofp_err_code(enum ofp_err e)
{
    return (uint16_t)((uint32_t)e & 0xffff);
}

/* ---- the small messages ---- */

static json_t *hex_json(const struct ofp_bytes *b)
{
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < b->len; i++)
        strbuf_printf(&sb, "%02x", b->data[i]);
    json_t *s = json_string(sb.s);
    strbuf_free(&sb);
    return s;
}

/* FEATURES_REQUEST, GET_CONFIG_REQUEST, BARRIER_REQUEST, BARRIER_REPLY. */
static enum ofp_err empty_decode(struct ofp_cur *c, struct ofp_msg *m)
{
    return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
}

static bool empty_encode(struct ofp_out *o, const struct ofp_msg *m)
{
    return true;
}

static const struct ofp_msg_ops empty_ops = {
    .decode13 = empty_decode,
    .decode10 = empty_decode,
    .encode13 = empty_encode,
    .encode10 = empty_encode,
};

/* Any version's hello has this layout. */
static enum ofp_err hello_decode(struct ofp_cur *c, struct ofp_msg *m)
{
    while (c->left >= 4) {
        struct ofpw_hello_elem e;
        struct ofp_cur peek = *c;
        if (!OFP_PULL(&peek, &e))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        size_t len = ntohs(e.length);
        struct ofp_cur body;
        if (len < 4 || !ofp_cur_sub(c, len, &body))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        size_t pad = (len + 7) / 8 * 8 - len;
        ofp_cur_pull(c, pad < c->left ? pad : c->left);
        ofp_cur_pull(&body, 4);
        if (ntohs(e.type) == 1 && body.left >= 4) {
            const uint8_t *p = body.p;
            m->hello.bitmap =
                (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        }
    }
    return 0;
}

static bool hello_encode(struct ofp_out *o, const struct ofp_msg *m)
{
    if (m->hello.bitmap) {
        ofp_out_put16(o, 1), ofp_out_put16(o, 8), ofp_out_put32(o, m->hello.bitmap);
    }
    return true;
}

static void hello_json(json_t *o, const struct ofp_msg *m)
{
    json_t *v = json_array();
    for (int i = 1; i < 32; i++)
        if (m->hello.bitmap & (1u << i))
            json_array_append_new(v, json_string(i == 1   ? "1.0"
                                                 : i == 4 ? "1.3"
                                                 : i == 2 ? "1.1"
                                                 : i == 3 ? "1.2"
                                                 : i == 5 ? "1.4"
                                                 : i == 6 ? "1.5"
                                                          : "other"));
    json_object_set_new(o, "versions", v);
}

static const struct ofp_msg_ops hello_ops = {
    .decode13 = hello_decode,
    .decode10 = hello_decode,
    .encode13 = hello_encode,
    .encode10 = hello_encode,
    .to_json = hello_json,
};

static enum ofp_err error_decode(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw_error e;
    if (!OFP_PULL(c, &e))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->error.type = ntohs(e.type), m->error.code = ntohs(e.code);
    ofp_cur_take_bytes(c, &m->error.data);
    return 0;
}

static bool error_encode(struct ofp_out *o, const struct ofp_msg *m)
{
    ofp_out_put16(o, m->error.type), ofp_out_put16(o, m->error.code);
    ofp_out_put(o, m->error.data.data, m->error.data.len);
    return true;
}

static void error_free(struct ofp_msg *m)
{
    free(m->error.data.data);
}

static void error_json(json_t *o, const struct ofp_msg *m)
{
    json_object_set_new(o, "error_type", json_integer(m->error.type));
    json_object_set_new(o, "error_code", json_integer(m->error.code));
    enum ofp_err e = (enum ofp_err)((uint32_t)m->error.type << 16 | m->error.code | 0x40000000);
    const char *n = ofp_err_name(e);
    if (strcmp(n, "OFPERR_UNKNOWN"))
        json_object_set_new(o, "error", json_string(n));
    json_object_set_new(o, "data", hex_json(&m->error.data));
}

static const struct ofp_msg_ops error_ops = {
    .decode13 = error_decode,
    .decode10 = error_decode,
    .encode13 = error_encode,
    .encode10 = error_encode,
    .free = error_free,
    .to_json = error_json,
};

/* ECHO_REQUEST, ECHO_REPLY. */
static enum ofp_err echo_decode(struct ofp_cur *c, struct ofp_msg *m)
{
    ofp_cur_take_bytes(c, &m->echo);
    return 0;
}

static bool echo_encode(struct ofp_out *o, const struct ofp_msg *m)
{
    ofp_out_put(o, m->echo.data, m->echo.len);
    return true;
}

static void echo_free(struct ofp_msg *m)
{
    free(m->echo.data);
}

static void echo_json(json_t *o, const struct ofp_msg *m)
{
    json_object_set_new(o, "data", hex_json(&m->echo));
}

static const struct ofp_msg_ops echo_ops = {
    .decode13 = echo_decode,
    .decode10 = echo_decode,
    .encode13 = echo_encode,
    .encode10 = echo_encode,
    .free = echo_free,
    .to_json = echo_json,
};

static enum ofp_err features_reply_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_features_reply f;
    if (!OFP_PULL(c, &f) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->features.datapath_id = be64toh(f.datapath_id), m->features.n_buffers = ntohl(f.n_buffers);
    m->features.n_tables = f.n_tables, m->features.auxiliary_id = f.auxiliary_id;
    m->features.capabilities = ntohl(f.capabilities);
    return 0;
}

/* 1.0's features reply also lists the ports. */
static enum ofp_err features_reply_decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw10_features_reply f;
    if (!OFP_PULL(c, &f) || c->left % sizeof(struct ofpw10_port))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->features.datapath_id = be64toh(f.datapath_id), m->features.n_buffers = ntohl(f.n_buffers);
    m->features.n_tables = f.n_tables, m->features.capabilities = ntohl(f.capabilities);
    m->features.actions = ntohl(f.actions);
    m->features.n_ports = c->left / sizeof(struct ofpw10_port);
    m->features.ports =
        m->features.n_ports ? xcalloc(m->features.n_ports, sizeof(struct ofp_port)) : NULL;
    for (size_t i = 0; i < m->features.n_ports; i++) {
        struct ofpw10_port p;
        OFP_PULL(c, &p);
        ofp_port_decode10(&p, &m->features.ports[i]);
    }
    return 0;
}

static bool features_reply_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    struct ofpw13_features_reply f;
    memset(&f, 0, sizeof f);
    f.datapath_id = htobe64(m->features.datapath_id), f.n_buffers = htonl(m->features.n_buffers);
    f.n_tables = m->features.n_tables, f.auxiliary_id = m->features.auxiliary_id;
    f.capabilities = htonl(m->features.capabilities);
    ofp_out_put(o, &f, sizeof f);
    return true;
}

static bool features_reply_encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    struct ofpw10_features_reply f;
    memset(&f, 0, sizeof f);
    f.datapath_id = htobe64(m->features.datapath_id), f.n_buffers = htonl(m->features.n_buffers);
    f.n_tables = m->features.n_tables, f.capabilities = htonl(m->features.capabilities);
    f.actions = htonl(m->features.actions);
    ofp_out_put(o, &f, sizeof f);
    for (size_t i = 0; i < m->features.n_ports; i++)
        if (!ofp_port_encode10(o, &m->features.ports[i]))
            return false;
    return true;
}

static void features_reply_free(struct ofp_msg *m)
{
    free(m->features.ports);
}

static void features_reply_json(json_t *o, const struct ofp_msg *m)
{
    char dp[17];
    snprintf(dp, sizeof dp, "%016" PRIx64, m->features.datapath_id);
    json_object_set_new(o, "datapath_id", json_string(dp));
    json_object_set_new(o, "n_buffers", json_integer(m->features.n_buffers));
    json_object_set_new(o, "n_tables", json_integer(m->features.n_tables));
    if (m->version == OFP13_VERSION)
        json_object_set_new(o, "auxiliary_id", json_integer(m->features.auxiliary_id));
    json_object_set_new(o, "capabilities", json_integer(m->features.capabilities));
    if (m->version == OFP10_VERSION) {
        json_object_set_new(o, "actions", json_integer(m->features.actions));
        json_t *arr = json_array();
        for (size_t i = 0; i < m->features.n_ports; i++)
            json_array_append_new(arr, ofp_port_json(&m->features.ports[i]));
        json_object_set_new(o, "ports", arr);
    }
}

static const struct ofp_msg_ops features_reply_ops = {
    .decode13 = features_reply_decode13,
    .decode10 = features_reply_decode10,
    .encode13 = features_reply_encode13,
    .encode10 = features_reply_encode10,
    .free = features_reply_free,
    .to_json = features_reply_json,
};

/* GET_CONFIG_REPLY, SET_CONFIG. */
static enum ofp_err config_decode(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw_switch_config s;
    if (!OFP_PULL(c, &s) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->config.flags = ntohs(s.flags), m->config.miss_send_len = ntohs(s.miss_send_len);
    return 0;
}

static bool config_encode(struct ofp_out *o, const struct ofp_msg *m)
{
    ofp_out_put16(o, m->config.flags), ofp_out_put16(o, m->config.miss_send_len);
    return true;
}

static void config_json(json_t *o, const struct ofp_msg *m)
{
    json_object_set_new(o, "flags", json_integer(m->config.flags));
    json_object_set_new(o, "miss_send_len", json_integer(m->config.miss_send_len));
}

static const struct ofp_msg_ops config_ops = {
    .decode13 = config_decode,
    .decode10 = config_decode,
    .encode13 = config_encode,
    .encode10 = config_encode,
    .to_json = config_json,
};

/* ROLE_REQUEST, ROLE_REPLY (1.3 only). */
static enum ofp_err role_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_role_request r;
    if (!OFP_PULL(c, &r) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->role.role = ntohl(r.role), m->role.generation_id = be64toh(r.generation_id);
    return 0;
}

static bool role_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    ofp_out_put32(o, m->role.role);
    ofp_out_zeros(o, 4);
    ofp_out_put64(o, m->role.generation_id);
    return true;
}

static void role_json(json_t *o, const struct ofp_msg *m)
{
    static const char *const roles[] = {"nochange", "equal", "master", "slave"};
    json_object_set_new(o, "role", json_string(m->role.role < 4 ? roles[m->role.role] : "other"));
    ofp_json_set_hex64(o, "generation_id", m->role.generation_id);
}

static const struct ofp_msg_ops role_ops = {
    .decode13 = role_decode13,
    .encode13 = role_encode13,
    .to_json = role_json,
};

/* ---- the dispatch ---- */

/* By 1.3 type number; 1.0's numbers are mapped to these first.  A type with
 * a name but no operations is named in prints, and refused by the decoder
 * (BAD_TYPE) and the encoder. */
static const struct {
    const char *name;
    const struct ofp_msg_ops *ops;
} msg_types[] = {
    [OFPT_HELLO] = {"HELLO", &hello_ops},
    [OFPT_ERROR] = {"ERROR", &error_ops},
    [OFPT_ECHO_REQUEST] = {"ECHO_REQUEST", &echo_ops},
    [OFPT_ECHO_REPLY] = {"ECHO_REPLY", &echo_ops},
    [OFPT_EXPERIMENTER] = {"EXPERIMENTER", NULL},
    [OFPT_FEATURES_REQUEST] = {"FEATURES_REQUEST", &empty_ops},
    [OFPT_FEATURES_REPLY] = {"FEATURES_REPLY", &features_reply_ops},
    [OFPT_GET_CONFIG_REQUEST] = {"GET_CONFIG_REQUEST", &empty_ops},
    [OFPT_GET_CONFIG_REPLY] = {"GET_CONFIG_REPLY", &config_ops},
    [OFPT_SET_CONFIG] = {"SET_CONFIG", &config_ops},
    [OFPT_PACKET_IN] = {"PACKET_IN", &ofp_packet_in_ops},
    [OFPT_FLOW_REMOVED] = {"FLOW_REMOVED", &ofp_flow_removed_ops},
    [OFPT_PORT_STATUS] = {"PORT_STATUS", &ofp_port_status_ops},
    [OFPT_PACKET_OUT] = {"PACKET_OUT", &ofp_packet_out_ops},
    [OFPT_FLOW_MOD] = {"FLOW_MOD", &ofp_flow_mod_ops},
    [OFPT_GROUP_MOD] = {"GROUP_MOD", &ofp_group_mod_ops},
    [OFPT_MULTIPART_REQUEST] = {"MULTIPART_REQUEST", &ofp_multipart_ops},
    [OFPT_MULTIPART_REPLY] = {"MULTIPART_REPLY", &ofp_multipart_ops},
    [OFPT_BARRIER_REQUEST] = {"BARRIER_REQUEST", &empty_ops},
    [OFPT_BARRIER_REPLY] = {"BARRIER_REPLY", &empty_ops},
    [OFPT_ROLE_REQUEST] = {"ROLE_REQUEST", &role_ops},
    [OFPT_ROLE_REPLY] = {"ROLE_REPLY", &role_ops},
};

const struct ofp_msg_ops *ofp_msg_type_ops(uint8_t type)
{
    return type < sizeof msg_types / sizeof *msg_types ? msg_types[type].ops : NULL;
}

const char *ofp_type_name(uint8_t type)
{
    if (type < sizeof msg_types / sizeof *msg_types && msg_types[type].name)
        return msg_types[type].name;
    return "UNKNOWN";
}

size_t ofp_peek_length(const uint8_t *data, size_t len)
{
    return len < OFP_HEADER_LEN ? 0 : (size_t)(data[2] << 8 | data[3]);
}

/* 1.0 type numbers that differ from 1.3's. */
enum {
    OFPT10_PORT_MOD = 15,
    OFPT10_STATS_REQUEST = 16,
    OFPT10_STATS_REPLY = 17,
    OFPT10_BARRIER_REQUEST = 18,
    OFPT10_BARRIER_REPLY = 19
};

static int type10to13(uint8_t t)
{
    switch (t) {
    case OFPT10_STATS_REQUEST:
        return OFPT_MULTIPART_REQUEST;
    case OFPT10_STATS_REPLY:
        return OFPT_MULTIPART_REPLY;
    case OFPT10_BARRIER_REQUEST:
        return OFPT_BARRIER_REQUEST;
    case OFPT10_BARRIER_REPLY:
        return OFPT_BARRIER_REPLY;
    case OFPT10_PORT_MOD:
        return -1;
    default:
        return t <= OFPT_FLOW_MOD ? t : -1;
    }
}

static int type13to10(uint8_t t)
{
    switch (t) {
    case OFPT_MULTIPART_REQUEST:
        return OFPT10_STATS_REQUEST;
    case OFPT_MULTIPART_REPLY:
        return OFPT10_STATS_REPLY;
    case OFPT_BARRIER_REQUEST:
        return OFPT10_BARRIER_REQUEST;
    case OFPT_BARRIER_REPLY:
        return OFPT10_BARRIER_REPLY;
    default:
        return t <= OFPT_FLOW_MOD ? t : -1;
    }
}

enum ofp_err ofp_decode(const uint8_t *data, size_t len, struct ofp_msg *m)
{
    memset(m, 0, sizeof *m);
    struct ofp_cur c = {data, len};
    struct ofpw_header h;
    if (!OFP_PULL(&c, &h) || ntohs(h.length) != len)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->version = h.version;
    m->xid = ntohl(h.xid);
    enum ofp_err e;
    if (h.version == OFP13_VERSION) {
        m->type = h.type;
        const struct ofp_msg_ops *ops = ofp_msg_type_ops(m->type);
        e = ops && ops->decode13 ? ops->decode13(&c, m) : OFPERR_BAD_REQUEST_BAD_TYPE;
    } else if (h.version == OFP10_VERSION) {
        int t = type10to13(h.type);
        if (t < 0)
            return OFPERR_BAD_REQUEST_BAD_TYPE;
        m->type = (uint8_t)t;
        const struct ofp_msg_ops *ops = ofp_msg_type_ops(m->type);
        e = ops && ops->decode10 ? ops->decode10(&c, m) : OFPERR_BAD_REQUEST_BAD_TYPE;
    } else if (h.type == OFPT_HELLO) {
        /* Any version may say hello: negotiation picks the common one. */
        m->type = OFPT_HELLO;
        e = hello_decode(&c, m);
    } else {
        return OFPERR_BAD_REQUEST_BAD_VERSION;
    }
    if (e)
        ofp_msg_free(m);
    return e;
}

uint8_t *ofp_encode(const struct ofp_msg *m, size_t *len)
{
    struct ofp_out o = {0};
    int type = m->version == OFP10_VERSION ? type13to10(m->type) : m->type;
    if (type < 0)
        return NULL;
    uint8_t h[4] = {m->version, (uint8_t)type, 0, 0}; /* the length is patched in below */
    ofp_out_put(&o, h, 4);
    ofp_out_put32(&o, m->xid);
    const struct ofp_msg_ops *ops = ofp_msg_type_ops(m->type);
    bool ok;
    if (m->version == OFP13_VERSION)
        ok = ops && ops->encode13 && ops->encode13(&o, m);
    else if (m->version == OFP10_VERSION)
        ok = ops && ops->encode10 && ops->encode10(&o, m);
    else
        ok = m->type == OFPT_HELLO && hello_encode(&o, m); /* hello only: as in decoding */
    if (!ok || o.len > OFP_MAX_MSG_LEN) {
        free(o.d);
        return NULL;
    }
    ofp_out_patch16(&o, 2, (uint16_t)o.len);
    *len = o.len;
    return o.d;
}

void ofp_msg_free(struct ofp_msg *m)
{
    if (!m)
        return;
    const struct ofp_msg_ops *ops = ofp_msg_type_ops(m->type);
    if (ops && ops->free)
        ops->free(m);
    memset(m, 0, sizeof *m);
}
