/* minidc experiment: runs one of the experiments of src/exp.
 *   minidc experiment list
 *   minidc experiment NAME [--lab FILE] [--runs N] [--seconds S] [--out DIR]
 *                          [--seed N] [--quick] [--quiet]
 *   minidc experiment policy [--policies A,B,...] [--param POLICY:KEY=VALUE]...
 *                          [--workload planetlab:DIR | synthetic[:SEED]] [--vms N]
 *                          [--duration S] [--interval S] [--http-rate R] and the options above */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "exp/exp.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: minidc experiment list\n"
               "       minidc experiment report DIR\n"
               "       minidc experiment NAME [--lab FILE] [--runs N] [--seconds S] [--out DIR]\n"
               "                              [--seed N] [--quick] [--quiet]\n\n"
               "Runs an experiment on a lab of its own (built from topology FILE, default\n"
               "examples/fig1.yaml, and removed after) and writes into DIR (default\n"
               "results/NAME-DATE): report.md (tables, the machine, versions, configuration,\n"
               "topology, the exact commands), results.json (every raw sample) and plots as\n"
               "PNG and SVG with the gnuplot scripts that made them.  Progress is shown as it\n"
               "runs (--quiet: not).  --runs: repetitions (paper 3, scale 3, controller 5);\n"
               "--seconds: length of one throughput measurement; --seed: the order of the\n"
               "measurements within a run (default 1: the same order every time); --quick:\n"
               "the short version (one run, fewer sizes, 1 s measurements).  Must be run as\n"
               "root.  `report DIR` writes DIR's report and plots again from its results.json.\n\n"
               "minidc experiment policy [--policies A,B,...] [--param POLICY:KEY=VALUE]...\n"
               "    [--workload planetlab:DIR | synthetic[:SEED]] [--vms N] [--duration S]\n"
               "    [--interval S] [--http-rate R] [--runs N] [--seed N] [--lab FILE] [--out DIR]\n"
               "    [--quick]\n"
               "runs each policy in turn on a fresh lab (default examples/policy.yaml) with the\n"
               "same VMs in the same placement and the same workload, and reports energy,\n"
               "SLATAH, PDM, SLAV, overload, active servers, migrations and decision times\n"
               "(docs/experiments.md).  --policies: the policies, in order (default\n"
               "none,thr-mmt); --param: a parameter of one of them (repeatable, e.g.\n"
               "thr-mmt:threshold=0.7); --workload: a PlanetLab trace file per VM from DIR,\n"
               "chosen by the seed, or a generated trace (default synthetic; SEED: its own\n"
               "seed, else --seed's); --vms: VMs of 128 MiB, two to a server at first\n"
               "(default: as many as servers; --quick 3); --duration: seconds each policy runs\n"
               "(10 to 3500: minidcd keeps an hour of history; default 600; --quick 60);\n"
               "--interval: the policy's interval and each trace sample's (default 10);\n"
               "--http-rate: each VM's client (minidc load http from the lab's first host to\n"
               "the VM's address, a 1 s timeout, no retry) sends R requests a second\n"
               "(default 2; 0: no clients);\n"
               "--runs: default 3 (--quick 1); --seed: the placement and the traces (default\n"
               "1).\n\n"
               "Experiments:\n\n");
    exp_list(f);
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s || v < lo || v > hi) {
        fprintf(stderr, "minidc experiment: %s: expected a number from %ld to %ld, got '%s'\n", opt,
                lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* 'params' has room for every argument (the --param values). */
static int experiment(int argc, char **argv, const char **params)
{
    static const struct option opts[] = {
        {"lab", required_argument, NULL, 'l'},
        {"runs", required_argument, NULL, 'r'},
        {"seconds", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 'S'},
        {"quick", no_argument, NULL, 'k'},
        {"policies", required_argument, NULL, 'P'},
        {"param", required_argument, NULL, 'p'},
        {"workload", required_argument, NULL, 'w'},
        {"vms", required_argument, NULL, 'v'},
        {"duration", required_argument, NULL, 'd'},
        {"interval", required_argument, NULL, 'i'},
        {"http-rate", required_argument, NULL, 'H'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct exp_opts o = {.seed = 1, .http_rate = -1};
    long v;
    int ch;
    o.params = params;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "l:r:s:o:S:kqhP:p:w:v:d:i:H:", opts, NULL)) != -1) {
        switch (ch) {
        case 'P':
            o.policies = optarg;
            break;
        case 'p':
            if (!strchr(optarg, ':') || !strchr(strchr(optarg, ':'), '=')) {
                fprintf(stderr, "minidc experiment: --param: expected POLICY:KEY=VALUE, got '%s'\n",
                        optarg);
                return 2;
            }
            params[o.n_params++] = optarg;
            break;
        case 'w':
            o.workload = optarg;
            break;
        case 'v':
            if (parse_long("--vms", optarg, 1, 256, &v))
                return 2;
            o.vms = (int)v;
            break;
        case 'd':
            /* minidcd keeps an hour of history: the run's must fit in it. */
            if (parse_long("--duration", optarg, 10, 3500, &v))
                return 2;
            o.duration = (double)v;
            break;
        case 'i':
            if (parse_long("--interval", optarg, 1, 3600, &v))
                return 2;
            o.interval = (double)v;
            break;
        case 'H':
            if (parse_long("--http-rate", optarg, 0, 1000, &v))
                return 2;
            o.http_rate = (double)v;
            break;
        case 'l':
            o.lab_file = optarg;
            break;
        case 'r':
            if (parse_long("--runs", optarg, 1, 1000, &v))
                return 2;
            o.runs = (int)v;
            break;
        case 's':
            if (parse_long("--seconds", optarg, 1, 3600, &v))
                return 2;
            o.seconds = (double)v;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'S':
            if (parse_long("--seed", optarg, 1, 2147483647L, &v))
                return 2;
            o.seed = (unsigned long)v;
            break;
        case 'k':
            o.quick = true;
            break;
        case 'q':
            o.quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind == argc - 2 && !strcmp(argv[optind], "report"))
        return exp_rewrite_report(argv[optind + 1], o.quiet);
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    if (!strcmp(name, "list")) {
        exp_list(stdout);
        return 0;
    }
    if (!exp_exists(name)) {
        fprintf(stderr, "minidc experiment: no experiment '%s'; these are:\n", name);
        exp_list(stderr);
        return 2;
    }
    char buf[4096];
    bool by_default = !o.lab_file;
    if (!o.lab_file)
        o.lab_file = cmd_default_topology(buf, sizeof buf);
    /* The policy experiment's default is examples/policy.yaml, beside fig1. */
    size_t bl = strlen(o.lab_file);
    if (by_default && !strcmp(name, "policy") && bl >= 9 &&
        !strcmp(o.lab_file + bl - 9, "fig1.yaml") && bl - 9 + 12 < sizeof buf) {
        if (o.lab_file != buf)
            snprintf(buf, sizeof buf, "%s", o.lab_file);
        snprintf(buf + bl - 9, sizeof buf - (bl - 9), "policy.yaml");
        o.lab_file = buf;
    }
    FILE *f = fopen(o.lab_file, "r");
    if (!f) {
        fprintf(stderr, "minidc experiment: cannot read topology %s\n", o.lab_file);
        return 1;
    }
    fclose(f);
    return exp_main(name, &o);
}

int cmd_experiment(int argc, char **argv)
{
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    if (!params)
        abort();
    int rc = experiment(argc, argv, params);
    free(params);
    return rc;
}
