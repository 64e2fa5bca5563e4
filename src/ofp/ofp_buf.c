/* The slow paths of ofp_buf.h: a growing write buffer, length-prefixed
 * entries, bytes taken whole. */
#include "ofp/ofp_buf.h"

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

void ofp_out_grow(struct ofp_out *o, size_t n)
{
    xgrow(&o->d, &o->cap, o->len + n, 1);
}
