/* `minidc lab status` and `minidc lab exec`.
 *
 * Status is built once as JSON and printed either as JSON or as text from
 * that same object, so the two outputs cannot drift apart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_priv.h"
#include "util/log.h"
#include "util/netns.h"
#include "util/proc.h"
#include "util/xalloc.h"

LOG_MODULE("lab");

static json_t *daemon_json(const struct lab_ctx *ctx, const char *name)
{
    bool ours = !strcmp(name, "minidcd") || !strncmp(name, "agents/", 7);
    char *pf = xasprintf("%s/%s.pid", ours ? ctx->dir : ctx->ovs_dir, name);
    pid_t pid = proc_read_pidfile(pf);
    free(pf);
    return json_pack("{s:s, s:i, s:b}", "name", name, "pid", (int)pid, "running", proc_alive(pid));
}

static json_t *status_json(const struct lab_ctx *ctx)
{
    const struct topo *t = ctx->t;
    const char *phase = lab_state_str(ctx, "phase");
    const char *mode = lab_state_str(ctx, "mode");
    const char *file = lab_state_str(ctx, "file");
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "name", ctx->name, "phase",
                          phase ? phase : "unknown", "mode", mode ? mode : "unknown", "file",
                          file ? file : "", "fabric_namespace", ctx->name, "fabric_present",
                          netns_exists(ctx->name));
    json_t *daemons = json_array();
    json_array_append_new(daemons, daemon_json(ctx, "ovsdb-server"));
    json_array_append_new(daemons, daemon_json(ctx, "ovs-vswitchd"));
    if (mode && strcmp(mode, "standalone"))
        json_array_append_new(daemons, daemon_json(ctx, "minidcd"));
    for (size_t i = 0; ctx->t && i < ctx->t->n_nodes; i++)
        if (ctx->t->nodes[i].kind == TOPO_SERVER) {
            char *name = xasprintf("agents/%s", ctx->t->nodes[i].name);
            json_t *d = daemon_json(ctx, name);
            json_object_set_new(d, "name",
                                json_sprintf("minidc-agent (%s)", ctx->t->nodes[i].name));
            json_array_append_new(daemons, d);
            free(name);
        }
    json_object_set_new(o, "daemons", daemons);
    if (!t)
        return o;
    char a[16], b[16];
    char *cs = xasprintf("%s:%u", topo_ip_str(t->ctl_addr, a), t->ctl_of_port);
    json_object_set_new(o, "controller", json_string(cs));
    free(cs);
    char *ms = xasprintf("%s/%d", topo_ip_str(t->mgmt.addr, a), t->mgmt.len);
    json_object_set_new(o, "management", json_string(ms));
    free(ms);
    json_t *sws = json_array(), *nodes = json_array();
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        if (n->kind == TOPO_SWITCH) {
            char dpid[17];
            snprintf(dpid, sizeof dpid, "%016llx", (unsigned long long)n->dpid);
            json_array_append_new(sws,
                                  json_pack("{s:s, s:s, s:s, s:i}", "name", n->name, "dpid", dpid,
                                            "namespace", ctx->name, "ports", (int)n->next_port));
            continue;
        }
        const struct topo_subnet *sn = &t->subnets[n->subnet];
        char *ns = lab_node_ns(ctx, n);
        json_t *addrs = json_array();
        char *da = xasprintf("%s/%d", topo_ip_str(n->addr, a), sn->prefix.len);
        json_array_append_new(addrs, json_string(da));
        free(da);
        json_t *nj =
            json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:i, s:b}", "name", n->name, "kind",
                      topo_kind_name(n->kind), "namespace", ns, "addresses", addrs, "subnet",
                      sn->name, "gateway", topo_ip_str(sn->gateway, b), "switch",
                      t->nodes[n->sw].name, "port", (int)n->sw_port, "present", netns_exists(ns));
        if (n->kind == TOPO_SERVER) {
            char *m = xasprintf("%s/%d", topo_ip_str(n->mgmt, a), t->mgmt.len);
            json_object_set_new(nj, "management", json_string(m));
            free(m);
        }
        json_array_append_new(nodes, nj);
        free(ns);
    }
    json_object_set_new(o, "switches", sws);
    json_object_set_new(o, "nodes", nodes);
    return o;
}

static const char *s_(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "-";
}

static void print_text(json_t *o)
{
    printf("lab %s: %s, %s switches, from %s\n", s_(o, "name"), s_(o, "phase"), s_(o, "mode"),
           s_(o, "file"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "daemons"), i, v) {
        printf("  %-13s pid %-7lld %s\n", s_(v, "name"),
               json_integer_value(json_object_get(v, "pid")),
               json_is_true(json_object_get(v, "running")) ? "running" : "NOT RUNNING");
    }
    if (!json_object_get(o, "switches")) {
        printf("  (topology unreadable: only namespaces and daemons are known)\n");
        return;
    }
    printf("  controller %s, management %s (in namespace %s)\n\n", s_(o, "controller"),
           s_(o, "management"), s_(o, "fabric_namespace"));
    printf("%-10s %-16s %-10s %s\n", "SWITCH", "DATAPATH ID", "NAMESPACE", "PORTS");
    json_array_foreach(json_object_get(o, "switches"), i, v) {
        printf("%-10s %-16s %-10s %lld\n", s_(v, "name"), s_(v, "dpid"), s_(v, "namespace"),
               json_integer_value(json_object_get(v, "ports")));
    }
    printf("\n%-12s %-7s %-20s %-18s %-14s %-10s %s\n", "NODE", "KIND", "NAMESPACE", "ADDRESS",
           "MANAGEMENT", "SWITCH", "STATE");
    json_array_foreach(json_object_get(o, "nodes"), i, v) {
        char sw[48];
        snprintf(sw, sizeof sw, "%s:%lld", s_(v, "switch"),
                 json_integer_value(json_object_get(v, "port")));
        printf("%-12s %-7s %-20s %-18s %-14s %-10s %s\n", s_(v, "name"), s_(v, "kind"),
               s_(v, "namespace"),
               json_string_value(json_array_get(json_object_get(v, "addresses"), 0)),
               s_(v, "management"), sw,
               json_is_true(json_object_get(v, "present")) ? "up" : "MISSING");
    }
}

int lab_status(const char *name, bool json)
{
    size_t n = 0;
    char **names = NULL;
    if (name) {
        names = xmalloc(sizeof *names);
        names[n++] = xstrdup(name);
    } else {
        names = lab_list(&n);
    }
    json_t *all = json_array();
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct lab_ctx ctx;
        if (lab_ctx_open(&ctx, names[i]) == 0) {
            if (lab_exists(&ctx))
                json_array_append_new(all, status_json(&ctx));
            else if (name) {
                LOG_ERR_("lab %s is not up (minidc lab up)", name);
                rc = 1;
            }
            lab_ctx_close(&ctx);
        } else {
            rc = 1;
        }
        free(names[i]);
    }
    free(names);
    if (json) {
        json_t *out = name ? json_incref(json_array_get(all, 0)) : json_pack("{s:O}", "labs", all);
        if (out) {
            json_dumpf(out, stdout, JSON_INDENT(2));
            putchar('\n');
        }
        json_decref(out);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(all, i, v) {
            if (i)
                putchar('\n');
            print_text(v);
        }
        if (!name && json_array_size(all) == 0)
            printf("no lab is up (minidc lab up [FILE])\n");
    }
    json_decref(all);
    return rc;
}

char *lab_default_name(void)
{
    /* `minidc shell --lab NAME` sets it for every command it runs. */
    const char *env = getenv("MINIDC_LAB");
    if (env && *env)
        return xstrdup(env);
    size_t n = 0;
    char **names = lab_list(&n);
    char *name = NULL;
    if (n == 1) {
        name = names[0];
    } else if (n == 0) {
        LOG_ERR_("no lab is up (minidc lab up [FILE])");
    } else {
        LOG_ERR_("%zu labs are up; name one with --lab NAME", n);
        for (size_t i = 0; i < n; i++)
            free(names[i]);
    }
    free(names);
    return name;
}

/* The namespace of 'node' in the open lab 'ctx' (caller frees; the fabric
 * for a switch, or the lab's or "fabric"'s name), and its data address in
 * 'addr' (16 bytes; "" for the fabric and switches) when 'addr' is not NULL;
 * NULL after saying why. */
static char *node_ns(const struct lab_ctx *ctx, const char *node, char *addr)
{
    const char *name = ctx->name;
    if (!lab_exists(ctx) || !ctx->t) {
        LOG_ERR_("lab %s is not up", name);
        return NULL;
    }
    if (addr)
        addr[0] = '\0';
    long i = topo_find(ctx->t, node);
    if (!strcmp(node, name) || !strcmp(node, "fabric"))
        return xstrdup(name);
    if (i < 0) {
        LOG_ERR_("lab %s has no node '%s' (minidc lab status %s lists them)", name, node, name);
        return NULL;
    }
    const struct topo_node *n = &ctx->t->nodes[i];
    if (addr && n->kind != TOPO_SWITCH)
        topo_ip_str(n->addr, addr);
    return lab_node_ns(ctx, n);
}

int lab_exec(const char *name, const char *node, char *const argv[])
{
    struct lab_ctx ctx;
    if (lab_ctx_open(&ctx, name))
        return 1;
    char *ns = node_ns(&ctx, node, NULL);
    if (!ns) {
        lab_ctx_close(&ctx);
        return 1;
    }
    lab_ovs_env(&ctx);
    size_t n = 0;
    while (argv[n])
        n++;
    char **full = xcalloc(n + 5, sizeof *full);
    full[0] = "ip", full[1] = "netns", full[2] = "exec", full[3] = ns;
    memcpy(full + 4, argv, n * sizeof *argv);
    fflush(NULL);
    execvp("ip", full);
    LOG_ERR_("cannot run ip: %s", strerror(errno));
    return 127;
}

int lab_node_find(const char *name, const char *node, char **netns, char *addr)
{
    struct lab_ctx ctx;
    if (lab_ctx_open(&ctx, name))
        return 1;
    *netns = node_ns(&ctx, node, addr);
    lab_ctx_close(&ctx);
    return *netns ? 0 : 1;
}

/* Whether namespace 'ns' (by name) is the one 'self' describes. */
static bool same_ns(const char *ns, const struct stat *self)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "/run/netns/%s", ns);
    return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

bool lab_in_netns(const char *name)
{
    struct lab_ctx ctx;
    struct stat self;
    if (stat("/proc/self/ns/net", &self) < 0 || lab_ctx_open(&ctx, name))
        return false;
    bool in = same_ns(ctx.name, &self);
    for (size_t i = 0; !in && ctx.t && i < ctx.t->n_nodes; i++)
        if (ctx.t->nodes[i].kind != TOPO_SWITCH) {
            char *ns = lab_node_ns(&ctx, &ctx.t->nodes[i]);
            in = same_ns(ns, &self);
            free(ns);
        }
    lab_ctx_close(&ctx);
    return in;
}

int lab_api_endpoint(const char *name, char **netns, char *addr, unsigned short *port,
                     char **token_file, char **tls_ca)
{
    struct lab_ctx ctx;
    if (lab_ctx_open(&ctx, name))
        return 1;
    int rc = 0;
    if (!lab_exists(&ctx) || !ctx.t) {
        LOG_ERR_("lab %s is not up", name);
        rc = 1;
    } else {
        *netns = xstrdup(ctx.name);
        topo_ip_str(ctx.t->api_addr, addr);
        *port = ctx.t->api_port;
        *token_file = lab_api_token_path(&ctx);
        *tls_ca = lab_api_ca_path(&ctx);
    }
    lab_ctx_close(&ctx);
    return rc;
}
