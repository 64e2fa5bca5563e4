/* minidc/policy.h: the interface between minidc and a placement policy.
 *
 * A policy is a struct mdc_policy: a name, the parameters it takes, and
 * three callbacks.  Every interval minidc gives decide() the data center as
 * it knows it (struct mdc_model) and decide() answers with a plan: an ordered
 * list of actions (migrate a VM, clone it behind a balancer, stop it, put a
 * server to sleep, wake one), or nothing.  minidc carries the plan out, a
 * bounded number of moves at once, each with its usual checks.
 *
 * The built-in policies are written against this header alone; so can
 * yours, in a shared object that exports
 *
 *     const struct mdc_policy *const mdc_policies[] = {&my_policy, NULL};
 *
 * loaded by `minidcd --policy-path FILE.so` (build it with
 * `cc -shared -fPIC -I include`).  Nothing here depends on minidcd: the same
 * policies drive minidc's simulator.
 *
 * Units: CPU in host CPUs (1.0 = one core all the time), memory in MiB,
 * rates per second, bandwidth in Mbit/s, times in seconds.  Every pointer
 * in the model stays valid until decide() returns; a policy keeps copies of
 * what it needs longer.  decide() runs on minidcd's event loop: it must not
 * block. */
#ifndef MINIDC_POLICY_H
#define MINIDC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct below changes; minidcd refuses a policy built
 * against another version. */
#define MDC_POLICY_API_VERSION 1

/* A figure's recent values, one a round, oldest first; the last is the
 * latest.  Rounds are model->interval_s apart; a round without a sample
 * repeats the one before (a series never has a gap).  n may be 0. */
struct mdc_history {
    const double *values;
    size_t n;
};

struct mdc_server {
    const char *name;
    const char *subnet;     /* the name of its subnet */
    const char *sw;         /* the switch it hangs on */
    double cpu_capacity;    /* host CPUs its VMs may use together (> 0) */
    double memory_mib;      /* memory its VMs may have together */
    double memory_used_mib; /* what its VMs have now */
    double cpu_allocated;   /* the sum of its VMs' cpu_allocation */
    double power_idle_w;    /* linear power model: idle ... */
    double power_max_w;     /* ... and at full CPU use */
    double link_mbit;       /* its link to its switch; 0: not limited */
    bool asleep;            /* takes no VMs, counts as off */
    bool reachable;         /* its agent answers: else it takes no VMs, its VMs don't move */
    double cpu_used;        /* host CPUs used now (its VMs and their overhead) */
    struct mdc_history cpu_utilization; /* cpu used / cpu_capacity, 0..1 and over */
};

struct mdc_vm {
    const char *name;
    size_t server;       /* index into model->servers */
    const char *address; /* its address now */
    const char *home;    /* the address its clients use (kept across subnets) */
    const char *serves;  /* the balanced address it is a replica of; NULL: none */
    const char *state;   /* "running", "migrating", "booting", ... */
    bool movable;        /* running and free: an action on it may start now */
    unsigned memory_mib;
    unsigned cpus;
    double cpu_allocation; /* host CPUs allocated (its cpu share; its vCPUs when none) */
    double cpu_used;       /* host CPUs its QEMU uses now */
    struct mdc_history cpu_used_history;           /* host CPUs */
    struct mdc_history memory_used_mib_history;    /* resident memory */
    double net_rx_bytes_per_s, net_tx_bytes_per_s; /* now */
};

/* An address clients use, with the VMs answering it (one, or the replicas
 * behind its balancer) and the demand on it, as `minidc load` reports it. */
struct mdc_service {
    const char *address;
    const size_t *vms; /* indices into model->vms */
    size_t n_vms;
    double requests_per_s; /* answered a second, all replicas; < 0: not known */
    double p95_ms;         /* < 0: not known */
    double failed_per_s;   /* < 0: not known */
};

struct mdc_link {
    const char *a, *b;     /* node names, as the topology file writes them */
    double bandwidth_mbit; /* 0: not limited */
    double mbit_per_s;     /* carried now, the busier direction; < 0: not known */
    double utilization;    /* mbit_per_s / bandwidth_mbit; < 0: not known */
};

struct mdc_model {
    double now;        /* seconds since the epoch */
    double interval_s; /* between two rounds of the histories */
    const struct mdc_server *servers;
    size_t n_servers;
    const struct mdc_vm *vms;
    size_t n_vms;
    const struct mdc_service *services;
    size_t n_services;
    const struct mdc_link *links;
    size_t n_links;
    /* Switches a packet crosses from server i to server j:
     * hops[i * n_servers + j] (1 on one switch; 0 from a server to itself;
     * -1 unreachable). */
    const int *hops;
};

enum mdc_action_kind {
    MDC_MIGRATE, /* vm to server */
    MDC_CLONE,   /* vm to server; balance: behind a balancer with the original */
    MDC_STOP,    /* vm */
    MDC_SLEEP,   /* server (it must hold no VM by then) */
    MDC_WAKE,    /* server */
};

struct mdc_action {
    enum mdc_action_kind kind;
    const char *vm;     /* migrate, clone, stop */
    const char *server; /* migrate, clone (where to), sleep, wake */
    bool balance;       /* clone */
    char why[128];      /* a line for the user: why this action */
};

/* The plan decide() fills: an ordered list; add to it with mdc_plan_add().
 * minidc frees it. */
struct mdc_plan {
    struct mdc_action *actions;
    size_t n, cap;
};

/* Appends an action; its strings must stay valid until decide() returns.
 * 'why' may be NULL.  0, or -1 when memory ran out. */
static inline int mdc_plan_add(struct mdc_plan *p, enum mdc_action_kind kind, const char *vm,
                               const char *server, bool balance, const char *why)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        struct mdc_action *a = (struct mdc_action *)realloc(p->actions, cap * sizeof *a);
        if (!a)
            return -1;
        p->actions = a, p->cap = cap;
    }
    struct mdc_action *a = &p->actions[p->n++];
    memset(a, 0, sizeof *a);
    a->kind = kind, a->vm = vm, a->server = server, a->balance = balance;
    if (why) {
        size_t n = strlen(why);
        memcpy(a->why, why, n < sizeof a->why ? n : sizeof a->why - 1);
    }
    return 0;
}

/* A parameter a policy takes, with its default ("" for none) and a line of
 * help.  minidc refuses a parameter the policy does not list, and gives
 * init() every listed one: the user's value or the default. */
struct mdc_param {
    const char *name;
    const char *default_value;
    const char *help;
};

struct mdc_kv {
    const char *key, *value;
};

/* The value of 'key' among 'kv' (NULL when absent). */
static inline const char *mdc_param_get(const struct mdc_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key))
            return kv[i].value;
    return NULL;
}

/* Figures a policy cannot decide without; minidc checks them when the
 * policy starts and refuses to run it, saying which is missing. */
enum mdc_needs {
    MDC_NEEDS_REQUEST_RATE = 1 << 0, /* a service's requests_per_s (minidc load reports it) */
    MDC_NEEDS_LATENCY = 1 << 1,      /* a service's p95_ms */
    MDC_NEEDS_CPU_CAPACITY = 1 << 2, /* every server's cpu_capacity, as the topology caps it */
};

struct mdc_policy {
    int api_version; /* MDC_POLICY_API_VERSION */
    const char *name;
    const char *summary;            /* a line */
    const struct mdc_param *params; /* ended by an entry whose name is NULL; may be NULL */
    unsigned needs;                 /* enum mdc_needs, or'ed */
    /* Makes the policy's state from its parameters (each listed one, with
     * its value).  0; or -1 with why in 'err' (a bad value: say which and
     * what was expected).  NULL: no state. */
    int (*init)(void **state, const struct mdc_kv *params, size_t n_params, char *err,
                size_t errlen);
    /* Adds to 'plan' what to do now (nothing: all is well).  0; or -1 with
     * why in 'err' (the interval's plan is then empty). */
    int (*decide)(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                  size_t errlen);
    /* Frees what init() made.  NULL: nothing to free. */
    void (*destroy)(void *state);
};

#ifdef __cplusplus
}
#endif

#endif
