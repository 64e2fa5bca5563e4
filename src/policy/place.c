#include "policy/place.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const char *place_name(enum place_kind k)
{
    return k == PLACE_SUBNET ? "subnet" : "pabfd";
}

int place_parse(const char *name, enum place_kind *k)
{
    if (!strcmp(name, "pabfd"))
        *k = PLACE_PABFD;
    else if (!strcmp(name, "subnet"))
        *k = PLACE_SUBNET;
    else
        return -1;
    return 0;
}

static bool same_subnet(const struct mdc_model *m, size_t a, size_t b)
{
    const char *x = m->servers[a].subnet, *y = m->servers[b].subnet;
    return x && y && !strcmp(x, y);
}

static int hops(const struct mdc_model *m, size_t a, size_t b)
{
    if (!m->hops || a >= m->n_servers)
        return a == b ? 0 : 1;
    return m->hops[a * m->n_servers + b];
}

/* Whether choice 'c' beats 'best' (NULL: nothing yet) under 'kind'. */
static bool better(enum place_kind kind, const struct place_choice *c,
                   const struct place_choice *best)
{
    if (!best)
        return true;
    if (kind == PLACE_PABFD)
        return c->watts < best->watts;
    if (c->own_subnet != best->own_subnet)
        return c->own_subnet;
    double eps = 1e-9 * (1 + fabs(best->watts));
    if (fabs(c->watts - best->watts) > eps)
        return c->watts < best->watts;
    return c->hops < best->hops;
}

bool place_find(const struct proj *p, size_t v, const struct place_opts *o,
                struct place_choice *out)
{
    const struct mdc_model *m = p->m;
    const struct mdc_vm *vm = &m->vms[v];
    /* Where it is now, wherever the plan has it: the move starts there. */
    size_t src = vm->server;
    struct place_choice best = {0};
    bool found = false;
    for (size_t d = 0; d < m->n_servers; d++) {
        const struct proj_server *s = &p->s[d];
        if (d == src || d == p->where[v] || s->excluded || s->to_sleep || !m->servers[d].reachable)
            continue;
        if ((s->asleep && !o->wake) || (o->avoid && o->avoid[d]))
            continue;
        struct place_choice c = {.server = d, .hops = hops(m, src, d)};
        if (c.hops < 0 || s->mem_used + vm->memory_mib > m->servers[d].memory_mib)
            continue;
        /* PABFD does not look at subnets: no string compare per server. */
        c.own_subnet = o->kind == PLACE_SUBNET && src < m->n_servers && same_subnet(m, src, d);
        c.watts = proj_power_increase(p, d, v);
        /* The cheap comparison first: the detector only for a server that
         * would win. */
        if (!better(o->kind, &c, found ? &best : NULL))
            continue;
        if (s->n_vms && proj_overloaded(p, o->det, d, v, NULL))
            continue;
        best = c;
        found = true;
    }
    if (found)
        *out = best;
    return found;
}

struct keyed {
    double cpu;
    size_t vm;
};

static int by_cpu_desc(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->cpu != y->cpu)
        return x->cpu < y->cpu ? 1 : -1;
    return (x->vm > y->vm) - (x->vm < y->vm);
}

void place_sort_vms(const struct mdc_model *m, size_t *vms, size_t n)
{
    if (n < 2)
        return;
    struct keyed *k = xmalloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (struct keyed){m->vms[vms[i]].cpu_used, vms[i]};
    qsort(k, n, sizeof *k, by_cpu_desc);
    for (size_t i = 0; i < n; i++)
        vms[i] = k[i].vm;
    free(k);
}
