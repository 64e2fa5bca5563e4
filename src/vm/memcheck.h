/* memcheck: a guest's RAM compared page by page across a migration.
 *
 * Each side dumps the RAM it holds while the guest is paused (the source
 * once the migration completed, the destination before it runs) and makes
 * a digest of it: one 64-bit hash (XXH3) per 4 KiB page.  The two digests
 * differ in exactly the pages the migration lost or garbled, up to hash
 * collisions (2^-64 a page).  Pure: the caller reads the dumps. */
#ifndef MINIDC_VM_MEMCHECK_H
#define MINIDC_VM_MEMCHECK_H

#include <stddef.h>
#include <stdint.h>

#define MEMCHECK_PAGE 4096

struct memdigest {
    uint64_t *hash; /* one a page */
    size_t n, cap;
};

void memdigest_init(struct memdigest *d);
void memdigest_free(struct memdigest *d);
/* Adds the pages of 'len' bytes of RAM (a multiple of MEMCHECK_PAGE; a
 * last partial page counts as a page). */
void memdigest_add(struct memdigest *d, const void *ram, size_t len);

/* The digest as base64 text (the pages' hashes, little-endian) and back;
 * memdigest_decode() returns -1 for text that is not a digest. */
char *memdigest_encode(const struct memdigest *d);
int memdigest_decode(const char *text, struct memdigest *d);

/* How many pages differ between 'a' and 'b' (pages only one of them has
 * count as differing); '*first' gets the first such page's index. */
size_t memdigest_diff(const struct memdigest *a, const struct memdigest *b, size_t *first);

#endif
