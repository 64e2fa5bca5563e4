#include "loadgen/load_sched.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/load.h"
#include "util/xalloc.h"

void load_sched_constant(struct load_sched *s, double rate, double duration_s)
{
    memset(s, 0, sizeof *s);
    s->rate = rate;
    s->duration_s = duration_s;
}

void load_sched_trace(struct load_sched *s, double rate, const unsigned *samples, size_t n,
                      double interval_s, double duration_s)
{
    memset(s, 0, sizeof *s);
    s->rate = rate;
    s->samples = samples;
    s->n_samples = n;
    s->interval_s = interval_s;
    s->duration_s = duration_s > 0 ? duration_s : (double)n * interval_s;
}

/* Requests due in sample 'i' of the trace: R * value / 100 * interval,
 * multiplied first so that whole rates give whole counts. */
static double seg_requests(const struct load_sched *s, size_t i)
{
    return s->rate * (double)s->samples[i] * s->interval_s / 100;
}

bool load_sched_next(struct load_sched *s, uint64_t *at_us)
{
    double t;
    if (!s->samples) {
        t = (double)s->k / s->rate;
    } else {
        for (;;) {
            if (s->seg >= s->n_samples)
                return false;
            double in_seg = seg_requests(s, s->seg);
            if ((double)s->k < s->seg_start_n + in_seg)
                break;
            s->seg_start_n += in_seg;
            s->seg++;
        }
        double r = s->rate * (double)s->samples[s->seg] / 100;
        t = (double)s->seg * s->interval_s + ((double)s->k - s->seg_start_n) / r;
    }
    if (t >= s->duration_s)
        return false;
    s->k++;
    *at_us = (uint64_t)llround(t * 1e6);
    return true;
}

double load_sched_rate_at(const struct load_sched *s, double t)
{
    if (t < 0 || t >= s->duration_s)
        return 0;
    if (!s->samples)
        return s->rate;
    size_t i = (size_t)(t / s->interval_s);
    return i < s->n_samples ? s->rate * (double)s->samples[i] / 100 : 0;
}

int load_sched_read_trace(const char *path, unsigned **samples, size_t *n, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = xasprintf("%s: cannot open it: %s", path, strerror(errno));
        return -1;
    }
    /* A byte more than a trace may hold tells a file that is too large. */
    char *text = xmalloc(LOAD_TRACE_TEXT_MAX + 1);
    errno = 0;
    size_t len = fread(text, 1, LOAD_TRACE_TEXT_MAX + 1, f);
    int read_errno = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    uint8_t *v = NULL;
    long got = -1;
    if (read_errno) {
        *err = xasprintf("%s: cannot read it: %s", path, strerror(read_errno));
    } else if (len > LOAD_TRACE_TEXT_MAX) {
        *err = xasprintf("%s: larger than %d bytes: more than a trace may hold (at most %d "
                         "samples, one a line)",
                         path, LOAD_TRACE_TEXT_MAX, LOAD_TRACE_MAX);
    } else {
        /* The message names the file: room for its path beside the text. */
        size_t msg_size = strlen(path) + LOAD_ERROR_MAX;
        char *msg = xmalloc(msg_size);
        v = xmalloc(LOAD_TRACE_MAX);
        got = load_trace_parse(path, text, len, v, msg, msg_size);
        if (got < 0)
            *err = msg;
        else
            free(msg);
    }
    free(text);
    if (got > 0) {
        *samples = xcalloc((size_t)got, sizeof **samples);
        for (long i = 0; i < got; i++)
            (*samples)[i] = v[i];
        *n = (size_t)got;
    }
    free(v);
    return got > 0 ? 0 : -1;
}
