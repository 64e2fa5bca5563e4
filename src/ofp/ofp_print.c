/* Printing OpenFlow messages: as JSON, and as text rendered from that same
 * JSON, so that the two outputs always carry the same fields. */
#include "ofp/ofp_print.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp/ofp_priv.h"
#include "util/strbuf.h"

const char *ofp_type_name(uint8_t type)
{
    static const char *const names[] = {
        [OFPT_HELLO] = "HELLO",
        [OFPT_ERROR] = "ERROR",
        [OFPT_ECHO_REQUEST] = "ECHO_REQUEST",
        [OFPT_ECHO_REPLY] = "ECHO_REPLY",
        [OFPT_EXPERIMENTER] = "EXPERIMENTER",
        [OFPT_FEATURES_REQUEST] = "FEATURES_REQUEST",
        [OFPT_FEATURES_REPLY] = "FEATURES_REPLY",
        [OFPT_GET_CONFIG_REQUEST] = "GET_CONFIG_REQUEST",
        [OFPT_GET_CONFIG_REPLY] = "GET_CONFIG_REPLY",
        [OFPT_SET_CONFIG] = "SET_CONFIG",
        [OFPT_PACKET_IN] = "PACKET_IN",
        [OFPT_FLOW_REMOVED] = "FLOW_REMOVED",
        [OFPT_PORT_STATUS] = "PORT_STATUS",
        [OFPT_PACKET_OUT] = "PACKET_OUT",
        [OFPT_FLOW_MOD] = "FLOW_MOD",
        [OFPT_GROUP_MOD] = "GROUP_MOD",
        [OFPT_MULTIPART_REQUEST] = "MULTIPART_REQUEST",
        [OFPT_MULTIPART_REPLY] = "MULTIPART_REPLY",
        [OFPT_BARRIER_REQUEST] = "BARRIER_REQUEST",
        [OFPT_BARRIER_REPLY] = "BARRIER_REPLY",
        [OFPT_ROLE_REQUEST] = "ROLE_REQUEST",
        [OFPT_ROLE_REPLY] = "ROLE_REPLY",
    };
    return type < sizeof names / sizeof *names && names[type] ? names[type] : "UNKNOWN";
}

static json_t *buckets_json(const struct ofp_bucket *b, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char *wp = ofp_port_str(b[i].watch_port);
        json_array_append_new(arr, json_pack("{s:i, s:s, s:I, s:o}", "weight", b[i].weight, "watch_port", wp,
                                             "watch_group", (json_int_t)b[i].watch_group, "actions",
                                             ofp_actions_json(&b[i].actions)));
        free(wp);
    }
    return arr;
}

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

static const char *mp_name(uint16_t t, uint8_t version)
{
    if (version == OFP10_VERSION)
        return t == 0 ? "DESC" : t == 1 ? "FLOW" : t == 2 ? "AGGREGATE" : t == 3 ? "TABLE" : t == 4 ? "PORT" : "OTHER";
    switch (t) {
    case OFPMP_DESC:
        return "DESC";
    case OFPMP_FLOW:
        return "FLOW";
    case OFPMP_AGGREGATE:
        return "AGGREGATE";
    case OFPMP_TABLE:
        return "TABLE";
    case OFPMP_PORT_STATS:
        return "PORT_STATS";
    case OFPMP_GROUP:
        return "GROUP";
    case OFPMP_GROUP_DESC:
        return "GROUP_DESC";
    case OFPMP_PORT_DESC:
        return "PORT_DESC";
    }
    return "OTHER";
}

static void multipart_json(json_t *o, const struct ofp_msg *m)
{
    const struct ofp_multipart *mp = &m->mp;
    bool req = m->type == OFPT_MULTIPART_REQUEST;
    json_object_set_new(o, "multipart", json_string(mp_name(mp->mp_type, m->version)));
    json_object_set_new(o, "flags", json_integer(mp->flags));
    uint16_t t = mp->mp_type;
    if (t == OFPMP_DESC && !req) {
        json_object_set_new(o, "mfr_desc", json_string(mp->mfr_desc));
        json_object_set_new(o, "hw_desc", json_string(mp->hw_desc));
        json_object_set_new(o, "sw_desc", json_string(mp->sw_desc));
        json_object_set_new(o, "serial_num", json_string(mp->serial_num));
        json_object_set_new(o, "dp_desc", json_string(mp->dp_desc));
    } else if ((t == OFPMP_FLOW || t == OFPMP_AGGREGATE) && req) {
        json_object_set_new(o, "table_id", json_integer(mp->table_id));
        ofp_json_set_port(o, "out_port", mp->out_port);
        json_object_set_new(o, "out_group", json_integer(mp->out_group));
        ofp_json_set_hex64(o, "cookie", mp->cookie);
        ofp_json_set_hex64(o, "cookie_mask", mp->cookie_mask);
        json_object_set_new(o, "match", ofp_match_to_json(&mp->match));
    } else if (t == OFPMP_AGGREGATE) {
        json_object_set_new(o, "packet_count", json_integer((json_int_t)mp->packet_count));
        json_object_set_new(o, "byte_count", json_integer((json_int_t)mp->byte_count));
        json_object_set_new(o, "flow_count", json_integer(mp->flow_count));
    } else if (t == OFPMP_FLOW) {
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
            if (m->version == OFP13_VERSION)
                json_object_set_new(e, "flags", json_integer(f->flags));
            json_object_set_new(e, "packet_count", json_integer((json_int_t)f->packet_count));
            json_object_set_new(e, "byte_count", json_integer((json_int_t)f->byte_count));
            json_object_set_new(e, "match", ofp_match_to_json(&f->match));
            json_object_set_new(e, "instructions", ofp_instructions_json(&f->instructions));
            json_array_append_new(arr, e);
        }
        json_object_set_new(o, "flows", arr);
    } else if (t == OFPMP_TABLE && !req) {
        json_t *arr = json_array();
        for (size_t i = 0; i < mp->n; i++) {
            const struct ofp_table_stats *ts = &mp->tables[i];
            json_t *e = json_pack("{s:i}", "table_id", ts->table_id);
            if (m->version == OFP10_VERSION) {
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
    } else if (t == OFPMP_PORT_STATS && m->version == OFP13_VERSION) {
        if (req) {
            ofp_json_set_port(o, "port_no", mp->port_no);
        } else {
            json_t *arr = json_array();
            for (size_t i = 0; i < mp->n; i++) {
                const struct ofp_port_stats *s = &mp->port_stats[i];
                char *p = ofp_port_str(s->port_no);
                json_array_append_new(
                    arr, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "port_no", p, "rx_packets",
                                   (json_int_t)s->rx_packets, "tx_packets", (json_int_t)s->tx_packets, "rx_bytes",
                                   (json_int_t)s->rx_bytes, "tx_bytes", (json_int_t)s->tx_bytes, "rx_dropped",
                                   (json_int_t)s->rx_dropped, "tx_dropped", (json_int_t)s->tx_dropped, "rx_errors",
                                   (json_int_t)s->rx_errors, "tx_errors", (json_int_t)s->tx_errors));
                free(p);
            }
            json_object_set_new(o, "ports", arr);
        }
    } else if (t == OFPMP_GROUP && m->version == OFP13_VERSION) {
        if (req) {
            json_object_set_new(o, "group_id", json_integer(mp->group_id));
        } else {
            json_t *arr = json_array();
            for (size_t i = 0; i < mp->n; i++) {
                const struct ofp_group_stats *g = &mp->groups[i];
                json_t *bc = json_array();
                for (size_t b = 0; b < g->n_buckets; b++)
                    json_array_append_new(bc, json_pack("{s:I, s:I}", "packet_count",
                                                        (json_int_t)g->bucket_counters[b][0], "byte_count",
                                                        (json_int_t)g->bucket_counters[b][1]));
                json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:I, s:o}", "group_id",
                                                     (json_int_t)g->group_id, "ref_count", (json_int_t)g->ref_count,
                                                     "packet_count", (json_int_t)g->packet_count, "byte_count",
                                                     (json_int_t)g->byte_count, "buckets", bc));
            }
            json_object_set_new(o, "groups", arr);
        }
    } else if (t == OFPMP_GROUP_DESC && !req && m->version == OFP13_VERSION) {
        json_t *arr = json_array();
        for (size_t i = 0; i < mp->n; i++) {
            const struct ofp_group_desc *g = &mp->group_descs[i];
            static const char *const types[] = {"all", "select", "indirect", "ff"};
            json_array_append_new(arr, json_pack("{s:I, s:s, s:o}", "group_id", (json_int_t)g->group_id,
                                                 "group_type", g->type < 4 ? types[g->type] : "?", "buckets",
                                                 buckets_json(g->buckets, g->n_buckets)));
        }
        json_object_set_new(o, "groups", arr);
    } else if (t == OFPMP_PORT_DESC && !req && m->version == OFP13_VERSION) {
        json_t *arr = json_array();
        for (size_t i = 0; i < mp->n; i++)
            json_array_append_new(arr, ofp_port_json(&mp->ports[i]));
        json_object_set_new(o, "ports", arr);
    }
}

json_t *ofp_to_json(const struct ofp_msg *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(m->version == OFP10_VERSION   ? "1.0"
                                                  : m->version == OFP13_VERSION ? "1.3"
                                                                                : "other"));
    json_object_set_new(o, "type", json_string(ofp_type_name(m->type)));
    json_object_set_new(o, "xid", json_integer(m->xid));
    switch (m->type) {
    case OFPT_HELLO: {
        json_t *v = json_array();
        for (int i = 1; i < 32; i++)
            if (m->hello.bitmap & (1u << i))
                json_array_append_new(v, json_string(i == 1 ? "1.0" : i == 4 ? "1.3" : i == 2 ? "1.1"
                                                                  : i == 3   ? "1.2"
                                                                  : i == 5   ? "1.4"
                                                                  : i == 6   ? "1.5"
                                                                             : "other"));
        json_object_set_new(o, "versions", v);
        break;
    }
    case OFPT_ERROR: {
        json_object_set_new(o, "error_type", json_integer(m->error.type));
        json_object_set_new(o, "error_code", json_integer(m->error.code));
        enum ofp_err e = (enum ofp_err)((uint32_t)m->error.type << 16 | m->error.code | 0x40000000);
        const char *n = ofp_err_name(e);
        if (strcmp(n, "OFPERR_UNKNOWN"))
            json_object_set_new(o, "error", json_string(n));
        json_object_set_new(o, "data", hex_json(&m->error.data));
        break;
    }
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
        json_object_set_new(o, "data", hex_json(&m->echo));
        break;
    case OFPT_FEATURES_REPLY: {
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
        break;
    }
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_SET_CONFIG:
        json_object_set_new(o, "flags", json_integer(m->config.flags));
        json_object_set_new(o, "miss_send_len", json_integer(m->config.miss_send_len));
        break;
    case OFPT_PACKET_IN: {
        static const char *const reasons[] = {"no_match", "action", "invalid_ttl"};
        json_object_set_new(o, "buffer_id", json_integer(m->packet_in.buffer_id));
        json_object_set_new(o, "total_len", json_integer(m->packet_in.total_len));
        json_object_set_new(o, "reason",
                            json_string(m->packet_in.reason < 3 ? reasons[m->packet_in.reason] : "other"));
        if (m->version == OFP13_VERSION) {
            json_object_set_new(o, "table_id", json_integer(m->packet_in.table_id));
            ofp_json_set_hex64(o, "cookie", m->packet_in.cookie);
        }
        json_object_set_new(o, "match", ofp_match_to_json(&m->packet_in.match));
        json_object_set_new(o, "data_len", json_integer((json_int_t)m->packet_in.data.len));
        break;
    }
    case OFPT_FLOW_REMOVED: {
        static const char *const reasons[] = {"idle_timeout", "hard_timeout", "delete", "group_delete"};
        ofp_json_set_hex64(o, "cookie", m->flow_removed.cookie);
        json_object_set_new(o, "priority", json_integer(m->flow_removed.priority));
        json_object_set_new(o, "reason", json_string(m->flow_removed.reason < 4 ? reasons[m->flow_removed.reason]
                                                                                 : "other"));
        json_object_set_new(o, "table_id", json_integer(m->flow_removed.table_id));
        json_object_set_new(o, "duration_sec", json_integer(m->flow_removed.duration_sec));
        json_object_set_new(o, "idle_timeout", json_integer(m->flow_removed.idle_timeout));
        json_object_set_new(o, "hard_timeout", json_integer(m->flow_removed.hard_timeout));
        json_object_set_new(o, "packet_count", json_integer((json_int_t)m->flow_removed.packet_count));
        json_object_set_new(o, "byte_count", json_integer((json_int_t)m->flow_removed.byte_count));
        json_object_set_new(o, "match", ofp_match_to_json(&m->flow_removed.match));
        break;
    }
    case OFPT_PORT_STATUS: {
        static const char *const reasons[] = {"add", "delete", "modify"};
        json_object_set_new(o, "reason",
                            json_string(m->port_status.reason < 3 ? reasons[m->port_status.reason] : "other"));
        json_object_set_new(o, "port", ofp_port_json(&m->port_status.desc));
        break;
    }
    case OFPT_PACKET_OUT:
        json_object_set_new(o, "buffer_id", json_integer(m->packet_out.buffer_id));
        ofp_json_set_port(o, "in_port", m->packet_out.in_port);
        json_object_set_new(o, "actions", ofp_actions_json(&m->packet_out.actions));
        json_object_set_new(o, "data_len", json_integer((json_int_t)m->packet_out.data.len));
        break;
    case OFPT_FLOW_MOD: {
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
        break;
    }
    case OFPT_GROUP_MOD: {
        static const char *const cmds[] = {"add", "modify", "delete"};
        static const char *const types[] = {"all", "select", "indirect", "ff"};
        const struct ofp_group_mod *g = &m->group_mod;
        json_object_set_new(o, "command", json_string(g->command < 3 ? cmds[g->command] : "other"));
        json_object_set_new(o, "group_type", json_string(g->type < 4 ? types[g->type] : "other"));
        json_object_set_new(o, "group_id", json_integer(g->group_id));
        json_object_set_new(o, "buckets", buckets_json(g->buckets, g->n_buckets));
        break;
    }
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY:
        multipart_json(o, m);
        break;
    case OFPT_ROLE_REQUEST:
    case OFPT_ROLE_REPLY: {
        static const char *const roles[] = {"nochange", "equal", "master", "slave"};
        json_object_set_new(o, "role", json_string(m->role.role < 4 ? roles[m->role.role] : "other"));
        ofp_json_set_hex64(o, "generation_id", m->role.generation_id);
        break;
    }
    }
    return o;
}

/* Text: "TYPE (OF1.3) (xid=0x5): key=value ...", nested objects as
 * "k=v,k=v", lists as "a,b", lists of objects one per line. */
static void render(struct strbuf *sb, json_t *v, int depth);

static void render_object(struct strbuf *sb, json_t *o, const char *sep, int depth)
{
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(o, k, v)
    {
        if (json_is_array(v) && json_array_size(v) && json_is_object(json_array_get(v, 0))) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                strbuf_printf(sb, "\n%*s%s[%zu]: ", 2 * (depth + 1), "", k, i);
                render_object(sb, e, " ", depth + 1);
            }
            continue;
        }
        if (!first)
            strbuf_puts(sb, sep);
        first = false;
        strbuf_printf(sb, "%s=", k);
        if (json_is_object(v)) {
            strbuf_puts(sb, json_object_size(v) ? "" : "any");
            render_object(sb, v, ",", depth + 1);
        } else {
            render(sb, v, depth + 1);
        }
    }
}

static void render(struct strbuf *sb, json_t *v, int depth)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        strbuf_puts(sb, json_string_value(v));
        break;
    case JSON_INTEGER:
        strbuf_printf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_TRUE:
        strbuf_puts(sb, "true");
        break;
    case JSON_FALSE:
        strbuf_puts(sb, "false");
        break;
    case JSON_ARRAY: {
        size_t i;
        json_t *e;
        if (!json_array_size(v))
            strbuf_puts(sb, "none");
        json_array_foreach(v, i, e)
        {
            if (i)
                strbuf_puts(sb, ",");
            render(sb, e, depth);
        }
        break;
    }
    case JSON_OBJECT:
        render_object(sb, v, ",", depth);
        break;
    default:
        strbuf_puts(sb, "null");
    }
}

char *ofp_to_text(const struct ofp_msg *m)
{
    json_t *o = ofp_to_json(m);
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "OFPT_%s (OF%s) (xid=0x%" PRIx32 "):", json_string_value(json_object_get(o, "type")),
                  json_string_value(json_object_get(o, "version")), m->xid);
    json_object_del(o, "type");
    json_object_del(o, "version");
    json_object_del(o, "xid");
    if (json_object_size(o)) {
        strbuf_puts(&sb, " ");
        render_object(&sb, o, " ", 0);
    }
    json_decref(o);
    return strbuf_steal(&sb);
}
