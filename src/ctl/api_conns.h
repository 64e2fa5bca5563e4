/* api_conns: bounds on the API's connections, which evhttp lacks.
 *
 * - How many at once ('max'): past it the oldest connection that has not
 *   delivered a whole request makes way for the new one; when every one is
 *   busy (a request being answered, an event stream), the listener waits.
 * - How long a request may take to arrive ('request_s', from the accept or
 *   from the end of the previous reply): a client sending a byte a second is
 *   cut off when its time is up, whatever evhttp's idle timeout says.
 * - At most API_CONNS_BATCH accepted per turn of the loop, so that requests
 *   already in are read before a flood can push them out.
 * - When accept() runs out of descriptors, a quarter of the idle ones go.
 *
 * libevent 2.1's evhttp tells nobody about a connection until a request is
 * whole (its only hook, evhttp_set_bevcb, says "one more" and no more; a
 * filtering bufferevent there breaks evhttp's "reply written"), so the
 * connections are found where they are: the process's descriptors
 * (/proc/self/fd), the sockets bound to the API's port but its listener,
 * each known by descriptor and inode.  They are looked at every second, and
 * at once when the accepts since the last look reach the bound (the
 * listener waits for it).  Closing one is a shutdown() of its socket; evhttp
 * then frees it in its own time.  Event loop thread only. */
#ifndef MINIDC_CTL_API_CONNS_H
#define MINIDC_CTL_API_CONNS_H

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>
#include <stddef.h>

#define API_CONNS_MAX 256 /* default bound, lowered to fit the descriptor limit */
#define API_CONNS_BATCH 16
#define API_REQUEST_S 5.0 /* a whole request within this */

struct api_conns;

/* Bounds 'http' (whose listener is 'lev').  Call before it accepts. */
struct api_conns *api_conns_create(struct event_base *base, struct evhttp *http,
                                   struct evconnlistener *lev, size_t max, double request_s);
void api_conns_destroy(struct api_conns *ac);
/* A whole request arrived on 'req''s connection: it is busy until the reply
 * is sent. */
void api_conns_request(struct api_conns *ac, struct evhttp_request *req);
/* {"open", "max", "evicted", "timed_out", "accept_errors", "paused"} */
json_t *api_conns_json(const struct api_conns *ac);

#endif
