#include "ctl/minidcd_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "agentproto/agent_proto.h"
#include "topo/topo.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: minidcd --topology FILE [--openflow ADDR:PORT] [--api ADDR:PORT]\n"
            "               [--pidfile FILE] [--log-file FILE] [--app net|l2] [--verbose]\n"
            "               [--tls-key FILE --tls-cert FILE --tls-ca FILE]\n"
            "               [--api-tls-key FILE --api-tls-cert FILE]\n"
            "               --api-token-file FILE [--agent-token-file FILE] [--agent-port PORT]\n"
            "               [--state-file FILE] [--rewrite-at root|nearest] [--max-connections N]\n"
            "               [--migration-network data|management]\n"
            "               [--openflow-busy-poll USEC] [--policy-path FILE.so]...\n\n"
            "The minidc controller: an OpenFlow 1.3 controller (1.0 switches get a reactive\n"
            "learning switch) that forwards within and routes between the topology's subnets,\n"
            "and an HTTP/JSON API under /api/v1, whose requests must carry\n"
            "\"Authorization: Bearer TOKEN\" with the token in --api-token-file (all but\n"
            "/metrics).  Addresses default to the topology's\n"
            "controller.openflow and controller.api.  --app l2 gives every switch the reactive\n"
            "learning switch instead (for controller benchmarks).  With the --tls-* options,\n"
            "switches connect over TLS and must show a certificate signed by --tls-ca.\n"
            "With --api-tls-key and --api-tls-cert (PEM; the certificate issued for the API's\n"
            "address), the API speaks HTTPS only.\n"
            "It drives the servers' minidc-agents (on their management addresses, port\n"
            "--agent-port, default 7070, with the token in --agent-token-file) to boot,\n"
            "migrate, clone and stop VMs, and polls them for metrics.\n"
            "--state-file keeps what the agents do not know (the address clients use for each\n"
            "VM, the balanced address it serves); a restarted minidcd reads it and puts the\n"
            "rewrites and balancers back.  --rewrite-at says where a VM moved across subnets\n"
            "has its address rewritten: on the root switch (the default, as in the paper) or\n"
            "on the switch of its new subnet (nearest); it overrides controller.rewrite-at.\n"
            "--migration-network says which network carries a migration's or a clone's\n"
            "memory and disk between servers: the data network, through the switches with\n"
            "the clients' traffic (the default, as in the paper), or the management network,\n"
            "off the clients' path; it overrides controller.migration-network.\n"
            "It runs placement policies (minidc policy run): the built-in ones, and those of\n"
            "each shared object --policy-path loads (include/minidc/policy.h; docs/policies.md).\n"
            "The API serves at most --max-connections at once (default 256, or what the\n"
            "descriptor limit leaves), the switches' listener as many; a request must\n"
            "arrive whole within 5 s.\n"
            "After a message from a switch, minidcd looks for the next one without sleeping\n"
            "for --openflow-busy-poll microseconds (default 50; 0 sleeps at once): a switch\n"
            "waiting on each answer gets it sooner (woken from sleep, a thread starts a\n"
            "few tens of microseconds late), for the CPU of that look while switches talk.\n"
            "SIGTERM or SIGINT stops it.\n");
}

/* Whether 's' is a whole number from 'min' to 'max', into '*out'. */
static bool whole_number(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    *out = v;
    return *s && !*end && v >= min && v <= max;
}

/* One option's argument, checked; -1 when good, else 2 after saying why. */
static int take(int ch, const char *arg, struct minidcd_opts *o, FILE *err)
{
    long n;
    enum topo_rewrite_at ra;
    enum topo_migration_net mn;
    switch (ch) {
    case 't':
        o->topology = arg;
        break;
    case 'o':
        o->openflow = arg;
        break;
    case 'a':
        o->api = arg;
        break;
    case 'p':
        o->pidfile = arg;
        break;
    case 'l':
        o->log_file = arg;
        break;
    case 'v':
        o->verbose = true;
        break;
    case 'K':
        o->tls_key = arg;
        break;
    case 'C':
        o->tls_cert = arg;
        break;
    case 'R':
        o->tls_ca = arg;
        break;
    case 'X':
        o->api_tls_key = arg;
        break;
    case 'Y':
        o->api_tls_cert = arg;
        break;
    case 'T':
        o->agent_token_file = arg;
        break;
    case 'S':
        o->state_file = arg;
        break;
    case 'k':
        o->api_token_file = arg;
        break;
    case 'L':
        if (o->n_policy_paths == MINIDCD_POLICY_PATHS_MAX) {
            fprintf(err, "minidcd: at most %d --policy-path\n", MINIDCD_POLICY_PATHS_MAX);
            return 2;
        }
        o->policy_paths[o->n_policy_paths++] = arg;
        break;
    case 'A':
        if (strcmp(arg, "l2") && strcmp(arg, "net")) {
            fprintf(err, "minidcd: --app is net (the default) or l2\n");
            return 2;
        }
        o->app_l2 = !strcmp(arg, "l2");
        break;
    case 'M':
        if (!whole_number(arg, 1, 1000000, &n)) {
            fprintf(err, "minidcd: --max-connections is 1 to 1000000\n");
            return 2;
        }
        o->max_conns = (size_t)n;
        break;
    case 'W':
        if (topo_parse_rewrite_at(arg, &ra) < 0) {
            fprintf(err, "minidcd: --rewrite-at is root or nearest\n");
            return 2;
        }
        o->rewrite_at = arg;
        break;
    case 'B':
        if (!whole_number(arg, 0, MINIDCD_BUSY_POLL_MAX_US, &n)) {
            fprintf(err, "minidcd: --openflow-busy-poll is 0 to %d microseconds\n",
                    MINIDCD_BUSY_POLL_MAX_US);
            return 2;
        }
        o->of_busy_poll_us = (unsigned)n;
        break;
    case 'N':
        if (topo_parse_migration_net(arg, &mn) < 0) {
            fprintf(err, "minidcd: --migration-network is data or management\n");
            return 2;
        }
        o->migration_net = arg;
        break;
    case 'P':
        if (!whole_number(arg, 1, 65535, &n)) {
            fprintf(err, "minidcd: --agent-port is a port number\n");
            return 2;
        }
        o->agent_port = (uint16_t)n;
        break;
    default:
        usage(err);
        return 2;
    }
    return -1;
}

int minidcd_opts_parse(int argc, char **argv, struct minidcd_opts *o, FILE *out, FILE *err)
{
    static const struct option opts[] = {
        {"topology", required_argument, NULL, 't'},
        {"openflow", required_argument, NULL, 'o'},
        {"api", required_argument, NULL, 'a'},
        {"pidfile", required_argument, NULL, 'p'},
        {"log-file", required_argument, NULL, 'l'},
        {"verbose", no_argument, NULL, 'v'},
        {"app", required_argument, NULL, 'A'},
        {"tls-key", required_argument, NULL, 'K'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-ca", required_argument, NULL, 'R'},
        {"api-tls-key", required_argument, NULL, 'X'},
        {"api-tls-cert", required_argument, NULL, 'Y'},
        {"agent-token-file", required_argument, NULL, 'T'},
        {"agent-port", required_argument, NULL, 'P'},
        {"state-file", required_argument, NULL, 'S'},
        {"rewrite-at", required_argument, NULL, 'W'},
        {"migration-network", required_argument, NULL, 'N'},
        {"api-token-file", required_argument, NULL, 'k'},
        {"max-connections", required_argument, NULL, 'M'},
        {"openflow-busy-poll", required_argument, NULL, 'B'},
        {"policy-path", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->agent_port = AGENT_PROTO_PORT;
    o->of_busy_poll_us = MINIDCD_BUSY_POLL_US;
    optind = 1; /* read from the start, also when called again (tests) */
    opterr = err != NULL;
    int ch, rc;
    while ((ch = getopt_long(argc, argv, "t:o:a:p:l:vh", opts, NULL)) != -1) {
        if (ch == 'h') {
            usage(out);
            return 0;
        }
        if ((rc = take(ch, optarg, o, err)) >= 0)
            return rc;
    }
    if (!o->topology || optind < argc) {
        usage(err);
        return 2;
    }
    if (!o->api_token_file) {
        fprintf(err, "minidcd: --api-token-file is needed: the API runs VMs and commands in them, "
                     "so it has no\n"
                     "open mode (make one with: head -c16 /dev/urandom | od -An -tx1 | tr -d ' "
                     "\\n' >FILE)\n");
        return 2;
    }
    if ((o->tls_key || o->tls_cert || o->tls_ca) && !(o->tls_key && o->tls_cert && o->tls_ca)) {
        fprintf(err, "minidcd: TLS needs all three: --tls-key, --tls-cert and --tls-ca\n");
        return 2;
    }
    if (!o->api_tls_key != !o->api_tls_cert) {
        fprintf(err, "minidcd: HTTPS for the API needs both --api-tls-key and --api-tls-cert\n");
        return 2;
    }
    return -1;
}
