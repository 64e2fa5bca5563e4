/* minidcd_opts: minidcd's command line, read and checked (pure: no I/O but
 * the messages it writes to the stream it is given). */
#ifndef MINIDC_CTL_MINIDCD_OPTS_H
#define MINIDC_CTL_MINIDCD_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct minidcd_opts {
    const char *topology; /* --topology FILE */
    const char *openflow; /* --openflow ADDR:PORT, or NULL: the topology's */
    const char *api;      /* --api ADDR:PORT, or NULL: the topology's */
    const char *pidfile, *log_file;
    bool verbose;
    bool app_l2;                             /* --app l2: the learning switch for every switch */
    const char *tls_key, *tls_cert, *tls_ca; /* all three or none */
    const char *api_tls_key, *api_tls_cert;  /* both or none: the API speaks HTTPS */
    const char *agent_token_file, *api_token_file, *state_file;
    const char *rewrite_at;    /* root|nearest, checked, or NULL: the topology's */
    const char *migration_net; /* data|management, checked, or NULL: the topology's */
    uint16_t agent_port;
    size_t max_conns; /* 0: fitted to the descriptor limit */
    /* --openflow-busy-poll USEC: after a switch's message, the event loop
     * looks again without sleeping for this long (0: sleeps at once). */
    unsigned of_busy_poll_us;
#define MINIDCD_BUSY_POLL_US 50
#define MINIDCD_BUSY_POLL_MAX_US 100000
#define MINIDCD_POLICY_PATHS_MAX 16
    const char *policy_paths[MINIDCD_POLICY_PATHS_MAX]; /* --policy-path FILE.so, each */
    size_t n_policy_paths;
};

/* Reads 'argv' into 'o'.  Returns -1 to go on, or the exit status to end
 * with: 0 after --help (usage on 'out'), 2 after a usage error (said on
 * 'err'). */
int minidcd_opts_parse(int argc, char **argv, struct minidcd_opts *o, FILE *out, FILE *err);

#endif
