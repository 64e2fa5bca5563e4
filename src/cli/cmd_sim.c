/* minidc sim: a placement policy in the simulator (src/sim) on thousands of
 * servers, with the lab's metrics (src/eval):
 *   minidc sim (--preset planetlab | --hosts N [--host-type NAME[:COUNT]]... | --topology FILE)
 *              [--vm-type NAME[:COUNT]]... [--vms N]
 *              --workload planetlab:DIR|synthetic[:SEED] --policy NAME [--param KEY=VALUE]...
 *              [--interval S] [--duration S] [--max-parallel N] [--seed N] [--json] */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cmd.h"
#include "cli/sim_topology.h"
#include "cli/sim_results.h"
#include "eval/metrics.h"
#include "exp/exp.h"
#include "load/load.h"
#include "policy/policy.h"
#include "sim/sim.h"
#include "sim/sim_preset.h"
#include "util/proc.h"
#include "util/xalloc.h"

#define SIM_TYPES_MAX 16
#define SIM_PARAMS_MAX 32
#define SIM_VMS_MAX 1000000
#define SIM_HOSTS_MAX 1000000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: minidc sim (--preset planetlab | --hosts N [--host-type NAME[:COUNT]]... |\n"
            "                   --topology FILE)\n"
            "                  [--vm-type NAME[:COUNT]]... [--vms N]\n"
            "                  --workload planetlab:DIR|synthetic[:SEED] --policy NAME\n"
            "                  [--param KEY=VALUE]... [--interval S] [--duration S]\n"
            "                  [--max-parallel N] [--seed N] [--json] [--out DIR]\n"
            "       minidc sim --list [--json]\n\n"
            "Runs a placement policy (a built-in one: minidc policy list) in minidc's\n"
            "trace-driven simulator, with the model it gets in the lab and the same metrics as\n"
            "`minidc experiment policy` (docs/simulator.md): energy, SLATAH, PDM, SLAV, overload\n"
            "time, mean active servers, migrations, sleeps, decision time.\n\n"
            "--preset planetlab  CloudSim's PlanetLab experiment (Beloglazov and Buyya, CCPE\n"
            "             2012): 800 servers, hp-ml110-g4 and -g5 in turn; a VM per trace\n"
            "             file in four blocks of types; a 300 s interval; 24 hours\n"
            "--hosts N    N servers, of --host-type NAME[:COUNT] (repeatable; a type without\n"
            "             COUNT takes the servers left; default: the preset's, in turn);\n"
            "             types: %s\n"
            "--topology FILE  the servers of a topology file (a lab's), each with its own\n"
            "             cpu, memory, power model and link bandwidth (none: 1 Gbit/s),\n"
            "             its subnet and the switches crossed to the others\n"
            "--vm-type NAME[:COUNT]  the VMs' types in blocks, in order (a type without COUNT\n"
            "             takes the VMs left; default: the preset's four blocks); types: %s;\n"
            "             or CPUxMIB (0.1x128: 0.1 host CPUs, 128 MiB, 1 vCPU)\n"
            "--vms N      VMs (default: one per trace file; synthetic: 1.3 per server)\n"
            "--workload planetlab:DIR  a trace file of DIR per VM, in name order (one\n"
            "             integer 0-100 a line: the share of its CPU it asks, a sample each\n"
            "             300 s); synthetic[:SEED]: generated traces (SEED: default --seed)\n"
            "--policy NAME, --param KEY=VALUE  the policy and its parameters\n"
            "--interval S the policy's interval and each trace sample's (default 300)\n"
            "--duration S simulated seconds (default 86400)\n"
            "--max-parallel N  migrations at once (default: no limit, as CloudSim)\n"
            "--seed N     the synthetic workload's seed (default 1)\n"
            "--out DIR    also report.md, results.json and the plots of `experiment policy`\n"
            "             (the servers' heat map up to 64 servers); `minidc experiment report\n"
            "             DIR` writes them again\n"
            "--list       the built-in policies the simulator runs (all but those that need\n"
            "             services' demand)\n"
            "--json       every metric under fixed keys: energy_kwh, migrations, slatah, pdm,\n"
            "             slav, overload_time_fraction, active_servers_mean, decision_ms_mean,\n"
            "             seconds (the run's own), and the rest\n",
            sim_host_type_names(), sim_vm_type_names());
}

struct type_count {
    const char *name;
    long count; /* -1: the rest */
};

struct sim_opts {
    const char *preset, *topology, *workload, *policy, *out;
    long hosts, vms, max_parallel;
    struct type_count host_types[SIM_TYPES_MAX], vm_types[SIM_TYPES_MAX];
    size_t n_host_types, n_vm_types;
    struct sim_vm_type custom[SIM_TYPES_MAX]; /* --vm-type CPUxMIB, by their text */
    size_t n_custom;
    struct mdc_kv params[SIM_PARAMS_MAX];
    size_t n_params;
    double interval, duration;
    unsigned long seed;
    bool json, list;
};

static int bad(const char *opt, const char *what, const char *got)
{
    fprintf(stderr, "minidc sim: %s: expected %s, got '%s'\n", opt, what, got);
    return 2;
}

static int number(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi)) {
        char what[96];
        snprintf(what, sizeof what, "a number from %g to %g", lo, hi);
        return bad(opt, what, s);
    }
    *out = v;
    return 0;
}

static int whole(const char *opt, const char *s, long lo, long hi, long *out)
{
    double v;
    if (number(opt, s, (double)lo, (double)hi, &v))
        return 2;
    if (v != floor(v))
        return bad(opt, "a whole number", s);
    *out = (long)v;
    return 0;
}

/* "CPUxMIB" (as 0.1x128): a VM type of its own, kept in 'o' under that
 * name; true when 'arg' is one. */
static bool custom_vm_type(struct sim_opts *o, const char *arg)
{
    char *x;
    errno = 0;
    double cpu = strtod(arg, &x);
    if (errno || x == arg || *x != 'x' || !(cpu > 0 && cpu <= 1024))
        return false;
    char *end;
    long mib = strtol(x + 1, &end, 10);
    if (*end || end == x + 1 || mib < 1 || mib > 1048576)
        return false;
    for (size_t i = 0; i < o->n_custom; i++)
        if (!strcmp(o->custom[i].name, arg))
            return true;
    if (o->n_custom == SIM_TYPES_MAX)
        return false;
    o->custom[o->n_custom++] = (struct sim_vm_type){arg, cpu, 1, (unsigned)mib};
    return true;
}

/* NAME[:COUNT] into 't'. */
static int type_count(struct sim_opts *o, const char *opt, char *arg, struct type_count *t,
                      bool host)
{
    char *colon = strchr(arg, ':');
    t->count = -1;
    if (colon) {
        *colon = '\0';
        if (whole(opt, colon + 1, 1, SIM_VMS_MAX, &t->count))
            return 2;
    }
    t->name = arg;
    if (host ? !sim_host_type_find(arg) : !sim_vm_type_find(arg) && !custom_vm_type(o, arg)) {
        fprintf(stderr, "minidc sim: %s: no type '%s' (there are: %s%s)\n", opt, arg,
                host ? sim_host_type_names() : sim_vm_type_names(),
                host ? "" : "; or CPUxMIB, as 0.1x128: 0.1 host CPUs, 128 MiB, 1 vCPU");
        return 2;
    }
    return 0;
}

/* A VM type by name: a named one, or one of --vm-type CPUxMIB. */
static const struct sim_vm_type *vm_type_find(const struct sim_opts *o, const char *name)
{
    const struct sim_vm_type *t = sim_vm_type_find(name);
    for (size_t i = 0; !t && i < o->n_custom; i++)
        if (!strcmp(o->custom[i].name, name))
            t = &o->custom[i];
    return t;
}

static int parse(int argc, char **argv, struct sim_opts *o)
{
    static const struct option opts[] = {
        {"preset", required_argument, NULL, 'P'},   {"hosts", required_argument, NULL, 'n'},
        {"topology", required_argument, NULL, 'G'}, {"host-type", required_argument, NULL, 't'},
        {"vm-type", required_argument, NULL, 'T'},  {"vms", required_argument, NULL, 'v'},
        {"workload", required_argument, NULL, 'w'}, {"policy", required_argument, NULL, 'p'},
        {"param", required_argument, NULL, 'k'},    {"interval", required_argument, NULL, 'i'},
        {"duration", required_argument, NULL, 'd'}, {"max-parallel", required_argument, NULL, 'm'},
        {"seed", required_argument, NULL, 's'},     {"json", no_argument, NULL, 'j'},
        {"out", required_argument, NULL, 'o'},      {"list", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    long l;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'P':
            if (strcmp(optarg, "planetlab"))
                return bad("--preset", "planetlab", optarg);
            o->preset = optarg;
            break;
        case 'n':
            if (whole("--hosts", optarg, 1, SIM_HOSTS_MAX, &o->hosts))
                return 2;
            break;
        case 'G':
            o->topology = optarg;
            break;
        case 't':
        case 'T': {
            bool host = c == 't';
            size_t *n = host ? &o->n_host_types : &o->n_vm_types;
            if (*n == SIM_TYPES_MAX) {
                fprintf(stderr, "minidc sim: at most %d %s\n", SIM_TYPES_MAX,
                        host ? "--host-type" : "--vm-type");
                return 2;
            }
            if (type_count(o, host ? "--host-type" : "--vm-type", optarg,
                           host ? &o->host_types[*n] : &o->vm_types[*n], host))
                return 2;
            ++*n;
            break;
        }
        case 'v':
            if (whole("--vms", optarg, 1, SIM_VMS_MAX, &o->vms))
                return 2;
            break;
        case 'w':
            o->workload = optarg;
            break;
        case 'p':
            o->policy = optarg;
            break;
        case 'k': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                return bad("--param", "KEY=VALUE", optarg);
            if (o->n_params == SIM_PARAMS_MAX) {
                fprintf(stderr, "minidc sim: at most %d --param\n", SIM_PARAMS_MAX);
                return 2;
            }
            *eq = '\0';
            o->params[o->n_params++] = (struct mdc_kv){optarg, eq + 1};
            break;
        }
        case 'i':
            if (number("--interval", optarg, 1, 86400, &o->interval))
                return 2;
            break;
        case 'd':
            if (number("--duration", optarg, 1, 366 * 86400.0, &o->duration))
                return 2;
            break;
        case 'm':
            if (whole("--max-parallel", optarg, 1, 1000000, &o->max_parallel))
                return 2;
            break;
        case 's':
            if (whole("--seed", optarg, 1, 2147483647L, &l))
                return 2;
            o->seed = (unsigned long)l;
            break;
        case 'j':
            o->json = true;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'l':
            o->list = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "minidc sim: unexpected '%s' (minidc sim --help)\n", argv[optind]);
        return 2;
    }
    if (o->list)
        return 0;
    if (!!o->preset + !!o->hosts + !!o->topology != 1) {
        fprintf(stderr, "minidc sim: give --preset planetlab, --hosts N or --topology FILE (one "
                        "of them)\n");
        return 2;
    }
    if (!o->hosts && o->n_host_types) {
        fprintf(stderr, "minidc sim: --host-type goes with --hosts, not --%s\n",
                o->preset ? "preset" : "topology");
        return 2;
    }
    if (!o->workload || !o->policy) {
        fprintf(stderr, "minidc sim: --workload and --policy are needed (minidc sim --help)\n");
        return 2;
    }
    if (o->duration > 0 && o->interval > 0 && o->duration < o->interval) {
        fprintf(stderr, "minidc sim: --duration %g is shorter than one --interval (%g)\n",
                o->duration, o->interval);
        return 2;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The traces of the workload, one per VM: '*n' of them (the files of a
 * PlanetLab directory, or 'want' generated ones).  NULL after saying why. */
static double **load_traces(const struct sim_opts *o, size_t want, size_t samples, size_t *n,
                            size_t **lensp)
{
    const char *w = o->workload;
    size_t *lens = NULL;
    if (!strncmp(w, "synthetic", 9)) {
        unsigned long seed = o->seed;
        if (w[9] == ':') {
            long v;
            if (whole("--workload synthetic:SEED", w + 10, 1, 2147483647L, &v))
                return NULL;
            seed = (unsigned long)v;
        } else if (w[9]) {
            bad("--workload", "planetlab:DIR or synthetic[:SEED]", w);
            return NULL;
        }
        double **t = xcalloc(want + 1, sizeof *t);
        *lensp = lens = xcalloc(want + 1, sizeof *lens);
        for (size_t j = 0; j < want; j++) {
            t[j] = xcalloc(samples, sizeof **t);
            sim_synthetic_trace(seed, j, t[j], samples);
            lens[j] = samples;
        }
        *n = want;
        return t;
    }
    if (strncmp(w, "planetlab:", 10) || !w[10]) {
        bad("--workload", "planetlab:DIR or synthetic[:SEED]", w);
        return NULL;
    }
    const char *dir = w + 10;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "minidc sim: cannot read %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t nn = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] != '.') {
            names = xrealloc(names, (nn + 1) * sizeof *names);
            names[nn++] = xstrdup(de->d_name);
        }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof *names, by_name);
    if (!nn || (want && nn < want)) {
        fprintf(stderr, "minidc sim: %s has %zu trace files, fewer than the %zu VMs\n", dir, nn,
                want ? want : 1);
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        return NULL;
    }
    size_t use = want ? want : nn;
    double **t = xcalloc(use + 1, sizeof *t);
    *lensp = lens = xcalloc(use + 1, sizeof *lens);
    uint8_t *buf = xcalloc(LOAD_TRACE_MAX, 1);
    int rc = 0;
    for (size_t j = 0; j < use && rc == 0; j++) {
        char *path = xasprintf("%s/%s", dir, names[j]);
        FILE *f = fopen(path, "r");
        char *text = xcalloc(LOAD_TRACE_TEXT_MAX + 1, 1);
        size_t len = f ? fread(text, 1, LOAD_TRACE_TEXT_MAX, f) : 0;
        char err[LOAD_ERROR_MAX];
        long k = -1;
        if (!f)
            fprintf(stderr, "minidc sim: cannot read %s: %s\n", path, strerror(errno));
        else if ((k = load_trace_parse(path, text, len, buf, err, sizeof err)) < 0)
            fprintf(stderr, "minidc sim: %s\n", err);
        if (f)
            fclose(f);
        if (k < 0) {
            rc = -1;
        } else {
            t[j] = xcalloc((size_t)k, sizeof **t);
            for (long i = 0; i < k; i++)
                t[j][i] = buf[i] / 100.0;
            lens[j] = (size_t)k;
        }
        free(text), free(path);
    }
    free(buf);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    if (rc) {
        for (size_t j = 0; j < use; j++)
            free(t[j]);
        free(t), free(lens);
        *lensp = NULL;
        return NULL;
    }
    *n = use;
    return t;
}

/* Types in blocks: entry i of 'out' ('n' of them) from 'tc' ('nt' of
 * them; a count of -1 takes what the others leave).  -1 after saying why
 * when the counts do not add up. */
static int blocks(const char *opt, const struct type_count *tc, size_t nt, size_t n,
                  const char **out)
{
    size_t fixed = 0, rest = 0;
    for (size_t i = 0; i < nt; i++) {
        if (tc[i].count < 0)
            rest++;
        else
            fixed += (size_t)tc[i].count;
    }
    if (fixed > n || (!rest && fixed != n) || rest > 1) {
        fprintf(stderr,
                "minidc sim: %s: the counts (%zu%s) do not make the %zu there are (one type at "
                "most may go without a COUNT and take the rest)\n",
                opt, fixed, rest ? " and the rest" : "", n);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t c = tc[i].count < 0 ? n - fixed : (size_t)tc[i].count;
        for (size_t j = 0; j < c; j++)
            out[k++] = tc[i].name;
    }
    return 0;
}

static char *iso_now(void)
{
    char buf[32];
    time_t now = time(NULL);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    return xstrdup(buf);
}

/* report.md, results.json and the plots of the run into o->out. */
static int write_out(const struct sim_opts *o, int argc, char **argv, const struct sim *s,
                     const struct sim_host *hosts, size_t n_hosts, const struct sim_vm *vms,
                     size_t n_vms, double interval, double duration, const char *started,
                     double took)
{
    const char **args = xcalloc((size_t)argc + 2, sizeof *args);
    args[0] = "minidc";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    char *cmd = proc_argv_string(args);
    free(args);
    json_t *params = json_array();
    for (size_t i = 0; i < o->n_params; i++)
        json_array_append_new(
            params, json_sprintf("%s:%s=%s", o->policy, o->params[i].key, o->params[i].value));
    bool pl = !strncmp(o->workload, "planetlab:", 10);
    unsigned long seed = o->seed;
    if (!pl && o->workload[9] == ':')
        seed = strtoul(o->workload + 10, NULL, 10);
    json_t *cfg =
        json_pack("{s:[s], s:o, s:o, s:s?, s:s?, s:I, s:I, s:f, s:f, s:i}", "policies", o->policy,
                  "params", params, "workload",
                  pl ? json_pack("{s:s, s:s}", "kind", "planetlab", "dir", o->workload + 10)
                     : json_pack("{s:s, s:I}", "kind", "synthetic", "seed", (json_int_t)seed),
                  "preset", o->preset, "topology", o->topology, "hosts", (json_int_t)n_hosts, "vms",
                  (json_int_t)n_vms, "interval_s", interval, "duration_s", duration, "runs", 1);
    char *finished = iso_now();
    json_t *r = json_pack("{s:s, s:s, s:s, s:f, s:I, s:b, s:[s], s:o, s:[o]}", "experiment", "sim",
                          "started", started, "finished", finished, "seconds", took, "seed",
                          (json_int_t)o->seed, "quick", 0, "commands", cmd, "config", cfg, "policy",
                          sim_results_row(s, o->policy, hosts, vms));
    free(finished), free(cmd);
    int rc = exp_write_results(r, o->out, o->json);
    json_decref(r);
    return rc;
}

static void print_text(const struct sim_opts *o, const struct eval_metrics *m,
                       const struct sim_decisions *d, size_t hosts, size_t vms, size_t rounds,
                       double seconds, long rss_kb)
{
    printf("minidc sim: %s on %zu servers and %zu VMs, %zu rounds (%s)\n", o->policy, hosts, vms,
           rounds, o->workload);
    printf("  energy        %.2f kWh\n", m->energy_j / 3.6e6);
    printf("  SLATAH        %.5f (pooled %.5f)\n", m->slatah, m->slatah_pooled);
    printf("  PDM           %.6f (pooled %.6f)\n", m->pdm, m->pdm_pooled);
    printf("  SLAV          %.8f\n", m->slav);
    printf("  overload      %.4f of active server time (u > %.1f)\n", m->overload_fraction,
           EVAL_OVERLOAD_DEFAULT);
    printf("  active        %.1f servers on average\n", m->mean_active);
    printf("  migrations    %zu; sleeps %zu, wakes %zu\n", m->counts.migrations, m->counts.sleeps,
           m->counts.wakes);
    printf("  decisions     %zu (%zu skipped: a plan under way), %.3f ms on average, %.3f ms at "
           "most; %zu actions, %zu refused or skipped%s%s\n",
           d->n, d->skipped, d->n ? d->seconds_sum / (double)d->n * 1e3 : 0, d->seconds_max * 1e3,
           d->actions, d->refused, d->failed ? "; decide() failed: " : "",
           d->failed ? d->last_error : "");
    printf("  took          %.3f s, %.1f MiB at most\n", seconds, (double)rss_kb / 1024);
}

static json_t *result_json(const struct sim_opts *o, const struct eval_metrics *m,
                           const struct sim_decisions *d, size_t hosts, size_t vms, size_t rounds,
                           double seconds, long rss_kb)
{
    return json_pack(
        "{s:f, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:s, s:s, s:I, s:I, "
        "s:I, s:{s:I, s:I, s:I, s:I, s:I, s:f}, s:f, s:f}",
        "energy_kwh", m->energy_j / 3.6e6, "migrations", (json_int_t)m->counts.migrations, "slatah",
        m->slatah, "pdm", m->pdm, "slav", m->slav, "overload_time_fraction", m->overload_fraction,
        "active_servers_mean", m->mean_active, "decision_ms_mean",
        d->n ? d->seconds_sum / (double)d->n * 1e3 : 0.0, "slatah_pooled", m->slatah_pooled,
        "pdm_pooled", m->pdm_pooled, "sleeps", (json_int_t)m->counts.sleeps, "wakes",
        (json_int_t)m->counts.wakes, "overloaded_intervals", (json_int_t)m->overloaded_intervals,
        "policy", o->policy, "workload", o->workload, "hosts", (json_int_t)hosts, "vms",
        (json_int_t)vms, "rounds", (json_int_t)rounds, "decisions", "n", (json_int_t)d->n,
        "skipped", (json_int_t)d->skipped, "failed", (json_int_t)d->failed, "actions",
        (json_int_t)d->actions, "refused", (json_int_t)d->refused, "ms_max", d->seconds_max * 1e3,
        "seconds", seconds, "max_rss_mib", (double)rss_kb / 1024);
}

/* The policy's state from its parameters; NULL-state policies are fine.
 * -1 after saying why. */
static int start_policy(const struct sim_opts *o, const struct mdc_policy **pol, void **state)
{
    *pol = policy_builtin(o->policy);
    if (!*pol) {
        fprintf(stderr, "minidc sim: no policy '%s' (minidc policy list shows them)\n", o->policy);
        return -1;
    }
    if ((*pol)->needs & (MDC_NEEDS_REQUEST_RATE | MDC_NEEDS_LATENCY)) {
        fprintf(stderr,
                "minidc sim: policy %s needs the %s of services, and the simulator has none "
                "(its VMs serve no clients): run it in a lab\n",
                o->policy, (*pol)->needs & MDC_NEEDS_REQUEST_RATE ? "request rates" : "latencies");
        return -1;
    }
    struct mdc_kv *kv = NULL;
    size_t n = 0;
    char err[256] = "";
    if (policy_params(*pol, o->params, o->n_params, &kv, &n, err, sizeof err) ||
        ((*pol)->init && (*pol)->init(state, kv, n, err, sizeof err))) {
        fprintf(stderr, "minidc sim: policy %s: %s\n", o->policy, err);
        free(kv);
        return -1;
    }
    free(kv);
    return 0;
}

/* The built-in policies the simulator runs (those that need no services),
 * a line each: the name and its summary. */
static int list_policies(bool json)
{
    size_t n = policy_builtin_list(NULL, 0);
    const struct mdc_policy **v = xcalloc(n + 1, sizeof *v);
    policy_builtin_list(v, n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        if (v[i]->needs & (MDC_NEEDS_REQUEST_RATE | MDC_NEEDS_LATENCY))
            continue;
        if (json)
            json_array_append_new(a, json_pack("{s:s, s:s}", "name", v[i]->name, "summary",
                                               v[i]->summary ? v[i]->summary : ""));
        else
            printf("%-16s %s\n", v[i]->name, v[i]->summary ? v[i]->summary : "");
    }
    if (json) {
        json_t *o = json_pack("{s:o}", "policies", a);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
    } else {
        json_decref(a);
    }
    free(v);
    return 0;
}

int cmd_sim(int argc, char **argv)
{
    struct sim_opts o = {.seed = 1};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.list)
        return list_policies(o.json);
    double interval = o.interval > 0 ? o.interval : SIM_PLANETLAB_INTERVAL_S;
    double duration = o.duration > 0 ? o.duration : SIM_PLANETLAB_DURATION_S;
    if (duration < interval) {
        fprintf(stderr, "minidc sim: --duration %g is shorter than one --interval (%g)\n", duration,
                interval);
        return 2;
    }
    struct sim_topology st = {0};
    if (o.topology && sim_topology_load(o.topology, &st))
        return 1;
    size_t n_hosts = o.preset ? SIM_PLANETLAB_HOSTS : o.topology ? st.n : (size_t)o.hosts;
    bool synthetic = !strncmp(o.workload, "synthetic", 9);
    size_t want = o.vms ? (size_t)o.vms : synthetic ? (size_t)ceil(1.3 * (double)n_hosts) : 0;
    size_t samples = (size_t)ceil(duration / interval) + 1;
    size_t *lens = NULL, n_vms = 0;
    double **traces = load_traces(&o, want, samples, &n_vms, &lens);
    if (!traces) {
        sim_topology_free(&st);
        return 1;
    }
    const struct mdc_policy *pol = NULL;
    void *state = NULL;
    struct sim_host *hosts = xcalloc(n_hosts, sizeof *hosts);
    struct sim_vm *vms = xcalloc(n_vms + 1, sizeof *vms);
    const char **htypes = xcalloc(n_hosts, sizeof *htypes), **vtypes = NULL;
    char **names = xcalloc(n_hosts + n_vms, sizeof *names);
    rc = start_policy(&o, &pol, &state) ? 1 : 0;
    if (rc == 0 && o.n_host_types)
        rc = blocks("--host-type", o.host_types, o.n_host_types, n_hosts, htypes) ? 2 : 0;
    for (size_t i = 0; rc == 0 && i < n_hosts; i++) {
        if (o.topology) {
            hosts[i] = st.hosts[i];
            continue;
        }
        const char *ty = o.n_host_types ? htypes[i] : i % 2 ? "hp-ml110-g5" : "hp-ml110-g4";
        names[i] = xasprintf("host%zu", i + 1);
        hosts[i] = (struct sim_host){names[i], sim_host_type_find(ty), NULL, NULL};
    }
    if (rc == 0 && o.n_vm_types) {
        vtypes = xcalloc(n_vms, sizeof *vtypes);
        rc = blocks("--vm-type", o.vm_types, o.n_vm_types, n_vms, vtypes) ? 2 : 0;
    }
    for (size_t j = 0; rc == 0 && j < n_vms; j++) {
        names[n_hosts + j] = xasprintf("vm%zu", j + 1);
        vms[j] =
            (struct sim_vm){names[n_hosts + j],
                            vtypes ? vm_type_find(&o, vtypes[j]) : sim_planetlab_vm_type(j, n_vms),
                            traces[j], lens[j], 0};
    }
    char err[256];
    if (rc == 0 && sim_place_initial(hosts, n_hosts, vms, n_vms, 0.8, err, sizeof err)) {
        fprintf(stderr, "minidc sim: the first placement: %s\n", err);
        rc = 1;
    }
    struct sim *s = NULL;
    if (rc == 0) {
        struct sim_params p = {.interval_s = interval,
                               .duration_s = duration,
                               .trace_step_s = interval,
                               .migration_bw_share = 0.5,
                               .max_parallel =
                                   o.max_parallel ? (unsigned)o.max_parallel : (unsigned)n_vms + 1,
                               .settle_s = 0,
                               .hops = st.hops,
                               .clock = proc_now};
        double t0 = proc_now();
        char *started = iso_now();
        s = sim_create(&p, hosts, n_hosts, vms, n_vms, err, sizeof err);
        if (!s) {
            fprintf(stderr, "minidc sim: %s\n", err);
            rc = 1;
        } else {
            sim_run(s, pol, state);
            double took = proc_now() - t0;
            const struct eval_run *r = sim_eval(s);
            struct eval_metrics m;
            eval_metrics(r, &m);
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            if (o.json) {
                json_t *j =
                    result_json(&o, &m, sim_decisions(s), n_hosts, n_vms, r->n, took, ru.ru_maxrss);
                json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                putchar('\n');
                json_decref(j);
            } else {
                print_text(&o, &m, sim_decisions(s), n_hosts, n_vms, r->n, took, ru.ru_maxrss);
            }
            if (o.out && write_out(&o, argc, argv, s, hosts, n_hosts, vms, n_vms, interval,
                                   duration, started, took))
                rc = 1;
        }
        free(started);
    }
    sim_free(s);
    if (pol && pol->destroy && state)
        pol->destroy(state);
    for (size_t i = 0; i < n_hosts + n_vms; i++)
        free(names[i]);
    for (size_t j = 0; j < n_vms; j++)
        free(traces[j]);
    free(names), free(htypes), free(vtypes), free(traces), free(lens), free(hosts), free(vms);
    sim_topology_free(&st);
    return rc;
}
