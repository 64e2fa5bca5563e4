#include "eval/power.h"

#include <math.h>

double eval_power(const double points[EVAL_POWER_POINTS], double u)
{
    if (!(u > 0)) /* also NaN */
        return points[0];
    if (u >= 1)
        return points[EVAL_POWER_POINTS - 1];
    /* i <= 9, so points[i + 1] is in the table: the largest u below 1 is
     * 1 - 2^-53, and 10 - 10 * 2^-53 rounds down (the doubles below 10 are
     * 2^-49 apart). */
    double x = u * (EVAL_POWER_POINTS - 1);
    int i = (int)floor(x);
    return points[i] + (points[i + 1] - points[i]) * (x - i);
}
