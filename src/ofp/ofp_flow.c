/* Flows: flow mod, flow removed, and flow and aggregate statistics (their
 * requests share a body), in 1.3 and 1.0 (1.0 has no flow removed here). */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- flow mod ---- */

static enum ofp_err flow_mod_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_flow_mod f;
    struct ofp_flow_mod *fm = &m->flow_mod;
    if (!OFP_PULL(c, &f))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    fm->cookie = be64toh(f.cookie), fm->cookie_mask = be64toh(f.cookie_mask);
    fm->table_id = f.table_id, fm->command = f.command;
    fm->idle_timeout = ntohs(f.idle_timeout), fm->hard_timeout = ntohs(f.hard_timeout);
    fm->priority = ntohs(f.priority), fm->buffer_id = ntohl(f.buffer_id);
    fm->out_port = ntohl(f.out_port), fm->out_group = ntohl(f.out_group);
    fm->flags = ntohs(f.flags);
    enum ofp_err e = ofp_match_decode13(c, &fm->match);
    return e ? e : ofp_instructions_decode(c, &fm->instructions);
}

/* 1.0's actions become one APPLY_ACTIONS instruction. */
static enum ofp_err flow_mod_decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw10_match mt;
    struct ofpw10_flow_mod f;
    struct ofp_flow_mod *fm = &m->flow_mod;
    if (!OFP_PULL(c, &mt) || !OFP_PULL(c, &f))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    ofp_match_decode10(&mt, &fm->match);
    fm->cookie = be64toh(f.cookie);
    fm->command = (uint8_t)ntohs(f.command);
    fm->idle_timeout = ntohs(f.idle_timeout), fm->hard_timeout = ntohs(f.hard_timeout);
    fm->priority = ntohs(f.priority), fm->buffer_id = ntohl(f.buffer_id);
    fm->out_port = ofp_port10to13(ntohs(f.out_port)), fm->out_group = OFPG_ANY;
    fm->flags = ntohs(f.flags);
    struct ofp_instruction *in = ofp_instructions_push(&fm->instructions, OFPIT_APPLY_ACTIONS);
    return ofp_actions_decode10(c, &in->actions);
}

static bool flow_mod_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    const struct ofp_flow_mod *fm = &m->flow_mod;
    struct ofpw13_flow_mod f;
    memset(&f, 0, sizeof f);
    f.cookie = htobe64(fm->cookie), f.cookie_mask = htobe64(fm->cookie_mask);
    f.table_id = fm->table_id, f.command = fm->command;
    f.idle_timeout = htons(fm->idle_timeout), f.hard_timeout = htons(fm->hard_timeout);
    f.priority = htons(fm->priority), f.buffer_id = htonl(fm->buffer_id);
    f.out_port = htonl(fm->out_port), f.out_group = htonl(fm->out_group);
    f.flags = htons(fm->flags);
    ofp_out_put(o, &f, sizeof f);
    ofp_match_encode13(o, &fm->match);
    ofp_instructions_encode(o, &fm->instructions);
    return true;
}

static bool flow_mod_encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    const struct ofp_flow_mod *fm = &m->flow_mod;
    uint16_t out10;
    if (!ofp_match_encode10(o, &fm->match) || !ofp_port13to10(fm->out_port, &out10) ||
        fm->instructions.n > 1 ||
        (fm->instructions.n == 1 && fm->instructions.i[0].type != OFPIT_APPLY_ACTIONS))
        return false;
    struct ofpw10_flow_mod f;
    memset(&f, 0, sizeof f);
    f.cookie = htobe64(fm->cookie), f.command = htons(fm->command);
    f.idle_timeout = htons(fm->idle_timeout), f.hard_timeout = htons(fm->hard_timeout);
    f.priority = htons(fm->priority), f.buffer_id = htonl(fm->buffer_id);
    f.out_port = htons(out10), f.flags = htons(fm->flags);
    ofp_out_put(o, &f, sizeof f);
    return fm->instructions.n == 0 || ofp_actions_encode10(o, &fm->instructions.i[0].actions);
}

static void flow_mod_free(struct ofp_msg *m)
{
    ofp_instructions_free(&m->flow_mod.instructions);
}

static void flow_mod_json(json_t *o, const struct ofp_msg *m)
{
    static const char *const cmds[] = {"add", "modify", "modify_strict", "delete", "delete_strict"};
    const struct ofp_flow_mod *fm = &m->flow_mod;
    json_object_set_new(o, "command", json_string(fm->command < 5 ? cmds[fm->command] : "other"));
    ofp_json_set_hex64(o, "cookie", fm->cookie);
    if (m->version == OFP13_VERSION) {
        ofp_json_set_hex64(o, "cookie_mask", fm->cookie_mask);
        json_object_set_new(o, "table_id", json_integer(fm->table_id));
    }
    json_object_set_new(o, "priority", json_integer(fm->priority));
    json_object_set_new(o, "idle_timeout", json_integer(fm->idle_timeout));
    json_object_set_new(o, "hard_timeout", json_integer(fm->hard_timeout));
    json_object_set_new(o, "buffer_id", json_integer(fm->buffer_id));
    ofp_json_set_port(o, "out_port", fm->out_port);
    if (m->version == OFP13_VERSION)
        json_object_set_new(o, "out_group", json_integer(fm->out_group));
    json_object_set_new(o, "flags", json_integer(fm->flags));
    json_object_set_new(o, "match", ofp_match_to_json(&fm->match));
    json_object_set_new(o, "instructions", ofp_instructions_json(&fm->instructions));
}

const struct ofp_msg_ops ofp_flow_mod_ops = {
    .decode13 = flow_mod_decode13,
    .decode10 = flow_mod_decode10,
    .encode13 = flow_mod_encode13,
    .encode10 = flow_mod_encode10,
    .free = flow_mod_free,
    .to_json = flow_mod_json,
};

/* ---- flow removed (1.3) ---- */

static enum ofp_err flow_removed_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_flow_removed f;
    if (!OFP_PULL(c, &f))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->flow_removed.cookie = be64toh(f.cookie), m->flow_removed.priority = ntohs(f.priority);
    m->flow_removed.reason = f.reason, m->flow_removed.table_id = f.table_id;
    m->flow_removed.duration_sec = ntohl(f.duration_sec);
    m->flow_removed.duration_nsec = ntohl(f.duration_nsec);
    m->flow_removed.idle_timeout = ntohs(f.idle_timeout);
    m->flow_removed.hard_timeout = ntohs(f.hard_timeout);
    m->flow_removed.packet_count = be64toh(f.packet_count);
    m->flow_removed.byte_count = be64toh(f.byte_count);
    enum ofp_err e = ofp_match_decode13(c, &m->flow_removed.match);
    return e ? e : c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
}

static bool flow_removed_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    struct ofpw13_flow_removed f;
    memset(&f, 0, sizeof f);
    f.cookie = htobe64(m->flow_removed.cookie), f.priority = htons(m->flow_removed.priority);
    f.reason = m->flow_removed.reason, f.table_id = m->flow_removed.table_id;
    f.duration_sec = htonl(m->flow_removed.duration_sec);
    f.duration_nsec = htonl(m->flow_removed.duration_nsec);
    f.idle_timeout = htons(m->flow_removed.idle_timeout);
    f.hard_timeout = htons(m->flow_removed.hard_timeout);
    f.packet_count = htobe64(m->flow_removed.packet_count);
    f.byte_count = htobe64(m->flow_removed.byte_count);
    ofp_out_put(o, &f, sizeof f);
    ofp_match_encode13(o, &m->flow_removed.match);
    return true;
}

static void flow_removed_json(json_t *o, const struct ofp_msg *m)
{
    static const char *const reasons[] = {"idle_timeout", "hard_timeout", "delete", "group_delete"};
    uint8_t r = m->flow_removed.reason;
    ofp_json_set_hex64(o, "cookie", m->flow_removed.cookie);
    json_object_set_new(o, "priority", json_integer(m->flow_removed.priority));
    json_object_set_new(o, "reason", json_string(r < 4 ? reasons[r] : "other"));
    json_object_set_new(o, "table_id", json_integer(m->flow_removed.table_id));
    json_object_set_new(o, "duration_sec", json_integer(m->flow_removed.duration_sec));
    json_object_set_new(o, "idle_timeout", json_integer(m->flow_removed.idle_timeout));
    json_object_set_new(o, "hard_timeout", json_integer(m->flow_removed.hard_timeout));
    json_object_set_new(o, "packet_count", json_integer((json_int_t)m->flow_removed.packet_count));
    json_object_set_new(o, "byte_count", json_integer((json_int_t)m->flow_removed.byte_count));
    json_object_set_new(o, "match", ofp_match_to_json(&m->flow_removed.match));
}

const struct ofp_msg_ops ofp_flow_removed_ops = {
    .decode13 = flow_removed_decode13,
    .encode13 = flow_removed_encode13,
    .to_json = flow_removed_json,
};

/* ---- flow and aggregate statistics requests: the same body ---- */

void ofp_flow_stats_request(struct ofp_msg *m, uint64_t cookie, uint64_t cookie_mask)
{
    memset(m, 0, sizeof *m);
    m->type = OFPT_MULTIPART_REQUEST;
    m->mp.mp_type = OFPMP_FLOW;
    m->mp.table_id = 0xff; /* all tables */
    m->mp.out_port = OFPP_ANY;
    m->mp.out_group = OFPG_ANY;
    m->mp.cookie = cookie;
    m->mp.cookie_mask = cookie_mask;
}

static enum ofp_err flow_request_decode13(struct ofp_cur *c, struct ofp_multipart *mp)
{
    struct ofpw13_flow_stats_request r;
    if (!OFP_PULL(c, &r))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->table_id = r.table_id, mp->out_port = ntohl(r.out_port);
    mp->out_group = ntohl(r.out_group);
    mp->cookie = be64toh(r.cookie), mp->cookie_mask = be64toh(r.cookie_mask);
    enum ofp_err e = ofp_match_decode13(c, &mp->match);
    return e ? e : c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
}

static enum ofp_err flow_request_decode10(struct ofp_cur *c, struct ofp_multipart *mp)
{
    struct ofpw10_match mt;
    struct ofpw10_flow_stats_request r;
    if (!OFP_PULL(c, &mt) || !OFP_PULL(c, &r) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    ofp_match_decode10(&mt, &mp->match);
    mp->table_id = r.table_id;
    mp->out_port = ofp_port10to13(ntohs(r.out_port));
    mp->out_group = OFPG_ANY;
    return 0;
}

static void flow_request_encode13(struct ofp_out *o, const struct ofp_multipart *mp)
{
    struct ofpw13_flow_stats_request r;
    memset(&r, 0, sizeof r);
    r.table_id = mp->table_id, r.out_port = htonl(mp->out_port);
    r.out_group = htonl(mp->out_group);
    r.cookie = htobe64(mp->cookie), r.cookie_mask = htobe64(mp->cookie_mask);
    ofp_out_put(o, &r, sizeof r);
    ofp_match_encode13(o, &mp->match);
}

static bool flow_request_encode10(struct ofp_out *o, const struct ofp_multipart *mp)
{
    uint16_t out10;
    if (!ofp_match_encode10(o, &mp->match) || !ofp_port13to10(mp->out_port, &out10))
        return false;
    uint8_t t[2] = {mp->table_id, 0};
    ofp_out_put(o, t, 2);
    ofp_out_put16(o, out10);
    return true;
}

static void flow_request_json(json_t *o, const struct ofp_multipart *mp)
{
    json_object_set_new(o, "table_id", json_integer(mp->table_id));
    ofp_json_set_port(o, "out_port", mp->out_port);
    json_object_set_new(o, "out_group", json_integer(mp->out_group));
    ofp_json_set_hex64(o, "cookie", mp->cookie);
    ofp_json_set_hex64(o, "cookie_mask", mp->cookie_mask);
    json_object_set_new(o, "match", ofp_match_to_json(&mp->match));
}

/* ---- flow statistics ---- */

/* A new zeroed entry at the end of the reply's flows. */
static struct ofp_flow_stats *push_flow(struct ofp_multipart *mp)
{
    mp->flows = xrealloc(mp->flows, (mp->n + 1) * sizeof *mp->flows);
    struct ofp_flow_stats *f = &mp->flows[mp->n++];
    memset(f, 0, sizeof *f);
    return f;
}

static enum ofp_err flow_stats_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    if (req)
        return flow_request_decode13(c, mp);
    while (c->left > 0) {
        struct ofpw13_flow_stats w;
        struct ofp_cur body;
        if (!ofp_cur_pull_entry(c, &w, sizeof w, &body))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        struct ofp_flow_stats *f = push_flow(mp);
        f->table_id = w.table_id;
        f->duration_sec = ntohl(w.duration_sec), f->duration_nsec = ntohl(w.duration_nsec);
        f->priority = ntohs(w.priority), f->idle_timeout = ntohs(w.idle_timeout);
        f->hard_timeout = ntohs(w.hard_timeout), f->flags = ntohs(w.flags);
        f->cookie = be64toh(w.cookie), f->packet_count = be64toh(w.packet_count);
        f->byte_count = be64toh(w.byte_count);
        enum ofp_err e = ofp_match_decode13(&body, &f->match);
        if (!e)
            e = ofp_instructions_decode(&body, &f->instructions);
        if (e)
            return e;
    }
    return 0;
}

static enum ofp_err flow_stats_decode10(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    if (req)
        return flow_request_decode10(c, mp);
    while (c->left > 0) {
        struct ofpw10_flow_stats w;
        struct ofp_cur body;
        if (!ofp_cur_pull_entry(c, &w, sizeof w, &body))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        struct ofp_flow_stats *f = push_flow(mp);
        f->table_id = w.table_id;
        ofp_match_decode10(&w.match, &f->match);
        f->duration_sec = ntohl(w.duration_sec), f->duration_nsec = ntohl(w.duration_nsec);
        f->priority = ntohs(w.priority), f->idle_timeout = ntohs(w.idle_timeout);
        f->hard_timeout = ntohs(w.hard_timeout);
        f->cookie = be64toh(w.cookie), f->packet_count = be64toh(w.packet_count);
        f->byte_count = be64toh(w.byte_count);
        struct ofp_instruction *in = ofp_instructions_push(&f->instructions, OFPIT_APPLY_ACTIONS);
        enum ofp_err e = ofp_actions_decode10(&body, &in->actions);
        if (e)
            return e;
    }
    return 0;
}

static void flow_stats_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    if (req) {
        flow_request_encode13(o, mp);
        return;
    }
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_flow_stats *f = &mp->flows[i];
        size_t start = o->len;
        struct ofpw13_flow_stats w;
        memset(&w, 0, sizeof w);
        w.table_id = f->table_id;
        w.duration_sec = htonl(f->duration_sec), w.duration_nsec = htonl(f->duration_nsec);
        w.priority = htons(f->priority), w.idle_timeout = htons(f->idle_timeout);
        w.hard_timeout = htons(f->hard_timeout), w.flags = htons(f->flags);
        w.cookie = htobe64(f->cookie), w.packet_count = htobe64(f->packet_count);
        w.byte_count = htobe64(f->byte_count);
        ofp_out_put(o, &w, sizeof w);
        ofp_match_encode13(o, &f->match);
        ofp_instructions_encode(o, &f->instructions);
        ofp_out_patch16(o, start, (uint16_t)(o->len - start));
    }
}

static bool flow_stats_encode10(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    if (req)
        return flow_request_encode10(o, mp);
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_flow_stats *f = &mp->flows[i];
        const struct ofp_instructions *in = &f->instructions;
        if (in->n > 1 || (in->n == 1 && in->i[0].type != OFPIT_APPLY_ACTIONS))
            return false;
        size_t start = o->len;
        uint8_t head[4] = {0, 0, f->table_id, 0};
        ofp_out_put(o, head, sizeof head);
        if (!ofp_match_encode10(o, &f->match))
            return false;
        ofp_out_put32(o, f->duration_sec), ofp_out_put32(o, f->duration_nsec);
        ofp_out_put16(o, f->priority), ofp_out_put16(o, f->idle_timeout);
        ofp_out_put16(o, f->hard_timeout);
        ofp_out_zeros(o, 6);
        ofp_out_put64(o, f->cookie), ofp_out_put64(o, f->packet_count);
        ofp_out_put64(o, f->byte_count);
        if (in->n == 1 && !ofp_actions_encode10(o, &in->i[0].actions))
            return false;
        if (o->len - start > UINT16_MAX)
            return false;
        ofp_out_patch16(o, start, (uint16_t)(o->len - start));
    }
    return true;
}

static void flow_stats_free(struct ofp_multipart *mp)
{
    if (mp->flows)
        for (size_t i = 0; i < mp->n; i++)
            ofp_instructions_free(&mp->flows[i].instructions);
    free(mp->flows);
}

static void flow_stats_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (req) {
        flow_request_json(o, mp);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_flow_stats *f = &mp->flows[i];
        json_t *e = json_object();
        ofp_json_set_hex64(e, "cookie", f->cookie);
        json_object_set_new(e, "table_id", json_integer(f->table_id));
        json_object_set_new(e, "duration_sec", json_integer(f->duration_sec));
        json_object_set_new(e, "priority", json_integer(f->priority));
        json_object_set_new(e, "idle_timeout", json_integer(f->idle_timeout));
        json_object_set_new(e, "hard_timeout", json_integer(f->hard_timeout));
        if (version == OFP13_VERSION)
            json_object_set_new(e, "flags", json_integer(f->flags));
        json_object_set_new(e, "packet_count", json_integer((json_int_t)f->packet_count));
        json_object_set_new(e, "byte_count", json_integer((json_int_t)f->byte_count));
        json_object_set_new(e, "match", ofp_match_to_json(&f->match));
        json_object_set_new(e, "instructions", ofp_instructions_json(&f->instructions));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "flows", arr);
}

const struct ofp_mp_ops ofp_mp_flow_ops = {
    .decode13 = flow_stats_decode13,
    .decode10 = flow_stats_decode10,
    .encode13 = flow_stats_encode13,
    .encode10 = flow_stats_encode10,
    .free = flow_stats_free,
    .to_json = flow_stats_json,
};

/* ---- aggregate statistics ---- */

/* The reply has the same layout in 1.0 and 1.3. */
static enum ofp_err aggregate_decode(struct ofp_cur *c, struct ofp_multipart *mp)
{
    struct ofpw13_aggregate_reply a;
    if (!OFP_PULL(c, &a) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->packet_count = be64toh(a.packet_count), mp->byte_count = be64toh(a.byte_count);
    mp->flow_count = ntohl(a.flow_count);
    return 0;
}

static enum ofp_err aggregate_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    return req ? flow_request_decode13(c, mp) : aggregate_decode(c, mp);
}

static enum ofp_err aggregate_decode10(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    return req ? flow_request_decode10(c, mp) : aggregate_decode(c, mp);
}

static void aggregate_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    if (req) {
        flow_request_encode13(o, mp);
        return;
    }
    struct ofpw13_aggregate_reply a;
    memset(&a, 0, sizeof a);
    a.packet_count = htobe64(mp->packet_count), a.byte_count = htobe64(mp->byte_count);
    a.flow_count = htonl(mp->flow_count);
    ofp_out_put(o, &a, sizeof a);
}

static bool aggregate_encode10(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    if (req)
        return flow_request_encode10(o, mp);
    ofp_out_put64(o, mp->packet_count), ofp_out_put64(o, mp->byte_count);
    ofp_out_put32(o, mp->flow_count);
    ofp_out_zeros(o, 4);
    return true;
}

static void aggregate_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (req) {
        flow_request_json(o, mp);
        return;
    }
    json_object_set_new(o, "packet_count", json_integer((json_int_t)mp->packet_count));
    json_object_set_new(o, "byte_count", json_integer((json_int_t)mp->byte_count));
    json_object_set_new(o, "flow_count", json_integer(mp->flow_count));
}

const struct ofp_mp_ops ofp_mp_aggregate_ops = {
    .decode13 = aggregate_decode13,
    .decode10 = aggregate_decode10,
    .encode13 = aggregate_encode13,
    .encode10 = aggregate_encode10,
    .to_json = aggregate_json,
};
