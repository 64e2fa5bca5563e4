/* select: which VM leaves an overloaded server.  The four selectors of
 * Beloglazov & Buyya (CCPE 2012), as CloudSim implements them:
 *
 *   MMT  minimum migration time: the VM of least memory
 *   MC   maximum correlation: the VM whose CPU history the others' explain
 *        best (the R^2 of its multiple regression on them, with an
 *        intercept); MMT when the histories are too short for the
 *        regression to have a degree of freedom (fewer than candidates + 1
 *        values) or it is singular, as CloudSim falls back on its
 *        IllegalArgumentException
 *   RS   random selection, from a seeded generator of its own (splitmix64)
 *   MU   minimum utilisation: the least cpu_used / cpu_allocation
 *
 * Ties go to the candidate listed first.  Pure: no I/O; MC allocates. */
#ifndef MINIDC_POLICY_SELECT_H
#define MINIDC_POLICY_SELECT_H

#include <minidc/policy.h>
#include <stddef.h>
#include <stdint.h>

/* The values of history MC regresses at most: CloudSim's VM history. */
#define SEL_WINDOW 30
/* The seed RS uses when given 0: "minidc!!" in ASCII. */
#define SEL_DEFAULT_SEED UINT64_C(0x6d696e6964632121)

enum sel_kind { SEL_MMT, SEL_MC, SEL_RS, SEL_MU };

/* splitmix64 (Steele, Lea & Flood 2014): a 64-bit state, one add a draw. */
struct sel_rng {
    uint64_t state;
};

/* Seeds 'r' (0: SEL_DEFAULT_SEED). */
void sel_rng_seed(struct sel_rng *r, uint64_t seed);
uint64_t sel_rng_next(struct sel_rng *r);
/* A draw in 0..n-1 (n > 0), without modulo bias worth the name (n is
 * small: a server's VMs). */
size_t sel_rng_below(struct sel_rng *r, size_t n);

/* Chooses among the 'n' candidates 'cands' (n > 0, indices into m->vms)
 * the VM to move; its position in 'cands'.  'rng' is RS's (NULL for the
 * others).  A few words on why go into 'why'. */
size_t sel_choose(enum sel_kind k, const struct mdc_model *m, const size_t *cands, size_t n,
                  struct sel_rng *rng, char *why, size_t len);

/* MC's measure: the R^2 of each candidate's regression on the others, in
 * r2[0..n-1].  0; or -1 when MC falls back to MMT (as above). */
int sel_correlations(const struct mdc_model *m, const size_t *cands, size_t n, double *r2);

/* "mmt", "mc", "rs", "mu"; and back: 0, or -1 for another name. */
const char *sel_name(enum sel_kind k);
int sel_parse(const char *name, enum sel_kind *k);

#endif
