/* The lab's capacities: each server's CPU (a cgroup its agent puts its VMs'
 * QEMUs under, limited to servers[].cpu) and each link's bandwidth, delay
 * and loss (qdiscs on both ends of its veth pair, so both directions).
 * What this machine cannot do is refused before anything is made, at the
 * key that asks for it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_priv.h"
#include "util/cgroup.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

LOG_MODULE("lab");

/* Whether this kernel has the netem qdisc: tried on the loopback of a
 * network namespace made for the probe alone (it goes with the child). */
static bool netem_works(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) < 0)
            _exit(126);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1), dup2(null, 2);
        execlp("tc", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms", NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int lab_capacity_check(const struct topo *t, struct diag_list *dl)
{
    size_t before = dl->n;
    bool asks_netem = false;
    for (size_t i = 0; i < t->n_links && !asks_netem; i++)
        asks_netem = t->links[i].props.delay_ms > 0 || t->links[i].props.loss_pct > 0;
    if (asks_netem && !netem_works()) {
        /* Each value once: a default is reported where it is written. */
        for (size_t i = 0; i < t->n_links; i++) {
            const struct topo_link_props *p = &t->links[i].props;
            const struct {
                bool asked;
                struct diag_pos pos;
                const char *key;
            } k[] = {{p->delay_ms > 0, p->delay_pos, "delay"},
                     {p->loss_pct > 0, p->loss_pos, "loss"}};
            for (size_t j = 0; j < 2; j++) {
                if (!k[j].asked)
                    continue;
                bool seen = false;
                for (size_t d = before; d < dl->n && !seen; d++)
                    seen = dl->items[d].pos.line == k[j].pos.line &&
                           dl->items[d].pos.column == k[j].pos.column;
                if (!seen)
                    diag_add(dl, k[j].pos,
                             "link %s: this machine's kernel has no sch_netem (the netem qdisc), "
                             "so the lab cannot add %s; remove the key or use a kernel with "
                             "netem",
                             k[j].key, k[j].key);
            }
        }
    }
    char root[PATH_MAX], why[512];
    bool v2;
    bool cgroups = cgroup_cpu_root(root, sizeof root, &v2, why, sizeof why) == 0;
    for (size_t i = 0; i < t->n_nodes && !cgroups; i++)
        if (t->nodes[i].kind == TOPO_SERVER && t->nodes[i].cpu > 0)
            diag_add(dl, t->nodes[i].cpu_pos, "server %s cpu: cannot limit CPU on this machine: %s",
                     t->nodes[i].name, why);
    return dl->n > before ? -1 : 0;
}

/* ---- CPU groups ---- */

/* The lab's group: ROOT/minidc/LAB, as recorded. */
static const char *lab_group(const struct lab_ctx *ctx, bool *v2)
{
    *v2 = json_is_true(json_object_get(ctx->state, "cgroup_v2"));
    return lab_state_str(ctx, "cgroup");
}

char *lab_server_cgroup(const struct lab_ctx *ctx, const char *server)
{
    bool v2;
    const char *g = lab_group(ctx, &v2);
    return g ? xasprintf("%s/%s", g, server) : NULL;
}

int lab_step_cgroups(struct lab_ctx *ctx, char **detail)
{
    char root[PATH_MAX], why[512], mid[PATH_MAX], lab[PATH_MAX], srv[PATH_MAX];
    bool v2;
    if (cgroup_cpu_root(root, sizeof root, &v2, why, sizeof why) < 0) {
        /* lab_capacity_check() refused a file that needs them. */
        *detail = xasprintf("none (%s: VMs cannot be given a CPU share)", why);
        return 0;
    }
    /* The agents run under `ip netns exec`, whose /sys has no cgroups:
     * they reach theirs through RUN/cgroup. */
    char *at = xasprintf("%s/cgroup", lab_run_root());
    int rc = lab_state_set(ctx, "cgroup_mount", at) ? -EIO : cgroup_mount_at(at, root);
    const char *what = "bind the cgroup hierarchy to";
    if (!rc) {
        what = "make the CPU groups under";
        rc = cgroup_make(at, v2, "minidc", mid, sizeof mid);
    }
    if (!rc) {
        snprintf(lab, sizeof lab, "%s/%s", mid, ctx->name);
        json_object_set_new(ctx->state, "cgroup_v2", json_boolean(v2));
        rc = lab_state_set(ctx, "cgroup", lab) ? -EIO
                                               : cgroup_make(mid, v2, ctx->name, lab, sizeof lab);
    }
    size_t n = 0, limited = 0;
    for (size_t i = 0; i < ctx->t->n_nodes && !rc; i++) {
        const struct topo_node *s = &ctx->t->nodes[i];
        if (s->kind != TOPO_SERVER)
            continue;
        rc = cgroup_make(lab, v2, s->name, srv, sizeof srv);
        if (!rc)
            rc = cgroup_set_limit(srv, v2, s->cpu);
        n++;
        limited += s->cpu > 0;
    }
    if (rc < 0) {
        LOG_ERR_("cannot %s %s (the cgroup hierarchy at %s): %s", what, at, root, strerror(-rc));
        free(at);
        return -1;
    }
    *detail = xasprintf("%zu, %zu limited (cgroup v%d at %s)", n, limited, v2 ? 2 : 1, root);
    free(at);
    return 0;
}

void lab_remove_cgroups(struct lab_ctx *ctx)
{
    bool v2;
    const char *g = lab_group(ctx, &v2), *at = lab_state_str(ctx, "cgroup_mount");
    if (g) {
        int rc = cgroup_remove_wait(g, 5000);
        if (rc < 0)
            LOG_WRN("cannot remove the CPU groups %s: %s", g, strerror(-rc));
    }
    if (!at)
        return;
    /* minidc/ and the binding go with the last lab. */
    char *mid = xasprintf("%s/minidc", at);
    if (rmdir(mid) == 0 || errno == ENOENT) {
        int rc = cgroup_unmount(at);
        if (rc < 0)
            LOG_WRN("cannot unmount %s: %s", at, strerror(-rc));
    } else if (errno != ENOTEMPTY && errno != EBUSY) {
        LOG_WRN("cannot remove %s: %s", mid, strerror(errno));
    }
    free(mid);
}

/* ---- link shaping ---- */

void lab_link_qdiscs(struct strbuf *cmds, const char *dev, const struct topo_link_props *p)
{
    bool netem = p->delay_ms > 0 || p->loss_pct > 0;
    char netem_args[96] = "";
    if (netem)
        snprintf(netem_args, sizeof netem_args, "netem delay %.3fms loss %.4f%%", p->delay_ms,
                 p->loss_pct);
    if (p->bandwidth_mbit > 0) {
        /* A bucket of 2 ms at the rate, at least ten full frames, and a
         * queue of 50 ms: a link, not a drop-everything policer. */
        double bytes_s = p->bandwidth_mbit * 1e6 / 8;
        long burst = (long)(bytes_s * 0.002);
        if (burst < 15140)
            burst = 15140;
        strbuf_printf(
            cmds, "qdisc replace dev %s root handle 1: tbf rate %.0fbit burst %ld latency 50ms\n",
            dev, p->bandwidth_mbit * 1e6, burst);
        if (netem)
            strbuf_printf(cmds, "qdisc replace dev %s parent 1:1 handle 10: %s\n", dev, netem_args);
    } else if (netem) {
        strbuf_printf(cmds, "qdisc replace dev %s root handle 1: %s\n", dev, netem_args);
    }
}

/* Runs tc's batch 'cmds' in namespace 'ns'. */
static int tc_batch(const char *ns, const char *cmds)
{
    const char *argv[] = {"tc", "-n", ns, "-batch", "-", NULL};
    struct strbuf err;
    strbuf_init(&err);
    int rc = proc_run(argv, &(struct proc_opts){.input = cmds, .err = &err, .timeout_ms = 30000});
    if (rc)
        LOG_ERR_("tc in namespace %s failed: %s", ns, err.len ? err.s : "(no message)");
    strbuf_free(&err);
    return rc ? -1 : 0;
}

int lab_step_shaping(struct lab_ctx *ctx, char **detail)
{
    const struct topo *t = ctx->t;
    struct strbuf fab;
    strbuf_init(&fab);
    size_t shaped = 0;
    int rc = 0;
    for (size_t i = 0; i < t->n_links && !rc; i++) {
        const struct topo_link *l = &t->links[i];
        const struct topo_link_props *p = &l->props;
        if (!(p->bandwidth_mbit > 0 || p->delay_ms > 0 || p->loss_pct > 0))
            continue;
        for (int e = 0; e < 2 && !rc; e++) {
            const struct topo_node *n = &t->nodes[e ? l->b : l->a];
            if (n->kind == TOPO_SWITCH) {
                char *pn = lab_port_name(n, e ? l->b_port : l->a_port);
                lab_link_qdiscs(&fab, pn, p);
                free(pn);
            } else {
                struct strbuf one;
                strbuf_init(&one);
                lab_link_qdiscs(&one, "eth0", p);
                char *ns = lab_node_ns(ctx, n);
                rc = tc_batch(ns, one.s);
                free(ns);
                strbuf_free(&one);
            }
        }
        shaped++;
    }
    if (!rc && fab.len)
        rc = tc_batch(ctx->name, fab.s);
    strbuf_free(&fab);
    if (!rc)
        *detail = shaped ? xasprintf("%zu links", shaped) : xstrdup("none asked for");
    return rc;
}
