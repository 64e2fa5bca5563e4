/* minidc lab up|down|status|exec|pingall */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lab/lab.h"
#include "util/proc.h"

#ifndef MINIDC_DATADIR
#define MINIDC_DATADIR "/usr/local/share/minidc"
#endif

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: minidc lab up [FILE] [--name NAME] [--standalone | --tls] [--quiet]\n"
        "                     [--policy-path FILE.so]...\n"
        "       minidc lab down [NAME]\n"
        "       minidc lab status [NAME] [--json]\n"
        "       minidc lab exec [--lab NAME] NODE -- COMMAND [ARGS...]\n"
        "       minidc lab pingall [--lab NAME] [--all] [--json]\n\n"
        "up       build the emulated data center of topology FILE (default examples/fig1.yaml):\n"
        "         a private Open vSwitch, one bridge per switch, one network namespace per\n"
        "         server and host, veth links; --standalone: switches learn on their own\n"
        "         instead of waiting for a controller; --tls: switches reach the controller over\n"
        "         TLS, and clients its API over HTTPS, with a PKI made for the lab (the\n"
        "         commands find its CA); --name: lab name (default: the topology's);\n"
        "         --policy-path: a shared object of placement policies for minidcd to load\n"
        "         (docs/policies.md)\n"
        "down     remove everything lab NAME made (namespaces, links, daemons, files)\n"
        "status   what is up (--json: every node and switch)\n"
        "exec     run COMMAND inside NODE (a switch name runs it in the fabric, where ovs-vsctl\n"
        "         and ovs-ofctl reach the lab's switches); node names resolve inside the lab\n"
        "pingall  ping between every pair of servers and hosts that should reach each other\n"
        "         (standalone: pairs in one subnet; --all: every pair); a pair that did not\n"
        "         answer is asked once more after the others\n\n"
        "NAME defaults to the only lab that is up.  Must be run as root.\n");
}

/* The default topology: ./examples/fig1.yaml, else next to the program
 * (build tree), else the installed copy. */
const char *cmd_default_topology(char *buf, size_t len)
{
    if (access("examples/fig1.yaml", R_OK) == 0)
        return "examples/fig1.yaml";
    char *dir = proc_self_dir();
    if (dir) {
        snprintf(buf, len, "%s/../examples/fig1.yaml", dir);
        free(dir);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    snprintf(buf, len, "%s/examples/fig1.yaml", MINIDC_DATADIR);
    return buf;
}

static int do_up(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"standalone", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"tls", no_argument, NULL, 't'},
        {"policy-path", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    struct lab_up_opts o = {0};
    const char *paths[16];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:sqht", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            o.name = optarg;
            break;
        case 's':
            o.standalone = true;
            break;
        case 'q':
            o.quiet = true;
            break;
        case 't':
            o.tls = true;
            break;
        case 'P':
            if (access(optarg, R_OK) != 0) {
                fprintf(stderr, "minidc lab up: --policy-path %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            if (o.n_policy_paths == sizeof paths / sizeof *paths) {
                fprintf(stderr, "minidc lab up: at most %zu --policy-path\n",
                        sizeof paths / sizeof *paths);
                return 2;
            }
            paths[o.n_policy_paths++] = optarg;
            o.policy_paths = paths;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (o.tls && o.standalone) {
        fprintf(
            stderr,
            "minidc lab up: --tls is for the controller's connections; --standalone has none\n");
        return 2;
    }
    char buf[PATH_MAX + 64];
    if (optind < argc)
        o.file = argv[optind++];
    else
        o.file = cmd_default_topology(buf, sizeof buf);
    if (optind < argc) {
        fprintf(stderr, "minidc lab up: one topology FILE only\n");
        return 2;
    }
    return lab_up(&o);
}

/* Parses [--lab NAME] [--json] [--all] [NAME] for the other subcommands. */
struct lab_args {
    char *name;
    bool json, all;
    int rest; /* index of the first operand left */
};

static int parse_common(int argc, char **argv, bool positional_name, bool stop_at_operand,
                        struct lab_args *a)
{
    static const struct option opts[] = {
        {"lab", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    optind = 1;
    int c;
    /* '+': stop at the first operand, so `exec NODE -- cmd -x` keeps -x. */
    while ((c = getopt_long(argc, argv, stop_at_operand ? "+l:jah" : "l:jah", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            a->name = optarg;
            break;
        case 'j':
            a->json = true;
            break;
        case 'a':
            a->all = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (positional_name && optind < argc && !a->name)
        a->name = argv[optind++];
    a->rest = optind;
    return -1;
}

int cmd_lab(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    argc--, argv++;
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(sub, "up"))
        return do_up(argc, argv);

    struct lab_args a;
    bool by_position = !strcmp(sub, "down") || !strcmp(sub, "status");
    int rc = parse_common(argc, argv, by_position, !strcmp(sub, "exec"), &a);
    if (rc >= 0)
        return rc;
    if (!strcmp(sub, "status"))
        return lab_status(a.name, a.json);

    char *owned = NULL;
    const char *name = a.name;
    if (!name && !(name = owned = lab_default_name()))
        return 1;
    if (!strcmp(sub, "down")) {
        rc = lab_down(name, false);
    } else if (!strcmp(sub, "pingall")) {
        rc = lab_pingall(name, a.all, a.json);
    } else if (!strcmp(sub, "exec")) {
        int i = a.rest;
        if (i >= argc) {
            fprintf(stderr, "minidc lab exec: which NODE?\n");
            rc = 2;
        } else {
            const char *node = argv[i++];
            if (i < argc && !strcmp(argv[i], "--"))
                i++;
            if (i >= argc) {
                fprintf(stderr, "minidc lab exec: no COMMAND to run in %s\n", node);
                rc = 2;
            } else {
                rc = lab_exec(name, node, argv + i);
            }
        }
    } else {
        fprintf(stderr, "minidc lab: unknown subcommand '%s'\n", sub);
        usage(stderr);
        rc = 2;
    }
    free(owned);
    return rc;
}
