/* Bounds-checked reading and growable writing of wire bytes, for the codec.
 * Private to src/ofp. */
#ifndef MINIDC_OFP_OFP_BUF_H
#define MINIDC_OFP_OFP_BUF_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A read cursor: pull() returns NULL (and takes nothing) when fewer than 'n'
 * bytes are left. */
struct ofp_cur {
    const uint8_t *p;
    size_t left;
};

static inline const void *ofp_cur_pull(struct ofp_cur *c, size_t n)
{
    if (c->left < n)
        return NULL;
    const void *r = c->p;
    c->p += n;
    c->left -= n;
    return r;
}

/* Copies the next sizeof(*dst) bytes into a wire struct. */
#define OFP_PULL(cur, dst) ofp_cur_pull_into((cur), (dst), sizeof *(dst))
static inline bool ofp_cur_pull_into(struct ofp_cur *c, void *dst, size_t n)
{
    const void *p = ofp_cur_pull(c, n);
    if (!p)
        return false;
    memcpy(dst, p, n);
    return true;
}

/* A sub-cursor over the next 'n' bytes, taken from 'c'. */
static inline bool ofp_cur_sub(struct ofp_cur *c, size_t n, struct ofp_cur *sub)
{
    const uint8_t *p = ofp_cur_pull(c, n);
    if (!p)
        return false;
    sub->p = p;
    sub->left = n;
    return true;
}

/* A write buffer that grows as needed; allocation failure aborts. */
struct ofp_out {
    uint8_t *d;
    size_t len, cap;
};

void ofp_out_put(struct ofp_out *o, const void *p, size_t n);
void ofp_out_zeros(struct ofp_out *o, size_t n);
/* Pads with zeros to a multiple of 8 bytes counted from 'start'. */
void ofp_out_pad8(struct ofp_out *o, size_t start);
/* Writes a big-endian 16-bit value at offset 'at' (for lengths known late). */
void ofp_out_patch16(struct ofp_out *o, size_t at, uint16_t v);

#endif
