#include "policy/detect.h"

#include <math.h>
#include <stdio.h>

#include "policy/stats.h"

const char *det_name(enum det_kind k)
{
    switch (k) {
    case DET_THR:
        return "thr";
    case DET_IQR:
        return "iqr";
    case DET_MAD:
        return "mad";
    case DET_LR:
        return "lr";
    case DET_LRR:
        return "lrr";
    }
    return "?";
}

double det_migration_s(double memory_mib, double link_mbit)
{
    if (!(link_mbit > 0))
        link_mbit = DET_DEFAULT_LINK_MBIT;
    /* MiB to Mbit: 2^20 bytes of 8 bits, 10^6 bits a Mbit. */
    double mbit = memory_mib * 8.388608;
    return mbit / (link_mbit / 2);
}

static bool thr(const struct detector *d, double u, struct det_result *r)
{
    r->used = DET_THR;
    r->value = u;
    r->limit = d->threshold;
    return u > d->threshold;
}

bool det_check(const struct detector *d, const struct det_input *in, struct det_result *out)
{
    struct det_result tmp, *r = out ? out : &tmp;
    double h[DET_WINDOW], scratch[DET_WINDOW];
    size_t n = in->n < DET_WINDOW ? in->n : DET_WINDOW;
    for (size_t i = 0; i < n; i++) {
        double v = in->hist[in->n - n + i];
        h[i] = v > 0 ? v : 0;
    }
    double u = in->u > 0 ? in->u : 0;
    *r = (struct det_result){.n = n};

    switch (d->kind) {
    case DET_THR:
        break;
    case DET_IQR:
    case DET_MAD:
        if (n < DET_MIN_SPREAD)
            break;
        r->used = d->kind;
        r->spread = d->kind == DET_IQR ? stats_iqr(h, n) : stats_mad(h, n, scratch);
        r->value = u;
        r->limit = 1 - d->safety * r->spread;
        return r->overloaded = u > r->limit;
    case DET_LR:
    case DET_LRR: {
        if (n < DET_LR_POINTS)
            break;
        double a, b;
        /* One robust step, as CloudSim's getRobustLoessParameterEstimates. */
        if (stats_loess_line(h + n - DET_LR_POINTS, DET_LR_POINTS, d->kind == DET_LRR ? 1 : 0, &a,
                             &b))
            break;
        double interval = in->interval_s > 0 ? in->interval_s : 1;
        r->used = d->kind;
        r->rounds = ceil(in->migration_s / interval);
        /* x = 1..10 are the values fitted, 10 the newest: the migration
         * ends 'rounds' rounds after it. */
        r->value = a + b * (DET_LR_POINTS + r->rounds);
        r->limit = d->safety > 0 ? 1 / d->safety : INFINITY;
        return r->overloaded = d->safety * r->value >= 1;
    }
    }
    return r->overloaded = thr(d, u, r);
}

void det_describe(const struct detector *d, const struct det_result *r, char *buf, size_t len)
{
    const char *cmp = r->overloaded ? ">" : "<=";
    switch (r->used) {
    case DET_THR:
        if (d->kind == DET_THR)
            snprintf(buf, len, "utilisation %.2f %s threshold %.2f (thr)", r->value, cmp, r->limit);
        else
            snprintf(buf, len, "utilisation %.2f %s threshold %.2f (thr: %s has %zu values)",
                     r->value, cmp, r->limit, det_name(d->kind), r->n);
        break;
    case DET_IQR:
    case DET_MAD:
        snprintf(buf, len, "utilisation %.2f %s 1 - %g x %s %.3f = %.2f (%s)", r->value, cmp,
                 d->safety, r->used == DET_IQR ? "IQR" : "MAD", r->spread, r->limit,
                 det_name(r->used));
        break;
    case DET_LR:
    case DET_LRR:
        snprintf(buf, len, "predicted %.2f x %g = %.2f %s 1, %g round%s ahead (%s)", r->value,
                 d->safety, r->value * d->safety, r->overloaded ? ">=" : "<", r->rounds,
                 r->rounds == 1 ? "" : "s", det_name(r->used));
        break;
    }
}
