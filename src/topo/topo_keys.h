/* topo_keys: a list's items sorted by a key, to find the items equal to an
 * earlier one, and to look items up, in n log n rather than by comparing
 * every pair.  Private to src/topo (the reader and the checks). */
#ifndef MINIDC_TOPO_TOPO_KEYS_H
#define MINIDC_TOPO_TOPO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys compare by 'num', then by 'str' (NULL before any string), then by
 * 'item', so that equal keys stay in list order. */
struct topo_key {
    uint64_t num;
    const char *str; /* borrowed; may be NULL */
    size_t item;     /* the item's index in its list */
};

void topo_keys_sort(struct topo_key *keys, size_t n);

/* For every item of sorted 'keys', first[item] is the first item (in list
 * order) with an equal key: the item itself when no earlier one has it.
 * Entries of items without a key are left as they are. */
void topo_keys_first(const struct topo_key *keys, size_t n, size_t *first);

/* The position in sorted 'keys' of the first key not below (num, str), n
 * when there is none. */
size_t topo_keys_lower(const struct topo_key *keys, size_t n, uint64_t num, const char *str);

/* Whether key 'k' is (num, str). */
bool topo_key_is(const struct topo_key *k, uint64_t num, const char *str);

#endif
