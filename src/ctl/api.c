/* minidcd's HTTP/JSON API (read-only for now), versioned under /api/v1:
 *   GET /api/v1/status            the controller: uptime, counters
 *   GET /api/v1/switches          switches, ports, connection state
 *   GET /api/v1/links             links found by LLDP
 *   GET /api/v1/hosts             hosts learned, where they are
 *   GET /api/v1/flows/SWITCH      the switch's flow table, asked of the switch
 * Errors are JSON too: {"error": "..."} with a 4xx/5xx status. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ofp/ofp_print.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("api");

#define API_WAIT_MAX 64
#define API_WAIT_TIMEOUT 5.0

struct api_wait {
    struct evhttp_request *req;
    uint64_t dpid;
    uint32_t xid;
    json_t *flows;
    double since;
};

static void reply_json(struct evhttp_request *req, int code, json_t *body)
{
    struct evbuffer *b = evbuffer_new();
    char *s = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    evbuffer_add(b, s, strlen(s));
    evbuffer_add(b, "\n", 1);
    free(s);
    json_decref(body);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
    evbuffer_free(b);
}

static void reply_error(struct evhttp_request *req, int code, const char *msg)
{
    reply_json(req, code, json_pack("{s:s}", "error", msg));
}

static void get_switches(struct ctl *c, struct evhttp_request *req)
{
    json_t *arr = net_switches_json(c->net);
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s)
    {
        uint64_t dpid = strtoull(json_string_value(json_object_get(s, "dpid")), NULL, 16);
        json_object_set_new(s, "connection", ofconn_json(c, dpid));
    }
    reply_json(req, 200, json_pack("{s:o}", "switches", arr));
}

static void get_flows(struct ctl *c, struct evhttp_request *req, const char *name)
{
    uint64_t dpid;
    if (!net_switch_lookup(c->net, name, &dpid)) {
        reply_error(req, 404, "no such switch");
        return;
    }
    if (c->n_waits >= API_WAIT_MAX) {
        reply_error(req, 503, "too many requests in flight");
        return;
    }
    struct ofp_msg m;
    ofp_flow_stats_request(&m, 0, 0);
    uint32_t xid = ctl_send(c, dpid, &m);
    if (!xid) {
        reply_error(req, 503, "switch not connected");
        return;
    }
    xgrow(&c->waits, &c->waits_cap, c->n_waits + 1, sizeof *c->waits);
    c->waits[c->n_waits++] =
        (struct api_wait){.req = req, .dpid = dpid, .xid = xid, .flows = json_array(), .since = ctl_now()};
}

static void finish_wait(struct ctl *c, size_t i, int code, const char *error)
{
    struct api_wait *w = &c->waits[i];
    if (error) {
        reply_error(w->req, code, error);
        json_decref(w->flows);
    } else {
        reply_json(w->req, 200,
                   json_pack("{s:s, s:o}", "switch", net_switch_name(c->net, w->dpid), "flows", w->flows));
    }
    c->waits[i] = c->waits[--c->n_waits];
}

bool api_multipart_reply(struct ctl *c, uint64_t dpid, const struct ofp_msg *m)
{
    for (size_t i = 0; i < c->n_waits; i++) {
        struct api_wait *w = &c->waits[i];
        if (w->dpid != dpid || w->xid != m->xid)
            continue;
        json_t *o = ofp_to_json(m);
        json_t *flows = json_object_get(o, "flows");
        size_t k;
        json_t *f;
        json_array_foreach(flows, k, f) json_array_append(w->flows, f);
        json_decref(o);
        if (!(m->mp.flags & OFPMPF_MORE))
            finish_wait(c, i, 200, NULL);
        return true;
    }
    return false;
}

void api_switch_gone(struct ctl *c, uint64_t dpid)
{
    for (size_t i = 0; i < c->n_waits;)
        if (c->waits[i].dpid == dpid)
            finish_wait(c, i, 503, "switch disconnected");
        else
            i++;
}

static void expire_waits(struct ctl *c)
{
    double now = ctl_now();
    for (size_t i = 0; i < c->n_waits;)
        if (now - c->waits[i].since > API_WAIT_TIMEOUT)
            finish_wait(c, i, 504, "the switch did not answer");
        else
            i++;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct ctl *c = arg;
    expire_waits(c);
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        reply_error(req, 405, "only GET for now");
        return;
    }
    const char *uri = evhttp_request_get_uri(req);
    struct evhttp_uri *u = evhttp_uri_parse(uri);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path) {
        reply_error(req, 400, "bad request");
    } else if (!strcmp(path, "/api/v1/switches")) {
        get_switches(c, req);
    } else if (!strcmp(path, "/api/v1/links")) {
        reply_json(req, 200, json_pack("{s:o}", "links", net_links_json(c->net)));
    } else if (!strcmp(path, "/api/v1/hosts")) {
        reply_json(req, 200, json_pack("{s:o}", "hosts", net_hosts_json(c->net)));
    } else if (!strncmp(path, "/api/v1/flows/", 14) && path[14]) {
        get_flows(c, req, path + 14);
    } else if (!strcmp(path, "/api/v1/status")) {
        const struct net_stats *s = net_get_stats(c->net);
        reply_json(req, 200,
                   json_pack("{s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "topology", c->t->name, "uptime",
                             ctl_now() - c->started, "packet_ins", (json_int_t)s->packet_ins, "flow_mods",
                             (json_int_t)s->flow_mods, "packet_outs", (json_int_t)s->packet_outs, "hosts_learned",
                             (json_int_t)s->hosts_learned, "host_moves", (json_int_t)s->host_moves, "swept",
                             (json_int_t)s->swept));
    } else {
        reply_error(req, 404, "no such resource (see /api/v1/switches, links, hosts, flows/SWITCH, status)");
    }
    if (u)
        evhttp_uri_free(u);
}

int api_start(struct ctl *c, const char *addr, uint16_t port)
{
    c->http = evhttp_new(c->base);
    if (!c->http || evhttp_bind_socket(c->http, addr, port) != 0)
        return -1;
    evhttp_set_gencb(c->http, on_request, c);
    evhttp_set_max_body_size(c->http, 1 << 16);
    evhttp_set_timeout(c->http, 10);
    return 0;
}

void api_stop(struct ctl *c)
{
    while (c->n_waits)
        finish_wait(c, 0, 503, "minidcd is stopping");
    free(c->waits);
    c->waits = NULL;
    if (c->http)
        evhttp_free(c->http);
    c->http = NULL;
}
