#include "eval/metrics.h"

#include <math.h>

#include "eval/power.h"

/* The length of interval k, 0 when the axis does not increase there. */
static double interval_s(const struct eval_run *r, size_t k)
{
    double dt = r->t[k + 1] - r->t[k];
    return dt > 0 ? dt : 0;
}

static bool awake(const struct eval_server *s, size_t k)
{
    return !s->asleep || !s->asleep[k];
}

/* A sample's load, NaN (missing) as 0. */
static double load(const struct eval_server *s, size_t k)
{
    return isnan(s->util[k]) ? 0 : s->util[k];
}

double eval_server_energy_j(const struct eval_run *r, size_t i)
{
    const struct eval_server *s = &r->servers[i];
    double e = 0;
    for (size_t k = 0; k + 1 < r->n; k++)
        if (awake(s, k))
            e += (eval_power(s->power_w, load(s, k)) + eval_power(s->power_w, load(s, k + 1))) / 2 *
                 interval_s(r, k);
    return e;
}

double eval_energy_j(const struct eval_run *r)
{
    double e = 0;
    for (size_t i = 0; i < r->n_servers; i++)
        e += eval_server_energy_j(r, i);
    return e;
}

/* Server i's active time, and into '*above' (when not NULL) the part of it
 * with load >= 'level' ('inclusive') or > 'level', into '*intervals_above'
 * the number of those intervals. */
static double active_s(const struct eval_run *r, size_t i, double level, bool inclusive,
                       double *above, size_t *intervals_above)
{
    const struct eval_server *s = &r->servers[i];
    double ta = 0, ts = 0;
    size_t n_above = 0;
    for (size_t k = 0; k + 1 < r->n; k++) {
        if (!awake(s, k))
            continue;
        double dt = interval_s(r, k), u = load(s, k);
        ta += dt;
        if (inclusive ? u >= level : u > level) {
            ts += dt;
            n_above += dt > 0;
        }
    }
    if (above)
        *above = ts;
    if (intervals_above)
        *intervals_above = n_above;
    return ta;
}

double eval_server_active_s(const struct eval_run *r, size_t i)
{
    return active_s(r, i, 0, true, NULL, NULL);
}

/* The mean over active servers of the share of their active time at or
 * above (above) 'level', or ('pooled') the sum of those times over the sum
 * of active times. */
static double time_share(const struct eval_run *r, double level, bool inclusive, bool pooled)
{
    double sum_ratio = 0, sum_above = 0, sum_active = 0;
    size_t n_active = 0;
    for (size_t i = 0; i < r->n_servers; i++) {
        double above, ta = active_s(r, i, level, inclusive, &above, NULL);
        if (ta > 0) {
            sum_ratio += above / ta;
            n_active++;
        }
        sum_above += above;
        sum_active += ta;
    }
    if (pooled)
        return sum_active > 0 ? sum_above / sum_active : 0;
    return n_active ? sum_ratio / (double)n_active : 0;
}

double eval_slatah(const struct eval_run *r)
{
    return time_share(r, r->full, true, false);
}

double eval_slatah_pooled(const struct eval_run *r)
{
    return time_share(r, r->full, true, true);
}

/* VM j's CPU seconds over its life ('*used') and in its migrations
 * ('*migrating'), each interval at its start's sample. */
static void vm_cpu_s(const struct eval_run *r, const struct eval_vm *v, double *used,
                     double *migrating)
{
    *used = *migrating = 0;
    for (size_t i = 0; i + 1 < v->n && v->first + i + 1 < r->n; i++) {
        double c = isnan(v->cpu_used[i]) ? 0 : v->cpu_used[i], dt = interval_s(r, v->first + i);
        *used += c * dt;
        if (v->migrating_share)
            *migrating += c * dt * v->migrating_share[i];
        else if (v->migrating && v->migrating[i])
            *migrating += c * dt;
    }
}

static double pdm(const struct eval_run *r, bool pooled)
{
    double sum_ratio = 0, sum_cd = 0, sum_cr = 0;
    size_t m = 0;
    for (size_t j = 0; j < r->n_vms; j++) {
        double cr, mig;
        vm_cpu_s(r, &r->vms[j], &cr, &mig);
        double cd = EVAL_MIGRATION_LOSS * mig;
        if (cr > 0) {
            sum_ratio += cd / cr;
            m++;
        }
        sum_cd += cd;
        sum_cr += cr;
    }
    if (pooled)
        return sum_cr > 0 ? sum_cd / sum_cr : 0;
    return m ? sum_ratio / (double)m : 0;
}

double eval_pdm(const struct eval_run *r)
{
    return pdm(r, false);
}

double eval_pdm_pooled(const struct eval_run *r)
{
    return pdm(r, true);
}

double eval_slav(const struct eval_run *r)
{
    return eval_slatah(r) * eval_pdm(r);
}

double eval_overload_fraction(const struct eval_run *r)
{
    return time_share(r, r->overload, false, true);
}

size_t eval_overloaded_intervals(const struct eval_run *r)
{
    size_t total = 0;
    for (size_t i = 0; i < r->n_servers; i++) {
        size_t n;
        active_s(r, i, r->overload, false, NULL, &n);
        total += n;
    }
    return total;
}

double eval_mean_active(const struct eval_run *r)
{
    if (r->n < 2 || !(r->t[r->n - 1] > r->t[0]))
        return 0;
    double ta = 0;
    for (size_t i = 0; i < r->n_servers; i++)
        ta += eval_server_active_s(r, i);
    return ta / (r->t[r->n - 1] - r->t[0]);
}

struct eval_counts eval_count_events(const struct eval_run *r)
{
    struct eval_counts c = {0, 0, 0, 0};
    for (size_t e = 0; e < r->n_events; e++) {
        const struct eval_event *ev = &r->events[e];
        if (r->n && (ev->t < r->t[0] || ev->t > r->t[r->n - 1]))
            continue;
        switch (ev->kind) {
        case EVAL_MIGRATION:
            c.migrations++;
            break;
        case EVAL_CLONE:
            c.clones++;
            break;
        case EVAL_SLEEP:
            c.sleeps++;
            break;
        case EVAL_WAKE:
            c.wakes++;
            break;
        }
    }
    return c;
}

void eval_metrics(const struct eval_run *r, struct eval_metrics *out)
{
    out->energy_j = eval_energy_j(r);
    out->slatah = eval_slatah(r);
    out->slatah_pooled = eval_slatah_pooled(r);
    out->pdm = eval_pdm(r);
    out->pdm_pooled = eval_pdm_pooled(r);
    out->slav = out->slatah * out->pdm;
    out->overload_fraction = eval_overload_fraction(r);
    out->overloaded_intervals = eval_overloaded_intervals(r);
    out->mean_active = eval_mean_active(r);
    out->counts = eval_count_events(r);
}
