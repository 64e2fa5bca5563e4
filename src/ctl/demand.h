/* demand: the load on each service as load generators report it (POST
 * /api/v1/demand, `minidc load http`), for the placement policies.
 *
 * A service is an IPv4 address and a port.  A generator, a "source" (e.g.
 * "PID@HOST"), reports the figures of its last interval: requests answered,
 * sent and failed a second, and the p95 latency of those answered.  The
 * latest report of each source and service is kept with its time; it is
 * current until it is older than DEMAND_STALE_INTERVALS of its own
 * interval, then stale and not counted (and dropped at the next report).
 * The current reports of a service add up: rates summed over sources, p95
 * the max over them (the worst the clients see).  By address, the ports add
 * up the same way.
 *
 * Pure: no I/O, no clock (times are given, in seconds of one monotonic
 * clock); not thread-safe (one owner: minidcd's loop). */
#ifndef MINIDC_CTL_DEMAND_H
#define MINIDC_CTL_DEMAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define DEMAND_SOURCE_MAX 64       /* bytes of a source's id */
#define DEMAND_REPORTS_MAX 1024    /* reports (source, service) kept at once */
#define DEMAND_STALE_INTERVALS 3.0 /* a report older than this many of its intervals is stale */

/* One report: what a source saw of a service in its last interval. */
struct demand_report {
    uint32_t addr; /* host order */
    uint16_t port;
    char source[DEMAND_SOURCE_MAX + 1]; /* "": one anonymous source */
    double interval_s;                  /* > 0 */
    double requests_per_second;         /* answered */
    double sent_per_second, failed_per_second;
    double p95_ms; /* of the answered; < 0: none (no answers) */
};

/* A service's, or an address's, current figures. */
struct demand_figures {
    double requests_per_second, sent_per_second, failed_per_second; /* summed */
    double p95_ms;    /* the max over the reports that have one; < 0 when none has */
    unsigned sources; /* current reports counted (one a source and port) */
    double age_s;     /* since the newest of them */
};

struct demand;

struct demand *demand_create(void);
/* NULL is a no-op. */
void demand_destroy(struct demand *d);

/* Keeps 'r' (copied) as the latest of its source for its service, at
 * 'now'; stale reports are dropped first.  0, or -1 when
 * DEMAND_REPORTS_MAX current reports are kept already (nothing changed). */
int demand_put(struct demand *d, const struct demand_report *r, double now);

/* The current figures of address 'addr' (host order; its ports summed) at
 * 'now' into '*out': 0, or -1 when it has no current report ('*out' zeroed,
 * p95_ms -1). */
int demand_get(const struct demand *d, uint32_t addr, double now, struct demand_figures *out);

/* The addresses with a current report at 'now', lowest first, into 'addrs'
 * (room for 'max'); returns how many there are (may exceed 'max'). */
size_t demand_addresses(const struct demand *d, double now, uint32_t *addrs, size_t max);

/* What is current at 'now', a service an entry, by address then port:
 * [{"address", "port", "requests_per_second", "sent_per_second",
 *   "failed_per_second", "p95_ms" (null when none), "sources", "age_s"}]
 * (new reference). */
json_t *demand_json(const struct demand *d, double now);

#endif
