/* exp_paper: the paper's evaluation.
 *
 * Table 1: VM boot, clone, migration within a subnet and across subnets,
 * through minidcd (the operation's own time, and QEMU's downtime), run after
 * run on the same three servers.
 *
 * Figure 2: iperf3 throughput on the paper's four routes (or, on another
 * topology, one route per number of switches crossed) for TCP MSS 128 to
 * 1400, through three networks: the lab with minidcd's flows, the same lab's
 * switches in standalone mode (Open vSwitch learning on its own; every node
 * also gets an address in one flat subnet, as these switches do not route),
 * and a chain of as many plain Linux bridges.  Each run measures every cell
 * once, in an order drawn from the seed, so that drift of the machine spreads
 * over all cells instead of biasing some. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp/exp_priv.h"
#include "lab/lab.h"
#include "topo/topo.h"
#include "util/strbuf.h"
#include "util/netns.h"
#include "util/proc.h"
#include "util/xalloc.h"

#define N_MSS 5
static const int mss_all[N_MSS] = {128, 256, 512, 1024, 1400};
#define IPERF_PORT "5301"
#define FLAT_PREFIX "198.19.255."  /* standalone lab: one flat subnet */
#define CHAIN_PREFIX "198.19.254." /* Linux bridge chain */
#define MAX_ROUTES 6

struct route {
    size_t a, b; /* node indices: client, server */
    int switches;
};

enum mode { MODE_MINIDCD, MODE_STANDALONE, MODE_BRIDGE, N_MODES };
static const char *const mode_names[N_MODES] = {"minidcd", "standalone", "linux-bridge"};

struct paper {
    struct exp *e;
    struct topo *t;
    const char *file;
    char lab[16], slab[16], chain[16];
    bool lab_up, slab_up;
    bool chain_made[8]; /* per switch count 1..7 */
    struct route routes[MAX_ROUTES];
    size_t n_routes;
    int runs, seconds;
};

/* ---- routes ---- */

static int crossed(const struct topo *t, size_t a, size_t b)
{
    return topo_switches_crossed(t, t->nodes[a].sw, t->nodes[b].sw);
}

/* The paper's four routes when the topology has its names (fig1), else the
 * first server to the first machine at each distance. */
static size_t pick_routes(const struct topo *t, struct route *r)
{
    static const char *const paper[][2] = {{"server1", "server2"},
                                           {"internet", "server1"},
                                           {"server1", "server3"},
                                           {"server1", "server8"}};
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        long a = topo_find(t, paper[i][0]), b = topo_find(t, paper[i][1]);
        if (a < 0 || b < 0 || t->nodes[a].kind == TOPO_SWITCH || t->nodes[b].kind == TOPO_SWITCH)
            break;
        r[n++] = (struct route){(size_t)a, (size_t)b, crossed(t, (size_t)a, (size_t)b)};
    }
    if (n == 4)
        return n;
    n = 0;
    long x = -1;
    for (size_t i = 0; i < t->n_nodes && x < 0; i++)
        if (t->nodes[i].kind == TOPO_SERVER)
            x = (long)i;
    if (x < 0)
        return 0;
    for (size_t i = 0; i < t->n_nodes && n < MAX_ROUTES; i++) {
        if (t->nodes[i].kind == TOPO_SWITCH || (long)i == x)
            continue;
        int d = crossed(t, (size_t)x, i);
        bool seen = d < 1 || d > 7;
        for (size_t k = 0; k < n; k++)
            seen |= r[k].switches == d;
        if (!seen)
            r[n++] = (struct route){(size_t)x, i, d};
    }
    for (size_t i = 1; i < n; i++) /* by distance */
        for (size_t k = i; k > 0 && r[k].switches < r[k - 1].switches; k--) {
            struct route tmp = r[k];
            r[k] = r[k - 1];
            r[k - 1] = tmp;
        }
    return n;
}

/* Index of a machine among the topology's machines (for flat addresses). */
static int machine_no(const struct topo *t, size_t i)
{
    int k = 0;
    for (size_t j = 0; j < i; j++)
        k += t->nodes[j].kind != TOPO_SWITCH;
    return k + 1;
}

/* ---- the networks ---- */

static int sh(struct exp *e, const char *const argv[])
{
    return exp_sh(e, NULL, 60000, false, argv);
}

/* Gives every machine of the standalone lab an address in one flat subnet. */
static int flat_addresses(struct paper *p)
{
    for (size_t i = 0; i < p->t->n_nodes; i++) {
        if (p->t->nodes[i].kind == TOPO_SWITCH)
            continue;
        char ns[64], addr[32];
        snprintf(ns, sizeof ns, "%s-%s", p->slab, p->t->nodes[i].name);
        snprintf(addr, sizeof addr, FLAT_PREFIX "%d/24", machine_no(p->t, i));
        const char *argv[] = {
            "ip",  "-n", ns,    "addr",
            "add", addr, "dev", p->t->nodes[i].kind == TOPO_SERVER ? "br0" : "eth0",
            NULL};
        if (sh(p->e, argv))
            return -1;
    }
    return 0;
}

/* What every link of 't' carries, when all carry the same and something
 * (fig1-raspi: 100 Mbit/s); NULL otherwise. */
static const struct topo_link_props *uniform_props(const struct topo *t)
{
    const struct topo_link_props *first = t->n_links ? &t->links[0].props : NULL;
    for (size_t i = 1; first && i < t->n_links; i++) {
        const struct topo_link_props *q = &t->links[i].props;
        if (q->bandwidth_mbit != first->bandwidth_mbit || q->delay_ms != first->delay_ms ||
            q->loss_pct != first->loss_pct)
            first = NULL;
    }
    return first && (first->bandwidth_mbit > 0 || first->delay_ms > 0 || first->loss_pct > 0)
               ? first
               : NULL;
}

/* Gives veth end 'ifn' in namespace 'ns' what the lab's links carry: one
 * tc command a line of lab_link_qdiscs(). */
static int shape_end(struct paper *p, const char *ns, const char *ifn,
                     const struct topo_link_props *props)
{
    struct strbuf lines;
    strbuf_init(&lines);
    lab_link_qdiscs(&lines, ifn, props);
    int rc = 0;
    for (char *l = lines.s, *nl; !rc && l && *l; l = nl ? nl + 1 : NULL) {
        nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        const char *argv[24] = {"tc", "-n", ns};
        size_t n = 3;
        for (char *w = strtok(l, " "); w && n < 23; w = strtok(NULL, " "))
            argv[n++] = w;
        argv[n] = NULL;
        rc = sh(p->e, argv);
    }
    strbuf_free(&lines);
    return rc;
}

/* A chain of 'k' Linux bridges in namespace CHAIN-sK between CHAIN-a and
 * CHAIN-zK, every veth with TX offload off as in the lab, and shaped as
 * the lab's links are when they all carry the same. */
static int make_chain(struct paper *p, int k)
{
    char sw[32], a[32], z[32];
    snprintf(sw, sizeof sw, "%s-s%d", p->chain, k);
    snprintf(a, sizeof a, "%s-a%d", p->chain, k);
    snprintf(z, sizeof z, "%s-z%d", p->chain, k);
    p->chain_made[k] = true;
    const char *nsadd[][4] = {
        {"ip", "netns", "add", sw}, {"ip", "netns", "add", a}, {"ip", "netns", "add", z}};
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {nsadd[i][0], nsadd[i][1], nsadd[i][2], nsadd[i][3], NULL};
        if (sh(p->e, argv))
            return -1;
    }
    for (int b = 1; b <= k; b++) {
        char br[16];
        snprintf(br, sizeof br, "br%d", b);
        const char *add[] = {"ip",     "-n",        sw,  "link",          "add", br,  "type",
                             "bridge", "stp_state", "0", "forward_delay", "0",   NULL};
        const char *up[] = {"ip", "-n", sw, "link", "set", br, "up", NULL};
        if (sh(p->e, add) || sh(p->e, up))
            return -1;
    }
    /* veths: a:eth0 - sw:pa (br1), sw:lNa (brN) - sw:lNb (brN+1), sw:pz (brK) - z:eth0 */
    struct veth {
        const char *ns_a, *if_a, *ns_b, *if_b;
        int br_a, br_b; /* bridge of each end in sw (0: none) */
    } v[10];
    int nv = 0;
    char names[10][2][16];
    v[nv++] = (struct veth){a, "eth0", sw, "pa", 0, 1};
    for (int b = 1; b < k; b++) {
        snprintf(names[b][0], sizeof names[b][0], "l%da", b);
        snprintf(names[b][1], sizeof names[b][1], "l%db", b);
        v[nv++] = (struct veth){sw, names[b][0], sw, names[b][1], b, b + 1};
    }
    v[nv++] = (struct veth){z, "eth0", sw, "pz", 0, k};
    for (int i = 0; i < nv; i++) {
        const char *add[] = {"ip",   "-n",   v[i].ns_a, "link",    "add",   v[i].if_a, "type",
                             "veth", "peer", "name",    v[i].if_b, "netns", v[i].ns_b, NULL};
        if (sh(p->e, add))
            return -1;
        for (int end = 0; end < 2; end++) {
            const char *ns = end ? v[i].ns_b : v[i].ns_a, *ifn = end ? v[i].if_b : v[i].if_a;
            int br = end ? v[i].br_b : v[i].br_a;
            char brn[16];
            snprintf(brn, sizeof brn, "br%d", br);
            const char *master[] = {"ip", "-n", ns, "link", "set", ifn, "master", brn, NULL};
            const char *up[] = {"ip", "-n", ns, "link", "set", ifn, "up", NULL};
            if (netns_tx_checksum_off(ns, &ifn, 1) < 0) {
                fprintf(stderr,
                        "minidc experiment: cannot turn TX checksum offload off on %s in %s\n", ifn,
                        ns);
                return -1;
            }
            if ((br && sh(p->e, master)) || sh(p->e, up))
                return -1;
            const struct topo_link_props *props = uniform_props(p->t);
            if (props && shape_end(p, ns, ifn, props))
                return -1;
        }
    }
    const char *aa[] = {"ip", "-n", a, "addr", "add", CHAIN_PREFIX "1/24", "dev", "eth0", NULL};
    const char *za[] = {"ip", "-n", z, "addr", "add", CHAIN_PREFIX "2/24", "dev", "eth0", NULL};
    const char *lo1[] = {"ip", "-n", a, "link", "set", "lo", "up", NULL};
    const char *lo2[] = {"ip", "-n", z, "link", "set", "lo", "up", NULL};
    return sh(p->e, aa) || sh(p->e, za) || sh(p->e, lo1) || sh(p->e, lo2) ? -1 : 0;
}

static void remove_chains(struct paper *p)
{
    for (int k = 1; k < 8; k++) {
        if (!p->chain_made[k])
            continue;
        const char *suffix[] = {"s", "a", "z"};
        for (int i = 0; i < 3; i++) {
            char ns[32];
            snprintf(ns, sizeof ns, "%s-%s%d", p->chain, suffix[i], k);
            /* Anything still running in it goes first. */
            int *pids = NULL;
            long np = netns_pids(ns, &pids);
            for (long j = 0; j < np; j++)
                proc_terminate((pid_t)pids[j], 1000);
            free(pids);
            const char *del[] = {"ip", "netns", "del", ns, NULL};
            struct proc_opts quiet = {.timeout_ms = 10000};
            proc_run(del, &quiet);
        }
        p->chain_made[k] = false;
    }
}

/* ---- measurements ---- */

/* One iperf3 run: server in 'srv_ns', client in 'cli_ns' to 'addr'.  The
 * received rate in '*bps'; 0 or -1 after saying why. */
static int iperf(struct paper *p, const char *srv_ns, const char *cli_ns, const char *addr, int mss,
                 double *bps)
{
    struct exp *e = p->e;
    const char *srv[] = {"ip", "netns", "exec", srv_ns,     "iperf3",
                         "-s", "-1",    "-p",   IPERF_PORT, NULL};
    exp_record(e, srv);
    pid_t pid = proc_spawn(srv);
    if (pid < 0) {
        fprintf(stderr, "minidc experiment: cannot start iperf3 in %s\n", srv_ns);
        return -1;
    }
    char secs[16], m[16];
    snprintf(secs, sizeof secs, "%d", p->seconds);
    snprintf(m, sizeof m, "%d", mss);
    const char *cli[] = {"ip",       "netns", "exec", cli_ns, "iperf3", "-c", addr, "-p",
                         IPERF_PORT, "-t",    secs,   "-M",   m,        "-J", NULL};
    int rc = -1;
    char *why = NULL;
    for (int attempt = 0; attempt < 40 && rc < 0 && !exp_interrupted; attempt++) {
        struct strbuf out;
        strbuf_init(&out);
        exp_sh(e, &out, (p->seconds + 20) * 1000, true, cli);
        json_t *o = json_loads(out.s ? out.s : "", 0, NULL);
        const char *err = json_string_value(json_object_get(o, "error"));
        json_t *rx = json_object_get(json_object_get(json_object_get(o, "end"), "sum_received"),
                                     "bits_per_second");
        free(why);
        why = xstrdup(err ? err : o ? "no result" : "no JSON from iperf3");
        if (!err && json_is_number(rx)) {
            *bps = json_number_value(rx);
            rc = 0;
        }
        json_decref(o);
        strbuf_free(&out);
        if (rc < 0 && !strstr(why, "unable to connect") && !strstr(why, "refused"))
            break;
        if (rc < 0)
            usleep(100000); /* the server is not listening yet */
    }
    proc_terminate(pid, 1000);
    if (rc < 0 && !exp_interrupted)
        fprintf(stderr, "minidc experiment: iperf3 from %s to %s (MSS %d): %s\n", cli_ns, addr, mss,
                why);
    free(why);
    return rc;
}

static json_t *cell(json_t *cells, enum mode mode, const struct paper *p, size_t route, int mss)
{
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c)
        if (!strcmp(json_string_value(json_object_get(c, "mode")), mode_names[mode]) &&
            json_integer_value(json_object_get(c, "route")) == (json_int_t)route + 1 &&
            json_integer_value(json_object_get(c, "mss")) == mss)
            return c;
    const struct route *r = &p->routes[route];
    c = json_pack("{s:s, s:I, s:s, s:s, s:i, s:i, s:[]}", "mode", mode_names[mode], "route",
                  (json_int_t)route + 1, "from", p->t->nodes[r->a].name, "to",
                  p->t->nodes[r->b].name, "switches", r->switches, "mss", mss, "bps");
    json_array_append_new(cells, c);
    return c;
}

static int measure(struct paper *p, enum mode mode, size_t route, int mss, double *bps)
{
    const struct route *r = &p->routes[route];
    char sns[64], cns[64], addr[32];
    const struct topo_node *a = &p->t->nodes[r->a], *b = &p->t->nodes[r->b];
    switch (mode) {
    case MODE_MINIDCD:
        snprintf(cns, sizeof cns, "%s-%s", p->lab, a->name);
        snprintf(sns, sizeof sns, "%s-%s", p->lab, b->name);
        topo_ip_str(b->addr, addr);
        break;
    case MODE_STANDALONE:
        snprintf(cns, sizeof cns, "%s-%s", p->slab, a->name);
        snprintf(sns, sizeof sns, "%s-%s", p->slab, b->name);
        snprintf(addr, sizeof addr, FLAT_PREFIX "%d", machine_no(p->t, r->b));
        break;
    default:
        snprintf(cns, sizeof cns, "%s-a%d", p->chain, r->switches);
        snprintf(sns, sizeof sns, "%s-z%d", p->chain, r->switches);
        snprintf(addr, sizeof addr, CHAIN_PREFIX "2");
        break;
    }
    return iperf(p, sns, cns, addr, mss, bps);
}

static int throughput(struct paper *p)
{
    struct exp *e = p->e;
    json_t *cells = json_array();
    json_object_set_new(e->r, "throughput", cells);
    size_t n = N_MODES * p->n_routes * N_MSS;
    size_t *order = xmalloc(n * sizeof *order);
    int rc = 0;
    for (int run = 0; run < p->runs && rc == 0; run++) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        exp_shuffle(e, order, n);
        for (size_t k = 0; k < n && rc == 0; k++) {
            size_t i = order[k];
            enum mode mode = (enum mode)(i / (p->n_routes * N_MSS));
            size_t route = i / N_MSS % p->n_routes;
            int mss = mss_all[i % N_MSS];
            double bps = 0;
            rc = measure(p, mode, route, mss, &bps);
            if (rc == 0) {
                json_array_append_new(json_object_get(cell(cells, mode, p, route, mss), "bps"),
                                      json_real(bps));
                exp_progress(
                    e, true,
                    "run %d: %-12s route %zu (%s -> %s, %d switches) MSS %4d: %7.1f Mbit/s",
                    run + 1, mode_names[mode], route + 1, p->t->nodes[p->routes[route].a].name,
                    p->t->nodes[p->routes[route].b].name, p->routes[route].switches, mss,
                    bps / 1e6);
            }
        }
    }
    free(order);
    return rc;
}

/* ---- lifecycle ---- */

/* Three servers: A and B in one subnet, C in another (the paper: server8,
 * server7, server1); false when the topology has no such three. */
static bool lifecycle_servers(const struct topo *t, size_t *a, size_t *b, size_t *c)
{
    long pa = topo_find(t, "server8"), pb = topo_find(t, "server7"), pc = topo_find(t, "server1");
    if (pa >= 0 && pb >= 0 && pc >= 0 && t->nodes[pa].subnet == t->nodes[pb].subnet &&
        t->nodes[pa].subnet != t->nodes[pc].subnet) {
        *a = (size_t)pa, *b = (size_t)pb, *c = (size_t)pc;
        return true;
    }
    for (size_t i = t->n_nodes; i-- > 0;)
        for (size_t j = t->n_nodes; j-- > 0;) {
            if (i == j || t->nodes[i].kind != TOPO_SERVER || t->nodes[j].kind != TOPO_SERVER ||
                t->nodes[i].subnet != t->nodes[j].subnet)
                continue;
            for (size_t k = 0; k < t->n_nodes; k++)
                if (t->nodes[k].kind == TOPO_SERVER && t->nodes[k].subnet != t->nodes[i].subnet) {
                    *a = i, *b = j, *c = k;
                    return true;
                }
        }
    return false;
}

/* Runs "minidc vm ARGS... --lab L --json"; the operation in '*op'. */
static int vm_op(struct paper *p, json_t **op, const char *const args[])
{
    const char *argv[16];
    size_t n = 0;
    argv[n++] = p->e->self;
    argv[n++] = "vm";
    for (size_t i = 0; args[i] && n < 12; i++)
        argv[n++] = args[i];
    argv[n++] = "--lab";
    argv[n++] = p->lab;
    argv[n++] = "--json";
    argv[n] = NULL;
    *op = exp_sh_json(p->e, 600000, argv);
    if (*op && strcmp(json_string_value(json_object_get(*op, "state")) ?: "", "done")) {
        fprintf(stderr, "minidc experiment: vm %s %s: %s\n", args[0], args[1],
                json_string_value(json_object_get(*op, "error")) ?: "failed");
        json_decref(*op);
        *op = NULL;
    }
    return *op ? 0 : -1;
}

static void sample(json_t *life, const char *op, const json_t *o)
{
    json_t *l = json_object_get(life, op);
    if (!l) {
        l = json_pack("{s:[], s:[], s:[]}", "seconds", "downtime_ms", "attempts");
        json_object_set_new(life, op, l);
    }
    json_array_append_new(json_object_get(l, "seconds"),
                          json_real(json_number_value(json_object_get(o, "seconds"))));
    json_t *res = json_object_get(o, "result");
    json_t *q = json_object_get(res, "qemu");
    if (q)
        json_array_append_new(json_object_get(l, "downtime_ms"),
                              json_integer(json_integer_value(json_object_get(q, "downtime_ms"))));
    /* Which network carried the stream (controller.migration-network). */
    const char *net = json_string_value(json_object_get(res, "network"));
    const char *had = json_string_value(json_object_get(l, "network"));
    if (net)
        json_object_set_new(l, "network", json_string(had && strcmp(had, net) ? "mixed" : net));
    json_t *att = json_object_get(res, "attempts");
    json_array_append_new(json_object_get(l, "attempts"),
                          json_integer(att ? json_integer_value(att) : 1));
}

static int lifecycle(struct paper *p)
{
    struct exp *e = p->e;
    size_t a, b, c;
    if (!lifecycle_servers(p->t, &a, &b, &c)) {
        exp_progress(
            e, false,
            "lifecycle: the topology has no two servers in one subnet and one in another: skipped");
        json_object_set_new(e->r, "lifecycle_skipped",
                            json_string("no two servers in one subnet and one in another"));
        return 0;
    }
    const char *A = p->t->nodes[a].name, *B = p->t->nodes[b].name, *C = p->t->nodes[c].name;
    json_object_set_new(
        json_object_get(e->r, "config"), "lifecycle_servers",
        json_pack("{s:s, s:s, s:s}", "boot", A, "same_subnet", B, "other_subnet", C));
    json_t *life = json_object();
    json_object_set_new(e->r, "lifecycle", life);
    for (int run = 0; run < p->runs; run++) {
        json_t *o;
        const char *boot[] = {"boot", "xv", "--on", A, "--memory", "128", NULL};
        if (vm_op(p, &o, boot))
            return -1;
        sample(life, "boot", o);
        exp_progress(e, true, "run %d: boot on %s: %.2f s", run + 1, A,
                     json_number_value(json_object_get(o, "seconds")));
        json_decref(o);
        const char *clone[] = {"clone", "xv", "--to", B, "--as", "xvc", NULL};
        if (vm_op(p, &o, clone))
            return -1;
        sample(life, "clone", o);
        exp_progress(e, true, "run %d: clone to %s: %.2f s", run + 1, B,
                     json_number_value(json_object_get(o, "seconds")));
        json_decref(o);
        const char *stopc[] = {"stop", "xvc", "--force", NULL};
        if (vm_op(p, &o, stopc))
            return -1;
        json_decref(o);
        const char *same[] = {"migrate", "xv", "--to", B, NULL};
        if (vm_op(p, &o, same))
            return -1;
        sample(life, "migrate_same_subnet", o);
        exp_progress(e, true, "run %d: migrate to %s (same subnet): %.2f s", run + 1, B,
                     json_number_value(json_object_get(o, "seconds")));
        json_decref(o);
        const char *across[] = {"migrate", "xv", "--to", C, NULL};
        if (vm_op(p, &o, across))
            return -1;
        sample(life, "migrate_across_subnets", o);
        exp_progress(e, true, "run %d: migrate to %s (another subnet): %.2f s", run + 1, C,
                     json_number_value(json_object_get(o, "seconds")));
        json_decref(o);
        const char *stop[] = {"stop", "xv", "--force", NULL};
        if (vm_op(p, &o, stop))
            return -1;
        json_decref(o);
    }
    return 0;
}

/* ---- the experiment ---- */

int exp_paper(struct exp *e)
{
    struct paper p = {.e = e, .file = e->o.lab_file};
    p.runs = e->o.runs ? e->o.runs : e->o.quick ? 1 : 3;
    p.seconds = e->o.seconds > 0 ? (int)(e->o.seconds + 0.5) : e->o.quick ? 1 : 2;
    if (p.seconds < 1)
        p.seconds = 1;
    struct diag_list dl;
    diag_list_init(&dl, p.file);
    p.t = topo_load(p.file, &dl);
    if (!p.t) {
        diag_print(&dl, stderr);
        diag_list_free(&dl);
        return 1;
    }
    diag_list_free(&dl);
    p.n_routes = pick_routes(p.t, p.routes);
    if (!p.n_routes) {
        fprintf(stderr, "minidc experiment: %s has no two machines to measure between\n", p.file);
        topo_free(p.t);
        return 1;
    }
    snprintf(p.lab, sizeof p.lab, "xp%s", e->tag);
    snprintf(p.slab, sizeof p.slab, "xs%s", e->tag);
    snprintf(p.chain, sizeof p.chain, "xb%s", e->tag);
    char *text = exp_read_text(p.file);
    json_object_set_new(
        e->r, "topology",
        json_pack("{s:s, s:s, s:s?}", "file", p.file, "name", p.t->name, "text", text));
    free(text);
    json_t *routes = json_array(), *mss = json_array(), *modes = json_array();
    for (size_t i = 0; i < p.n_routes; i++)
        json_array_append_new(routes, json_pack("{s:I, s:s, s:s, s:i}", "route", (json_int_t)i + 1,
                                                "from", p.t->nodes[p.routes[i].a].name, "to",
                                                p.t->nodes[p.routes[i].b].name, "switches",
                                                p.routes[i].switches));
    for (int i = 0; i < N_MSS; i++)
        json_array_append_new(mss, json_integer(mss_all[i]));
    for (int i = 0; i < N_MODES; i++)
        json_array_append_new(modes, json_string(mode_names[i]));
    json_t *cfg = json_object_get(e->r, "config");
    json_object_set_new(cfg, "runs", json_integer(p.runs));
    json_object_set_new(cfg, "iperf3_seconds", json_integer(p.seconds));
    json_object_set_new(cfg, "vm_memory_mib", json_integer(128));
    json_object_set_new(cfg, "routes", routes);
    json_object_set_new(cfg, "mss", mss);
    json_object_set_new(cfg, "modes", modes);
    /* What the bridge chains' links carry: as the lab's, or nothing. */
    const struct topo_link_props *props = uniform_props(p.t);
    json_object_set_new(cfg, "chain_links",
                        props ? json_pack("{s:f, s:f, s:f}", "bandwidth_mbit",
                                          props->bandwidth_mbit, "delay_ms", props->delay_ms,
                                          "loss_percent", props->loss_pct)
                              : json_string("unshaped"));
    json_object_set_new(
        cfg, "order",
        json_string("each run measures every cell once, in an order drawn from the seed"));
    size_t a, b, c;
    e->steps = p.runs * (int)(N_MODES * p.n_routes * N_MSS) +
               (lifecycle_servers(p.t, &a, &b, &c) ? p.runs * 4 : 0);

    int rc = 0;
    exp_progress(e, false, "lab %s (minidcd) from %s", p.lab, p.file);
    p.lab_up = true;
    rc = exp_lab_up(e, p.lab, p.file, false);
    if (rc == 0)
        rc = lifecycle(&p);
    if (rc == 0) {
        exp_progress(e, false, "lab %s (standalone switches) and Linux bridge chains", p.slab);
        p.slab_up = true;
        rc = exp_lab_up(e, p.slab, p.file, true) || flat_addresses(&p) ? -1 : 0;
        for (size_t i = 0; i < p.n_routes && rc == 0; i++)
            if (!p.chain_made[p.routes[i].switches])
                rc = make_chain(&p, p.routes[i].switches);
    }
    if (rc == 0)
        rc = throughput(&p);
    exp_progress(e, false, "removing the labs and bridge chains");
    remove_chains(&p);
    if (p.slab_up)
        exp_lab_down(e, p.slab);
    if (p.lab_up)
        exp_lab_down(e, p.lab);
    topo_free(p.t);
    return rc ? 1 : 0;
}
