/* none: decides nothing; the baseline every other policy is measured
 * against. */
#include "policy/builtin.h"

static int none_decide(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                       size_t errlen)
{
    return 0;
}

const struct mdc_policy policy_none = {
    MDC_POLICY_API_VERSION, "none", "does nothing", NULL, 0, NULL, none_decide, NULL};
