/* token: the bearer tokens that authenticate minidc's HTTP APIs (minidcd's
 * for its clients, the agents' for minidcd): made at random into a file only
 * its owner reads, read back, checked in constant time.
 *
 * A token is TOKEN_LEN hex digits on one line.  Functions return 0 or a
 * negative errno. */
#ifndef MINIDC_UTIL_TOKEN_H
#define MINIDC_UTIL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_LEN 32  /* 16 random bytes, in hex */
#define TOKEN_MAX 256 /* longest token read from a file (with its NUL) */

/* Writes a new random token to 'path' (mode 0600), unless 'path' already
 * holds one. */
int token_make_file(const char *path);
/* Reads the token of 'path' (its first line) into 'buf' ('size' bytes);
 * -EINVAL when the file holds no token. */
int token_read_file(const char *path, char *buf, size_t size);
/* Whether 'given' equals 'secret', in a time that depends on the length of
 * 'secret' only.  NULL 'given' is false. */
bool token_equal(const char *given, const char *secret);
/* Whether the HTTP header 'authorization' (may be NULL) is
 * "Bearer SECRET". */
bool token_bearer_ok(const char *authorization, const char *secret);

#endif
