/* param: a built-in policy's parameters read in its init(), each with an
 * error that names it, shows the value and says what was expected:
 * "threshold 'abc': expected a number from 0 to 1".  A parameter absent
 * from the list (init() called without policy_params()) takes 'def'.
 * Each returns 0, or -1 with the error in 'err'. */
#ifndef MINIDC_POLICY_PARAM_H
#define MINIDC_POLICY_PARAM_H

#include <minidc/policy.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct param_src {
    const struct mdc_kv *kv;
    size_t n;
    char *err;
    size_t errlen;
};

/* A number from 'lo' to 'hi' (INFINITY: no upper bound). */
int param_number(const struct param_src *s, const char *key, const char *def, double lo, double hi,
                 double *out);
/* 0 or 1. */
int param_bool(const struct param_src *s, const char *key, const char *def, bool *out);
/* A whole number from 0 to 2^64 - 1. */
int param_u64(const struct param_src *s, const char *key, const char *def, uint64_t *out);
/* A whole number from 'lo' to 'hi'. */
int param_size(const struct param_src *s, const char *key, const char *def, size_t lo, size_t hi,
               size_t *out);

#endif
