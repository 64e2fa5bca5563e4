/* net_priv: what the files of src/net share; other modules include net.h
 * only.
 *
 * The files, each calling only files listed before it (and pkt.c), so that
 * none depends on another that depends on it (scripts/measure --cycles):
 *   net_lookup.c   switches, hosts, rewrites, balancers and subnets found
 *   net_send.c     what goes to the switches: flow-mods, packet-outs, ARP
 *                  probes; events
 *   net_routes.c   shortest paths, and routes towards hosts and addresses
 *   net_rewrite.c  address rewrites for VMs moved across subnets
 *   net_lb.c       on-demand load balancers
 *   net_links.c    links found by LLDP, the spanning tree of broadcasts
 *   net_hosts.c    hosts learned, ARP, packets held for an answer
 *   net_sweep.c    the sweep of a (re)connected switch's flows
 *   net_views.c    the JSON views of switches, links and hosts
 *   net.c          a net's life: switches up and down, packet-ins, ticks
 * Names shared between the files have net.h's prefix, as lab_priv.h's have
 * lab's (libuv writes uv__ instead): what net.h declares is public, what
 * this file declares is not. */
#ifndef MINIDC_NET_NET_PRIV_H
#define MINIDC_NET_NET_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "ofp/ofp.h"
#include "topo/topo.h"

struct pkt;
struct topo_graph;

#define NET_PENDING_MAX 64 /* packets held while their destination is ARPed for */

struct net_port {
    uint32_t no;
    char name[17];
    uint8_t mac[6];
    bool up;
};

struct net_switch {
    uint64_t dpid;
    char *name;
    bool connected;
    struct net_port *ports;
    size_t n_ports;
    double connected_at;
    bool sweep_requested, swept;
    /* flows seen during the sweep: their cookies */
    uint64_t *seen_cookies;
    size_t n_seen, seen_cap;
};

struct net_link { /* one direction: a probe sent on (a, a_port) arrived on (b, b_port) */
    uint64_t a, b;
    uint32_t a_port, b_port;
    double seen;
};

struct net_host {
    uint8_t mac[6];
    uint32_t ip;
    uint64_t dpid;
    uint32_t port;
    double seen;
};

struct net_nat { /* a VM moved across subnets: OLD is rewritten to NEW at switch 'at' */
    uint32_t old_ip, new_ip;
    uint8_t mac[6];
    uint64_t at;
};

#define NET_LB_MAX 16
struct net_lb { /* clients that address VIP are spread over the backends at switch 'at' */
    uint32_t vip;
    uint64_t at;
    uint16_t slot; /* its groups at 'at': slot << 16 | port (net_lb.c) */
    size_t n_be;
    struct {
        uint32_t ip;
        uint8_t mac[6];
    } be[NET_LB_MAX];
};

struct net_pending {
    uint32_t ip;
    uint8_t *data;
    size_t len;
    double at;
};

struct net {
    const struct topo *t;
    /* The topology's links, its center and every node's distance from it:
     * the file does not change while the net runs. */
    struct topo_graph *graph;
    long root;
    int *root_dist;
    struct net_io io;
    struct net_switch *sw;
    size_t n_sw, sw_cap;
    struct net_link *links;
    size_t n_links, links_cap;
    struct net_host *hosts;
    size_t n_hosts, hosts_cap;
    struct net_nat *nats;
    size_t n_nats, nats_cap;
    struct net_lb *lbs;
    size_t n_lbs, lbs_cap;
    struct net_pending pending[NET_PENDING_MAX];
    size_t n_pending;
    double now, last_lldp;
    bool dirty; /* topology changed: recompute routes and flooding */
    struct net_stats stats;
};

/* net_lookup.c: NULL when there is none. */
struct net_switch *net_find_sw(const struct net *n, uint64_t dpid);
bool net_is_link_port(const struct net *n, uint64_t dpid, uint32_t port);
struct net_host *net_find_host_ip(const struct net *n, uint32_t ip);
const struct net_nat *net_find_nat(const struct net *n, uint32_t old_ip);
const struct topo_subnet *net_subnet_of(const struct net *n, uint32_t ip);
const struct net_lb *net_find_lb(const struct net *n, uint32_t vip);
/* A TCP packet for a balanced address at its balancing switch: holds its
 * connection to a backend (flows.h) and sends it on; false when it is not
 * one. */
bool net_lb_packet_in(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
                      const uint8_t *frame, size_t len);
struct net_switch *net_switch_of_subnet(const struct net *n, const struct topo_subnet *sn);

/* net_send.c */
/* Sends 'm' to switch 'dpid' as OpenFlow 1.3, counts it, and frees what 'm'
 * holds (not 'm' itself). */
void net_send_msg(struct net *n, uint64_t dpid, struct ofp_msg *m);
/* Publishes event 'type' with 'data' (taken). */
void net_emit(struct net *n, const char *type, json_t *data);
/* Makes 'm' a flow-mod that adds a flow matching anything, without
 * instructions. */
void net_flow_init(struct ofp_msg *m, uint8_t table, uint16_t prio, uint64_t cookie);
/* Appends an apply-actions instruction to flow-mod 'm': its actions. */
struct ofp_actions *net_flow_apply(struct ofp_msg *m);
/* Deletes the flows with 'cookie' from every table of switch 'dpid', or of
 * every connected switch. */
void net_delete_cookie(struct net *n, uint64_t dpid, uint64_t cookie);
void net_delete_everywhere(struct net *n, uint64_t cookie);
/* A packet-out of a copy of 'data' with 'actions' (taken: left empty). */
void net_packet_out(struct net *n, uint64_t dpid, uint32_t in_port, const uint8_t *data, size_t len,
                    struct ofp_actions *actions);
void net_send_frame(struct net *n, uint64_t dpid, uint32_t port, const uint8_t *data, size_t len);
/* Address 'v' as the four bytes of a set-field, first byte first. */
void net_ip_bytes(uint32_t v, uint8_t ip[4]);
void net_to_edge_ports(struct net *n, struct net_switch *s, uint64_t dpid, uint32_t in_port,
                       const uint8_t *frame, size_t len);
void net_arp_probe(struct net *n, uint32_t ip);

/* net_routes.c */
void net_ports_towards(const struct net *n, uint64_t dst, uint32_t *ports, bool *reach);
void net_install_host(struct net *n, const struct net_host *h, uint64_t only);
void net_steer_src(struct net *n, uint64_t dpid, uint64_t cookie, uint32_t src, uint32_t port);
void net_route_dst(struct net *n, uint64_t dpid, uint64_t cookie, uint16_t prio, uint32_t dst,
                   const uint8_t mac[6], uint32_t port);

/* net_rewrite.c */
void net_rewrite_src(struct net *n, uint64_t dpid, uint64_t cookie, uint32_t from, uint32_t to);
void net_install_nat(struct net *n, const struct net_nat *x);

/* net_lb.c */
void net_lb_mac(uint32_t vip, uint8_t mac[6]);
void net_install_lb(struct net *n, const struct net_lb *b);

/* net_links.c */
/* The broadcast flow of every connected switch: out of its up ports that
 * are edge ports or on a spanning tree of the links. */
void net_install_flood(struct net *n);
/* Removes the links of port 'port' of switch 'dpid', or of all its ports. */
void net_remove_links_of(struct net *n, uint64_t dpid, uint32_t port, bool whole_switch);
/* Sends an LLDP probe out of every up port of every connected switch. */
void net_send_lldp(struct net *n);
/* Switch 'dpid' got one of our probes 'k' on 'in_port': a link, found or
 * seen again. */
void net_saw_lldp(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k, double now);
/* Links not seen for a while are gone. */
void net_expire_links(struct net *n, double now);

/* net_hosts.c */
void net_learn(struct net *n, uint64_t dpid, uint32_t port, const uint8_t mac[6], uint32_t ip,
               double now);
/* Packet-ins of ARP, and of IPv4 that no flow took (frame 'frame' of 'len'
 * bytes, parsed into 'k'). */
void net_handle_arp(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
                    const uint8_t *frame, size_t len, double now);
void net_handle_ipv4_miss(struct net *n, uint64_t dpid, uint32_t in_port, const struct pkt *k,
                          const uint8_t *frame, size_t len, double now);
/* Packets held too long for an answer that never came are dropped. */
void net_expire_pending(struct net *n, double now);

/* net_sweep.c: asks the switches connected long enough for LLDP to have
 * found their links for their flows of minidc, once per connection
 * (net_flow_stats() sweeps them). */
void net_request_sweeps(struct net *n, double now);

#endif
