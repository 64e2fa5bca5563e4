/* vmctl: minidcd's side of the VMs.  It keeps the inventory (which VM runs
 * where, with which MAC and address), allocates MACs and addresses per
 * subnet, and drives the servers' agents through operations: boot, migrate,
 * clone, stop, exec, load.  Each operation runs in a thread of its own (agents'
 * answers take seconds) and records its phases as it goes, so a client can
 * follow it (GET /api/v1/operations/ID).  A poller asks every agent for its
 * VMs and metrics every VMCTL_POLL_S seconds: VMs found on agents (after a
 * minidcd restart) join the inventory.
 *
 * What the agents do not know, the address clients use for each VM (its
 * first, kept across subnets) and the balanced address it serves, is kept
 * in a state file; a restarted minidcd reads it and, once the agents have
 * shown where the VMs are, has the network rewrite and balance again.
 *
 * Every migration and clone is recorded in the state file before it asks
 * an agent (VM, source, destination, the destination's name and address,
 * the phase reached) until it ends.  One that a minidcd's death cut short,
 * or one that failed without learning how its undo went (an agent did not
 * answer), is left to the poller, which finishes or undoes it once the
 * agents have told what they hold (ctl/recover.h decides), as an operation
 * "recover" (event "vm.recovered"); so are copies of a VM that no transfer
 * explains (a paused VM, an arrival, a VM on two servers).  Until then the
 * VM shows as "recovering", with why, and takes no other operation.
 *
 * All functions are thread-safe; API handlers call them from the event loop
 * and they never block on the network. */
#ifndef MINIDC_CTL_VMCTL_H
#define MINIDC_CTL_VMCTL_H

#include <jansson.h>
#include <stdint.h>

#include "agentproto/agent_proto.h"
#include "ctl/api_body.h"
#include "topo/topo.h"

#define VMCTL_POLL_S 2.0
#define VMCTL_AGENT_PORT AGENT_PROTO_PORT /* the agents' port unless told otherwise */

struct vmctl;

struct vmctl_hooks {
    void *ctx;
    /* Receives events as operations end ("vm.booted", "vm.migrated",
     * "vm.cloned", "vm.destroyed", "vm.recovered", "vm.load", "vm.failed"),
     * from any thread. */
    void (*publish)(void *ctx, const char *type, json_t *data);
    /* Has the network rewrite 'old_ip' <-> 'new_ip' (a VM moved across
     * subnets; 'new_ip' == 'old_ip' removes it); returns the switch's name
     * (static) or NULL.  Blocks until done; called from operation threads. */
    const char *(*rewrite)(void *ctx, uint32_t old_ip, uint32_t new_ip, const uint8_t mac[6]);
    /* Has the network balance 'vip' over 'count' backends (fewer than two:
     * no balancer); returns the switch's name (static) or NULL.  Blocks. */
    const char *(*balance)(void *ctx, uint32_t vip, const uint32_t *ips, const uint8_t (*macs)[6],
                           size_t count);
    /* A VM with 'ip' and 'mac' moved to 'server' and is about to run there:
     * its traffic goes there from now on (it waits in the new tap until the
     * VM runs instead of reaching the old copy, which never will).  Blocks. */
    void (*place)(void *ctx, uint32_t ip, const uint8_t mac[6], const char *server);
};
/* 'token' (may be NULL) authenticates minidcd to the agents; 'state_file'
 * (may be NULL: nothing kept) is read now and written on every change. */
struct vmctl *vmctl_create(const struct topo *t, const char *token, uint16_t agent_port,
                           const char *state_file, const struct vmctl_hooks *hooks);
void vmctl_destroy(struct vmctl *v);

/* Starting operations, on requests api_body checked: on success returns 202
 * and '*out' = {"operation": ID}; otherwise a 4xx status with '*out' =
 * {"error": ...}, and nothing started. */
int vmctl_boot(struct vmctl *v, const struct api_boot *req, json_t **out);
int vmctl_migrate(struct vmctl *v, const char *vm, const struct api_migrate *req, json_t **out);
int vmctl_clone(struct vmctl *v, const char *vm, const struct api_clone *req, json_t **out);
int vmctl_stop(struct vmctl *v, const char *vm, bool graceful, json_t **out);
int vmctl_exec(struct vmctl *v, const char *vm, const struct api_exec *req, json_t **out);
/* The VM's load generator (vmctl_load.c): started (a new load replaces the
 * one running) or stopped, as operations "load"; and what minidcd last set
 * (200 and {kind: "cpu"|"trace"|"none", its parameters, since}, or 404). */
int vmctl_load(struct vmctl *v, const char *vm, const struct api_load *req, json_t **out);
int vmctl_load_stop(struct vmctl *v, const char *vm, json_t **out);
int vmctl_load_get(struct vmctl *v, const char *vm, json_t **out);

/* A server's emulated power state (vmctl_power.c): asleep, it takes no VM
 * (boot, migrate, clone to it: 409) and counts as off.  200 and {server,
 * asleep, changed}; 404 (no such server); 409 when it may not sleep (a VM
 * is on it, an operation goes to it).  Events "server.asleep",
 * "server.awake". */
int vmctl_server_power(struct vmctl *v, const char *server, bool asleep, json_t **out);
bool vmctl_server_asleep(struct vmctl *v, const char *server);

/* How many times every agent was asked what it holds since the start: until
 * once, the inventory is not known (after a restart, no VM is yet). */
unsigned long vmctl_rounds(struct vmctl *v);

/* What another part of minidcd keeps across restarts in the state file,
 * under 'key' (a copy is kept; NULL removes it), and what was kept (a new
 * reference, or NULL). */
void vmctl_keep(struct vmctl *v, const char *key, const json_t *value);
json_t *vmctl_kept(struct vmctl *v, const char *key);

/* Reading. */
json_t *vmctl_vms_json(struct vmctl *v);
json_t *vmctl_servers_json(struct vmctl *v);
/* 200 and the operation, or 404. */
int vmctl_operation(struct vmctl *v, unsigned long id, json_t **out);
/* Latest metrics of every server, as the agents reported them. */
json_t *vmctl_metrics_json(struct vmctl *v);
char *vmctl_metrics_prometheus(struct vmctl *v);

#endif
