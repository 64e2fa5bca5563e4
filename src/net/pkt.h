/* pkt: the few frames the controller reads and writes (Ethernet, ARP,
 * IPv4, LLDP).  Pure: parsing is bounded by the frame length, building
 * returns new bytes. */
#ifndef MINIDC_NET_PKT_H
#define MINIDC_NET_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_LLDP 0x88cc
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define ARP_REQUEST 1
#define ARP_REPLY 2

struct pkt {
    uint8_t eth_dst[6], eth_src[6];
    uint16_t eth_type; /* after any VLAN tag */
    /* ARP (eth_type ARP) */
    uint16_t arp_op;
    uint8_t arp_sha[6], arp_tha[6];
    uint32_t arp_spa, arp_tpa; /* host order */
    /* IPv4 (eth_type IPV4) */
    uint32_t ip_src, ip_dst; /* host order */
    uint8_t ip_proto, ip_ttl;
    /* TCP or UDP (ip_proto 6 or 17) when 'l4': its ports; TCP's flags */
    bool l4;
    uint16_t l4_src, l4_dst;
    uint8_t tcp_flags;
    /* LLDP (eth_type LLDP): what minidcd's own probes carry */
    uint64_t lldp_dpid;
    uint32_t lldp_port;
    bool lldp_ours;
};

/* Parses 'len' bytes of frame; false when it is too short for what its
 * headers announce. */
bool pkt_parse(const uint8_t *frame, size_t len, struct pkt *p);

/* Builds an ARP frame (60 bytes, padded); caller frees.  For a request,
 * 'tha' may be NULL (zeros) and the frame goes to broadcast. */
uint8_t *pkt_build_arp(uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t *tha,
                       uint32_t tpa, const uint8_t eth_dst[6], size_t *len);

/* Builds minidcd's LLDP probe for port 'port' of switch 'dpid'; caller frees. */
uint8_t *pkt_build_lldp(uint64_t dpid, uint32_t port, const uint8_t src[6], size_t *len);

bool pkt_mac_is_broadcast(const uint8_t mac[6]);
bool pkt_mac_is_multicast(const uint8_t mac[6]);
/* "aa:bb:cc:dd:ee:ff" into buf (18 bytes) */
char *pkt_mac_str(const uint8_t mac[6], char *buf);

#endif
