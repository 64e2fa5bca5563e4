#include "util/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/conn.h"
#include "util/proc.h"
#include "util/strbuf.h"

#define HTTP_MAX_RESPONSE (64u << 20)

int http_get(const char *netns, const char *addr, uint16_t port, const char *path,
             struct strbuf *body, int timeout_ms)
{
    struct http_req r = {.netns = netns, .addr = addr, .port = port, .method = "GET", .path = path};
    return http_request(&r, body, timeout_ms);
}

/* The status of the response head 'all' (NUL-terminated), and where its
 * body starts; -EPROTO when it is not HTTP, or its body is shorter than its
 * Content-Length says (a connection cut short). */
static int parse_response(const struct strbuf *all, size_t *body_at)
{
    int status = 0;
    const char *hdr_end = strstr(all->s, "\r\n\r\n");
    if (sscanf(all->s, "HTTP/%*d.%*d %d", &status) != 1 || !hdr_end)
        return -EPROTO;
    *body_at = (size_t)(hdr_end + 4 - all->s);
    for (const char *h = strstr(all->s, "\r\n"); h && h < hdr_end; h = strstr(h + 2, "\r\n")) {
        unsigned long long len;
        if (!strncasecmp(h + 2, "Content-Length:", 15) && sscanf(h + 2 + 15, "%llu", &len) == 1 &&
            all->len - *body_at < len)
            return -EPROTO;
    }
    return status;
}

static struct conn_to conn_of(const struct http_req *hr)
{
    return (struct conn_to){
        .netns = hr->netns, .addr = hr->addr, .port = hr->port, .tls_ca = hr->tls_ca};
}

int http_request(const struct http_req *hr, struct strbuf *body, int timeout_ms)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    struct conn_to to = conn_of(hr);
    struct conn *c;
    int rc = conn_open(&to, deadline, &c);
    if (rc < 0)
        return rc;
    struct strbuf req;
    strbuf_init(&req);
    strbuf_printf(&req, "%s %s HTTP/1.0\r\nHost: %s:%u\r\nAccept: application/json\r\n", hr->method,
                  hr->path, hr->addr, hr->port);
    if (hr->token)
        strbuf_printf(&req, "Authorization: Bearer %s\r\n", hr->token);
    if (hr->body)
        strbuf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                      strlen(hr->body), hr->body);
    else
        strbuf_puts(&req, "\r\n");
    rc = conn_write_all(c, req.s, req.len, deadline);
    strbuf_free(&req);
    struct strbuf all;
    strbuf_init(&all);
    while (!rc) {
        char buf[8192];
        ssize_t r = conn_read(c, buf, sizeof buf, deadline);
        if (r > 0) {
            strbuf_add(&all, buf, (size_t)r);
            if (all.len > HTTP_MAX_RESPONSE)
                rc = -EFBIG;
        } else if (r == 0) {
            break;
        } else {
            rc = (int)r;
        }
    }
    conn_close(c);
    size_t at;
    if (!rc && (rc = parse_response(&all, &at)) >= 0 && body)
        strbuf_add(body, all.s + at, all.len - at);
    strbuf_free(&all);
    return rc;
}

int http_stream(const struct http_req *hr, int (*on_body)(void *ctx, const char *data, size_t n),
                void *ctx, int connect_timeout_ms)
{
    double deadline = proc_now() + connect_timeout_ms / 1000.0;
    struct conn_to to = conn_of(hr);
    struct conn *c;
    int rc = conn_open(&to, deadline, &c);
    if (rc < 0)
        return rc;
    struct strbuf req;
    strbuf_init(&req);
    strbuf_printf(&req, "%s %s HTTP/1.0\r\nHost: %s:%u\r\nAccept: text/event-stream\r\n%s%s%s\r\n",
                  hr->method, hr->path, hr->addr, hr->port,
                  hr->token ? "Authorization: Bearer " : "", hr->token ? hr->token : "",
                  hr->token ? "\r\n" : "");
    rc = conn_write_all(c, req.s, req.len, deadline);
    strbuf_free(&req);
    /* Head first (status line and headers), then the body as it comes, for
     * as long as it comes. */
    struct strbuf head;
    strbuf_init(&head);
    int status = 0;
    while (!rc) {
        char buf[8192];
        ssize_t r = conn_read(c, buf, sizeof buf, 0);
        if (r <= 0) {
            rc = r < 0 ? (int)r : status ? 0 : -EPROTO;
            break;
        }
        if (!status) {
            strbuf_add(&head, buf, (size_t)r);
            char *end = strstr(head.s, "\r\n\r\n");
            if (!end) {
                if (head.len > 65536)
                    rc = -EPROTO;
                continue;
            }
            if (sscanf(head.s, "HTTP/%*d.%*d %d", &status) != 1) {
                rc = -EPROTO;
                break;
            }
            size_t body = (size_t)(end + 4 - head.s);
            if (head.len > body && on_body(ctx, head.s + body, head.len - body))
                break;
            continue;
        }
        if (on_body(ctx, buf, (size_t)r))
            break;
    }
    strbuf_free(&head);
    conn_close(c);
    return rc < 0 ? rc : status;
}
