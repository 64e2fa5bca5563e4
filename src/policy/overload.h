/* overload: the detector-selector policies of Beloglazov & Buyya (their
 * optimizeAllocation, CloudSim's PowerVmAllocationPolicyMigrationAbstract),
 * one for every detector (detect.h), selector (select.h) and placement
 * (place.h): "thr-mmt", "lrr-mc-subnet".
 *
 * Each round: every awake, reachable server the detector finds overloaded
 * gives up VMs, one at a time as the selector picks them among its movable
 * ones, until the detector, run again on its history less theirs, finds it
 * overloaded no more (or none is left to pick); those VMs, largest CPU
 * first, go where the placement puts them (waking a sleeping server when
 * no awake one can take a VM), and one that fits nowhere stays.  Then, with
 * 'consolidate' 1, underload consolidation (underload.h) with the same
 * detector and placement, over every server under utilisation 1. */
#ifndef MINIDC_POLICY_OVERLOAD_H
#define MINIDC_POLICY_OVERLOAD_H

#include <minidc/policy.h>

#include "policy/detect.h"
#include "policy/place.h"
#include "policy/select.h"

/* Detectors, selectors and placements there are. */
#define OVERLOAD_N_DET 5
#define OVERLOAD_N_SEL 4
#define OVERLOAD_N_PLACE 2

/* The policy of detector 'd', selector 's' and default placement 'p'
 * (named "D-S" for PABFD, "D-S-subnet" for SUBNET). */
const struct mdc_policy *overload_policy(enum det_kind d, enum sel_kind s, enum place_kind p);

#endif
