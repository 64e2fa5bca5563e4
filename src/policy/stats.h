/* stats: the statistics the built-in policies need, on short series (a
 * detector's window is 30 values): order statistics (median, quartiles,
 * MAD), a weighted least-squares line and local regression on it (tricube
 * weights, bisquare robustness steps), and the coefficient of determination
 * of a multiple regression (maximum correlation selection).
 *
 * Pure: no I/O; only stats_r2 allocates (its work space).  Functions that
 * sort say so (they sort the caller's array in place). */
#ifndef MINIDC_POLICY_STATS_H
#define MINIDC_POLICY_STATS_H

#include <stddef.h>

/* Sorts 'v' (n values) in increasing order. */
void stats_sort(double *v, size_t n);

/* The median of sorted 'v' (the mean of the two middle values when n is
 * even, as Apache Commons Math's 50th percentile gives); 0 when n is 0. */
double stats_median_sorted(const double *v, size_t n);
/* The median of 'v' (n values), which it sorts. */
double stats_median(double *v, size_t n);

/* The interquartile range of 'v' (n > 0 values, sorted in place), with
 * CloudSim's quartile positions: Q1 is the value at rank
 * round(0.25 (n + 1)), Q3 at rank round(0.75 (n + 1)) (ranks from 1, ties
 * of .5 rounded up, ranks kept within 1..n). */
double stats_iqr(double *v, size_t n);

/* The median absolute deviation of 'v' (n values, sorted in place):
 * median(|v_i - median(v)|); 'scratch' holds n values.  0 when n is 0. */
double stats_mad(double *v, size_t n, double *scratch);

/* The line y = a + b x minimising sum w_i (y_i - a - b x_i)^2 over n
 * points.  0; or -1 when it is not determined (weights summing to 0, or
 * every x of positive weight the same). */
int stats_wls_line(const double *x, const double *y, const double *w, size_t n, double *a,
                   double *b);

/* The tricube neighbourhood weights of local regression estimating at the
 * newest of n points x = 1..n (Cleveland 1979, as Beloglazov & Buyya use
 * it): w_i = T((n - x_i) / (n - 1)), T(u) = (1 - |u|^3)^3 for |u| < 1, else
 * 0.  The newest point weighs 1, the oldest 0.  n >= 2. */
void stats_tricube_weights(size_t n, double *w);

/* The bisquare function B(u) = (1 - u^2)^2 for |u| < 1, else 0. */
double stats_bisquare(double u);

/* Local regression of y (n >= 3 values, oldest first) on x = 1..n with
 * tricube weights, then 'robust_steps' robustness steps: residuals e_i,
 * s = median |e_i|, each weight multiplied by B(e_i / 6s), the line fitted
 * again.  A step whose line is not determined keeps the one before.  0 with
 * the line in a, b; or -1 when even the first line is not determined. */
int stats_loess_line(const double *y, size_t n, unsigned robust_steps, double *a, double *b);

/* Pearson's correlation of x and y (n values); 0 when either is constant
 * or n < 2. */
double stats_pearson(const double *x, const double *y, size_t n);

/* The coefficient of determination R^2 of the least-squares regression of
 * y on the p series xs[0..p-1] and an intercept, m observations each
 * (Householder QR of the centred regressors).  0 with it in '*r2' (0 when
 * y is constant); or -1 when the regression has no degree of freedom left
 * (m <= p + 1) or its regressors are collinear (one a constant, or a linear
 * combination of the others, to a relative 1e-9), or memory ran out. */
int stats_r2(const double *const *xs, size_t p, const double *y, size_t m, double *r2);

#endif
