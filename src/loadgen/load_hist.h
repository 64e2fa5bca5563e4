/* load_hist: a latency histogram with log-linear buckets (as HdrHistogram
 * lays them out), in microseconds.
 *
 * Values below 256 have a bucket each; above, every power of two is cut into
 * 128 buckets of equal width, so a bucket is at most 1/128 of its lower bound
 * wide.  A percentile is the middle of its bucket (clamped to the smallest
 * and largest value recorded): within 0.4% of the exact sample, and the
 * maximum is exact.  Values above LOAD_HIST_MAX_US (about 71 minutes) count
 * as LOAD_HIST_MAX_US.  Fixed size (26 KiB), no allocation: a struct can be
 * declared, zeroed and reused. */
#ifndef MINIDC_LOADGEN_LOAD_HIST_H
#define MINIDC_LOADGEN_LOAD_HIST_H

#include <stdint.h>

#define LOAD_HIST_MAX_US UINT32_MAX
#define LOAD_HIST_BUCKETS 3328 /* 256 exact, then 24 powers of two of 128 */

struct load_hist {
    uint64_t count;
    uint64_t sum;      /* of the values recorded, for the mean */
    uint64_t min, max; /* exact; 0 when empty */
    uint64_t buckets[LOAD_HIST_BUCKETS];
};

/* Empties 'h' (as zeroing it does). */
void load_hist_reset(struct load_hist *h);
void load_hist_add(struct load_hist *h, uint64_t us);
/* Adds every value of 'from' to 'h'. */
void load_hist_merge(struct load_hist *h, const struct load_hist *from);
/* The value at percentile 'p' (0 < p <= 100) by nearest rank: the smallest
 * value at least p% of the values are not above.  0 when empty. */
uint64_t load_hist_percentile(const struct load_hist *h, double p);
double load_hist_mean(const struct load_hist *h);

/* The bucket of a value, and the values a bucket holds: [lower, lower + width). */
unsigned load_hist_bucket(uint64_t us);
void load_hist_bucket_range(unsigned bucket, uint64_t *lower, uint64_t *width);

#endif
