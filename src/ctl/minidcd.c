/* minidcd: the minidc controller daemon.
 *
 * For now its network half: an OpenFlow controller that makes the lab's
 * switches forward and route (src/net), with a read-only HTTP/JSON API. */
#include <errno.h>
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ctl/api_conns.h"
#include "ctl/ctl.h"
#include "ctl/events.h"
#include "ctl/vmctl.h"
#include "util/endpoint.h"
#include "util/log.h"
#include "util/loop_call.h"
#include "util/token.h"
#include "util/xalloc.h"

LOG_MODULE("minidcd");

double ctl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_cb(void *ctx, uint64_t dpid, const struct ofp_msg *m)
{
    ctl_send(ctx, dpid, m);
}

static void publish_cb(void *ctx, const char *type, json_t *data)
{
    struct ctl *c = ctx;
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
    struct ctl *c = arg;
    struct rewrite_call *q = (struct rewrite_call *)it;
    uint64_t at = 0;
    long sv = q->place ? topo_find(c->t, q->place) : -1;
    if (sv >= 0)
        net_host_place(c->net, q->old_ip, q->mac, c->t->nodes[c->t->nodes[sv].sw].dpid, c->t->nodes[sv].sw_port);
    else if (q->balance)
        at = net_lb_set(c->net, q->old_ip, q->ips, (const uint8_t(*)[6])q->macs, q->n_be, 0);
    else if (!q->place)
        at = net_nat_set(c->net, q->old_ip, q->new_ip, q->mac, 0);
    q->at = at ? net_switch_name(c->net, at) : NULL;
}

/* Runs 'call' on the loop and waits; NULL once minidcd is stopping. */
static const char *run_call(struct ctl *c, struct rewrite_call *call)
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

static const char *balance_cb(void *ctx, uint32_t vip, const uint32_t *ips, const uint8_t (*macs)[6], size_t count)
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
    struct ctl *c = arg;
    (void)fd, (void)what;
    double now = ctl_now();
    net_tick(c->net, now);
    ofconn_tick_all(c, now);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct ctl *c = arg;
    (void)what;
    LOG_INF("signal %d: stopping", (int)sig);
    event_base_loopbreak(c->base);
}

/* Reads the token of 'path' into 'buf' (TOKEN_MAX bytes), or says why not. */
static bool read_token(const char *path, const char *what, char *buf)
{
    int rc = token_read_file(path, buf, TOKEN_MAX);
    if (rc < 0)
        LOG_ERR_("cannot read the %s token from %s: %s", what, path, rc == -EINVAL ? "no token in it" : strerror(-rc));
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

/* Whether 's' is a whole number from 'min' to 'max', into '*out'. */
static bool whole_number(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    *out = v;
    return *s && !*end && v >= min && v <= max;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: minidcd --topology FILE [--openflow ADDR:PORT] [--api ADDR:PORT]\n"
               "               [--pidfile FILE] [--log-file FILE] [--app net|l2] [--verbose]\n"
               "               [--tls-key FILE --tls-cert FILE --tls-ca FILE]\n"
               "               --api-token-file FILE [--agent-token-file FILE] [--agent-port PORT]\n"
               "               [--state-file FILE] [--rewrite-at root|nearest] [--max-connections N]\n\n"
               "The minidc controller: an OpenFlow 1.3 controller (1.0 switches get a reactive\n"
               "learning switch) that forwards within and routes between the topology's subnets,\n"
               "and an HTTP/JSON API under /api/v1, whose requests must carry\n"
               "\"Authorization: Bearer TOKEN\" with the token in --api-token-file (all but\n"
               "/metrics).  Addresses default to the topology's\n"
               "controller.openflow and controller.api.  --app l2 gives every switch the reactive\n"
               "learning switch instead (for controller benchmarks).  With the --tls-* options,\n"
               "switches connect over TLS and must show a certificate signed by --tls-ca.\n"
               "It drives the servers' minidc-agents (on their management addresses, port\n"
               "--agent-port, default 7070, with the token in --agent-token-file) to boot,\n"
               "migrate, clone and stop VMs, and polls them for metrics.\n"
               "--state-file keeps what the agents do not know (the address clients use for each\n"
               "VM, the balanced address it serves); a restarted minidcd reads it and puts the\n"
               "rewrites and balancers back.  --rewrite-at says where a VM moved across subnets\n"
               "has its address rewritten: on the root switch (the default, as in the paper) or\n"
               "on the switch of its new subnet (nearest); it overrides controller.rewrite-at.\n"
               "The API serves at most --max-connections at once (default 256, or what the\n"
               "descriptor limit leaves), the switches' listener as many; a request must\n"
               "arrive whole within 5 s.\n"
               "SIGTERM or SIGINT stops it.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"topology", required_argument, NULL, 't'}, {"openflow", required_argument, NULL, 'o'},
        {"api", required_argument, NULL, 'a'},      {"pidfile", required_argument, NULL, 'p'},
        {"log-file", required_argument, NULL, 'l'}, {"verbose", no_argument, NULL, 'v'},
        {"app", required_argument, NULL, 'A'},
        {"tls-key", required_argument, NULL, 'K'},  {"tls-cert", required_argument, NULL, 'C'},
        {"tls-ca", required_argument, NULL, 'R'},
        {"agent-token-file", required_argument, NULL, 'T'}, {"agent-port", required_argument, NULL, 'P'},
        {"state-file", required_argument, NULL, 'S'}, {"rewrite-at", required_argument, NULL, 'W'},
        {"api-token-file", required_argument, NULL, 'k'}, {"max-connections", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *topo_file = NULL, *of = NULL, *api = NULL, *pidfile = NULL, *logfile = NULL;
    bool app_l2 = false;
    const char *tls_key = NULL, *tls_cert = NULL, *tls_ca = NULL, *token_file = NULL, *state_file = NULL;
    const char *rewrite_at = NULL, *api_token_file = NULL;
    uint16_t agent_port = VMCTL_AGENT_PORT;
    size_t max_conns = 0; /* 0: API_CONNS_MAX, fitted to the descriptor limit */
    log_set_program("minidcd");
    int ch;
    while ((ch = getopt_long(argc, argv, "t:o:a:p:l:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 't':
            topo_file = optarg;
            break;
        case 'o':
            of = optarg;
            break;
        case 'a':
            api = optarg;
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 'l':
            logfile = optarg;
            break;
        case 'v':
            log_set_level(LOG_DEBUG);
            break;
        case 'A':
            if (strcmp(optarg, "l2") && strcmp(optarg, "net")) {
                fprintf(stderr, "minidcd: --app is net (the default) or l2\n");
                return 2;
            }
            app_l2 = !strcmp(optarg, "l2");
            break;
        case 'K':
            tls_key = optarg;
            break;
        case 'C':
            tls_cert = optarg;
            break;
        case 'R':
            tls_ca = optarg;
            break;
        case 'T':
            token_file = optarg;
            break;
        case 'S':
            state_file = optarg;
            break;
        case 'k':
            api_token_file = optarg;
            break;
        case 'M': {
            long n;
            if (!whole_number(optarg, 1, 1000000, &n)) {
                fprintf(stderr, "minidcd: --max-connections is 1 to 1000000\n");
                return 2;
            }
            max_conns = (size_t)n;
            break;
        }
        case 'W': {
            enum topo_rewrite_at ra;
            if (topo_parse_rewrite_at(optarg, &ra) < 0) {
                fprintf(stderr, "minidcd: --rewrite-at is root or nearest\n");
                return 2;
            }
            rewrite_at = optarg;
            break;
        }
        case 'P': {
            long p;
            if (!whole_number(optarg, 1, 65535, &p)) {
                fprintf(stderr, "minidcd: --agent-port is a port number\n");
                return 2;
            }
            agent_port = (uint16_t)p;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!topo_file || optind < argc) {
        usage(stderr);
        return 2;
    }
    if (!api_token_file) {
        fprintf(stderr, "minidcd: --api-token-file is needed: the API runs VMs and commands in them, so it has no\n"
                        "open mode (make one with: head -c16 /dev/urandom | od -An -tx1 | tr -d ' \\n' >FILE)\n");
        return 2;
    }
    if ((tls_key || tls_cert || tls_ca) && !(tls_key && tls_cert && tls_ca)) {
        fprintf(stderr, "minidcd: TLS needs all three: --tls-key, --tls-cert and --tls-ca\n");
        return 2;
    }
    if (logfile && !freopen(logfile, "a", stderr)) {
        fprintf(stdout, "minidcd: cannot open %s: %s\n", logfile, strerror(errno));
        return 1;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    struct diag_list dl;
    diag_list_init(&dl, topo_file);
    struct ctl c;
    memset(&c, 0, sizeof c);
    c.t = topo_load(topo_file, &dl);
    if (!c.t) {
        diag_print(&dl, stderr);
        diag_list_free(&dl);
        return 1;
    }
    diag_list_free(&dl);
    if (rewrite_at)
        topo_parse_rewrite_at(rewrite_at, &c.t->rewrite_at);
    char of_addr[64], api_addr[64], buf[16];
    uint16_t of_port = c.t->ctl_of_port, api_port = c.t->api_port;
    snprintf(of_addr, sizeof of_addr, "%s", topo_ip_str(c.t->ctl_addr, buf));
    snprintf(api_addr, sizeof api_addr, "%s", topo_ip_str(c.t->api_addr, buf));
    if ((of && !endpoint_split(of, of_addr, sizeof of_addr, &of_port)) ||
        (api && !endpoint_split(api, api_addr, sizeof api_addr, &api_port))) {
        fprintf(stderr, "minidcd: an endpoint is ADDRESS:PORT\n");
        topo_free(c.t);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    event_set_log_callback(on_libevent_log);
    c.app_l2 = app_l2;
    size_t api_max = max_conns ? max_conns : conns_budget(API_CONNS_MAX);
    c.of_max_conns = max_conns ? max_conns : conns_budget(CTL_OF_CONNS_MAX);
    evthread_use_pthreads(); /* VM operations' threads publish events */
    c.base = event_base_new();
    c.started = ctl_now();
    c.events = events_create(c.base);
    struct net_io io = {.ctx = &c, .send = send_cb, .event = publish_cb};
    c.net = net_create(c.t, &io);
    char token[TOKEN_MAX] = "";
    if ((token_file && !read_token(token_file, "agents'", token)) ||
        !read_token(api_token_file, "API", c.api_token))
        return 1;
    c.calls = loop_call_create(c.base, &c);
    struct vmctl_hooks hooks = {.ctx = &c, .publish = publish_cb, .rewrite = rewrite_cb, .balance = balance_cb,
                                .place = place_cb};
    c.vms = vmctl_create(c.t, token[0] ? token : NULL, agent_port, state_file, &hooks);
    int rc = 0;
    if (tls_key && ofconn_tls(&c, tls_key, tls_cert, tls_ca)) {
        rc = 1;
    } else if (ofconn_listen(&c, of_addr, of_port)) {
        LOG_ERR_("cannot listen for switches on %s:%u: %s", of_addr, of_port, strerror(errno));
        rc = 1;
    } else if (api_start(&c, api_addr, api_port, api_max)) {
        LOG_ERR_("cannot serve the API on %s:%u: %s", api_addr, api_port, strerror(errno));
        rc = 1;
    }
    if (rc == 0) {
        if (pidfile) {
            FILE *f = fopen(pidfile, "w");
            if (f) {
                fprintf(f, "%d\n", (int)getpid());
                fclose(f);
            }
        }
        c.tick = event_new(c.base, -1, EV_PERSIST, on_tick, &c);
        struct timeval tv = {0, 100000};
        event_add(c.tick, &tv);
        struct event *sigterm = evsignal_new(c.base, SIGTERM, on_signal, &c);
        struct event *sigint = evsignal_new(c.base, SIGINT, on_signal, &c);
        event_add(sigterm, NULL);
        event_add(sigint, NULL);
        LOG_INF("topology %s: switches connect to %s%s:%u, API on http://%s:%u/api/v1 (at most %zu and %zu "
                "connections)", c.t->name, c.tls ? "ssl:" : "tcp:", of_addr, of_port, api_addr, api_port,
                c.of_max_conns, api_max);
        event_base_dispatch(c.base);
        event_free(sigterm);
        event_free(sigint);
        event_free(c.tick);
        if (pidfile)
            unlink(pidfile);
    }
    loop_call_close(c.calls); /* the VM operations' threads get no more answers */
    ofconn_close_all(&c);
    api_stop(&c);
    vmctl_destroy(c.vms);
    loop_call_destroy(c.calls);
    events_destroy(c.events);
    net_destroy(c.net);
    event_base_free(c.base);
    topo_free(c.t);
    return rc;
}
