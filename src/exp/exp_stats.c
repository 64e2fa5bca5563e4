#include "exp/exp_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void exp_stats(const double *x, size_t n, struct exp_stats *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (!n)
        return;
    double *s = xmalloc(n * sizeof *s);
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    out->min = s[0];
    out->max = s[n - 1];
    out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    out->mean = sum / (double)n;
    if (n > 1) {
        double v = 0;
        for (size_t i = 0; i < n; i++)
            v += (s[i] - out->mean) * (s[i] - out->mean);
        out->sd = sqrt(v / (double)(n - 1));
    }
    out->cv = out->mean != 0 ? out->sd / fabs(out->mean) : 0;
    free(s);
}

void exp_stats_json(const json_t *samples, struct exp_stats *out)
{
    size_t n = json_array_size(samples), k = 0;
    double *x = xmalloc((n + 1) * sizeof *x);
    for (size_t i = 0; i < n; i++)
        if (json_is_number(json_array_get(samples, i)))
            x[k++] = json_number_value(json_array_get(samples, i));
    exp_stats(x, k, out);
    free(x);
}
