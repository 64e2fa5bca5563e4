#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/builtin.h"
#include "policy/overload.h"
#include "util/xalloc.h"

static const struct mdc_policy *const others[] = {&policy_none, &policy_consolidate,
                                                  &policy_autoscale};
#define N_OTHERS (sizeof others / sizeof *others)
#define N_DS (OVERLOAD_N_DET * OVERLOAD_N_SEL * OVERLOAD_N_PLACE)

/* "D-S" or "D-S-P": the detector-selector policy, or NULL. */
static const struct mdc_policy *composite(const char *name)
{
    char buf[32], *parts[4];
    size_t n = 0;
    if (strlen(name) >= sizeof buf)
        return NULL;
    strcpy(buf, name);
    for (char *s = buf; n < 4;) {
        parts[n++] = s;
        s = strchr(s, '-');
        if (!s)
            break;
        *s++ = '\0';
    }
    enum det_kind d;
    enum sel_kind s;
    enum place_kind p = PLACE_PABFD;
    for (d = 0; d < OVERLOAD_N_DET && strcmp(parts[0], det_name(d)); d++)
        ;
    if (n < 2 || n > 3 || d == OVERLOAD_N_DET || sel_parse(parts[1], &s))
        return NULL;
    if (n == 3 && place_parse(parts[2], &p))
        return NULL;
    return overload_policy(d, s, p);
}

const struct mdc_policy *policy_builtin(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_OTHERS; i++)
        if (!strcmp(others[i]->name, name))
            return others[i];
    return composite(name);
}

size_t policy_builtin_list(const struct mdc_policy **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < N_OTHERS; i++, n++)
        if (n < max)
            out[n] = others[i];
    for (unsigned d = 0; d < OVERLOAD_N_DET; d++)
        for (unsigned s = 0; s < OVERLOAD_N_SEL; s++)
            for (unsigned p = 0; p < OVERLOAD_N_PLACE; p++, n++)
                if (n < max)
                    out[n] = overload_policy(d, s, p);
    return n;
}

static size_t n_params(const struct mdc_policy *p)
{
    size_t n = 0;
    while (p->params && p->params[n].name)
        n++;
    return n;
}

static void list_names(const struct mdc_policy *p, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; p->params && p->params[i].name && at < len; i++) {
        int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", p->params[i].name);
        at += w > 0 ? (size_t)w : 0;
    }
}

int policy_params(const struct mdc_policy *p, const struct mdc_kv *given, size_t n,
                  struct mdc_kv **out, size_t *n_out, char *err, size_t errlen)
{
    size_t np = n_params(p);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < np && strcmp(p->params[k].name, given[i].key))
            k++;
        if (k == np) {
            char names[256];
            list_names(p, names, sizeof names);
            if (np)
                snprintf(err, errlen, "policy %s has no parameter '%s' (it has: %s)", p->name,
                         given[i].key, names);
            else
                snprintf(err, errlen, "policy %s takes no parameters ('%s' given)", p->name,
                         given[i].key);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(given[j].key, given[i].key)) {
                snprintf(err, errlen, "parameter '%s' given twice", given[i].key);
                return -1;
            }
    }
    struct mdc_kv *kv = np ? xmalloc(np * sizeof *kv) : NULL;
    for (size_t k = 0; k < np; k++) {
        const char *v = mdc_param_get(given, n, p->params[k].name);
        kv[k].key = p->params[k].name;
        kv[k].value = v ? v : p->params[k].default_value;
    }
    *out = kv;
    *n_out = np;
    return 0;
}
