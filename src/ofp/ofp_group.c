/* Groups (1.3 only): group mod, group statistics and group descriptions,
 * and the buckets they share. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- buckets ---- */

static void buckets_free(struct ofp_bucket *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ofp_actions_free(&b[i].actions);
    free(b);
}

static enum ofp_err buckets_decode(struct ofp_cur *c, struct ofp_bucket **out, size_t *n)
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

static void buckets_encode(struct ofp_out *o, const struct ofp_bucket *b, size_t n)
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

static json_t *buckets_json(const struct ofp_bucket *b, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char *wp = ofp_port_str(b[i].watch_port);
        json_array_append_new(arr,
                              json_pack("{s:i, s:s, s:I, s:o}", "weight", b[i].weight, "watch_port",
                                        wp, "watch_group", (json_int_t)b[i].watch_group, "actions",
                                        ofp_actions_json(&b[i].actions)));
        free(wp);
    }
    return arr;
}

/* ---- group mod (1.3) ---- */

static enum ofp_err group_mod_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw13_group_mod g;
    if (!OFP_PULL(c, &g))
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->group_mod.command = ntohs(g.command), m->group_mod.type = g.type;
    m->group_mod.group_id = ntohl(g.group_id);
    return buckets_decode(c, &m->group_mod.buckets, &m->group_mod.n_buckets);
}

static bool group_mod_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    ofp_out_put16(o, m->group_mod.command);
    uint8_t t[2] = {m->group_mod.type, 0};
    ofp_out_put(o, t, 2);
    ofp_out_put32(o, m->group_mod.group_id);
    buckets_encode(o, m->group_mod.buckets, m->group_mod.n_buckets);
    return true;
}

static void group_mod_free(struct ofp_msg *m)
{
    buckets_free(m->group_mod.buckets, m->group_mod.n_buckets);
}

static void group_mod_json(json_t *o, const struct ofp_msg *m)
{
    static const char *const cmds[] = {"add", "modify", "delete"};
    static const char *const types[] = {"all", "select", "indirect", "ff"};
    const struct ofp_group_mod *g = &m->group_mod;
    json_object_set_new(o, "command", json_string(g->command < 3 ? cmds[g->command] : "other"));
    json_object_set_new(o, "group_type", json_string(g->type < 4 ? types[g->type] : "other"));
    json_object_set_new(o, "group_id", json_integer(g->group_id));
    json_object_set_new(o, "buckets", buckets_json(g->buckets, g->n_buckets));
}

const struct ofp_msg_ops ofp_group_mod_ops = {
    .decode13 = group_mod_decode13,
    .encode13 = group_mod_encode13,
    .free = group_mod_free,
    .to_json = group_mod_json,
};

/* ---- group statistics (1.3) ---- */

static enum ofp_err group_stats_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
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
        s->bucket_counters =
            s->n_buckets ? xmalloc(s->n_buckets * sizeof *s->bucket_counters) : NULL;
        for (size_t i = 0; i < s->n_buckets; i++) {
            struct ofpw13_bucket_counter bc;
            OFP_PULL(&body, &bc);
            s->bucket_counters[i][0] = be64toh(bc.packet_count);
            s->bucket_counters[i][1] = be64toh(bc.byte_count);
        }
    }
    return 0;
}

static void group_stats_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
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
}

static void group_stats_free(struct ofp_multipart *mp)
{
    if (mp->groups)
        for (size_t i = 0; i < mp->n; i++)
            free(mp->groups[i].bucket_counters);
    free(mp->groups);
}

static void group_stats_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (version != OFP13_VERSION)
        return;
    if (req) {
        json_object_set_new(o, "group_id", json_integer(mp->group_id));
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_group_stats *g = &mp->groups[i];
        json_t *bc = json_array();
        for (size_t b = 0; b < g->n_buckets; b++)
            json_array_append_new(bc, json_pack("{s:I, s:I}", "packet_count",
                                                (json_int_t)g->bucket_counters[b][0], "byte_count",
                                                (json_int_t)g->bucket_counters[b][1]));
        json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:I, s:o}", "group_id",
                                             (json_int_t)g->group_id, "ref_count",
                                             (json_int_t)g->ref_count, "packet_count",
                                             (json_int_t)g->packet_count, "byte_count",
                                             (json_int_t)g->byte_count, "buckets", bc));
    }
    json_object_set_new(o, "groups", arr);
}

const struct ofp_mp_ops ofp_mp_group_ops = {
    .decode13 = group_stats_decode13,
    .encode13 = group_stats_encode13,
    .free = group_stats_free,
    .to_json = group_stats_json,
};

/* ---- group descriptions (1.3) ---- */

static enum ofp_err group_desc_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
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
        enum ofp_err e = buckets_decode(&body, &d->buckets, &d->n_buckets);
        if (e)
            return e;
    }
    return 0;
}

static void group_desc_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    for (size_t i = 0; !req && i < mp->n; i++) {
        const struct ofp_group_desc *d = &mp->group_descs[i];
        size_t start = o->len;
        ofp_out_put16(o, 0);
        uint8_t t[2] = {d->type, 0};
        ofp_out_put(o, t, 2);
        ofp_out_put32(o, d->group_id);
        buckets_encode(o, d->buckets, d->n_buckets);
        ofp_out_patch16(o, start, (uint16_t)(o->len - start));
    }
}

static void group_desc_free(struct ofp_multipart *mp)
{
    if (mp->group_descs)
        for (size_t i = 0; i < mp->n; i++)
            buckets_free(mp->group_descs[i].buckets, mp->group_descs[i].n_buckets);
    free(mp->group_descs);
}

static void group_desc_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (req || version != OFP13_VERSION)
        return;
    json_t *arr = json_array();
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_group_desc *g = &mp->group_descs[i];
        static const char *const types[] = {"all", "select", "indirect", "ff"};
        json_array_append_new(arr, json_pack("{s:I, s:s, s:o}", "group_id", (json_int_t)g->group_id,
                                             "group_type", g->type < 4 ? types[g->type] : "?",
                                             "buckets", buckets_json(g->buckets, g->n_buckets)));
    }
    json_object_set_new(o, "groups", arr);
}

const struct ofp_mp_ops ofp_mp_group_desc_ops = {
    .decode13 = group_desc_decode13,
    .encode13 = group_desc_encode13,
    .free = group_desc_free,
    .to_json = group_desc_json,
};
