#include "loadgen/load_hist.h"

#include <math.h>
#include <string.h>

/* Sub-buckets per power of two: 2^LIN_BITS. */
#define LIN_BITS 7
#define LIN (1u << LIN_BITS)

void load_hist_reset(struct load_hist *h)
{
    memset(h, 0, sizeof *h);
}

unsigned load_hist_bucket(uint64_t us)
{
    if (us > LOAD_HIST_MAX_US)
        us = LOAD_HIST_MAX_US;
    if (us < 2 * LIN)
        return (unsigned)us;
    unsigned msb = 63u - (unsigned)__builtin_clzll(us);
    unsigned shift = msb - LIN_BITS; /* us >> shift is in [LIN, 2 LIN) */
    return shift * LIN + (unsigned)(us >> shift);
}

void load_hist_bucket_range(unsigned bucket, uint64_t *lower, uint64_t *width)
{
    if (bucket < 2 * LIN) {
        *lower = bucket;
        *width = 1;
        return;
    }
    unsigned shift = bucket / LIN - 1;
    *lower = (uint64_t)(bucket - shift * LIN) << shift;
    *width = (uint64_t)1 << shift;
}

void load_hist_add(struct load_hist *h, uint64_t us)
{
    if (us > LOAD_HIST_MAX_US)
        us = LOAD_HIST_MAX_US;
    h->buckets[load_hist_bucket(us)]++;
    if (!h->count || us < h->min)
        h->min = us;
    if (us > h->max)
        h->max = us;
    h->count++;
    h->sum += us;
}

void load_hist_merge(struct load_hist *h, const struct load_hist *from)
{
    if (!from->count)
        return;
    for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++)
        h->buckets[i] += from->buckets[i];
    if (!h->count || from->min < h->min)
        h->min = from->min;
    if (from->max > h->max)
        h->max = from->max;
    h->count += from->count;
    h->sum += from->sum;
}

uint64_t load_hist_percentile(const struct load_hist *h, double p)
{
    if (!h->count)
        return 0;
    if (p >= 100)
        return h->max;
    double r = ceil(p / 100 * (double)h->count);
    uint64_t rank = r < 1 ? 1 : (uint64_t)r, seen = 0;
    for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t lower, width;
            load_hist_bucket_range(i, &lower, &width);
            uint64_t v = lower + width / 2;
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double load_hist_mean(const struct load_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0;
}
