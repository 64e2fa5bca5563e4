/* ctl: minidcd's I/O around the network logic (src/net): OpenFlow
 * connections and the HTTP API, on one libevent loop.  Private to minidcd. */
#ifndef MINIDC_CTL_CTL_H
#define MINIDC_CTL_CTL_H

#include <event2/event.h>
#include <openssl/ssl.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "ofp/ofp.h"
#include "topo/topo.h"
#include "util/token.h"

/* A switch whose output backs up beyond this is too slow: it is dropped
 * rather than let memory grow. */
#define CTL_MAX_OUTPUT (16u << 20)
#define CTL_ECHO_INTERVAL 5.0 /* idle seconds before we ask "are you there" */
#define CTL_ECHO_TIMEOUT 15.0 /* silent seconds before the switch is dropped */

struct ofconn;
struct vmctl;
struct events;
struct api_conns;
struct listen_guard;
struct loop_call;

struct ctl {
    struct event_base *base;
    struct topo *t;
    struct net *net;
    struct evconnlistener *of_listener;
    struct evhttp *http;
    struct api_conns *api_conns; /* bounds on the API's connections */
    struct listen_guard *of_guard; /* the OpenFlow listener's pauses and accept errors */
    size_t of_max_conns;           /* OpenFlow connections at once */
    unsigned long of_evicted;      /* OpenFlow connections dropped to make room */
    struct event *tick;
    struct ofconn **conns;
    size_t n_conns, conns_cap;
    double started;
    bool app_l2; /* every switch gets the reactive learning switch (benchmarks) */
    SSL_CTX *tls; /* switches connect over TLS (both sides show certificates) when set */
    struct vmctl *vms; /* the VMs and the agents that run them */
    struct events *events; /* published at /api/v1/events */
    struct loop_call *calls; /* the VM operations' calls into the network logic */
    char api_token[TOKEN_MAX]; /* every API request but /metrics carries it */
    /* pending API requests waiting for a switch's answer */
    struct api_wait *waits;
    size_t n_waits, waits_cap;
};

double ctl_now(void);

/* A switch not through the handshake (hello, features, ports) in this long
 * is dropped; past of_max_conns the oldest such makes way for a new one
 * (and dropped ones holding their descriptors until the tick count up to a
 * quarter more). */
#define CTL_HANDSHAKE_S 10.0
#define CTL_OF_CONNS_MAX 1024 /* default bound, lowered to fit the descriptor limit */

#define CTL_BACKLOG 1024 /* connections the kernel holds before accept() */

/* ofconn.c */
/* A TCP listener on 'addr':'port' calling 'cb' (the API's has evhttp's). */
struct evconnlistener *ctl_listen(struct ctl *c, const char *addr, uint16_t port, evconnlistener_cb cb, void *arg);
int ofconn_listen(struct ctl *c, const char *addr, uint16_t port);
/* {"open", "max", "evicted", "accept_errors", "paused"} */
json_t *ofconn_stats_json(struct ctl *c);
/* Makes the OpenFlow listener speak TLS: our key and certificate, and the CA
 * that signs the switches' certificates.  0, or -1 after logging why. */
int ofconn_tls(struct ctl *c, const char *key, const char *cert, const char *ca);
/* Sends 'm' to the switch 'dpid' (xid assigned when 0); returns the xid
 * used, or 0 when no such switch is connected. */
uint32_t ctl_send(struct ctl *c, uint64_t dpid, const struct ofp_msg *m);
void ofconn_tick_all(struct ctl *c, double now);
json_t *ofconn_json(struct ctl *c, uint64_t dpid);
void ofconn_close_all(struct ctl *c);

/* api.c: serves at most 'max_conns' connections at once (see api_conns.h) */
int api_start(struct ctl *c, const char *addr, uint16_t port, size_t max_conns);
void api_stop(struct ctl *c);
/* A multipart reply for an API request: returns true when it was one. */
bool api_multipart_reply(struct ctl *c, uint64_t dpid, const struct ofp_msg *m);
void api_switch_gone(struct ctl *c, uint64_t dpid);

#endif
