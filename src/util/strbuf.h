/* strbuf: a growable, always NUL-terminated string. */
#ifndef MINIDC_UTIL_STRBUF_H
#define MINIDC_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *s; /* NUL-terminated; never NULL after strbuf_init() */
    size_t len;
    size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (who frees it); 'sb' holds nothing after
 * and needs strbuf_init() before it is used again. */
char *strbuf_steal(struct strbuf *sb);

#endif
