#include "sim/sim_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* 'names' is an array of structs 'stride' bytes apart whose first member
 * is the name (const char *), or of names when 'stride' is
 * sizeof(const char *). */
int sim_names_init(struct sim_names *t, const char *const *names, size_t stride, size_t n,
                   size_t *dup)
{
    t->cap = 16;
    while (t->cap < 2 * n)
        t->cap *= 2;
    t->keys = xcalloc(t->cap, sizeof *t->keys);
    t->values = xcalloc(t->cap, sizeof *t->values);
    for (size_t i = 0; i < n; i++) {
        const char *name = *(const char *const *)((const char *)names + i * stride);
        size_t k = (size_t)fnv1a(name) & (t->cap - 1);
        while (t->keys[k]) {
            if (!strcmp(t->keys[k], name)) {
                if (dup)
                    *dup = i;
                return -1;
            }
            k = (k + 1) & (t->cap - 1);
        }
        t->keys[k] = name;
        t->values[k] = i;
    }
    return 0;
}

void sim_names_free(struct sim_names *t)
{
    free(t->keys);
    free(t->values);
    t->keys = NULL;
    t->values = NULL;
}

size_t sim_names_find(const struct sim_names *t, const char *name)
{
    if (!name || !t->keys)
        return SIZE_MAX;
    size_t k = (size_t)fnv1a(name) & (t->cap - 1);
    while (t->keys[k]) {
        if (!strcmp(t->keys[k], name))
            return t->values[k];
        k = (k + 1) & (t->cap - 1);
    }
    return SIZE_MAX;
}
