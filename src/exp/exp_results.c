/* exp_results: reading a results document (results.json), for the report
 * and the plots, and its text. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exp/exp_priv.h"
#include "util/strbuf.h"

const char *exp_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)) ?: "";
}

const json_t *exp_cell(const json_t *cells, const char *mode, json_int_t route, json_int_t mss)
{
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c)
        if (!strcmp(exp_str(c, "mode"), mode) &&
            json_integer_value(json_object_get(c, "route")) == route &&
            json_integer_value(json_object_get(c, "mss")) == mss)
            return c;
    return NULL;
}

/* Whether 'v' is a number, string, boolean or null. */
static bool scalar(const json_t *v)
{
    return !json_is_object(v) && !json_is_array(v);
}

/* Whether 'v' is a number, boolean or null: short, and not text. */
static bool figure(const json_t *v)
{
    return json_is_number(v) || json_is_boolean(v) || json_is_null(v);
}

/* Whether array 'a' goes on one line: figures, or arrays of figures (a
 * series of [t, v] points).  Strings (commands, names) go a line each. */
static bool flat(const json_t *a)
{
    size_t i, j;
    const json_t *v, *w;
    json_array_foreach(a, i, v) {
        if (!figure(v) && !json_is_array(v))
            return false;
        json_array_foreach(v, j, w)
            if (!figure(w))
                return false;
    }
    return true;
}

static void put_compact(struct strbuf *sb, const json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    strbuf_puts(sb, s ? s : "null");
    free(s);
}

/* Whether object 'o' goes on one line: a few figures (a second of a
 * client's counts). */
static bool flat_object(const json_t *o)
{
    const char *k;
    const json_t *v;
    if (json_object_size(o) > 12)
        return false;
    json_object_foreach((json_t *)o, k, v)
        if (!figure(v))
            return false;
    return true;
}

static void put_value(struct strbuf *sb, const json_t *v, int depth)
{
    size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
    if (scalar(v) || n == 0 || (json_is_array(v) && flat(v)) ||
        (json_is_object(v) && depth > 1 && flat_object(v))) {
        put_compact(sb, v);
        return;
    }
    strbuf_puts(sb, json_is_object(v) ? "{\n" : "[\n");
    size_t i = 0;
    if (json_is_object(v)) {
        const char *k;
        const json_t *m;
        json_object_foreach((json_t *)v, k, m) {
            json_t *key = json_string(k);
            strbuf_printf(sb, "%*s", 2 * (depth + 1), "");
            put_compact(sb, key);
            json_decref(key);
            strbuf_puts(sb, ": ");
            put_value(sb, m, depth + 1);
            strbuf_puts(sb, ++i < n ? ",\n" : "\n");
        }
    } else {
        const json_t *m;
        json_array_foreach(v, i, m) {
            strbuf_printf(sb, "%*s", 2 * (depth + 1), "");
            put_value(sb, m, depth + 1);
            strbuf_puts(sb, i + 1 < n ? ",\n" : "\n");
        }
    }
    strbuf_printf(sb, "%*s%s", 2 * depth, "", json_is_object(v) ? "}" : "]");
}

char *exp_results_text(const json_t *r)
{
    struct strbuf sb;
    strbuf_init(&sb);
    put_value(&sb, r, 0);
    strbuf_puts(&sb, "\n");
    return strbuf_steal(&sb);
}
