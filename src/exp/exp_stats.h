/* exp_stats: the summary of a set of samples that experiment reports give
 * (median and spread, and how noisy: the coefficient of variation). */
#ifndef MINIDC_EXP_EXP_STATS_H
#define MINIDC_EXP_EXP_STATS_H

#include <jansson.h>
#include <stddef.h>

struct exp_stats {
    size_t n;
    double median, min, max, mean;
    double sd; /* sample standard deviation (0 for fewer than two samples) */
    double cv; /* sd / mean, 0 when the mean is 0 */
};

void exp_stats(const double *x, size_t n, struct exp_stats *out);
/* The same over a JSON array of numbers (other members are skipped). */
void exp_stats_json(const json_t *samples, struct exp_stats *out);

#endif
