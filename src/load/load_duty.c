/* The duty cycle of a load's worker threads (load.h): how busy each is, and
 * how long it spins in each period. */
#include "load/load.h"

unsigned load_threads(unsigned percent, double *fraction)
{
    unsigned n = (percent + 99) / 100;
    *fraction = n ? percent / (100.0 * n) : 0;
    return n;
}

void load_duty_init(struct load_duty *d, double period)
{
    d->period = period;
    d->debt = 0;
}

double load_duty_spin(const struct load_duty *d, double fraction, double late)
{
    double want = fraction * d->period + d->debt, left = d->period - late;
    if (want > left)
        want = left;
    return want > 0 ? want : 0;
}

void load_duty_done(struct load_duty *d, double fraction, double spun)
{
    d->debt += fraction * d->period - spun;
    if (d->debt > d->period)
        d->debt = d->period;
    else if (d->debt < -d->period)
        d->debt = -d->period;
}
