#include "policy/underload.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/xalloc.h"

struct cand {
    double u;
    size_t s;
};

static int by_util(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    return (x->s > y->s) - (x->s < y->s);
}

/* Whether every VM on server 's' can go elsewhere: if so their moves are
 * planned (each VM in 'vms', its destination in 'to'), and true. */
static bool empty_one(struct proj *p, size_t s, const struct underload_opts *o, size_t *vms,
                      size_t *to, size_t *n_out)
{
    struct proj_server *ps = &p->s[s];
    size_t n = ps->n_vms;
    for (size_t i = 0; i < n; i++) {
        vms[i] = ps->vms[i];
        if (!p->m->vms[vms[i]].movable || p->moved[vms[i]])
            return false;
    }
    place_sort_vms(p->m, vms, n);
    struct place_opts po = {.kind = o->place, .det = o->det, .wake = false};
    ps->excluded = true; /* none of its own VMs back onto it */
    size_t placed = 0;
    for (; placed < n; placed++) {
        struct place_choice c;
        if (!place_find(p, vms[placed], &po, &c))
            break;
        to[placed] = c.server;
        proj_move(p, vms[placed], c.server);
    }
    /* Tried moves are undone either way: the plan replays them. */
    for (size_t i = placed; i-- > 0;)
        proj_move(p, vms[i], s);
    if (placed < n) {
        ps->excluded = false;
        return false;
    }
    *n_out = n;
    return true;
}

size_t underload_run(struct proj *p, struct mdc_plan *plan, const struct underload_opts *o)
{
    const struct mdc_model *m = p->m;
    struct cand *c = xmalloc((m->n_servers ? m->n_servers : 1) * sizeof *c);
    size_t n = 0, awake = 0, slept = 0, max_vms = 1;
    for (size_t s = 0; s < m->n_servers; s++) {
        const struct proj_server *ps = &p->s[s];
        if (!ps->asleep)
            awake++;
        if (ps->n_vms > max_vms)
            max_vms = ps->n_vms;
        if (ps->asleep || ps->excluded || ps->dest || ps->to_sleep || !m->servers[s].reachable)
            continue;
        double u = proj_util(p, s);
        if (u < o->below)
            c[n++] = (struct cand){u, s};
    }
    qsort(c, n, sizeof *c, by_util);
    size_t *vms = xmalloc(max_vms * sizeof *vms), *to = xmalloc(max_vms * sizeof *to);
    char why[128];
    /* The sleeps go after every migration of the round: a sleep waits for
     * all the actions before it (src/plan), so one after each server's
     * moves would hold back the next server's until they end. */
    struct sleep {
        size_t s;
        char why[128];
    } *sleeps = xmalloc((n ? n : 1) * sizeof *sleeps);
    for (size_t i = 0; i < n && awake > 1; i++) {
        if (o->max_servers && slept >= o->max_servers)
            break;
        size_t s = c[i].s, k;
        if (p->s[s].dest || !empty_one(p, s, o, vms, to, &k))
            continue;
        const char *name = m->servers[s].name;
        for (size_t j = 0; j < k; j++) {
            snprintf(why, sizeof why,
                     "%s %s -> %s (+%.1f W): %s the least used (%.2f), emptied (%s)",
                     m->vms[vms[j]].name, name, m->servers[to[j]].name,
                     proj_power_increase(p, to[j], vms[j]), name, c[i].u, o->policy);
            proj_plan_migrate(p, plan, vms[j], to[j], why);
        }
        struct sleep *sl = &sleeps[slept];
        sl->s = s;
        if (k)
            snprintf(sl->why, sizeof sl->why,
                     "%s emptied (utilisation %.2f, %zu VM%s moved): sleep (%s)", name, c[i].u, k,
                     k == 1 ? "" : "s", o->policy);
        else
            snprintf(sl->why, sizeof sl->why, "%s holds no VM: sleep (%s)", name, o->policy);
        proj_mark_sleep(p, s);
        awake--;
        slept++;
    }
    for (size_t i = 0; i < slept; i++)
        proj_plan_sleep(p, plan, sleeps[i].s, sleeps[i].why);
    free(sleeps);
    free(vms);
    free(to);
    free(c);
    return slept;
}
