/* portstats: the links' traffic, from the switches' port counters.
 *
 * Every round minidcd asks each switch for its ports' statistics; the
 * replies give each link's bytes and packets in both directions (a
 * direction A->B is what A's port sent, or, when A is a server or host,
 * what B's port received), their rates between the last two replies, and
 * the utilisation of the link's bandwidth (topology's links[].bandwidth).
 * Event loop thread only. */
#ifndef MINIDC_CTL_PORTSTATS_H
#define MINIDC_CTL_PORTSTATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ofp/ofp.h"

struct hist;
struct topo;

struct portstats;

struct portstats *portstats_create(const struct topo *t);
void portstats_destroy(struct portstats *p);
/* Asks every switch of the topology, through 'send' (which returns the
 * request's xid, 0 when the switch is not connected). */
typedef uint32_t portstats_send_fn(void *ctx, uint64_t dpid, const struct ofp_msg *m);
void portstats_request(struct portstats *p, portstats_send_fn *send, void *ctx);
/* A multipart reply of switch 'dpid' at 'now': true when it answers one
 * of portstats' requests (then it is taken). */
bool portstats_reply(struct portstats *p, uint64_t dpid, const struct ofp_msg *m, double now);
/* [{"name": "ovs1:2-ovs2:1", "a", "b", "bandwidth_mbit" (null: none),
 *   "ab": {"bytes", "packets", "bits_per_second", "packets_per_second",
 *          "utilization" (null without a bandwidth)}, "ba": {...}}...];
 * a direction not heard of yet is null. */
json_t *portstats_links_json(const struct portstats *p);
/* Each link's figures into the round of 'h': link/NAME/{ab,ba}_{bps,pps,utilization}. */
void portstats_record(const struct portstats *p, struct hist *h);

#endif
