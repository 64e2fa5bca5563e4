#include "policy/select.h"

#include <stdio.h>
#include <string.h>

#include "policy/stats.h"
#include "util/xalloc.h"

static const char *const names[] = {
    [SEL_MMT] = "mmt", [SEL_MC] = "mc", [SEL_RS] = "rs", [SEL_MU] = "mu"};

const char *sel_name(enum sel_kind k)
{
    return names[k];
}

int sel_parse(const char *name, enum sel_kind *k)
{
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i])) {
            *k = (enum sel_kind)i;
            return 0;
        }
    return -1;
}

void sel_rng_seed(struct sel_rng *r, uint64_t seed)
{
    r->state = seed ? seed : SEL_DEFAULT_SEED;
}

uint64_t sel_rng_next(struct sel_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

size_t sel_rng_below(struct sel_rng *r, size_t n)
{
    /* The top 53 bits as a fraction of 1, scaled: a bias of n / 2^53. */
    double f = (double)(sel_rng_next(r) >> 11) * 0x1.0p-53;
    size_t i = (size_t)(f * (double)n);
    return i < n ? i : n - 1;
}

int sel_correlations(const struct mdc_model *m, const size_t *cands, size_t n, double *r2)
{
    size_t len = SEL_WINDOW;
    for (size_t i = 0; i < n; i++)
        if (m->vms[cands[i]].cpu_used_history.n < len)
            len = m->vms[cands[i]].cpu_used_history.n;
    /* n - 1 regressors and an intercept want more than n values. */
    if (n < 2 || len <= n)
        return -1;
    const double **xs = xmalloc(n * sizeof *xs);
    for (size_t i = 0; i < n; i++) {
        const struct mdc_history *h = &m->vms[cands[i]].cpu_used_history;
        xs[i] = h->values + h->n - len; /* the newest 'len', aligned */
    }
    const double **others = xmalloc(n * sizeof *others);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i)
                others[k++] = xs[j];
        rc = stats_r2(others, n - 1, xs[i], len, &r2[i]);
    }
    free(others);
    free(xs);
    return rc;
}

static size_t least_memory(const struct mdc_model *m, const size_t *cands, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (m->vms[cands[i]].memory_mib < m->vms[cands[best]].memory_mib)
            best = i;
    return best;
}

static double use_of_allocation(const struct mdc_vm *vm)
{
    return vm->cpu_allocation > 0 ? vm->cpu_used / vm->cpu_allocation : vm->cpu_used;
}

size_t sel_choose(enum sel_kind k, const struct mdc_model *m, const size_t *cands, size_t n,
                  struct sel_rng *rng, char *why, size_t len)
{
    size_t best = 0;
    switch (k) {
    case SEL_MMT:
        best = least_memory(m, cands, n);
        snprintf(why, len, "least memory %u MiB (mmt)", m->vms[cands[best]].memory_mib);
        return best;
    case SEL_MC: {
        if (n == 1) {
            snprintf(why, len, "the only one movable (mc)");
            return 0;
        }
        double *r2 = xmalloc(n * sizeof *r2);
        if (sel_correlations(m, cands, n, r2)) {
            free(r2);
            best = least_memory(m, cands, n);
            snprintf(why, len, "least memory %u MiB (mmt; mc cannot regress)",
                     m->vms[cands[best]].memory_mib);
            return best;
        }
        for (size_t i = 1; i < n; i++)
            if (r2[i] > r2[best])
                best = i;
        snprintf(why, len, "highest R^2 %.2f (mc)", r2[best]);
        free(r2);
        return best;
    }
    case SEL_RS:
        best = sel_rng_below(rng, n);
        snprintf(why, len, "drawn at random (rs)");
        return best;
    case SEL_MU:
        for (size_t i = 1; i < n; i++)
            if (use_of_allocation(&m->vms[cands[i]]) < use_of_allocation(&m->vms[cands[best]]))
                best = i;
        snprintf(why, len, "least use of allocation %.2f (mu)",
                 use_of_allocation(&m->vms[cands[best]]));
        return best;
    }
    return 0;
}
