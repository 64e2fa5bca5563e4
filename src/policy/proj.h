/* proj: the data center as a plan under construction leaves it.
 *
 * A policy decides move by move; each move changes what the next one sees
 * (a destination fills, a source empties).  proj keeps, for every server,
 * its CPU used, memory, VMs, and the last DET_WINDOW values of its
 * utilisation history as the planned moves change them: a VM leaving takes
 * its cpu_used_history / the server's cpu_capacity out of the server's
 * measured history, a VM arriving adds its history / the destination's
 * capacity (both aligned at the newest value; minidc measures the server,
 * where CloudSim sums its VMs).  It also keeps which servers the plan wakes
 * and puts to sleep, and writes the plan's actions.
 *
 * Owns what it allocates; borrows the model, which must outlive it. */
#ifndef MINIDC_POLICY_PROJ_H
#define MINIDC_POLICY_PROJ_H

#include <minidc/policy.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy/detect.h"

struct proj_server {
    double cap;      /* cpu_capacity (a server with none counts 1) */
    double used;     /* host CPUs used, as planned */
    double mem_used; /* MiB its VMs have, as planned */
    double *hist;    /* utilisation, oldest first: the last n values, as planned */
    size_t n;
    size_t *vms; /* the VMs on it, as planned (indices into model->vms) */
    size_t n_vms, cap_vms;
    bool asleep;   /* as planned: a server the plan wakes is awake */
    bool woken;    /* the plan wakes it */
    bool to_sleep; /* the plan puts it to sleep */
    bool dest;     /* the plan moves or clones a VM to it */
    bool excluded; /* takes no VM in this plan (overloaded, being emptied) */
};

struct proj {
    const struct mdc_model *m;
    struct proj_server *s;
    size_t *where; /* each VM's server, as planned */
    bool *moved;   /* each VM the plan moves, clones or stops */
    double *hists; /* the servers' history values, DET_WINDOW each */
    bool failed;   /* adding to the plan ran out of memory */
};

/* Makes 'p' from 'm'. */
void proj_init(struct proj *p, const struct mdc_model *m);
/* Frees what 'p' holds (not 'p'). */
void proj_free(struct proj *p);

/* Utilisation now of server 's', as planned. */
double proj_util(const struct proj *p, size_t s);

/* Runs 'd' on server 's' as planned, with VM 'extra' added to it when
 * 'extra' is not SIZE_MAX. */
bool proj_overloaded(const struct proj *p, const struct detector *d, size_t s, size_t extra,
                     struct det_result *r);

/* The power server 's' draws at utilisation 'u' (its linear model; 0 W
 * asleep), and what adding VM 'v' to it would add (from 0 W when asleep:
 * it must be woken). */
double proj_power(const struct proj *p, size_t s, double u);
double proj_power_increase(const struct proj *p, size_t s, size_t v);

/* VM 'v' leaves its server ('moved' set); VM 'v' (or a copy: a clone) is
 * added to server 's'. */
void proj_remove(struct proj *p, size_t v);
void proj_add(struct proj *p, size_t v, size_t s);
/* proj_remove then proj_add; with 'moved' as before (an undo keeps it). */
void proj_move(struct proj *p, size_t v, size_t s);

/* Adds to 'plan': the wake of server 's' if it is asleep as planned (it is
 * then awake), then the migration or clone of VM 'v' to it, with 'why';
 * the projection follows (a migration moves the VM, a clone adds a copy;
 * 's' is marked a destination).  Adding that ran out of memory sets
 * 'failed'. */
void proj_plan_migrate(struct proj *p, struct mdc_plan *plan, size_t v, size_t s, const char *why);
void proj_plan_clone(struct proj *p, struct mdc_plan *plan, size_t v, size_t s, const char *why);
/* Adds a stop of VM 'v', and a sleep of server 's', following them. */
void proj_plan_stop(struct proj *p, struct mdc_plan *plan, size_t v, const char *why);
void proj_plan_sleep(struct proj *p, struct mdc_plan *plan, size_t s, const char *why);
/* Server 's' as it will be once asleep (its sleep to be added later with
 * proj_plan_sleep). */
void proj_mark_sleep(struct proj *p, size_t s);

/* The longest migration off server 's' as planned (LR's horizon), and
 * with VM 'extra' on it too (SIZE_MAX: none). */
double proj_migration_s(const struct proj *p, size_t s, size_t extra);

#endif
