/* Bounds-checked reading and growable writing of wire bytes, for the codec
 * (inline but for the slow paths, which are in ofp_buf.c).  Private to src/ofp. */
#ifndef MINIDC_OFP_OFP_BUF_H
#define MINIDC_OFP_OFP_BUF_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ofp/ofp.h"

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

/* Takes the next entry of a list whose entries start with their length (16
 * bits, network order): its first 'fixed' bytes into 'w', the rest of it as
 * 'body'.  False (and takes nothing) when the entry is shorter than 'fixed'
 * or runs past 'c'. */
bool ofp_cur_pull_entry(struct ofp_cur *c, void *w, size_t fixed, struct ofp_cur *body);

/* Takes what is left of 'c' into 'b', which owns a copy (NULL when empty). */
void ofp_cur_take_bytes(struct ofp_cur *c, struct ofp_bytes *b);

/* A write buffer that grows as needed; allocation failure aborts. */
struct ofp_out {
    uint8_t *d;
    size_t len, cap;
};

/* Makes room for 'n' more bytes (the slow path of the puts below). */
void ofp_out_grow(struct ofp_out *o, size_t n);

/* The puts are inline: a message is written field by field, and a call and
 * a memcpy of unknown size per field cost the controller about a tenth of
 * its answers per second (bench/ofbench). */
static inline uint8_t *ofp_out_room(struct ofp_out *o, size_t n)
{
    if (o->len + n > o->cap)
        ofp_out_grow(o, n);
    uint8_t *at = o->d + o->len;
    o->len += n;
    return at;
}

static inline void ofp_out_put(struct ofp_out *o, const void *p, size_t n)
{
    if (n) /* 'p' may be NULL then (an empty echo or error body) */
        memcpy(ofp_out_room(o, n), p, n);
}

static inline void ofp_out_zeros(struct ofp_out *o, size_t n)
{
    if (n)
        memset(ofp_out_room(o, n), 0, n);
}

/* Pads with zeros to a multiple of 8 bytes counted from 'start'. */
static inline void ofp_out_pad8(struct ofp_out *o, size_t start)
{
    size_t n = (o->len - start) % 8;
    if (n)
        ofp_out_zeros(o, 8 - n);
}

/* Writes a big-endian 16-bit value at offset 'at' (for lengths known late). */
static inline void ofp_out_patch16(struct ofp_out *o, size_t at, uint16_t v)
{
    uint16_t be = htobe16(v);
    memcpy(o->d + at, &be, 2);
}

/* Append big-endian values. */
static inline void ofp_out_put16(struct ofp_out *o, uint16_t v)
{
    uint16_t be = htobe16(v);
    memcpy(ofp_out_room(o, 2), &be, 2);
}

static inline void ofp_out_put32(struct ofp_out *o, uint32_t v)
{
    uint32_t be = htobe32(v);
    memcpy(ofp_out_room(o, 4), &be, 4);
}

static inline void ofp_out_put64(struct ofp_out *o, uint64_t v)
{
    uint64_t be = htobe64(v);
    memcpy(ofp_out_room(o, 8), &be, 8);
}

#endif
