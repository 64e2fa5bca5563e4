/* Shared by the lab's files; not for other modules. */
#ifndef MINIDC_LAB_LAB_PRIV_H
#define MINIDC_LAB_LAB_PRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "topo/topo.h"

/* Names inside the fabric namespace.  Switch names cannot start with '_',
 * so these never collide with a switch's bridge or ports. */
#define LAB_MGMT_BRIDGE "_mgmt"

struct lab_ctx {
    char *name;
    char *dir;      /* RUN/labs/NAME */
    char *ovs_dir;  /* RUN/labs/NAME/ovs */
    struct topo *t; /* NULL until loaded */
    json_t *state;  /* written to DIR/state.json on every change */
    bool quiet;
};

/* Run directory root: $MINIDC_RUN_DIR or /run/minidc. */
const char *lab_run_root(void);

/* Fills names and paths for lab 'name'; loads its state and topology when
 * they exist.  Returns 0, or -1 after printing why 'name' cannot be a lab. */
int lab_ctx_open(struct lab_ctx *ctx, const char *name);
void lab_ctx_close(struct lab_ctx *ctx);
bool lab_exists(const struct lab_ctx *ctx);

/* Persists ctx->state atomically (write then rename). */
int lab_state_save(struct lab_ctx *ctx);
/* Appends 'value' to the state's string array 'key' and saves: call before
 * making the object so that a crash leaves it on record. */
int lab_state_record(struct lab_ctx *ctx, const char *key, const char *value);
const char *lab_state_str(const struct lab_ctx *ctx, const char *key);
int lab_state_set(struct lab_ctx *ctx, const char *key, const char *value);

/* Namespace of node 'n' (a switch lives in the fabric); caller frees. */
char *lab_node_ns(const struct lab_ctx *ctx, const struct topo_node *n);
/* Switch port name for 'port' of switch 'sw' ("ovs4-3"); caller frees. */
char *lab_port_name(const struct topo_node *sw, unsigned port);

/* Sets OVS_RUNDIR and friends so Open vSwitch programs use the lab's daemons. */
void lab_ovs_env(const struct lab_ctx *ctx);

/* Lists the names of labs with a state directory; caller frees each and the array. */
char **lab_list(size_t *n);

/* Steps: 'run' returns 0 or non-zero after printing why; it may set
 * '*detail' (caller frees) to a short result shown on the progress line. */
struct lab_step {
    const char *id;   /* for fault injection: MINIDC_FAULT=lab-up:ID */
    const char *what; /* progress text */
    int (*run)(struct lab_ctx *ctx, char **detail);
};
int lab_run_steps(struct lab_ctx *ctx, const struct lab_step *steps, size_t n);

/* Agents (lab_agents.c): the guest image directory ($MINIDC_GUEST_DIR, else
 * "guest" beside the program), the token shared by minidcd and the agents
 * (DIR/agent.token), minidcd's API token for its clients (DIR/api.token, not
 * given to the agents), and starting the agents that are not running.  The
 * make functions keep a token that exists. */
char *lab_guest_dir(void);
char *lab_token_path(const struct lab_ctx *ctx);
int lab_make_token(const struct lab_ctx *ctx);
char *lab_api_token_path(const struct lab_ctx *ctx);
int lab_make_api_token(const struct lab_ctx *ctx);
bool lab_agent_running(const struct lab_ctx *ctx, const char *server);
int lab_start_agents(struct lab_ctx *ctx, char **detail);

/* Capacities (lab_capacity.c).  lab_capacity_check: what the topology asks
 * that this machine cannot do (delay or loss without sch_netem, a server's
 * cpu without a cgroup CPU controller), at each key, before anything is
 * made; -1 when there is any.  The steps make the servers' CPU groups
 * (RUN's state records them; lab_remove_cgroups() takes them away once
 * their processes are gone) and the links' qdiscs. */
int lab_capacity_check(const struct topo *t, struct diag_list *dl);
int lab_step_cgroups(struct lab_ctx *ctx, char **detail);
int lab_step_shaping(struct lab_ctx *ctx, char **detail);
/* Server 'server''s CPU group (the agent's --cgroup), NULL when the lab
 * has none; caller frees. */
char *lab_server_cgroup(const struct lab_ctx *ctx, const char *server);
void lab_remove_cgroups(struct lab_ctx *ctx);

/* The CA file clients of the API trust (DIR/pki/ca.pem) when the lab was
 * made with --tls (its API then speaks HTTPS), else NULL.  Caller frees. */
char *lab_api_ca_path(const struct lab_ctx *ctx);

/* Removes what the state records (processes, namespaces, links, files). */
int lab_teardown(struct lab_ctx *ctx);

#endif
