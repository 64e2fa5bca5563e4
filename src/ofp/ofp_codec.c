/* OpenFlow decode and encode: one pair per message, pure.
 *
 * Decoders read through bounds-checked cursors (ofp_buf.h) and return an
 * OpenFlow error for anything malformed; encoders produce the canonical form
 * (zero padding, lengths computed), so decode -> encode of a canonical
 * message gives back the same bytes. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ofp/ofp_priv.h"
#include "util/xalloc.h"

/* ---- errors and names ---- */

const char *ofp_err_name(enum ofp_err e)
{
    switch (e) {
    case OFPERR_NONE:
        return "OK";
#define OFP_ERR_CASE(name, type, code)                                                                         \
    case name:                                                                                                 \
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

/* ---- buckets ---- */

static void buckets_free(struct ofp_bucket *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ofp_actions_free(&b[i].actions);
    free(b);
}

static enum ofp_err decode_buckets(struct ofp_cur *c, struct ofp_bucket **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    while (c->left > 0) {
        struct ofpw13_bucket w;
        struct ofp_cur peek = *c;
        if (!OFP_PULL(&peek, &w))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        size_t len = ntohs(w.len);
        struct ofp_cur body;
        if (len < sizeof w || len % 8 || !ofp_cur_sub(c, len, &body))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        ofp_cur_pull(&body, sizeof w);
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        struct ofp_bucket *b = &(*out)[(*n)++];
        memset(b, 0, sizeof *b);
        b->weight = ntohs(w.weight);
        b->watch_port = ntohl(w.watch_port);
        b->watch_group = ntohl(w.watch_group);
        enum ofp_err e = ofp_actions_decode13(&body, &b->actions);
        if (e)
            return e;
    }
    return 0;
}

static void encode_buckets(struct ofp_out *o, const struct ofp_bucket *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t start = o->len;
        struct ofpw13_bucket w;
        memset(&w, 0, sizeof w);
        w.weight = htons(b[i].weight);
        w.watch_port = htonl(b[i].watch_port);
        w.watch_group = htonl(b[i].watch_group);
        ofp_out_put(o, &w, sizeof w);
        ofp_actions_encode13(o, &b[i].actions);
        ofp_out_patch16(o, start, (uint16_t)(o->len - start));
    }
}

static void copy_str(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- messages ---- */

size_t ofp_peek_length(const uint8_t *data, size_t len)
{
    return len < OFP_HEADER_LEN ? 0 : (size_t)(data[2] << 8 | data[3]);
}

/* 1.0 type numbers that differ from 1.3's. */
enum { OFPT10_PORT_MOD = 15, OFPT10_STATS_REQUEST = 16, OFPT10_STATS_REPLY = 17, OFPT10_BARRIER_REQUEST = 18,
       OFPT10_BARRIER_REPLY = 19 };

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

static enum ofp_err decode_hello(struct ofp_cur *c, struct ofp_msg *m)
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
        ofp_cur_pull(c, ((len + 7) / 8 * 8 - len) < c->left ? (len + 7) / 8 * 8 - len : c->left);
        ofp_cur_pull(&body, 4);
        if (ntohs(e.type) == 1 && body.left >= 4) {
            const uint8_t *p = body.p;
            m->hello.bitmap = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        }
    }
    return 0;
}

/* A new zeroed entry at the end of the reply's flows. */
static struct ofp_flow_stats *push_flow(struct ofp_multipart *mp)
{
    mp->flows = xrealloc(mp->flows, (mp->n + 1) * sizeof *mp->flows);
    struct ofp_flow_stats *f = &mp->flows[mp->n++];
    memset(f, 0, sizeof *f);
    return f;
}

static enum ofp_err decode_flow_stats13(struct ofp_cur *c, struct ofp_multipart *mp)
{
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

static enum ofp_err decode_multipart13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofp_multipart *mp = &m->mp;
    struct ofpw13_multipart w;
    if (!OFP_PULL(c, &w))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->mp_type = ntohs(w.type);
    mp->flags = ntohs(w.flags);
    bool req = m->type == OFPT_MULTIPART_REQUEST;
    switch (mp->mp_type) {
    case OFPMP_DESC:
        if (req)
            return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
        {
            struct ofpw_desc d;
            if (!OFP_PULL(c, &d) || c->left)
                return OFPERR_BAD_REQUEST_BAD_LEN;
            copy_str(mp->mfr_desc, d.mfr_desc, 256), copy_str(mp->hw_desc, d.hw_desc, 256);
            copy_str(mp->sw_desc, d.sw_desc, 256), copy_str(mp->serial_num, d.serial_num, 32);
            copy_str(mp->dp_desc, d.dp_desc, 256);
        }
        return 0;
    case OFPMP_FLOW:
    case OFPMP_AGGREGATE:
        if (req) {
            struct ofpw13_flow_stats_request r;
            if (!OFP_PULL(c, &r))
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->table_id = r.table_id, mp->out_port = ntohl(r.out_port), mp->out_group = ntohl(r.out_group);
            mp->cookie = be64toh(r.cookie), mp->cookie_mask = be64toh(r.cookie_mask);
            enum ofp_err e = ofp_match_decode13(c, &mp->match);
            return e ? e : c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
        }
        if (mp->mp_type == OFPMP_FLOW)
            return decode_flow_stats13(c, mp);
        {
            struct ofpw13_aggregate_reply a;
            if (!OFP_PULL(c, &a) || c->left)
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->packet_count = be64toh(a.packet_count), mp->byte_count = be64toh(a.byte_count);
            mp->flow_count = ntohl(a.flow_count);
        }
        return 0;
    case OFPMP_TABLE:
        if (req)
            return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
        while (c->left) {
            struct ofpw13_table_stats t;
            if (!OFP_PULL(c, &t))
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->tables = xrealloc(mp->tables, (mp->n + 1) * sizeof *mp->tables);
            mp->tables[mp->n++] = (struct ofp_table_stats){.table_id = t.table_id,
                                                           .active_count = ntohl(t.active_count),
                                                           .lookup_count = be64toh(t.lookup_count),
                                                           .matched_count = be64toh(t.matched_count)};
        }
        return 0;
    case OFPMP_PORT_STATS:
        if (req) {
            struct ofpw13_port_stats_request r;
            if (!OFP_PULL(c, &r) || c->left)
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->port_no = ntohl(r.port_no);
            return 0;
        }
        while (c->left) {
            struct ofpw13_port_stats s;
            if (!OFP_PULL(c, &s))
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->port_stats = xrealloc(mp->port_stats, (mp->n + 1) * sizeof *mp->port_stats);
            mp->port_stats[mp->n++] = (struct ofp_port_stats){
                ntohl(s.port_no),          be64toh(s.rx_packets),   be64toh(s.tx_packets), be64toh(s.rx_bytes),
                be64toh(s.tx_bytes),       be64toh(s.rx_dropped),   be64toh(s.tx_dropped), be64toh(s.rx_errors),
                be64toh(s.tx_errors),      be64toh(s.rx_frame_err), be64toh(s.rx_over_err),
                be64toh(s.rx_crc_err),     be64toh(s.collisions),   ntohl(s.duration_sec),
                ntohl(s.duration_nsec)};
        }
        return 0;
    case OFPMP_GROUP:
        if (req) {
            struct ofpw13_group_stats_request r;
            if (!OFP_PULL(c, &r) || c->left)
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->group_id = ntohl(r.group_id);
            return 0;
        }
        while (c->left) {
            struct ofpw13_group_stats g;
            struct ofp_cur body;
            if (!ofp_cur_pull_entry(c, &g, sizeof g, &body) || body.left % 16)
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->groups = xrealloc(mp->groups, (mp->n + 1) * sizeof *mp->groups);
            struct ofp_group_stats *s = &mp->groups[mp->n++];
            memset(s, 0, sizeof *s);
            s->group_id = ntohl(g.group_id), s->ref_count = ntohl(g.ref_count);
            s->packet_count = be64toh(g.packet_count), s->byte_count = be64toh(g.byte_count);
            s->duration_sec = ntohl(g.duration_sec), s->duration_nsec = ntohl(g.duration_nsec);
            s->n_buckets = body.left / 16;
            s->bucket_counters = s->n_buckets ? xmalloc(s->n_buckets * sizeof *s->bucket_counters) : NULL;
            for (size_t i = 0; i < s->n_buckets; i++) {
                struct ofpw13_bucket_counter bc;
                OFP_PULL(&body, &bc);
                s->bucket_counters[i][0] = be64toh(bc.packet_count);
                s->bucket_counters[i][1] = be64toh(bc.byte_count);
            }
        }
        return 0;
    case OFPMP_GROUP_DESC:
        if (req)
            return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
        while (c->left) {
            struct ofpw13_group_desc g;
            struct ofp_cur body;
            if (!ofp_cur_pull_entry(c, &g, sizeof g, &body))
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->group_descs = xrealloc(mp->group_descs, (mp->n + 1) * sizeof *mp->group_descs);
            struct ofp_group_desc *d = &mp->group_descs[mp->n++];
            memset(d, 0, sizeof *d);
            d->type = g.type;
            d->group_id = ntohl(g.group_id);
            enum ofp_err e = decode_buckets(&body, &d->buckets, &d->n_buckets);
            if (e)
                return e;
        }
        return 0;
    case OFPMP_PORT_DESC:
        if (req)
            return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
        while (c->left) {
            struct ofpw13_port p;
            if (!OFP_PULL(c, &p))
                return OFPERR_BAD_REQUEST_BAD_LEN;
            mp->ports = xrealloc(mp->ports, (mp->n + 1) * sizeof *mp->ports);
            ofp_port_decode13(&p, &mp->ports[mp->n++]);
        }
        return 0;
    default:
        return OFPERR_BAD_REQUEST_BAD_MULTIPART;
    }
}

static enum ofp_err decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    switch (m->type) {
    case OFPT_HELLO:
        return decode_hello(c, m);
    case OFPT_ERROR: {
        struct ofpw_error e;
        if (!OFP_PULL(c, &e))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->error.type = ntohs(e.type), m->error.code = ntohs(e.code);
        ofp_cur_take_bytes(c, &m->error.data);
        return 0;
    }
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
        ofp_cur_take_bytes(c, &m->echo);
        return 0;
    case OFPT_FEATURES_REQUEST:
    case OFPT_GET_CONFIG_REQUEST:
    case OFPT_BARRIER_REQUEST:
    case OFPT_BARRIER_REPLY:
        return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
    case OFPT_FEATURES_REPLY: {
        struct ofpw13_features_reply f;
        if (!OFP_PULL(c, &f) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->features.datapath_id = be64toh(f.datapath_id), m->features.n_buffers = ntohl(f.n_buffers);
        m->features.n_tables = f.n_tables, m->features.auxiliary_id = f.auxiliary_id;
        m->features.capabilities = ntohl(f.capabilities);
        return 0;
    }
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_SET_CONFIG: {
        struct ofpw_switch_config s;
        if (!OFP_PULL(c, &s) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->config.flags = ntohs(s.flags), m->config.miss_send_len = ntohs(s.miss_send_len);
        return 0;
    }
    case OFPT_PACKET_IN: {
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
    case OFPT_FLOW_REMOVED: {
        struct ofpw13_flow_removed f;
        if (!OFP_PULL(c, &f))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->flow_removed.cookie = be64toh(f.cookie), m->flow_removed.priority = ntohs(f.priority);
        m->flow_removed.reason = f.reason, m->flow_removed.table_id = f.table_id;
        m->flow_removed.duration_sec = ntohl(f.duration_sec), m->flow_removed.duration_nsec = ntohl(f.duration_nsec);
        m->flow_removed.idle_timeout = ntohs(f.idle_timeout), m->flow_removed.hard_timeout = ntohs(f.hard_timeout);
        m->flow_removed.packet_count = be64toh(f.packet_count), m->flow_removed.byte_count = be64toh(f.byte_count);
        enum ofp_err e = ofp_match_decode13(c, &m->flow_removed.match);
        return e ? e : c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
    }
    case OFPT_PORT_STATUS: {
        struct ofpw_port_status s;
        struct ofpw13_port p;
        if (!OFP_PULL(c, &s) || !OFP_PULL(c, &p) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->port_status.reason = s.reason;
        ofp_port_decode13(&p, &m->port_status.desc);
        return 0;
    }
    case OFPT_PACKET_OUT: {
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
    case OFPT_FLOW_MOD: {
        struct ofpw13_flow_mod f;
        struct ofp_flow_mod *fm = &m->flow_mod;
        if (!OFP_PULL(c, &f))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        fm->cookie = be64toh(f.cookie), fm->cookie_mask = be64toh(f.cookie_mask);
        fm->table_id = f.table_id, fm->command = f.command;
        fm->idle_timeout = ntohs(f.idle_timeout), fm->hard_timeout = ntohs(f.hard_timeout);
        fm->priority = ntohs(f.priority), fm->buffer_id = ntohl(f.buffer_id);
        fm->out_port = ntohl(f.out_port), fm->out_group = ntohl(f.out_group), fm->flags = ntohs(f.flags);
        enum ofp_err e = ofp_match_decode13(c, &fm->match);
        return e ? e : ofp_instructions_decode(c, &fm->instructions);
    }
    case OFPT_GROUP_MOD: {
        struct ofpw13_group_mod g;
        if (!OFP_PULL(c, &g))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->group_mod.command = ntohs(g.command), m->group_mod.type = g.type;
        m->group_mod.group_id = ntohl(g.group_id);
        return decode_buckets(c, &m->group_mod.buckets, &m->group_mod.n_buckets);
    }
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY:
        return decode_multipart13(c, m);
    case OFPT_ROLE_REQUEST:
    case OFPT_ROLE_REPLY: {
        struct ofpw13_role_request r;
        if (!OFP_PULL(c, &r) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->role.role = ntohl(r.role), m->role.generation_id = be64toh(r.generation_id);
        return 0;
    }
    default:
        return OFPERR_BAD_REQUEST_BAD_TYPE;
    }
}

/* 1.0 stats: desc, flow, aggregate and table, requests and replies. */
enum { OFPST10_DESC = 0, OFPST10_FLOW = 1, OFPST10_AGGREGATE = 2, OFPST10_TABLE = 3 };

static enum ofp_err decode_flow_stats10(struct ofp_cur *c, struct ofp_multipart *mp)
{
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

static enum ofp_err decode_table_stats10(struct ofp_cur *c, struct ofp_multipart *mp)
{
    if (c->left % sizeof(struct ofpw10_table_stats))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->n = c->left / sizeof(struct ofpw10_table_stats);
    mp->tables = mp->n ? xcalloc(mp->n, sizeof *mp->tables) : NULL;
    for (size_t i = 0; i < mp->n; i++) {
        struct ofpw10_table_stats w;
        struct ofp_table_stats *t = &mp->tables[i];
        OFP_PULL(c, &w);
        t->table_id = w.table_id;
        copy_str(t->name, w.name, sizeof w.name);
        t->wildcards = ntohl(w.wildcards), t->max_entries = ntohl(w.max_entries);
        t->active_count = ntohl(w.active_count);
        t->lookup_count = be64toh(w.lookup_count), t->matched_count = be64toh(w.matched_count);
    }
    return 0;
}

static enum ofp_err decode_stats10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofp_multipart *mp = &m->mp;
    struct ofpw10_stats w;
    if (!OFP_PULL(c, &w))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->mp_type = ntohs(w.type);
    mp->flags = ntohs(w.flags);
    bool req = m->type == OFPT_MULTIPART_REQUEST;
    if (mp->mp_type == OFPST10_DESC) {
        if (req)
            return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
        struct ofpw_desc d;
        if (!OFP_PULL(c, &d) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        copy_str(mp->mfr_desc, d.mfr_desc, 256), copy_str(mp->hw_desc, d.hw_desc, 256);
        copy_str(mp->sw_desc, d.sw_desc, 256), copy_str(mp->serial_num, d.serial_num, 32);
        copy_str(mp->dp_desc, d.dp_desc, 256);
        return 0;
    }
    if ((mp->mp_type == OFPST10_FLOW || mp->mp_type == OFPST10_AGGREGATE) && req) {
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
    if (mp->mp_type == OFPST10_FLOW && !req)
        return decode_flow_stats10(c, mp);
    if (mp->mp_type == OFPST10_AGGREGATE && !req) {
        struct ofpw13_aggregate_reply a; /* same layout in 1.0 */
        if (!OFP_PULL(c, &a) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        mp->packet_count = be64toh(a.packet_count), mp->byte_count = be64toh(a.byte_count);
        mp->flow_count = ntohl(a.flow_count);
        return 0;
    }
    if (mp->mp_type == OFPST10_TABLE)
        return req ? (c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0) : decode_table_stats10(c, mp);
    return OFPERR_BAD_REQUEST_BAD_MULTIPART;
}

static enum ofp_err decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    switch (m->type) {
    case OFPT_HELLO:
    case OFPT_ERROR:
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
    case OFPT_FEATURES_REQUEST:
    case OFPT_GET_CONFIG_REQUEST:
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_SET_CONFIG:
    case OFPT_BARRIER_REQUEST:
    case OFPT_BARRIER_REPLY:
        return decode13(c, m); /* same layouts */
    case OFPT_FEATURES_REPLY: {
        struct ofpw10_features_reply f;
        if (!OFP_PULL(c, &f) || c->left % sizeof(struct ofpw10_port))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->features.datapath_id = be64toh(f.datapath_id), m->features.n_buffers = ntohl(f.n_buffers);
        m->features.n_tables = f.n_tables, m->features.capabilities = ntohl(f.capabilities);
        m->features.actions = ntohl(f.actions);
        m->features.n_ports = c->left / sizeof(struct ofpw10_port);
        m->features.ports = m->features.n_ports ? xcalloc(m->features.n_ports, sizeof(struct ofp_port)) : NULL;
        for (size_t i = 0; i < m->features.n_ports; i++) {
            struct ofpw10_port p;
            OFP_PULL(c, &p);
            ofp_port_decode10(&p, &m->features.ports[i]);
        }
        return 0;
    }
    case OFPT_PACKET_IN: {
        struct ofpw10_packet_in p;
        if (!OFP_PULL(c, &p))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->packet_in.buffer_id = ntohl(p.buffer_id), m->packet_in.total_len = ntohs(p.total_len);
        m->packet_in.reason = p.reason;
        ofp_match_add_u32(&m->packet_in.match, OXM_IN_PORT, ofp_port10to13(ntohs(p.in_port)));
        ofp_cur_take_bytes(c, &m->packet_in.data);
        return 0;
    }
    case OFPT_PORT_STATUS: {
        struct ofpw_port_status s;
        struct ofpw10_port p;
        if (!OFP_PULL(c, &s) || !OFP_PULL(c, &p) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        m->port_status.reason = s.reason;
        ofp_port_decode10(&p, &m->port_status.desc);
        return 0;
    }
    case OFPT_PACKET_OUT: {
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
    case OFPT_FLOW_MOD: {
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
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY:
        return decode_stats10(c, m);
    default:
        return OFPERR_BAD_REQUEST_BAD_TYPE;
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
        e = decode13(&c, m);
    } else if (h.version == OFP10_VERSION) {
        int t = type10to13(h.type);
        if (t < 0)
            return OFPERR_BAD_REQUEST_BAD_TYPE;
        m->type = (uint8_t)t;
        e = decode10(&c, m);
    } else if (h.type == OFPT_HELLO) {
        /* Any version may say hello: negotiation picks the common one. */
        m->type = OFPT_HELLO;
        e = decode_hello(&c, m);
    } else {
        return OFPERR_BAD_REQUEST_BAD_VERSION;
    }
    if (e)
        ofp_msg_free(m);
    return e;
}

static void encode_desc(struct ofp_out *o, const struct ofp_multipart *mp)
{
    struct ofpw_desc d;
    memset(&d, 0, sizeof d);
    memcpy(d.mfr_desc, mp->mfr_desc, strnlen(mp->mfr_desc, sizeof d.mfr_desc));
    memcpy(d.hw_desc, mp->hw_desc, strnlen(mp->hw_desc, sizeof d.hw_desc));
    memcpy(d.sw_desc, mp->sw_desc, strnlen(mp->sw_desc, sizeof d.sw_desc));
    memcpy(d.serial_num, mp->serial_num, strnlen(mp->serial_num, sizeof d.serial_num));
    memcpy(d.dp_desc, mp->dp_desc, strnlen(mp->dp_desc, sizeof d.dp_desc));
    ofp_out_put(o, &d, sizeof d);
}

static void encode_multipart13(struct ofp_out *o, const struct ofp_msg *m)
{
    const struct ofp_multipart *mp = &m->mp;
    bool req = m->type == OFPT_MULTIPART_REQUEST;
    ofp_out_put16(o, mp->mp_type);
    ofp_out_put16(o, mp->flags);
    ofp_out_zeros(o, 4);
    switch (mp->mp_type) {
    case OFPMP_DESC:
        if (!req)
            encode_desc(o, mp);
        break;
    case OFPMP_FLOW:
    case OFPMP_AGGREGATE:
        if (req) {
            struct ofpw13_flow_stats_request r;
            memset(&r, 0, sizeof r);
            r.table_id = mp->table_id, r.out_port = htonl(mp->out_port), r.out_group = htonl(mp->out_group);
            r.cookie = htobe64(mp->cookie), r.cookie_mask = htobe64(mp->cookie_mask);
            ofp_out_put(o, &r, sizeof r);
            ofp_match_encode13(o, &mp->match);
        } else if (mp->mp_type == OFPMP_AGGREGATE) {
            struct ofpw13_aggregate_reply a;
            memset(&a, 0, sizeof a);
            a.packet_count = htobe64(mp->packet_count), a.byte_count = htobe64(mp->byte_count);
            a.flow_count = htonl(mp->flow_count);
            ofp_out_put(o, &a, sizeof a);
        } else {
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
        break;
    case OFPMP_TABLE:
        for (size_t i = 0; !req && i < mp->n; i++) {
            struct ofpw13_table_stats t;
            memset(&t, 0, sizeof t);
            t.table_id = mp->tables[i].table_id, t.active_count = htonl(mp->tables[i].active_count);
            t.lookup_count = htobe64(mp->tables[i].lookup_count);
            t.matched_count = htobe64(mp->tables[i].matched_count);
            ofp_out_put(o, &t, sizeof t);
        }
        break;
    case OFPMP_PORT_STATS:
        if (req) {
            ofp_out_put32(o, mp->port_no);
            ofp_out_zeros(o, 4);
        }
        for (size_t i = 0; !req && i < mp->n; i++) {
            const struct ofp_port_stats *s = &mp->port_stats[i];
            struct ofpw13_port_stats w;
            memset(&w, 0, sizeof w);
            w.port_no = htonl(s->port_no);
            w.rx_packets = htobe64(s->rx_packets), w.tx_packets = htobe64(s->tx_packets);
            w.rx_bytes = htobe64(s->rx_bytes), w.tx_bytes = htobe64(s->tx_bytes);
            w.rx_dropped = htobe64(s->rx_dropped), w.tx_dropped = htobe64(s->tx_dropped);
            w.rx_errors = htobe64(s->rx_errors), w.tx_errors = htobe64(s->tx_errors);
            w.rx_frame_err = htobe64(s->rx_frame_err), w.rx_over_err = htobe64(s->rx_over_err);
            w.rx_crc_err = htobe64(s->rx_crc_err), w.collisions = htobe64(s->collisions);
            w.duration_sec = htonl(s->duration_sec), w.duration_nsec = htonl(s->duration_nsec);
            ofp_out_put(o, &w, sizeof w);
        }
        break;
    case OFPMP_GROUP:
        if (req) {
            ofp_out_put32(o, mp->group_id);
            ofp_out_zeros(o, 4);
        }
        for (size_t i = 0; !req && i < mp->n; i++) {
            const struct ofp_group_stats *s = &mp->groups[i];
            struct ofpw13_group_stats w;
            memset(&w, 0, sizeof w);
            w.length = htons((uint16_t)(sizeof w + 16 * s->n_buckets));
            w.group_id = htonl(s->group_id), w.ref_count = htonl(s->ref_count);
            w.packet_count = htobe64(s->packet_count), w.byte_count = htobe64(s->byte_count);
            w.duration_sec = htonl(s->duration_sec), w.duration_nsec = htonl(s->duration_nsec);
            ofp_out_put(o, &w, sizeof w);
            for (size_t b = 0; b < s->n_buckets; b++) {
                ofp_out_put64(o, s->bucket_counters[b][0]);
                ofp_out_put64(o, s->bucket_counters[b][1]);
            }
        }
        break;
    case OFPMP_GROUP_DESC:
        for (size_t i = 0; !req && i < mp->n; i++) {
            const struct ofp_group_desc *d = &mp->group_descs[i];
            size_t start = o->len;
            ofp_out_put16(o, 0);
            uint8_t t[2] = {d->type, 0};
            ofp_out_put(o, t, 2);
            ofp_out_put32(o, d->group_id);
            encode_buckets(o, d->buckets, d->n_buckets);
            ofp_out_patch16(o, start, (uint16_t)(o->len - start));
        }
        break;
    case OFPMP_PORT_DESC:
        for (size_t i = 0; !req && i < mp->n; i++)
            ofp_port_encode13(o, &mp->ports[i]);
        break;
    }
}

static bool encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    switch (m->type) {
    case OFPT_HELLO:
        if (m->hello.bitmap) {
            ofp_out_put16(o, 1), ofp_out_put16(o, 8), ofp_out_put32(o, m->hello.bitmap);
        }
        return true;
    case OFPT_ERROR:
        ofp_out_put16(o, m->error.type), ofp_out_put16(o, m->error.code);
        ofp_out_put(o, m->error.data.data, m->error.data.len);
        return true;
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
        ofp_out_put(o, m->echo.data, m->echo.len);
        return true;
    case OFPT_FEATURES_REQUEST:
    case OFPT_GET_CONFIG_REQUEST:
    case OFPT_BARRIER_REQUEST:
    case OFPT_BARRIER_REPLY:
        return true;
    case OFPT_FEATURES_REPLY: {
        struct ofpw13_features_reply f;
        memset(&f, 0, sizeof f);
        f.datapath_id = htobe64(m->features.datapath_id), f.n_buffers = htonl(m->features.n_buffers);
        f.n_tables = m->features.n_tables, f.auxiliary_id = m->features.auxiliary_id;
        f.capabilities = htonl(m->features.capabilities);
        ofp_out_put(o, &f, sizeof f);
        return true;
    }
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_SET_CONFIG:
        ofp_out_put16(o, m->config.flags), ofp_out_put16(o, m->config.miss_send_len);
        return true;
    case OFPT_PACKET_IN: {
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
    case OFPT_FLOW_REMOVED: {
        struct ofpw13_flow_removed f;
        memset(&f, 0, sizeof f);
        f.cookie = htobe64(m->flow_removed.cookie), f.priority = htons(m->flow_removed.priority);
        f.reason = m->flow_removed.reason, f.table_id = m->flow_removed.table_id;
        f.duration_sec = htonl(m->flow_removed.duration_sec), f.duration_nsec = htonl(m->flow_removed.duration_nsec);
        f.idle_timeout = htons(m->flow_removed.idle_timeout), f.hard_timeout = htons(m->flow_removed.hard_timeout);
        f.packet_count = htobe64(m->flow_removed.packet_count), f.byte_count = htobe64(m->flow_removed.byte_count);
        ofp_out_put(o, &f, sizeof f);
        ofp_match_encode13(o, &m->flow_removed.match);
        return true;
    }
    case OFPT_PORT_STATUS: {
        uint8_t r[8] = {m->port_status.reason};
        ofp_out_put(o, r, 8);
        ofp_port_encode13(o, &m->port_status.desc);
        return true;
    }
    case OFPT_PACKET_OUT: {
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
    case OFPT_FLOW_MOD: {
        const struct ofp_flow_mod *fm = &m->flow_mod;
        struct ofpw13_flow_mod f;
        memset(&f, 0, sizeof f);
        f.cookie = htobe64(fm->cookie), f.cookie_mask = htobe64(fm->cookie_mask);
        f.table_id = fm->table_id, f.command = fm->command;
        f.idle_timeout = htons(fm->idle_timeout), f.hard_timeout = htons(fm->hard_timeout);
        f.priority = htons(fm->priority), f.buffer_id = htonl(fm->buffer_id);
        f.out_port = htonl(fm->out_port), f.out_group = htonl(fm->out_group), f.flags = htons(fm->flags);
        ofp_out_put(o, &f, sizeof f);
        ofp_match_encode13(o, &fm->match);
        ofp_instructions_encode(o, &fm->instructions);
        return true;
    }
    case OFPT_GROUP_MOD:
        ofp_out_put16(o, m->group_mod.command);
        {
            uint8_t t[2] = {m->group_mod.type, 0};
            ofp_out_put(o, t, 2);
        }
        ofp_out_put32(o, m->group_mod.group_id);
        encode_buckets(o, m->group_mod.buckets, m->group_mod.n_buckets);
        return true;
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY:
        encode_multipart13(o, m);
        return true;
    case OFPT_ROLE_REQUEST:
    case OFPT_ROLE_REPLY:
        ofp_out_put32(o, m->role.role);
        ofp_out_zeros(o, 4);
        ofp_out_put64(o, m->role.generation_id);
        return true;
    }
    return false;
}

static bool encode_flow_stats10(struct ofp_out *o, const struct ofp_multipart *mp)
{
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
        ofp_out_put16(o, f->priority), ofp_out_put16(o, f->idle_timeout), ofp_out_put16(o, f->hard_timeout);
        ofp_out_zeros(o, 6);
        ofp_out_put64(o, f->cookie), ofp_out_put64(o, f->packet_count), ofp_out_put64(o, f->byte_count);
        if (in->n == 1 && !ofp_actions_encode10(o, &in->i[0].actions))
            return false;
        if (o->len - start > UINT16_MAX)
            return false;
        ofp_out_patch16(o, start, (uint16_t)(o->len - start));
    }
    return true;
}

static void encode_table_stats10(struct ofp_out *o, const struct ofp_multipart *mp)
{
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_table_stats *t = &mp->tables[i];
        struct ofpw10_table_stats w;
        memset(&w, 0, sizeof w);
        w.table_id = t->table_id;
        memcpy(w.name, t->name, strnlen(t->name, sizeof w.name));
        w.wildcards = htonl(t->wildcards), w.max_entries = htonl(t->max_entries);
        w.active_count = htonl(t->active_count);
        w.lookup_count = htobe64(t->lookup_count), w.matched_count = htobe64(t->matched_count);
        ofp_out_put(o, &w, sizeof w);
    }
}

static bool encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    switch (m->type) {
    case OFPT_HELLO:
    case OFPT_ERROR:
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
    case OFPT_FEATURES_REQUEST:
    case OFPT_GET_CONFIG_REQUEST:
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_SET_CONFIG:
    case OFPT_BARRIER_REQUEST:
    case OFPT_BARRIER_REPLY:
        return encode13(o, m);
    case OFPT_FEATURES_REPLY: {
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
    case OFPT_PACKET_IN: {
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
    case OFPT_PORT_STATUS: {
        uint8_t r[8] = {m->port_status.reason};
        ofp_out_put(o, r, 8);
        return ofp_port_encode10(o, &m->port_status.desc);
    }
    case OFPT_PACKET_OUT: {
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
    case OFPT_FLOW_MOD: {
        const struct ofp_flow_mod *fm = &m->flow_mod;
        uint16_t out10;
        if (!ofp_match_encode10(o, &fm->match) || !ofp_port13to10(fm->out_port, &out10) || fm->instructions.n > 1 ||
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
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY: {
        const struct ofp_multipart *mp = &m->mp;
        bool req = m->type == OFPT_MULTIPART_REQUEST;
        ofp_out_put16(o, mp->mp_type), ofp_out_put16(o, mp->flags);
        if (mp->mp_type == OFPST10_DESC) {
            if (!req)
                encode_desc(o, mp);
            return true;
        }
        if ((mp->mp_type == OFPST10_FLOW || mp->mp_type == OFPST10_AGGREGATE) && req) {
            uint16_t out10;
            if (!ofp_match_encode10(o, &mp->match) || !ofp_port13to10(mp->out_port, &out10))
                return false;
            uint8_t t[2] = {mp->table_id, 0};
            ofp_out_put(o, t, 2);
            ofp_out_put16(o, out10);
            return true;
        }
        if (mp->mp_type == OFPST10_FLOW)
            return encode_flow_stats10(o, mp);
        if (mp->mp_type == OFPST10_AGGREGATE) {
            ofp_out_put64(o, mp->packet_count), ofp_out_put64(o, mp->byte_count), ofp_out_put32(o, mp->flow_count);
            ofp_out_zeros(o, 4);
            return true;
        }
        if (mp->mp_type == OFPST10_TABLE) {
            if (!req)
                encode_table_stats10(o, mp);
            return true;
        }
        return false;
    }
    }
    return false;
}

uint8_t *ofp_encode(const struct ofp_msg *m, size_t *len)
{
    struct ofp_out o = {0};
    int type = m->version == OFP10_VERSION ? type13to10(m->type) : m->type;
    if (type < 0)
        return NULL;
    uint8_t h[8] = {m->version, (uint8_t)type, 0, 0, (uint8_t)(m->xid >> 24), (uint8_t)(m->xid >> 16),
                    (uint8_t)(m->xid >> 8), (uint8_t)m->xid};
    ofp_out_put(&o, h, 8);
    bool ok = m->version == OFP13_VERSION ? encode13(&o, m)
              : m->version == OFP10_VERSION ? encode10(&o, m)
                                            : m->type == OFPT_HELLO && encode13(&o, m);
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
    switch (m->type) {
    case OFPT_ERROR:
        free(m->error.data.data);
        break;
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
        free(m->echo.data);
        break;
    case OFPT_FEATURES_REPLY:
        free(m->features.ports);
        break;
    case OFPT_PACKET_IN:
        free(m->packet_in.data.data);
        break;
    case OFPT_PACKET_OUT:
        ofp_actions_free(&m->packet_out.actions);
        free(m->packet_out.data.data);
        break;
    case OFPT_FLOW_MOD:
        ofp_instructions_free(&m->flow_mod.instructions);
        break;
    case OFPT_GROUP_MOD:
        buckets_free(m->group_mod.buckets, m->group_mod.n_buckets);
        break;
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY: {
        struct ofp_multipart *mp = &m->mp;
        if (mp->flows)
            for (size_t i = 0; i < mp->n; i++)
                ofp_instructions_free(&mp->flows[i].instructions);
        if (mp->groups)
            for (size_t i = 0; i < mp->n; i++)
                free(mp->groups[i].bucket_counters);
        if (mp->group_descs)
            for (size_t i = 0; i < mp->n; i++)
                buckets_free(mp->group_descs[i].buckets, mp->group_descs[i].n_buckets);
        free(mp->flows), free(mp->groups), free(mp->group_descs), free(mp->port_stats), free(mp->tables);
        free(mp->ports);
        break;
    }
    }
    memset(m, 0, sizeof *m);
}
