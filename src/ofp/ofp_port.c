/* Ports: 1.0's port numbers, port descriptions in 1.3 and 1.0 (and their
 * JSON), and the messages about ports: port status, port statistics and the
 * port description multipart. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- port numbers and descriptions ---- */

uint32_t ofp_port10to13(uint16_t p)
{
    return p >= 0xff00 ? 0xffff0000u | p : p;
}

bool ofp_port13to10(uint32_t p, uint16_t *out)
{
    if (p >= 0xffffff00u)
        *out = (uint16_t)p;
    else if (p < 0xff00)
        *out = (uint16_t)p;
    else
        return false;
    return true;
}

void ofp_port_decode13(const struct ofpw13_port *w, struct ofp_port *p)
{
    p->port_no = ntohl(w->port_no);
    memcpy(p->hw_addr, w->hw_addr, 6);
    memcpy(p->name, w->name, 16);
    p->name[16] = '\0';
    p->config = ntohl(w->config), p->state = ntohl(w->state), p->curr = ntohl(w->curr);
    p->advertised = ntohl(w->advertised), p->supported = ntohl(w->supported);
    p->peer = ntohl(w->peer);
    p->curr_speed = ntohl(w->curr_speed), p->max_speed = ntohl(w->max_speed);
}

void ofp_port_encode13(struct ofp_out *o, const struct ofp_port *p)
{
    struct ofpw13_port w;
    memset(&w, 0, sizeof w);
    w.port_no = htonl(p->port_no);
    memcpy(w.hw_addr, p->hw_addr, 6);
    memcpy(w.name, p->name, strnlen(p->name, sizeof w.name));
    w.config = htonl(p->config), w.state = htonl(p->state), w.curr = htonl(p->curr);
    w.advertised = htonl(p->advertised), w.supported = htonl(p->supported);
    w.peer = htonl(p->peer);
    w.curr_speed = htonl(p->curr_speed), w.max_speed = htonl(p->max_speed);
    ofp_out_put(o, &w, sizeof w);
}

void ofp_port_decode10(const struct ofpw10_port *w, struct ofp_port *p)
{
    memset(p, 0, sizeof *p);
    p->port_no = ofp_port10to13(ntohs(w->port_no));
    memcpy(p->hw_addr, w->hw_addr, 6);
    memcpy(p->name, w->name, 16);
    p->name[16] = '\0';
    p->config = ntohl(w->config), p->state = ntohl(w->state), p->curr = ntohl(w->curr);
    p->advertised = ntohl(w->advertised), p->supported = ntohl(w->supported);
    p->peer = ntohl(w->peer);
}

bool ofp_port_encode10(struct ofp_out *o, const struct ofp_port *p)
{
    struct ofpw10_port w;
    memset(&w, 0, sizeof w);
    uint16_t p10;
    if (!ofp_port13to10(p->port_no, &p10))
        return false;
    w.port_no = htons(p10);
    memcpy(w.hw_addr, p->hw_addr, 6);
    memcpy(w.name, p->name, strnlen(p->name, sizeof w.name));
    w.config = htonl(p->config), w.state = htonl(p->state), w.curr = htonl(p->curr);
    w.advertised = htonl(p->advertised), w.supported = htonl(p->supported);
    w.peer = htonl(p->peer);
    ofp_out_put(o, &w, sizeof w);
    return true;
}

json_t *ofp_port_json(const struct ofp_port *p)
{
    char mac[18], *no = ofp_port_str(p->port_no);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", p->hw_addr[0], p->hw_addr[1],
             p->hw_addr[2], p->hw_addr[3], p->hw_addr[4], p->hw_addr[5]);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:b, s:I, s:I}", "port_no", no, "name",
                          p->name, "hw_addr", mac, "config", (json_int_t)p->config, "state",
                          (json_int_t)p->state, "port_down", (p->config & OFPPC_PORT_DOWN) != 0,
                          "link_down", (p->state & OFPPS_LINK_DOWN) != 0, "curr_speed",
                          (json_int_t)p->curr_speed, "max_speed", (json_int_t)p->max_speed);
    free(no);
    return o;
}

/* ---- port status ---- */

static enum ofp_err port_status_decode13(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw_port_status s;
    struct ofpw13_port p;
    if (!OFP_PULL(c, &s) || !OFP_PULL(c, &p) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->port_status.reason = s.reason;
    ofp_port_decode13(&p, &m->port_status.desc);
    return 0;
}

static enum ofp_err port_status_decode10(struct ofp_cur *c, struct ofp_msg *m)
{
    struct ofpw_port_status s;
    struct ofpw10_port p;
    if (!OFP_PULL(c, &s) || !OFP_PULL(c, &p) || c->left)
        return OFPERR_BAD_REQUEST_BAD_LEN;
    m->port_status.reason = s.reason;
    ofp_port_decode10(&p, &m->port_status.desc);
    return 0;
}

static bool port_status_encode13(struct ofp_out *o, const struct ofp_msg *m)
{
    uint8_t r[8] = {m->port_status.reason};
    ofp_out_put(o, r, 8);
    ofp_port_encode13(o, &m->port_status.desc);
    return true;
}

static bool port_status_encode10(struct ofp_out *o, const struct ofp_msg *m)
{
    uint8_t r[8] = {m->port_status.reason};
    ofp_out_put(o, r, 8);
    return ofp_port_encode10(o, &m->port_status.desc);
}

static void port_status_json(json_t *o, const struct ofp_msg *m)
{
    static const char *const reasons[] = {"add", "delete", "modify"};
    uint8_t r = m->port_status.reason;
    json_object_set_new(o, "reason", json_string(r < 3 ? reasons[r] : "other"));
    json_object_set_new(o, "port", ofp_port_json(&m->port_status.desc));
}

const struct ofp_msg_ops ofp_port_status_ops = {
    .decode13 = port_status_decode13,
    .decode10 = port_status_decode10,
    .encode13 = port_status_encode13,
    .encode10 = port_status_encode10,
    .to_json = port_status_json,
};

/* ---- port statistics (1.3) ---- */

static enum ofp_err port_stats_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    if (req) {
        struct ofpw13_port_stats_request r;
        if (!OFP_PULL(c, &r) || c->left)
            return OFPERR_BAD_REQUEST_BAD_LEN;
        mp->port_no = ntohl(r.port_no);
        return 0;
    }
    while (c->left) {
        struct ofpw13_port_stats s;
        if (!OFP_PULL(c, &s))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        mp->port_stats = xrealloc(mp->port_stats, (mp->n + 1) * sizeof *mp->port_stats);
        mp->port_stats[mp->n++] = (struct ofp_port_stats){
            ntohl(s.port_no),        be64toh(s.rx_packets),  be64toh(s.tx_packets),
            be64toh(s.rx_bytes),     be64toh(s.tx_bytes),    be64toh(s.rx_dropped),
            be64toh(s.tx_dropped),   be64toh(s.rx_errors),   be64toh(s.tx_errors),
            be64toh(s.rx_frame_err), be64toh(s.rx_over_err), be64toh(s.rx_crc_err),
            be64toh(s.collisions),   ntohl(s.duration_sec),  ntohl(s.duration_nsec)};
    }
    return 0;
}

static void port_stats_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    if (req) {
        ofp_out_put32(o, mp->port_no);
        ofp_out_zeros(o, 4);
    }
    for (size_t i = 0; !req && i < mp->n; i++) {
        const struct ofp_port_stats *s = &mp->port_stats[i];
        struct ofpw13_port_stats w;
        memset(&w, 0, sizeof w);
        w.port_no = htonl(s->port_no);
        w.rx_packets = htobe64(s->rx_packets), w.tx_packets = htobe64(s->tx_packets);
        w.rx_bytes = htobe64(s->rx_bytes), w.tx_bytes = htobe64(s->tx_bytes);
        w.rx_dropped = htobe64(s->rx_dropped), w.tx_dropped = htobe64(s->tx_dropped);
        w.rx_errors = htobe64(s->rx_errors), w.tx_errors = htobe64(s->tx_errors);
        w.rx_frame_err = htobe64(s->rx_frame_err), w.rx_over_err = htobe64(s->rx_over_err);
        w.rx_crc_err = htobe64(s->rx_crc_err), w.collisions = htobe64(s->collisions);
        w.duration_sec = htonl(s->duration_sec), w.duration_nsec = htonl(s->duration_nsec);
        ofp_out_put(o, &w, sizeof w);
    }
}

static void port_stats_free(struct ofp_multipart *mp)
{
    free(mp->port_stats);
}

static void port_stats_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (version != OFP13_VERSION)
        return;
    if (req) {
        ofp_json_set_port(o, "port_no", mp->port_no);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < mp->n; i++) {
        const struct ofp_port_stats *s = &mp->port_stats[i];
        char *p = ofp_port_str(s->port_no);
        json_array_append_new(
            arr, json_pack(
                     "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "port_no", p, "rx_packets",
                     (json_int_t)s->rx_packets, "tx_packets", (json_int_t)s->tx_packets, "rx_bytes",
                     (json_int_t)s->rx_bytes, "tx_bytes", (json_int_t)s->tx_bytes, "rx_dropped",
                     (json_int_t)s->rx_dropped, "tx_dropped", (json_int_t)s->tx_dropped,
                     "rx_errors", (json_int_t)s->rx_errors, "tx_errors", (json_int_t)s->tx_errors));
        free(p);
    }
    json_object_set_new(o, "ports", arr);
}

const struct ofp_mp_ops ofp_mp_port_stats_ops = {
    .decode13 = port_stats_decode13,
    .encode13 = port_stats_encode13,
    .free = port_stats_free,
    .to_json = port_stats_json,
};

/* ---- port descriptions (1.3) ---- */

static enum ofp_err port_desc_decode13(struct ofp_cur *c, struct ofp_multipart *mp, bool req)
{
    if (req)
        return c->left ? OFPERR_BAD_REQUEST_BAD_LEN : 0;
    while (c->left) {
        struct ofpw13_port p;
        if (!OFP_PULL(c, &p))
            return OFPERR_BAD_REQUEST_BAD_LEN;
        mp->ports = xrealloc(mp->ports, (mp->n + 1) * sizeof *mp->ports);
        ofp_port_decode13(&p, &mp->ports[mp->n++]);
    }
    return 0;
}

static void port_desc_encode13(struct ofp_out *o, const struct ofp_multipart *mp, bool req)
{
    for (size_t i = 0; !req && i < mp->n; i++)
        ofp_port_encode13(o, &mp->ports[i]);
}

static void port_desc_free(struct ofp_multipart *mp)
{
    free(mp->ports);
}

static void port_desc_json(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version)
{
    if (req || version != OFP13_VERSION)
        return;
    json_t *arr = json_array();
    for (size_t i = 0; i < mp->n; i++)
        json_array_append_new(arr, ofp_port_json(&mp->ports[i]));
    json_object_set_new(o, "ports", arr);
}

const struct ofp_mp_ops ofp_mp_port_desc_ops = {
    .decode13 = port_desc_decode13,
    .encode13 = port_desc_encode13,
    .free = port_desc_free,
    .to_json = port_desc_json,
};
