/* `minidc vm load`: its options and its request, read and checked before
 * anything is sent (a trace file too, each bad line as FILE:LINE), and how
 * a load is printed.  cmd_vm.c sends it and follows the operation.
 *   minidc vm load NAME --cpu PERCENT [--memory MIB]
 *   minidc vm load NAME --trace FILE|- [--interval SECONDS] [--memory MIB]
 *   minidc vm load NAME --stop
 *   minidc vm load NAME            (what minidcd last set) */
#ifndef MINIDC_CLI_CMD_VM_LOAD_H
#define MINIDC_CLI_CMD_VM_LOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/api_client.h"

struct vm_load_cmd {
    struct api_where where;
    const char *name;
    enum { VM_LOAD_SHOW, VM_LOAD_SET, VM_LOAD_STOP } what;
    json_t *body; /* VM_LOAD_SET: the request's body (owned) */
    bool json, quiet;
};

/* Reads argv (argv[0] is "load"): 0 with 'c' filled, -1 after --help, or
 * an exit status (2) after saying what is wrong. */
int vm_load_parse(int argc, char **argv, struct vm_load_cmd *c);
void vm_load_usage(FILE *f);
/* Prints VM 'name''s load 'l' as minidcd shows it (GET .../load, or an
 * operation's result.load) on one line. */
void vm_load_print(const char *name, const json_t *l);

#endif
