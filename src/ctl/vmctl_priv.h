/* What vmctl's files share (not for users of vmctl.h).  The files, by what
 * they do:
 *   vmctl.c            the public entry points (vmctl.h), boot, stop and exec
 *   vmctl_inventory.c  VM records, topology look-ups, addresses
 *   vmctl_state.c      the state file and the transfer records it keeps
 *   vmctl_ops.c        operation records, starting their threads
 *   vmctl_network.c    telling the network where VMs are (rewrites, balancers)
 *   vmctl_transfer.c   migrate and clone
 *   vmctl_recovery.c   finishing or undoing transfers cut short (ctl/recover.h)
 *   vmctl_poller.c     asking the agents what they hold, and reconciling
 *   vmctl_load.c       the guests' load generators (vm load)
 *   vmctl_power.c      servers' power states (sleep, wake)
 * The agents are asked through agent_client.h, which a test can replace.
 * Functions marked "lock held" expect v->lock taken; the others take it
 * when they need it. */
#ifndef MINIDC_CTL_VMCTL_PRIV_H
#define MINIDC_CTL_VMCTL_PRIV_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agentproto/agent_proto.h"
#include "ctl/agent_client.h"
#include "ctl/recover.h"
#include "ctl/vmctl.h"
#include "topo/topo.h"

/* A VM's state, as the API shows it ("state" of GET /api/v1/vms), with the
 * names of the table generated from this list. */
#define VMCTL_VM_STATES(X)                                                                         \
    X(VM_BOOTING, "booting")                                                                       \
    X(VM_RUNNING, "running")                                                                       \
    X(VM_MIGRATING, "migrating")                                                                   \
    X(VM_CLONING, "cloning")                                                                       \
    X(VM_STOPPING, "stopping")                                                                     \
    X(VM_RECOVERING, "recovering") /* a transfer cut short, or copies no transfer explains */      \
    X(VM_CRASHED, "crashed")       /* its QEMU is gone, as its agent says */                       \
    X(VM_BROKEN, "broken")         /* QEMU marked its disk or a device broken, as its agent says */

enum vm_state {
#define VMCTL_VM_STATE_ENUM(name, text) name,
    VMCTL_VM_STATES(VMCTL_VM_STATE_ENUM)
#undef VMCTL_VM_STATE_ENUM
};
const char *vm_state_name(enum vm_state s);

/* An operation's kind, its name in the API ("kind") and the event
 * published when it succeeds (NULL: none). */
#define VMCTL_OP_KINDS(X)                                                                          \
    X(OP_BOOT, "boot", "vm.booted")                                                                \
    X(OP_MIGRATE, "migrate", "vm.migrated")                                                        \
    X(OP_CLONE, "clone", "vm.cloned")                                                              \
    X(OP_STOP, "stop", "vm.destroyed")                                                             \
    X(OP_EXEC, "exec", NULL)                                                                       \
    X(OP_LOAD, "load", "vm.load")                                                                  \
    X(OP_RECOVER, "recover", "vm.recovered")

enum op_kind {
#define VMCTL_OP_KIND_ENUM(name, text, event) name,
    VMCTL_OP_KINDS(VMCTL_OP_KIND_ENUM)
#undef VMCTL_OP_KIND_ENUM
};
const char *op_kind_name(enum op_kind k);
const char *op_kind_event(enum op_kind k);

/* An operation's state ("state" of GET /api/v1/operations/ID). */
#define VMCTL_OP_STATES(X)                                                                         \
    X(OP_RUNNING, "running")                                                                       \
    X(OP_DONE, "done")                                                                             \
    X(OP_FAILED, "failed")

enum op_state {
#define VMCTL_OP_STATE_ENUM(name, text) name,
    VMCTL_OP_STATES(VMCTL_OP_STATE_ENUM)
#undef VMCTL_OP_STATE_ENUM
};
const char *op_state_name(enum op_state s);

struct vrec {
    char *name, *server, *mac, *ip, *gw; /* ip: ADDR/LEN */
    uint32_t addr;                       /* its address now */
    uint32_t home;   /* the address clients use: its first (kept across subnets) */
    uint32_t next;   /* reserved for a move across subnets under way */
    uint32_t serves; /* a replica behind a balancer of this address (0: none) */
    unsigned memory_mib, cpus;
    double cpu_share; /* host CPUs allocated (the agent's cpu_share); 0: not given */
    enum vm_state state;
    unsigned long op; /* the operation holding it, 0 when none */
    /* found after a restart at another address or serving one: the network
     * needs telling */
    bool restored;
    char *why;     /* recovering: what it waits for, or what is done (NULL otherwise) */
    char *problem; /* broken: what QEMU found broken, as its agent says (NULL otherwise) */
    double retry;  /* recovering: a recovery that failed is tried again from then */
    json_t *load;  /* the load minidcd last set in the guest (vmctl_load.c); NULL: none */
    bool leaving;  /* being stopped: taken out of its balancer first (not a backend) */
};

/* A transfer under way, or left half-done for the poller to finish or undo
 * (ctl/recover.h).  Its record is in the state file from before the
 * transfer asks any agent until it ends, so that a minidcd started after
 * this one died knows which copies are whose. */
struct xrec {
    unsigned long op; /* the operation doing it; 0: left to the poller */
    char *vm, *src, *dst, *dst_name;
    bool clone, balance;
    bool finish_sent; /* the destination may have been told to start its copy */
    uint32_t addr;    /* a move across subnets: the destination's address (0: none) */
    /* the VM at the source, and as the destination makes it (vrec_spec) */
    json_t *src_spec, *dst_spec;
    char *phase;
};

struct op {
    unsigned long id;
    enum op_kind kind;
    char *vm, *target;
    json_t *phases;
    char *current;
    double phase_t0, started, ended;
    enum op_state state;
    char *error;
    json_t *result;
    json_t *args;
    bool reads_only; /* exec: changes no inventory, holds no VM */
    /* a transfer that failed without learning how its undo went: its record
     * goes to the poller */
    bool handover;
    struct vmctl *v;
};

struct vmctl {
    pthread_mutex_t lock;
    const struct topo *t;
    struct agent_client client; /* asks the servers' agents */
    struct agent_client *http;  /* the HTTP client vmctl_create made, if it did */
    struct vrec **vms;
    size_t n_vms, cap_vms;
    struct op **ops;
    size_t n_ops, cap_ops;
    unsigned long next_op;
    size_t ops_running; /* those that may change the inventory (not exec) */
    size_t threads;     /* operations under way, all kinds */
    double changed;     /* last time an operation changed the inventory */
    json_t *metrics;    /* server name -> the agent's metrics */
    json_t *agents;     /* server name -> {"reachable", "error", ...info} */
    char *state_file;
    json_t *saved;        /* the state file as read at start: VM name -> {mac, address, serves} */
    json_t *asleep;       /* servers put to sleep (vmctl_power.c): name -> since */
    json_t *kept;         /* what others keep in the state file (vmctl_keep()): key -> value */
    unsigned long rounds; /* polls of every agent done since the start */
    struct xrec **xrecs;  /* transfers under way or left half-done */
    size_t n_xrecs, cap_xrecs;
    pthread_t poller;
    bool polling; /* the poller thread runs */
    pthread_cond_t wake;
    bool stop;
    struct vmctl_hooks hooks;
};

/* Inventory (vmctl_inventory.c; lock held). */
const struct topo_node *vmctl_server_node(const struct vmctl *v, const char *name);
const struct topo_subnet *vmctl_server_subnet(const struct vmctl *v, const char *server);
uint32_t vmctl_parse_ip(const char *s);
void vmctl_parse_mac(const char *s, uint8_t mac[6]);
uint32_t vmctl_alloc_addr(const struct vmctl *v, const struct topo_subnet *sn);
struct vrec *vrec_new(struct vmctl *v, const char *name, const char *server, unsigned mem,
                      unsigned cpus, enum vm_state state, json_t **out);
struct vrec *vrec_found(struct vmctl *v, const char *name, const char *server, const json_t *a,
                        enum vm_state state);
struct vrec *vrec_find(struct vmctl *v, const char *name);
void vrec_remove(struct vmctl *v, struct vrec *r);
void vrec_free(struct vrec *r);
void vrec_why(struct vrec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vrec_wait(struct vrec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keeps what its agent says QEMU found broken in 'r' (NULL: nothing);
 * logged when it changes. */
void vrec_problem(struct vrec *r, const char *problem);
void vrec_place(struct vrec *r, const char *server, const json_t *a);
/* Takes VM 'name' for an operation (lock held): 0 with '*rp', or 404 (no
 * such VM) or 409 (busy, recovering) with '*out'. */
int vmctl_hold(struct vmctl *v, const char *name, struct vrec **rp, json_t **out);
/* Whether 'server' has 'mib' free for VMs, as its agent says; why not in
 * '*err'.  Blocks: lock not held. */
int vmctl_check_room(struct vmctl *v, const char *server, unsigned mib, char **err);
json_t *vrec_json(const struct vrec *r);
json_t *vrec_spec(const struct vrec *r);

/* Power states (vmctl_power.c; lock held): whether 'server' sleeps, and
 * 409 with '*out' when it does (a VM may not go to it). */
bool vmctl_asleep_locked(const struct vmctl *v, const char *server);
int vmctl_refuse_asleep(const struct vmctl *v, const char *server, json_t **out);

/* The state file and transfer records (vmctl_state.c; lock held but by
 * xrec_finish_sent). */
void vmctl_load_state(struct vmctl *v);
void vmctl_save_state(struct vmctl *v);
json_t *xrec_json(const struct xrec *x);
void xrec_free(struct xrec *x);
struct xrec *xrec_of_op(struct vmctl *v, unsigned long op);
void xrec_remove(struct vmctl *v, struct xrec *x);
void xrec_finish_sent(struct op *o);

/* Operations (vmctl_ops.c): op_start with the lock held, the others without. */
int op_start(struct vmctl *v, enum op_kind kind, struct vrec *r, const char *target, json_t *args,
             void *(*fn)(void *), json_t **out);
void op_phase(struct op *o, const char *name);
void op_result(struct op *o, const char *key, json_t *value);
void op_end(struct op *o, char *err);
struct vrec *op_vm(struct op *o);
void op_release(struct op *o, enum vm_state state);
void op_drop(struct op *o, const char *name);
json_t *op_json(const struct op *o);
void op_free(struct op *o);

/* The network (vmctl_network.c; lock not held). */
const char *vmctl_rebalance(struct vmctl *v, uint32_t vip);
const char *vmctl_network_follow(struct vmctl *v, const char *place, uint32_t home, uint32_t addr,
                                 uint32_t serves, bool was_away, const uint8_t mac[6],
                                 bool *balanced);

/* Operation threads (vmctl_transfer.c, vmctl_recovery.c) and the poller
 * (vmctl_poller.c). */
void *vmctl_migrate_thread(void *arg);
void *vmctl_clone_thread(void *arg);
void vmctl_start_recovery(struct vmctl *v, struct vrec *r, const struct recover_plan *p, size_t n,
                          const char *const servers[], const char *const names[],
                          const enum recover_copy copies[], json_t *const vms[], struct xrec *x,
                          bool identity);
void *vmctl_poller(void *arg);

/* For tests: vmctl_create with 'agents' (which must outlive the vmctl) in
 * place of the agents over HTTP; with 'poll' false no poller runs, and
 * vmctl_poll_once() asks the agents and reconciles when the test says. */
struct vmctl *vmctl_create_with(const struct topo *t, const struct agent_client *agents,
                                const char *state_file, const struct vmctl_hooks *hooks, bool poll);
void vmctl_poll_once(struct vmctl *v);

#endif
