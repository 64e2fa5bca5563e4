/* Every flow minidcd installs, in one place: tables, priorities, cookies.
 *
 * Cookies say who owns a flow, so each owner installs and removes its own and
 * a restarted controller can sweep what it no longer wants:
 *   bits 63..56  0x6d, minidc's mark: flows without it are never touched
 *   bits 55..48  the owner (NET_OWNER_*)
 *   bits 31..0   the owner's id (a host's IPv4 address, a base flow's number)
 *
 * Table 0 classifies; tables 1 and 2 forward IPv4 by destination, 2 for
 * packets routed between subnets (rewritten once, at the first switch):
 *   table 0  prio 1000  LLDP                         -> controller    (topology discovery)
 *            prio  900  ARP                          -> controller    (ARP answered or relayed)
 *            prio  500  IPv4 to the gateway MAC      -> dec_ttl, eth_src := gateway MAC, table 2
 *                                                                     (routing between subnets)
 *            prio  150  broadcast                    -> spanning-tree and edge ports
 *            prio  100  IPv4                         -> table 1
 *            prio    0  anything else                -> drop
 *   table 1  prio  100  ipv4_dst = a host            -> port towards it
 *            prio    0  anything else                -> controller    (unknown destination)
 *   table 2  prio  100  ipv4_dst = a host            -> eth_dst := host MAC, port towards it
 *            prio    0  anything else                -> controller
 * Once a routed packet carries the host's MAC, the next switches treat it
 * as any other (table 1): nothing is rewritten twice and traffic within a
 * subnet is never rewritten.
 * Address rewrite of a VM moved to another subnet (owner NAT, id = its old
 * address OLD; NEW its address now, MAC its MAC), at one switch R (the root
 * switch by default):
 *   at R     table 0  prio 710  IPv4 to the gateway MAC, ipv4_dst = OLD
 *                                -> dec_ttl, eth_src := gateway MAC,
 *                                   ipv4_dst := NEW, eth_dst := MAC, table 1
 *                     prio 710  IPv4 to the gateway MAC, ipv4_src = NEW
 *                                -> dec_ttl, eth_src := gateway MAC,
 *                                   ipv4_src := OLD, table 2
 *                     prio 700  ipv4_dst = OLD -> ipv4_dst := NEW, eth_dst := MAC, table 1
 *                     prio 700  ipv4_src = NEW -> ipv4_src := OLD, table 1
 *   elsewhere table 0 prio 690  ipv4_src = NEW -> port towards R
 *            tables 1, 2 prio 100  ipv4_dst = OLD -> (table 2: eth_dst := MAC)
 *                                port towards R
 * so that everything to the old address and everything the VM sends passes
 * R, where it is rewritten: clients keep the old address wherever they are.
 * A load balancer for address VIP (owner LB, id = VIP) at switch B (the lowest
 * switch common to its backends' subnets) has the same shape, with one
 * OpenFlow select group per port P of B (buckets: eth_dst := backend MAC,
 * ipv4_dst := backend address, output towards it, or IN_PORT when that is P):
 *   at B     table 0  prio 760  in_port P, IPv4 to the gateway MAC, ipv4_dst = VIP
 *                                -> dec_ttl, eth_src := gateway MAC, group(P)
 *                     prio 755  in_port P, ipv4_dst = VIP -> group(P)
 *                     prio 710/700  ipv4_src = a backend -> ipv4_src := VIP (as above)
 *   elsewhere table 0 prio 750  ipv4_dst = VIP, eth_dst = the MAC of a backend
 *                                that is VIP itself -> port towards it
 *                     prio 690  ipv4_src = a backend -> port towards B
 *            tables 1, 2 prio 110  ipv4_dst = VIP -> (table 2: eth_dst := the
 *                                balancer's MAC 02:6c:VIP) port towards B
 * TCP to VIP at B goes to the controller first, so that a connection keeps
 * its backend while backends come and go (owner LB_CONN, id = VIP):
 *   at B     table 0  prio 762  in_port P, to the gateway MAC, TCP to VIP -> controller
 *                     prio 757  in_port P, TCP to VIP -> controller
 *                     prio 770/765  in_port P, (to the gateway MAC,) TCP from
 *                                   CLIENT:PORT to VIP:VPORT -> (dec_ttl,
 *                                   eth_src := gateway MAC,) the bucket of its
 *                                   backend; idle timeout NET_LB_CONN_IDLE_S
 *                     prio 769/764  the same for a connection's later packet
 *                                   (under its first packet's flow, if any)
 * The controller installs the last for each connection it is asked about: a
 * connection's first packet (SYN without ACK) gets a backend by a hash of
 * its client's address and port (the same for a SYN sent again); any other
 * packet belongs to a connection made before the balancer, which stays on
 * the backend that is VIP itself (the original VM), or to one whose first
 * packet's flow the datapath's cache had not seen yet (that flow wins).  The packet goes on
 * through the table.  Other IPv4 (UDP, ICMP) is spread by the select
 * groups, which hash each flow to one bucket.
 * ARP for VIP is answered with 02:6c:VIP. */
#ifndef MINIDC_NET_FLOWS_H
#define MINIDC_NET_FLOWS_H

#define NET_COOKIE_MARK 0x6d00000000000000ull
#define NET_COOKIE_MARK_MASK 0xff00000000000000ull
#define NET_COOKIE_OWNER_MASK 0xffff000000000000ull
#define NET_COOKIE(owner, id)                                                                      \
    (NET_COOKIE_MARK | (unsigned long long)(owner) << 48 | (unsigned long long)(id))

enum net_owner {
    NET_OWNER_BASE = 1,    /* the fixed flows of every switch */
    NET_OWNER_HOST = 2,    /* a host's route, id = its IPv4 address */
    NET_OWNER_FLOOD = 3,   /* the broadcast flow of a switch */
    NET_OWNER_NAT = 4,     /* address rewrite for a VM moved across subnets, id = its old address */
    NET_OWNER_LB = 5,      /* on-demand load balancers, id = the balanced address */
    NET_OWNER_LB_CONN = 6, /* a balancer's TCP connections, each held to its backend, id = VIP */
};

enum { NET_TABLE_CLASSIFY = 0, NET_TABLE_FORWARD = 1, NET_TABLE_ROUTED = 2 };

enum {
    NET_PRIO_LLDP = 1000,
    NET_PRIO_ARP = 900,
    NET_PRIO_ROUTED = 500,
    NET_PRIO_IPV4 = 100,
    NET_PRIO_FLOOD = 150,
    NET_PRIO_DROP = 0,
    NET_PRIO_HOST = 100,
    NET_PRIO_MISS = 0,
    NET_PRIO_NAT_STEER = 690,
    NET_PRIO_NAT = 700,
    NET_PRIO_NAT_ROUTED = 710,
    NET_PRIO_LB_DIRECT = 750,
    NET_PRIO_LB = 755,
    NET_PRIO_LB_ROUTED = 760,
    NET_PRIO_LB_TCP = 757,
    NET_PRIO_LB_TCP_ROUTED = 762,
    NET_PRIO_LB_CONN = 765,
    NET_PRIO_LB_CONN_ROUTED = 770,
};

/* A balancer's connection flow goes after this long without a packet. */
#define NET_LB_CONN_IDLE_S 120

/* Base flow ids (NET_OWNER_BASE). */
enum {
    NET_BASE_LLDP = 1,
    NET_BASE_ARP,
    NET_BASE_ROUTED,
    NET_BASE_IPV4,
    NET_BASE_DROP,
    NET_BASE_MISS,
    NET_BASE_ROUTED_MISS,
    NET_BASE_COUNT
};

/* Idle timeout of host routes (seconds): a route nobody uses goes, and the
 * next packet towards the host brings it back through the controller. */
#define NET_HOST_IDLE_TIMEOUT 300

#endif
