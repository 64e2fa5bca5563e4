/* Multipart messages (1.0: statistics): their framing and the dispatch on
 * their type (the table below: a new type adds its family's functions and a
 * row), and the types of no other family: the switch description and table
 * statistics. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- switch description ---- */

static void copy_str(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The same in 1.0 and 1.3. */
static enum ofp_err desc_decode(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
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

static void desc_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    if (req)
        return;
    struct ofpw_desc d;
    memset(&d, 0, sizeof d);
    memcpy(d.mfr_desc, mp->mfr_desc, strnlen(mp->mfr_desc, sizeof d.mfr_desc));
    memcpy(d.hw_desc, mp->hw_desc, strnlen(mp->hw_desc, sizeof d.hw_desc));
    memcpy(d.sw_desc, mp->sw_desc, strnlen(mp->sw_desc, sizeof d.sw_desc));
    memcpy(d.serial_num, mp->serial_num, strnlen(mp->serial_num, sizeof d.serial_num));
    memcpy(d.dp_desc, mp->dp_desc, strnlen(mp->dp_desc, sizeof d.dp_desc));
    ofp_out_put(o, &d, sizeof d);
}

static bool desc_encode10(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    desc_encode13(o, mp, req);
    return true;
}

static void desc_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (req)
        return;
    json_object_set_new(o, "mfr_desc", json_string(mp->mfr_desc));
    json_object_set_new(o, "hw_desc", json_string(mp->hw_desc));
    json_object_set_new(o, "sw_desc", json_string(mp->sw_desc));
    json_object_set_new(o, "serial_num", json_string(mp->serial_num));
    json_object_set_new(o, "dp_desc", json_string(mp->dp_desc));
}

static const struct ofp_mp_ops desc_ops = {
    .decode13 = desc_decode,
    .decode10 = desc_decode,
    .encode13 = desc_encode13,
    .encode10 = desc_encode10,
    .to_json = desc_json,
};

/* ---- table statistics ---- */

static enum ofp_err table_stats_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
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
}

static enum ofp_err table_stats_decode10(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    if (req)
        return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
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

static void table_stats_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    for (size_t i = 0; !req && i < mp->n; i++) {
        struct ofpw13_table_stats t;
        memset(&t, 0, sizeof t);
        t.table_id = mp->tables[i].table_id, t.active_count = htonl(mp->tables[i].active_count);
        t.lookup_count = htobe64(mp->tables[i].lookup_count);
        t.matched_count = htobe64(mp->tables[i].matched_count);
        ofp_out_put(o, &t, sizeof t);
    }
}

static bool table_stats_encode10(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    for (size_t i = 0; !req && i < mp->n; i++) {
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
    return true;
}

static void table_stats_free(struct ofp_multipart *mp)
{
    free(mp->tables);
}

static void table_stats_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (req)
        return;
    json_t *arr = json_array();
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_table_stats *ts = &mp->tables[i];
        json_t *e = json_pack("{s:i}", "table_id", ts->table_id);
        if (version == OFP10_VERSION) {
            char w[16];
            snprintf(w, sizeof w, "0x%" PRIx32, ts->wildcards);
            json_object_set_new(e, "name", json_string(ts->name));
            json_object_set_new(e, "wildcards", json_string(w));
            json_object_set_new(e, "max_entries", json_integer(ts->max_entries));
        }
        json_object_set_new(e, "active_count", json_integer((json_int_t)ts->active_count));
        json_object_set_new(e, "lookup_count", json_integer((json_int_t)ts->lookup_count));
        json_object_set_new(e, "matched_count", json_integer((json_int_t)ts->matched_count));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "tables", arr);
}

static const struct ofp_mp_ops table_stats_ops = {
    .decode13 = table_stats_decode13,
    .decode10 = table_stats_decode10,
    .encode13 = table_stats_encode13,
    .encode10 = table_stats_encode10,
    .free = table_stats_free,
    .to_json = table_stats_json,
};

/* ---- the multipart messages: framing and the dispatch on their type ---- */

/* By 1.3 multipart number.  1.0's statistics numbers 0-3 are the same, 1.0's
 * 4 (port statistics, another layout) has no decoder or encoder for 1.0. */
static const struct {
    const char *name;
    const struct ofp_mp_ops *ops;
} mp_types[] = {
    [OFPMP_DESC] = {"DESC", &desc_ops},
    [OFPMP_FLOW] = {"FLOW", &ofp_mp_flow_ops},
    [OFPMP_AGGREGATE] = {"AGGREGATE", &ofp_mp_aggregate_ops},
    [OFPMP_TABLE] = {"TABLE", &table_stats_ops},
    [OFPMP_PORT_STATS] = {"PORT_STATS", &ofp_mp_port_stats_ops},
    [OFPMP_GROUP] = {"GROUP", &ofp_mp_group_ops},
    [OFPMP_GROUP_DESC] = {"GROUP_DESC", &ofp_mp_group_desc_ops},
    [OFPMP_PORT_DESC] = {"PORT_DESC", &ofp_mp_port_desc_ops},
};
#define N_MP_TYPES (sizeof mp_types / sizeof *mp_types)

static const struct ofp_mp_ops *mp_type_ops(uint16_t t)
{
    return t < N_MP_TYPES ? mp_types[t].ops : NULL;
}

static const char *mp_name(uint16_t t, uint8_t version)
{
    if (version == OFP10_VERSION)
        return t == 0   ? "DESC"
               : t == 1 ? "FLOW"
               : t == 2 ? "AGGREGATE"
               : t == 3 ? "TABLE"
               : t == 4 ? "PORT"
                        : "OTHER";
    return t < N_MP_TYPES && mp_types[t].name ? mp_types[t].name : "OTHER";
}

static enum ofp_err multipart_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofp_multipart *mp = &m->mp;
    struct ofpw13_multipart w;
    if (!OFP_PULL(c, &w))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->mp_type = ntohs(w.type);
    mp->flags = ntohs(w.flags);
    const struct ofp_mp_ops *ops = mp_type_ops(mp->mp_type);
    if (!ops || !ops->decode13)
        return OFPERR_BAD_REQUEST_BAD_MULTIPART;
    return ops->decode13(c, mp, m->type == OFPT_MULTIPART_REQUEST);
}

static enum ofp_err multipart_decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofp_multipart *mp = &m->mp;
    struct ofpw10_stats w;
    if (!OFP_PULL(c, &w))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    mp->mp_type = ntohs(w.type);
    mp->flags = ntohs(w.flags);
    const struct ofp_mp_ops *ops = mp_type_ops(mp->mp_type);
    if (!ops || !ops->decode10)
        return OFPERR_BAD_REQUEST_BAD_MULTIPART;
    return ops->decode10(c, mp, m->type == OFPT_MULTIPART_REQUEST);
}

/* A type the codec does not know is written as its header alone. */
static bool multipart_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    const struct ofp_multipart *mp = &m->mp;
    ofp_out_put16(o, mp->mp_type);
    ofp_out_put16(o, mp->flags);
    ofp_out_zeros(o, 4);
    const struct ofp_mp_ops *ops = mp_type_ops(mp->mp_type);
    if (ops && ops->encode13)
        ops->encode13(o, mp, m->type == OFPT_MULTIPART_REQUEST);
    return true;
}

static bool multipart_encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    const struct ofp_multipart *mp = &m->mp;
    ofp_out_put16(o, mp->mp_type), ofp_out_put16(o, mp->flags);
    const struct ofp_mp_ops *ops = mp_type_ops(mp->mp_type);
    return ops && ops->encode10 && ops->encode10(o, mp, m->type == OFPT_MULTIPART_REQUEST);
}

/* Every type frees its own array (see struct ofp_mp_ops). */
static void multipart_free(struct ofp_msg *m)
{
    for (size_t t = 0; t < N_MP_TYPES; t++)
        if (mp_types[t].ops && mp_types[t].ops->free)
            mp_types[t].ops->free(&m->mp);
}

static void multipart_json(json_t *o, const struct ofp_msg *m)
{
    const struct ofp_multipart *mp = &m->mp;
    json_object_set_new(o, "multipart", json_string(mp_name(mp->mp_type, m->version)));
    json_object_set_new(o, "flags", json_integer(mp->flags));
    const struct ofp_mp_ops *ops = mp_type_ops(mp->mp_type);
    if (ops && ops->to_json)
        ops->to_json(o, mp, m->type == OFPT_MULTIPART_REQUEST, m->version);
}

const struct ofp_msg_ops ofp_multipart_ops = {
    .decode13 = multipart_decode13,
    .decode10 = multipart_decode10,
    .encode13 = multipart_encode13,
    .encode10 = multipart_encode10,
    .free = multipart_free,
    .to_json = multipart_json,
};
