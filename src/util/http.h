/* http: a small blocking HTTP/1.0 client, for the command line to talk to
 * minidcd's API and for minidcd to talk to the agents.  The socket can be made inside a network
 * namespace (the lab's fabric), so the CLI reaches an API that only listens there.
 *
 * Errors: negative errno (-ETIMEDOUT when 'timeout_ms' passes) or
 * -CONN_ETLS (say them with conn_strerror()); otherwise the HTTP status,
 * with the body in 'body'. */
#ifndef MINIDC_UTIL_HTTP_H
#define MINIDC_UTIL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/conn.h"

struct strbuf;

int http_get(const char *netns, const char *addr, uint16_t port, const char *path,
             struct strbuf *body, int timeout_ms);

struct http_req {
    const char *netns; /* make the socket here; NULL: the current namespace */
    const char *addr;  /* IPv4 address */
    uint16_t port;
    const char *method; /* "GET", "POST", "DELETE" */
    const char *path;
    const char *token;  /* sent as "Authorization: Bearer TOKEN" when not NULL */
    const char *body;   /* JSON sent with its length when not NULL */
    const char *tls_ca; /* HTTPS, trusting the CA in this file (util/conn.h); NULL: HTTP */
};
int http_request(const struct http_req *r, struct strbuf *body, int timeout_ms);
/* Streams: sends the request, then hands the body to 'on_body' as it
 * arrives, until the server closes or 'on_body' returns non-zero.  Returns
 * the HTTP status, or a negative errno. */
int http_stream(const struct http_req *r, int (*on_body)(void *ctx, const char *data, size_t n),
                void *ctx, int connect_timeout_ms);

#endif
