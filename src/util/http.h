/* http: a small blocking HTTP/1.0 GET client, for the command line to talk
 * to minidcd's API.  The socket can be made inside a network namespace (the
 * lab's fabric), so the CLI reaches an API that only listens there.
 *
 * Errors: negative errno (-ETIMEDOUT when 'timeout_ms' passes); otherwise
 * the HTTP status, with the body in 'body'. */
#ifndef MINIDC_UTIL_HTTP_H
#define MINIDC_UTIL_HTTP_H

#include <stdint.h>

struct strbuf;

int http_get(const char *netns, const char *addr, uint16_t port, const char *path, struct strbuf *body,
             int timeout_ms);

#endif
