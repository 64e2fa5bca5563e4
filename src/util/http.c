#include "util/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/netns.h"
#include "util/proc.h"
#include "util/strbuf.h"

#define HTTP_MAX_RESPONSE (64u << 20)

/* A TCP socket made in namespace 'ns' (NULL: the current one). */
static int socket_in(const char *ns)
{
    int saved = -1, rc;
    if (ns && (rc = netns_enter(ns, &saved)) < 0)
        return rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int e = errno;
    if (ns)
        netns_leave(saved);
    return fd < 0 ? -e : fd;
}

static int wait_fd(int fd, short events, double deadline)
{
    int left = (int)((deadline - proc_now()) * 1000);
    if (left <= 0)
        return -ETIMEDOUT;
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, left);
    return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

/* A non-blocking TCP connection to the request's address, made in its
 * namespace; '*rc' gets 0 or the negative errno of connecting (the socket
 * is returned either way, for the caller to close), or the function returns
 * a negative errno when there is no socket at all. */
static int connect_to(const struct http_req *hr, double deadline, int *rc)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(hr->port)};
    if (inet_pton(AF_INET, hr->addr, &sin.sin_addr) != 1)
        return -EINVAL;
    int fd = socket_in(hr->netns);
    if (fd < 0)
        return fd;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    *rc = 0;
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 && errno != EINPROGRESS)
        *rc = -errno;
    if (!*rc && !(*rc = wait_fd(fd, POLLOUT, deadline))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        *rc = -err;
    }
    return fd;
}

int http_get(const char *netns, const char *addr, uint16_t port, const char *path,
             struct strbuf *body, int timeout_ms)
{
    struct http_req r = {.netns = netns, .addr = addr, .port = port, .method = "GET", .path = path};
    return http_request(&r, body, timeout_ms);
}

int http_request(const struct http_req *hr, struct strbuf *body, int timeout_ms)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    int rc;
    int fd = connect_to(hr, deadline, &rc);
    if (fd < 0)
        return fd;
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
    size_t n = req.len;
    for (size_t off = 0; !rc && off < n;) {
        ssize_t w = send(fd, req.s + off, n - off, MSG_NOSIGNAL);
        if (w > 0)
            off += (size_t)w;
        else if (errno == EAGAIN)
            rc = wait_fd(fd, POLLOUT, deadline);
        else
            rc = -errno;
    }
    strbuf_free(&req);
    struct strbuf all;
    strbuf_init(&all);
    while (!rc) {
        char buf[8192];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r > 0) {
            strbuf_add(&all, buf, (size_t)r);
            if (all.len > HTTP_MAX_RESPONSE)
                rc = -EFBIG;
        } else if (r == 0) {
            break;
        } else if (errno == EAGAIN) {
            rc = wait_fd(fd, POLLIN, deadline);
        } else {
            rc = -errno;
        }
    }
    close(fd);
    if (!rc) {
        int status = 0;
        char *hdr_end = strstr(all.s, "\r\n\r\n");
        if (sscanf(all.s, "HTTP/%*d.%*d %d", &status) != 1 || !hdr_end)
            rc = -EPROTO;
        else {
            rc = status;
            if (body)
                strbuf_add(body, hdr_end + 4, all.len - (size_t)(hdr_end + 4 - all.s));
        }
    }
    strbuf_free(&all);
    return rc;
}

int http_stream(const struct http_req *hr, int (*on_body)(void *ctx, const char *data, size_t n),
                void *ctx, int connect_timeout_ms)
{
    double deadline = proc_now() + connect_timeout_ms / 1000.0;
    int rc;
    int fd = connect_to(hr, deadline, &rc);
    if (fd < 0)
        return fd;
    if (!rc) {
        struct strbuf req;
        strbuf_init(&req);
        strbuf_printf(
            &req, "%s %s HTTP/1.0\r\nHost: %s:%u\r\nAccept: text/event-stream\r\n%s%s%s\r\n",
            hr->method, hr->path, hr->addr, hr->port, hr->token ? "Authorization: Bearer " : "",
            hr->token ? hr->token : "", hr->token ? "\r\n" : "");
        if (send(fd, req.s, req.len, MSG_NOSIGNAL) != (ssize_t)req.len)
            rc = -EIO;
        strbuf_free(&req);
    }
    /* Head first (status line and headers), then the body as it comes. */
    struct strbuf head;
    strbuf_init(&head);
    int status = 0;
    fcntl(fd, F_SETFL, 0);
    while (!rc) {
        char buf[8192];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0) {
            rc = r < 0 ? -errno : status ? 0 : -EPROTO;
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
    close(fd);
    return rc < 0 ? rc : status;
}
