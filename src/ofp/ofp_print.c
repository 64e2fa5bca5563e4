/* Printing OpenFlow messages: as JSON, and as text rendered from that same
 * JSON, so that the two outputs always carry the same fields.  Each message's
 * fields are printed by its family's file (the to_json of its operations,
 * ofp_priv.h); this file adds the header's and renders the text. */
#include "ofp/ofp_print.h"

#include <inttypes.h>

#include "ofp/ofp_priv.h"
#include "util/strbuf.h"

json_t *ofp_to_json(const struct ofp_msg *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "version",
                        json_string(m->version == OFP10_VERSION   ? "1.0"
                                    : m->version == OFP13_VERSION ? "1.3"
                                                                  : "other"));
    json_object_set_new(o, "type", json_string(ofp_type_name(m->type)));
    json_object_set_new(o, "xid", json_integer(m->xid));
    const struct ofp_msg_ops *ops = ofp_msg_type_ops(m->type);
    if (ops && ops->to_json)
        ops->to_json(o, m);
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
    json_object_foreach(o, k, v) {
        if (json_is_array(v) && json_array_size(v) && json_is_object(json_array_get(v, 0))) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
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
        json_array_foreach(v, i, e) {
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
    strbuf_printf(
        &sb, "OFPT_%s (OF%s) (xid=0x%" PRIx32 "):", json_string_value(json_object_get(o, "type")),
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
