#include "sim/sim_preset.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/power.h"

static const struct sim_host_type host_types[] = {
    {"hp-ml110-g4", 3.72, 2, 4096, 1000, {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117}},
    {"hp-ml110-g5", 5.32, 2, 4096, 1000, {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135}},
    {"ibm-x3250-x3470",
     11.732,
     4,
     8192,
     1000,
     {41.6, 46.7, 52.3, 57.9, 65.4, 73, 80.7, 89.5, 99.6, 105, 113}},
    {"ibm-x3550-x5670",
     35.196,
     12,
     12288,
     1000,
     {66, 107, 120, 131, 143, 156, 173, 191, 211, 229, 247}},
    {"ibm-x3550-x5675",
     36.804,
     12,
     16384,
     1000,
     {58.4, 98, 109, 118, 128, 140, 153, 170, 189, 205, 222}},
};

static const struct sim_vm_type vm_types[] = {
    {"high-cpu", 2.5, 1, 870},
    {"extra-large", 2.0, 1, 1740},
    {"small", 1.0, 1, 1740},
    {"micro", 0.5, 1, 613},
};

#define N(a) (sizeof(a) / sizeof *(a))

const struct sim_host_type *sim_host_type_find(const char *name)
{
    for (size_t i = 0; name && i < N(host_types); i++)
        if (!strcmp(host_types[i].name, name))
            return &host_types[i];
    return NULL;
}

const struct sim_vm_type *sim_vm_type_find(const char *name)
{
    for (size_t i = 0; name && i < N(vm_types); i++)
        if (!strcmp(vm_types[i].name, name))
            return &vm_types[i];
    return NULL;
}

const char *sim_host_type_names(void)
{
    return "hp-ml110-g4, hp-ml110-g5, ibm-x3250-x3470, ibm-x3550-x5670, ibm-x3550-x5675";
}

const char *sim_vm_type_names(void)
{
    return "high-cpu, extra-large, small, micro";
}

const struct sim_vm_type *sim_planetlab_vm_type(size_t i, size_t n)
{
    size_t block = n ? (n + 3) / 4 : 1;
    size_t t = i / block;
    return &vm_types[t < N(vm_types) ? t : N(vm_types) - 1];
}

int sim_place_initial(const struct sim_host *hosts, size_t n_hosts, struct sim_vm *vms,
                      size_t n_vms, double threshold, char *err, size_t errlen)
{
    double *alloc = calloc(n_hosts + 1, sizeof *alloc), *mem = calloc(n_hosts + 1, sizeof *mem);
    size_t *count = calloc(n_hosts + 1, sizeof *count);
    int rc = alloc && mem && count ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "out of memory");
    for (size_t j = 0; rc == 0 && j < n_vms; j++) {
        const struct sim_vm_type *vt = vms[j].type;
        size_t best = SIZE_MAX;
        double best_w = INFINITY;
        for (size_t i = 0; i < n_hosts; i++) {
            const struct sim_host_type *ht = hosts[i].type;
            double after = (alloc[i] + vt->cpu) / ht->cpu;
            if (mem[i] + vt->memory_mib > ht->memory_mib || after > 1 + 1e-9 ||
                vt->cpu / (vt->cores ? vt->cores : 1) > ht->cpu / (ht->cores ? ht->cores : 1) ||
                (count[i] && after > threshold))
                continue;
            double w = eval_power(ht->power_w, after) - eval_power(ht->power_w, 0);
            if (w < best_w) {
                best_w = w;
                best = i;
            }
        }
        if (best == SIZE_MAX) {
            snprintf(err, errlen, "VM %s (%s) fits on no server", vms[j].name, vt->name);
            rc = -1;
            break;
        }
        vms[j].host = best;
        alloc[best] += vt->cpu;
        mem[best] += vt->memory_mib;
        count[best]++;
    }
    free(alloc), free(mem), free(count);
    return rc;
}

/* splitmix64: a small generator with a seed per VM. */
static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *x)
{
    return (double)(next(x) >> 11) / 9007199254740992.0; /* [0, 1) */
}

void sim_synthetic_trace(unsigned long seed, size_t vm, double *out, size_t n)
{
    uint64_t x = (uint64_t)seed * 0x100000001b3ull + vm;
    double level = 5 + 55 * uniform(&x), v = level;
    for (size_t k = 0; k < n; k++) {
        v += 20 * uniform(&x) - 10;
        v += (level - v) * 0.1; /* drawn back towards its level */
        v = v < 0 ? 0 : v > 100 ? 100 : v;
        out[k] = round(v) / 100;
    }
}
