/* exp_controller: the OpenFlow controller alone, as cbench measures one:
 * ofbench's emulated switches send packet-ins for new MAC pairs to minidcd
 * (its reactive learning switch, --app l2) and to Open vSwitch's
 * ovs-testcontroller, both on this machine, runs interleaved in an order
 * drawn from the seed; throughput (responses per second with many in
 * flight) and latency (one at a time, responses per second), for OpenFlow
 * 1.0 and 1.3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp/exp_priv.h"
#include "util/netns.h"
#include "util/proc.h"
#include "util/token.h"
#include "util/xalloc.h"

#define MINIDCD_OF "127.0.0.1:26653"
#define MINIDCD_API "127.0.0.1:28080"
#define OTC_PORT 26654

/* Waits until something listens on 127.0.0.1:'port' while 'pid' lives. */
static bool listening(int port, pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        if (!proc_alive(pid))
            return false;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return true;
        usleep(50000);
    }
    return false;
}

/* The row of 'rows' for controller 'ctl' in 'mode' over OpenFlow 'of', made
 * when there is none. */
static json_t *row_for(json_t *rows, const char *ctl, const char *mode, const char *of,
                       int switches)
{
    json_t *r;
    size_t j;
    json_array_foreach(rows, j, r)
        if (!strcmp(json_string_value(json_object_get(r, "controller")), ctl) &&
            !strcmp(json_string_value(json_object_get(r, "mode")), mode) &&
            !strcmp(json_string_value(json_object_get(r, "of")), of))
            return r;
    r = json_pack("{s:s, s:s, s:s, s:i, s:[]}", "controller", ctl, "mode", mode, "of", of,
                  "switches", switches, "per_second");
    json_array_append_new(rows, r);
    return r;
}

/* One cell of one run: ofbench against the controller at 'port'
 * (what[] = mode, OpenFlow version, controller); its figure joins the
 * cell's row.  -1 when ofbench gave none. */
static int measure(struct exp *e, json_t *rows, const char *ofbench, const char *what[3], int port,
                   int switches, int secs, int run)
{
    const char *mode = what[0], *of = what[1], *ctl = what[2];
    char target[32], sw[16], du[16];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    snprintf(sw, sizeof sw, "%d", switches);
    snprintf(du, sizeof du, "%d", secs);
    const char *argv[] = {ofbench,      "--json", "--mode",     mode, "--of", of,
                          "--switches", sw,       "--duration", du,   target, NULL};
    json_t *out = exp_sh_json(e, (secs + 30) * 1000, argv);
    json_t *ps = json_object_get(out, "per_second");
    if (!json_is_number(ps)) {
        fprintf(stderr, "minidc experiment: ofbench against %s gave no figure\n", ctl);
        json_decref(out);
        return -1;
    }
    json_array_append_new(json_object_get(row_for(rows, ctl, mode, of, switches), "per_second"),
                          json_real(json_number_value(ps)));
    exp_progress(e, true, "run %d: %-18s %-10s OpenFlow %s: %.0f/s", run + 1, ctl, mode, of,
                 json_number_value(ps));
    json_decref(out);
    return 0;
}

int exp_controller(struct exp *e)
{
    int runs = e->o.runs ? e->o.runs : e->o.quick ? 1 : 5;
    int secs = e->o.seconds > 0 ? (int)(e->o.seconds + 0.5) : e->o.quick ? 1 : 5;
    int switches = e->o.quick ? 4 : 16;
    if (secs < 1)
        secs = 1;
    char *ofbench = proc_sibling("ofbench"), *minidcd = proc_sibling("minidcd");
    char *dir = xasprintf("/tmp/minidc-exp-%s", e->tag);
    char *log = xasprintf("%s/minidcd.log", dir), *rundir = xasprintf("OVS_RUNDIR=%s", dir);
    char *token = xasprintf("%s/api.token", dir), *tokopt = xasprintf("--api-token-file=%s", token);
    char *otc_listen = xasprintf("ptcp:%d:127.0.0.1", OTC_PORT);
    json_t *cfg = json_object_get(e->r, "config");
    json_object_set_new(cfg, "runs", json_integer(runs));
    json_object_set_new(cfg, "seconds", json_integer(secs));
    json_object_set_new(cfg, "switches", json_integer(switches));
    json_object_set_new(cfg, "topology_for_minidcd", json_string(e->o.lab_file));
    json_object_set_new(
        cfg, "order",
        json_string("each run measures every cell once, in an order drawn from the seed"));
    json_t *rows = json_array();
    json_object_set_new(e->r, "controller", rows);
    int rc = 0, saved = -1;
    pid_t d = -1, o = -1;
    /* minidcd polls the agents at the topology's management addresses: out
     * of a lab they are no one's here, so the controllers and ofbench run in
     * a namespace of their own with only loopback, where nothing leaves the
     * machine. */
    int ns = netns_enter_private(&saved);
    if (ns < 0) {
        fprintf(stderr, "minidc experiment: cannot make a network namespace of its own: %s\n",
                strerror(-ns));
        rc = 1;
    }
    if (rc == 0 &&
        ((mkdir(dir, 0700) < 0 && access(dir, W_OK) != 0) || token_make_file(token) < 0)) {
        fprintf(stderr, "minidc experiment: cannot make %s or its API token\n", dir);
        rc = 1;
    }
    const char *dargv[] = {minidcd,      "--topology", e->o.lab_file, "--openflow", MINIDCD_OF,
                           "--api",      MINIDCD_API,  tokopt,        "--app",      "l2",
                           "--log-file", log,          NULL};
    const char *oargv[] = {"env", rundir, "ovs-testcontroller", otc_listen, "--no-chdir", NULL};
    if (rc == 0) {
        exp_record(e, dargv);
        exp_record(e, oargv);
        d = proc_spawn(dargv);
        o = proc_spawn(oargv);
        if (d < 0 || !listening(26653, d)) {
            fprintf(stderr, "minidc experiment: minidcd did not start (see %s)\n", log);
            rc = 1;
        } else if (o < 0 || !listening(OTC_PORT, o)) {
            fprintf(stderr, "minidc experiment: ovs-testcontroller did not start (is "
                            "openvswitch-testcontroller "
                            "installed?)\n");
            rc = 1;
        }
    }
    static const char *const modes[] = {"throughput", "latency"}, *const ofs[] = {"1.0", "1.3"},
                             *const ctls[] = {"minidcd", "ovs-testcontroller"};
    size_t order[8];
    e->steps = runs * 8;
    for (int run = 0; run < runs && rc == 0; run++) {
        for (size_t i = 0; i < 8; i++)
            order[i] = i;
        exp_shuffle(e, order, 8);
        for (size_t k = 0; k < 8 && rc == 0; k++) {
            size_t i = order[k];
            const char *mode = modes[i / 4], *of = ofs[i / 2 % 2], *ctl = ctls[i % 2];
            if (measure(e, rows, ofbench, (const char *[]){mode, of, ctl}, i % 2 ? OTC_PORT : 26653,
                        switches, secs, run) < 0)
                rc = 1;
        }
    }
    if (d > 0)
        proc_terminate(d, 2000);
    if (o > 0)
        proc_terminate(o, 2000);
    if (ns == 0)
        netns_leave(saved);
    if (rc && access(log, R_OK) == 0)
        fprintf(stderr, "minidc experiment: minidcd's log is kept in %s\n", log);
    else
        unlink(log);
    char *pid = xasprintf("%s/ovs-testcontroller.pid", dir);
    unlink(pid);
    unlink(token);
    free(pid);
    if (rc == 0)
        rmdir(dir);
    free(ofbench), free(minidcd), free(dir), free(log), free(rundir), free(otc_listen), free(token),
        free(tokopt);
    return rc ? 1 : 0;
}
