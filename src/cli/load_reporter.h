/* load_reporter: `minidc load http`'s figures to minidcd while it runs, a
 * report a second (POST /api/v1/demand: the last second's requests
 * answered, sent and failed, and the p95 latency of those answered), from
 * a thread of its own, for the placement policies (docs/load.md).
 *
 * The load loop hands each second over (load_reporter_second(): a copy
 * under a mutex, never any I/O), and the thread posts it.  A POST that
 * blocks or fails delays nothing but the next report: a second handed over
 * while another waits replaces it (the one replaced is counted skipped).
 * The first report that fails prints one warning on stderr; every failure
 * is counted, and the run goes on.
 *
 * Network namespaces are per thread (setns(2)): the thread is started in
 * the namespace the command began in, before the caller moves into a lab
 * node's (--from), and stays there, so the API is reached as every other
 * command reaches it (inside the lab's fabric namespace when the target
 * says so).  It blocks every signal: they go to the load loop. */
#ifndef MINIDC_CLI_LOAD_REPORTER_H
#define MINIDC_CLI_LOAD_REPORTER_H

#include <jansson.h>
#include <stdint.h>

#include "cli/api_client.h"

/* A POST taking longer than this has failed. */
#define LOAD_REPORTER_TIMEOUT_MS 1000

struct load_second;
struct load_reporter;

/* Starts the thread reporting on service 'addr':'port' to 't' (taken: the
 * caller does not free it), as 'source' (copied; "PID@HOST").  NULL after
 * saying why when no thread can be made ('t' is freed then). */
struct load_reporter *load_reporter_start(struct api_target *t, const char *addr, uint16_t port,
                                          const char *source);
/* Second 'k' (from 0) of the run is over with the figures 's' (copied).
 * Seconds at or before the last one handed over are ignored.  For the
 * load loop: returns at once. */
void load_reporter_second(struct load_reporter *r, uint64_t k, const struct load_second *s);
/* Posts what waits, stops the thread (at most two POSTs' timeouts), frees
 * 'r', and returns what it did: {"to": "ADDR:PORT", "source", "posted",
 * "failed", "skipped"} (new reference). */
json_t *load_reporter_stop(struct load_reporter *r);

/* "PID@HOST" of this process into 'buf' (of 'size' bytes, at most
 * DEMAND_SOURCE_MAX + 1 used): the host name's bytes that a source may not
 * hold become '_'. */
void load_reporter_source(char *buf, size_t size);

#endif
