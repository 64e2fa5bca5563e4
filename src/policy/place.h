/* place: where a VM goes.
 *
 * PABFD, Beloglazov & Buyya's power-aware best fit decreasing: the VMs to
 * place are taken by CPU used, largest first (place_sort_vms), and each goes
 * to the server whose power rises least under its linear model (idle +
 * (max - idle) x utilisation; a sleeping server's from 0 W, since it must be
 * woken), among those that can take it: not the VM's own, not excluded nor
 * being put to sleep, reachable by its agent and by the network (hops >=
 * 0), awake or (when allowed) asleep, with the memory for it, and not
 * overloaded by the policy's detector once it has the VM.  A server with no
 * VM skips that last check, as CloudSim's findHostForGuest does: a VM
 * heavier than the threshold could otherwise go nowhere.  Ties go to the
 * server listed first.
 *
 * SUBNET, the network-aware variant: PABFD among the servers of the VM's
 * own subnet first (a move there keeps its address: no rewrite on a switch,
 * no change of path for its clients), the other servers only when none of
 * them can take it; among equal power increases, the server fewest switches
 * away (model->hops) wins.
 *
 * Pure: no I/O. */
#ifndef MINIDC_POLICY_PLACE_H
#define MINIDC_POLICY_PLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/detect.h"
#include "policy/proj.h"

enum place_kind { PLACE_PABFD, PLACE_SUBNET };

struct place_opts {
    enum place_kind kind;
    const struct detector *det; /* the destination's overload check */
    bool wake;                  /* a sleeping server may be chosen */
    const bool *avoid;          /* per server: not there either (NULL: none) */
};

struct place_choice {
    size_t server;
    double watts; /* the power increase */
    bool own_subnet;
    int hops; /* from the VM's server (0 without model->hops) */
};

/* Finds a server for VM 'v' as 'p' plans it: true with it in 'c', or false
 * when none can take it. */
bool place_find(const struct proj *p, size_t v, const struct place_opts *o, struct place_choice *c);

/* Sorts 'vms' (indices into m->vms) by cpu_used, largest first (ties: by
 * index). */
void place_sort_vms(const struct mdc_model *m, size_t *vms, size_t n);

/* "pabfd", "subnet"; and back: 0, or -1 for another name. */
const char *place_name(enum place_kind k);
int place_parse(const char *name, enum place_kind *k);

#endif
