/* The write buffer and the cursor helpers of ofp_buf.h that are not inline. */
#include "ofp/ofp_buf.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "util/xalloc.h"

bool ofp_cur_pull_entry(struct ofp_cur *c, void *w, size_t fixed, struct ofp_cur *body)
{
    struct ofp_cur peek = *c;
    if (!ofp_cur_pull_into(&peek, w, fixed))
        return false;
    const uint8_t *p = w;
    size_t len = (size_t)p[0] << 8 | p[1];
    if (len < fixed || !ofp_cur_sub(c, len, body))
        return false;
    ofp_cur_pull(body, fixed);
    return true;
}

void ofp_cur_take_bytes(struct ofp_cur *c, struct ofp_bytes *b)
{
    b->len = c->left;
    b->data = b->len ? xmalloc(b->len) : NULL;
    if (b->len)
        memcpy(b->data, ofp_cur_pull(c, b->len), b->len);
}

void ofp_out_put(struct ofp_out *o, const void *p, size_t n)
{
    if (!n)
        return; /* 'p' may be NULL then (an empty echo or error body) */
    xgrow(&o->d, &o->cap, o->len + n, 1);
    memcpy(o->d + o->len, p, n);
    o->len += n;
}

void ofp_out_zeros(struct ofp_out *o, size_t n)
{
    xgrow(&o->d, &o->cap, o->len + n, 1);
    memset(o->d + o->len, 0, n);
    o->len += n;
}

void ofp_out_pad8(struct ofp_out *o, size_t start)
{
    size_t n = (o->len - start) % 8;
    if (n)
        ofp_out_zeros(o, 8 - n);
}

void ofp_out_patch16(struct ofp_out *o, size_t at, uint16_t v)
{
    uint16_t be = htons(v);
    memcpy(o->d + at, &be, 2);
}

void ofp_out_put16(struct ofp_out *o, uint16_t v)
{
    v = htons(v);
    ofp_out_put(o, &v, 2);
}

void ofp_out_put32(struct ofp_out *o, uint32_t v)
{
    v = htonl(v);
    ofp_out_put(o, &v, 4);
}

void ofp_out_put64(struct ofp_out *o, uint64_t v)
{
    v = htobe64(v);
    ofp_out_put(o, &v, 8);
}
