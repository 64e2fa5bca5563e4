/* net: the controller's network logic, apart from any I/O.
 *
 * It keeps switches, links (LLDP), hosts (learned from packet-ins) and the
 * subnets of the topology, and turns events into OpenFlow messages through
 * the 'send' callback: ARP answers, forwarding and routing flows along
 * shortest paths, broadcast along a spanning tree, and, when a switch
 * (re)connects, a sweep of minidc flows it no longer wants (see flows.h).
 * Time comes in through net_tick(); nothing here blocks or reads a clock. */
#ifndef MINIDC_NET_NET_H
#define MINIDC_NET_NET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp/ofp.h"
#include "topo/topo.h"

struct net;

struct net_io {
    void *ctx;
    /* Sends 'msg' (OpenFlow 1.3; the xid is the sender's to set) to switch
     * 'dpid'.  The caller keeps ownership of 'msg'. */
    void (*send)(void *ctx, uint64_t dpid, const struct ofp_msg *msg);
    /* Publishes event 'type' ("switch.up", "link.down", "host.moved"...)
     * with 'data' (taken).  May be NULL. */
    void (*event)(void *ctx, const char *type, json_t *data);
};

/* 't' must outlive the net. */
struct net *net_create(const struct topo *t, const struct net_io *io);
void net_destroy(struct net *n);

/* A switch finished its handshake: features and port descriptions known. */
void net_switch_up(struct net *n, uint64_t dpid, const struct ofp_port *ports, size_t n_ports,
                   double now);
void net_switch_down(struct net *n, uint64_t dpid);
void net_port_status(struct net *n, uint64_t dpid, uint8_t reason, const struct ofp_port *port);
void net_packet_in(struct net *n, uint64_t dpid, const struct ofp_msg *msg, double now);
/* Flow statistics for the sweep after a (re)connection; 'more' while more
 * parts follow. */
void net_flow_stats(struct net *n, uint64_t dpid, const struct ofp_flow_stats *flows,
                    size_t n_flows, bool more);
/* Periodic work: LLDP probes, link expiry, sweeps, recomputation.  Call
 * every 100 ms or so. */
void net_tick(struct net *n, double now);

/* Host 'ip' with 'mac' is now behind 'port' of switch 'dpid' (a VM that
 * moved, before it runs there): its routes go there now, as if the network
 * had seen it. */
void net_host_place(struct net *n, uint32_t ip, const uint8_t mac[6], uint64_t dpid, uint32_t port);

/* Address rewrite for a VM moved across subnets (flows.h): packets to
 * 'old_ip' get 'new_ip' and 'mac' as destination at switch 'at' (0: where
 * the topology's controller.rewrite-at says, net_rewrite_switch()), packets
 * from 'new_ip' get 'old_ip' as source there; the old address is answered
 * in ARP with 'mac'.  Replaces any rewrite of 'old_ip' (never stacks);
 * 'new_ip' 0 or equal to 'old_ip' removes it.  Returns the switch used (0
 * when removed). */
uint64_t net_nat_set(struct net *n, uint32_t old_ip, uint32_t new_ip, const uint8_t mac[6],
                     uint64_t at);
json_t *net_nats_json(const struct net *n);
/* Where a rewrite to 'new_ip' goes: the root switch, or with rewrite-at
 * nearest the switch of new_ip's subnet (the first every packet of the VM
 * crosses). */
uint64_t net_rewrite_switch(const struct net *n, uint32_t new_ip);
/* The topology's center: the switch with the fewest switches to the farthest
 * one (the paper's root, OVS1, in fig1). */
uint64_t net_root_switch(const struct net *n);

/* An on-demand load balancer: clients that address 'vip' are spread over
 * 'count' backends (addresses and MACs; one may be 'vip' itself, the
 * original VM in place) by select groups at switch 'at', each connection
 * kept on one backend; the backends' replies get 'vip' back as their
 * source.  'at' 0: of the switches net_lb_switch() gives for the first
 * backend and each other one, the nearest the root.  Replaces any balancer
 * or rewrite of 'vip'; fewer than two backends removes it.  Returns the
 * switch used (0 when removed). */
uint64_t net_lb_set(struct net *n, uint32_t vip, const uint32_t *ips, const uint8_t (*macs)[6],
                    size_t count, uint64_t at);
json_t *net_lbs_json(const struct net *n);
/* Where a balancer over addresses 'a' and 'b' goes: the lowest switch common
 * to their subnets' switches (the root when they share a subnet). */
uint64_t net_lb_switch(const struct net *n, uint32_t a, uint32_t b);

/* Read-only views for the API. */
json_t *net_switches_json(const struct net *n);
json_t *net_links_json(const struct net *n);
json_t *net_hosts_json(const struct net *n);
/* The switch's dpid by name ("ovs4") or by dpid in hex; false when unknown. */
bool net_switch_lookup(const struct net *n, const char *name, uint64_t *dpid);
const char *net_switch_name(const struct net *n, uint64_t dpid);

/* Counters, for logs and benchmarks. */
struct net_stats {
    uint64_t packet_ins, flow_mods, packet_outs, arp_replies, hosts_learned, host_moves, swept;
};
const struct net_stats *net_get_stats(const struct net *n);

/* The gateway MAC the controller answers for every subnet gateway. */
extern const uint8_t net_gateway_mac[6];

#endif
