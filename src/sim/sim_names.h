/* sim_names: names to indices (servers, VMs), for the plan's actions.
 * Open addressing on FNV-1a; the names are borrowed.  Pure. */
#ifndef MINIDC_SIM_SIM_NAMES_H
#define MINIDC_SIM_SIM_NAMES_H

#include <stddef.h>

struct sim_names {
    const char **keys;
    size_t *values;
    size_t cap; /* a power of two, at least twice the names */
};

/* An index of 'n' names: the first member (a const char *) of each of 'n'
 * structs 'stride' bytes apart from 'names' on (stride sizeof(char *): an
 * array of names).  -1 when a name is there twice (its index in '*dup'). */
int sim_names_init(struct sim_names *t, const char *const *names, size_t stride, size_t n,
                   size_t *dup);
void sim_names_free(struct sim_names *t);
/* The index of 'name', or SIZE_MAX. */
size_t sim_names_find(const struct sim_names *t, const char *name);

#endif
