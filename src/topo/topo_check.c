/* Semantic checks of a topology and what follows from it: every relation the
 * reader cannot see alone (names unique, links between known nodes, each
 * machine on exactly one switch and inside its switch's subnet, subnets apart,
 * the switch graph connected), and the derived values (port numbers,
 * attachments, datapath ids, management addresses left out).
 *
 * Each check is linear or n log n in the size of the file: whatever must not
 * occur twice is found by sorting keys (topo_keys.h), the graph is searched
 * once (topo_graph.h).  The problems and their order are those of comparing
 * every pair: each item is reported against the first earlier one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/topo_graph.h"
#include "topo/topo_keys.h"
#include "util/xalloc.h"

#define NONE ((size_t)-1)

/* Sorts 'keys' (taken) and returns, for each of 'n_items' items, the first
 * item with an equal key (NONE for items without a key); caller frees. */
static size_t *first_equal(struct topo_key *keys, size_t n_keys, size_t n_items)
{
    size_t *first = xmalloc((n_items ? n_items : 1) * sizeof *first);
    for (size_t i = 0; i < n_items; i++)
        first[i] = NONE;
    topo_keys_sort(keys, n_keys);
    topo_keys_first(keys, n_keys, first);
    free(keys);
    return first;
}

static struct topo_key *new_keys(size_t n)
{
    return xmalloc((n ? n : 1) * sizeof(struct topo_key));
}

int topo_parse_rewrite_at(const char *s, enum topo_rewrite_at *out)
{
    if (!strcmp(s, "root"))
        *out = TOPO_REWRITE_ROOT;
    else if (!strcmp(s, "nearest"))
        *out = TOPO_REWRITE_NEAREST;
    else
        return -1;
    return 0;
}

const char *topo_rewrite_at_name(enum topo_rewrite_at at)
{
    return at == TOPO_REWRITE_NEAREST ? "nearest" : "root";
}

int topo_parse_migration_net(const char *s, enum topo_migration_net *out)
{
    if (!strcmp(s, "data"))
        *out = TOPO_MIGRATION_DATA;
    else if (!strcmp(s, "management"))
        *out = TOPO_MIGRATION_MANAGEMENT;
    else
        return -1;
    return 0;
}

const char *topo_migration_net_name(enum topo_migration_net n)
{
    return n == TOPO_MIGRATION_MANAGEMENT ? "management" : "data";
}

bool topo_valid_lab_name(const char *s)
{
    if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) ||
        strlen(s) > TOPO_LAB_NAME_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

static size_t check_names(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    /* No name at all: the 'name' key was there but rejected, and reported.
     * A name the file does not write is its file's name. */
    if (t->name && !topo_valid_lab_name(t->name)) {
        bool written = t->where.name.line != 0;
        diag_add(d, t->where.name,
                 "topology name '%s'%s cannot name a lab (expected a letter, then letters, digits "
                 "or '_', at most "
                 "%d characters%s)",
                 t->name, written ? "" : " (the file's name)", TOPO_LAB_NAME_MAX,
                 written ? "" : "; set one with a 'name:' key");
        n++;
    }
    struct topo_key *keys = new_keys(t->n_nodes);
    for (size_t i = 0; i < t->n_nodes; i++)
        keys[i] = (struct topo_key){.str = t->nodes[i].name, .item = i};
    size_t *first = first_equal(keys, t->n_nodes, t->n_nodes);
    for (size_t i = 0; i < t->n_nodes; i++) {
        size_t j = first[i];
        if (j != i) {
            diag_add(d, t->nodes[i].pos, "duplicate name '%s' (already a %s at line %d)",
                     t->nodes[i].name, topo_kind_name(t->nodes[j].kind), t->nodes[j].pos.line);
            n++;
        }
    }
    free(first);
    keys = new_keys(t->n_subnets);
    for (size_t i = 0; i < t->n_subnets; i++)
        keys[i] = (struct topo_key){.str = t->subnets[i].name, .item = i};
    first = first_equal(keys, t->n_subnets, t->n_subnets);
    for (size_t i = 0; i < t->n_subnets; i++) {
        size_t j = first[i];
        if (j != i) {
            diag_add(d, t->subnets[i].pos, "duplicate subnet name '%s' (already at line %d)",
                     t->subnets[i].name, t->subnets[j].pos.line);
            n++;
        }
    }
    free(first);
    if (topo_count(t, TOPO_SWITCH) == 0) {
        diag_add(d, t->where.switches.line ? t->where.switches : (struct diag_pos){1, 1},
                 "the topology has no switch");
        n++;
    }
    return n;
}

static bool prefixes_overlap(struct topo_prefix a, struct topo_prefix b)
{
    int len = a.len < b.len ? a.len : b.len;
    uint32_t m = topo_prefix_mask(len);
    return (a.addr & m) == (b.addr & m);
}

static bool is_edge_address(struct topo_prefix p, uint32_t a)
{
    uint32_t m = topo_prefix_mask(p.len);
    return a == (p.addr & m) || a == ((p.addr & m) | ~m);
}

/* A prefix as a key: its network address, then its length. */
static uint64_t prefix_num(uint32_t addr, int len)
{
    return (uint64_t)(addr & topo_prefix_mask(len)) << 8 | (unsigned)len;
}

/* The subnets sorted by prefix; caller frees. */
static struct topo_key *subnets_by_prefix(const struct topo *t)
{
    struct topo_key *keys = new_keys(t->n_subnets);
    for (size_t i = 0; i < t->n_subnets; i++)
        keys[i] = (struct topo_key){
            .num = prefix_num(t->subnets[i].prefix.addr, t->subnets[i].prefix.len), .item = i};
    topo_keys_sort(keys, t->n_subnets);
    return keys;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Fills 'out' with the subnets before subnet 'i' that overlap it, in list
 * order, and returns how many.  Two prefixes overlap when one holds the
 * other: the shorter ones holding i are found by length, the longer ones
 * inside i as a range of network addresses. */
static size_t overlapping_before(const struct topo *t, const struct topo_key *keys, size_t i,
                                 size_t *out)
{
    struct topo_prefix p = t->subnets[i].prefix;
    size_t n = t->n_subnets, k = 0;
    for (int len = 0; len <= p.len; len++) {
        uint64_t num = prefix_num(p.addr, len);
        for (size_t q = topo_keys_lower(keys, n, num, NULL);
             q < n && keys[q].num == num && keys[q].item < i; q++)
            out[k++] = keys[q].item;
    }
    uint32_t net = p.addr & topo_prefix_mask(p.len), last = net | ~topo_prefix_mask(p.len);
    for (size_t q = topo_keys_lower(keys, n, (uint64_t)net << 8, NULL);
         q < n && keys[q].num <= ((uint64_t)last << 8 | 0xff); q++)
        if ((int)(keys[q].num & 0xff) > p.len && keys[q].item < i)
            out[k++] = keys[q].item;
    qsort(out, k, sizeof *out, cmp_size);
    return k;
}

static size_t check_subnets(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    char b1[16], b2[16];
    struct topo_key *keys = subnets_by_prefix(t);
    size_t *before = xmalloc((t->n_subnets ? t->n_subnets : 1) * sizeof *before);
    for (size_t i = 0; i < t->n_subnets; i++) {
        struct topo_subnet *s = &t->subnets[i];
        size_t n_before = overlapping_before(t, keys, i, before);
        for (size_t k = 0; k < n_before; k++) {
            size_t j = before[k];
            diag_add(d, s->pos, "subnet %s (%s/%d) overlaps subnet %s (%s/%d, line %d)", s->name,
                     topo_ip_str(s->prefix.addr, b1), s->prefix.len, t->subnets[j].name,
                     topo_ip_str(t->subnets[j].prefix.addr, b2), t->subnets[j].prefix.len,
                     t->subnets[j].pos.line);
            n++;
        }
        if (t->mgmt.len && prefixes_overlap(s->prefix, t->mgmt)) {
            diag_add(d, s->pos, "subnet %s (%s/%d) overlaps the management network %s/%d", s->name,
                     topo_ip_str(s->prefix.addr, b1), s->prefix.len, topo_ip_str(t->mgmt.addr, b2),
                     t->mgmt.len);
            n++;
        }
        if (!topo_prefix_contains(s->prefix, s->gateway) ||
            is_edge_address(s->prefix, s->gateway)) {
            diag_add(d, s->pos, "subnet %s: gateway %s is not a host address of %s/%d", s->name,
                     topo_ip_str(s->gateway, b1), topo_ip_str(s->prefix.addr, b2), s->prefix.len);
            n++;
        }
    }
    free(before);
    free(keys);
    return n;
}

static size_t check_links(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    /* A link as a key: its ends, the lower first. */
    struct topo_key *keys = new_keys(t->n_links);
    size_t n_keys = 0;
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        if (l->a != NONE && l->b != NONE)
            keys[n_keys++] = (struct topo_key){.num = (uint64_t)(l->a < l->b ? l->a : l->b) << 32 |
                                                      (l->a < l->b ? l->b : l->a),
                                               .item = i};
    }
    size_t *first = first_equal(keys, n_keys, t->n_links);
    for (size_t i = 0; i < t->n_links; i++) {
        struct topo_link *l = &t->links[i];
        if (l->a == NONE || l->b == NONE)
            continue; /* already reported by the reader */
        struct topo_node *a = &t->nodes[l->a], *b = &t->nodes[l->b];
        if (l->a == l->b) {
            diag_add(d, l->pos, "link from '%s' to itself", a->name);
            n++;
            continue;
        }
        if (a->kind != TOPO_SWITCH && b->kind != TOPO_SWITCH) {
            diag_add(d, l->pos,
                     "link between %s '%s' and %s '%s': every link needs a switch on one end",
                     topo_kind_name(a->kind), a->name, topo_kind_name(b->kind), b->name);
            n++;
            continue;
        }
        if (first[i] != i) {
            diag_add(d, l->pos, "duplicate link between '%s' and '%s' (already at line %d)",
                     a->name, b->name, t->links[first[i]].pos.line);
            n++;
            continue;
        }
        /* Machines hang on exactly one switch. */
        for (int e = 0; e < 2; e++) {
            struct topo_node *m = e ? b : a;
            if (m->kind != TOPO_SWITCH && m->sw != NONE) {
                diag_add(d, l->pos,
                         "%s '%s' is already linked to switch '%s'; a %s hangs on one switch",
                         topo_kind_name(m->kind), m->name, t->nodes[m->sw].name,
                         topo_kind_name(m->kind));
                n++;
                goto next;
            }
        }
        for (int e = 0; e < 2; e++) {
            struct topo_node *sw = e ? b : a;
            if (sw->kind != TOPO_SWITCH)
                continue;
            if (sw->next_port >= TOPO_PORT_MAX) {
                diag_add(d, l->pos, "switch '%s' has more than %d links", sw->name, TOPO_PORT_MAX);
                n++;
                goto next;
            }
        }
        l->a_port = a->kind == TOPO_SWITCH ? ++a->next_port : 0;
        l->b_port = b->kind == TOPO_SWITCH ? ++b->next_port : 0;
        if (a->kind != TOPO_SWITCH) {
            a->sw = l->b;
            a->sw_port = l->b_port;
        }
        if (b->kind != TOPO_SWITCH) {
            b->sw = l->a;
            b->sw_port = l->a_port;
        }
    next:;
    }
    free(first);
    return n;
}

/* The last subnet whose prefix holds 'addr' (NONE when none does): one
 * look-up per prefix length in the subnets sorted by prefix. */
static size_t subnet_of(const struct topo *t, const struct topo_key *keys, uint32_t addr)
{
    size_t found = NONE;
    for (int len = 0; len <= 32; len++) {
        uint64_t num = prefix_num(addr, len);
        size_t q = topo_keys_lower(keys, t->n_subnets, num + 1, NULL);
        if (q > 0 && keys[q - 1].num == num && (found == NONE || keys[q - 1].item > found))
            found = keys[q - 1].item;
    }
    return found;
}

static size_t check_machines(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    char b1[16], b2[16];
    bool *mentioned = xcalloc(t->n_nodes ? t->n_nodes : 1, sizeof *mentioned);
    for (size_t l = 0; l < t->n_links; l++) {
        if (t->links[l].a < t->n_nodes)
            mentioned[t->links[l].a] = true;
        if (t->links[l].b < t->n_nodes)
            mentioned[t->links[l].b] = true;
    }
    struct topo_key *by_prefix = subnets_by_prefix(t);
    struct topo_key *keys = new_keys(t->n_nodes);
    size_t n_keys = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind != TOPO_SWITCH)
            keys[n_keys++] = (struct topo_key){.num = t->nodes[i].addr, .item = i};
    size_t *first = first_equal(keys, n_keys, t->n_nodes);
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct topo_node *m = &t->nodes[i];
        if (m->kind == TOPO_SWITCH)
            continue;
        if (!mentioned[i]) {
            diag_add(d, m->pos,
                     "%s '%s' is not linked to any switch (add a link like [SWITCH, %s])",
                     topo_kind_name(m->kind), m->name, m->name);
            n++;
        }
        if (m->addr == 0)
            continue; /* the address itself was rejected by the reader */
        m->subnet = subnet_of(t, by_prefix, m->addr);
        if (m->subnet == NONE) {
            diag_add(d, m->pos, "%s '%s': address %s is in no subnet of this topology",
                     topo_kind_name(m->kind), m->name, topo_ip_str(m->addr, b1));
            n++;
            continue;
        }
        struct topo_subnet *sn = &t->subnets[m->subnet];
        if (is_edge_address(sn->prefix, m->addr) || m->addr == sn->gateway) {
            diag_add(d, m->pos, "%s '%s': address %s is the %s of subnet %s",
                     topo_kind_name(m->kind), m->name, topo_ip_str(m->addr, b1),
                     m->addr == sn->gateway ? "gateway" : "network or broadcast address", sn->name);
            n++;
        }
        if (first[i] != i) {
            const struct topo_node *o = &t->nodes[first[i]];
            diag_add(d, m->pos, "%s '%s': address %s is already used by '%s' (line %d)",
                     topo_kind_name(m->kind), m->name, topo_ip_str(m->addr, b1), o->name,
                     o->pos.line);
            n++;
        }
        if (m->sw != NONE && sn->sw != NONE && m->sw != sn->sw) {
            diag_add(
                d, m->pos,
                "%s '%s' is in subnet %s (%s/%d, served by switch '%s') but linked to switch '%s'",
                topo_kind_name(m->kind), m->name, sn->name, topo_ip_str(sn->prefix.addr, b2),
                sn->prefix.len, t->nodes[sn->sw].name, t->nodes[m->sw].name);
            n++;
        }
    }
    free(first);
    free(by_prefix);
    free(mentioned);
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Fills in the management addresses the file leaves out, from 'first' to
 * 'last': the emulated switches take the highest free one, servers the
 * lowest free ones, in file order.  Returns the problems found (0 or 1). */
static size_t fill_management(struct topo *t, struct diag_list *d, uint32_t first, uint32_t last)
{
    char b1[16];
    /* Taken: the controller's address, the servers' written in the file and
     * (once chosen) the switches', sorted. */
    uint32_t *taken = xmalloc((t->n_nodes + 2) * sizeof *taken);
    size_t n_taken = 0;
    taken[n_taken++] = t->ctl_addr;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SERVER && t->nodes[i].mgmt)
            taken[n_taken++] = t->nodes[i].mgmt;
    qsort(taken, n_taken, sizeof *taken, cmp_u32);
    for (uint32_t a = last; !t->emu.switch_mgmt && a >= first; a--)
        if (!bsearch(&a, taken, n_taken, sizeof *taken, cmp_u32))
            t->emu.switch_mgmt = a;
    taken[n_taken++] = t->emu.switch_mgmt;
    qsort(taken, n_taken, sizeof *taken, cmp_u32);
    uint32_t next = first;
    size_t p = 0; /* taken[p] is the first taken address not below 'next' */
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct topo_node *s = &t->nodes[i];
        if (s->kind != TOPO_SERVER || s->mgmt)
            continue;
        for (;;) {
            while (p < n_taken && taken[p] < next)
                p++;
            if (next > last || p == n_taken || taken[p] != next)
                break;
            next++;
        }
        if (next > last) {
            diag_add(d, s->pos, "server '%s': no management address left in %s/%d", s->name,
                     topo_ip_str(t->mgmt.addr, b1), t->mgmt.len);
            free(taken);
            return 1;
        }
        s->mgmt = next++;
    }
    free(taken);
    return 0;
}

static size_t check_management(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    char b1[16], b2[16];
    if (t->mgmt.len == 0 || t->ctl_addr == 0)
        return 0; /* missing or rejected: reported by the reader */
    if (!topo_prefix_contains(t->mgmt, t->ctl_addr) || is_edge_address(t->mgmt, t->ctl_addr)) {
        diag_add(
            d, t->where.ctl,
            "controller openflow address %s is not a host address of the management network %s/%d",
            topo_ip_str(t->ctl_addr, b1), topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
        n++;
    }
    struct topo_key *keys = new_keys(t->n_nodes);
    size_t n_keys = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SERVER && t->nodes[i].mgmt)
            keys[n_keys++] = (struct topo_key){.num = t->nodes[i].mgmt, .item = i};
    size_t *first = first_equal(keys, n_keys, t->n_nodes);
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct topo_node *m = &t->nodes[i];
        if (m->kind != TOPO_SERVER || !m->mgmt)
            continue;
        if (!topo_prefix_contains(t->mgmt, m->mgmt) || is_edge_address(t->mgmt, m->mgmt)) {
            diag_add(d, m->pos, "server '%s': management address %s is not a host address of %s/%d",
                     m->name, topo_ip_str(m->mgmt, b1), topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
            n++;
        } else if (m->mgmt == t->ctl_addr || m->mgmt == t->emu.switch_mgmt) {
            diag_add(d, m->pos, "server '%s': management address %s is the %s's", m->name,
                     topo_ip_str(m->mgmt, b1),
                     m->mgmt == t->ctl_addr ? "controller" : "emulated switches");
            n++;
        }
        if (first[i] != i) {
            diag_add(d, m->pos, "server '%s': management address %s is already used by '%s'",
                     m->name, topo_ip_str(m->mgmt, b1), t->nodes[first[i]].name);
            n++;
        }
    }
    free(first);
    if (n)
        return n;
    uint32_t m = topo_prefix_mask(t->mgmt.len);
    if (t->emu.switch_mgmt &&
        (!topo_prefix_contains(t->mgmt, t->emu.switch_mgmt) ||
         is_edge_address(t->mgmt, t->emu.switch_mgmt) || t->emu.switch_mgmt == t->ctl_addr)) {
        diag_add(d, t->where.switch_mgmt,
                 "emulation switch-management %s is not a free host address of %s/%d",
                 topo_ip_str(t->emu.switch_mgmt, b1), topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
        return 1;
    }
    return fill_management(t, d, (t->mgmt.addr & m) + 1, ((t->mgmt.addr & m) | ~m) - 1);
}

static size_t check_connected(struct topo *t, struct diag_list *d)
{
    size_t first = NONE, n = 0;
    for (size_t i = 0; i < t->n_nodes && first == NONE; i++)
        if (t->nodes[i].kind == TOPO_SWITCH)
            first = i;
    if (first == NONE)
        return 0;
    /* One search from the first switch reaches all the others or not. */
    struct topo_graph *g = topo_graph_create(t);
    int *dist = xmalloc(t->n_nodes * sizeof *dist);
    topo_graph_crossed(g, first, dist);
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SWITCH || i == first)
            continue;
        if (dist[i] < 0) {
            diag_add(d, t->nodes[i].pos,
                     "switch '%s' is not connected to switch '%s' (the switches must form one "
                     "connected network)",
                     t->nodes[i].name, t->nodes[first].name);
            n++;
        }
    }
    free(dist);
    topo_graph_destroy(g);
    return n;
}

static size_t check_dpids(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SWITCH && !t->nodes[i].dpid_given)
            t->nodes[i].dpid = topo_derive_dpid(t->nodes[i].name);
    /* Each switch against every earlier one with its datapath id: those
     * before it among the sorted keys of its id. */
    struct topo_key *keys = new_keys(t->n_nodes);
    size_t n_keys = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SWITCH)
            keys[n_keys++] = (struct topo_key){.num = t->nodes[i].dpid, .item = i};
    topo_keys_sort(keys, n_keys);
    size_t *at = xmalloc((t->n_nodes ? t->n_nodes : 1) * sizeof *at);
    for (size_t q = 0; q < n_keys; q++)
        at[keys[q].item] = q;
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SWITCH)
            continue;
        size_t q = topo_keys_lower(keys, n_keys, t->nodes[i].dpid, NULL);
        for (; q < at[i]; q++) {
            const struct topo_node *o = &t->nodes[keys[q].item];
            diag_add(d, t->nodes[i].pos, "switch '%s' has the datapath id %016llx of switch '%s'",
                     t->nodes[i].name, (unsigned long long)t->nodes[i].dpid, o->name);
            n++;
        }
    }
    free(at);
    free(keys);
    return n;
}

size_t topo_check(struct topo *t, struct diag_list *d)
{
    size_t earlier = d->n;
    size_t n = check_names(t, d);
    n += check_subnets(t, d);
    n += check_links(t, d);
    n += check_machines(t, d);
    n += check_management(t, d);
    n += check_dpids(t, d);
    /* Connectivity only means something once everything else is sound. */
    if (n == 0 && earlier == 0)
        n += check_connected(t, d);
    return n;
}
