/* ofstream: plain TCP read and written here, TLS through
 * bufferevent_openssl (see ofstream.h). */
#include "ctl/ofstream.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/xalloc.h"

/* A read takes up to this much (as libevent's own reads): a switch with a
 * window of requests out gets the first answers while the rest waits in the
 * socket.  Reading 64 KiB at once, bench/ofbench's one switch (256 requests
 * out, about 28 KiB) had its whole window read before any answer left, then
 * waited: 0.74x the answers a second.  Past OFSTREAM_INPUT_MAX of unread
 * input, reading waits until it is consumed. */
#define OFSTREAM_READ_CHUNK (4u << 10)
#define OFSTREAM_INPUT_MAX (1u << 20)
/* ofstream_push() writes once this much is queued. */
#define OFSTREAM_PUSH_BYTES (4u << 10)

struct ofstream {
    struct ofstream_cbs cbs;
    struct bufferevent *bev; /* TLS; NULL for plain TCP */
    /* Plain TCP: */
    int fd;
    struct evbuffer *in, *out;
    struct event *rd;    /* the socket readable (persistent while reading) */
    struct event *wr;    /* writable, asked for when the kernel took only part */
    struct event *flush; /* never on the socket: made active to write this turn */
    bool reading;        /* 'rd' is added */
    bool stopped;
};

/* ---- plain TCP ---- */

static void plain_fail(struct ofstream *s, const char *error)
{
    ofstream_stop(s);
    s->cbs.closed(s->cbs.arg, error);
}

static void set_reading(struct ofstream *s, bool on)
{
    if (s->stopped || on == s->reading)
        return;
    s->reading = on;
    if (on)
        event_add(s->rd, NULL);
    else
        event_del(s->rd);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct ofstream *s = arg;
    (void)what;
    struct evbuffer_iovec v[2];
    int nv = evbuffer_reserve_space(s->in, OFSTREAM_READ_CHUNK, v, 2);
    if (nv <= 0) {
        plain_fail(s, "out of memory for its input");
        return;
    }
    struct iovec iov[2];
    for (int i = 0; i < nv; i++)
        iov[i] = (struct iovec){v[i].iov_base, v[i].iov_len};
    ssize_t n = readv(fd, iov, nv);
    if (n < 0) {
        evbuffer_commit_space(s->in, v, 0);
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            plain_fail(s, strerror(errno));
        return;
    }
    if (n == 0) {
        evbuffer_commit_space(s->in, v, 0);
        plain_fail(s, NULL);
        return;
    }
    size_t left = (size_t)n;
    int used = 0;
    for (; used < nv && left; used++) {
        if (v[used].iov_len > left)
            v[used].iov_len = left;
        left -= v[used].iov_len;
    }
    evbuffer_commit_space(s->in, v, used);
    if (evbuffer_get_length(s->in) >= OFSTREAM_INPUT_MAX)
        set_reading(s, false); /* back when it is consumed (on_input) */
    s->cbs.read(s->cbs.arg);
}

/* Writes what the output holds, as much as the kernel takes; the rest when
 * the socket is writable again. */
static void write_out(struct ofstream *s)
{
    if (s->stopped)
        return;
    while (evbuffer_get_length(s->out)) {
        int n = evbuffer_write(s->out, s->fd);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            plain_fail(s, strerror(errno));
            return;
        }
    }
    if (evbuffer_get_length(s->out))
        event_add(s->wr, NULL);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    write_out(arg);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct ofstream *s = arg;
    /* While the socket's readiness is awaited, that write comes first. */
    if (!event_pending(s->wr, EV_WRITE, NULL))
        write_out(s);
}

/* Something was added to the output: it is written in this turn of the loop
 * (active events run before the loop waits again), once for all that is
 * added until then. */
static void on_output(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
    (void)b;
    struct ofstream *s = arg;
    if (info->n_added && !s->stopped)
        event_active(s->flush, EV_WRITE, 0); /* once: an active event is not made so again */
}

static void on_input(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
    struct ofstream *s = arg;
    if (info->n_deleted && evbuffer_get_length(b) < OFSTREAM_INPUT_MAX)
        set_reading(s, true);
}

struct ofstream *ofstream_plain(struct event_base *base, int fd, const struct ofstream_cbs *cbs)
{
    evutil_make_socket_nonblocking(fd);
    struct ofstream *s = xcalloc(1, sizeof *s);
    s->cbs = *cbs;
    s->fd = fd;
    s->in = evbuffer_new();
    s->out = evbuffer_new();
    s->rd = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, s);
    s->wr = event_new(base, fd, EV_WRITE, on_writable, s);
    s->flush = event_new(base, -1, 0, on_flush, s);
    if (!s->in || !s->out || !s->rd || !s->wr || !s->flush) {
        fprintf(stderr, "minidcd: out of memory for an OpenFlow connection\n");
        abort();
    }
    evbuffer_add_cb(s->out, on_output, s);
    evbuffer_add_cb(s->in, on_input, s);
    set_reading(s, true);
    return s;
}

void ofstream_push(struct ofstream *s)
{
    if (!s->bev && evbuffer_get_length(s->out) >= OFSTREAM_PUSH_BYTES &&
        !event_pending(s->wr, EV_WRITE, NULL))
        write_out(s);
}

/* ---- TLS ---- */

static void tls_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct ofstream *s = arg;
    s->cbs.read(s->cbs.arg);
}

static void tls_event(struct bufferevent *bev, short what, void *arg)
{
    struct ofstream *s = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) || s->stopped)
        return;
    char buf[256] = "";
    if (what & BEV_EVENT_ERROR) {
        unsigned long e = bufferevent_get_openssl_error(bev);
        if (e) {
            char ebuf[200];
            ERR_error_string_n(e, ebuf, sizeof ebuf);
            snprintf(buf, sizeof buf, "TLS: %s", ebuf);
        } else {
            snprintf(buf, sizeof buf, "%s", strerror(EVUTIL_SOCKET_ERROR()));
        }
    }
    ofstream_stop(s);
    s->cbs.closed(s->cbs.arg, (what & BEV_EVENT_ERROR) ? buf : NULL);
}

struct ofstream *ofstream_tls(struct event_base *base, int fd, SSL *ssl,
                              const struct ofstream_cbs *cbs)
{
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        evutil_closesocket(fd);
        return NULL;
    }
    struct ofstream *s = xcalloc(1, sizeof *s);
    s->cbs = *cbs;
    s->bev = bev;
    s->fd = fd;
    bufferevent_setcb(bev, tls_read, NULL, tls_event, s);
    bufferevent_setwatermark(bev, EV_READ, 0, OFSTREAM_INPUT_MAX);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    return s;
}

/* ---- both ---- */

struct evbuffer *ofstream_input(struct ofstream *s)
{
    return s->bev ? bufferevent_get_input(s->bev) : s->in;
}

struct evbuffer *ofstream_output(struct ofstream *s)
{
    return s->bev ? bufferevent_get_output(s->bev) : s->out;
}

void ofstream_stop(struct ofstream *s)
{
    if (s->stopped)
        return;
    if (s->bev) {
        bufferevent_disable(s->bev, EV_READ | EV_WRITE);
    } else {
        set_reading(s, false);
        event_del(s->wr);
        event_del(s->flush);
    }
    s->stopped = true;
}

void ofstream_free(struct ofstream *s)
{
    if (!s)
        return;
    if (s->bev) {
        bufferevent_free(s->bev);
    } else {
        event_free(s->rd);
        event_free(s->wr);
        event_free(s->flush);
        evbuffer_free(s->in);
        evbuffer_free(s->out);
        evutil_closesocket(s->fd);
    }
    free(s);
}
