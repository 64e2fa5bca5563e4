/* base64: RFC 4648 encoding of binary data (the guest agent's payloads,
 * memory digests in the agents' API). */
#ifndef MINIDC_UTIL_BASE64_H
#define MINIDC_UTIL_BASE64_H

#include <stddef.h>

/* 'n' bytes of 'data' as base64 text (caller frees). */
char *base64_encode(const void *data, size_t n);
/* The bytes of base64 text 's' (padding and line breaks skipped), with a
 * NUL after them so that text can be used as a string; '*n' (when not NULL)
 * gets their number.  Caller frees. */
void *base64_decode(const char *s, size_t *n);

#endif
