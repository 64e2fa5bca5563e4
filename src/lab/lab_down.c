/* `minidc lab down` and the rollback of a failed `up`: remove what the lab's
 * state records (and, should the state be lost, the names its topology
 * implies), processes first, then namespaces and files. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_priv.h"
#include "util/log.h"
#include "util/netns.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

LOG_MODULE("lab");

struct names {
    char **v;
    size_t n, cap;
};

static void names_add(struct names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], name))
            return;
    xgrow(&s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = xstrdup(name);
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static void names_from_state(const struct lab_ctx *ctx, const char *key, struct names *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ctx->state, key), i, v)
        if (json_is_string(v))
            names_add(out, json_string_value(v));
}

/* The lab's namespaces, nodes before the fabric (whose daemons go last). */
static void lab_namespaces(const struct lab_ctx *ctx, struct names *out)
{
    struct names all = {0};
    names_from_state(ctx, "namespaces", &all);
    if (ctx->t) {
        for (size_t i = 0; i < ctx->t->n_nodes; i++) {
            if (ctx->t->nodes[i].kind == TOPO_SWITCH)
                continue;
            char *ns = lab_node_ns(ctx, &ctx->t->nodes[i]);
            names_add(&all, ns);
            free(ns);
        }
    }
    for (size_t i = 0; i < all.n; i++)
        if (strcmp(all.v[i], ctx->name))
            names_add(out, all.v[i]);
    names_add(out, ctx->name);
    names_free(&all);
}

/* Stops every process inside the lab's namespaces: the Open vSwitch daemons,
 * and whatever `lab exec` left running.  All get SIGTERM at once, then
 * SIGKILL for whatever is still there after a grace period. */
static void kill_namespace_procs(const struct names *ns)
{
    int *all = NULL;
    size_t n_all = 0, cap = 0;
    for (size_t i = 0; i < ns->n; i++) {
        int *pids = NULL;
        long n = netns_pids(ns->v[i], &pids);
        for (long j = 0; j < n; j++) {
            if (pids[j] == getpid())
                continue;
            xgrow(&all, &cap, n_all + 1, sizeof *all);
            all[n_all++] = pids[j];
            kill(pids[j], SIGTERM);
        }
        free(pids);
    }
    double end = proc_now() + 2.0;
    for (size_t i = 0; i < n_all; i++) {
        while (proc_alive(all[i]) && proc_now() < end) {
            waitpid(all[i], NULL, WNOHANG); /* reap our own children */
            usleep(5000);
        }
        if (proc_alive(all[i]))
            proc_terminate(all[i], 0);
    }
    free(all);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
        LOG_WRN("cannot remove %s: %s", path, strerror(errno));
    return 0;
}

static void rm_tree(const char *path)
{
    if (access(path, F_OK) == 0)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int lab_teardown(struct lab_ctx *ctx)
{
    struct names ns = {0}, etc = {0};
    lab_namespaces(ctx, &ns);
    names_from_state(ctx, "etc_dirs", &etc);

    kill_namespace_procs(&ns);
    /* The daemons' pidfiles catch them should the fabric namespace be gone
     * already (its processes keep it alive unnamed). */
    static const char *const daemons[] = {"ovs-vswitchd", "ovsdb-server"};
    for (size_t i = 0; i < 2; i++) {
        char *pf = xasprintf("%s/%s.pid", ctx->ovs_dir, daemons[i]);
        pid_t pid = proc_read_pidfile(pf);
        char *cp = xasprintf("/proc/%d/comm", (int)pid);
        char comm[64] = "";
        FILE *f = pid > 0 ? fopen(cp, "r") : NULL;
        if (f && fgets(comm, sizeof comm, f) && !strncmp(comm, daemons[i], 15))
            proc_terminate(pid, 2000);
        if (f)
            fclose(f);
        free(cp);
        free(pf);
    }

    /* Their processes gone, the servers' CPU groups go. */
    lab_remove_cgroups(ctx);
    struct strbuf cmds;
    strbuf_init(&cmds);
    for (size_t i = 0; i < ns.n; i++)
        if (netns_exists(ns.v[i]))
            strbuf_printf(&cmds, "netns del %s\n", ns.v[i]);
    if (cmds.len) {
        const char *argv[] = {"ip", "-force", "-batch", "-", NULL};
        proc_run_logged("lab", argv, cmds.s);
    }
    strbuf_free(&cmds);
    for (size_t i = 0; i < etc.n; i++)
        rm_tree(etc.v[i]);
    /* /etc/netns itself if the lab made it and no one else uses it now. */
    if (json_is_true(json_object_get(ctx->state, "made_etc_netns")))
        rmdir("/etc/netns");
    rm_tree(ctx->dir);

    /* Say what could not be removed, if anything. */
    int left = 0;
    for (size_t i = 0; i < ns.n; i++)
        if (netns_exists(ns.v[i])) {
            LOG_ERR_("namespace %s is still there", ns.v[i]);
            left++;
        }
    if (access(ctx->dir, F_OK) == 0) {
        LOG_ERR_("%s is still there", ctx->dir);
        left++;
    }
    names_free(&ns), names_free(&etc);
    return left ? -1 : 0;
}

int lab_down(const char *name, bool quiet)
{
    struct lab_ctx ctx;
    if (lab_ctx_open(&ctx, name))
        return 1;
    ctx.quiet = quiet;
    bool anything = lab_exists(&ctx) || netns_exists(name);
    if (!anything) {
        if (!quiet)
            fprintf(stderr, "minidc: lab %s is not up; nothing to remove\n", name);
        lab_ctx_close(&ctx);
        return 0;
    }
    double t0 = proc_now();
    int rc = lab_teardown(&ctx);
    if (!quiet) {
        if (rc == 0)
            fprintf(stderr,
                    "minidc: lab %s is down (%.2f s): no namespace, link, process or file of it "
                    "remains\n",
                    name, proc_now() - t0);
        else
            fprintf(
                stderr,
                "minidc: lab %s: some parts could not be removed (above); run `minidc lab down %s` "
                "again\n",
                name, name);
    }
    lab_ctx_close(&ctx);
    return rc ? 1 : 0;
}
