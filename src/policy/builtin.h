/* builtin: the built-in policies beside the detector-selector family
 * (overload.h), for the registry. */
#ifndef MINIDC_POLICY_BUILTIN_H
#define MINIDC_POLICY_BUILTIN_H

#include <minidc/policy.h>

extern const struct mdc_policy policy_none;
extern const struct mdc_policy policy_consolidate;
extern const struct mdc_policy policy_autoscale;

#endif
