/* minidcd: the minidc controller daemon.
 *
 * An OpenFlow controller that makes the lab's switches forward and route
 * (src/net; 1.0 switches get the learning switch of src/l2), the VMs and
 * the agents that run them (vmctl.h), and the HTTP/JSON API that drives
 * both (api.h), on one libevent loop.  This file puts them together:
 *
 *   switches --ofconn--> dispatch --> net, l2, api
 *   api --> vmctl --> agents;  vmctl --loop_call--> net (rewrites, balancers)
 *   net, vmctl --> events --> API subscribers */
#include <errno.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ctl/api.h"
#include "ctl/api_conns.h"
#include "ctl/api_policy.h"
#include "ctl/demand.h"
#include "ctl/dispatch.h"
#include "ctl/events.h"
#include "ctl/minidcd_opts.h"
#include "ctl/model.h"
#include "ctl/ofconn.h"
#include "ctl/plans.h"
#include "ctl/policies.h"
#include "ctl/portstats.h"
#include "ctl/recorder.h"
#include "ctl/vmctl.h"
#include "hist/hist.h"
#include "net/net.h"
#include "topo/topo.h"
#include "topo/topo_graph.h"
#include "util/endpoint.h"
#include "util/log.h"
#include "util/loop_call.h"
#include "util/proc.h"
#include "util/token.h"
#include "util/xalloc.h"

LOG_MODULE("minidcd");

/* How far back the figures' history goes. */
#define MINIDCD_HISTORY_S 3600

struct minidcd {
    struct minidcd_opts o;
    struct event_base *base;
    struct topo *t;
    struct net *net;
    struct dispatch *dispatch;
    struct ofconns *switches;
    struct api *api;
    struct vmctl *vms;
    struct events *events;
    struct loop_call *calls; /* the VM operations' calls into the network logic */
    struct portstats *ports; /* the links' traffic */
    struct hist *history;    /* every figure's last hour */
    struct recorder *recorder;
    struct topo_graph *graph;  /* the topology's links, for the model's hop counts */
    struct plans *plans;       /* placement plans under way and done */
    struct policies *policies; /* placement policies, and the one running */
    struct demand *demand;     /* the services' load, as the generators report it */
    double next_round;         /* when the next history round is taken */
    struct event *tick, *sigterm, *sigint;
    char of_addr[64], api_addr[64];
    uint16_t of_port, api_port;
    size_t of_max, api_max;
};

static void send_cb(void *ctx, uint64_t dpid, const struct ofp_msg *m)
{
    struct minidcd *c = ctx;
    ofconns_send(c->switches, dpid, m);
}

static uint32_t send_xid_cb(void *ctx, uint64_t dpid, const struct ofp_msg *m)
{
    struct minidcd *c = ctx;
    return ofconns_send(c->switches, dpid, m);
}

static void publish_cb(void *ctx, const char *type, json_t *data)
{
    struct minidcd *c = ctx;
    events_publish(c->events, type, data);
}

/* Rewrites asked for by VM operations (threads), done on the loop, where
 * the network logic lives. */
struct rewrite_call {
    struct loop_call_item item; /* run on the loop; lives on its caller's stack */
    uint32_t old_ip, new_ip;
    uint8_t mac[6];
    /* a balancer instead, when n_be is not 0 (or 'balance' is set) */
    bool balance;
    /* or a host placed behind a server ('place' set) */
    const char *place;
    size_t n_be;
    uint32_t ips[16];
    uint8_t macs[16][6];
    const char *at;
};

static void do_call(struct loop_call_item *it, void *arg)
{
    struct minidcd *c = arg;
    struct rewrite_call *q = (struct rewrite_call *)it;
    uint64_t at = 0;
    long sv = q->place ? topo_find(c->t, q->place) : -1;
    if (sv >= 0)
        net_host_place(c->net, q->old_ip, q->mac, c->t->nodes[c->t->nodes[sv].sw].dpid,
                       c->t->nodes[sv].sw_port);
    else if (q->balance)
        at = net_lb_set(c->net, q->old_ip, q->ips, (const uint8_t(*)[6])q->macs, q->n_be, 0);
    else if (!q->place)
        at = net_nat_set(c->net, q->old_ip, q->new_ip, q->mac, 0);
    q->at = at ? net_switch_name(c->net, at) : NULL;
}

/* Runs 'call' on the loop and waits; NULL once minidcd is stopping. */
static const char *run_call(struct minidcd *c, struct rewrite_call *call)
{
    call->item.fn = do_call;
    return loop_call_run(c->calls, &call->item) ? call->at : NULL;
}

static const char *rewrite_cb(void *ctx, uint32_t old_ip, uint32_t new_ip, const uint8_t mac[6])
{
    struct rewrite_call call = {.old_ip = old_ip, .new_ip = new_ip};
    memcpy(call.mac, mac, 6);
    return run_call(ctx, &call);
}

static const char *balance_cb(void *ctx, uint32_t vip, const uint32_t *ips,
                              const uint8_t (*macs)[6], size_t count)
{
    struct rewrite_call call = {.old_ip = vip, .balance = true, .n_be = count < 16 ? count : 16};
    memcpy(call.ips, ips, call.n_be * sizeof *ips);
    memcpy(call.macs, macs, call.n_be * 6);
    return run_call(ctx, &call);
}

static void place_cb(void *ctx, uint32_t ip, const uint8_t mac[6], const char *server)
{
    struct rewrite_call call = {.old_ip = ip, .place = server};
    memcpy(call.mac, mac, 6);
    run_call(ctx, &call);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct minidcd *c = arg;
    (void)fd, (void)what;
    double now = proc_now();
    net_tick(c->net, now);
    ofconns_tick(c->switches, now);
    /* A round of the figures at the agents' poll interval: what the last
     * replies said, then the switches are asked again. */
    if (now >= c->next_round) {
        c->next_round = now + VMCTL_POLL_S;
        json_t *servers = vmctl_metrics_json(c->vms);
        recorder_round(c->recorder, proc_wall(), servers, c->ports, c->demand, now);
        json_decref(servers);
        portstats_request(c->ports, send_xid_cb, c);
    }
    double wall = proc_wall();
    plans_tick(c->plans, wall);
    policies_tick(c->policies, wall);
}

/* The model a policy decides on, from what minidcd knows now. */
static struct model *model_cb(void *ctx)
{
    struct minidcd *c = ctx;
    json_t *vms = vmctl_vms_json(c->vms), *servers = vmctl_servers_json(c->vms),
           *metrics = vmctl_metrics_json(c->vms), *links = portstats_links_json(c->ports);
    /* The demand reported now, one entry an address (its ports summed). */
    json_t *demand = json_array();
    uint32_t addrs[256];
    double now = proc_now();
    size_t n = demand_addresses(c->demand, now, addrs, 256);
    n = n < 256 ? n : 256;
    for (size_t i = 0; i < n; i++) {
        struct demand_figures f;
        char a[16];
        if (demand_get(c->demand, addrs[i], now, &f) == 0)
            json_array_append_new(
                demand, json_pack("{s:s, s:f, s:o, s:f}", "address", topo_ip_str(addrs[i], a),
                                  "requests_per_second", f.requests_per_second, "p95_ms",
                                  f.p95_ms >= 0 ? json_real(f.p95_ms) : json_null(),
                                  "failed_per_second", f.failed_per_second));
    }
    struct model_inputs in = {.t = c->t,
                              .g = c->graph,
                              .vms = vms,
                              .servers = servers,
                              .metrics = metrics,
                              .links = links,
                              .demand = demand,
                              .h = c->history,
                              .now = proc_wall(),
                              .interval_s = VMCTL_POLL_S};
    struct model *m = model_build(&in);
    json_decref(vms), json_decref(servers), json_decref(metrics), json_decref(links);
    json_decref(demand);
    return m;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct minidcd *c = arg;
    (void)what;
    LOG_INF("signal %d: stopping", (int)sig);
    event_base_loopbreak(c->base);
}

/* Reads the token of 'path' into 'buf' (TOKEN_MAX bytes), or says why not. */
static bool read_token(const char *path, const char *what, char *buf)
{
    int rc = token_read_file(path, buf, TOKEN_MAX);
    if (rc < 0)
        LOG_ERR_("cannot read the %s token from %s: %s", what, path,
                 rc == -EINVAL ? "no token in it" : strerror(-rc));
    return rc == 0;
}

/* libevent's own warnings, into minidcd's log and rate-limited: a peer can
 * trigger them. */
static void on_libevent_log(int severity, const char *msg)
{
    if (severity >= EVENT_LOG_WARN)
        LOG_WRN_RL("libevent: %s", msg);
}

/* How many connections each listener takes: what the descriptor limit
 * leaves after a reserve (files, sockets to the agents), shared between the
 * API and the switches, each of which may hold a quarter more for a moment
 * (connections closing). */
#define FD_RESERVE 64
static size_t conns_budget(size_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return want;
    size_t fit = rl.rlim_cur > FD_RESERVE + 20 ? (size_t)(rl.rlim_cur - FD_RESERVE) * 2 / 5 : 8;
    return want < fit ? want : fit;
}

/* The topology, with --rewrite-at and --migration-network applied, and the
 * addresses to listen on (the topology's unless the options say).  0, or
 * the exit status. */
static int load(struct minidcd *c)
{
    struct diag_list dl;
    diag_list_init(&dl, c->o.topology);
    c->t = topo_load(c->o.topology, &dl);
    if (!c->t) {
        diag_print(&dl, stderr);
        diag_list_free(&dl);
        return 1;
    }
    diag_list_free(&dl);
    if (c->o.rewrite_at)
        topo_parse_rewrite_at(c->o.rewrite_at, &c->t->rewrite_at);
    if (c->o.migration_net)
        topo_parse_migration_net(c->o.migration_net, &c->t->migration_net);
    char buf[16];
    c->of_port = c->t->ctl_of_port, c->api_port = c->t->api_port;
    snprintf(c->of_addr, sizeof c->of_addr, "%s", topo_ip_str(c->t->ctl_addr, buf));
    snprintf(c->api_addr, sizeof c->api_addr, "%s", topo_ip_str(c->t->api_addr, buf));
    if ((c->o.openflow &&
         !endpoint_split(c->o.openflow, c->of_addr, sizeof c->of_addr, &c->of_port)) ||
        (c->o.api && !endpoint_split(c->o.api, c->api_addr, sizeof c->api_addr, &c->api_port))) {
        fprintf(stderr, "minidcd: an endpoint is ADDRESS:PORT\n");
        return 2;
    }
    c->api_max = c->o.max_conns ? c->o.max_conns : conns_budget(API_CONNS_MAX);
    c->of_max = c->o.max_conns ? c->o.max_conns : conns_budget(OFCONN_MAX);
    return 0;
}

/* Everything but the listeners, in the order each needs the others. */
static int build(struct minidcd *c)
{
    char agent_token[TOKEN_MAX] = "", api_token[TOKEN_MAX];
    if ((c->o.agent_token_file && !read_token(c->o.agent_token_file, "agents'", agent_token)) ||
        !read_token(c->o.api_token_file, "API", api_token))
        return 1;
    evthread_use_pthreads(); /* VM operations' threads publish events and call the network logic */
    c->base = event_base_new();
    c->events = events_create(c->base);
    struct net_io io = {.ctx = c, .send = send_cb, .event = publish_cb};
    c->net = net_create(c->t, &io);
    c->dispatch = dispatch_create(c->net, c->o.app_l2);
    struct ofconn_io oio = dispatch_io(c->dispatch);
    c->switches = ofconns_create(c->base, &oio, c->of_max);
    c->calls = loop_call_create(c->base, c);
    struct vmctl_hooks hooks = {.ctx = c,
                                .publish = publish_cb,
                                .rewrite = rewrite_cb,
                                .balance = balance_cb,
                                .place = place_cb};
    c->vms = vmctl_create(c->t, agent_token[0] ? agent_token : NULL, c->o.agent_port,
                          c->o.state_file, &hooks);
    if (c->o.tls_key && ofconns_tls(c->switches, c->o.tls_key, c->o.tls_cert, c->o.tls_ca))
        return 1;
    if (ofconns_listen(c->switches, c->of_addr, c->of_port)) {
        LOG_ERR_("cannot listen for switches on %s:%u: %s", c->of_addr, c->of_port,
                 strerror(errno));
        return 1;
    }
    c->ports = portstats_create(c->t);
    c->history = hist_create(MINIDCD_HISTORY_S / VMCTL_POLL_S);
    c->recorder = recorder_create(c->history);
    c->graph = topo_graph_create(c->t);
    c->plans = plans_create(c->vms, publish_cb, c);
    struct policies_hooks ph = {.ctx = c, .model = model_cb, .publish = publish_cb};
    c->policies = policies_create(c->t, c->vms, c->plans, &ph);
    for (size_t i = 0; i < c->o.n_policy_paths; i++) {
        char *err = NULL;
        if (policies_load(c->policies, c->o.policy_paths[i], &err)) {
            LOG_ERR_("--policy-path %s: %s", c->o.policy_paths[i], err);
            free(err);
            return 1;
        }
    }
    c->demand = demand_create();
    struct api_deps deps = {.base = c->base,
                            .links = c->ports,
                            .history = c->history,
                            .demand = c->demand,
                            .t = c->t,
                            .net = c->net,
                            .switches = c->switches,
                            .vms = c->vms,
                            .events = c->events,
                            .plans = c->plans,
                            .policies = c->policies,
                            .token = api_token};
    c->api = api_create(&deps, c->api_addr, c->api_port, c->api_max);
    if (!c->api) {
        LOG_ERR_("cannot serve the API on %s:%u: %s", c->api_addr, c->api_port, strerror(errno));
        return 1;
    }
    if (c->o.api_tls_key && api_tls(c->api, c->o.api_tls_key, c->o.api_tls_cert))
        return 1;
    dispatch_attach(c->dispatch, c->switches, c->api, c->ports);
    policies_restore(c->policies, proc_wall());
    return 0;
}

static void write_pidfile(const char *path)
{
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

/* Runs the loop until SIGTERM or SIGINT. */
/* The event loop.  After a message from a switch it keeps looking, without
 * sleeping, for --openflow-busy-poll microseconds since the last one: a
 * switch that waits on each answer (a packet-in's) sends the next one a
 * few microseconds after it, and a thread woken from sleep starts tens of
 * microseconds late (bench/ofbench: 30,000 round trips a second with one
 * switch, 41,000 with 50 us). */
static void loop(struct minidcd *c)
{
    double busy_s = c->o.of_busy_poll_us / 1e6;
    if (busy_s <= 0) {
        event_base_dispatch(c->base);
        return;
    }
    unsigned long seen = ofconns_received(c->switches);
    while (event_base_loop(c->base, EVLOOP_ONCE) == 0 && !event_base_got_break(c->base)) {
        if (ofconns_received(c->switches) == seen)
            continue; /* woken by something else: sleep again */
        seen = ofconns_received(c->switches);
        double last = proc_now();
        while (proc_now() - last < busy_s && !event_base_got_break(c->base)) {
            event_base_loop(c->base, EVLOOP_NONBLOCK);
            if (ofconns_received(c->switches) != seen) {
                seen = ofconns_received(c->switches);
                last = proc_now();
            }
        }
    }
}

static void run(struct minidcd *c)
{
    write_pidfile(c->o.pidfile);
    c->tick = event_new(c->base, -1, EV_PERSIST, on_tick, c);
    struct timeval tv = {0, 100000};
    event_add(c->tick, &tv);
    c->sigterm = evsignal_new(c->base, SIGTERM, on_signal, c);
    c->sigint = evsignal_new(c->base, SIGINT, on_signal, c);
    event_add(c->sigterm, NULL);
    event_add(c->sigint, NULL);
    LOG_INF(
        "topology %s: switches connect to %s%s:%u, API on %s://%s:%u/api/v1 (at most %zu and %zu "
        "connections)",
        c->t->name, ofconns_use_tls(c->switches) ? "ssl:" : "tcp:", c->of_addr, c->of_port,
        api_uses_tls(c->api) ? "https" : "http", c->api_addr, c->api_port, c->of_max, c->api_max);
    loop(c);
    if (c->o.pidfile)
        unlink(c->o.pidfile);
}

/* Undoes build() and run(), whatever part of them was done. */
static void teardown(struct minidcd *c)
{
    if (c->tick)
        event_free(c->tick), event_free(c->sigterm), event_free(c->sigint);
    if (c->calls)
        loop_call_close(c->calls); /* the VM operations' threads get no more answers */
    ofconns_destroy(c->switches);
    api_destroy(c->api);
    policies_destroy(c->policies);
    plans_destroy(c->plans);
    vmctl_destroy(c->vms);
    topo_graph_destroy(c->graph);
    loop_call_destroy(c->calls);
    dispatch_destroy(c->dispatch);
    recorder_destroy(c->recorder);
    demand_destroy(c->demand);
    hist_destroy(c->history);
    portstats_destroy(c->ports);
    events_destroy(c->events);
    net_destroy(c->net);
    if (c->base)
        event_base_free(c->base);
    topo_free(c->t);
}

int main(int argc, char **argv)
{
    struct minidcd c;
    memset(&c, 0, sizeof c);
    log_set_program("minidcd");
    int rc = minidcd_opts_parse(argc, argv, &c.o, stdout, stderr);
    if (rc >= 0)
        return rc;
    if (c.o.verbose)
        log_set_level(LOG_DEBUG);
    if (c.o.log_file && !freopen(c.o.log_file, "a", stderr)) {
        fprintf(stdout, "minidcd: cannot open %s: %s\n", c.o.log_file, strerror(errno));
        return 1;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    event_set_log_callback(on_libevent_log);
    if ((rc = load(&c)) == 0 && (rc = build(&c)) == 0)
        run(&c);
    teardown(&c);
    return rc;
}
