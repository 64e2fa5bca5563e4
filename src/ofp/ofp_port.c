/* Ports: 1.0's port numbers, port descriptions in 1.3 and 1.0. */
#include "ofp/ofp_priv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
