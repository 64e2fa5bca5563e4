/* loadgen: an open-loop HTTP load generator, the I/O around load_sched.h (when
 * requests leave), load_http.h (what goes on the wire) and load_stats.h
 * (what is counted).
 *
 * One libevent loop, one thread.  A timer fires the requests at the times of
 * the schedule, measured from the start, whether or not the earlier ones
 * were answered; each opens a TCP connection of its own (non-blocking), so
 * any number may be under way.  A request ends answered, or failed: refused
 * (ECONNREFUSED), reset (ECONNRESET, EPIPE, or closed before a whole
 * answer), timeout (no whole answer 'timeout_ms' after it left), http_error
 * (an answer whose status is not 2xx), other (any other errno, or an answer
 * that is not HTTP).  Latency runs from the moment the request leaves (its
 * socket made) to the last byte of its answer, so it includes the TCP
 * handshake (whose own times are kept too: the request is sent as soon as
 * the connection is up).  A send more than LOAD_LATE_US behind its schedule is counted
 * late: a generator that cannot keep up shows it instead of quietly turning
 * into a closed loop.  After an answer the connection stays until the
 * server closes it (or the request's timeout passes), so that the server,
 * not the generator, keeps the TCP TIME_WAIT state.
 *
 * The run lasts the schedule's duration, then as long as requests are still
 * under way (at most 'timeout_ms').  SIGINT or SIGTERM stops the sending
 * early and waits for those under way; a second one stops at once, and the
 * requests still under way count as unfinished.
 *
 * While the run lasts, 'on_second' (when set) gets each second's figures
 * once it is over (a timer a millisecond after each whole second): on the
 * loop's thread, so it must return at once, never wait on I/O. */
#ifndef MINIDC_LOADGEN_LOADGEN_H
#define MINIDC_LOADGEN_LOADGEN_H

#include <netinet/in.h>
#include <stdbool.h>

struct load_sched;
struct load_stats;
struct load_second;

struct load_opts {
    struct sockaddr_in addr; /* where the requests go */
    const char *request;     /* the request's bytes (load_http_request) */
    size_t request_len;
    struct load_sched *sched;
    int timeout_ms;
    bool progress; /* a line on stderr every second */
    /* Second 'k' (from 0) is over and 's' (borrowed for the call) is final. */
    void (*on_second)(void *ctx, uint64_t k, const struct load_second *s);
    void *ctx;
};

/* Runs the schedule, telling 'st' everything, and finishes 'st'.  Returns
 * 0, 130 when a signal stopped it early ('st' holds the results either
 * way), or -1 after saying why it could not start. */
int load_run(const struct load_opts *o, struct load_stats *st);

#endif
