#include "util/base64.h"

#include <string.h>

#include "util/xalloc.h"

static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t n)
{
    char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    const unsigned char *s = data;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        *o++ = tbl[v >> 18 & 63];
        *o++ = tbl[v >> 12 & 63];
        *o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

void *base64_decode(const char *s, size_t *n)
{
    size_t len = s ? strlen(s) : 0;
    unsigned char *out = xmalloc(len / 4 * 3 + 4), *o = out;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        const char *p = s[i] ? strchr(tbl, s[i]) : NULL;
        if (!p)
            continue; /* '=' padding and line breaks */
        v = (v << 6) | (unsigned)(p - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)((v >> bits) & 0xff);
        }
    }
    *o = '\0';
    if (n)
        *n = (size_t)(o - out);
    return out;
}
