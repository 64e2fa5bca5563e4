/* `minidc lab pingall`: the lab's reachability check, like Mininet's pingall.
 *
 * Every ordered pair of servers and hosts that should reach each other is
 * pinged from the source's namespace, several pings in flight at once.  A
 * pair whose one ping got no answer is asked again once the others are done:
 * under the load of thousands of pings the userspace datapath drops a packet
 * now and then, which is not unreachability.  Unreachable: no answer twice. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lab/lab.h"
#include "lab/lab_priv.h"
#include "util/log.h"
#include "util/netns.h"
#include "util/proc.h"
#include "util/xalloc.h"

LOG_MODULE("lab");

#define PING_PARALLEL 16

struct pair {
    size_t from, to;
    pid_t pid;
    bool reached;
    bool again; /* asked a second time */
};

/* Pings the pairs not reached yet, PING_PARALLEL at once; 'again' marks
 * them as asked a second time.  Returns how many answered. */
static size_t ping_pass(struct lab_ctx *ctx, struct pair *pairs, size_t n, bool again)
{
    const struct topo *t = ctx->t;
    size_t next = 0, running = 0, got = 0;
    while (next < n || running > 0) {
        while (next < n && running < PING_PARALLEL) {
            struct pair *p = &pairs[next++];
            if (p->reached)
                continue;
            p->again = again;
            char *ns = lab_node_ns(ctx, &t->nodes[p->from]);
            char addr[16];
            topo_ip_str(t->nodes[p->to].addr, addr);
            const char *argv[] = {"ping", "-n", "-q", "-c", "1", "-W", "2", addr, NULL};
            p->pid = netns_spawn(ns, argv);
            free(ns);
            if (p->pid > 0)
                running++;
        }
        if (!running)
            break;
        int status;
        pid_t pid = wait(&status);
        if (pid <= 0)
            break;
        for (size_t i = 0; i < next; i++)
            if (pairs[i].pid == pid) {
                pairs[i].reached = WIFEXITED(status) && WEXITSTATUS(status) == 0;
                got += pairs[i].reached;
                pairs[i].pid = 0;
                running--;
            }
    }
    return got;
}

int lab_pingall(const char *name, bool all_pairs, bool json)
{
    struct lab_ctx ctx;
    if (lab_ctx_open(&ctx, name))
        return 1;
    if (!lab_exists(&ctx) || !ctx.t) {
        LOG_ERR_("lab %s is not up", name);
        lab_ctx_close(&ctx);
        return 1;
    }
    const struct topo *t = ctx.t;
    const char *mode = lab_state_str(&ctx, "mode");
    bool same_subnet_only = !all_pairs && mode && !strcmp(mode, "standalone");
    struct pair *pairs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        for (size_t j = 0; j < t->n_nodes; j++) {
            const struct topo_node *a = &t->nodes[i], *b = &t->nodes[j];
            if (i == j || a->kind == TOPO_SWITCH || b->kind == TOPO_SWITCH)
                continue;
            if (same_subnet_only && a->subnet != b->subnet)
                continue;
            xgrow(&pairs, &cap, n + 1, sizeof *pairs);
            pairs[n++] = (struct pair){.from = i, .to = j};
        }
    if (!json)
        printf("*** Ping: testing reachability of %zu pairs (%s)\n", n,
               same_subnet_only
                   ? "standalone switches: pairs in the same subnet; routing between subnets is "
                     "the controller's"
                   : "every pair");
    double t0 = proc_now();
    size_t first = ping_pass(&ctx, pairs, n, false);
    size_t received = first + (first < n ? ping_pass(&ctx, pairs, n, true) : 0);
    double took = proc_now() - t0;
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:b}", "from",
                                                 t->nodes[pairs[i].from].name, "to",
                                                 t->nodes[pairs[i].to].name, "reached",
                                                 pairs[i].reached, "asked_twice", pairs[i].again));
        json_t *o =
            json_pack("{s:s, s:b, s:i, s:i, s:i, s:o, s:f}", "lab", name, "same_subnet_only",
                      same_subnet_only, "sent", (int)n, "received", (int)received, "first_try",
                      (int)first, "pairs", arr, "seconds", took);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
    } else {
        size_t i = 0;
        while (i < n) {
            size_t from = pairs[i].from;
            printf("%s ->", t->nodes[from].name);
            for (; i < n && pairs[i].from == from; i++)
                printf(" %s", pairs[i].reached ? t->nodes[pairs[i].to].name : "X");
            putchar('\n');
        }
        printf("*** Results: %.0f%% dropped (%zu/%zu received) in %.2f s",
               n ? 100.0 * (double)(n - received) / (double)n : 0.0, received, n, took);
        if (first < n)
            printf("; %zu answered only when asked again", received - first);
        putchar('\n');
    }
    free(pairs);
    lab_ctx_close(&ctx);
    return received == n ? 0 : 1;
}
