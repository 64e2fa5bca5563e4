/* minidc-agent: one per server; runs the server's VMs for minidcd.
 *
 * Its HTTP/JSON API is agentproto/agent_proto.h's: requests are told apart
 * there (agent_proto_route), and all but /metrics need "Authorization:
 * Bearer TOKEN" when a token is set.  Each request runs in its own thread;
 * the reply goes out from the event loop. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agentproto/agent_proto.h"
#include "util/endpoint.h"
#include "util/log.h"
#include "util/loop_call.h"
#include "util/proc.h"
#include "util/token.h"
#include "util/xalloc.h"
#include "vm/qemu.h"

LOG_MODULE("agent");

#define BODY_MAX (1u << 20)

/* A request, served on a thread of its own (QEMU and the guest agent take
 * their time) and answered on the loop. */
struct job {
    struct loop_call_item item; /* the answer, handed to the loop */
    struct evhttp_request *req;
    struct agent *a;
    enum evhttp_cmd_type method;
    char *path, *query;
    json_t *body;
    int status;
    json_t *out; /* JSON reply */
    char *text;  /* or a text one (Prometheus) */
};

static struct loop_call *answers;

/* evhttp's method as the protocol spells it (the only ones let through). */
static const char *method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    default:
        return "";
    }
}

static void route(struct job *j)
{
    struct agent *a = j->a;
    char name[64], action[32];
    enum agent_proto_req r;
    const char *method = method_name(j->method);
    switch (agent_proto_route(method, j->path, &r, name, sizeof name, action, sizeof action)) {
    case AGENT_PROTO_MATCH:
        break;
    case AGENT_PROTO_NO_OPERATION:
        j->status = 404, j->out = agent_proto_error("no such operation: %s", action);
        return;
    case AGENT_PROTO_NO_RESOURCE:
        j->status = 404, j->out = agent_proto_error("no such resource: %s", j->path);
        return;
    }
    switch (r) {
    case AGENT_PROTO_INFO:
        j->status = agent_info(a, &j->out);
        break;
    case AGENT_PROTO_LIST:
        j->status = agent_list(a, &j->out);
        break;
    case AGENT_PROTO_BOOT:
        j->status = agent_boot(a, j->body, &j->out);
        break;
    case AGENT_PROTO_PREPARE:
        j->status = agent_prepare_incoming(a, j->body, &j->out);
        break;
    case AGENT_PROTO_METRICS:
        j->out = agent_metrics_json(a), j->status = 200;
        break;
    case AGENT_PROTO_PROMETHEUS:
        j->text = agent_metrics_prometheus(a), j->status = 200;
        break;
    case AGENT_PROTO_GET:
        j->status = agent_get(a, name, &j->out);
        break;
    case AGENT_PROTO_REMOVE:
        j->status = agent_destroy(a, name, agent_proto_graceful(j->query), &j->out);
        break;
    case AGENT_PROTO_SEND:
        j->status = agent_send(a, name, j->body, &j->out);
        break;
    case AGENT_PROTO_FINISH:
        j->status = agent_finish_incoming(a, name, j->body, &j->out);
        break;
    case AGENT_PROTO_RESUME:
        j->status = agent_resume(a, name, &j->out);
        break;
    case AGENT_PROTO_EXEC:
        j->status = agent_exec(a, name, j->body, &j->out);
        break;
    }
}

static void reply(struct evhttp_request *req, int status, json_t *out, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    if (text) {
        evbuffer_add(b, text, strlen(text));
        evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4");
    } else {
        char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        evbuffer_add_printf(b, "%s\n", s);
        free(s);
        evhttp_add_header(h, "Content-Type", "application/json");
    }
    evhttp_send_reply(req, status, status < 400 ? "OK" : "Error", b);
    evbuffer_free(b);
}

static void job_free(struct job *j)
{
    json_decref(j->out);
    json_decref(j->body);
    free(j->text);
    free(j->path);
    free(j->query);
    free(j);
}

/* On the loop: a job's answer goes out. */
static void answer(struct loop_call_item *it, void *arg)
{
    struct job *j = (struct job *)it;
    (void)arg;
    reply(j->req, j->status, j->out, j->text);
    job_free(j);
}

static void *run_job(void *arg)
{
    struct job *j = arg;
    route(j);
    j->item.fn = answer;
    if (!loop_call_post(answers, &j->item))
        job_free(j); /* the agent is stopping: nobody to answer */
    return NULL;
}

static bool authorized(struct agent *a, struct evhttp_request *req, const char *path)
{
    if (!a->token || !agent_proto_needs_token(path))
        return true;
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    return token_bearer_ok(auth, a->token);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct agent *a = arg;
    struct evhttp_uri *u = evhttp_uri_parse(evhttp_request_get_uri(req));
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path) {
        json_t *e = agent_proto_error("bad request");
        reply(req, 400, e, NULL);
        json_decref(e);
        if (u)
            evhttp_uri_free(u);
        return;
    }
    if (!authorized(a, req, path)) {
        json_t *e = agent_proto_error("missing or wrong token");
        reply(req, 401, e, NULL);
        json_decref(e);
        evhttp_uri_free(u);
        return;
    }
    struct job *j = xcalloc(1, sizeof *j);
    j->req = req;
    j->a = a;
    j->method = evhttp_request_get_command(req);
    j->path = xstrdup(path);
    j->query = evhttp_uri_get_query(u) ? xstrdup(evhttp_uri_get_query(u)) : NULL;
    evhttp_uri_free(u);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len) {
        json_error_t je;
        j->body = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, &je);
        if (!json_is_object(j->body)) {
            json_t *e = agent_proto_error("body: expected a JSON object (%s)", je.text);
            reply(req, 400, e, NULL);
            json_decref(e);
            json_decref(j->body);
            free(j->path);
            free(j->query);
            free(j);
            return;
        }
    } else {
        j->body = json_object();
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, run_job, j) != 0) {
        j->out = agent_proto_error("cannot start a thread");
        reply(req, 503, j->out, NULL);
        job_free(j);
    }
    pthread_attr_destroy(&attr);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    LOG_INF("signal %d: stopping (the VMs go on)", (int)sig);
    event_base_loopbreak(arg);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: minidc-agent --server NAME --listen ADDR:PORT --dir DIR --image-dir DIR\n"
            "                    --data-addr ADDR [--bridge BR] [--token-file FILE]\n"
            "                    [--memory MIB] [--accel auto|kvm|tcg] [--pidfile FILE]\n"
            "                    [--log-file FILE] [--no-firewall] [--cgroup DIR] [--verbose]\n\n"
            "Runs this server's VMs for minidcd: each VM is a QEMU process booted from the\n"
            "shared base image in --image-dir (vmlinuz, initrd.img, base.qcow2; see guest/)\n"
            "with its own overlay under --dir, its tap in --bridge (default br0).  Live\n"
            "migrations and clones go over --data-addr, this server's data network address.\n"
            "--memory is what VMs may use together (default: the memory available now).\n"
            "--accel auto uses KVM when a guest kernel boots under it, else TCG.  Requests\n"
            "carry the token of --token-file.  VMs outlive the agent; a new agent adopts\n"
            "them.  Its firewall (nftables) keeps its address from the data network\n"
            "(--bridge) and lets only each transfer's source reach the ports that\n"
            "transfer opens (TCP 7100-7163 on --data-addr).  --no-firewall runs without\n"
            "it: no nft is run, at start or for transfers, so guests reach the API (which\n"
            "still wants the token) and anyone the transfer ports; a table an earlier\n"
            "agent made stays (nft delete table ip minidc_agent removes it).\n"
            "--cgroup DIR (a cgroup with the cpu controller, v1 or v2; its limit is the\n"
            "server's CPU capacity): each VM's QEMU goes in a group of its own under it,\n"
            "limited to the VM's cpu_share and weighted by it; without it a VM cannot be\n"
            "given a cpu_share.\n"
            "SIGTERM or SIGINT stops it.\n");
}

/* What the command line says besides the agent's own fields. */
struct options {
    const char *listen, *token_file, *pidfile, *logfile;
    long memory; /* MiB; 0: the memory available now */
    bool no_firewall;
    const char *cgroup;
};

/* Reads the command line into 'a' and 'o': -1 when the agent is to run,
 * else the exit status (--help, a wrong option). */
static int read_options(int argc, char **argv, struct agent *a, struct options *o)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'L'},
        {"dir", required_argument, NULL, 'd'},
        {"image-dir", required_argument, NULL, 'i'},
        {"bridge", required_argument, NULL, 'b'},
        {"data-addr", required_argument, NULL, 'D'},
        {"token-file", required_argument, NULL, 'T'},
        {"memory", required_argument, NULL, 'm'},
        {"accel", required_argument, NULL, 'A'},
        {"pidfile", required_argument, NULL, 'p'},
        {"log-file", required_argument, NULL, 'l'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"no-firewall", no_argument, NULL, 'F'},
        {"cgroup", required_argument, NULL, 'G'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            a->server = optarg;
            break;
        case 'L':
            o->listen = optarg;
            break;
        case 'd':
            a->dir = optarg;
            break;
        case 'i':
            a->image_dir = optarg;
            break;
        case 'b':
            a->bridge = optarg;
            break;
        case 'D':
            a->data_addr = optarg;
            break;
        case 'T':
            o->token_file = optarg;
            break;
        case 'm': {
            char *end;
            o->memory = strtol(optarg, &end, 10);
            if (*end || o->memory < 32) {
                fprintf(stderr, "minidc-agent: --memory is a number of MiB, at least 32\n");
                return 2;
            }
            break;
        }
        case 'A':
            if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg")) {
                fprintf(stderr, "minidc-agent: --accel is auto, kvm or tcg\n");
                return 2;
            }
            a->accel = optarg;
            break;
        case 'p':
            o->pidfile = optarg;
            break;
        case 'l':
            o->logfile = optarg;
            break;
        case 'v':
            log_set_level(LOG_DEBUG);
            break;
        case 'F':
            o->no_firewall = true;
            break;
        case 'G':
            o->cgroup = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!a->server || !o->listen || !a->dir || !a->image_dir || !a->data_addr || optind < argc) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* The accelerator (--accel auto: KVM when a guest kernel boots under it),
 * QEMU's version, and whether its migrations may be live. */
static void choose_qemu(struct agent *a)
{
    if (!strcmp(a->accel, "auto"))
        a->accel = qemu_kvm_works(a->image_dir, 3000) ? "kvm" : "tcg";
    int qmaj = 0, qmin = 0, qmic = 0;
    if (qemu_version(&qmaj, &qmin, &qmic))
        snprintf(a->qemu_version, sizeof a->qemu_version, "%d.%d.%d", qmaj, qmin, qmic);
    a->live_migration = strcmp(a->accel, "tcg") || qemu_tcg_live_migration_safe(qmaj, qmin);
    /* MINIDC_MIGRATION=live|paused overrides that (to measure, e.g. how an
     * old QEMU loses pages: bench/memcheck). */
    const char *mode = getenv("MINIDC_MIGRATION");
    if (mode && (!strcmp(mode, "live") || !strcmp(mode, "paused")))
        a->live_migration = !strcmp(mode, "live");
    if (!a->live_migration)
        LOG_WRN("QEMU %s under TCG loses guest memory in live migration (fixed in QEMU 9.0): "
                "VMs are paused while their memory is sent (scripts/install-deps installs a "
                "QEMU with the fix)",
                *a->qemu_version ? a->qemu_version : "of unknown version");
}

/* Serves the API on 'addr':'port' until SIGTERM or SIGINT, after the
 * firewall and the VMs an earlier agent left; the exit status. */
static int serve(struct agent *a, const char *addr, uint16_t port, const struct options *o)
{
    pthread_mutex_init(&a->lock, NULL);
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    struct event_base *base = event_base_new();
    answers = loop_call_create(base, NULL);
    struct evhttp *http = evhttp_new(base);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
    evhttp_set_max_body_size(http, BODY_MAX);
    evhttp_set_gencb(http, on_request, a);
    if (evhttp_bind_socket(http, addr, port) < 0) {
        LOG_ERR_("cannot listen on %s:%u: %s", addr, port, strerror(errno));
        return 1;
    }
    char *ferr = NULL;
    a->firewall = !o->no_firewall;
    if (agent_firewall_init(a, addr, &ferr) < 0) {
        LOG_ERR_("cannot set up the firewall that keeps the agent and the transfer ports from "
                 "strangers: %s (--no-firewall runs without it)",
                 ferr);
        free(ferr);
        return 1;
    }
    if (o->cgroup && agent_cgroup_init(a, o->cgroup, &ferr) < 0) {
        LOG_ERR_("%s", ferr);
        free(ferr);
        return 1;
    }
    agent_adopt(a);
    if (o->pidfile) {
        FILE *f = fopen(o->pidfile, "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    LOG_INF("server %s: API on http://%s:%u/v1, QEMU %s, %s, %s migration, %u MiB for VMs, "
            "%zu VM(s) adopted",
            a->server, addr, port, a->qemu_version, a->accel, a->live_migration ? "live" : "paused",
            a->capacity_mib, a->n_vms);
    event_base_dispatch(base);
    if (o->pidfile)
        unlink(o->pidfile);
    event_free(sigterm);
    event_free(sigint);
    /* Jobs still running find the loop gone and free themselves; their
     * requests go with evhttp. */
    for (struct loop_call_item *it = loop_call_close(answers), *next; it; it = next)
        next = it->next, job_free((struct job *)it);
    evhttp_free(http);
    loop_call_destroy(answers);
    event_base_free(base);
    return 0;
}

int main(int argc, char **argv)
{
    struct agent a = {.bridge = "br0", .accel = "auto"};
    struct options o = {0};
    log_set_program("minidc-agent");
    int rc = read_options(argc, argv, &a, &o);
    if (rc >= 0)
        return rc;
    char addr[64];
    uint16_t port;
    if (!endpoint_split(o.listen, addr, sizeof addr, &port)) {
        fprintf(stderr, "minidc-agent: --listen is ADDRESS:PORT\n");
        return 2;
    }
    a.mgmt_addr = addr;
    char token[TOKEN_MAX];
    if (o.token_file) {
        if (token_read_file(o.token_file, token, sizeof token) < 0) {
            fprintf(stderr, "minidc-agent: cannot read a token from %s\n", o.token_file);
            return 1;
        }
        a.token = xstrdup(token);
    }
    if (o.logfile && !freopen(o.logfile, "a", stderr)) {
        fprintf(stdout, "minidc-agent: cannot open %s: %s\n", o.logfile, strerror(errno));
        return 1;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    char *vms = xasprintf("%s/vms", a.dir);
    if ((mkdir(a.dir, 0700) < 0 && errno != EEXIST) || (mkdir(vms, 0700) < 0 && errno != EEXIST)) {
        LOG_ERR_("cannot make %s: %s", vms, strerror(errno));
        return 1;
    }
    free(vms);
    choose_qemu(&a);
    a.capacity_mib = o.memory ? (unsigned)o.memory : 0;
    if (!a.capacity_mib) {
        long pages = sysconf(_SC_AVPHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        a.capacity_mib = (unsigned)((double)pages * (double)psize / 1048576.0);
    }
    rc = serve(&a, addr, port, &o);
    free(a.token);
    return rc;
}
