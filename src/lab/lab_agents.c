/* The lab's agents: one minidc-agent in every server's namespace, listening
 * on the server's management address, with the token minidcd also reads
 * (agent.token).  minidcd's own API has another token (api.token), which
 * the agents never get: a server holding the agents' token cannot drive
 * minidcd.
 * The guest image directory stands for the NFS share of the paper: every
 * server's VMs boot from the same base image in it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/lab_priv.h"
#include "agentproto/agent_proto.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/token.h"
#include "util/xalloc.h"
#include "vm/qemu.h"

LOG_MODULE("lab");

char *lab_guest_dir(void)
{
    const char *env = getenv("MINIDC_GUEST_DIR");
    if (env && *env)
        return xstrdup(env);
    char *dir = proc_self_dir();
    char *p = xasprintf("%s/guest", dir ? dir : ".");
    free(dir);
    return p;
}

char *lab_token_path(const struct lab_ctx *ctx)
{
    return xasprintf("%s/agent.token", ctx->dir);
}

char *lab_api_token_path(const struct lab_ctx *ctx)
{
    return xasprintf("%s/api.token", ctx->dir);
}

/* Makes the token of 'path' unless it has one. */
static int make_token(char *path, const char *what)
{
    int rc = token_make_file(path);
    if (rc < 0)
        LOG_ERR_("cannot write %s %s: %s", what, path, strerror(-rc));
    free(path);
    return rc < 0 ? -1 : 0;
}

int lab_make_token(const struct lab_ctx *ctx)
{
    return make_token(lab_token_path(ctx), "the agents' token");
}

int lab_make_api_token(const struct lab_ctx *ctx)
{
    return make_token(lab_api_token_path(ctx), "the API token");
}

/* kvm or tcg: $MINIDC_ACCEL, else a probe of this machine's KVM with the
 * guest kernel, remembered in RUN/accel (a KVM that hangs costs seconds). */
static const char *lab_accel(const char *image_dir)
{
    const char *env = getenv("MINIDC_ACCEL");
    if (env && (!strcmp(env, "kvm") || !strcmp(env, "tcg")))
        return env;
    char *kernel = xasprintf("%s/vmlinuz", image_dir),
         *cache = xasprintf("%s/accel", lab_run_root());
    struct stat st;
    const char *accel = "tcg";
    if (stat(kernel, &st) == 0) {
        char want[512], line[512] = "";
        snprintf(want, sizeof want, "%s %lld", kernel, (long long)st.st_mtime);
        FILE *f = fopen(cache, "r");
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = '\0';
            fclose(f);
        }
        size_t n = strlen(want);
        if (!strncmp(line, want, n) && line[n] == ' ') {
            accel = strncmp(line + n + 1, "kvm", 3) ? "tcg" : "kvm";
        } else {
            accel = qemu_kvm_works(image_dir, 3000) ? "kvm" : "tcg";
            if ((f = fopen(cache, "w"))) {
                fprintf(f, "%s %s\n", want, accel);
                fclose(f);
            }
        }
    }
    free(kernel);
    free(cache);
    return accel;
}

static char *agent_file(const struct lab_ctx *ctx, const char *server, const char *ext)
{
    return xasprintf("%s/agents/%s%s", ctx->dir, server, ext);
}

bool lab_agent_running(const struct lab_ctx *ctx, const char *server)
{
    char *pf = agent_file(ctx, server, ".pid");
    bool up = proc_alive(proc_read_pidfile(pf));
    free(pf);
    return up;
}

/* Starts the agents of the servers that have none running; waits until each
 * listens (its pidfile is written after it binds). */
int lab_start_agents(struct lab_ctx *ctx, char **detail)
{
    const struct topo *t = ctx->t;
    char *agents = xasprintf("%s/agents", ctx->dir);
    if (mkdir(agents, 0700) < 0 && errno != EEXIST) {
        LOG_ERR_("cannot create %s: %s", agents, strerror(errno));
        free(agents);
        return -1;
    }
    free(agents);
    if (lab_make_token(ctx))
        return -1;
    char *bin = proc_sibling("minidc-agent"), *image = lab_guest_dir(),
         *token = lab_token_path(ctx);
    const char *accel = NULL;
    size_t n = 0, started = 0;
    pid_t *children = xcalloc(t->n_nodes, sizeof *children);
    int rc = 0;
    for (size_t i = 0; i < t->n_nodes && !rc; i++) {
        const struct topo_node *s = &t->nodes[i];
        if (s->kind != TOPO_SERVER)
            continue;
        n++;
        if (lab_agent_running(ctx, s->name))
            continue;
        if (!accel)
            accel = lab_accel(image);
        char a[16], d[16], mem[16];
        /* On its management address, at the port minidcd asks by default. */
        char *ns = lab_node_ns(ctx, s),
             *listen = xasprintf("%s:%u", topo_ip_str(s->mgmt, a), AGENT_PROTO_PORT),
             *dir = agent_file(ctx, s->name, ""), *pid = agent_file(ctx, s->name, ".pid"),
             *log = agent_file(ctx, s->name, ".log");
        snprintf(mem, sizeof mem, "%u", s->memory_mib);
        /* Optional options, each one word, none missing from the middle. */
        char *cg = lab_server_cgroup(ctx, s->name),
             *opt_mem = s->memory_mib ? xasprintf("--memory=%s", mem) : NULL,
             *opt_cg = cg ? xasprintf("--cgroup=%s", cg) : NULL;
        const char *opt1 = opt_mem ? opt_mem : opt_cg, *opt2 = opt_mem ? opt_cg : NULL;
        const char *argv[] = {"ip",
                              "netns",
                              "exec",
                              ns,
                              bin,
                              "--server",
                              s->name,
                              "--listen",
                              listen,
                              "--dir",
                              dir,
                              "--image-dir",
                              image,
                              "--data-addr",
                              topo_ip_str(s->addr, d),
                              "--token-file",
                              token,
                              "--accel",
                              accel,
                              "--pidfile",
                              pid,
                              "--log-file",
                              log,
                              opt1,
                              opt2,
                              NULL};
        unlink(pid);
        children[i] = proc_spawn(argv);
        if (children[i] < 0) {
            LOG_ERR_("cannot start the agent of %s", s->name);
            rc = -1;
        }
        started++;
        free(ns), free(listen), free(dir), free(pid), free(log), free(cg), free(opt_mem),
            free(opt_cg);
    }
    /* Wait for every agent started to listen. */
    double end = proc_now() + 15.0;
    for (size_t i = 0; i < t->n_nodes && !rc; i++) {
        if (children[i] <= 0)
            continue;
        const char *name = t->nodes[i].name;
        while (!lab_agent_running(ctx, name)) {
            if (!proc_alive(children[i]) || proc_now() > end) {
                LOG_ERR_("the agent of %s did not start; see %s/agents/%s.log", name, ctx->dir,
                         name);
                rc = -1;
                break;
            }
            usleep(10000);
        }
    }
    if (!rc && detail)
        *detail =
            xasprintf("%zu of %zu started, %s, guest image %s%s", started, n, accel ? accel : "-",
                      image, access(image, F_OK) ? " (missing: run guest/build)" : "");
    free(children);
    free(bin), free(image), free(token);
    return rc;
}
