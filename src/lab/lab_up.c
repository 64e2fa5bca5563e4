/* `minidc lab up`: builds the emulated data center.
 *
 * Layout (fig1 as the example):
 *   namespace fig1          the fabric: ovsdb-server, ovs-vswitchd, bridges
 *                           ovs1..ovs7 (datapath_type=netdev), switch ports
 *                           "ovs4-3", and the management network: Linux
 *                           bridge _mgmt with the controller's and the
 *                           switches' management addresses
 *   namespace fig1-server1  eth0 (to its switch) in Linux bridge br0, which
 *                           holds the server's address (VM taps join br0);
 *                           mgmt0 on the management network
 *   namespace fig1-internet eth0 with the host's address
 *   root namespace          nothing: the machine's own addresses and routes
 *                           are never touched, and labs with the same
 *                           addresses can run side by side
 * Commands are batched (`ip -batch`, one ovs-vsctl transaction) so that a
 * 64-server lab takes a few hundred process starts, not thousands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_priv.h"
#include "util/log.h"
#include "util/http.h"
#include "util/netns.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/token.h"
#include "util/xalloc.h"

LOG_MODULE("lab");

static int ip_batch(const char *ns, const char *cmds)
{
    const char *with_ns[] = {"ip", "-n", ns, "-batch", "-", NULL};
    const char *root[] = {"ip", "-batch", "-", NULL};
    return proc_run_logged("lab", ns ? with_ns : root, cmds);
}

/* Step: run directory, topology copy, initial state. */
static int step_dirs(struct lab_ctx *ctx, char **detail)
{
    json_object_set_new(ctx->state, "name", json_string(ctx->name));
    json_object_set_new(ctx->state, "phase", json_string("building"));
    if (lab_state_save(ctx))
        return -1;
    if (mkdir(ctx->ovs_dir, 0755) < 0 && errno != EEXIST) {
        LOG_ERR_("cannot create %s: %s", ctx->ovs_dir, strerror(errno));
        return -1;
    }
    /* Keep the topology as it was, so status and down never depend on the
     * user's file staying put. */
    FILE *in = fopen(ctx->t->file, "r");
    char *copy = xasprintf("%s/topology.yaml", ctx->dir);
    FILE *out = fopen(copy, "w");
    int rc = 0;
    if (!in || !out) {
        LOG_ERR_("cannot copy %s to %s: %s", ctx->t->file, copy, strerror(errno));
        rc = -1;
    } else {
        char buf[8192];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, n, out);
        if (ferror(in) || ferror(out))
            rc = -1;
    }
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = -1;
    free(copy);
    (void)detail;
    return rc;
}

static bool tls_mode(const struct lab_ctx *ctx)
{
    return json_is_true(json_object_get(ctx->state, "tls"));
}

char *lab_api_ca_path(const struct lab_ctx *ctx)
{
    return tls_mode(ctx) ? xasprintf("%s/pki/ca.pem", ctx->dir) : NULL;
}

/* A small PKI for the lab: a CA, and a key and certificate signed by it for
 * the controller and for the switches (Open vSwitch's ssl: wants both sides
 * to show one), and for the API, issued for its address (clients check
 * it). */
static int step_pki(struct lab_ctx *ctx, char **detail)
{
    if (!tls_mode(ctx)) {
        *detail = xstrdup("none (plain TCP)");
        return 0;
    }
    char *dir = xasprintf("%s/pki", ctx->dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        LOG_ERR_("cannot create %s: %s", dir, strerror(errno));
        free(dir);
        return -1;
    }
    char *cakey = xasprintf("%s/ca.key", dir), *ca = xasprintf("%s/ca.pem", dir),
         *casubj = xasprintf("/CN=minidc lab %s CA", ctx->name);
    const char *mkca[] = {
        "openssl", "req",     "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes",  "-keyout", cakey,   "-out",    ca,   "-days",    "365",
        "-subj",   casubj,    NULL};
    int rc = proc_run_logged("lab", mkca, NULL);
    static const char *const who[] = {"controller", "switch", "api"};
    char a[16];
    char *api_san = xasprintf("subjectAltName=IP:%s", topo_ip_str(ctx->t->api_addr, a));
    for (size_t i = 0; i < 3 && !rc; i++) {
        bool api = !strcmp(who[i], "api");
        char *key = xasprintf("%s/%s.key", dir, who[i]), *csr = xasprintf("%s/%s.csr", dir, who[i]),
             *pem = xasprintf("%s/%s.pem", dir, who[i]),
             *subj = xasprintf("/CN=minidc lab %s %s", ctx->name, who[i]),
             *serial = xasprintf("%s/ca.srl", dir);
        const char *mkreq[] = {"openssl",  "req",
                               "-newkey",  "ec",
                               "-pkeyopt", "ec_paramgen_curve:prime256v1",
                               "-nodes",   "-keyout",
                               key,        "-out",
                               csr,        "-subj",
                               subj,       api ? "-addext" : NULL,
                               api_san,    NULL};
        const char *sign[] = {"openssl",
                              "x509",
                              "-req",
                              "-in",
                              csr,
                              "-CA",
                              ca,
                              "-CAkey",
                              cakey,
                              "-CAserial",
                              serial,
                              "-CAcreateserial",
                              "-out",
                              pem,
                              "-days",
                              "365",
                              api ? "-copy_extensions" : NULL,
                              "copy",
                              NULL};
        rc = proc_run_logged("lab", mkreq, NULL);
        if (!rc)
            rc = proc_run_logged("lab", sign, NULL);
        free(key), free(csr), free(pem), free(subj), free(serial);
    }
    free(api_san);
    free(cakey), free(ca), free(casubj), free(dir);
    if (!rc)
        *detail = xstrdup("CA, controller, switches, API");
    return rc;
}

static int step_namespaces(struct lab_ctx *ctx, char **detail)
{
    struct strbuf cmds;
    strbuf_init(&cmds);
    size_t n = 0;
    for (long i = -1; i < (long)ctx->t->n_nodes; i++) {
        if (i >= 0 && ctx->t->nodes[i].kind == TOPO_SWITCH)
            continue;
        char *ns = i < 0 ? xstrdup(ctx->name) : lab_node_ns(ctx, &ctx->t->nodes[i]);
        int rc = lab_state_record(ctx, "namespaces", ns);
        strbuf_printf(&cmds, "netns add %s\n", ns);
        free(ns);
        if (rc) {
            strbuf_free(&cmds);
            return -1;
        }
        n++;
    }
    int rc = ip_batch(NULL, cmds.s);
    strbuf_free(&cmds);
    *detail = xasprintf("%zu made", n);
    return rc;
}

static int start_daemon(struct lab_ctx *ctx, const char *const argv[], const char *pidfile)
{
    /* Daemons run inside the fabric namespace, so the userspace datapath's
     * taps (bridge ports, "ovs-netdev") stay inside the lab. */
    size_t n = 0;
    while (argv[n])
        n++;
    const char **full = xcalloc(n + 5, sizeof *full);
    full[0] = "ip", full[1] = "netns", full[2] = "exec", full[3] = ctx->name;
    memcpy(full + 4, argv, n * sizeof *argv);
    int rc = proc_run_logged("lab", full, NULL);
    free(full);
    if (rc == 0 && !proc_alive(proc_read_pidfile(pidfile))) {
        LOG_ERR_("%s did not stay up; see its log in %s", argv[0], ctx->ovs_dir);
        rc = -1;
    }
    return rc;
}

/* Starts the lab's ovsdb-server and ovs-vswitchd where they are not running;
 * 'fresh' first makes the database. */
static int start_ovs(struct lab_ctx *ctx, bool fresh, char **detail)
{
    const char *d = ctx->ovs_dir;
    char *db = xasprintf("%s/conf.db", d), *sock = xasprintf("--remote=punix:%s/db.sock", d),
         *dbpid = xasprintf("%s/ovsdb-server.pid", d), *vspid = xasprintf("%s/ovs-vswitchd.pid", d),
         *a_dbpid = xasprintf("--pidfile=%s", dbpid), *a_vspid = xasprintf("--pidfile=%s", vspid),
         *a_dblog = xasprintf("--log-file=%s/ovsdb-server.log", d),
         *a_vslog = xasprintf("--log-file=%s/ovs-vswitchd.log", d),
         *a_dbctl = xasprintf("--unixctl=%s/ovsdb-server.ctl", d),
         *a_vsctl = xasprintf("--unixctl=%s/ovs-vswitchd.ctl", d),
         *conn = xasprintf("unix:%s/db.sock", d), *a_db = xasprintf("--db=%s", conn);
    lab_ovs_env(ctx);
    int rc = 0;
    const char *create[] = {"ovsdb-tool", "create", db, MINIDC_OVS_SCHEMA, NULL};
    if (!rc && fresh)
        rc = proc_run_logged("lab", create, NULL);
    const char *dbsrv[] = {"ovsdb-server", db,         sock,         a_dbpid, a_dblog,
                           a_dbctl,        "--detach", "--no-chdir", NULL};
    if (!rc && !proc_alive(proc_read_pidfile(dbpid)))
        rc = start_daemon(ctx, dbsrv, dbpid);
    const char *init[] = {"ovs-vsctl", a_db, "--no-wait", "init", NULL};
    if (!rc && fresh)
        rc = proc_run_logged("lab", init, NULL);
    const char *vswitchd[] = {"ovs-vswitchd", conn,       a_vspid,      a_vslog,
                              a_vsctl,        "--detach", "--no-chdir", NULL};
    if (!rc && !proc_alive(proc_read_pidfile(vspid)))
        rc = start_daemon(ctx, vswitchd, vspid);
    if (!rc && detail)
        *detail =
            xasprintf("pids %d, %d", (int)proc_read_pidfile(dbpid), (int)proc_read_pidfile(vspid));
    free(db), free(sock), free(dbpid), free(vspid), free(a_dbpid), free(a_vspid), free(a_dblog),
        free(a_vslog);
    free(a_dbctl), free(a_vsctl), free(conn), free(a_db);
    return rc;
}

static int step_ovs(struct lab_ctx *ctx, char **detail)
{
    return start_ovs(ctx, true, detail);
}

/* How many switches minidcd has connected, by its own API. */
static int connected_switches(struct lab_ctx *ctx)
{
    char token[TOKEN_MAX], *path = lab_api_token_path(ctx);
    int rc = token_read_file(path, token, sizeof token);
    free(path);
    if (rc < 0)
        return -1;
    struct strbuf body;
    strbuf_init(&body);
    char a[16], *ca = lab_api_ca_path(ctx);
    int n = -1;
    struct http_req r = {.netns = ctx->name,
                         .addr = topo_ip_str(ctx->t->api_addr, a),
                         .port = ctx->t->api_port,
                         .method = "GET",
                         .path = "/api/v1/switches",
                         .token = token,
                         .tls_ca = ca};
    if (http_request(&r, &body, 2000) == 200) {
        json_t *o = json_loads(body.s, 0, NULL);
        size_t i;
        json_t *s;
        n = 0;
        json_array_foreach(json_object_get(o, "switches"), i, s)
            n += json_is_true(json_object_get(s, "connected"));
        json_decref(o);
    }
    strbuf_free(&body);
    free(ca);
    return n;
}

static bool minidcd_running(struct lab_ctx *ctx)
{
    char *pf = xasprintf("%s/minidcd.pid", ctx->dir);
    bool up = proc_alive(proc_read_pidfile(pf));
    free(pf);
    return up;
}

/* Waits until every switch is connected to the controller. */
static int wait_switches(struct lab_ctx *ctx, char **detail)
{
    size_t want = topo_count(ctx->t, TOPO_SWITCH);
    int got = 0;
    double end = proc_now() + 15.0;
    while (proc_now() < end && (got = connected_switches(ctx)) < (int)want) {
        if (!minidcd_running(ctx)) {
            LOG_ERR_("minidcd stopped; see %s/minidcd.log", ctx->dir);
            return -1;
        }
        usleep(20000);
    }
    if (got < (int)want) {
        LOG_ERR_("only %d of %zu switches connected to minidcd within 15 s; see %s/minidcd.log",
                 got, want, ctx->dir);
        return -1;
    }
    if (detail)
        *detail = xasprintf("%d of %zu", got, want);
    return 0;
}

/* Starts minidcd inside the fabric, where the management network and the
 * controller's address are; returns once it listens (its pidfile is written
 * after it binds its sockets). */
static int start_minidcd(struct lab_ctx *ctx, char **detail)
{
    char *bin = proc_sibling("minidcd"), *topo = xasprintf("%s/topology.yaml", ctx->dir),
         *pid = xasprintf("%s/minidcd.pid", ctx->dir), *log = xasprintf("%s/minidcd.log", ctx->dir);
    char *key = xasprintf("--tls-key=%s/pki/controller.key", ctx->dir),
         *cert = xasprintf("--tls-cert=%s/pki/controller.pem", ctx->dir),
         *ca = xasprintf("--tls-ca=%s/pki/ca.pem", ctx->dir),
         *api_key = xasprintf("--api-tls-key=%s/pki/api.key", ctx->dir),
         *api_cert = xasprintf("--api-tls-cert=%s/pki/api.pem", ctx->dir);
    bool tls = tls_mode(ctx);
    char *token = lab_token_path(ctx), *tokopt = xasprintf("--agent-token-file=%s", token);
    char *api_token = lab_api_token_path(ctx),
         *apiopt = xasprintf("--api-token-file=%s", api_token);
    char *stopt = xasprintf("--state-file=%s/minidcd.state.json", ctx->dir);
    const char *argv[] = {"ip",         "netns", "exec",      ctx->name, bin,
                          "--topology", topo,    "--pidfile", pid,       "--log-file",
                          log,          tokopt,  apiopt,      stopt,     tls ? key : NULL,
                          cert,         ca,      api_key,     api_cert,  NULL};
    free(token), free(api_token);
    unlink(pid);
    if (lab_make_token(ctx) || lab_make_api_token(ctx)) {
        free(bin), free(topo), free(pid), free(log), free(key), free(cert), free(ca), free(tokopt),
            free(apiopt), free(stopt), free(api_key), free(api_cert);
        return -1;
    }
    /* ... and a --policy-path for each shared object the lab was made with */
    json_t *pp = json_object_get(ctx->state, "policy_paths");
    size_t n_pp = json_array_size(pp), n_argv = sizeof argv / sizeof *argv;
    const char **full = xcalloc(n_argv + n_pp, sizeof *full);
    char **ppopt = xcalloc(n_pp + 1, sizeof *ppopt);
    size_t k = 0;
    for (; k < n_argv && argv[k]; k++) /* up to the first NULL: the TLS options when set */
        full[k] = argv[k];
    for (size_t i = 0; i < n_pp; i++)
        full[k++] = ppopt[i] =
            xasprintf("--policy-path=%s", json_string_value(json_array_get(pp, i)) ?: "");
    full[k] = NULL;
    pid_t child = proc_spawn(full);
    for (size_t i = 0; i < n_pp; i++)
        free(ppopt[i]);
    free(ppopt);
    free(full);
    int rc = child > 0 ? 0 : -1;
    double end = proc_now() + 10.0;
    while (rc == 0 && !proc_alive(proc_read_pidfile(pid))) {
        if (!proc_alive(child) || proc_now() > end) {
            LOG_ERR_("minidcd did not start; see %s", log);
            rc = -1;
        }
        usleep(10000);
    }
    if (rc == 0 && detail)
        *detail = xasprintf("pid %d%s", (int)proc_read_pidfile(pid), tls ? ", TLS and HTTPS" : "");
    free(bin), free(topo), free(pid), free(log), free(key), free(cert), free(ca), free(tokopt),
        free(apiopt), free(stopt), free(api_key), free(api_cert);
    return rc;
}

static bool standalone_mode(struct lab_ctx *ctx)
{
    const char *mode = lab_state_str(ctx, "mode");
    return mode && !strcmp(mode, "standalone");
}

static int step_controller(struct lab_ctx *ctx, char **detail)
{
    if (standalone_mode(ctx)) {
        *detail = xstrdup("none (standalone)");
        return 0;
    }
    return start_minidcd(ctx, detail);
}

static int step_connected(struct lab_ctx *ctx, char **detail)
{
    if (standalone_mode(ctx)) {
        *detail = xstrdup("none (standalone)");
        return 0;
    }
    return wait_switches(ctx, detail);
}

/* The interfaces whose TX checksum offload must go: every veth end. */
struct ifaces {
    char **ns; /* namespace of each (NULL: root) */
    char **name;
    size_t n, cap;
};

static void ifaces_add(struct ifaces *f, const char *ns, char *name)
{
    size_t cap = f->cap;
    xgrow(&f->ns, &cap, f->n + 1, sizeof *f->ns);
    xgrow(&f->name, &f->cap, f->n + 1, sizeof *f->name);
    f->ns[f->n] = ns ? xstrdup(ns) : NULL;
    f->name[f->n++] = name;
}

static void ifaces_free(struct ifaces *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->ns[i]), free(f->name[i]);
    free(f->ns);
    free(f->name);
}

/* Lists every veth end the lab makes, by namespace and name. */
static void lab_veths(const struct lab_ctx *ctx, struct ifaces *f)
{
    const struct topo *t = ctx->t;
    size_t k = 0;
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        for (int e = 0; e < 2; e++) {
            const struct topo_node *n = &t->nodes[e ? l->b : l->a];
            unsigned port = e ? l->b_port : l->a_port;
            if (n->kind == TOPO_SWITCH) {
                ifaces_add(f, ctx->name, lab_port_name(n, port));
            } else {
                char *ns = lab_node_ns(ctx, n);
                ifaces_add(f, ns, xstrdup("eth0"));
                free(ns);
            }
        }
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SERVER)
            continue;
        char *ns = lab_node_ns(ctx, &t->nodes[i]);
        ifaces_add(f, ctx->name, xasprintf("_m%zu", ++k));
        ifaces_add(f, ns, xstrdup("mgmt0"));
        free(ns);
    }
}

static int step_links(struct lab_ctx *ctx, char **detail)
{
    const struct topo *t = ctx->t;
    struct strbuf fab;
    strbuf_init(&fab);
    size_t veths = 0;
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        const struct topo_node *a = &t->nodes[l->a], *b = &t->nodes[l->b];
        if (b->kind == TOPO_SWITCH && a->kind != TOPO_SWITCH) {
            const struct topo_node *x = a;
            a = b, b = x;
        }
        unsigned ap = a == &t->nodes[l->a] ? l->a_port : l->b_port;
        unsigned bp = a == &t->nodes[l->a] ? l->b_port : l->a_port;
        char *an = lab_port_name(a, ap);
        if (b->kind == TOPO_SWITCH) {
            char *bn = lab_port_name(b, bp);
            strbuf_printf(&fab, "link add %s type veth peer name %s\n", an, bn);
            free(bn);
        } else {
            char *ns = lab_node_ns(ctx, b);
            strbuf_printf(&fab, "link add %s type veth peer name eth0 netns %s\n", an, ns);
            free(ns);
        }
        free(an);
        veths++;
    }
    strbuf_printf(&fab, "link add %s type bridge forward_delay 0\n", LAB_MGMT_BRIDGE);
    size_t k = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].kind != TOPO_SERVER)
            continue;
        char *ns = lab_node_ns(ctx, &t->nodes[i]);
        strbuf_printf(&fab, "link add _m%zu type veth peer name mgmt0 netns %s\n", ++k, ns);
        strbuf_printf(&fab, "link set _m%zu master %s up\n", k, LAB_MGMT_BRIDGE);
        free(ns);
        veths++;
    }
    int rc = ip_batch(ctx->name, fab.s);
    strbuf_free(&fab);
    if (!rc)
        *detail = xasprintf("%zu veth pairs", veths);
    return rc;
}

static int step_offload(struct lab_ctx *ctx, char **detail)
{
    struct ifaces f = {0};
    lab_veths(ctx, &f);
    int rc = 0;
    /* One namespace switch per run of interfaces in the same namespace. */
    for (size_t i = 0; i < f.n && rc == 0;) {
        size_t j = i;
        while (j < f.n &&
               ((!f.ns[i] && !f.ns[j]) || (f.ns[i] && f.ns[j] && !strcmp(f.ns[i], f.ns[j]))))
            j++;
        rc = netns_tx_checksum_off(f.ns[i], (const char *const *)f.name + i, j - i);
        if (rc)
            LOG_ERR_("cannot turn TX checksum offload off on %s (namespace %s): %s", f.name[i],
                     f.ns[i] ? f.ns[i] : "root", strerror(-rc));
        i = j;
    }
    if (!rc)
        *detail = xasprintf("%zu interfaces", f.n);
    ifaces_free(&f);
    return rc;
}

static int step_addresses(struct lab_ctx *ctx, char **detail)
{
    const struct topo *t = ctx->t;
    char a[16], b[16];
    struct strbuf cmds;
    strbuf_init(&cmds);
    /* Fabric: loopback, switch ports, and the management bridge with the
     * switches' and the controller's addresses (the controller runs here). */
    strbuf_printf(&cmds, "link set lo up\nlink set %s up\naddr add %s/%d dev %s\n", LAB_MGMT_BRIDGE,
                  topo_ip_str(t->emu.switch_mgmt, a), t->mgmt.len, LAB_MGMT_BRIDGE);
    strbuf_printf(&cmds, "addr add %s/%d dev %s\n", topo_ip_str(t->ctl_addr, a), t->mgmt.len,
                  LAB_MGMT_BRIDGE);
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        for (int e = 0; e < 2; e++) {
            const struct topo_node *n = &t->nodes[e ? l->b : l->a];
            if (n->kind != TOPO_SWITCH)
                continue;
            char *pn = lab_port_name(n, e ? l->b_port : l->a_port);
            strbuf_printf(&cmds, "link set %s up\n", pn);
            free(pn);
        }
    }
    int rc = ip_batch(ctx->name, cmds.s);
    /* Each server and host. */
    size_t done = 0;
    for (size_t i = 0; i < t->n_nodes && !rc; i++) {
        const struct topo_node *n = &t->nodes[i];
        if (n->kind == TOPO_SWITCH)
            continue;
        const struct topo_subnet *sn = &t->subnets[n->subnet];
        const char *dev = n->kind == TOPO_SERVER ? "br0" : "eth0";
        strbuf_reset(&cmds);
        strbuf_puts(&cmds, "link set lo up\n");
        /* br0 gets a fixed MAC (02:53 and the server's address): a Linux
         * bridge otherwise takes its ports' lowest MAC, which changes as VM
         * taps come and go, and the network would lose the server. */
        if (n->kind == TOPO_SERVER)
            strbuf_printf(
                &cmds,
                "link add br0 address 02:53:%02x:%02x:%02x:%02x type bridge forward_delay 0\n"
                "link set eth0 master br0\nlink set br0 up\n",
                n->addr >> 24, (n->addr >> 16) & 0xff, (n->addr >> 8) & 0xff, n->addr & 0xff);
        /* rto_min 5ms on the data routes, as data centers tune TCP for their
         * short round trips: the userspace datapath drops packets in bursts,
         * and Linux's default 200 ms minimum retransmission timeout turned
         * each loss into a 200 ms stall (of a VM migration's switch-over,
         * measured here). */
        char net[16];
        strbuf_printf(&cmds,
                      "link set eth0 up\naddr add %s/%d dev %s\n"
                      "route change %s/%d dev %s proto kernel scope link src %s rto_min 5ms\n"
                      "route add default via %s dev %s rto_min 5ms\n",
                      topo_ip_str(n->addr, a), sn->prefix.len, dev,
                      topo_ip_str(sn->prefix.addr & topo_prefix_mask(sn->prefix.len), net),
                      sn->prefix.len, dev, topo_ip_str(n->addr, a), topo_ip_str(sn->gateway, b),
                      dev);
        if (n->kind == TOPO_SERVER)
            strbuf_printf(&cmds, "link set mgmt0 up\naddr add %s/%d dev mgmt0\n",
                          topo_ip_str(n->mgmt, a), t->mgmt.len);
        char *ns = lab_node_ns(ctx, n);
        rc = ip_batch(ns, cmds.s);
        free(ns);
        done++;
    }
    strbuf_free(&cmds);
    if (!rc)
        *detail = xasprintf("%zu nodes", done);
    return rc;
}

static int step_switches(struct lab_ctx *ctx, char **detail)
{
    const struct topo *t = ctx->t;
    bool standalone = !strcmp(lab_state_str(ctx, "mode"), "standalone");
    char ctl[16];
    topo_ip_str(t->ctl_addr, ctl);
    /* One transaction: ovs-vsctl ARGS -- ARGS -- ...; built as a list. */
    size_t cap = 0, n = 0;
    char **argv = NULL;
#define ARG(...) (xgrow(&argv, &cap, n + 2, sizeof *argv), argv[n++] = xasprintf(__VA_ARGS__))
    ARG("ovs-vsctl");
    ARG("--db=unix:%s/db.sock", ctx->ovs_dir);
    ARG("--timeout=30");
    if (!standalone && tls_mode(ctx)) {
        ARG("--"), ARG("set-ssl"), ARG("%s/pki/switch.key", ctx->dir),
            ARG("%s/pki/switch.pem", ctx->dir);
        ARG("%s/pki/ca.pem", ctx->dir);
    }
    size_t ports = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *sw = &t->nodes[i];
        if (sw->kind != TOPO_SWITCH)
            continue;
        ARG("--"), ARG("add-br"), ARG("%s", sw->name);
        ARG("--"), ARG("set"), ARG("bridge"), ARG("%s", sw->name), ARG("datapath_type=netdev");
        ARG("protocols=OpenFlow13,OpenFlow10");
        ARG("fail_mode=%s", standalone ? "standalone" : "secure");
        ARG("other_config:datapath-id=%016llx", (unsigned long long)sw->dpid);
        ARG("other_config:disable-in-band=true");
        ARG("external_ids:minidc-lab=%s", ctx->name);
        if (!standalone) {
            ARG("--"), ARG("set-controller"), ARG("%s", sw->name),
                ARG("%s:%s:%u", tls_mode(ctx) ? "ssl" : "tcp", ctl, t->ctl_of_port);
            /* Out-of-band: the switch reaches the controller over the
             * management network, never through its own flows. */
            ARG("--"), ARG("set"), ARG("controller"), ARG("%s", sw->name),
                ARG("connection_mode=out-of-band");
            /* Reconnect within a second when the controller comes back. */
            ARG("max_backoff=1000");
        }
    }
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        for (int e = 0; e < 2; e++) {
            const struct topo_node *sw = &t->nodes[e ? l->b : l->a];
            unsigned port = e ? l->b_port : l->a_port;
            if (sw->kind != TOPO_SWITCH)
                continue;
            const struct topo_node *peer = &t->nodes[e ? l->a : l->b];
            char *pn = lab_port_name(sw, port);
            ARG("--"), ARG("add-port"), ARG("%s", sw->name), ARG("%s", pn);
            ARG("--"), ARG("set"), ARG("interface"), ARG("%s", pn), ARG("ofport_request=%u", port);
            ARG("external_ids:minidc-peer=%s", peer->name);
            free(pn);
            ports++;
        }
    }
#undef ARG
    argv[n] = NULL;
    int rc = proc_run_logged("lab", (const char *const *)argv, NULL);
    for (size_t i = 0; i < n; i++)
        free(argv[i]);
    free(argv);
    if (!rc)
        *detail = xasprintf("%zu bridges, %zu ports", topo_count(t, TOPO_SWITCH), ports);
    return rc;
}

static int step_hosts(struct lab_ctx *ctx, char **detail)
{
    const struct topo *t = ctx->t;
    struct strbuf hosts;
    strbuf_init(&hosts);
    char a[16];
    strbuf_puts(&hosts, "# written by minidc lab: the lab's nodes by name\n127.0.0.1\tlocalhost\n");
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind != TOPO_SWITCH)
            strbuf_printf(&hosts, "%s\t%s\n", topo_ip_str(t->nodes[i].addr, a), t->nodes[i].name);
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].kind == TOPO_SERVER)
            strbuf_printf(&hosts, "%s\t%s-mgmt\n", topo_ip_str(t->nodes[i].mgmt, a),
                          t->nodes[i].name);
    int rc = 0;
    size_t n = 0;
    if (mkdir("/etc/netns", 0755) == 0) {
        json_object_set_new(ctx->state, "made_etc_netns", json_true());
        rc = lab_state_save(ctx);
    }
    for (size_t i = 0; i < t->n_nodes && !rc; i++) {
        if (t->nodes[i].kind == TOPO_SWITCH)
            continue;
        char *ns = lab_node_ns(ctx, &t->nodes[i]);
        char *dir = xasprintf("/etc/netns/%s", ns);
        char *file = xasprintf("%s/hosts", dir);
        rc = lab_state_record(ctx, "etc_dirs", dir);
        FILE *f = NULL;
        if (!rc && (mkdir(dir, 0755) == 0 || errno == EEXIST) && (f = fopen(file, "w"))) {
            fputs(hosts.s, f);
            if (fclose(f))
                f = NULL;
        }
        if (!rc && !f) {
            LOG_ERR_("cannot write %s: %s", file, strerror(errno));
            rc = -1;
        }
        n++;
        free(ns), free(dir), free(file);
    }
    strbuf_free(&hosts);
    if (!rc)
        *detail = xasprintf("%zu files", n);
    return rc;
}

static bool program_exists(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    bool found = false;
    for (char *save, *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", dir, name);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

/* Everything that would make the build fail or collide, checked before
 * anything is made. */
static int preflight(struct lab_ctx *ctx)
{
    int problems = 0;
    if (geteuid() != 0) {
        LOG_ERR_("the lab makes namespaces and interfaces: run it as root");
        return -1;
    }
    static const char *const progs[] = {"ip", "ovsdb-tool", "ovsdb-server", "ovs-vswitchd",
                                        "ovs-vsctl"};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++)
        if (!program_exists(progs[i])) {
            LOG_ERR_("%s is not installed (apt-get install %s)", progs[i],
                     progs[i][0] == 'i' ? "iproute2" : "openvswitch-switch");
            problems++;
        }
    if (access(MINIDC_OVS_SCHEMA, R_OK) != 0) {
        LOG_ERR_("Open vSwitch's schema %s is missing (apt-get install openvswitch-common)",
                 MINIDC_OVS_SCHEMA);
        problems++;
    }
    const struct topo *t = ctx->t;
    for (long i = -1; i < (long)t->n_nodes; i++) {
        if (i >= 0 && t->nodes[i].kind == TOPO_SWITCH)
            continue;
        char *ns = i < 0 ? xstrdup(ctx->name) : lab_node_ns(ctx, &t->nodes[i]);
        if (netns_exists(ns)) {
            LOG_ERR_("network namespace %s exists already and is not this lab's; remove it or name "
                     "the lab "
                     "apart (--name)",
                     ns);
            problems++;
        }
        free(ns);
    }
    return problems ? -1 : 0;
}

/* `up` on a lab that is up starts only what is missing: the Open vSwitch
 * daemons (their database keeps the bridges), minidcd, the agents (which
 * adopt the VMs that kept running).  A lab left half-made
 * by a crash is not repaired but reported: `down` first. */
static int lab_repair(struct lab_ctx *ctx, const struct lab_up_opts *opts)
{
    const char *phase = lab_state_str(ctx, "phase");
    if (!phase || strcmp(phase, "up") || !ctx->t || !netns_exists(ctx->name)) {
        LOG_ERR_("lab %s exists but is not whole (phase %s); run `minidc lab down %s` first",
                 ctx->name, phase ? phase : "unknown", ctx->name);
        return 1;
    }
    const char *mode = lab_state_str(ctx, "mode");
    bool standalone = mode && !strcmp(mode, "standalone");
    if (standalone != opts->standalone)
        fprintf(stderr,
                "minidc: lab %s is up in %s mode; keeping it (lab down, then up, to change)\n",
                ctx->name, standalone ? "standalone" : "controller");
    char *p1 = xasprintf("%s/ovsdb-server.pid", ctx->ovs_dir),
         *p2 = xasprintf("%s/ovs-vswitchd.pid", ctx->ovs_dir);
    bool ovs_up = proc_alive(proc_read_pidfile(p1)) && proc_alive(proc_read_pidfile(p2));
    free(p1), free(p2);
    int started = 0;
    if (!ovs_up) {
        fprintf(stderr, "minidc: lab %s: Open vSwitch daemons were down; starting them\n",
                ctx->name);
        if (start_ovs(ctx, false, NULL))
            return 1;
        char *detail = NULL; /* it took the ports again, and reset their qdiscs */
        int rc = lab_step_shaping(ctx, &detail);
        free(detail);
        if (rc)
            return 1;
        started++;
    }
    if (!standalone && !minidcd_running(ctx)) {
        fprintf(stderr, "minidc: lab %s: minidcd was not running; starting it\n", ctx->name);
        if (start_minidcd(ctx, NULL) || wait_switches(ctx, NULL))
            return 1;
        started++;
    }
    size_t agents_down = 0;
    for (size_t i = 0; i < ctx->t->n_nodes; i++)
        agents_down +=
            ctx->t->nodes[i].kind == TOPO_SERVER && !lab_agent_running(ctx, ctx->t->nodes[i].name);
    if (agents_down) {
        fprintf(stderr, "minidc: lab %s: %zu agent%s not running; starting %s\n", ctx->name,
                agents_down, agents_down == 1 ? " was" : "s were",
                agents_down == 1 ? "it" : "them");
        if (lab_start_agents(ctx, NULL))
            return 1;
        started++;
    }
    if (!started)
        fprintf(stderr, "minidc: lab %s is already up (minidc lab status %s); nothing to do\n",
                ctx->name, ctx->name);
    return 0;
}

int lab_up(const struct lab_up_opts *opts)
{
    struct diag_list dl;
    diag_list_init(&dl, opts->file);
    struct topo *t = topo_load(opts->file, &dl);
    if (t && lab_capacity_check(t, &dl) < 0) {
        topo_free(t);
        t = NULL;
    }
    if (!t) {
        diag_print(&dl, stderr);
        fprintf(stderr, "minidc: lab: %zu problem%s in %s; nothing was changed\n", dl.n,
                dl.n == 1 ? "" : "s", opts->file);
        diag_list_free(&dl);
        return 1;
    }
    diag_list_free(&dl);
    const char *name = opts->name ? opts->name : t->name;
    struct lab_ctx ctx;
    if (lab_ctx_open(&ctx, name)) {
        topo_free(t);
        return 1;
    }
    ctx.quiet = opts->quiet;
    if (lab_exists(&ctx)) {
        int rc = lab_repair(&ctx, opts);
        topo_free(t);
        lab_ctx_close(&ctx);
        return rc;
    }
    topo_free(ctx.t);
    ctx.t = t;
    if (preflight(&ctx)) {
        fprintf(stderr, "minidc: lab: nothing was changed\n");
        lab_ctx_close(&ctx);
        return 1;
    }
    char *abs = realpath(opts->file, NULL);
    json_object_set_new(ctx.state, "file", json_string(abs ? abs : opts->file));
    free(abs);
    json_object_set_new(ctx.state, "mode", json_string(opts->standalone ? "standalone" : "secure"));
    json_object_set_new(ctx.state, "tls", json_boolean(opts->tls && !opts->standalone));
    json_t *pp = json_array();
    for (size_t i = 0; i < opts->n_policy_paths; i++) {
        char *a = realpath(opts->policy_paths[i], NULL);
        json_array_append_new(pp, json_string(a ? a : opts->policy_paths[i]));
        free(a);
    }
    json_object_set_new(ctx.state, "policy_paths", pp);

    static const struct lab_step steps[] = {
        {"dirs", "run directory", step_dirs},
        {"pki", "TLS keys and certificates", step_pki},
        {"namespaces", "network namespaces", step_namespaces},
        {"ovs", "Open vSwitch daemons", step_ovs},
        {"controller", "controller (minidcd)", step_controller},
        {"links", "links (veth pairs)", step_links},
        {"offload", "TX checksum offload off", step_offload},
        {"addresses", "addresses and routes", step_addresses},
        {"switches", "switches (OVS bridges)", step_switches},
        /* After the bridges: Open vSwitch resets a port's qdiscs as it
         * takes the port. */
        {"shaping", "link bandwidth, delay and loss (tc)", lab_step_shaping},
        {"hosts", "name resolution (/etc/netns)", step_hosts},
        {"connected", "switches connected", step_connected},
        {"cgroups", "servers' CPU groups (cgroups)", lab_step_cgroups},
        {"agents", "server agents (minidc-agent)", lab_start_agents},
    };
    double t0 = proc_now();
    if (!ctx.quiet)
        fprintf(stderr,
                "minidc: lab %s: %zu switches, %zu servers, %zu host%s, %zu links from %s (%s)\n",
                name, topo_count(t, TOPO_SWITCH), topo_count(t, TOPO_SERVER),
                topo_count(t, TOPO_HOST), topo_count(t, TOPO_HOST) == 1 ? "" : "s", t->n_links,
                opts->file,
                opts->standalone ? "standalone switches" : "switches wait for the controller");
    int rc = lab_run_steps(&ctx, steps, sizeof steps / sizeof *steps);
    if (rc == 0)
        rc = lab_state_set(&ctx, "phase", "up");
    if (rc) {
        fprintf(stderr, "minidc: lab %s: bringing it up failed; removing what was made\n", name);
        lab_state_set(&ctx, "phase", "failed");
        if (lab_teardown(&ctx) == 0)
            fprintf(stderr, "minidc: lab %s: rolled back, nothing of it remains\n", name);
        lab_ctx_close(&ctx);
        return 1;
    }
    if (!ctx.quiet) {
        char a[16];
        if (opts->standalone)
            fprintf(stderr,
                    "minidc: lab %s is up in %.2f s; switches learn MAC addresses on their own\n",
                    name, proc_now() - t0);
        else
            fprintf(
                stderr,
                "minidc: lab %s is up in %.2f s; switches connect to the controller at %s:%s:%u\n",
                name, proc_now() - t0, opts->tls ? "ssl" : "tcp", topo_ip_str(t->ctl_addr, a),
                t->ctl_of_port);
    }
    lab_ctx_close(&ctx);
    return 0;
}
