/* Packets: packet in (a packet the switch sends up, with its match) and
 * packet out (a packet the controller sends, with its actions), in 1.3 and
 * 1.0. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ---- packet in ---- */

static enum ofp_err packet_in_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_packet_in p;
    if (!OFP_PULL(c, &p))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->packet_in.buffer_id = ntohl(p.buffer_id), m->packet_in.total_len = ntohs(p.total_len);
    m->packet_in.reason = p.reason, m->packet_in.table_id = p.table_id;
    m->packet_in.cookie = be64toh(p.cookie);
    enum ofp_err e = ofp_match_decode13(c, &m->packet_in.match);
    if (e)
        return e;
    if (!ofp_cur_pull(c, 2))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    ofp_cur_take_bytes(c, &m->packet_in.data);
    return 0;
}

/* 1.0 has no match in a packet in: its in_port becomes the match's. */
static enum ofp_err packet_in_decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw10_packet_in p;
    if (!OFP_PULL(c, &p))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->packet_in.buffer_id = ntohl(p.buffer_id), m->packet_in.total_len = ntohs(p.total_len);
    m->packet_in.reason = p.reason;
    ofp_match_add_u32(&m->packet_in.match, OXM_IN_PORT, ofp_port10to13(ntohs(p.in_port)));
    ofp_cur_take_bytes(c, &m->packet_in.data);
    return 0;
}

static bool packet_in_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    struct ofpw13_packet_in p;
    memset(&p, 0, sizeof p);
    p.buffer_id = htonl(m->packet_in.buffer_id), p.total_len = htons(m->packet_in.total_len);
    p.reason = m->packet_in.reason, p.table_id = m->packet_in.table_id;
    p.cookie = htobe64(m->packet_in.cookie);
    ofp_out_put(o, &p, sizeof p);
    ofp_match_encode13(o, &m->packet_in.match);
    ofp_out_zeros(o, 2);
    ofp_out_put(o, m->packet_in.data.data, m->packet_in.data.len);
    return true;
}

static bool packet_in_encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    uint32_t port = 0;
    uint16_t p10 = 0;
    ofp_match_in_port(&m->packet_in.match, &port); /* none: port 0 */
    if (!ofp_port13to10(port, &p10))
        return false;
    struct ofpw10_packet_in p;
    memset(&p, 0, sizeof p);
    p.buffer_id = htonl(m->packet_in.buffer_id), p.total_len = htons(m->packet_in.total_len);
    p.in_port = htons(p10), p.reason = m->packet_in.reason;
    ofp_out_put(o, &p, sizeof p);
    ofp_out_put(o, m->packet_in.data.data, m->packet_in.data.len);
    return true;
}

static void packet_in_free(struct ofp_msg *m)
{
    free(m->packet_in.data.data);
}

static void packet_in_json(json_t *o, const struct ofp_msg *m)
{
    static const char *const reasons[] = {"no_match", "action", "invalid_ttl"};
    uint8_t r = m->packet_in.reason;
    json_object_set_new(o, "buffer_id", json_integer(m->packet_in.buffer_id));
    json_object_set_new(o, "total_len", json_integer(m->packet_in.total_len));
    json_object_set_new(o, "reason", json_string(r < 3 ? reasons[r] : "other"));
    if (m->version == OFP13_VERSION) {
        json_object_set_new(o, "table_id", json_integer(m->packet_in.table_id));
        ofp_json_set_hex64(o, "cookie", m->packet_in.cookie);
    }
    json_object_set_new(o, "match", ofp_match_to_json(&m->packet_in.match));
    json_object_set_new(o, "data_len", json_integer((json_int_t)m->packet_in.data.len));
}

const struct ofp_msg_ops ofp_packet_in_ops = {
    .decode13 = packet_in_decode13,
    .decode10 = packet_in_decode10,
    .encode13 = packet_in_encode13,
    .encode10 = packet_in_encode10,
    .free = packet_in_free,
    .to_json = packet_in_json,
};

/* ---- packet out ---- */

static enum ofp_err packet_out_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_packet_out p;
    struct ofp_cur acts;
    if (!OFP_PULL(c, &p) || !ofp_cur_sub(c, ntohs(p.actions_len), &acts))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->packet_out.buffer_id = ntohl(p.buffer_id), m->packet_out.in_port = ntohl(p.in_port);
    enum ofp_err e = ofp_actions_decode13(&acts, &m->packet_out.actions);
    if (e)
        return e;
    ofp_cur_take_bytes(c, &m->packet_out.data);
    return 0;
}

static enum ofp_err packet_out_decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw10_packet_out p;
    struct ofp_cur acts;
    if (!OFP_PULL(c, &p) || !ofp_cur_sub(c, ntohs(p.actions_len), &acts))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->packet_out.buffer_id = ntohl(p.buffer_id);
    m->packet_out.in_port = ofp_port10to13(ntohs(p.in_port));
    enum ofp_err e = ofp_actions_decode10(&acts, &m->packet_out.actions);
    if (e)
        return e;
    ofp_cur_take_bytes(c, &m->packet_out.data);
    return 0;
}

static bool packet_out_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    size_t start = o->len;
    struct ofpw13_packet_out p;
    memset(&p, 0, sizeof p);
    p.buffer_id = htonl(m->packet_out.buffer_id), p.in_port = htonl(m->packet_out.in_port);
    ofp_out_put(o, &p, sizeof p);
    ofp_actions_encode13(o, &m->packet_out.actions);
    ofp_out_patch16(o, start + 8, (uint16_t)(o->len - start - sizeof p));
    ofp_out_put(o, m->packet_out.data.data, m->packet_out.data.len);
    return true;
}

static bool packet_out_encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    size_t start = o->len;
    uint16_t p10;
    if (!ofp_port13to10(m->packet_out.in_port, &p10))
        return false;
    struct ofpw10_packet_out p;
    memset(&p, 0, sizeof p);
    p.buffer_id = htonl(m->packet_out.buffer_id), p.in_port = htons(p10);
    ofp_out_put(o, &p, sizeof p);
    if (!ofp_actions_encode10(o, &m->packet_out.actions))
        return false;
    ofp_out_patch16(o, start + 6, (uint16_t)(o->len - start - sizeof p));
    ofp_out_put(o, m->packet_out.data.data, m->packet_out.data.len);
    return true;
}

static void packet_out_free(struct ofp_msg *m)
{
    ofp_actions_free(&m->packet_out.actions);
    free(m->packet_out.data.data);
}

static void packet_out_json(json_t *o, const struct ofp_msg *m)
{
    json_object_set_new(o, "buffer_id", json_integer(m->packet_out.buffer_id));
    ofp_json_set_port(o, "in_port", m->packet_out.in_port);
    json_object_set_new(o, "actions", ofp_actions_json(&m->packet_out.actions));
    json_object_set_new(o, "data_len", json_integer((json_int_t)m->packet_out.data.len));
}

const struct ofp_msg_ops ofp_packet_out_ops = {
    .decode13 = packet_out_decode13,
    .decode10 = packet_out_decode10,
    .encode13 = packet_out_encode13,
    .encode10 = packet_out_encode10,
    .free = packet_out_free,
    .to_json = packet_out_json,
};
