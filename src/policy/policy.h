/* policy: minidc's built-in placement policies, behind the interface of
 * <minidc/policy.h>.
 *
 *   none           does nothing
 *   consolidate    empties lightly used servers and puts them to sleep
 *   autoscale      clones busy services' VMs behind balancers, stops
 *                  replicas of quiet ones
 *   D-S[-P]        Beloglazov & Buyya's detector-selector policies: a
 *                  detector D (thr, iqr, mad, lr, lrr) finds overloaded
 *                  servers, a selector S (mmt, mc, rs, mu) picks the VMs
 *                  leaving them, a placement P (pabfd, the default, or
 *                  subnet) places them; then consolidation
 *
 * Each file of src/policy says how its part decides.  Pure: no I/O. */
#ifndef MINIDC_POLICY_POLICY_H
#define MINIDC_POLICY_POLICY_H

#include <minidc/policy.h>
#include <stddef.h>

/* The built-in policy called 'name' ("thr-mmt", "thr-mmt-pabfd" is the
 * same), or NULL. */
const struct mdc_policy *policy_builtin(const char *name);

/* The built-in policies, each once under its shortest name: up to 'max'
 * of them into 'out' (which may be NULL when 'max' is 0); how many there
 * are. */
size_t policy_builtin_list(const struct mdc_policy **out, size_t max);

/* Checks the parameters 'given' ('n' of them) against those 'p' lists and
 * fills in the defaults: '*out' gets every parameter 'p' lists, in its
 * order, with the given value or the default ('*n_out' of them; the
 * caller frees '*out' with free(); its strings are borrowed from 'given'
 * and 'p').  0; or -1 with why in 'err' (a key 'p' does not list, naming
 * the ones it does; a key given twice).  Values are checked by init(). */
int policy_params(const struct mdc_policy *p, const struct mdc_kv *given, size_t n,
                  struct mdc_kv **out, size_t *n_out, char *err, size_t errlen);

#endif
