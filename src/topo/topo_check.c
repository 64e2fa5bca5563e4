/* Semantic checks of a topology and what follows from it: every relation the
 * reader cannot see alone (names unique, links between known nodes, each
 * machine on exactly one switch and inside its switch's subnet, subnets apart,
 * the switch graph connected), and the derived values (port numbers,
 * attachments, datapath ids, management addresses left out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "topo/topo_graph.h"
#include "util/xalloc.h"

#define NONE ((size_t)-1)

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

bool topo_valid_lab_name(const char *s)
{
    if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) || strlen(s) > TOPO_LAB_NAME_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static size_t check_names(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    /* No name at all: the 'name' key was there but rejected, and reported. */
    if (t->name && !topo_valid_lab_name(t->name)) {
        diag_add(d, (struct diag_pos){1, 1},
                 "topology name '%s' cannot name a lab (expected a letter, then letters, digits or '_', at most "
                 "%d characters; set it with a 'name:' key)",
                 t->name ? t->name : "", TOPO_LAB_NAME_MAX);
        n++;
    }
    for (size_t i = 0; i < t->n_nodes; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t->nodes[i].name, t->nodes[j].name)) {
                diag_add(d, t->nodes[i].pos, "duplicate name '%s' (already a %s at line %d)", t->nodes[i].name,
                         topo_kind_name(t->nodes[j].kind), t->nodes[j].pos.line);
                n++;
                break;
            }
    for (size_t i = 0; i < t->n_subnets; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t->subnets[i].name, t->subnets[j].name)) {
                diag_add(d, t->subnets[i].pos, "duplicate subnet name '%s' (already at line %d)",
                         t->subnets[i].name, t->subnets[j].pos.line);
                n++;
                break;
            }
    if (topo_count(t, TOPO_SWITCH) == 0) {
        diag_add(d, (struct diag_pos){1, 1}, "the topology has no switch");
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

static size_t check_subnets(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    char b1[16], b2[16];
    for (size_t i = 0; i < t->n_subnets; i++) {
        struct topo_subnet *s = &t->subnets[i];
        for (size_t j = 0; j < i; j++)
            if (prefixes_overlap(s->prefix, t->subnets[j].prefix)) {
                diag_add(d, s->pos, "subnet %s (%s/%d) overlaps subnet %s (%s/%d, line %d)", s->name,
                         topo_ip_str(s->prefix.addr, b1), s->prefix.len, t->subnets[j].name,
                         topo_ip_str(t->subnets[j].prefix.addr, b2), t->subnets[j].prefix.len,
                         t->subnets[j].pos.line);
                n++;
            }
        if (t->mgmt.len && prefixes_overlap(s->prefix, t->mgmt)) {
            diag_add(d, s->pos, "subnet %s (%s/%d) overlaps the management network %s/%d", s->name,
                     topo_ip_str(s->prefix.addr, b1), s->prefix.len, topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
            n++;
        }
        if (!topo_prefix_contains(s->prefix, s->gateway) || is_edge_address(s->prefix, s->gateway)) {
            diag_add(d, s->pos, "subnet %s: gateway %s is not a host address of %s/%d", s->name,
                     topo_ip_str(s->gateway, b1), topo_ip_str(s->prefix.addr, b2), s->prefix.len);
            n++;
        }
    }
    return n;
}

static size_t check_links(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
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
            diag_add(d, l->pos, "link between %s '%s' and %s '%s': every link needs a switch on one end",
                     topo_kind_name(a->kind), a->name, topo_kind_name(b->kind), b->name);
            n++;
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            const struct topo_link *o = &t->links[j];
            if ((o->a == l->a && o->b == l->b) || (o->a == l->b && o->b == l->a)) {
                diag_add(d, l->pos, "duplicate link between '%s' and '%s' (already at line %d)", a->name, b->name,
                         o->pos.line);
                dup = true;
            }
        }
        if (dup) {
            n++;
            continue;
        }
        /* Machines hang on exactly one switch. */
        for (int e = 0; e < 2; e++) {
            struct topo_node *m = e ? b : a;
            if (m->kind != TOPO_SWITCH && m->sw != NONE) {
                diag_add(d, l->pos, "%s '%s' is already linked to switch '%s'; a %s hangs on one switch",
                         topo_kind_name(m->kind), m->name, t->nodes[m->sw].name, topo_kind_name(m->kind));
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
    return n;
}

static size_t check_machines(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    char b1[16], b2[16];
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct topo_node *m = &t->nodes[i];
        if (m->kind == TOPO_SWITCH)
            continue;
        bool mentioned = false;
        for (size_t l = 0; l < t->n_links; l++)
            mentioned |= t->links[l].a == i || t->links[l].b == i;
        if (!mentioned) {
            diag_add(d, m->pos, "%s '%s' is not linked to any switch (add a link like [SWITCH, %s])",
                     topo_kind_name(m->kind), m->name, m->name);
            n++;
        }
        if (m->addr == 0)
            continue; /* the address itself was rejected by the reader */
        for (size_t s = 0; s < t->n_subnets; s++)
            if (topo_prefix_contains(t->subnets[s].prefix, m->addr))
                m->subnet = s;
        if (m->subnet == NONE) {
            diag_add(d, m->pos, "%s '%s': address %s is in no subnet of this topology", topo_kind_name(m->kind),
                     m->name, topo_ip_str(m->addr, b1));
            n++;
            continue;
        }
        struct topo_subnet *sn = &t->subnets[m->subnet];
        if (is_edge_address(sn->prefix, m->addr) || m->addr == sn->gateway) {
            diag_add(d, m->pos, "%s '%s': address %s is the %s of subnet %s", topo_kind_name(m->kind), m->name,
                     topo_ip_str(m->addr, b1), m->addr == sn->gateway ? "gateway" : "network or broadcast address",
                     sn->name);
            n++;
        }
        for (size_t j = 0; j < i; j++)
            if (t->nodes[j].kind != TOPO_SWITCH && t->nodes[j].addr == m->addr) {
                diag_add(d, m->pos, "%s '%s': address %s is already used by '%s' (line %d)",
                         topo_kind_name(m->kind), m->name, topo_ip_str(m->addr, b1), t->nodes[j].name,
                         t->nodes[j].pos.line);
                n++;
                break;
            }
        if (m->sw != NONE && sn->sw != NONE && m->sw != sn->sw) {
            diag_add(d, m->pos, "%s '%s' is in subnet %s (%s/%d, served by switch '%s') but linked to switch '%s'",
                     topo_kind_name(m->kind), m->name, sn->name, topo_ip_str(sn->prefix.addr, b2), sn->prefix.len,
                     t->nodes[sn->sw].name, t->nodes[m->sw].name);
            n++;
        }
    }
    return n;
}

static bool mgmt_taken(const struct topo *t, uint32_t a)
{
    if (a == t->ctl_addr || a == t->emu.switch_mgmt)
        return true;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SERVER && t->nodes[i].mgmt == a)
            return true;
    return false;
}

static size_t check_management(struct topo *t, struct diag_list *d)
{
    size_t n = 0;
    char b1[16], b2[16];
    struct diag_pos top = {1, 1};
    if (t->mgmt.len == 0 || t->ctl_addr == 0)
        return 0; /* missing or rejected: reported by the reader */
    if (!topo_prefix_contains(t->mgmt, t->ctl_addr) || is_edge_address(t->mgmt, t->ctl_addr)) {
        diag_add(d, top, "controller openflow address %s is not a host address of the management network %s/%d",
                 topo_ip_str(t->ctl_addr, b1), topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
        n++;
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct topo_node *m = &t->nodes[i];
        if (m->kind != TOPO_SERVER || !m->mgmt)
            continue;
        if (!topo_prefix_contains(t->mgmt, m->mgmt) || is_edge_address(t->mgmt, m->mgmt)) {
            diag_add(d, m->pos, "server '%s': management address %s is not a host address of %s/%d", m->name,
                     topo_ip_str(m->mgmt, b1), topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
            n++;
        } else if (m->mgmt == t->ctl_addr || m->mgmt == t->emu.switch_mgmt) {
            diag_add(d, m->pos, "server '%s': management address %s is the %s's", m->name, topo_ip_str(m->mgmt, b1),
                     m->mgmt == t->ctl_addr ? "controller" : "emulated switches");
            n++;
        }
        for (size_t j = 0; j < i; j++)
            if (t->nodes[j].kind == TOPO_SERVER && t->nodes[j].mgmt == m->mgmt) {
                diag_add(d, m->pos, "server '%s': management address %s is already used by '%s'", m->name,
                         topo_ip_str(m->mgmt, b1), t->nodes[j].name);
                n++;
                break;
            }
    }
    if (n)
        return n;
    /* Fill in what the file leaves out: the emulated switches take the highest
     * free address, servers the lowest free ones, in file order. */
    uint32_t m = topo_prefix_mask(t->mgmt.len);
    uint32_t first = (t->mgmt.addr & m) + 1, last = ((t->mgmt.addr & m) | ~m) - 1;
    if (t->emu.switch_mgmt && (!topo_prefix_contains(t->mgmt, t->emu.switch_mgmt) ||
                               is_edge_address(t->mgmt, t->emu.switch_mgmt) || t->emu.switch_mgmt == t->ctl_addr)) {
        diag_add(d, top, "emulation switch-management %s is not a free host address of %s/%d",
                 topo_ip_str(t->emu.switch_mgmt, b1), topo_ip_str(t->mgmt.addr, b2), t->mgmt.len);
        return 1;
    }
    for (uint32_t a = last; !t->emu.switch_mgmt && a >= first; a--)
        if (!mgmt_taken(t, a))
            t->emu.switch_mgmt = a;
    uint32_t next = first;
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct topo_node *s = &t->nodes[i];
        if (s->kind != TOPO_SERVER || s->mgmt)
            continue;
        while (next <= last && mgmt_taken(t, next))
            next++;
        if (next > last) {
            diag_add(d, s->pos, "server '%s': no management address left in %s/%d", s->name,
                     topo_ip_str(t->mgmt.addr, b1), t->mgmt.len);
            return 1;
        }
        s->mgmt = next++;
    }
    return 0;
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
                     "switch '%s' is not connected to switch '%s' (the switches must form one connected network)",
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
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SWITCH)
            continue;
        for (size_t j = 0; j < i; j++)
            if (t->nodes[j].kind == TOPO_SWITCH && t->nodes[j].dpid == t->nodes[i].dpid) {
                diag_add(d, t->nodes[i].pos, "switch '%s' has the datapath id %016llx of switch '%s'",
                         t->nodes[i].name, (unsigned long long)t->nodes[i].dpid, t->nodes[j].name);
                n++;
            }
    }
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
