/* exp_scale: how minidc grows with the lab: trees of 8 to 64 servers (depth
 * 3, fanout 2, servers shared over the four leaves), each brought up with
 * minidcd, every pair of machines pinged, torn down; per size and run the
 * times, minidcd's memory and the flows on the switches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp/exp_priv.h"
#include "topo/topo.h"
#include "util/proc.h"
#include "util/xalloc.h"

/* minidcd's resident memory in MiB (0 when unknown). */
static double controller_rss(const char *lab)
{
    char *pf = xasprintf("/run/minidc/labs/%s/minidcd.pid", lab);
    pid_t pid = proc_read_pidfile(pf);
    free(pf);
    char *st = xasprintf("/proc/%d/status", (int)pid);
    FILE *f = pid > 0 ? fopen(st, "r") : NULL;
    free(st);
    long kb = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (double)kb / 1024.0;
}

/* The flows on each of the lab's switches: total and largest table. */
static int count_flows(struct exp *e, const char *lab, const char *sw, long *total, long *largest)
{
    const char *args[] = {"lab",
                          "exec",
                          "--lab",
                          lab,
                          sw,
                          "--",
                          "sh",
                          "-c",
                          "for b in $(ovs-vsctl list-br); do ovs-ofctl -O OpenFlow13 dump-flows $b "
                          "| grep -c cookie=; done",
                          NULL};
    struct strbuf out;
    strbuf_init(&out);
    int rc = exp_minidc(e, &out, 60000, args);
    *total = *largest = 0;
    for (char *s = out.s ? strtok(out.s, "\n") : NULL; s && rc == 0; s = strtok(NULL, "\n")) {
        long n = atol(s);
        *total += n;
        if (n > *largest)
            *largest = n;
    }
    strbuf_free(&out);
    return rc;
}

int exp_scale(struct exp *e)
{
    static const int full[] = {8, 16, 32, 64}, quick[] = {8, 16};
    const int *sizes = e->o.quick ? quick : full;
    size_t n_sizes = e->o.quick ? 2 : 4;
    int runs = e->o.runs ? e->o.runs : e->o.quick ? 1 : 3;
    char lab[16];
    snprintf(lab, sizeof lab, "xc%s", e->tag);
    json_t *cfg = json_object_get(e->r, "config"), *sz = json_array();
    for (size_t i = 0; i < n_sizes; i++)
        json_array_append_new(sz, json_integer(sizes[i]));
    json_object_set_new(cfg, "servers", sz);
    json_object_set_new(cfg, "runs", json_integer(runs));
    json_object_set_new(cfg, "tree", json_pack("{s:i, s:i}", "depth", 3, "fanout", 2));
    json_t *rows = json_array(), *topos = json_object();
    json_object_set_new(e->r, "scale", rows);
    json_object_set_new(e->r, "topologies", topos);
    e->steps = (int)n_sizes * runs;
    int rc = 0;
    for (int run = 0; run < runs && rc == 0; run++)
        for (size_t i = 0; i < n_sizes && rc == 0; i++) {
            struct topo_gen_tree g = {
                .depth = 3, .fanout = 2, .per_leaf = sizes[i] / 4, .name = "scale"};
            char *err = NULL, *yaml = topo_gen_tree(&g, &err);
            if (!yaml) {
                fprintf(stderr, "minidc experiment: %s\n", err);
                free(err);
                rc = 1;
                break;
            }
            struct diag_list dl;
            diag_list_init(&dl, "generated");
            struct topo *gt = topo_load_string("generated", yaml, &dl);
            diag_list_free(&dl);
            if (!gt) {
                fprintf(stderr,
                        "minidc experiment: the generated topology of %d servers does not load\n",
                        sizes[i]);
                free(yaml);
                rc = 1;
                break;
            }
            char sw[32] = "";
            for (size_t k = 0; k < gt->n_nodes && !sw[0]; k++)
                if (gt->nodes[k].kind == TOPO_SWITCH)
                    snprintf(sw, sizeof sw, "%s", gt->nodes[k].name);
            int n_sw = (int)topo_count(gt, TOPO_SWITCH), n_srv = (int)topo_count(gt, TOPO_SERVER);
            topo_free(gt);
            char key[16];
            snprintf(key, sizeof key, "%d", sizes[i]);
            json_object_set_new(topos, key, json_string(yaml));
            char *file = xasprintf("/tmp/minidc-scale-%s-%d.yaml", e->tag, sizes[i]);
            FILE *f = fopen(file, "w");
            if (!f || fputs(yaml, f) < 0 || fclose(f)) {
                fprintf(stderr, "minidc experiment: cannot write %s\n", file);
                rc = 1;
            }
            free(yaml);
            double t = proc_now();
            if (rc == 0)
                rc = exp_lab_up(e, lab, file, false);
            double up = proc_now() - t, rss = controller_rss(lab);
            json_t *ping = NULL;
            long flows = 0, largest = 0;
            double reach = 0;
            if (rc == 0) {
                /* Exit status 1 is pairs not answering: a result, kept. */
                const char *argv[] = {e->self, "lab", "pingall", "--lab", lab, "--json", NULL};
                struct strbuf out;
                strbuf_init(&out);
                t = proc_now();
                int st = exp_sh(e, &out, 600000, true, argv);
                ping = st == 0 || st == 1 ? json_loads(out.s ? out.s : "", 0, NULL) : NULL;
                strbuf_free(&out);
                if (!ping)
                    fprintf(stderr, "minidc experiment: lab pingall failed (exit %d)\n", st);
                reach = json_is_number(json_object_get(ping, "seconds"))
                            ? json_number_value(json_object_get(ping, "seconds"))
                            : proc_now() - t;
                rc = ping ? count_flows(e, lab, sw, &flows, &largest) : 1;
            }
            t = proc_now();
            exp_lab_down(e, lab);
            double down = proc_now() - t;
            unlink(file);
            free(file);
            if (rc)
                break;
            json_int_t pairs = json_integer_value(json_object_get(ping, "sent"));
            json_int_t got = json_integer_value(json_object_get(ping, "received"));
            json_int_t first = json_integer_value(json_object_get(ping, "first_try"));
            json_t *missed = json_array(), *pr;
            size_t pi;
            json_array_foreach(json_object_get(ping, "pairs"), pi, pr)
                if (!json_is_true(json_object_get(pr, "reached")))
                    json_array_append_new(missed, json_pack("[O, O]", json_object_get(pr, "from"),
                                                            json_object_get(pr, "to")));
            json_decref(ping);
            json_array_append_new(
                rows, json_pack("{s:i, s:i, s:i, s:f, s:f, s:I, s:I, s:I, s:o, s:f, s:I, s:I, s:f}",
                                "servers", n_srv, "switches", n_sw, "run", run + 1, "lab_up_s", up,
                                "pingall_s", reach, "pairs", pairs, "answered", got,
                                "answered_first_try", first, "unanswered", missed,
                                "controller_rss_mib", rss, "flows_total", (json_int_t)flows,
                                "flows_largest_switch", (json_int_t)largest, "lab_down_s", down));
            exp_progress(e, true,
                         "run %d: %d servers: up %.1f s, %lld/%lld pairs in %.1f s, minidcd %.1f "
                         "MiB, %ld flows, down %.1f s",
                         run + 1, sizes[i], up, (long long)got, (long long)pairs, reach, rss, flows,
                         down);
        }
    return rc ? 1 : 0;
}
