/* Topology generators: YAML text for regular shapes, so that scale can be
 * tried without writing a file by hand (like Mininet's --topo tree). */
#include <stdio.h>
#include <stdlib.h>

#include "topo/topo.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define GEN_MAX_SUBNETS 512 /* /24s in 198.18.0.0/15 */

char *topo_gen_tree(const struct topo_gen_tree *p, char **err)
{
    *err = NULL;
    if (p->depth < 1 || p->depth > 8 || p->fanout < 1 || p->fanout > 64 || p->per_leaf < 0 ||
        p->per_leaf > 250) {
        *err = xasprintf("out of range: --depth 1..8, --fanout 1..64, --servers-per-leaf 0..250");
        return NULL;
    }
    /* Switch count per level grows as fanout^level; keep each number small. */
    long leaves = 1, switches = 1;
    for (int lvl = 1; lvl < p->depth; lvl++) {
        leaves *= p->fanout;
        switches += leaves;
        if (leaves > GEN_MAX_SUBNETS)
            break;
    }
    if (leaves > GEN_MAX_SUBNETS || switches > 9999) {
        *err = xasprintf(
            "a tree of depth %d and fanout %d has %ld leaf switches; at most %d fit (one /24 each)",
            p->depth, p->fanout, leaves, GEN_MAX_SUBNETS);
        return NULL;
    }
    long servers = leaves * p->per_leaf;
    bool big = servers > 250;
    const char *name = p->name ? p->name : "tree";
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(
        &sb,
        "# A tree of %d switch levels, fanout %d, %d servers per leaf switch: %ld switches, %ld "
        "servers.\n"
        "# Made by: minidc topology generate tree --depth %d --fanout %d --servers-per-leaf %d\n",
        p->depth, p->fanout, p->per_leaf, switches, servers, p->depth, p->fanout, p->per_leaf);
    strbuf_printf(&sb, "name: %s\n", name);
    const char *ctl = big ? "100.64.255.254" : "192.0.2.254";
    strbuf_printf(&sb, "controller:\n  openflow: %s:6653\n  api: %s:8080\n", ctl, ctl);
    strbuf_printf(&sb, "management:\n  subnet: %s\n", big ? "100.64.0.0/16" : "192.0.2.0/24");

    long first_leaf = switches - leaves + 1; /* switches are s1..sN in breadth-first order */
    strbuf_puts(&sb, "subnets:\n  - {name: internet, prefix: 203.0.113.0/24, gateway: "
                     "203.0.113.254, switch: s1}\n");
    for (long k = 0; k < leaves; k++)
        strbuf_printf(&sb,
                      "  - {name: net%ld, prefix: 198.%ld.%ld.0/24, gateway: 198.%ld.%ld.254, "
                      "switch: s%ld}\n",
                      k + 1, 18 + k / 256, k % 256, 18 + k / 256, k % 256, first_leaf + k);

    strbuf_puts(&sb, "switches:\n");
    for (long s = 1; s <= switches; s++)
        strbuf_printf(&sb, "  - {name: s%ld}\n", s);

    if (servers > 0) {
        strbuf_puts(&sb, "servers:\n");
        long id = 1;
        for (long k = 0; k < leaves; k++)
            for (int j = 1; j <= p->per_leaf; j++, id++)
                strbuf_printf(&sb, "  - {name: server%ld, address: 198.%ld.%ld.%d}\n", id,
                              18 + k / 256, k % 256, j);
    }
    strbuf_puts(&sb, "hosts:\n  - {name: internet, address: 203.0.113.1}\n");

    strbuf_puts(&sb, "links:\n  - [s1, internet]\n");
    /* Switch s (1-based, breadth-first) has children fanout*(s-1)+2 ... fanout*s+1. */
    for (long s = 1; s < first_leaf; s++)
        for (int c = 0; c < p->fanout; c++)
            strbuf_printf(&sb, "  - [s%ld, s%ld]\n", s, p->fanout * (s - 1) + 2 + c);
    long id = 1;
    for (long k = 0; k < leaves; k++)
        for (int j = 0; j < p->per_leaf; j++, id++)
            strbuf_printf(&sb, "  - [s%ld, server%ld]\n", first_leaf + k, id);
    return strbuf_steal(&sb);
}
