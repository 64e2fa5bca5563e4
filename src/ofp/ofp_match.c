/* Matches: OXM fields, 1.3 matches (a list of OXM fields) and 1.0 matches
 * (a fixed structure with wildcard bits, read into and written from OXM
 * fields), the builders the controller uses, and their JSON. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- OXM fields ---- */

/* Value lengths of the OpenFlow-basic OXM fields (0: unknown here). */
static const uint8_t oxm_len[] = {
    [OXM_IN_PORT] = 4,
    [1] = 4,
    [OXM_METADATA] = 8,
    [OXM_ETH_DST] = 6,
    [OXM_ETH_SRC] = 6,
    [OXM_ETH_TYPE] = 2,
    [OXM_VLAN_VID] = 2,
    [OXM_VLAN_PCP] = 1,
    [OXM_IP_DSCP] = 1,
    [OXM_IP_ECN] = 1,
    [OXM_IP_PROTO] = 1,
    [OXM_IPV4_SRC] = 4,
    [OXM_IPV4_DST] = 4,
    [OXM_TCP_SRC] = 2,
    [OXM_TCP_DST] = 2,
    [OXM_UDP_SRC] = 2,
    [OXM_UDP_DST] = 2,
    [17] = 2,
    [18] = 2,
    [OXM_ICMPV4_TYPE] = 1,
    [OXM_ICMPV4_CODE] = 1,
    [OXM_ARP_OP] = 2,
    [OXM_ARP_SPA] = 4,
    [OXM_ARP_TPA] = 4,
    [OXM_ARP_SHA] = 6,
    [OXM_ARP_THA] = 6,
    [26] = 16,
    [27] = 16,
    [28] = 4,
    [29] = 1,
    [30] = 1,
    [31] = 16,
    [32] = 6,
    [33] = 6,
    [34] = 4,
    [35] = 1,
    [36] = 1,
    [37] = 3,
    [38] = 8,
    [39] = 2,
};

enum ofp_err ofp_oxm_decode(struct ofp_cur *c, struct ofp_oxm *f)
{
    const uint8_t *h = ofp_cur_pull(c, 4);
    if (!h)
        return OFPERR_BAD_MATCH_BAD_LEN;
    f->oxm_class = (uint16_t)(h[0] << 8 | h[1]);
    f->field = h[2] >> 1;
    f->hasmask = h[2] & 1;
    uint8_t len = h[3];
    if (f->hasmask && (len & 1))
        return OFPERR_BAD_MATCH_BAD_LEN;
    f->len = f->hasmask ? len / 2 : len;
    if (f->len == 0 || f->len > OFP_OXM_MAX_LEN)
        return OFPERR_BAD_MATCH_BAD_LEN;
    if (f->oxm_class == OXM_CLASS_BASIC && f->field < sizeof oxm_len && oxm_len[f->field] &&
        oxm_len[f->field] != f->len)
        return OFPERR_BAD_MATCH_BAD_LEN;
    const uint8_t *v = ofp_cur_pull(c, len);
    if (!v)
        return OFPERR_BAD_MATCH_BAD_LEN;
    memcpy(f->value, v, f->len);
    if (f->hasmask)
        memcpy(f->mask, v + f->len, f->len);
    return 0;
}

void ofp_oxm_encode(struct ofp_out *o, const struct ofp_oxm *f)
{
    uint8_t h[4] = {(uint8_t)(f->oxm_class >> 8), (uint8_t)f->oxm_class,
                    (uint8_t)(f->field << 1 | f->hasmask),
                    (uint8_t)(f->hasmask ? 2 * f->len : f->len)};
    ofp_out_put(o, h, 4);
    ofp_out_put(o, f->value, f->len);
    if (f->hasmask)
        ofp_out_put(o, f->mask, f->len);
}

/* ---- 1.3 matches and the builders ---- */

enum ofp_err ofp_match_decode13(struct ofp_cur *c, struct ofp_match *m)
{
    struct ofpw13_match_header h;
    m->n = 0;
    if (!OFP_PULL(c, &h))
        return OFPERR_BAD_MATCH_BAD_LEN;
    if (ntohs(h.type) != 1)
        return OFPERR_BAD_MATCH_BAD_TYPE;
    size_t len = ntohs(h.length);
    if (len < 4)
        return OFPERR_BAD_MATCH_BAD_LEN;
    struct ofp_cur fields;
    size_t padded = (len + 7) / 8 * 8;
    if (!ofp_cur_sub(c, len - 4, &fields) || !ofp_cur_pull(c, padded - len))
        return OFPERR_BAD_MATCH_BAD_LEN;
    while (fields.left > 0) {
        if (m->n == OFP_MATCH_MAX)
            return OFPERR_BAD_MATCH_BAD_LEN;
        struct ofp_oxm *f = &m->f[m->n];
        enum ofp_err e = ofp_oxm_decode(&fields, f);
        if (e)
            return e;
        for (size_t i = 0; i < m->n; i++)
            if (m->f[i].oxm_class == f->oxm_class && m->f[i].field == f->field)
                return OFPERR_BAD_MATCH_DUP_FIELD;
        m->n++;
    }
    return 0;
}

void ofp_match_encode13(struct ofp_out *o, const struct ofp_match *m)
{
    size_t start = o->len;
    ofp_out_put16(o, 1);
    ofp_out_put16(o, 0);
    for (size_t i = 0; i < m->n; i++)
        ofp_oxm_encode(o, &m->f[i]);
    ofp_out_patch16(o, start + 2, (uint16_t)(o->len - start));
    ofp_out_pad8(o, start);
}

void ofp_match_add(struct ofp_match *m, uint8_t field, const void *value, size_t len,
                   const void *mask)
{
    if (m->n == OFP_MATCH_MAX || len > OFP_OXM_MAX_LEN)
        abort(); /* a programming error: the builder is only used with fixed fields */
    struct ofp_oxm *f = &m->f[m->n++];
    memset(f, 0, sizeof *f);
    f->oxm_class = OXM_CLASS_BASIC;
    f->field = field;
    f->len = (uint8_t)len;
    memcpy(f->value, value, len);
    if (mask) {
        f->hasmask = true;
        memcpy(f->mask, mask, len);
    }
}

void ofp_match_add_u8(struct ofp_match *m, uint8_t field, uint8_t v)
{
    ofp_match_add(m, field, &v, 1, NULL);
}

void ofp_match_add_u16(struct ofp_match *m, uint8_t field, uint16_t v)
{
    v = htons(v);
    ofp_match_add(m, field, &v, 2, NULL);
}

void ofp_match_add_u32(struct ofp_match *m, uint8_t field, uint32_t v)
{
    v = htonl(v);
    ofp_match_add(m, field, &v, 4, NULL);
}

const struct ofp_oxm *ofp_match_find(const struct ofp_match *m, uint8_t field)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->f[i].oxm_class == OXM_CLASS_BASIC && m->f[i].field == field)
            return &m->f[i];
    return NULL;
}

bool ofp_match_in_port(const struct ofp_match *m, uint32_t *port)
{
    const struct ofp_oxm *f = ofp_match_find(m, OXM_IN_PORT);
    if (!f)
        return false;
    uint32_t be;
    memcpy(&be, f->value, 4);
    *port = ntohl(be);
    return true;
}

/* ---- 1.0 matches ---- */

/* OpenFlow 1.0 matches become OXM fields; wildcarded fields are left out. */
#define OFPFW10_IN_PORT (1u << 0)
#define OFPFW10_DL_VLAN (1u << 1)
#define OFPFW10_DL_SRC (1u << 2)
#define OFPFW10_DL_DST (1u << 3)
#define OFPFW10_DL_TYPE (1u << 4)
#define OFPFW10_NW_PROTO (1u << 5)
#define OFPFW10_TP_SRC (1u << 6)
#define OFPFW10_TP_DST (1u << 7)
#define OFPFW10_NW_SRC_SHIFT 8
#define OFPFW10_NW_DST_SHIFT 14
#define OFPFW10_DL_VLAN_PCP (1u << 20)
#define OFPFW10_NW_TOS (1u << 21)
#define OFPFW10_ALL ((1u << 22) - 1)

static void match10_nw(struct ofp_match *m, uint8_t field, uint32_t addr, uint32_t wild_bits)
{
    /* 1.0 wildcards the low 'n' bits of the address (n >= 32: all). */
    uint32_t n = wild_bits >= 32 ? 32 : wild_bits;
    if (n == 32)
        return;
    uint32_t mask = n ? htonl(~((1u << n) - 1)) : 0xffffffffu;
    ofp_match_add(m, field, &addr, 4, n ? &mask : NULL);
}

void ofp_match_decode10(const struct ofpw10_match *w, struct ofp_match *m)
{
    uint32_t wc = ntohl(w->wildcards);
    m->n = 0;
    if (!(wc & OFPFW10_IN_PORT))
        ofp_match_add_u32(m, OXM_IN_PORT, ofp_port10to13(ntohs(w->in_port)));
    if (!(wc & OFPFW10_DL_SRC))
        ofp_match_add(m, OXM_ETH_SRC, w->dl_src, 6, NULL);
    if (!(wc & OFPFW10_DL_DST))
        ofp_match_add(m, OXM_ETH_DST, w->dl_dst, 6, NULL);
    if (!(wc & OFPFW10_DL_VLAN))
        ofp_match_add_u16(m, OXM_VLAN_VID, ntohs(w->dl_vlan));
    if (!(wc & OFPFW10_DL_VLAN_PCP))
        ofp_match_add_u8(m, OXM_VLAN_PCP, w->dl_vlan_pcp);
    if (!(wc & OFPFW10_DL_TYPE))
        ofp_match_add_u16(m, OXM_ETH_TYPE, ntohs(w->dl_type));
    if (!(wc & OFPFW10_NW_TOS))
        ofp_match_add_u8(m, OXM_IP_DSCP, w->nw_tos >> 2);
    if (!(wc & OFPFW10_NW_PROTO))
        ofp_match_add_u8(m, OXM_IP_PROTO, w->nw_proto);
    match10_nw(m, OXM_IPV4_SRC, w->nw_src, (wc >> OFPFW10_NW_SRC_SHIFT) & 63);
    match10_nw(m, OXM_IPV4_DST, w->nw_dst, (wc >> OFPFW10_NW_DST_SHIFT) & 63);
    if (!(wc & OFPFW10_TP_SRC))
        ofp_match_add_u16(m, OXM_TCP_SRC, ntohs(w->tp_src));
    if (!(wc & OFPFW10_TP_DST))
        ofp_match_add_u16(m, OXM_TCP_DST, ntohs(w->tp_dst));
}

static uint16_t be16_of(const struct ofp_oxm *f)
{
    return (uint16_t)(f->value[0] << 8 | f->value[1]);
}

bool ofp_match_encode10(struct ofp_out *o, const struct ofp_match *m)
{
    struct ofpw10_match w;
    memset(&w, 0, sizeof w);
    /* Every field wildcarded; an address wildcards 32 bits (as Open vSwitch
     * writes it, so that its messages round-trip exactly). */
    uint32_t wc = (OFPFW10_ALL & ~(63u << OFPFW10_NW_SRC_SHIFT) & ~(63u << OFPFW10_NW_DST_SHIFT)) |
                  32u << OFPFW10_NW_SRC_SHIFT | 32u << OFPFW10_NW_DST_SHIFT;
    for (size_t i = 0; i < m->n; i++) {
        const struct ofp_oxm *f = &m->f[i];
        if (f->oxm_class != OXM_CLASS_BASIC)
            return false;
        if (f->hasmask && f->field != OXM_IPV4_SRC && f->field != OXM_IPV4_DST)
            return false;
        switch (f->field) {
        case OXM_IN_PORT: {
            uint32_t p;
            memcpy(&p, f->value, 4);
            uint16_t p10;
            if (!ofp_port13to10(ntohl(p), &p10))
                return false;
            w.in_port = htons(p10);
            wc &= ~OFPFW10_IN_PORT;
            break;
        }
        case OXM_ETH_SRC:
            memcpy(w.dl_src, f->value, 6), wc &= ~OFPFW10_DL_SRC;
            break;
        case OXM_ETH_DST:
            memcpy(w.dl_dst, f->value, 6), wc &= ~OFPFW10_DL_DST;
            break;
        case OXM_VLAN_VID:
            w.dl_vlan = htons(be16_of(f)), wc &= ~OFPFW10_DL_VLAN;
            break;
        case OXM_VLAN_PCP:
            w.dl_vlan_pcp = f->value[0], wc &= ~OFPFW10_DL_VLAN_PCP;
            break;
        case OXM_ETH_TYPE:
            w.dl_type = htons(be16_of(f)), wc &= ~OFPFW10_DL_TYPE;
            break;
        case OXM_IP_DSCP:
            w.nw_tos = (uint8_t)(f->value[0] << 2), wc &= ~OFPFW10_NW_TOS;
            break;
        case OXM_IP_PROTO:
            w.nw_proto = f->value[0], wc &= ~OFPFW10_NW_PROTO;
            break;
        case OXM_IPV4_SRC:
        case OXM_IPV4_DST: {
            uint32_t mask = 0xffffffffu;
            if (f->hasmask)
                memcpy(&mask, f->mask, 4);
            mask = ntohl(mask);
            int wild = 0;
            while (wild < 32 && !(mask & (1u << wild)))
                wild++;
            if (wild < 32 && (uint32_t)(mask | ((1u << wild) - 1)) != 0xffffffffu)
                return false; /* not a prefix */
            int shift = f->field == OXM_IPV4_SRC ? OFPFW10_NW_SRC_SHIFT : OFPFW10_NW_DST_SHIFT;
            wc = (wc & ~(63u << shift)) | ((uint32_t)wild << shift);
            memcpy(f->field == OXM_IPV4_SRC ? &w.nw_src : &w.nw_dst, f->value, 4);
            break;
        }
        case OXM_TCP_SRC:
            w.tp_src = htons(be16_of(f)), wc &= ~OFPFW10_TP_SRC;
            break;
        case OXM_TCP_DST:
            w.tp_dst = htons(be16_of(f)), wc &= ~OFPFW10_TP_DST;
            break;
        default:
            return false;
        }
    }
    w.wildcards = htonl(wc);
    ofp_out_put(o, &w, sizeof w);
    return true;
}

/* ---- names and JSON ---- */

const char *ofp_oxm_name(uint8_t field)
{
    static const char *const names[] = {
        "in_port",     "in_phy_port",    "metadata",    "eth_dst",     "eth_src",     "eth_type",
        "vlan_vid",    "vlan_pcp",       "ip_dscp",     "ip_ecn",      "ip_proto",    "ipv4_src",
        "ipv4_dst",    "tcp_src",        "tcp_dst",     "udp_src",     "udp_dst",     "sctp_src",
        "sctp_dst",    "icmpv4_type",    "icmpv4_code", "arp_op",      "arp_spa",     "arp_tpa",
        "arp_sha",     "arp_tha",        "ipv6_src",    "ipv6_dst",    "ipv6_flabel", "icmpv6_type",
        "icmpv6_code", "ipv6_nd_target", "ipv6_nd_sll", "ipv6_nd_tll", "mpls_label",  "mpls_tc",
        "mpls_bos",    "pbb_isid",       "tunnel_id",   "ipv6_exthdr",
    };
    return field < sizeof names / sizeof *names ? names[field] : NULL;
}

static void fmt_value(struct strbuf *sb, const struct ofp_oxm *f, const uint8_t *v)
{
    char buf[64];
    if (f->oxm_class != OXM_CLASS_BASIC) {
        for (size_t i = 0; i < f->len; i++)
            strbuf_printf(sb, "%02x", v[i]);
        return;
    }
    switch (f->field) {
    case OXM_ETH_DST:
    case OXM_ETH_SRC:
    case OXM_ARP_SHA:
    case OXM_ARP_THA:
    case 32:
    case 33:
        strbuf_printf(sb, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2], v[3], v[4], v[5]);
        return;
    case OXM_IPV4_SRC:
    case OXM_IPV4_DST:
    case OXM_ARP_SPA:
    case OXM_ARP_TPA:
        strbuf_puts(sb, inet_ntop(AF_INET, v, buf, sizeof buf));
        return;
    case 26:
    case 27:
    case 31:
        strbuf_puts(sb, inet_ntop(AF_INET6, v, buf, sizeof buf));
        return;
    case OXM_ETH_TYPE:
        strbuf_printf(sb, "0x%04x", v[0] << 8 | v[1]);
        return;
    case OXM_IN_PORT: {
        uint32_t port = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        char *p = ofp_port_str(port);
        strbuf_puts(sb, p);
        free(p);
        return;
    }
    }
    uint64_t x = 0;
    for (size_t i = 0; i < f->len && i < 8; i++)
        x = x << 8 | v[i];
    if (f->hasmask || f->field == OXM_METADATA || f->field == 38)
        strbuf_printf(sb, "0x%" PRIx64, x);
    else
        strbuf_printf(sb, "%" PRIu64, x);
}

char *ofp_oxm_key(const struct ofp_oxm *f)
{
    const char *n = f->oxm_class == OXM_CLASS_BASIC ? ofp_oxm_name(f->field) : NULL;
    return n ? xstrdup(n) : xasprintf("oxm_%04x_%u", f->oxm_class, f->field);
}

char *ofp_oxm_value(const struct ofp_oxm *f)
{
    struct strbuf sb;
    strbuf_init(&sb);
    fmt_value(&sb, f, f->value);
    if (f->hasmask) {
        strbuf_puts(&sb, "/");
        fmt_value(&sb, f, f->mask);
    }
    return strbuf_steal(&sb);
}

json_t *ofp_match_to_json(const struct ofp_match *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n; i++) {
        char *k = ofp_oxm_key(&m->f[i]), *v = ofp_oxm_value(&m->f[i]);
        json_object_set_new(o, k, json_string(v));
        free(k), free(v);
    }
    return o;
}
