/* hist: the recent history of many figures, for bounded memory.
 *
 * Figures are named series ("vm/vm1/cpu_used").  Samples come in rounds: a
 * round has one time, and each series at most one value in it (a series
 * without one has a gap there).  The store keeps the last 'capacity' rounds;
 * a series none of them has a value for is dropped.  Values are kept as
 * floats (7 significant digits), times as doubles, so a series costs about
 * 4 bytes a round and its name.
 *
 * A counter (bytes sent so far) is given as such and kept as its rate: the
 * increase per second since its previous value (nothing for its first, or
 * after it went down: a reset).
 *
 * Pure: no I/O, no clock; not thread-safe (one owner). */
#ifndef MINIDC_HIST_HIST_H
#define MINIDC_HIST_HIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct hist;

struct hist *hist_create(size_t capacity);
void hist_destroy(struct hist *h);

/* Starts a round at time 't' (seconds; later than the last round's, else
 * the round is refused: false). */
bool hist_begin(struct hist *h, double t);
/* Gives 'series' its value for the round (the last one given counts). */
void hist_set(struct hist *h, const char *series, double value);
/* Gives counter 'series' its count now: its rate goes in the round. */
void hist_set_counter(struct hist *h, const char *series, double count);

size_t hist_rounds(const struct hist *h); /* kept, at most the capacity */
size_t hist_n_series(const struct hist *h);
/* Bytes the store holds (its arrays and names), to check the bound. */
size_t hist_bytes(const struct hist *h);

/* {"capacity", "rounds", "from", "to", "series": [{"name", "values"}...]}:
 * the series whose name starts with 'prefix' ("" or NULL: all), with how
 * many values each has. */
json_t *hist_list_json(const struct hist *h, const char *prefix);
/* {"from", "to", "series": {NAME: [[t, v]...]}}: the values of the series
 * named in 'names' ('n' of them; exact names, or NAME* for a prefix) in
 * rounds from 'since' to 'until' (inclusive; 0: no bound), at most
 * 'max_points' a series (0: all; else evenly thinned, the last kept). */
json_t *hist_query_json(const struct hist *h, const char *const *names, size_t n, double since,
                        double until, size_t max_points);

/* The values of series 'name' in the last 'max' rounds, oldest first, into
 * 'out' (the caller's, 'max' entries): a round without a value repeats the
 * one before (kept rounds before those too), and a series none of whose
 * earlier rounds has a value starts at its first.
 * Returns how many were written (0: no value in those rounds). */
size_t hist_tail(const struct hist *h, const char *name, size_t max, double *out);

#endif
