#include "util/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/netns.h"
#include "util/proc.h"
#include "util/tls.h"
#include "util/xalloc.h"

struct conn {
    int fd;
    SSL_CTX *ctx; /* NULL: plain TCP */
    SSL *ssl;
};

static _Thread_local char tls_error[256];

const char *conn_strerror(int rc)
{
    if (rc == -CONN_ETLS)
        return tls_error[0] ? tls_error : "TLS failed";
    return strerror(-rc);
}

/* Keeps 'what' and 'why' as this thread's TLS failure. */
static int tls_failed(const char *what, const char *why)
{
    snprintf(tls_error, sizeof tls_error, "TLS: %s: %s", what, why);
    return -CONN_ETLS;
}

/* A TCP socket made in namespace 'ns' (NULL: the current one). */
static int socket_in(const char *ns)
{
    int saved = -1, rc;
    if (ns && (rc = netns_enter(ns, &saved)) < 0)
        return rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int e = errno;
    if (ns)
        netns_leave(saved);
    return fd < 0 ? -e : fd;
}

static int wait_fd(int fd, short events, double deadline)
{
    int left = -1;
    if (deadline > 0) {
        left = (int)((deadline - proc_now()) * 1000);
        if (left <= 0)
            return -ETIMEDOUT;
    }
    struct pollfd p = {.fd = fd, .events = events};
    int r;
    while ((r = poll(&p, 1, left)) < 0 && errno == EINTR)
        ;
    return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

/* Waits for what TLS wants after 'r' (an SSL_* call's result) to go on:
 * 0 to call again, or the error. */
static int tls_wait(struct conn *c, int r, const char *what, double deadline)
{
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
        return wait_fd(c->fd, POLLIN, deadline);
    if (e == SSL_ERROR_WANT_WRITE)
        return wait_fd(c->fd, POLLOUT, deadline);
    if (e == SSL_ERROR_SYSCALL && errno && !ERR_peek_error())
        return -errno;
    char why[160];
    long v = SSL_get_verify_result(c->ssl);
    if (v != X509_V_OK) {
        snprintf(why, sizeof why, "the server's certificate: %s", X509_verify_cert_error_string(v));
        ERR_clear_error();
    } else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
        snprintf(why, sizeof why, "the server closed the connection (does it speak TLS?)");
    } else {
        tls_last_error(why, sizeof why);
    }
    return tls_failed(what, why);
}

static int handshake(struct conn *c, const struct conn_to *to, double deadline)
{
    char err[320];
    if (!(c->ctx = tls_client_ctx(to->tls_ca, err, sizeof err)))
        return tls_failed("the API's CA", err);
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
        return tls_failed("a connection", tls_last_error(err, sizeof err));
    /* The certificate must be issued for the address dialled. */
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), to->addr);
    int r, rc;
    while ((errno = 0, r = SSL_connect(c->ssl)) != 1)
        if ((rc = tls_wait(c, r, "handshake", deadline)) < 0)
            return rc;
    return 0;
}

int conn_open(const struct conn_to *to, double deadline, struct conn **out)
{
    *out = NULL;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(to->port)};
    if (inet_pton(AF_INET, to->addr, &sin.sin_addr) != 1)
        return -EINVAL;
    int fd = socket_in(to->netns);
    if (fd < 0)
        return fd;
    struct conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    int rc = 0;
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 && errno != EINPROGRESS)
        rc = -errno;
    if (!rc && !(rc = wait_fd(fd, POLLOUT, deadline))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = -err;
    }
    if (!rc && to->tls_ca)
        rc = handshake(c, to, deadline);
    if (rc) {
        conn_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* SSL_write() without SIGPIPE when the server has gone (OpenSSL writes with
 * write(2), which cannot be told MSG_NOSIGNAL): the signal is blocked for the
 * call, and one it raised is taken back. */
static int ssl_write_quiet(SSL *ssl, const void *p, int n)
{
    sigset_t pipe, old, pending;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    errno = 0;
    int w = SSL_write(ssl, p, n);
    int e = errno;
    if (w <= 0 && e == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

int conn_write_all(struct conn *c, const void *data, size_t n, double deadline)
{
    const char *p = data;
    for (size_t off = 0; off < n;) {
        int rc;
        if (c->ssl) {
            int w = ssl_write_quiet(c->ssl, p + off, (int)(n - off > 1 << 20 ? 1 << 20 : n - off));
            if (w > 0)
                off += (size_t)w;
            else if ((rc = tls_wait(c, w, "sending", deadline)) < 0)
                return rc;
            continue;
        }
        ssize_t w = send(c->fd, p + off, n - off, MSG_NOSIGNAL);
        if (w > 0)
            off += (size_t)w;
        else if (errno == EAGAIN || errno == EINTR) {
            if ((rc = wait_fd(c->fd, POLLOUT, deadline)) < 0)
                return rc;
        } else
            return -errno;
    }
    return 0;
}

ssize_t conn_read(struct conn *c, void *buf, size_t n, double deadline)
{
    for (;;) {
        int rc;
        if (c->ssl) {
            errno = 0;
            int r = SSL_read(c->ssl, buf, (int)(n > 1 << 20 ? 1 << 20 : n));
            if (r > 0)
                return r;
            int e = SSL_get_error(c->ssl, r);
            /* The end of the stream, whether or not the server said so:
             * callers check that what they read is whole (Content-Length). */
            if (e == SSL_ERROR_ZERO_RETURN ||
                (e == SSL_ERROR_SYSCALL && !ERR_peek_error() && !errno) ||
                (e == SSL_ERROR_SSL &&
                 ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
                ERR_clear_error();
                return 0;
            }
            if ((rc = tls_wait(c, r, "receiving", deadline)) < 0)
                return rc;
            continue;
        }
        ssize_t r = recv(c->fd, buf, n, 0);
        if (r >= 0)
            return r;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        if ((rc = wait_fd(c->fd, POLLIN, deadline)) < 0)
            return rc;
    }
}

void conn_close(struct conn *c)
{
    if (!c)
        return;
    if (c->ssl) {
        SSL_shutdown(c->ssl); /* one close_notify, not waiting for the answer */
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    close(c->fd);
    free(c);
}
