#include "net/pkt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

/* LLDP TLVs: type (7 bits) and length (9 bits), then the value. */
static void parse_lldp(const uint8_t *p, size_t len, struct pkt *k)
{
    bool have_chassis = false, have_port = false;
    while (len >= 2) {
        unsigned type = p[0] >> 1, tlen = (unsigned)(p[0] & 1) << 8 | p[1];
        p += 2, len -= 2;
        if (tlen > len || type == 0)
            break;
        /* Chassis id and port id, subtype 7 (locally assigned), as we write them. */
        char buf[40];
        if ((type == 1 || type == 2) && tlen >= 2 && tlen - 1 < sizeof buf && p[0] == 7) {
            memcpy(buf, p + 1, tlen - 1);
            buf[tlen - 1] = '\0';
            unsigned long long v;
            char extra;
            if (type == 1 && sscanf(buf, "dpid:%16llx%c", &v, &extra) == 1) {
                k->lldp_dpid = v;
                have_chassis = true;
            } else if (type == 2 && sscanf(buf, "%llu%c", &v, &extra) == 1 && v <= 0xffffffffull) {
                k->lldp_port = (uint32_t)v;
                have_port = true;
            }
        }
        p += tlen, len -= tlen;
    }
    k->lldp_ours = have_chassis && have_port;
}

bool pkt_parse(const uint8_t *f, size_t len, struct pkt *k)
{
    memset(k, 0, sizeof *k);
    if (len < 14)
        return false;
    memcpy(k->eth_dst, f, 6);
    memcpy(k->eth_src, f + 6, 6);
    size_t off = 12;
    k->eth_type = rd16(f + off);
    off += 2;
    if (k->eth_type == ETH_TYPE_VLAN) {
        if (len < off + 4)
            return false;
        k->eth_type = rd16(f + off + 2);
        off += 4;
    }
    const uint8_t *p = f + off;
    size_t left = len - off;
    switch (k->eth_type) {
    case ETH_TYPE_ARP:
        if (left < 28 || rd16(p) != 1 || rd16(p + 2) != ETH_TYPE_IPV4 || p[4] != 6 || p[5] != 4)
            return false;
        k->arp_op = rd16(p + 6);
        memcpy(k->arp_sha, p + 8, 6);
        k->arp_spa = rd32(p + 14);
        memcpy(k->arp_tha, p + 18, 6);
        k->arp_tpa = rd32(p + 24);
        return true;
    case ETH_TYPE_IPV4: {
        if (left < 20 || (p[0] >> 4) != 4 || (size_t)(p[0] & 15) * 4 < 20 ||
            (size_t)(p[0] & 15) * 4 > left)
            return false;
        k->ip_ttl = p[8];
        k->ip_proto = p[9];
        k->ip_src = rd32(p + 12);
        k->ip_dst = rd32(p + 16);
        size_t ihl = (size_t)(p[0] & 15) * 4;
        bool first = (rd16(p + 6) & 0x1fff) == 0; /* a fragment after the first has no ports */
        size_t need = k->ip_proto == IP_PROTO_TCP ? 14 : k->ip_proto == IP_PROTO_UDP ? 4 : 0;
        if (first && need && left >= ihl + need) {
            k->l4 = true;
            k->l4_src = rd16(p + ihl);
            k->l4_dst = rd16(p + ihl + 2);
            if (k->ip_proto == IP_PROTO_TCP)
                k->tcp_flags = p[ihl + 13];
        }
        return true;
    }
    case ETH_TYPE_LLDP:
        parse_lldp(p, left, k);
        return true;
    }
    return true;
}

uint8_t *pkt_build_arp(uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t *tha,
                       uint32_t tpa, const uint8_t eth_dst[6], size_t *len)
{
    static const uint8_t zero[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t *f = xcalloc(1, 60);
    memcpy(f, eth_dst ? eth_dst : bcast, 6);
    memcpy(f + 6, sha, 6);
    wr16(f + 12, ETH_TYPE_ARP);
    uint8_t *a = f + 14;
    wr16(a, 1);
    wr16(a + 2, ETH_TYPE_IPV4);
    a[4] = 6, a[5] = 4;
    wr16(a + 6, op);
    memcpy(a + 8, sha, 6);
    wr32(a + 14, spa);
    memcpy(a + 18, tha ? tha : zero, 6);
    wr32(a + 24, tpa);
    *len = 60;
    return f;
}

uint8_t *pkt_build_lldp(uint64_t dpid, uint32_t port, const uint8_t src[6], size_t *len)
{
    static const uint8_t dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
    uint8_t *f = xcalloc(1, 128);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    wr16(f + 12, ETH_TYPE_LLDP);
    size_t off = 14;
    char chassis[32], portid[16];
    int cl = snprintf(chassis, sizeof chassis, "dpid:%016llx", (unsigned long long)dpid);
    int pl = snprintf(portid, sizeof portid, "%u", port);
    /* chassis id */
    f[off] = 1 << 1, f[off + 1] = (uint8_t)(cl + 1), f[off + 2] = 7;
    memcpy(f + off + 3, chassis, (size_t)cl);
    off += 3 + (size_t)cl;
    /* port id */
    f[off] = 2 << 1, f[off + 1] = (uint8_t)(pl + 1), f[off + 2] = 7;
    memcpy(f + off + 3, portid, (size_t)pl);
    off += 3 + (size_t)pl;
    /* time to live: 120 s */
    f[off] = 3 << 1, f[off + 1] = 2;
    wr16(f + off + 2, 120);
    off += 4;
    /* end */
    off += 2;
    *len = off < 60 ? 60 : off;
    return f;
}

bool pkt_mac_is_broadcast(const uint8_t m[6])
{
    return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}

bool pkt_mac_is_multicast(const uint8_t m[6])
{
    return m[0] & 1;
}

char *pkt_mac_str(const uint8_t m[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}
