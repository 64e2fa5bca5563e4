#include "topo/topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SPECpower_ssj2008 figures as CloudSim's PowerModelSpecPowerHpProLiantMl110G4Xeon3040 and
 * ...G5Xeon3075 give them (the servers of Beloglazov & Buyya's PlanetLab experiments). */
static const struct topo_power_preset power_presets[] = {
    {"hp-ml110-g4", {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117}},
    {"hp-ml110-g5", {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135}},
};

const struct topo_power_preset *topo_power_preset(const char *name)
{
    for (size_t i = 0; i < sizeof power_presets / sizeof *power_presets; i++)
        if (!strcmp(power_presets[i].name, name))
            return &power_presets[i];
    return NULL;
}

const struct topo_power_preset *topo_power_default(void)
{
    return &power_presets[0];
}

void topo_power_linear(double idle_w, double max_w, double w[TOPO_POWER_POINTS])
{
    for (int i = 0; i < TOPO_POWER_POINTS; i++)
        w[i] = idle_w + (max_w - idle_w) * i / (TOPO_POWER_POINTS - 1);
}

void topo_free(struct topo *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_nodes; i++)
        free(t->nodes[i].name);
    for (size_t i = 0; i < t->n_subnets; i++)
        free(t->subnets[i].name);
    free(t->nodes);
    free(t->subnets);
    free(t->links);
    free(t->name);
    free(t->file);
    free(t);
}

long topo_find(const struct topo *t, const char *name)
{
    for (size_t i = 0; i < t->n_nodes; i++)
        if (!strcmp(t->nodes[i].name, name))
            return (long)i;
    return -1;
}

size_t topo_count(const struct topo *t, enum topo_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        n += t->nodes[i].kind == kind;
    return n;
}

const char *topo_kind_name(enum topo_kind kind)
{
    switch (kind) {
    case TOPO_SWITCH:
        return "switch";
    case TOPO_SERVER:
        return "server";
    case TOPO_HOST:
        return "host";
    }
    return "?";
}

uint64_t topo_derive_dpid(const char *name)
{
    /* FNV-1a, folded to 48 bits like a MAC-derived datapath id. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return (h ^ (h >> 48)) & 0xffffffffffffull;
}

char *topo_link_name(const struct topo *t, const struct topo_link *l, char *buf, size_t n)
{
    char pa[16] = "", pb[16] = "";
    if (l->a_port)
        snprintf(pa, sizeof pa, ":%u", l->a_port);
    if (l->b_port)
        snprintf(pb, sizeof pb, ":%u", l->b_port);
    snprintf(buf, n, "%s%s-%s%s", t->nodes[l->a].name, pa, t->nodes[l->b].name, pb);
    return buf;
}

char *topo_ip_str(uint32_t addr, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
    return buf;
}

uint32_t topo_prefix_mask(int len)
{
    return len <= 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

bool topo_prefix_contains(struct topo_prefix p, uint32_t addr)
{
    uint32_t m = topo_prefix_mask(p.len);
    return (addr & m) == (p.addr & m);
}
