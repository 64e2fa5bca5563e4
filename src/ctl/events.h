/* events: what happens in the data center, published by minidcd as
 * Server-Sent Events at GET /api/v1/events.
 *
 * Every event has a sequence number (the SSE id), a type ("vm.migrated",
 * "switch.up", "link.down", "host.moved", ...), the wall-clock time and a JSON
 * object of details.  The last EVENTS_KEPT are kept, so that a client can
 * catch up from the id it saw last (?since=ID, or the Last-Event-ID header).
 * Publishing is thread-safe (VM operations run in threads); delivery happens
 * on the event loop. */
#ifndef MINIDC_CTL_EVENTS_H
#define MINIDC_CTL_EVENTS_H

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define EVENTS_KEPT 1024

struct events;

struct events *events_create(struct event_base *base);
void events_destroy(struct events *e);
/* Publishes 'type' with 'data' (taken; NULL: no details).  Any thread. */
void events_publish(struct events *e, const char *type, json_t *data);
/* Answers 'req' with the event stream: the kept events after 'since' (0:
 * all kept) when 'replay', then new ones.  Event loop thread only. */
void events_subscribe(struct events *e, struct evhttp_request *req, bool replay, uint64_t since);

#endif
