/* Traces in the PlanetLab format (load.h): reading one, and the sample
 * under way at a time. */
#include "load/load.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A line as a message shows it: at most 24 bytes, bytes outside printable
 * ASCII as '?', "..." when cut.  'out' holds 32 bytes. */
static const char *shown(const char *s, size_t n, char out[32])
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 24; i++)
        out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (n > 24)
        memcpy(out + o, "...", 3), o += 3;
    out[o] = '\0';
    return out;
}

/* The sample on one line (blanks around it allowed), or -1. */
static int sample(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
        if (v > LOAD_SAMPLE_MAX)
            return -1;
    }
    return (int)v;
}

long load_trace_parse(const char *name, const char *text, size_t len, uint8_t *samples, char *err,
                      size_t err_size)
{
    size_t n = 0, line = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len, l = end - at;
        line++;
        if (l && text[at + l - 1] == '\r')
            l--;
        int v = sample(text + at, l);
        if (v < 0) {
            char buf[32];
            size_t blanks = 0;
            while (blanks < l && (text[at + blanks] == ' ' || text[at + blanks] == '\t'))
                blanks++;
            if (blanks == l)
                l = 0; /* blanks only: empty */
            snprintf(
                err, err_size,
                "%s:%zu: expected a whole number from 0 to %d (the CPU utilisation in percent, "
                "one a line), %s%s%s",
                name, line, LOAD_SAMPLE_MAX, l ? "not '" : "found an empty line",
                l ? shown(text + at, l, buf) : "", l ? "'" : "");
            return -1;
        }
        if (n == LOAD_TRACE_MAX) {
            snprintf(err, err_size, "%s:%zu: more than %d samples (30 days of 5-minute samples)",
                     name, line, LOAD_TRACE_MAX);
            return -1;
        }
        samples[n++] = (uint8_t)v;
        at = end + 1;
    }
    if (!n) {
        snprintf(err, err_size,
                 "%s: empty: a trace has one sample a line, a whole number from 0 to %d", name,
                 LOAD_SAMPLE_MAX);
        return -1;
    }
    return (long)n;
}

size_t load_trace_index(double elapsed, double interval, size_t n)
{
    if (!n || !(interval > 0) || !(elapsed > 0))
        return 0;
    double k = floor(elapsed / interval);
    return (size_t)fmod(k, (double)n);
}
