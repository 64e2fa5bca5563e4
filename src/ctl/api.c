/* minidcd's HTTP/JSON API, versioned under /api/v1:
 *   GET /                         the web GUI (gui/, built in; no token: it holds no data)
 *   GET /api/v1/status            the controller: uptime, counters
 *   GET /api/v1/topology          the topology file's switches, servers, hosts, links
 *   GET /api/v1/switches          switches, ports, connection state
 *   GET /api/v1/links             links found by LLDP
 *   GET /api/v1/hosts             hosts learned, where they are
 *   GET /api/v1/flows/SWITCH      the switch's flow table, asked of the switch
 *   GET /api/v1/servers           the servers' agents: reachable, memory for VMs
 *   GET /api/v1/rewrites          address rewrites of VMs moved across subnets
 *   GET /api/v1/balancers         load balancers over clones (select groups)
 *   GET /api/v1/vms               the VMs: where, address, MAC, state
 *   POST /api/v1/vms              boot {name, server, memory_mib, cpus}
 *   POST /api/v1/vms/NAME/migrate {to}
 *   POST /api/v1/vms/NAME/clone   {to, as, balance}
 *   POST /api/v1/vms/NAME/exec    {argv, input, timeout_ms}
 *   POST /api/v1/vms/NAME/load    {cpu_percent, memory_mib} or {trace, interval_s, memory_mib}
 *   DELETE /api/v1/vms/NAME/load  stop the guest's load
 *   GET /api/v1/vms/NAME/load     the load minidcd last set: kind, parameters, since
 *   DELETE /api/v1/vms/NAME[?graceful=1]  stop it, remove everything of it
 *   GET /api/v1/operations/ID     an operation's phases, timings and result
 *   GET /api/v1/metrics           servers', VMs' and links' figures (JSON)
 *   GET /api/v1/metrics/history   their last hour ([[time, value]...] a series)
 *   POST /api/v1/demand           a load generator's last interval at a service: 204
 *   GET /api/v1/demand            the services' current demand (ctl/demand.h)
 *   GET /metrics                  the same for Prometheus
 *   GET /api/v1/events[?since=ID] Server-Sent Events (see ctl/events.h); since=0: all kept
 *   /api/v1/state, plans, policies, policy, servers/NAME/sleep|wake: placement (api_policy.h)
 * VM operations answer 202 {"operation": ID} at once and run on; the
 * operation tells how it went.
 * Every request but those of open_path() (/metrics, the GUI's files) carries
 * "Authorization: Bearer TOKEN" with the token of --api-token-file; others
 * get 401 and "WWW-Authenticate: Bearer".
 * Errors are JSON too: {"error": "..."} with a 4xx/5xx status. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/api.h"
#include "ctl/api_body.h"
#include "ctl/api_conns.h"
#include "ctl/api_policy.h"
#include "ctl/demand.h"
#include "ctl/events.h"
#include "ctl/listen_guard.h"
#include "ctl/ofconn.h"
#include "ctl/portstats.h"
#include "ctl/vmctl.h"
#include "gui/gui.h"
#include "hist/hist.h"
#include "net/net.h"
#include "ofp/ofp_print.h"
#include "topo/topo.h"
#include "topo/topo_json.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/tls.h"
#include "util/token.h"
#include "util/xalloc.h"

LOG_MODULE("api");

#define API_WAIT_MAX 64
#define API_WAIT_TIMEOUT 5.0

/* A request waiting for a switch's flow table. */
struct api_wait {
    struct evhttp_request *req;
    uint64_t dpid;
    uint32_t xid;
    json_t *flows;
    double since;
};

struct api {
    struct api_deps d;
    char token[TOKEN_MAX];
    struct evhttp *http;
    struct api_conns *conns; /* bounds on its connections */
    double started;
    struct api_wait *waits;
    size_t n_waits, waits_cap;
    SSL_CTX *tls; /* HTTPS when set */
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

static void get_switches(struct api *c, struct evhttp_request *req)
{
    json_t *arr = net_switches_json(c->d.net);
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) {
        uint64_t dpid = strtoull(json_string_value(json_object_get(s, "dpid")), NULL, 16);
        json_object_set_new(s, "connection", ofconns_switch_json(c->d.switches, dpid));
    }
    reply_json(req, 200, json_pack("{s:o}", "switches", arr));
}

static void get_flows(struct api *c, struct evhttp_request *req, const char *name)
{
    uint64_t dpid;
    if (!net_switch_lookup(c->d.net, name, &dpid)) {
        reply_error(req, 404, "no such switch");
        return;
    }
    if (c->n_waits >= API_WAIT_MAX) {
        reply_error(req, 503, "too many requests in flight");
        return;
    }
    struct ofp_msg m;
    ofp_flow_stats_request(&m, 0, 0);
    uint32_t xid = ofconns_send(c->d.switches, dpid, &m);
    if (!xid) {
        reply_error(req, 503, "switch not connected");
        return;
    }
    xgrow(&c->waits, &c->waits_cap, c->n_waits + 1, sizeof *c->waits);
    c->waits[c->n_waits++] = (struct api_wait){
        .req = req, .dpid = dpid, .xid = xid, .flows = json_array(), .since = proc_now()};
}

static void finish_wait(struct api *c, size_t i, int code, const char *error)
{
    struct api_wait *w = &c->waits[i];
    if (error) {
        reply_error(w->req, code, error);
        json_decref(w->flows);
    } else {
        reply_json(w->req, 200,
                   json_pack("{s:s, s:o}", "switch", net_switch_name(c->d.net, w->dpid), "flows",
                             w->flows));
    }
    c->waits[i] = c->waits[--c->n_waits];
}

bool api_multipart_reply(struct api *c, uint64_t dpid, const struct ofp_msg *m)
{
    for (size_t i = 0; i < c->n_waits; i++) {
        struct api_wait *w = &c->waits[i];
        if (w->dpid != dpid || w->xid != m->xid)
            continue;
        json_t *o = ofp_to_json(m);
        json_t *flows = json_object_get(o, "flows");
        size_t k;
        json_t *f;
        json_array_foreach(flows, k, f)
            json_array_append(w->flows, f);
        json_decref(o);
        if (!(m->mp.flags & OFPMPF_MORE))
            finish_wait(c, i, 200, NULL);
        return true;
    }
    return false;
}

void api_switch_gone(struct api *c, uint64_t dpid)
{
    for (size_t i = 0; i < c->n_waits;)
        if (c->waits[i].dpid == dpid)
            finish_wait(c, i, 503, "switch disconnected");
        else
            i++;
}

static void expire_waits(struct api *c)
{
    double now = proc_now();
    for (size_t i = 0; i < c->n_waits;)
        if (now - c->waits[i].since > API_WAIT_TIMEOUT)
            finish_wait(c, i, 504, "the switch did not answer");
        else
            i++;
}

static void reply_text(struct evhttp_request *req, char *text)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, text, strlen(text));
    free(text);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* The request's body: its bytes (pulled up, owned by 'req') and length. */
static const char *body_of(struct evhttp_request *req, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    *len = evbuffer_get_length(in);
    return *len ? (const char *)evbuffer_pullup(in, -1) : "";
}

/* POST /api/v1/vms/NAME/ACTION: the body checked, then vmctl. */
static int vm_action(struct api *c, struct evhttp_request *req, const char *name,
                     const char *action, json_t **out)
{
    size_t len;
    const char *body = body_of(req, &len);
    json_t *errors = NULL;
    int st = 400;
    if (!strcmp(action, "migrate")) {
        struct api_migrate m;
        if (!api_parse_migrate(body, len, &m, &errors))
            st = vmctl_migrate(c->d.vms, name, &m, out);
    } else if (!strcmp(action, "clone")) {
        struct api_clone cl;
        if (!api_parse_clone(body, len, &cl, &errors))
            st = vmctl_clone(c->d.vms, name, &cl, out);
    } else if (!strcmp(action, "exec")) {
        struct api_exec x;
        if (!api_parse_exec(body, len, &x, &errors)) {
            st = vmctl_exec(c->d.vms, name, &x, out);
            api_exec_free(&x);
        }
    } else {
        *out = json_pack("{s:s}", "error",
                         "no such operation on a VM (migrate, clone, exec, load, DELETE)");
        return 404;
    }
    if (errors)
        *out = api_errors_json(errors);
    return st;
}

/* /api/v1/vms/NAME/load: POST sets the guest's load, DELETE stops it, GET
 * tells what minidcd last set. */
static int vm_load(struct api *c, struct evhttp_request *req, enum evhttp_cmd_type m,
                   const char *name, json_t **out, json_t **errors)
{
    if (m == EVHTTP_REQ_GET)
        return vmctl_load_get(c->d.vms, name, out);
    if (m == EVHTTP_REQ_DELETE)
        return vmctl_load_stop(c->d.vms, name, out);
    size_t len;
    const char *body = body_of(req, &len);
    struct api_load l;
    if (api_parse_load(body, len, &l, errors))
        return 400;
    int st = vmctl_load(c->d.vms, name, &l, out);
    api_load_free(&l);
    return st;
}

/* GET /api/v1/vms/NAME */
static int vm_get(struct api *c, const char *name, json_t **out)
{
    json_t *all = vmctl_vms_json(c->d.vms), *v, *found = NULL;
    size_t i;
    json_array_foreach(all, i, v)
        if (!strcmp(json_string_value(json_object_get(v, "name")), name))
            found = json_incref(v);
    json_decref(all);
    *out = found ? found : json_pack("{s:s}", "error", "no such VM");
    return found ? 200 : 404;
}

/* /api/v1/vms... and /api/v1/operations/ID: answered from vmctl. */
static void vm_request(struct api *c, struct evhttp_request *req, const char *path,
                       const char *query)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    json_t *out = NULL, *errors = NULL;
    int st;
    char name[API_NAME_MAX + 1], action[16];
    if (!strcmp(path, "/api/v1/vms")) {
        size_t len;
        const char *body = body_of(req, &len);
        struct api_boot b;
        if (m == EVHTTP_REQ_GET)
            st = 200, out = json_pack("{s:o}", "vms", vmctl_vms_json(c->d.vms));
        else if (m != EVHTTP_REQ_POST)
            st = 405, out = json_pack("{s:s}", "error", "GET or POST");
        else if (api_parse_boot(body, len, &b, &errors))
            st = 400;
        else
            st = vmctl_boot(c->d.vms, &b, &out);
    } else if (!strncmp(path, "/api/v1/operations/", 19)) {
        unsigned long id;
        if (m != EVHTTP_REQ_GET)
            st = 405, out = json_pack("{s:s}", "error", "GET");
        else if (api_parse_id(path + 19, "operation", 1, &id, &errors))
            st = 400;
        else
            st = vmctl_operation(c->d.vms, id, &out);
    } else if (!api_parse_vm_path(path, name, sizeof name, action, sizeof action)) {
        st = 404, out = json_pack("{s:s}", "error", "no such VM or resource");
    } else if (!strcmp(action, "load")) {
        st = vm_load(c, req, m, name, &out, &errors);
    } else if (m == EVHTTP_REQ_DELETE && !*action) {
        bool graceful;
        st = api_parse_stop_query(query, &graceful, &errors)
                 ? 400
                 : vmctl_stop(c->d.vms, name, graceful, &out);
    } else if (m == EVHTTP_REQ_POST && *action) {
        st = vm_action(c, req, name, action, &out);
    } else if (m == EVHTTP_REQ_GET && !*action) {
        st = vm_get(c, name, &out);
    } else {
        st = 405,
        out = json_pack(
            "{s:s}", "error",
            "GET or DELETE a VM; POST its migrate, clone or exec; GET, POST or DELETE its load");
    }
    if (errors)
        out = api_errors_json(errors);
    reply_json(req, st, out);
}

/* GET /api/v1/events[?since=ID], or with Last-Event-ID: ID */
static void get_events(struct api *c, struct evhttp_request *req, const char *query)
{
    const char *last = evhttp_find_header(evhttp_request_get_input_headers(req), "Last-Event-ID");
    bool replay;
    uint64_t since;
    unsigned long id;
    json_t *errors = NULL;
    if (api_parse_events_query(query, &replay, &since, &errors) ||
        (last && api_parse_id(last, "Last-Event-ID", 0, &id, &errors))) {
        reply_json(req, 400, api_errors_json(errors));
        return;
    }
    if (last)
        replay = true, since = id;
    events_subscribe(c->d.events, req, replay, since);
}

/* GET /api/v1/metrics/history: the series asked for, or the list of
 * those kept (under 'prefix'). */
static void get_history(struct api *c, struct evhttp_request *req, const char *query)
{
    struct api_history_query q;
    json_t *errors = NULL;
    if (api_parse_history_query(query, &q, &errors)) {
        reply_json(req, 400, api_errors_json(errors));
        return;
    }
    if (!c->d.history) {
        reply_error(req, 503, "no history is kept");
        api_history_query_free(&q);
        return;
    }
    double now = proc_wall();
    double since = q.since < 0 ? now + q.since : q.since,
           until = q.until < 0 ? now + q.until : q.until;
    if (!q.n)
        reply_json(req, 200, hist_list_json(c->d.history, q.prefix));
    else
        reply_json(req, 200,
                   hist_query_json(c->d.history, (const char *const *)q.names, q.n, since, until,
                                   q.max_points));
    api_history_query_free(&q);
}

/* /api/v1/demand: POST a report (204), GET what is current. */
static void demand_request(struct api *c, struct evhttp_request *req)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (m == EVHTTP_REQ_GET) {
        reply_json(req, 200, json_pack("{s:o}", "demand", demand_json(c->d.demand, proc_now())));
        return;
    }
    if (m != EVHTTP_REQ_POST) {
        reply_error(req, 405, "GET or POST");
        return;
    }
    size_t len;
    const char *body = body_of(req, &len);
    struct demand_report r;
    json_t *errors = NULL;
    if (api_parse_demand(body, len, &r, &errors)) {
        reply_json(req, 400, api_errors_json(errors));
    } else if (demand_put(c->d.demand, &r, proc_now())) {
        LOG_WRN_RL("demand: %d reports kept already, one more refused", DEMAND_REPORTS_MAX);
        reply_error(req, 503, "too many demand reports kept (sources times services)");
    } else {
        evhttp_send_reply(req, 204, "No Content", NULL);
    }
}

/* Answers an authorized request for 'path' (with 'query', may be NULL). */
static void route(struct api *c, struct evhttp_request *req, const char *path, const char *q)
{
    if (!strncmp(path, "/api/v1/vms", 11) || !strncmp(path, "/api/v1/operations/", 19)) {
        vm_request(c, req, path, q);
        return;
    }
    if (api_policy_path(path)) {
        enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
        enum api_method m = cmd == EVHTTP_REQ_GET      ? API_GET
                            : cmd == EVHTTP_REQ_POST   ? API_POST
                            : cmd == EVHTTP_REQ_DELETE ? API_DELETE
                                                       : API_OTHER;
        struct api_policy_deps d = {c->d.plans, c->d.policies, c->d.vms};
        size_t len;
        const char *body = body_of(req, &len);
        json_t *out = NULL;
        int st = api_policy_answer(&d, m, path, body, len, proc_wall(), &out);
        reply_json(req, st, out);
        return;
    }
    if (!strcmp(path, "/api/v1/demand")) {
        demand_request(c, req);
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        reply_error(req, 405, "only GET here");
        return;
    }
    if (!strcmp(path, "/api/v1/switches")) {
        get_switches(c, req);
    } else if (!strcmp(path, "/api/v1/topology")) {
        reply_json(req, 200, topo_json(c->d.t));
    } else if (!strcmp(path, "/api/v1/links")) {
        reply_json(req, 200, json_pack("{s:o}", "links", net_links_json(c->d.net)));
    } else if (!strcmp(path, "/api/v1/hosts")) {
        reply_json(req, 200, json_pack("{s:o}", "hosts", net_hosts_json(c->d.net)));
    } else if (!strncmp(path, "/api/v1/flows/", 14) && path[14]) {
        get_flows(c, req, path + 14);
    } else if (!strcmp(path, "/api/v1/events")) {
        get_events(c, req, q);
    } else if (!strcmp(path, "/api/v1/balancers")) {
        reply_json(req, 200, json_pack("{s:o}", "balancers", net_lbs_json(c->d.net)));
    } else if (!strcmp(path, "/api/v1/rewrites")) {
        reply_json(req, 200, json_pack("{s:o}", "rewrites", net_nats_json(c->d.net)));
    } else if (!strcmp(path, "/api/v1/servers")) {
        reply_json(req, 200, json_pack("{s:o}", "servers", vmctl_servers_json(c->d.vms)));
    } else if (!strcmp(path, "/api/v1/metrics")) {
        reply_json(req, 200,
                   json_pack("{s:o, s:o}", "servers", vmctl_metrics_json(c->d.vms), "links",
                             c->d.links ? portstats_links_json(c->d.links) : json_array()));
    } else if (!strcmp(path, "/api/v1/metrics/history")) {
        get_history(c, req, q);
    } else if (!strcmp(path, "/metrics")) {
        reply_text(req, vmctl_metrics_prometheus(c->d.vms));
    } else if (!strcmp(path, "/api/v1/status")) {
        const struct net_stats *s = net_get_stats(c->d.net);
        reply_json(req, 200,
                   json_pack("{s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "topology",
                             c->d.t->name, "uptime", proc_now() - c->started, "packet_ins",
                             (json_int_t)s->packet_ins, "flow_mods", (json_int_t)s->flow_mods,
                             "packet_outs", (json_int_t)s->packet_outs, "hosts_learned",
                             (json_int_t)s->hosts_learned, "host_moves", (json_int_t)s->host_moves,
                             "swept", (json_int_t)s->swept, "api_connections",
                             api_conns_json(c->conns), "openflow_connections",
                             ofconns_stats_json(c->d.switches)));
    } else {
        reply_error(
            req, 404,
            "no such resource (see /api/v1/topology, switches, links, hosts, flows/SWITCH, status, "
            "servers, vms, metrics, metrics/history, demand, state, plans, policies, policy)");
    }
}

/* The GUI's files, outside /api/: they hold no data (the page asks
 * /api/v1 with the token it is given), so they need no token. */
static bool gui_path(const char *path)
{
    return strncmp(path, "/api/", 5) && strcmp(path, "/api") && strcmp(path, "/metrics");
}

/* Paths served without the token: what a Prometheus scraper reads, and
 * the GUI's files. */
static bool open_path(const char *path)
{
    return !strcmp(path, "/metrics") || gui_path(path);
}

/* A file of the GUI, from minidcd's own binary; 304 when the browser has
 * this version already.  The page may load only what comes from here
 * (Content-Security-Policy), and nothing may frame it. */
static void serve_gui(struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
        reply_error(req, 405, "only GET here");
        return;
    }
    const struct gui_asset *a = gui_asset_find(path);
    if (!a) {
        reply_error(req, 404, "no such file (the GUI is at /; the API under /api/v1)");
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "ETag", a->etag);
    const char *seen = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    if (seen && !strcmp(seen, a->etag)) {
        evhttp_send_reply(req, 304, "Not Modified", NULL);
        return;
    }
    evhttp_add_header(h, "Content-Type", gui_content_type(a->path));
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_reference(b, a->data, a->len, NULL, NULL);
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* Whether 'req' may go on; answers 401 otherwise. */
static bool authorized(struct api *c, struct evhttp_request *req, const char *path)
{
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (open_path(path) || token_bearer_ok(auth, c->token))
        return true;
    char *host = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
    LOG_WRN_RL("%s:%u: %s token for %s: 401", host ? host : "?", port, auth ? "a wrong" : "no",
               path);
    evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                      auth ? "Bearer realm=\"minidcd\", error=\"invalid_token\""
                           : "Bearer realm=\"minidcd\"");
    reply_error(req, 401,
                auth ? "wrong API token"
                     : "this API needs \"Authorization: Bearer TOKEN\" (the lab's api.token)");
    return false;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct api *c = arg;
    api_conns_request(c->conns, req);
    expire_waits(c);
    struct evhttp_uri *u = evhttp_uri_parse(evhttp_request_get_uri(req));
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path || !*path)
        reply_error(req, 400, "bad request");
    else if (gui_path(path))
        serve_gui(req, path);
    else if (authorized(c, req, path))
        route(c, req, path, evhttp_uri_get_query(u));
    if (u)
        evhttp_uri_free(u);
}

struct api *api_create(const struct api_deps *deps, const char *addr, uint16_t port,
                       size_t max_conns)
{
    struct api *c = xcalloc(1, sizeof *c);
    c->d = *deps;
    snprintf(c->token, sizeof c->token, "%s", deps->token);
    c->d.token = c->token;
    c->started = proc_now();
    c->http = evhttp_new(deps->base);
    struct evconnlistener *lev = c->http ? listen_tcp(deps->base, addr, port, NULL, NULL) : NULL;
    if (!lev || !evhttp_bind_listener(c->http, lev)) {
        int e = errno;
        if (lev)
            evconnlistener_free(lev);
        if (c->http)
            evhttp_free(c->http);
        free(c);
        errno = e;
        return NULL;
    }
    c->conns = api_conns_create(deps->base, c->http, lev, max_conns, API_REQUEST_S);
    evhttp_set_gencb(c->http, on_request, c);
    evhttp_set_allowed_methods(c->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_DELETE);
    evhttp_set_max_body_size(c->http, 1 << 16);
    evhttp_set_timeout(c->http,
                       10); /* idle reading or writing; api_conns bounds a request's whole time */
    return c;
}

/* Each connection's bufferevent, speaking TLS as the server (evhttp sets
 * its socket). */
static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    struct api *c = arg;
    SSL *ssl = SSL_new(c->tls);
    struct bufferevent *bev =
        ssl ? bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE)
            : NULL;
    if (!bev && ssl)
        SSL_free(ssl);
    return bev;
}

int api_tls(struct api *c, const char *key, const char *cert)
{
    char err[512];
    if (!(c->tls = tls_server_ctx(key, cert, NULL, err, sizeof err))) {
        LOG_ERR_("API TLS: %s", err);
        return -1;
    }
    evhttp_set_bevcb(c->http, tls_bev, c);
    return 0;
}

bool api_uses_tls(const struct api *c)
{
    return c->tls != NULL;
}

void api_destroy(struct api *c)
{
    if (!c)
        return;
    while (c->n_waits)
        finish_wait(c, 0, 503, "minidcd is stopping");
    free(c->waits);
    api_conns_destroy(c->conns);
    evhttp_free(c->http);
    SSL_CTX_free(c->tls);
    free(c);
}
