/* api: minidcd's HTTP/JSON API under /api/v1 (the routes are listed at the
 * top of api.c), with a bearer token on every request but /metrics, bounds
 * on its connections (api_conns.h) and flow tables asked of the switches.
 * It owns its state; what it reads and drives comes in 'struct api_deps'.
 * Event loop thread only. */
#ifndef MINIDC_CTL_API_H
#define MINIDC_CTL_API_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp/ofp.h"

struct demand;
struct events;
struct hist;
struct net;
struct plans;
struct policies;
struct portstats;
struct ofconns;
struct topo;
struct vmctl;

struct api_deps {
    struct event_base *base;
    const struct topo *t;
    struct net *net;
    struct ofconns *switches;
    struct vmctl *vms;
    struct events *events;
    const struct portstats *links; /* the links' traffic */
    const struct hist *history;    /* the figures' recent history */
    struct plans *plans;           /* placement plans (api_policy.h) */
    struct policies *policies;     /* placement policies */
    struct demand *demand;         /* the services' load, as the generators report it */
    const char *token;             /* every request but /metrics carries it (copied) */
};

struct api;

/* Serves on 'addr':'port', at most 'max_conns' connections at once; NULL
 * with errno set when it cannot listen. */
struct api *api_create(const struct api_deps *deps, const char *addr, uint16_t port,
                       size_t max_conns);
/* Serves HTTPS from now on: shows 'cert' (PEM, a chain) with 'key'; 0, or
 * -1 after saying why not. */
int api_tls(struct api *api, const char *key, const char *cert);
bool api_uses_tls(const struct api *api);
/* Answers the requests still waiting for a switch (503), then stops. */
void api_destroy(struct api *api);

/* A multipart reply from switch 'dpid': true when it answers one of the
 * API's requests (then it is the API's). */
bool api_multipart_reply(struct api *api, uint64_t dpid, const struct ofp_msg *m);
/* Switch 'dpid' went away: the requests waiting for it get 503. */
void api_switch_gone(struct api *api, uint64_t dpid);

#endif
