/* listen_guard: who decides whether a listener accepts, and what happens
 * when accept() fails.
 *
 * Without it, a listener whose accept() fails for want of file descriptors
 * (EMFILE) is woken again at once by the connection still waiting, and
 * libevent logs "Too many open files" in a busy loop.  The guard asks its
 * owner to shed connections and pauses the listener: 20 ms when some were
 * shed (their descriptors come back on the loop's next turns), else 100 ms
 * doubling up to 1 s while it goes on; it logs rate-limited.  Owners also pause it
 * for their own reasons (full, a batch accepted); it accepts when no reason
 * holds.  Event loop thread only. */
#ifndef MINIDC_CTL_LISTEN_GUARD_H
#define MINIDC_CTL_LISTEN_GUARD_H

#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <stdint.h>

enum listen_pause {
    LISTEN_FULL = 1,    /* the owner has as many connections as it takes */
    LISTEN_BATCH = 2,   /* a batch was accepted: let the loop read them first */
    LISTEN_BACKOFF = 4, /* accept() failed: the guard's own */
};

#define LISTEN_BACKLOG 1024 /* connections the kernel holds before accept() */

/* A TCP listener on IPv4 'addr':'port' calling 'cb' with 'arg' (NULL for
 * evhttp's, which sets its own), or NULL with errno set. */
struct evconnlistener *listen_tcp(struct event_base *base, const char *addr, uint16_t port,
                                  evconnlistener_cb cb, void *arg);

struct listen_guard;

/* Guards 'lev' (not taken; it must outlive the guard).  'what' names it in
 * logs ("API", "OpenFlow"); 'shed' (may be NULL) is called with 'ctx' when
 * accept() ran out of descriptors, to close some connections, and returns
 * how many it closed. */
struct listen_guard *listen_guard_create(struct event_base *base, struct evconnlistener *lev,
                                         const char *what, size_t (*shed)(void *ctx), void *ctx);
void listen_guard_destroy(struct listen_guard *g);
void listen_guard_pause(struct listen_guard *g, enum listen_pause why);
void listen_guard_resume(struct listen_guard *g, enum listen_pause why);
/* Pauses for LISTEN_BATCH until the loop's next turn. */
void listen_guard_yield(struct listen_guard *g);
/* {"accept_errors": N, "paused": bool} */
json_t *listen_guard_json(const struct listen_guard *g);

#endif
