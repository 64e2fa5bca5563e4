#include "vm/memcheck.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "util/base64.h"
#include "util/xalloc.h"

void memdigest_init(struct memdigest *d)
{
    *d = (struct memdigest){0};
}

void memdigest_free(struct memdigest *d)
{
    free(d->hash);
    memdigest_init(d);
}

void memdigest_add(struct memdigest *d, const void *ram, size_t len)
{
    const unsigned char *p = ram;
    size_t pages = (len + MEMCHECK_PAGE - 1) / MEMCHECK_PAGE;
    xgrow(&d->hash, &d->cap, d->n + pages, sizeof *d->hash);
    for (size_t i = 0; i < pages; i++) {
        size_t off = i * MEMCHECK_PAGE, n = len - off < MEMCHECK_PAGE ? len - off : MEMCHECK_PAGE;
        d->hash[d->n++] = XXH3_64bits(p + off, n);
    }
}

char *memdigest_encode(const struct memdigest *d)
{
    unsigned char *le = xmalloc(d->n * 8 + 1);
    for (size_t i = 0; i < d->n; i++)
        for (int b = 0; b < 8; b++)
            le[i * 8 + (size_t)b] = (unsigned char)(d->hash[i] >> (8 * b));
    char *s = base64_encode(le, d->n * 8);
    free(le);
    return s;
}

int memdigest_decode(const char *text, struct memdigest *d)
{
    size_t n;
    unsigned char *le = base64_decode(text, &n);
    memdigest_init(d);
    if (!text || !*text || n % 8) {
        free(le);
        return -1;
    }
    xgrow(&d->hash, &d->cap, n / 8, sizeof *d->hash);
    for (size_t i = 0; i < n / 8; i++) {
        uint64_t h = 0;
        for (int b = 7; b >= 0; b--)
            h = h << 8 | le[i * 8 + (size_t)b];
        d->hash[d->n++] = h;
    }
    free(le);
    return 0;
}

size_t memdigest_diff(const struct memdigest *a, const struct memdigest *b, size_t *first)
{
    size_t n = a->n > b->n ? a->n : b->n, diff = 0;
    *first = 0;
    for (size_t i = 0; i < n; i++)
        if (i >= a->n || i >= b->n || a->hash[i] != b->hash[i]) {
            if (!diff++)
                *first = i;
        }
    return diff;
}
