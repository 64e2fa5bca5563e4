/* load: the pure part of the guest's load generator (guest/load.c,
 * minidc-load), shared with the command line and minidcd so that all three
 * read a trace and bound a load alike.  No I/O, no clock, no allocation,
 * libc only: guest/build compiles these files into the static guest
 * program, CMake into minidc, minidcd and the unit tests.
 *
 * A trace is in the PlanetLab format CloudSim reads: one whole number from
 * 0 to 100 a line, the CPU utilisation of the VM in percent (of all its
 * CPUs) over one sample (5 minutes in the real traces; --interval
 * compresses time).  Blanks around the number and a CR before the newline
 * are allowed, nothing else; the last line may lack its newline.
 *
 * The duty cycle: each worker thread keeps a fraction of each period busy
 * (spinning, measured against CLOCK_MONOTONIC) and sleeps the rest.  What a
 * period could not spend (woken late, preempted) or overspent is carried to
 * the next, at most one period's worth either way, so that the average over
 * a few periods holds even when single periods miss. */
#ifndef MINIDC_LOAD_LOAD_H
#define MINIDC_LOAD_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_TRACE_MAX 8640       /* samples: 30 days of 5-minute samples */
#define LOAD_TRACE_TEXT_MAX 65536 /* bytes of a trace file read whole */
#define LOAD_SAMPLE_MAX 100       /* percent of the VM's CPUs */
#define LOAD_CPU_MAX 6400         /* --cpu, percent of one CPU: 64 CPUs' worth */
#define LOAD_INTERVAL_MIN 0.1     /* seconds a sample is held */
#define LOAD_INTERVAL_MAX 3600.0
#define LOAD_INTERVAL_DEFAULT 5.0
#define LOAD_PERIOD 0.1       /* seconds: one busy-then-idle cycle */
#define LOAD_TOUCH_PERIOD 1.0 /* seconds: every page of --memory is written once in each */
#define LOAD_MEMORY_SPARE 8   /* MiB a guest keeps available beside --memory */
#define LOAD_ERROR_MAX 256    /* bytes of a message */

/* Parses 'len' bytes of 'text' as a trace into 'samples' (LOAD_TRACE_MAX of
 * them).  Returns the number of samples (1 or more), or -1 with 'err' =
 * "NAME:LINE: what was expected" (or "NAME: ..." about the whole). */
long load_trace_parse(const char *name, const char *text, size_t len, uint8_t *samples, char *err,
                      size_t err_size);

/* The sample under way 'elapsed' seconds after a trace of 'n' samples began,
 * each held 'interval' seconds; the trace starts again after its last. */
size_t load_trace_index(double elapsed, double interval, size_t n);

/* --cpu PERCENT (of one CPU) spread over threads: how many (one per 100
 * started, none for 0), each busy for '*fraction' of its time. */
unsigned load_threads(unsigned percent, double *fraction);

/* One worker's account of its duty cycle. */
struct load_duty {
    double period; /* seconds */
    double debt;   /* busy seconds owed by earlier periods (negative: spent ahead) */
};

void load_duty_init(struct load_duty *d, double period);
/* How long to spin in a period whose target is 'fraction' (0 to 1) busy,
 * woken 'late' seconds after it began: what it owes, within what is left
 * of it. */
double load_duty_spin(const struct load_duty *d, double fraction, double late);
/* Accounts a period of target 'fraction' in which 'spun' seconds were
 * spent busy. */
void load_duty_done(struct load_duty *d, double fraction, double spun);

#endif
