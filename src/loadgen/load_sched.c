#include "loadgen/load_sched.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* At most this many problems are listed; the rest are counted. */
#define TRACE_MAX_ERRORS 10

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

/* A line for messages: at most 40 characters, control characters as '?'. */
static void quote_line(struct strbuf *sb, const char *p, size_t n)
{
    strbuf_puts(sb, "'");
    for (size_t i = 0; i < n && i < 40; i++) {
        char c = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
        strbuf_add(sb, &c, 1);
    }
    strbuf_puts(sb, n > 40 ? "...'" : "'");
}

static void problem(struct strbuf *err, unsigned *n_err, const char *file, size_t line,
                    const char *p, size_t n, const char *what)
{
    if (++*n_err > TRACE_MAX_ERRORS)
        return;
    strbuf_printf(err, "%s:%zu: error: ", file, line);
    if (p) {
        quote_line(err, p, n);
        strbuf_puts(err, " ");
    }
    strbuf_printf(err, "%s\n", what);
}

int load_trace_parse(const char *text, size_t len, const char *file, unsigned **samples, size_t *n,
                     char **err)
{
    struct strbuf e;
    strbuf_init(&e);
    unsigned n_err = 0, *v = NULL;
    size_t cap = 0, count = 0, line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
        size_t n_line = nl ? (size_t)(nl - p) : len - pos;
        pos += n_line + (nl ? 1 : 0);
        line++;
        size_t a = 0, b = n_line;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r'))
            b--;
        if (a == b) {
            problem(&e, &n_err, file, line, NULL, 0,
                    "an empty line: expected an integer 0-100 (one sample a line)");
            continue;
        }
        unsigned long x = 0;
        size_t i = a;
        for (; i < b && isdigit((unsigned char)p[i]) && x <= 100; i++)
            x = x * 10 + (unsigned)(p[i] - '0');
        if (i < b && isdigit((unsigned char)p[i])) {
            problem(&e, &n_err, file, line, p + a, b - a, "is out of range: expected 0-100");
            continue;
        }
        if (i < b) {
            problem(&e, &n_err, file, line, p + a, b - a, "is not an integer 0-100");
            continue;
        }
        if (x > 100) {
            problem(&e, &n_err, file, line, p + a, b - a, "is out of range: expected 0-100");
            continue;
        }
        xgrow(&v, &cap, count + 1, sizeof *v);
        v[count++] = (unsigned)x;
    }
    if (!count && !n_err)
        strbuf_printf(&e, "%s: error: no samples (one integer 0-100 a line)\n", file), n_err++;
    if (n_err > TRACE_MAX_ERRORS)
        strbuf_printf(&e, "%s: error: and %u more\n", file, n_err - TRACE_MAX_ERRORS);
    if (n_err) {
        free(v);
        *err = strbuf_steal(&e);
        return -1;
    }
    strbuf_free(&e);
    *samples = v;
    *n = count;
    return 0;
}

int load_trace_read(const char *path, unsigned **samples, size_t *n, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = xasprintf("%s: error: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    struct strbuf sb;
    strbuf_init(&sb);
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, got);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad) {
        *err = xasprintf("%s: error: cannot read: %s\n", path, strerror(EIO));
        rc = -1;
    } else if (memchr(sb.s, '\0', sb.len)) {
        *err = xasprintf("%s: error: a NUL byte: not a text file of samples\n", path);
        rc = -1;
    } else {
        rc = load_trace_parse(sb.s, sb.len, path, samples, n, err);
    }
    strbuf_free(&sb);
    return rc;
}
