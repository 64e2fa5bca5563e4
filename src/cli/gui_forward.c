#include "cli/gui_forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/netns.h"
#include "util/xalloc.h"

/* One forwarded connection: the browser's side and minidcd's.  An end of
 * one side's stream is passed on as a shutdown of writing to the other once
 * it has written what was left; the pair goes when both ways have ended
 * (or at once on an error). */
struct pair {
    struct fwd *f;
    struct bufferevent *side[2]; /* 0: the browser, 1: minidcd */
    bool eof[2];                 /* side i's stream has ended */
    bool shut[2];                /* writing to side i was shut down */
    bool connected;              /* minidcd's side is */
    bool answer_only;            /* the browser gets a 502, then the pair goes */
    struct pair *prev, *next;
};

struct fwd {
    struct event_base *base;
    struct evconnlistener *lev;
    char *netns;
    struct sockaddr_in to;
    struct fwd_stats stats;
    double said_at; /* when the terminal was last told minidcd is unreachable */
    struct pair *pairs;
};

static void unreachable(struct pair *p, int e);

static void pair_free(struct pair *p)
{
    struct fwd *f = p->f;
    for (int i = 0; i < 2; i++)
        if (p->side[i])
            bufferevent_free(p->side[i]);
    if (p->prev)
        p->prev->next = p->next;
    else
        f->pairs = p->next;
    if (p->next)
        p->next->prev = p->prev;
    f->stats.open--;
    free(p);
}

static int side_of(const struct pair *p, const struct bufferevent *bev)
{
    return bev == p->side[1];
}

/* Shuts down writing to side 'j' once its peer ended and all is written;
 * frees the pair when both ways are done.  True when it freed it. */
static bool pass_end(struct pair *p, int j)
{
    struct bufferevent *b = p->side[j];
    if (p->eof[!j] && !p->shut[j] && !evbuffer_get_length(bufferevent_get_output(b))) {
        shutdown(bufferevent_getfd(b), SHUT_WR);
        p->shut[j] = true;
    }
    if (p->shut[0] && p->shut[1]) {
        pair_free(p);
        return true;
    }
    return false;
}

/* Moves what side 'i' read to the other side, and stops reading 'i' while
 * the other has too much queued. */
static void on_read(struct bufferevent *bev, void *arg)
{
    struct pair *p = arg;
    int i = side_of(p, bev);
    struct bufferevent *other = p->side[!i];
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    if (i)
        p->f->stats.down += n;
    else
        p->f->stats.up += n;
    evbuffer_add_buffer(bufferevent_get_output(other), in);
    if (evbuffer_get_length(bufferevent_get_output(other)) >= FWD_BUFFER_MAX) {
        bufferevent_disable(bev, EV_READ);
        bufferevent_setwatermark(other, EV_WRITE, FWD_BUFFER_MAX / 2, 0);
    }
}

/* Side 'j' wrote down to its low mark: its peer may read again, or the end
 * of its peer's stream goes on to it. */
static void on_write(struct bufferevent *bev, void *arg)
{
    struct pair *p = arg;
    int j = side_of(p, bev);
    if (p->answer_only) {
        if (!evbuffer_get_length(bufferevent_get_output(bev)))
            pair_free(p);
        return;
    }
    bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
    if (!p->eof[!j])
        bufferevent_enable(p->side[!j], EV_READ);
    pass_end(p, j);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct pair *p = arg;
    int i = side_of(p, bev);
    if (what & BEV_EVENT_CONNECTED) {
        p->connected = true;
        bufferevent_enable(p->side[0], EV_READ);
        return;
    }
    if (i == 1 && !p->connected) {
        unreachable(p, EVUTIL_SOCKET_ERROR());
        return;
    }
    if (p->answer_only || (what & BEV_EVENT_ERROR) || !(what & BEV_EVENT_EOF)) {
        pair_free(p); /* a reset, or the browser gone before its 502 */
        return;
    }
    p->eof[i] = true;
    on_read(bev, p); /* what came before the end */
    pass_end(p, !i);
}

/* minidcd could not be reached (errno 'e'): the browser gets a 502 that
 * says so, this terminal a line (at most one each 10 s). */
static void unreachable(struct pair *p, int e)
{
    struct fwd *f = p->f;
    char to[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &f->to.sin_addr, to, sizeof to);
    char why[256];
    snprintf(why, sizeof why, "minidcd at %s:%u%s%s is not reachable: %s", to,
             ntohs(f->to.sin_port), f->netns ? " in namespace " : "", f->netns ? f->netns : "",
             strerror(e));
    f->stats.failed++;
    double now = (double)time(NULL);
    if (now - f->said_at >= 10) {
        fprintf(stderr, "minidc gui: %s\n", why);
        f->said_at = now;
    }
    bufferevent_free(p->side[1]);
    p->side[1] = NULL;
    p->answer_only = true;
    struct bufferevent *b = p->side[0];
    evbuffer_add_printf(bufferevent_get_output(b),
                        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Connection: close\r\nContent-Length: %zu\r\n\r\n%s\n",
                        strlen(why) + 1, why);
    bufferevent_disable(b, EV_READ);
    bufferevent_enable(b, EV_WRITE);
}

/* A socket made inside the namespace of minidcd's API. */
static int upstream_socket(const struct fwd *f)
{
    int saved = -1;
    if (f->netns) {
        int rc = netns_enter(f->netns, &saved);
        if (rc)
            return rc;
    }
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int e = errno;
    if (f->netns)
        netns_leave(saved);
    return s < 0 ? -e : s;
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg)
{
    struct fwd *f = arg;
    f->stats.accepted++;
    int s = upstream_socket(f);
    if (s < 0) {
        f->stats.failed++;
        close(fd);
        return;
    }
    struct pair *p = xcalloc(1, sizeof *p);
    p->f = f;
    p->side[0] = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
    p->side[1] = bufferevent_socket_new(f->base, s, BEV_OPT_CLOSE_ON_FREE);
    p->next = f->pairs;
    if (f->pairs)
        f->pairs->prev = p;
    f->pairs = p;
    f->stats.open++;
    for (int i = 0; i < 2; i++)
        bufferevent_setcb(p->side[i], on_read, on_write, on_event, p);
    /* The browser's bytes wait until minidcd's side is connected. */
    bufferevent_disable(p->side[0], EV_READ);
    bufferevent_enable(p->side[1], EV_READ);
    if (bufferevent_socket_connect(p->side[1], (struct sockaddr *)&f->to, sizeof f->to) < 0)
        unreachable(p, EVUTIL_SOCKET_ERROR());
}

struct fwd *fwd_create(struct event_base *base, const char *addr, uint16_t port,
                       const struct fwd_to *to, char *err, size_t errlen)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
        snprintf(err, errlen, "%s is not an IPv4 address", addr);
        return NULL;
    }
    struct fwd *f = xcalloc(1, sizeof *f);
    f->base = base;
    f->netns = to->netns ? xstrdup(to->netns) : NULL;
    f->to = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(to->port)};
    if (inet_pton(AF_INET, to->addr, &f->to.sin_addr) != 1) {
        snprintf(err, errlen, "%s is not an IPv4 address", to->addr);
        fwd_destroy(f);
        return NULL;
    }
    f->lev = evconnlistener_new_bind(
        base, on_accept, f, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 64,
        (struct sockaddr *)&sin, sizeof sin);
    if (!f->lev) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", addr, port, strerror(errno));
        fwd_destroy(f);
        return NULL;
    }
    return f;
}

uint16_t fwd_port(const struct fwd *f)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(evconnlistener_get_fd(f->lev), (struct sockaddr *)&sin, &len) < 0)
        return 0;
    return ntohs(sin.sin_port);
}

struct fwd_stats fwd_stats(const struct fwd *f)
{
    return f->stats;
}

void fwd_destroy(struct fwd *f)
{
    if (!f)
        return;
    while (f->pairs)
        pair_free(f->pairs);
    if (f->lev)
        evconnlistener_free(f->lev);
    free(f->netns);
    free(f);
}
