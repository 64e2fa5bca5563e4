/* underload: consolidation, the second half of Beloglazov & Buyya's
 * optimizeAllocation.  Round after round the least used awake server is
 * taken; when every VM on it can be placed elsewhere (each movable, placed
 * largest first, onto no server being emptied, overloaded or asleep) its
 * migrations are planned and its sleep; else it stays as it is.  The sleeps
 * go after all the round's migrations (a sleep waits for every action
 * before it: one after each server's moves would hold the next server's
 * back).
 *
 * Which servers are candidates, in increasing utilisation: awake and
 * reachable ones, not excluded (overloaded this round), not a destination
 * of this plan, with a utilisation under 'below' (CloudSim's rule is any
 * under 1).  Departures from CloudSim: a server whose VMs could not all be
 * placed may still receive VMs (CloudSim excludes it for the round), the
 * destinations of the overload step count as destinations too (CloudSim
 * means to, but reads an empty list), an awake server holding no VM is put
 * to sleep (CloudSim counts a server at utilisation 0 as off already), and
 * the last awake server is never put to sleep. */
#ifndef MINIDC_POLICY_UNDERLOAD_H
#define MINIDC_POLICY_UNDERLOAD_H

#include <minidc/policy.h>
#include <stddef.h>

#include "policy/detect.h"
#include "policy/place.h"
#include "policy/proj.h"

struct underload_opts {
    const struct detector *det; /* the destinations' overload check */
    enum place_kind place;
    double below;       /* servers of a utilisation under this only */
    size_t max_servers; /* at most this many put to sleep (0: no bound) */
    const char *policy; /* its name, for the actions' why */
};

/* Plans the consolidation into 'plan' as 'p' stands; how many servers it
 * puts to sleep. */
size_t underload_run(struct proj *p, struct mdc_plan *plan, const struct underload_opts *o);

#endif
