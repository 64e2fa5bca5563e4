/* load_sched: when each request of an open-loop run leaves, as absolute
 * times from the start, whatever happened to the requests before it.
 *
 * The rate is piecewise constant: R requests/s throughout, or a trace of
 * samples (PlanetLab's format: one integer 0-100 a line, a CPU utilization
 * in percent), each lasting 'interval' seconds at R * value / 100.  Request
 * k (from 0) leaves when the integral of the rate from the start reaches k:
 * at k / R for a constant rate, so R * S requests in S seconds, evenly
 * spaced, and none while a sample is 0.  Times come from the request's
 * number, never from the previous one, so they do not drift.
 *
 * The trace file is parsed by src/load (load_trace_parse), so that a trace
 * means the same here as to minidc vm load. */
#ifndef MINIDC_LOADGEN_LOAD_SCHED_H
#define MINIDC_LOADGEN_LOAD_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct load_sched {
    double rate;       /* R: requests/s (at a sample of 100 with a trace) */
    double duration_s; /* no request leaves at or after this time */
    /* The trace (NULL: a constant rate); the schedule keeps the pointer. */
    const unsigned *samples;
    size_t n_samples;
    double interval_s;
    /* Where the schedule is (load_sched_next) */
    uint64_t k;         /* the next request's number */
    size_t seg;         /* the trace sample it falls in */
    double seg_start_n; /* requests due before that sample starts */
};

void load_sched_constant(struct load_sched *s, double rate, double duration_s);
/* 'duration_s' 0: the trace's length (n * interval_s). */
void load_sched_trace(struct load_sched *s, double rate, const unsigned *samples, size_t n,
                      double interval_s, double duration_s);
/* The time of the next request in microseconds from the start, or false
 * when the schedule is over. */
bool load_sched_next(struct load_sched *s, uint64_t *at_us);
/* The rate at time 't' (requests/s). */
double load_sched_rate_at(const struct load_sched *s, double t);

/* Reads the trace in file 'path' and parses it with src/load's
 * load_trace_parse, the PlanetLab reader that minidc vm load and the guest
 * share: one integer 0-100 a line, blanks around it and a CRLF allowed, at
 * most LOAD_TRACE_MAX samples in LOAD_TRACE_TEXT_MAX bytes.  Returns 0 with
 * '*samples' (caller frees) and '*n', or -1 with '*err' (caller frees, no
 * newline): "FILE:LINE: what was expected" for the first bad line, or
 * "FILE: why" when the file cannot be read, is too large or holds no
 * sample. */
int load_sched_read_trace(const char *path, unsigned **samples, size_t *n, char **err);

#endif
