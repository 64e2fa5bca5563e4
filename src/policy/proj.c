#include "policy/proj.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

void proj_init(struct proj *p, const struct mdc_model *m)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    p->s = xcalloc(m->n_servers, sizeof *p->s);
    p->where = xcalloc(m->n_vms, sizeof *p->where);
    p->moved = xcalloc(m->n_vms, sizeof *p->moved);
    p->hists = xcalloc(m->n_servers * DET_WINDOW, sizeof *p->hists);
    for (size_t i = 0; i < m->n_servers; i++) {
        const struct mdc_server *ms = &m->servers[i];
        struct proj_server *s = &p->s[i];
        s->cap = ms->cpu_capacity > 0 ? ms->cpu_capacity : 1;
        s->used = ms->cpu_used;
        s->mem_used = ms->memory_used_mib;
        s->hist = p->hists + i * DET_WINDOW;
        s->n = ms->cpu_utilization.n < DET_WINDOW ? ms->cpu_utilization.n : DET_WINDOW;
        if (s->n)
            memcpy(s->hist, ms->cpu_utilization.values + ms->cpu_utilization.n - s->n,
                   s->n * sizeof *s->hist);
        s->asleep = ms->asleep;
        s->excluded = !ms->reachable;
    }
    for (size_t v = 0; v < m->n_vms; v++) {
        size_t at = m->vms[v].server;
        p->where[v] = at;
        if (at >= m->n_servers)
            continue;
        struct proj_server *s = &p->s[at];
        xgrow(&s->vms, &s->cap_vms, s->n_vms + 1, sizeof *s->vms);
        s->vms[s->n_vms++] = v;
    }
}

void proj_free(struct proj *p)
{
    if (!p->s)
        return;
    for (size_t i = 0; i < p->m->n_servers; i++)
        free(p->s[i].vms);
    free(p->s);
    free(p->where);
    free(p->moved);
    free(p->hists);
    p->s = NULL;
}

double proj_util(const struct proj *p, size_t s)
{
    return p->s[s].used / p->s[s].cap;
}

/* Adds 'sign' x VM v's CPU history / the capacity to server s's history. */
static void shift_hist(struct proj_server *s, const struct mdc_vm *vm, double sign)
{
    const struct mdc_history *h = &vm->cpu_used_history;
    size_t k = h->n < s->n ? h->n : s->n;
    for (size_t i = 1; i <= k; i++)
        s->hist[s->n - i] += sign * h->values[h->n - i] / s->cap;
}

double proj_migration_s(const struct proj *p, size_t s, size_t extra)
{
    const struct proj_server *ps = &p->s[s];
    double mem = extra != SIZE_MAX ? p->m->vms[extra].memory_mib : 0;
    for (size_t i = 0; i < ps->n_vms; i++)
        if (p->m->vms[ps->vms[i]].memory_mib > mem)
            mem = p->m->vms[ps->vms[i]].memory_mib;
    return det_migration_s(mem, p->m->servers[s].link_mbit);
}

bool proj_overloaded(const struct proj *p, const struct detector *d, size_t s, size_t extra,
                     struct det_result *r)
{
    const struct proj_server *ps = &p->s[s];
    struct det_input in = {
        .u = proj_util(p, s), .hist = ps->hist, .n = ps->n, .interval_s = p->m->interval_s};
    if (d->kind == DET_LR || d->kind == DET_LRR)
        in.migration_s = proj_migration_s(p, s, extra);
    if (extra == SIZE_MAX)
        return det_check(d, &in, r);
    const struct mdc_vm *vm = &p->m->vms[extra];
    double h[DET_WINDOW];
    struct proj_server tmp = *ps;
    memcpy(h, ps->hist, ps->n * sizeof *h);
    tmp.hist = h;
    shift_hist(&tmp, vm, 1);
    in.hist = h;
    in.u = (ps->used + vm->cpu_used) / ps->cap;
    return det_check(d, &in, r);
}

double proj_power(const struct proj *p, size_t s, double u)
{
    const struct mdc_server *ms = &p->m->servers[s];
    if (p->s[s].asleep)
        return 0;
    if (u < 0)
        u = 0;
    if (u > 1)
        u = 1; /* a server cannot draw more than at full use */
    return ms->power_idle_w + (ms->power_max_w - ms->power_idle_w) * u;
}

double proj_power_increase(const struct proj *p, size_t s, size_t v)
{
    const struct mdc_server *ms = &p->m->servers[s];
    double u = proj_util(p, s), du = p->m->vms[v].cpu_used / p->s[s].cap;
    if (p->s[s].asleep) {
        double after = u + du > 1 ? 1 : u + du;
        return ms->power_idle_w + (ms->power_max_w - ms->power_idle_w) * (after > 0 ? after : 0);
    }
    return proj_power(p, s, u + du) - proj_power(p, s, u);
}

void proj_remove(struct proj *p, size_t v)
{
    size_t at = p->where[v];
    p->moved[v] = true;
    if (at >= p->m->n_servers)
        return;
    struct proj_server *s = &p->s[at];
    const struct mdc_vm *vm = &p->m->vms[v];
    for (size_t i = 0; i < s->n_vms; i++)
        if (s->vms[i] == v) {
            s->vms[i] = s->vms[--s->n_vms];
            break;
        }
    s->used -= vm->cpu_used;
    s->mem_used -= vm->memory_mib;
    shift_hist(s, vm, -1);
    p->where[v] = SIZE_MAX;
}

void proj_add(struct proj *p, size_t v, size_t at)
{
    struct proj_server *s = &p->s[at];
    const struct mdc_vm *vm = &p->m->vms[v];
    xgrow(&s->vms, &s->cap_vms, s->n_vms + 1, sizeof *s->vms);
    s->vms[s->n_vms++] = v;
    s->used += vm->cpu_used;
    s->mem_used += vm->memory_mib;
    shift_hist(s, vm, 1);
    if (p->where[v] == SIZE_MAX)
        p->where[v] = at;
}

void proj_move(struct proj *p, size_t v, size_t s)
{
    bool moved = p->moved[v];
    proj_remove(p, v);
    proj_add(p, v, s);
    p->moved[v] = moved;
}

static void add(struct proj *p, struct mdc_plan *plan, enum mdc_action_kind kind, const char *vm,
                const char *server, bool balance, const char *why)
{
    if (mdc_plan_add(plan, kind, vm, server, balance, why))
        p->failed = true;
}

static void wake_for(struct proj *p, struct mdc_plan *plan, size_t v, size_t s)
{
    if (!p->s[s].asleep)
        return;
    char why[128];
    snprintf(why, sizeof why, "%s woken: %s needs its room and no awake server has it",
             p->m->servers[s].name, p->m->vms[v].name);
    add(p, plan, MDC_WAKE, NULL, p->m->servers[s].name, false, why);
    p->s[s].asleep = false;
    p->s[s].woken = true;
}

void proj_plan_migrate(struct proj *p, struct mdc_plan *plan, size_t v, size_t s, const char *why)
{
    wake_for(p, plan, v, s);
    add(p, plan, MDC_MIGRATE, p->m->vms[v].name, p->m->servers[s].name, false, why);
    proj_remove(p, v);
    proj_add(p, v, s);
    p->s[s].dest = true;
}

void proj_plan_clone(struct proj *p, struct mdc_plan *plan, size_t v, size_t s, const char *why)
{
    wake_for(p, plan, v, s);
    add(p, plan, MDC_CLONE, p->m->vms[v].name, p->m->servers[s].name, true, why);
    p->moved[v] = true;
    size_t at = p->where[v];
    proj_add(p, v, s);
    p->where[v] = at;
    p->s[s].dest = true;
}

void proj_plan_stop(struct proj *p, struct mdc_plan *plan, size_t v, const char *why)
{
    add(p, plan, MDC_STOP, p->m->vms[v].name, NULL, false, why);
    proj_remove(p, v);
}

void proj_mark_sleep(struct proj *p, size_t s)
{
    p->s[s].asleep = true;
    p->s[s].to_sleep = true;
    p->s[s].excluded = true;
}

void proj_plan_sleep(struct proj *p, struct mdc_plan *plan, size_t s, const char *why)
{
    add(p, plan, MDC_SLEEP, NULL, p->m->servers[s].name, false, why);
    proj_mark_sleep(p, s);
}
