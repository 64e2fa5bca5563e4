/* VMs and metrics, through minidcd's API:
 *   minidc vm boot NAME --on SERVER [--memory MIB] [--cpus N] [--cpu-share CPUS]
 *   minidc vm list
 *   minidc vm migrate NAME --to SERVER
 *   minidc vm clone NAME --to SERVER [--as NEW]
 *   minidc vm stop NAME [--force]
 *   minidc vm exec NAME [--timeout S] -- CMD [ARG...]
 *   minidc vm load NAME (--cpu PERCENT [--memory MIB] | --trace FILE [--interval S] | --stop)
 *     (its options and printing: cmd_vm_load.c)
 *   minidc metrics
 *   minidc events [--since ID] [--count N]
 * each with [--lab NAME | --api ADDR:PORT] [--token-file FILE] [--api-ca FILE] [--json] [--quiet].
 * Operations run in minidcd; the command follows one, printing each phase as
 * it ends, until it is done. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/api_client.h"
#include "cli/cmd.h"
#include "cli/cmd_vm_load.h"
#include "util/http.h"
#include "util/strbuf.h"

struct vm_opts {
    struct api_where where;
    const char *on, *to, *as;
    long memory, cpus, timeout;
    double cpu_share; /* 0: not given */
    bool json, quiet, force, balance, verify;
};

static void vm_usage(FILE *f)
{
    fprintf(f, "usage: minidc vm boot NAME --on SERVER [--memory MIB] [--cpus N] [--cpu-share "
               "CPUS]\n"
               "       minidc vm list\n"
               "       minidc vm migrate NAME --to SERVER [--verify-memory]\n"
               "       minidc vm clone NAME --to SERVER [--as NEW] [--balance] [--verify-memory]\n"
               "       minidc vm stop NAME [--force]\n"
               "       minidc vm exec NAME [--timeout SECONDS] -- COMMAND [ARG...]\n"
               "       minidc vm load NAME (--cpu PERCENT [--memory MIB] | --trace FILE\n"
               "                            [--interval SECONDS] | --stop)\n"
               "  each with " API_TARGET_USAGE " [--json] [--quiet]\n\n"
               "Boots, lists, live-migrates, clones and stops VMs through minidcd, which has\n"
               "the servers' agents do it.  boot gives the VM the next free address of the\n"
               "server's subnet (default 128 MiB, 1 CPU).  --cpu-share: the host CPUs it is\n"
               "allocated (e.g. 0.15), at most what it uses, and its weight when its server\n"
               "is saturated; without it a VM may use what its vCPUs can and counts them as\n"
               "its allocation.  migrate keeps the VM's address and\n"
               "MAC within a subnet; its disk (overlay) and memory move over the data network.\n"
               "Across subnets it gets an address there and keeps its home address (its first)\n"
               "for clients: the network rewrites it.  list shows each VM's current address;\n"
               "--json also its home address (current_address, home_address).\n"
               "clone makes an independent copy on SERVER with its own name (default\n"
               "NAME-c1), MAC and address; the source runs on; --balance makes the switch that\n"
               "joins their networks spread the clients of NAME's address over both (more\n"
               "clones add replicas; stopping one removes it).  stop removes the VM and\n"
               "everything of it (--force: without asking the guest to sync its disk first).\n"
               "--verify-memory compares the guest's memory on both sides, page by page,\n"
               "before the copy runs (a copy that differs is not used; costs a dump of the\n"
               "guest's memory on each side).\n"
               "exec runs a command in the guest through its guest agent, prints what it\n"
               "wrote and exits with its status.  load has the guest hold a CPU utilisation,\n"
               "constant or following a trace, and keep memory dirty (minidc vm load --help).\n"
               "Phases are printed as they end (--quiet: not); --json prints the whole\n"
               "operation at the end.\n");
}

static void metrics_usage(FILE *f)
{
    fprintf(f, "usage: minidc metrics " API_TARGET_USAGE " [--json]\n\n"
               "Prints each server's and each VM's resource use, as minidcd last polled the\n"
               "agents: CPU, memory, network and disk.  minidcd also serves them for\n"
               "Prometheus at /metrics.\n");
}

static int parse_vm_opts(int argc, char **argv, struct vm_opts *o, void (*usage)(FILE *))
{
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"on", required_argument, NULL, 'o'},
        {"to", required_argument, NULL, 't'},
        {"as", required_argument, NULL, 's'},
        {"memory", required_argument, NULL, 'm'},
        {"cpus", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 'T'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"balance", no_argument, NULL, 'B'},
        {"verify-memory", no_argument, NULL, 'V'},
        {"cpu-share", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    /* Options may come anywhere before "--"; exec's command comes after it. */
    while ((c = getopt_long(argc, argv, "l:a:jqfh", opts, NULL)) != -1) {
        char *end;
        if (api_where_option(&o->where, c, optarg))
            continue;
        switch (c) {
        case 'o':
            o->on = optarg;
            break;
        case 'S': {
            double d = strtod(optarg, &end);
            if (*end || end == optarg || !(d >= 0.01 && d <= 64)) {
                fprintf(stderr,
                        "minidc: --cpu-share takes a number of host CPUs from 0.01 to 64, not "
                        "'%s'\n",
                        optarg);
                return -2;
            }
            o->cpu_share = d;
            break;
        }
        case 't':
            o->to = optarg;
            break;
        case 's':
            o->as = optarg;
            break;
        case 'm':
        case 'c':
        case 'T': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1) {
                fprintf(stderr, "minidc: --%s takes a positive whole number, not '%s'\n",
                        c == 'm'   ? "memory"
                        : c == 'c' ? "cpus"
                                   : "timeout",
                        optarg);
                return -2;
            }
            *(c == 'm' ? &o->memory : c == 'c' ? &o->cpus : &o->timeout) = v;
            break;
        }
        case 'j':
            o->json = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'f':
            o->force = true;
            break;
        case 'B':
            o->balance = true;
            break;
        case 'V':
            o->verify = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return -2;
        }
    }
    return optind;
}

/* Follows operation 'id' to its end; prints phases as they end.  Returns the
 * final operation (caller decrefs) or NULL when minidcd went away. */
static json_t *follow(const struct api_target *t, json_int_t id, const char *title, bool quiet)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/operations/%lld", (long long)id);
    size_t shown = 0;
    if (!quiet)
        fprintf(stderr, "minidc: %s\n", title);
    for (int delay = 10;; delay = delay < 50 ? delay + 10 : 50) {
        json_t *o = api_get(t, path);
        if (!o)
            return NULL;
        json_t *phases = json_object_get(o, "phases");
        for (; shown < json_array_size(phases); shown++) {
            json_t *p = json_array_get(phases, shown);
            if (!quiet)
                fprintf(stderr, "  %-10s %7.3f s\n", json_string_value(json_object_get(p, "phase")),
                        json_real_value(json_object_get(p, "seconds")));
        }
        if (strcmp(json_string_value(json_object_get(o, "state")) ?: "", "running"))
            return o;
        json_decref(o);
        usleep((useconds_t)delay * 1000);
    }
}

/* Starts an operation with 'method path body' and follows it; 0 when it
 * succeeded, with the final operation in '*op'. */
static int run_op(const struct api_target *t, const char *method, const char *path, json_t *body,
                  const char *title, const struct vm_opts *o, json_t **op)
{
    json_t *r;
    *op = NULL;
    int st = api_call(t, method, path, body, &r);
    if (st < 0)
        return 1;
    if (st != 202) {
        const char *e = json_string_value(json_object_get(r, "error"));
        fprintf(stderr, "minidc: %s: %s\n", title, e ? e : "minidcd refused");
        json_decref(r);
        return 1;
    }
    json_int_t id = json_integer_value(json_object_get(r, "operation"));
    json_decref(r);
    *op = follow(t, id, title, o->quiet || o->json);
    if (!*op)
        return 1;
    if (o->json) {
        json_dumpf(*op, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    }
    const char *state = json_string_value(json_object_get(*op, "state"));
    if (strcmp(state, "done")) {
        fprintf(stderr, "minidc: %s failed after %.2f s: %s\n", title,
                json_real_value(json_object_get(*op, "seconds")),
                json_string_value(json_object_get(*op, "error")) ?: "no reason given");
        return 1;
    }
    return 0;
}

static void print_qemu(const json_t *op)
{
    json_t *q = json_object_get(json_object_get(op, "result"), "qemu");
    const char *net = json_string_value(json_object_get(json_object_get(op, "result"), "network"));
    if (q)
        printf("  QEMU: total %lld ms, downtime %lld ms, %.1f MB of memory sent%s%s%s%s\n",
               (long long)json_integer_value(json_object_get(q, "total_ms")),
               (long long)json_integer_value(json_object_get(q, "downtime_ms")),
               (double)json_integer_value(json_object_get(q, "ram_bytes")) / 1e6,
               net ? " over the " : "", net ? net : "", net ? " network" : "",
               json_is_true(json_object_get(q, "paused_copy"))
                   ? " (guest paused while its memory was sent: this QEMU loses pages in live "
                     "migration under TCG)"
                   : "");
    json_t *m = json_object_get(json_object_get(op, "result"), "memory_check");
    if (m)
        printf("  memory: %lld pages compared, %lld differ\n",
               (long long)json_integer_value(json_object_get(m, "pages")),
               (long long)json_integer_value(json_object_get(m, "differing")));
}

static json_t *find_vm(const struct api_target *t, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/vms/%s", name);
    return api_get(t, path);
}

static int vm_list(const struct api_target *t, const struct vm_opts *o)
{
    json_t *r = api_get(t, "/api/v1/vms");
    if (!r)
        return 1;
    if (o->json) {
        json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        printf("%-12s %-10s %-18s %-18s %7s %4s %s\n", "VM", "SERVER", "ADDRESS", "MAC", "MEMORY",
               "CPUS", "STATE");
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(r, "vms"), i, v) {
            printf("%-12s %-10s %-18s %-18s %4lld MiB %4lld %s\n",
                   json_string_value(json_object_get(v, "name")),
                   json_string_value(json_object_get(v, "server")),
                   json_string_value(json_object_get(v, "current_address")),
                   json_string_value(json_object_get(v, "mac")),
                   (long long)json_integer_value(json_object_get(v, "memory_mib")),
                   (long long)json_integer_value(json_object_get(v, "cpus")),
                   json_string_value(json_object_get(v, "state")));
            /* What is wrong, or what a recovery waits for, under its VM. */
            const char *problem = json_string_value(json_object_get(v, "problem")),
                       *recovery = json_string_value(json_object_get(v, "recovery"));
            if (problem)
                printf("  %s\n", problem);
            if (recovery)
                printf("  %s\n", recovery);
        }
    }
    json_decref(r);
    return 0;
}

/* vm boot NAME --on SERVER */
static int vm_boot(const struct api_target *t, const struct vm_opts *o, char **ops, int nops,
                   json_t **op)
{
    const char *name = ops[0];
    char title[256];
    int rc;
    (void)nops;
    json_t *body =
        json_pack("{s:s, s:s, s:i, s:i}", "name", name, "server", o->on, "memory_mib",
                  (int)(o->memory ? o->memory : 128), "cpus", (int)(o->cpus ? o->cpus : 1));
    if (o->cpu_share > 0)
        json_object_set_new(body, "cpu_share", json_real(o->cpu_share));
    snprintf(title, sizeof title, "boot %s on %s", name, o->on);
    rc = run_op(t, "POST", "/api/v1/vms", body, title, o, op);
    json_t *vm = rc ? NULL : find_vm(t, name);
    if (vm && !o->json)
        printf("%s runs on %s at %s (MAC %s), booted in %.2f s\n", name, o->on,
               json_string_value(json_object_get(vm, "current_address")),
               json_string_value(json_object_get(vm, "mac")),
               json_real_value(json_object_get(*op, "seconds")));
    json_decref(vm);
    return rc;
}

/* vm migrate NAME --to SERVER */
static int vm_migrate(const struct api_target *t, const struct vm_opts *o, char **ops, int nops,
                      json_t **op)
{
    const char *name = ops[0];
    char path[128], title[256];
    int rc;
    (void)nops;
    snprintf(path, sizeof path, "/api/v1/vms/%s/migrate", name);
    snprintf(title, sizeof title, "migrate %s to %s", name, o->to);
    json_t *body = json_pack("{s:s}", "to", o->to);
    if (o->verify)
        json_object_set_new(body, "verify_memory", json_true());
    rc = run_op(t, "POST", path, body, title, o, op);
    if (!rc && !o->json) {
        json_t *vm = find_vm(t, name);
        const char *now = json_string_value(json_object_get(vm, "current_address")),
                   *home = json_string_value(json_object_get(vm, "home_address"));
        /* Away from its home subnet: clients keep the home address. */
        size_t hl = home ? strlen(home) : 0;
        bool away = now && home && !(!strncmp(now, home, hl) && now[hl] == '/');
        printf("%s runs on %s at %s%s%s%s, migrated in %.2f s\n", name, o->to, now ?: "?",
               away ? " (home address " : "", away ? home : "", away ? ")" : "",
               json_real_value(json_object_get(*op, "seconds")));
        print_qemu(*op);
        json_decref(vm);
    }
    return rc;
}

/* vm clone NAME --to SERVER [--as NAME] [--balance] */
static int vm_clone(const struct api_target *t, const struct vm_opts *o, char **ops, int nops,
                    json_t **op)
{
    const char *name = ops[0];
    char path[128], title[256];
    int rc;
    (void)nops;
    snprintf(path, sizeof path, "/api/v1/vms/%s/clone", name);
    snprintf(title, sizeof title, "clone %s to %s", name, o->to);
    json_t *body = json_pack("{s:s}", "to", o->to);
    if (o->as)
        json_object_set_new(body, "as", json_string(o->as));
    if (o->balance)
        json_object_set_new(body, "balance", json_true());
    if (o->verify)
        json_object_set_new(body, "verify_memory", json_true());
    rc = run_op(t, "POST", path, body, title, o, op);
    if (!rc && !o->json) {
        json_t *c = json_object_get(json_object_get(*op, "result"), "clone");
        printf("%s (clone of %s) runs on %s at %s (MAC %s), cloned in %.2f s\n",
               json_string_value(json_object_get(c, "name")), name, o->to,
               json_string_value(json_object_get(c, "current_address")),
               json_string_value(json_object_get(c, "mac")),
               json_real_value(json_object_get(*op, "seconds")));
        print_qemu(*op);
        json_t *b = json_object_get(json_object_get(*op, "result"), "balancer");
        if (b)
            printf("  balancer: clients of %s are spread over the replicas by %s\n",
                   json_string_value(json_object_get(b, "address")),
                   json_string_value(json_object_get(b, "switch")));
    }
    return rc;
}

/* vm stop NAME */
static int vm_stop(const struct api_target *t, const struct vm_opts *o, char **ops, int nops,
                   json_t **op)
{
    const char *name = ops[0];
    char path[128], title[256];
    int rc;
    (void)nops;
    snprintf(path, sizeof path, "/api/v1/vms/%s%s", name, o->force ? "" : "?graceful=1");
    snprintf(title, sizeof title, "stop %s", name);
    rc = run_op(t, "DELETE", path, NULL, title, o, op);
    if (!rc && !o->json)
        printf("%s stopped and removed\n", name);
    return rc;
}

/* vm exec NAME -- COMMAND [ARG...]: its exit status */
static int vm_exec(const struct api_target *t, const struct vm_opts *o, char **ops, int nops,
                   json_t **op)
{
    const char *name = ops[0];
    char path[128], title[256];
    int rc;
    json_t *args = json_array();
    for (int i = 1; i < nops; i++)
        json_array_append_new(args, json_string(ops[i]));
    json_t *body = json_pack("{s:o, s:I}", "argv", args, "timeout_ms",
                             (json_int_t)(o->timeout ? o->timeout : 30) * 1000);
    snprintf(path, sizeof path, "/api/v1/vms/%s/exec", name);
    snprintf(title, sizeof title, "exec in %s", name);
    struct vm_opts quiet = *o;
    quiet.quiet = true;
    rc = run_op(t, "POST", path, body, title, &quiet, op);
    if (!rc && !o->json) {
        json_t *r = json_object_get(*op, "result");
        fputs(json_string_value(json_object_get(r, "stdout")) ?: "", stdout);
        fputs(json_string_value(json_object_get(r, "stderr")) ?: "", stderr);
        rc = (int)json_integer_value(json_object_get(r, "exitcode"));
        if (rc < 0 || rc > 255)
            rc = 255;
    }
    return rc;
}

/* vm load NAME ...: the load minidcd last set, or a new one (or none) set
 * and followed; its options and printing are cmd_vm_load.c's. */
static int vm_load(int argc, char **argv)
{
    struct vm_load_cmd c;
    int rc = vm_load_parse(argc, argv, &c);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct api_target t;
    if ((rc = api_target_find(&t, &c.where))) {
        json_decref(c.body);
        return rc;
    }
    char path[128], title[128];
    snprintf(path, sizeof path, "/api/v1/vms/%s/load", c.name);
    json_t *op = NULL, *l = NULL;
    if (c.what == VM_LOAD_SHOW) {
        l = api_get(&t, path);
        rc = l ? 0 : 1;
    } else {
        struct vm_opts o = {.json = c.json, .quiet = c.quiet};
        snprintf(title, sizeof title, "%s %s", c.what == VM_LOAD_STOP ? "stop the load of" : "load",
                 c.name);
        rc = run_op(&t, c.what == VM_LOAD_STOP ? "DELETE" : "POST", path, c.body, title, &o, &op);
        if (!rc)
            l = json_incref(json_object_get(json_object_get(op, "result"), "load"));
    }
    if (l && c.json && !op) {
        json_dumpf(l, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else if (l && !c.json) {
        vm_load_print(c.name, l);
    }
    json_decref(l);
    json_decref(op);
    api_target_free(&t);
    return rc;
}

int cmd_vm(int argc, char **argv)
{
    if (argc < 2 || (argv[1][0] == '-' && cmd_wants_help(argc, argv))) {
        vm_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "load"))
        return vm_load(argc - 1, argv + 1);
    struct vm_opts o = {0};
    int first = parse_vm_opts(argc - 1, argv + 1, &o, vm_usage);
    if (first < 0)
        return first == -1 ? 0 : 2;
    char **ops = argv + 1 + first;
    int nops = argc - 1 - first;
    bool is_list = !strcmp(sub, "list");
    if (!is_list && strcmp(sub, "boot") && strcmp(sub, "migrate") && strcmp(sub, "clone") &&
        strcmp(sub, "stop") && strcmp(sub, "exec")) {
        fprintf(stderr,
                "minidc: vm: unknown subcommand '%s' (boot, list, migrate, clone, stop, exec, "
                "load)\n",
                sub);
        return 2;
    }
    bool is_exec = !strcmp(sub, "exec");
    if ((is_list && nops) || (!is_list && !is_exec && nops != 1) || (is_exec && nops < 2)) {
        fprintf(stderr, "minidc: vm %s: %s\n", sub,
                is_list   ? "takes no operands"
                : is_exec ? "needs NAME -- COMMAND [ARG...]"
                          : "needs one VM name");
        return 2;
    }
    if (!strcmp(sub, "boot") && !o.on) {
        fprintf(stderr, "minidc: vm boot: say where with --on SERVER\n");
        return 2;
    }
    if ((!strcmp(sub, "migrate") || !strcmp(sub, "clone")) && !o.to) {
        fprintf(stderr, "minidc: vm %s: say where with --to SERVER\n", sub);
        return 2;
    }
    struct api_target t;
    int rc = api_target_find(&t, &o.where);
    if (rc)
        return rc;
    if (is_list) {
        rc = vm_list(&t, &o);
        api_target_free(&t);
        return rc;
    }
    const struct {
        const char *name;
        int (*run)(const struct api_target *, const struct vm_opts *, char **, int, json_t **);
    } subs[] = {{"boot", vm_boot},
                {"migrate", vm_migrate},
                {"clone", vm_clone},
                {"stop", vm_stop},
                {"exec", vm_exec}};
    json_t *op = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (!strcmp(sub, subs[i].name))
            rc = subs[i].run(&t, &o, ops, nops, &op);
    json_decref(op);
    api_target_free(&t);
    return rc;
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

int cmd_metrics(int argc, char **argv)
{
    struct api_target t;
    bool json = false;
    int rc = 0;
    int first = api_parse(argc, argv, &t, &json, &rc, metrics_usage);
    if (first < 0)
        return rc;
    if (first < argc) {
        metrics_usage(stderr);
        api_target_free(&t);
        return 2;
    }
    json_t *m = api_get(&t, "/api/v1/metrics");
    api_target_free(&t);
    if (!m)
        return 1;
    if (json) {
        json_dumpf(m, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(m);
        return 0;
    }
    size_t i, k;
    json_t *s, *v;
    printf("%-10s %9s %6s %10s %12s %12s %12s\n", "SERVER", "CPU USED", "UTIL", "VM MEMORY",
           "MEM AVAIL", "NET RX", "NET TX");
    json_array_foreach(json_object_get(m, "servers"), i, s) {
        json_t *sv = json_object_get(s, "server");
        double rx = 0, tx = 0;
        const char *ifn;
        json_t *ifo;
        /* The server's traffic: its uplink to the switch. */
        json_object_foreach(json_object_get(sv, "interfaces"), ifn, ifo)
            if (!strcmp(ifn, "eth0")) {
                rx = num(ifo, "rx_bytes");
                tx = num(ifo, "tx_bytes");
            }
        char vmmem[32], cpu[32];
        snprintf(vmmem, sizeof vmmem, "%.0f/%.0f", num(sv, "vm_memory_mib"),
                 num(sv, "vm_capacity_mib"));
        /* Host CPUs used, of its capacity when it has one. */
        if (json_is_number(json_object_get(sv, "cpu_capacity")))
            snprintf(cpu, sizeof cpu, "%.2f/%.2f", num(sv, "cpu_used"), num(sv, "cpu_capacity"));
        else
            snprintf(cpu, sizeof cpu, "%.2f", num(sv, "cpu_used"));
        printf("%-10s %9s %5.0f%% %10s %9.0f MiB %9.1f MB %9.1f MB\n",
               json_string_value(json_object_get(sv, "name")), cpu,
               100 * num(sv, "cpu_utilization"), vmmem, num(sv, "memory_available_bytes") / 1048576,
               rx / 1e6, tx / 1e6);
    }
    printf("\n%-12s %-10s %9s %6s %10s %10s %10s %10s %10s %10s\n", "VM", "SERVER", "CPU USED",
           "UTIL", "MEM USED", "MEM TOTAL", "NET RX", "NET TX", "DISK RD", "DISK WR");
    json_array_foreach(json_object_get(m, "servers"), i, s) {
        const char *srv = json_string_value(json_object_get(json_object_get(s, "server"), "name"));
        json_array_foreach(json_object_get(s, "vms"), k, v) {
            json_t *gm = json_object_get(v, "guest_memory"), *n = json_object_get(v, "net"),
                   *d = json_object_get(v, "disk");
            char cpu[32];
            snprintf(cpu, sizeof cpu, "%.2f/%.2f", num(v, "cpu_used"), num(v, "cpu_allocation"));
            printf("%-12s %-10s %9s %5.0f%% %6.1f MiB %6.1f MiB %7.2f MB %7.2f MB %7.2f MB %7.2f "
                   "MB\n",
                   json_string_value(json_object_get(v, "name")), srv, cpu,
                   100 * num(v, "cpu_utilization"), num(gm, "used_bytes") / 1048576,
                   num(gm, "total_bytes") / 1048576, num(n, "rx_bytes") / 1e6,
                   num(n, "tx_bytes") / 1e6, num(d, "read_bytes") / 1e6,
                   num(d, "written_bytes") / 1e6);
        }
    }
    /* Links: each direction's rate, and of the bandwidth when it has one. */
    printf("\n%-22s %10s %12s %6s %12s %6s\n", "LINK A-B", "BANDWIDTH", "A->B", "UTIL", "B->A",
           "UTIL");
    json_array_foreach(json_object_get(m, "links"), i, v) {
        char bw[24] = "-", d[2][24], u[2][12];
        if (json_is_number(json_object_get(v, "bandwidth_mbit")))
            snprintf(bw, sizeof bw, "%g Mbit/s", num(v, "bandwidth_mbit"));
        for (int e = 0; e < 2; e++) {
            json_t *f = json_object_get(v, e ? "ba" : "ab");
            json_t *bps = json_object_get(f, "bits_per_second"),
                   *util = json_object_get(f, "utilization");
            if (json_is_number(bps))
                snprintf(d[e], sizeof d[e], "%.2f Mbit/s", json_number_value(bps) / 1e6);
            else
                snprintf(d[e], sizeof d[e], "-");
            if (json_is_number(util))
                snprintf(u[e], sizeof u[e], "%.0f%%", 100 * json_number_value(util));
            else
                snprintf(u[e], sizeof u[e], "-");
        }
        printf("%-22s %10s %12s %6s %12s %6s\n", json_string_value(json_object_get(v, "name")), bw,
               d[0], u[0], d[1], u[1]);
    }
    json_decref(m);
    return 0;
}

/* ---- minidc events ---- */

static void events_usage(FILE *f)
{
    fprintf(f, "usage: minidc events " API_TARGET_USAGE " [--json]\n"
               "                     [--since ID] [--count N]\n\n"
               "Follows minidcd's events as they happen (Server-Sent Events at /api/v1/events):\n"
               "VMs booted, migrated, cloned, destroyed or failed; switches and links up and\n"
               "down; hosts learned and moved.  --since ID first replays the kept events after\n"
               "ID (0: all that minidcd keeps, the last 1024); --count N stops after N events;\n"
               "--json prints one JSON object per line.\n");
}

struct sse {
    struct strbuf buf;
    bool json;
    long left; /* events still to print; < 0: no limit */
};

static void print_event(const struct sse *s, const char *data)
{
    json_t *o = json_loads(data, 0, NULL);
    if (!o)
        return;
    if (s->json) {
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        double t = json_number_value(json_object_get(o, "time"));
        time_t sec = (time_t)t;
        struct tm tm;
        localtime_r(&sec, &tm);
        printf("%02d:%02d:%02d.%03d %-6lld %-14s", tm.tm_hour, tm.tm_min, tm.tm_sec,
               (int)((t - (double)sec) * 1000),
               (long long)json_integer_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "type")));
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) {
            if (!strcmp(k, "id") || !strcmp(k, "type") || !strcmp(k, "time") ||
                !strcmp(k, "phases") || !strcmp(k, "result"))
                continue;
            if (json_is_string(v))
                printf(" %s=%s", k, json_string_value(v));
            else if (json_is_integer(v))
                printf(" %s=%lld", k, (long long)json_integer_value(v));
            else if (json_is_real(v))
                printf(" %s=%.3f", k, json_real_value(v));
        }
        json_t *q = json_object_get(json_object_get(o, "result"), "qemu");
        if (q)
            printf(" downtime_ms=%lld",
                   (long long)json_integer_value(json_object_get(q, "downtime_ms")));
        putchar('\n');
    }
    fflush(stdout);
    json_decref(o);
}

/* SSE: blocks separated by a blank line; "data:" lines hold the JSON. */
static int on_sse(void *ctx, const char *data, size_t n)
{
    struct sse *s = ctx;
    strbuf_add(&s->buf, data, n);
    char *end;
    while ((end = strstr(s->buf.s, "\n\n"))) {
        *end = '\0';
        for (char *line = s->buf.s; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            if (!strncmp(line, "data: ", 6) && s->left != 0) {
                print_event(s, line + 6);
                if (s->left > 0)
                    s->left--;
            }
            line = nl ? nl + 1 : NULL;
        }
        size_t used = (size_t)(end + 2 - s->buf.s);
        memmove(s->buf.s, s->buf.s + used, s->buf.len - used + 1);
        s->buf.len -= used;
        if (s->left == 0)
            return 1;
    }
    return 0;
}

int cmd_events(int argc, char **argv)
{
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"json", no_argument, NULL, 'j'},
        {"since", required_argument, NULL, 's'},
        {"count", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct api_where where = {0};
    struct sse s = {.left = -1};
    unsigned long long since = 0;
    bool since_given = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:a:jh", opts, NULL)) != -1) {
        char *end;
        if (api_where_option(&where, c, optarg))
            continue;
        switch (c) {
        case 'j':
            s.json = true;
            break;
        case 's':
        case 'c': {
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < (c == 'c' ? 1 : 0)) {
                fprintf(stderr, "minidc: --%s takes a whole number, not '%s'\n",
                        c == 's' ? "since" : "count", optarg);
                return 2;
            }
            if (c == 's')
                since = (unsigned long long)v, since_given = true;
            else
                s.left = (long)v;
            break;
        }
        case 'h':
            events_usage(stdout);
            return 0;
        default:
            events_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        events_usage(stderr);
        return 2;
    }
    struct api_target t;
    int rc = api_target_find(&t, &where);
    if (rc)
        return rc;
    char path[64];
    if (since_given)
        snprintf(path, sizeof path, "/api/v1/events?since=%llu", since);
    else
        snprintf(path, sizeof path, "/api/v1/events");
    struct http_req r = api_request(&t, "GET", path, NULL);
    strbuf_init(&s.buf);
    int st = http_stream(&r, on_sse, &s, 5000);
    strbuf_free(&s.buf);
    if (st < 0)
        fprintf(stderr, "minidc: cannot follow minidcd's events at %s:%u: %s\n", t.addr, t.port,
                api_strerror(&t, st));
    else if (st == 401)
        api_explain_401(&t);
    else if (st != 200)
        fprintf(stderr, "minidc: minidcd answered %d to /api/v1/events\n", st);
    api_target_free(&t);
    return st == 200 ? 0 : 1;
}
