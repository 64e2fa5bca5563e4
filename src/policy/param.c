#include "policy/param.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *value_of(const struct param_src *s, const char *key, const char *def)
{
    const char *v = mdc_param_get(s->kv, s->n, key);
    return v ? v : def;
}

int param_number(const struct param_src *s, const char *key, const char *def, double lo, double hi,
                 double *out)
{
    const char *v = value_of(s, key, def);
    char *end;
    errno = 0;
    double x = *v && !isspace((unsigned char)*v) ? strtod(v, &end) : NAN;
    if (isnan(x) || *end || errno || !isfinite(x) || x < lo || x > hi) {
        if (isinf(hi))
            snprintf(s->err, s->errlen, "%s '%s': expected a number from %g up", key, v, lo);
        else
            snprintf(s->err, s->errlen, "%s '%s': expected a number from %g to %g", key, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int param_bool(const struct param_src *s, const char *key, const char *def, bool *out)
{
    const char *v = value_of(s, key, def);
    if ((v[0] != '0' && v[0] != '1') || v[1]) {
        snprintf(s->err, s->errlen, "%s '%s': expected 0 or 1", key, v);
        return -1;
    }
    *out = v[0] == '1';
    return 0;
}

static int whole(const char *v, uint64_t *out)
{
    if (!isdigit((unsigned char)*v))
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || errno)
        return -1;
    *out = x;
    return 0;
}

int param_u64(const struct param_src *s, const char *key, const char *def, uint64_t *out)
{
    const char *v = value_of(s, key, def);
    if (whole(v, out)) {
        snprintf(s->err, s->errlen, "%s '%s': expected a whole number from 0 to %llu", key, v,
                 (unsigned long long)UINT64_MAX);
        return -1;
    }
    return 0;
}

int param_size(const struct param_src *s, const char *key, const char *def, size_t lo, size_t hi,
               size_t *out)
{
    const char *v = value_of(s, key, def);
    uint64_t x;
    if (whole(v, &x) || x < lo || x > hi) {
        snprintf(s->err, s->errlen, "%s '%s': expected a whole number from %zu to %zu", key, v, lo,
                 hi);
        return -1;
    }
    *out = (size_t)x;
    return 0;
}
