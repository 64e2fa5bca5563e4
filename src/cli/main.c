/* minidc: the command line of the miniature data center.
 *
 * Subcommands come from one table, each in its own file (as iproute2 does). */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/log.h"

#ifndef MINIDC_VERSION
#define MINIDC_VERSION "0.1.0"
#endif

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"lab", cmd_lab, "build, inspect and remove the emulated data center"},
    {"topology", cmd_topology,
     "the network as the controller sees it; check or generate a topology file"},
    {"flows", cmd_flows, "a switch's flow table"},
    {"vm", cmd_vm, "boot, list, migrate, clone, stop VMs; run commands and loads in them"},
    {"metrics", cmd_metrics, "servers' and VMs' CPU, memory, network and disk use"},
    {"events", cmd_events, "follow what happens: VMs, switches, links, hosts"},
    {"gui", cmd_gui, "the web GUI in this machine's browser: topology, traffic, VMs, live"},
    {"shell", cmd_shell, "an interactive minidc: line editing, history, completion"},
    {"experiment", cmd_experiment, "the paper's evaluation and more, with a report and plots"},
    {"load", cmd_load, "an open-loop HTTP load generator, run inside a lab node"},
    {"policy", cmd_policy,
     "placement policies: list them, run one in minidcd, its status, stop it"},
    {"plan", cmd_plan, "carry out a plan of migrations, clones, stops, sleeps and wakes"},
    {"sim", cmd_sim, "a placement policy in the simulator, on thousands of servers"},
    {"ofp-print", cmd_ofp_print, "decode OpenFlow messages given in hex"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: minidc [--help] [--version] COMMAND [ARGS...]\n\n"
               "minidc is a miniature data center for developing VM placement, migration and\n"
               "scale-out algorithms on real VMs and a real OpenFlow network.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nRun `minidc COMMAND --help` for a command's options.\n");
}

int cmd_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    log_set_program("minidc");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("minidc %s\n", MINIDC_VERSION);
        return 0;
    }
    return minidc_dispatch(argc, argv);
}

int minidc_dispatch(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "minidc: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
