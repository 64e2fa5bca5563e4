/* load_stats: what an open-loop run counts, and its report.
 *
 * The engine tells each event as it happens, with its time in microseconds
 * from the start (times never go back): a request sent (and how late
 * against its schedule), answered (its latency and the replica), failed (a
 * cause).  Totals, a latency histogram of the answered requests, answers per
 * replica, the longest time without an answer and a per-second series are
 * kept; a second's figures count what happened in it: requests that left
 * in it, and requests that ended (answered or failed) in it.  The report
 * made of them is load_report.h's. */
#ifndef MINIDC_LOADGEN_LOAD_STATS_H
#define MINIDC_LOADGEN_LOAD_STATS_H

#include <stdint.h>
#include <stddef.h>

#include "loadgen/load_hist.h"

/* A send more than this behind its schedule counts as late. */
#define LOAD_LATE_US 10000
/* Distinct replica names, HTTP statuses and errors kept; the last slot
 * counts all the others, as "(more)" (a code of -1). */
#define LOAD_MAX_NAMES 256
#define LOAD_MAX_CODES 32

enum load_cause {
    LOAD_REFUSED,    /* ECONNREFUSED: nothing listens */
    LOAD_RESET,      /* ECONNRESET, EPIPE, or closed before a whole answer */
    LOAD_TIMEOUT,    /* no whole answer within the request's timeout */
    LOAD_HTTP_ERROR, /* a whole answer whose status is not 2xx (detail: the status) */
    LOAD_OTHER,      /* anything else (detail: the errno; 0: not an HTTP answer) */
    LOAD_N_CAUSES
};
extern const char *const load_cause_names[LOAD_N_CAUSES];

struct load_second {
    uint64_t sent, answered, failed, late;
    uint64_t p50_us, p95_us, p99_us; /* of the answers of the second (when answered > 0) */
};

struct load_count {
    int code; /* HTTP status or errno */
    uint64_t n;
};

struct load_name_count {
    char *name;
    uint64_t n;
};

struct load_stats {
    uint64_t sent, answered, failed, unfinished;
    uint64_t late, late_max_us;
    uint64_t causes[LOAD_N_CAUSES];
    struct load_count http[LOAD_MAX_CODES], other[LOAD_MAX_CODES];
    size_t n_http, n_other;
    struct load_name_count *replicas;
    size_t n_replicas, cap_replicas;
    struct load_hist all;  /* latencies of every answer */
    struct load_hist conn; /* connection times (the TCP handshake's part of them) */
    struct load_hist sec;  /* of the current second's */
    struct load_second *seconds, cur;
    size_t n_seconds, cap_seconds;
    uint64_t last_answer_us, gap_max_us, gap_start_us;
    uint64_t in_flight_max;
    uint64_t send_end_us, end_us; /* set by load_stats_finish */
    double cpu_user_s, cpu_system_s;
};

struct load_stats *load_stats_new(void);
void load_stats_free(struct load_stats *st);

void load_stats_sent(struct load_stats *st, uint64_t now_us, uint64_t late_us);
void load_stats_answered(struct load_stats *st, uint64_t now_us, uint64_t latency_us,
                         const char *replica);
void load_stats_failed(struct load_stats *st, uint64_t now_us, enum load_cause cause, int detail);
/* A request's connection is up 'connect_us' after it left. */
void load_stats_connected(struct load_stats *st, uint64_t connect_us);
void load_stats_in_flight(struct load_stats *st, uint64_t n);
/* Closes the seconds before the one of 'now_us' (an event in a later
 * second does it too): their figures are final. */
void load_stats_tick(struct load_stats *st, uint64_t now_us);
/* The run is over: no request left after 'send_end_us' (the end of the
 * schedule, or of an interrupted run), the last ended at 'end_us', and
 * 'unfinished' were still under way when it was stopped. */
void load_stats_finish(struct load_stats *st, uint64_t send_end_us, uint64_t end_us,
                       uint64_t unfinished);

#endif
