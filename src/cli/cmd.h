/* The subcommands of `minidc`; each parses its own options and prints its
 * own --help.  They return the process exit status. */
#ifndef MINIDC_CLI_CMD_H
#define MINIDC_CLI_CMD_H

#include <stddef.h>

int cmd_lab(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_ofp_print(int argc, char **argv);
int cmd_topology_show(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_gui(int argc, char **argv);

/* The default topology file: ./examples/fig1.yaml, else next to the program
 * (build tree), else the installed copy; in 'buf' when not a literal. */
const char *cmd_default_topology(char *buf, size_t len);

/* Runs "minidc ARGS..." (argv[0] is the program, argv[1] the command). */
int minidc_dispatch(int argc, char **argv);

/* Whether argv holds -h or --help before a "--". */
int cmd_wants_help(int argc, char **argv);

#endif
