/* The topology file reader: YAML (libfyaml) to struct topo.
 *
 * This file checks shape: keys, types and the syntax of names and addresses,
 * each problem with the position of the offending key or value.  Relations
 * between entries (links, subnets, connectivity) are checked in topo_check.c.
 * Every problem is reported; reading goes on after an error so that one run
 * shows them all.
 *
 * Before YAML, the bytes must be text (topo_text.h).  Of YAML, a topology
 * file uses one document and no aliases: a second document and every alias
 * are reported where they start, and a file with an alias is read no
 * further (what its alias would have meant is not guessed at; expanding
 * aliases also lets a small file grow without bound).  Anchors alone change
 * nothing and are let be. */
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/topo_keys.h"
#include "topo/topo_text.h"
#include "util/endpoint.h"
#include "util/xalloc.h"

struct reader {
    struct diag_list *diags;
    struct topo *t;
    /* Every node name written, valid or not: a link to a name that was
     * written but rejected is not reported a second time. */
    char **seen;
    size_t n_seen, seen_cap;
    /* Once every node is read: the names written and the nodes' names,
     * sorted, for the links and subnets to find them. */
    struct topo_key *seen_keys, *node_keys;
};

static void saw_name(struct reader *r, struct fy_node *n)
{
    const char *s = n && fy_node_get_type(n) == FYNT_SCALAR ? fy_node_get_scalar0(n) : NULL;
    if (!s)
        return;
    xgrow(&r->seen, &r->seen_cap, r->n_seen + 1, sizeof *r->seen);
    r->seen[r->n_seen++] = xstrdup(s);
}

static void index_names(struct reader *r)
{
    r->seen_keys = xmalloc((r->n_seen ? r->n_seen : 1) * sizeof *r->seen_keys);
    for (size_t i = 0; i < r->n_seen; i++)
        r->seen_keys[i] = (struct topo_key){.str = r->seen[i], .item = i};
    topo_keys_sort(r->seen_keys, r->n_seen);
    r->node_keys = xmalloc((r->t->n_nodes ? r->t->n_nodes : 1) * sizeof *r->node_keys);
    for (size_t i = 0; i < r->t->n_nodes; i++)
        r->node_keys[i] = (struct topo_key){.str = r->t->nodes[i].name, .item = i};
    topo_keys_sort(r->node_keys, r->t->n_nodes);
}

/* The first node named 'name', as topo_find(), or -1. */
static long find_node(const struct reader *r, const char *name)
{
    size_t n = r->t->n_nodes, q = topo_keys_lower(r->node_keys, n, 0, name);
    return q < n && topo_key_is(&r->node_keys[q], 0, name) ? (long)r->node_keys[q].item : -1;
}

static bool was_seen(const struct reader *r, const char *name)
{
    size_t q = topo_keys_lower(r->seen_keys, r->n_seen, 0, name);
    return q < r->n_seen && topo_key_is(&r->seen_keys[q], 0, name);
}

static struct diag_pos pos_of(struct fy_node *n)
{
    struct diag_pos p = {0, 0};
    if (!n)
        return p;
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR: {
        struct fy_token *tok = fy_node_get_scalar_token(n);
        const struct fy_mark *m = tok ? fy_token_start_mark(tok) : NULL;
        if (m) {
            p.line = m->line + 1;
            p.column = m->column + 1;
        }
        return p;
    }
    case FYNT_MAPPING: {
        void *it = NULL;
        struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
        return pair ? pos_of(fy_node_pair_key(pair)) : p;
    }
    case FYNT_SEQUENCE: {
        void *it = NULL;
        return pos_of(fy_node_sequence_iterate(n, &it));
    }
    }
    return p;
}

/* The position of 'n', or 'at' when it has none (an empty value, an empty
 * list or mapping). */
static struct diag_pos pos_or(struct fy_node *n, struct diag_pos at)
{
    struct diag_pos p = pos_of(n);
    return p.line ? p : at;
}

static const char *type_name(struct fy_node *n)
{
    if (!n)
        return "nothing";
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR:
        return fy_node_get_scalar_token(n) ? "a scalar" : "an empty value";
    case FYNT_SEQUENCE:
        return "a list";
    case FYNT_MAPPING:
        return "a mapping";
    }
    return "something else";
}

/* Returns the scalar text of 'n' (NUL-terminated, owned by the document) or
 * NULL after reporting what was expected. */
static const char *want_scalar(struct reader *r, struct fy_node *n, struct diag_pos at,
                               const char *what)
{
    if (n && fy_node_get_type(n) == FYNT_SCALAR) {
        const char *s = fy_node_get_scalar0(n);
        if (s)
            return s;
    }
    diag_add(r->diags, pos_or(n, at), "%s: expected a value, found %s", what, type_name(n));
    return NULL;
}

/* The keys a mapping may hold; 'vals' receives the value node per key. */
struct keyspec {
    const char *key;
    bool required;
};

static bool read_mapping(struct reader *r, struct fy_node *map, struct diag_pos at,
                         const char *what, const struct keyspec *keys, size_t n_keys,
                         struct fy_node **vals, struct diag_pos *key_pos)
{
    for (size_t i = 0; i < n_keys; i++) {
        vals[i] = NULL;
        key_pos[i] = at;
    }
    if (!map || fy_node_get_type(map) != FYNT_MAPPING) {
        diag_add(r->diags, pos_or(map, at), "%s: expected a mapping, found %s", what,
                 type_name(map));
        return false;
    }
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(pair);
        const char *ks = k && fy_node_get_type(k) == FYNT_SCALAR ? fy_node_get_scalar0(k) : NULL;
        size_t i;
        for (i = 0; ks && i < n_keys; i++)
            if (!strcmp(ks, keys[i].key))
                break;
        if (!ks || i == n_keys) {
            char expected[256] = "";
            for (size_t j = 0; j < n_keys; j++) {
                strncat(expected, j ? ", " : "", sizeof expected - strlen(expected) - 1);
                strncat(expected, keys[j].key, sizeof expected - strlen(expected) - 1);
            }
            diag_add(r->diags, pos_of(k), "unknown key '%s' in %s (expected one of: %s)",
                     ks ? ks : "?", what, expected);
            continue;
        }
        vals[i] = fy_node_pair_value(pair);
        key_pos[i] = pos_of(k);
    }
    bool ok = true;
    for (size_t i = 0; i < n_keys; i++) {
        if (keys[i].required && !vals[i]) {
            diag_add(r->diags, pos_or(map, at), "%s: missing required key '%s'", what, keys[i].key);
            ok = false;
        }
    }
    return ok;
}

/* Parses dotted-quad IPv4 'mandatory all four parts'; returns false if malformed. */
static bool parse_ipv4(const char *s, uint32_t *out)
{
    unsigned v[4];
    int used = 0;
    if (sscanf(s, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &used) != 4 || s[used] != '\0')
        return false;
    for (int i = 0; i < 4; i++)
        if (v[i] > 255)
            return false;
    *out = v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3];
    return true;
}

static bool want_ipv4(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                      uint32_t *out)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return false;
    if (!parse_ipv4(s, out)) {
        diag_add(r->diags, pos_of(n), "%s: '%s' is not an IPv4 address (expected a.b.c.d)", what,
                 s);
        return false;
    }
    return true;
}

/* An address a machine, switch or controller has: not 0.0.0.0, which is also
 * how the model says "none" (not written, or rejected). */
static bool want_host(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                      uint32_t *out)
{
    uint32_t a;
    if (!want_ipv4(r, n, at, what, &a))
        return false;
    if (a == 0) {
        diag_add(r->diags, pos_of(n), "%s: 0.0.0.0 is not a host address", what);
        return false;
    }
    *out = a;
    return true;
}

/* A whole number of MiB from 'lo' to 'hi'. */
static bool want_mib(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                     unsigned lo, unsigned hi, unsigned *out)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) {
        diag_add(r->diags, pos_of(n), "%s: '%s' is not a number of MiB from %u to %u", what, s, lo,
                 hi);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* Whether 's' is a decimal number ("0.25", "100": no sign, exponent, hex or
 * "inf"), its value into '*v'. */
static bool decimal(const char *s, double *v)
{
    size_t digits = strspn(s, "0123456789");
    bool shape = digits > 0 && (s[digits] == '\0' ||
                                (s[digits] == '.' && s[digits + 1] &&
                                 strspn(s + digits + 1, "0123456789") == strlen(s + digits + 1)));
    if (shape)
        *v = strtod(s, NULL);
    return shape;
}

/* A decimal number ("0.25", "100") from 'lo' to 'hi', in 'unit' (for the
 * message).  Signs, exponents, hex and "inf" are not numbers here. */
static bool want_number(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                        double lo, double hi, const char *unit, double *out)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return false;
    double v = 0;
    bool shape = decimal(s, &v);
    if (!shape || v < lo || v > hi) {
        diag_add(r->diags, pos_of(n), "%s: '%s' is not a number of %s from %g to %g", what, s, unit,
                 lo, hi);
        return false;
    }
    *out = v;
    return true;
}

static bool want_prefix(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                        struct topo_prefix *out)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return false;
    const char *slash = strchr(s, '/');
    char *end;
    char addr[32];
    if (!slash || (size_t)(slash - s) >= sizeof addr) {
        diag_add(r->diags, pos_of(n), "%s: '%s' is not a prefix (expected a.b.c.d/len)", what, s);
        return false;
    }
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    errno = 0;
    long len = strtol(slash + 1, &end, 10);
    if (!parse_ipv4(addr, &out->addr) || *end || end == slash + 1 || len < 1 || len > 30) {
        diag_add(r->diags, pos_of(n),
                 "%s: '%s' is not a prefix (expected a.b.c.d/len, len 1 to 30)", what, s);
        return false;
    }
    out->len = (int)len;
    if (out->addr & ~topo_prefix_mask(out->len)) {
        char b[16];
        diag_add(r->diags, pos_of(n), "%s: '%s' has host bits set (did you mean %s/%ld?)", what, s,
                 topo_ip_str(out->addr & topo_prefix_mask(out->len), b), len);
        return false;
    }
    return true;
}

/* "a.b.c.d:port"; with 'host', not 0.0.0.0 (see want_host()). */
static bool want_endpoint(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                          bool host, uint32_t *addr, uint16_t *port)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return false;
    char a[32];
    uint32_t ip;
    if (!endpoint_split(s, a, sizeof a, port) || !parse_ipv4(a, &ip)) {
        diag_add(r->diags, pos_of(n), "%s: '%s' is not an endpoint (expected a.b.c.d:port)", what,
                 s);
        return false;
    }
    if (host && ip == 0) {
        diag_add(r->diags, pos_of(n), "%s: 0.0.0.0 is not a host address", what);
        return false;
    }
    *addr = ip;
    return true;
}

/* Names: a letter, then letters, digits, '-' or '_'. */
static bool valid_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

static char *want_name(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                       size_t max)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return NULL;
    if (!valid_name(s)) {
        diag_add(
            r->diags, pos_of(n),
            "%s: '%s' is not a valid name (expected a letter, then letters, digits, '-' or '_')",
            what, s);
        return NULL;
    }
    if (strlen(s) > max) {
        diag_add(r->diags, pos_of(n), "%s: name '%s' is %zu characters long, at most %zu fit%s",
                 what, s, strlen(s), max,
                 max == TOPO_SWITCH_NAME_MAX
                     ? " (switch names become Linux interface names, 15 characters "
                       "with a port suffix)"
                     : "");
        return NULL;
    }
    return xstrdup(s);
}

static struct fy_node *want_sequence(struct reader *r, struct fy_node *n, struct diag_pos at,
                                     const char *what)
{
    if (n && fy_node_get_type(n) == FYNT_SEQUENCE)
        return n;
    diag_add(r->diags, pos_or(n, at), "%s: expected a list, found %s", what, type_name(n));
    return NULL;
}

static struct topo_node *add_node(struct topo *t, size_t *cap, enum topo_kind kind, char *name,
                                  struct diag_pos pos)
{
    xgrow(&t->nodes, cap, t->n_nodes + 1, sizeof *t->nodes);
    struct topo_node *nd = &t->nodes[t->n_nodes++];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->name = name;
    nd->pos = pos;
    nd->subnet = (size_t)-1;
    nd->sw = (size_t)-1;
    return nd;
}

static void read_switches(struct reader *r, struct fy_node *seq, struct diag_pos at, size_t *cap)
{
    static const struct keyspec keys[] = {{"name", true}, {"dpid", false}};
    if (!want_sequence(r, seq, at, "switches"))
        return;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it))) {
        struct fy_node *v[2];
        struct diag_pos kp[2];
        if (!read_mapping(r, item, pos_of(item), "a switch", keys, 2, v, kp))
            continue;
        saw_name(r, v[0]);
        char *name = want_name(r, v[0], kp[0], "switch name", TOPO_SWITCH_NAME_MAX);
        if (!name)
            continue;
        struct topo_node *nd = add_node(r->t, cap, TOPO_SWITCH, name, pos_of(v[0]));
        if (v[1]) {
            const char *s = want_scalar(r, v[1], kp[1], "dpid");
            char *end;
            errno = 0;
            unsigned long long d = s ? strtoull(s, &end, 16) : 0;
            /* strtoull() alone also takes a sign, "0x" and leading blanks. */
            bool digits = s && strspn(s, "0123456789abcdefABCDEF") == strlen(s) && strlen(s) <= 16;
            if (s && (errno || *end || end == s || d == 0 || !digits)) {
                diag_add(r->diags, pos_of(v[1]),
                         "dpid: '%s' is not a datapath id (expected 1 to 16 hex digits)", s);
            } else if (s) {
                nd->dpid = d;
                nd->dpid_given = true;
            }
        }
    }
}

/* Watts of a power model: a decimal number above 0, at most TOPO_POWER_MAX_W. */
static bool want_watts(struct reader *r, struct fy_node *n, struct diag_pos at, const char *what,
                       double *out)
{
    const char *s = want_scalar(r, n, at, what);
    if (!s)
        return false;
    double v = 0;
    bool shape = decimal(s, &v);
    if (!shape || v <= 0 || v > TOPO_POWER_MAX_W) {
        diag_add(r->diags, pos_of(n), "%s: '%s' is not a number of watts above 0, at most %g", what,
                 s, TOPO_POWER_MAX_W);
        return false;
    }
    *out = v;
    return true;
}

#define POWER_FORMS                                                                                \
    "{idle: W, max: W}, a list of 11 watts (at 0%%, 10%%, ..., 100%% load) or a preset name "      \
    "(hp-ml110-g4, hp-ml110-g5)"

/* servers[].power: a linear model {idle, max}, a SPECpower table of 11
 * points, or a preset's name (topo_power_preset()); into 'w' when sound. */
static bool read_power(struct reader *r, struct fy_node *n, struct diag_pos at,
                       double w[TOPO_POWER_POINTS])
{
    enum fy_node_type type = n ? fy_node_get_type(n) : FYNT_SCALAR;
    if (type == FYNT_MAPPING) {
        static const struct keyspec keys[] = {{"idle", true}, {"max", true}};
        struct fy_node *v[2];
        struct diag_pos kp[2];
        double idle, max;
        if (!read_mapping(r, n, at, "power", keys, 2, v, kp))
            return false;
        bool ok = want_watts(r, v[0], kp[0], "power idle", &idle);
        if (!want_watts(r, v[1], kp[1], "power max", &max) || !ok)
            return false;
        if (max < idle) {
            diag_add(r->diags, pos_of(v[1]), "power max: %g W is below idle (%g W)", max, idle);
            return false;
        }
        topo_power_linear(idle, max, w);
        return true;
    }
    if (type == FYNT_SEQUENCE) {
        int count = fy_node_sequence_item_count(n);
        if (count != TOPO_POWER_POINTS) {
            diag_add(r->diags, pos_or(n, at),
                     "power: a SPECpower table has %d points (watts at 0%%, 10%%, ..., 100%% "
                     "load), found %d",
                     TOPO_POWER_POINTS, count);
            return false;
        }
        double p[TOPO_POWER_POINTS];
        bool ok = true;
        void *it = NULL;
        struct fy_node *item;
        for (int i = 0; (item = fy_node_sequence_iterate(n, &it)); i++) {
            char what[32];
            snprintf(what, sizeof what, "power at %d%% load", i * 10);
            if (!want_watts(r, item, at, what, &p[i])) {
                ok = false;
            } else if (ok && i && p[i] < p[i - 1]) {
                diag_add(r->diags, pos_of(item),
                         "%s: %g W is below %g W at %d%% (a SPECpower table does not decrease)",
                         what, p[i], p[i - 1], (i - 1) * 10);
                ok = false;
            }
        }
        if (ok)
            memcpy(w, p, sizeof p);
        return ok;
    }
    const char *s = n ? fy_node_get_scalar0(n) : NULL;
    const struct topo_power_preset *pre = s ? topo_power_preset(s) : NULL;
    if (!pre) {
        if (s)
            diag_add(r->diags, pos_of(n), "power: '%s' is not a preset (expected " POWER_FORMS ")",
                     s);
        else
            diag_add(r->diags, pos_or(n, at), "power: expected " POWER_FORMS ", found %s",
                     type_name(n));
        return false;
    }
    memcpy(w, pre->w, sizeof pre->w);
    return true;
}

static void read_machines(struct reader *r, struct fy_node *seq, struct diag_pos at, size_t *cap,
                          enum topo_kind kind)
{
    static const struct keyspec server_keys[] = {{"name", true},        {"address", true},
                                                 {"management", false}, {"memory", false},
                                                 {"cpu", false},        {"power", false}};
    static const struct keyspec host_keys[] = {{"name", true}, {"address", true}};
    bool server = kind == TOPO_SERVER;
    const char *what = server ? "a server" : "a host";
    if (!want_sequence(r, seq, at, server ? "servers" : "hosts"))
        return;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it))) {
        struct fy_node *v[6];
        struct diag_pos kp[6];
        if (!read_mapping(r, item, pos_of(item), what, server ? server_keys : host_keys,
                          server ? 6 : 2, v, kp))
            continue;
        saw_name(r, v[0]);
        char *name =
            want_name(r, v[0], kp[0], server ? "server name" : "host name", TOPO_NODE_NAME_MAX);
        if (!name)
            continue;
        struct topo_node *nd = add_node(r->t, cap, kind, name, pos_of(v[0]));
        want_host(r, v[1], kp[1], "address", &nd->addr);
        if (server && v[2])
            want_host(r, v[2], kp[2], "management", &nd->mgmt);
        if (server && v[3])
            want_mib(r, v[3], kp[3], "memory", 64, 1u << 24, &nd->memory_mib);
        if (server && v[4] && want_number(r, v[4], kp[4], "cpu", 0.01, 4096, "host CPUs", &nd->cpu))
            nd->cpu_pos = pos_of(v[4]);
        if (server)
            memcpy(nd->power_w, topo_power_default()->w, sizeof nd->power_w);
        if (server && v[5] && read_power(r, v[5], kp[5], nd->power_w))
            nd->power_pos = pos_or(v[5], kp[5]);
    }
}

static void read_subnets(struct reader *r, struct fy_node *seq, struct diag_pos at,
                         char ***sw_names)
{
    static const struct keyspec keys[] = {
        {"name", true}, {"prefix", true}, {"gateway", true}, {"switch", true}};
    struct topo *t = r->t;
    if (!want_sequence(r, seq, at, "subnets"))
        return;
    size_t cap = 0, names_cap = 0;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it))) {
        struct fy_node *v[4];
        struct diag_pos kp[4];
        struct diag_pos ipos = pos_of(item);
        bool complete = read_mapping(r, item, ipos, "a subnet", keys, 4, v, kp);
        char *name = v[0] ? want_name(r, v[0], kp[0], "subnet name", TOPO_NODE_NAME_MAX) : NULL;
        struct topo_subnet sn = {.name = name, .pos = v[0] ? pos_of(v[0]) : ipos, .sw = (size_t)-1};
        bool ok = complete && name;
        ok &= v[1] && want_prefix(r, v[1], kp[1], "prefix", &sn.prefix);
        ok &= v[2] && want_ipv4(r, v[2], kp[2], "gateway", &sn.gateway);
        const char *swn = v[3] ? want_scalar(r, v[3], kp[3], "switch") : NULL;
        ok &= swn != NULL;
        if (!ok) {
            free(name);
            continue;
        }
        xgrow(&t->subnets, &cap, t->n_subnets + 1, sizeof *t->subnets);
        xgrow(sw_names, &names_cap, t->n_subnets + 1, sizeof **sw_names);
        /* The switch is resolved in topo_check() once all switches are read;
         * keep the name and its position for the message meanwhile. */
        (*sw_names)[t->n_subnets] =
            xasprintf("%d:%d:%s", pos_of(v[3]).line, pos_of(v[3]).column, swn);
        t->subnets[t->n_subnets++] = sn;
    }
}

#define TOPO_BANDWIDTH_MAX 400000.0 /* Mbit/s */
#define TOPO_DELAY_MAX 60000.0      /* ms */

/* bandwidth, delay and loss of a link, or of 'link-defaults' ('what'): each
 * one given replaces what 'p' had. */
static void read_link_props(struct reader *r, struct fy_node *const v[3],
                            const struct diag_pos kp[3], const char *what,
                            struct topo_link_props *p)
{
    char w[64];
    snprintf(w, sizeof w, "%s bandwidth", what);
    if (v[0] &&
        want_number(r, v[0], kp[0], w, 0.001, TOPO_BANDWIDTH_MAX, "Mbit/s", &p->bandwidth_mbit))
        p->bandwidth_pos = pos_of(v[0]);
    snprintf(w, sizeof w, "%s delay", what);
    if (v[1] && want_number(r, v[1], kp[1], w, 0, TOPO_DELAY_MAX, "ms", &p->delay_ms))
        p->delay_pos = pos_of(v[1]);
    snprintf(w, sizeof w, "%s loss", what);
    if (v[2] && want_number(r, v[2], kp[2], w, 0, 100, "percent", &p->loss_pct))
        p->loss_pos = pos_of(v[2]);
}

static void read_link_defaults(struct reader *r, struct fy_node *map, struct diag_pos at,
                               struct topo_link_props *p)
{
    static const struct keyspec keys[] = {{"bandwidth", false}, {"delay", false}, {"loss", false}};
    struct fy_node *v[3];
    struct diag_pos kp[3];
    if (read_mapping(r, map, at, "link-defaults", keys, 3, v, kp))
        read_link_props(r, v, kp, "link-defaults", p);
}

/* A link is [A, B], or {ends: [A, B], bandwidth: ..., delay: ..., loss: ...}
 * where what it does not say comes from 'defaults'. */
static void read_links(struct reader *r, struct fy_node *seq, struct diag_pos at,
                       const struct topo_link_props *defaults, char ***ends)
{
    static const struct keyspec keys[] = {
        {"ends", true}, {"bandwidth", false}, {"delay", false}, {"loss", false}};
    struct topo *t = r->t;
    if (!want_sequence(r, seq, at, "links"))
        return;
    size_t cap = 0, ends_cap = 0;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it))) {
        struct diag_pos ipos = pos_of(item);
        struct topo_link_props props = *defaults;
        struct fy_node *pair = item;
        if (fy_node_get_type(item) == FYNT_MAPPING) {
            struct fy_node *v[4];
            struct diag_pos kp[4];
            if (!read_mapping(r, item, ipos, "a link", keys, 4, v, kp))
                continue;
            read_link_props(r, v + 1, kp + 1, "link", &props);
            pair = v[0];
            ipos = pos_or(v[0], kp[0]);
        }
        if (fy_node_get_type(pair) != FYNT_SEQUENCE || fy_node_sequence_item_count(pair) != 2) {
            diag_add(r->diags, ipos,
                     "a link: expected a list of two node names, like [ovs1, server1], or "
                     "{ends: [ovs1, server1], bandwidth: 100}");
            continue;
        }
        void *it2 = NULL;
        struct fy_node *e[2];
        e[0] = fy_node_sequence_iterate(pair, &it2);
        e[1] = fy_node_sequence_iterate(pair, &it2);
        const char *s0 = want_scalar(r, e[0], ipos, "link end");
        const char *s1 = want_scalar(r, e[1], ipos, "link end");
        if (!s0 || !s1)
            continue;
        xgrow(&t->links, &cap, t->n_links + 1, sizeof *t->links);
        xgrow(ends, &ends_cap, 2 * (t->n_links + 1), sizeof **ends);
        struct diag_pos p0 = pos_of(e[0]), p1 = pos_of(e[1]);
        (*ends)[2 * t->n_links] = xasprintf("%d:%d:%s", p0.line, p0.column, s0);
        (*ends)[2 * t->n_links + 1] = xasprintf("%d:%d:%s", p1.line, p1.column, s1);
        t->links[t->n_links++] = (struct topo_link){
            .a = (size_t)-1, .b = (size_t)-1, .props = props, .pos = pos_of(item)};
    }
}

/* Splits "LINE:COL:NAME" as stored by the readers above. */
static const char *split_ref(const char *ref, struct diag_pos *pos)
{
    int used = 0;
    if (sscanf(ref, "%d:%d:%n", &pos->line, &pos->column, &used) != 2)
        used = 0;
    return ref + used;
}

static size_t resolve(struct reader *r, const char *ref, const char *what)
{
    struct diag_pos pos = {0, 0};
    const char *name = split_ref(ref, &pos);
    long i = find_node(r, name);
    if (i < 0 && was_seen(r, name))
        return (size_t)-1;
    if (i < 0) {
        diag_add(r->diags, pos, "%s '%s' is not a switch, server or host of this topology", what,
                 name);
        return (size_t)-1;
    }
    return (size_t)i;
}

static void read_controller(struct reader *r, struct fy_node *map, struct diag_pos at)
{
    static const struct keyspec keys[] = {
        {"openflow", true}, {"api", true}, {"rewrite-at", false}, {"migration-network", false}};
    struct fy_node *v[4];
    struct diag_pos kp[4];
    read_mapping(r, map, at, "controller", keys, 4, v, kp);
    if (v[0]) {
        r->t->where.ctl = pos_or(v[0], kp[0]);
        want_endpoint(r, v[0], kp[0], "controller openflow", true, &r->t->ctl_addr,
                      &r->t->ctl_of_port);
    }
    if (v[1])
        want_endpoint(r, v[1], kp[1], "controller api", false, &r->t->api_addr, &r->t->api_port);
    const char *ra = v[2] ? want_scalar(r, v[2], kp[2], "controller rewrite-at") : NULL;
    if (ra && topo_parse_rewrite_at(ra, &r->t->rewrite_at) < 0)
        diag_add(r->diags, pos_of(v[2]),
                 "controller rewrite-at: expected root or nearest, got '%s'", ra);
    const char *mn = v[3] ? want_scalar(r, v[3], kp[3], "controller migration-network") : NULL;
    if (mn && topo_parse_migration_net(mn, &r->t->migration_net) < 0)
        diag_add(r->diags, pos_of(v[3]),
                 "controller migration-network: expected data or management, got '%s'", mn);
}

static void read_emulation(struct reader *r, struct fy_node *map, struct diag_pos at)
{
    static const struct keyspec keys[] = {{"switch-management", false}};
    struct fy_node *v[1];
    struct diag_pos kp[1];
    read_mapping(r, map, at, "emulation", keys, 1, v, kp);
    if (v[0]) {
        r->t->where.switch_mgmt = pos_or(v[0], kp[0]);
        want_host(r, v[0], kp[0], "emulation switch-management", &r->t->emu.switch_mgmt);
    }
}

static void collect_parse_errors(struct fy_diag *fyd, struct diag_list *diags)
{
    void *it = NULL;
    struct fy_diag_error *e;
    while ((e = fy_diag_errors_iterate(fyd, &it))) {
        if (e->type < FYET_ERROR)
            continue;
        diag_add(diags, (struct diag_pos){e->line, e->column}, "YAML syntax: %s", e->msg);
    }
}

static struct topo *read_document(struct fy_document *fyd, const char *file,
                                  struct diag_list *diags)
{
    static const struct keyspec keys[] = {
        {"name", false},      {"controller", true},     {"management", true}, {"subnets", true},
        {"switches", true},   {"servers", false},       {"hosts", false},     {"links", true},
        {"emulation", false}, {"link-defaults", false},
    };
    enum {
        K_NAME,
        K_CTL,
        K_MGMT,
        K_SUBNETS,
        K_SWITCHES,
        K_SERVERS,
        K_HOSTS,
        K_LINKS,
        K_EMU,
        K_LINK_DEFAULTS,
        K_COUNT
    };
    struct topo *t = xcalloc(1, sizeof *t);
    struct reader r = {.diags = diags, .t = t};
    t->file = xstrdup(file);
    struct fy_node *root = fy_document_root(fyd);
    struct diag_pos top = {1, 1};
    struct fy_node *v[K_COUNT];
    struct diag_pos kp[K_COUNT];
    if (!root) {
        diag_add(diags, top,
                 "the file is empty (expected a topology mapping; see docs/topology.md)");
        topo_free(t);
        return NULL;
    }
    read_mapping(&r, root, top, "the topology", keys, K_COUNT, v, kp);

    if (v[K_NAME]) {
        t->where.name = pos_or(v[K_NAME], kp[K_NAME]);
        t->name = want_name(&r, v[K_NAME], kp[K_NAME], "name", TOPO_LAB_NAME_MAX);
    }
    if (v[K_CTL])
        read_controller(&r, v[K_CTL], kp[K_CTL]);
    if (v[K_MGMT]) {
        static const struct keyspec mk[] = {{"subnet", true}};
        struct fy_node *mv[1];
        struct diag_pos mp[1];
        if (read_mapping(&r, v[K_MGMT], kp[K_MGMT], "management", mk, 1, mv, mp))
            want_prefix(&r, mv[0], mp[0], "management subnet", &t->mgmt);
    }
    if (v[K_EMU])
        read_emulation(&r, v[K_EMU], kp[K_EMU]);

    size_t cap = 0;
    t->where.switches = v[K_SWITCHES] ? kp[K_SWITCHES] : top;
    if (v[K_SWITCHES])
        read_switches(&r, v[K_SWITCHES], kp[K_SWITCHES], &cap);
    if (v[K_SERVERS])
        read_machines(&r, v[K_SERVERS], kp[K_SERVERS], &cap, TOPO_SERVER);
    if (v[K_HOSTS])
        read_machines(&r, v[K_HOSTS], kp[K_HOSTS], &cap, TOPO_HOST);

    char **sw_names = NULL, **ends = NULL;
    if (v[K_SUBNETS])
        read_subnets(&r, v[K_SUBNETS], kp[K_SUBNETS], &sw_names);
    struct topo_link_props defaults = {0};
    if (v[K_LINK_DEFAULTS])
        read_link_defaults(&r, v[K_LINK_DEFAULTS], kp[K_LINK_DEFAULTS], &defaults);
    if (v[K_LINKS])
        read_links(&r, v[K_LINKS], kp[K_LINKS], &defaults, &ends);

    /* Resolve names now that every node is known. */
    index_names(&r);
    for (size_t i = 0; i < t->n_subnets; i++) {
        struct diag_pos pos = {0, 0};
        const char *name = split_ref(sw_names[i], &pos);
        long s = find_node(&r, name);
        if (s < 0 && was_seen(&r, name))
            ;
        else if (s < 0)
            diag_add(diags, pos, "subnet %s: switch '%s' is not a switch of this topology",
                     t->subnets[i].name, name);
        else if (t->nodes[s].kind != TOPO_SWITCH)
            diag_add(diags, pos, "subnet %s: '%s' is a %s; a subnet is served by a switch",
                     t->subnets[i].name, name, topo_kind_name(t->nodes[s].kind));
        else
            t->subnets[i].sw = (size_t)s;
        free(sw_names[i]);
    }
    free(sw_names);
    for (size_t i = 0; i < t->n_links; i++) {
        t->links[i].a = resolve(&r, ends[2 * i], "link end");
        t->links[i].b = resolve(&r, ends[2 * i + 1], "link end");
        free(ends[2 * i]);
        free(ends[2 * i + 1]);
    }
    free(ends);
    for (size_t i = 0; i < r.n_seen; i++)
        free(r.seen[i]);
    free(r.seen);
    free(r.seen_keys);
    free(r.node_keys);
    return t;
}

/* Reports every alias under 'n', where its '*' is; returns how many. */
static size_t report_aliases(struct fy_node *n, const char *text, struct diag_list *diags)
{
    if (!n)
        return 0;
    size_t found = 0;
    if (fy_node_is_alias(n)) {
        size_t len = 0;
        const char *name = fy_node_get_scalar(n, &len);
        struct diag_pos pos = pos_of(n);
        /* libfyaml's alias token starts after the '*'. */
        const struct fy_mark *m = fy_token_start_mark(fy_node_get_scalar_token(n));
        if (m && m->input_pos > 0 && text[m->input_pos - 1] == '*' && pos.column > 1)
            pos.column--;
        diag_add(
            diags, pos,
            "YAML alias '*%.*s': aliases are not supported in a topology file (write the value out "
            "in full)",
            (int)len, name ? name : "");
        return 1;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(n, &it))) {
            found += report_aliases(fy_node_pair_key(pair), text, diags);
            found += report_aliases(fy_node_pair_value(pair), text, diags);
        }
    } else if (fy_node_is_sequence(n)) {
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)))
            found += report_aliases(item, text, diags);
    }
    return found; /* libfyaml limits the depth (64) */
}

static void report_second_document(struct fy_document *fyd, struct diag_list *diags)
{
    struct fy_document_state *st = fy_document_get_document_state(fyd);
    const struct fy_mark *m = st ? fy_document_state_start_mark(st) : NULL;
    struct diag_pos pos =
        m ? (struct diag_pos){m->line + 1, m->column + 1} : (struct diag_pos){0, 0};
    diag_add(diags, pos,
             "a second YAML document starts here: a topology file holds one document (remove the "
             "'---' or the "
             "'...' before it, or split the file)");
}

static struct topo *load(const char *file, const char *text, size_t len, struct diag_list *diags)
{
    if (!topo_text_check(text, len, diags) || !topo_text_no_explicit_keys(text, len, diags))
        return NULL;
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    struct fy_diag *fydiag = fy_diag_create(&dcfg);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_NONE,
                               .diag = fydiag};
    struct fy_parser *fyp = fydiag ? fy_parser_create(&cfg) : NULL;
    if (!fyp || fy_parser_set_string(fyp, text, len) != 0) {
        fprintf(stderr, "minidc: cannot start the YAML reader (out of memory?)\n");
        abort();
    }
    fy_diag_set_collect_errors(fydiag, true);
    struct fy_document *fyd = fy_parse_load_document(fyp);
    struct topo *t = NULL;
    size_t before = diags->n;
    if (!fyd) {
        collect_parse_errors(fydiag, diags);
        if (diags->n == before)
            diag_add(diags, (struct diag_pos){1, 1},
                     "the file holds no YAML document (expected a topology mapping; see "
                     "docs/topology.md)");
    } else {
        struct fy_document *more = fy_parse_load_document(fyp);
        if (more) {
            report_second_document(more, diags);
            fy_parse_document_destroy(fyp, more);
        }
        collect_parse_errors(fydiag, diags);
        struct fy_node *root = fy_document_root(fyd);
        if (report_aliases(root, text, diags) == 0) {
            t = read_document(fyd, file, diags);
            if (t && !t->name && !(root && fy_node_mapping_lookup_by_string(root, "name", FY_NT))) {
                /* Default lab name: the file's base name without extension. */
                const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
                size_t n = strcspn(base, ".");
                t->name = xstrndup(base, n);
            }
            /* Check relations even after the reader found problems, so one
             * run reports them all; the partial model tolerates unresolved
             * names. */
            if (t)
                topo_check(t, diags);
        }
        if (diags->n > before) {
            topo_free(t);
            t = NULL;
        }
        fy_parse_document_destroy(fyp, fyd);
    }
    /* libfyaml places what is missing at the end (a syntax error, an empty
     * scalar) past it: at the end it is. */
    for (size_t i = before; i < diags->n; i++)
        diags->items[i].pos = topo_text_clamp(text, len, diags->items[i].pos);
    fy_parser_destroy(fyp);
    fy_diag_destroy(fydiag);
    return t;
}

/* The whole file, at most TOPO_FILE_MAX bytes, or NULL after a problem. */
static char *read_file(const char *path, size_t *len, struct diag_list *diags)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(diags, (struct diag_pos){0, 0}, "cannot read the file: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 0, n = 0;
    char *data = NULL;
    for (;;) {
        xgrow(&data, &cap, n + 65536, 1);
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (n > TOPO_FILE_MAX) {
            diag_add(diags, (struct diag_pos){0, 0},
                     "the file is larger than %u MiB, more than a topology file may be",
                     TOPO_FILE_MAX >> 20);
            break;
        }
        if (got == 0 || feof(f))
            break;
    }
    if (ferror(f) || n > TOPO_FILE_MAX) {
        if (ferror(f))
            diag_add(diags, (struct diag_pos){0, 0}, "cannot read the file: %s", strerror(errno));
        fclose(f);
        free(data);
        return NULL;
    }
    fclose(f);
    *len = n;
    return data;
}

struct topo *topo_load(const char *path, struct diag_list *diags)
{
    size_t len = 0;
    char *data = read_file(path, &len, diags);
    if (!data)
        return NULL;
    struct topo *t = load(path, data, len, diags);
    free(data);
    return t;
}

struct topo *topo_load_buffer(const char *name, const void *data, size_t len,
                              struct diag_list *diags)
{
    return load(name, data, len, diags);
}

struct topo *topo_load_string(const char *name, const char *text, struct diag_list *diags)
{
    return load(name, text, strlen(text), diags);
}
