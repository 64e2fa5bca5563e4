#include "policy/stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
    if (n > 32) {
        qsort(v, n, sizeof *v, cmp_double);
        return;
    }
    /* A detector's window is short: insertion sort beats qsort's calls. */
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

double stats_median_sorted(const double *v, size_t n)
{
    if (!n)
        return 0;
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double stats_median(double *v, size_t n)
{
    stats_sort(v, n);
    return stats_median_sorted(v, n);
}

/* The index (from 0) of rank round(q (n + 1)), within 0..n-1. */
static size_t quartile_index(double q, size_t n)
{
    double rank = floor(q * (double)(n + 1) + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > (double)n)
        rank = (double)n;
    return (size_t)rank - 1;
}

double stats_iqr(double *v, size_t n)
{
    if (!n)
        return 0;
    stats_sort(v, n);
    return v[quartile_index(0.75, n)] - v[quartile_index(0.25, n)];
}

double stats_mad(double *v, size_t n, double *scratch)
{
    if (!n)
        return 0;
    double med = stats_median(v, n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(v[i] - med);
    return stats_median(scratch, n);
}

int stats_wls_line(const double *x, const double *y, const double *w, size_t n, double *a,
                   double *b)
{
    double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        sw += w[i];
        sx += w[i] * x[i];
        sy += w[i] * y[i];
    }
    if (!(sw > 0))
        return -1;
    double xm = sx / sw, ym = sy / sw, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += w[i] * (x[i] - xm) * (x[i] - xm);
        sxy += w[i] * (x[i] - xm) * (y[i] - ym);
    }
    /* Relative to the spread of x: all weight on one x leaves the slope free. */
    if (!(sxx > 1e-12 * sw * (1 + xm * xm)))
        return -1;
    *b = sxy / sxx;
    *a = ym - *b * xm;
    return 0;
}

void stats_tricube_weights(size_t n, double *w)
{
    for (size_t i = 0; i < n; i++) {
        double u = (double)(n - 1 - i) / (double)(n - 1);
        double t = 1 - u * u * u;
        w[i] = u < 1 ? t * t * t : 0;
    }
}

double stats_bisquare(double u)
{
    if (fabs(u) >= 1)
        return 0;
    double t = 1 - u * u;
    return t * t;
}

/* Series this long at most: local regression here runs on a detector's last
 * 10 values, so the arrays stay on the stack. */
#define LOESS_MAX 64

int stats_loess_line(const double *y, size_t n, unsigned robust_steps, double *a, double *b)
{
    if (n < 3 || n > LOESS_MAX)
        return -1;
    double x[LOESS_MAX], w[LOESS_MAX], rw[LOESS_MAX], e[LOESS_MAX];
    for (size_t i = 0; i < n; i++)
        x[i] = (double)(i + 1);
    stats_tricube_weights(n, w);
    if (stats_wls_line(x, y, w, n, a, b))
        return -1;
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(y[i]));
    for (unsigned step = 0; step < robust_steps; step++) {
        for (size_t i = 0; i < n; i++)
            e[i] = fabs(y[i] - (*a + *b * x[i]));
        for (size_t i = 0; i < n; i++)
            rw[i] = e[i];
        double s = stats_median(rw, n);
        /* s == 0: at least half the points lie on the line; B(e / 6s) tends
         * to 1 for those and to 0 for the others. */
        double tiny = 1e-12 * (1 + scale);
        for (size_t i = 0; i < n; i++)
            rw[i] = w[i] * (s > tiny ? stats_bisquare(e[i] / (6 * s)) : e[i] <= tiny);
        double na, nb;
        if (stats_wls_line(x, y, rw, n, &na, &nb))
            break;
        *a = na, *b = nb;
    }
    return 0;
}

double stats_pearson(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return 0;
    double xm = 0, ym = 0;
    for (size_t i = 0; i < n; i++)
        xm += x[i], ym += y[i];
    xm /= (double)n, ym /= (double)n;
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - xm) * (x[i] - xm);
        syy += (y[i] - ym) * (y[i] - ym);
        sxy += (x[i] - xm) * (y[i] - ym);
    }
    if (!(sxx > 0) || !(syy > 0))
        return 0;
    return sxy / sqrt(sxx * syy);
}

/* Regressors of one regression at most (MC regresses a VM on the other
 * candidates of its server). */
#define R2_MAX_P 64
/* Observations at most (a detector's window). */
#define R2_MAX_M 256

int stats_r2(const double *const *xs, size_t p, const double *y, size_t m, double *r2)
{
    if (m <= p + 1 || p > R2_MAX_P || m > R2_MAX_M)
        return -1;
    /* The intercept is taken out by centring every column and y; the QR
     * decomposition of the centred m x p matrix then gives the residual
     * as the last m - p entries of Q'y. */
    double *a = malloc(sizeof(double) * (m * (p ? p : 1) + m));
    if (!a)
        return -1;
    double *c = a + m * p; /* y, centred, then Q'y */
    double ym = 0, sst = 0;
    for (size_t i = 0; i < m; i++)
        ym += y[i];
    ym /= (double)m;
    for (size_t i = 0; i < m; i++) {
        c[i] = y[i] - ym;
        sst += c[i] * c[i];
    }
    int rc = 0;
    double raw[R2_MAX_P];
    for (size_t k = 0; k < p; k++) {
        double *col = a + k * m, mean = 0, r = 0;
        for (size_t i = 0; i < m; i++)
            mean += xs[k][i], r += xs[k][i] * xs[k][i];
        mean /= (double)m;
        for (size_t i = 0; i < m; i++)
            col[i] = xs[k][i] - mean;
        raw[k] = sqrt(r);
    }
    for (size_t k = 0; k < p && !rc; k++) {
        double *col = a + k * m, norm = 0;
        for (size_t i = k; i < m; i++)
            norm += col[i] * col[i];
        norm = sqrt(norm);
        /* What is left of column k beside the columns before it (and the
         * intercept): nothing, to a relative 1e-9, means collinear. */
        if (!(norm > 1e-9 * raw[k])) {
            rc = -1;
            break;
        }
        double alpha = col[k] > 0 ? -norm : norm;
        col[k] -= alpha; /* col[k..m-1] is now the Householder vector v */
        double vv = 0;
        for (size_t i = k; i < m; i++)
            vv += col[i] * col[i];
        for (size_t j = k + 1; j <= p; j++) {
            double *t = j < p ? a + j * m : c, s = 0;
            for (size_t i = k; i < m; i++)
                s += col[i] * t[i];
            s = 2 * s / vv;
            for (size_t i = k; i < m; i++)
                t[i] -= s * col[i];
        }
    }
    if (!rc) {
        double sse = 0;
        for (size_t i = p; i < m; i++)
            sse += c[i] * c[i];
        *r2 = sst > 0 ? 1 - sse / sst : 0;
        if (*r2 < 0)
            *r2 = 0;
    }
    free(a);
    return rc;
}
