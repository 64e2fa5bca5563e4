/* ofconn: minidcd's OpenFlow connections: accept (TCP or TLS), frame,
 * negotiate the version (1.3 or 1.0), learn the ports, keep alive with
 * echoes, bound how many there are, and follow flow changes with barriers.
 *
 * What the switches say goes to an io struct (the shape of src/net's
 * net_io), so that this module knows nothing of what minidcd does with it:
 * the network logic, the learning switch or the API (ctl/dispatch.h).
 * Event loop thread only. */
#ifndef MINIDC_CTL_OFCONN_H
#define MINIDC_CTL_OFCONN_H

#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp/ofp.h"

/* A switch whose output backs up beyond this is too slow: it is dropped
 * rather than let memory grow. */
#define OFCONN_MAX_OUTPUT (16u << 20)
#define OFCONN_ECHO_INTERVAL 5.0 /* idle seconds before we ask "are you there" */
#define OFCONN_ECHO_TIMEOUT 15.0 /* silent seconds before the switch is dropped */
/* A switch not through the handshake (hello, features, ports) in this long
 * is dropped; past the bound the oldest such makes way for a new one (and
 * dropped ones holding their descriptors until the tick count up to a
 * quarter more). */
#define OFCONN_HANDSHAKE_S 10.0
#define OFCONN_MAX 1024 /* default bound, lowered to fit the descriptor limit */

struct ofconn_io {
    void *ctx;
    /* A switch is through its handshake.  Returns what the io keeps for it
     * (given back with each of its messages; may be NULL). */
    void *(*switch_up)(void *ctx, uint64_t dpid, uint8_t version, const struct ofp_port *ports,
                       size_t n_ports);
    /* It went: disconnected, dropped or replaced by a new connection. */
    void (*switch_down)(void *ctx, void *sw, uint64_t dpid);
    /* A message from a switch that is up, but for the handshake's, echoes,
     * errors (logged here) and barrier replies. */
    void (*message)(void *ctx, void *sw, uint64_t dpid, const struct ofp_msg *m);
    /* The switch's name for the log ("" when it has none). */
    const char *(*name)(void *ctx, uint64_t dpid);
};

struct ofconns;

/* Up to 'max' connections at once (0: OFCONN_MAX). */
struct ofconns *ofconns_create(struct event_base *base, const struct ofconn_io *io, size_t max);
/* Closes every connection and the listener. */
void ofconns_destroy(struct ofconns *oc);
/* Makes the listener speak TLS: our key and certificate, and the CA that
 * signs the switches' certificates.  0, or -1 after logging why.  Before
 * ofconns_listen(). */
int ofconns_tls(struct ofconns *oc, const char *key, const char *cert, const char *ca);
bool ofconns_use_tls(const struct ofconns *oc);
/* Listens on 'addr':'port'; -1 with errno set when it cannot. */
int ofconns_listen(struct ofconns *oc, const char *addr, uint16_t port);

/* Sends 'm' to the switch 'dpid' (xid assigned when 0); returns the xid
 * used, or 0 when no such switch is up. */
uint32_t ofconns_send(struct ofconns *oc, uint64_t dpid, const struct ofp_msg *m);
/* Echoes, handshake deadlines, barriers; frees dropped connections. */
void ofconns_tick(struct ofconns *oc, double now);

/* The connection of switch 'dpid': {"peer", "openflow", "tls", "synced",
 * "rx_messages", "tx_messages"}, or JSON null. */
json_t *ofconns_switch_json(struct ofconns *oc, uint64_t dpid);
/* {"open", "max", "evicted", "accept_errors", "paused"} */
json_t *ofconns_stats_json(struct ofconns *oc);
/* How many messages the switches have sent, all told. */
unsigned long ofconns_received(const struct ofconns *oc);

#endif
