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
 * Errors: the trace reader returns 0, or -1 with every problem in '*err'
 * (caller frees), one a line, "FILE:LINE: error: MESSAGE". */
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

/* Reads a trace from 'text' ('len' bytes; 'file' names it in messages):
 * '*samples' (caller frees) and '*n'.  Lines may end in CRLF and carry
 * spaces around the number; a last line may lack its newline.  Blank lines,
 * anything but digits, and values above 100 are errors; so is a trace with
 * no sample. */
int load_trace_parse(const char *text, size_t len, const char *file, unsigned **samples, size_t *n,
                     char **err);
/* The same from file 'path'. */
int load_trace_read(const char *path, unsigned **samples, size_t *n, char **err);

#endif
