#include "topo/topo_keys.h"

#include <stdlib.h>
#include <string.h>

/* Without the item: whether two keys are equal. */
static int cmp_value(uint64_t num, const char *str, const struct topo_key *k)
{
    if (num != k->num)
        return num < k->num ? -1 : 1;
    if (!str || !k->str)
        return str ? 1 : k->str ? -1 : 0;
    return strcmp(str, k->str);
}

static int cmp_key(const void *a, const void *b)
{
    const struct topo_key *x = a, *y = b;
    int c = cmp_value(x->num, x->str, y);
    if (c)
        return c;
    return x->item < y->item ? -1 : x->item > y->item;
}

void topo_keys_sort(struct topo_key *keys, size_t n)
{
    if (n > 1)
        qsort(keys, n, sizeof *keys, cmp_key);
}

void topo_keys_first(const struct topo_key *keys, size_t n, size_t *first)
{
    size_t head = 0;
    for (size_t p = 0; p < n; p++) {
        if (p && cmp_value(keys[p].num, keys[p].str, &keys[p - 1]))
            head = p;
        first[keys[p].item] = keys[head].item;
    }
}

size_t topo_keys_lower(const struct topo_key *keys, size_t n, uint64_t num, const char *str)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_value(num, str, &keys[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool topo_key_is(const struct topo_key *k, uint64_t num, const char *str)
{
    return cmp_value(num, str, k) == 0;
}
