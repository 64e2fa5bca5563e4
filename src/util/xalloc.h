/* xalloc: allocation that aborts loudly on failure, so callers never check. */
#ifndef MINIDC_UTIL_XALLOC_H
#define MINIDC_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grows array '*p' of '*cap' elements of 'size' bytes to hold at least 'need'. */
void xgrow(void *pp, size_t *cap, size_t need, size_t size);

#endif
