#include "ctl/listen_guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("listen");

#define BACKOFF_SHED_MS 20
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000

struct listen_guard {
    struct evconnlistener *lev;
    const char *what;
    size_t (*shed)(void *ctx);
    void *ctx;
    unsigned paused; /* enum listen_pause bits */
    struct event *backoff, *batch;
    int delay_ms;
    struct timeval last_error;
    unsigned long errors;
    struct listen_guard *next;
};

struct evconnlistener *listen_tcp(struct event_base *base, const char *addr, uint16_t port,
                                  evconnlistener_cb cb, void *arg)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
        errno = EINVAL;
        return NULL;
    }
    return evconnlistener_new_bind(
        base, cb, arg, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        LISTEN_BACKLOG, (struct sockaddr *)&sin, sizeof sin);
}

/* libevent hands an error callback the listener's own argument (evhttp's,
 * for the API), so guards are found by listener. */
static struct listen_guard *guards;

static void apply(struct listen_guard *g)
{
    if (g->paused)
        evconnlistener_disable(g->lev);
    else
        evconnlistener_enable(g->lev);
}

void listen_guard_pause(struct listen_guard *g, enum listen_pause why)
{
    g->paused |= why;
    apply(g);
}

void listen_guard_resume(struct listen_guard *g, enum listen_pause why)
{
    if (g->paused & why) {
        g->paused &= ~(unsigned)why;
        apply(g);
    }
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    listen_guard_resume(arg, LISTEN_BACKOFF);
}

static void on_batch(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    listen_guard_resume(arg, LISTEN_BATCH);
}

void listen_guard_yield(struct listen_guard *g)
{
    listen_guard_pause(g, LISTEN_BATCH);
    event_active(g->batch, EV_TIMEOUT, 0);
}

static void on_error(struct evconnlistener *lev, void *arg)
{
    (void)arg;
    int err = EVUTIL_SOCKET_ERROR();
    struct listen_guard *g = guards;
    while (g && g->lev != lev)
        g = g->next;
    if (!g)
        return;
    g->errors++;
    struct timeval now;
    event_base_gettimeofday_cached(evconnlistener_get_base(lev), &now);
    /* Errors in a row double the pause; after a quiet while it starts over. */
    double since =
        (double)(now.tv_sec - g->last_error.tv_sec) + (now.tv_usec - g->last_error.tv_usec) / 1e6;
    g->delay_ms = since > 5.0 || !g->delay_ms        ? BACKOFF_MIN_MS
                  : g->delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                     : g->delay_ms * 2;
    g->last_error = now;
    size_t shed = (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) && g->shed
                      ? g->shed(g->ctx)
                      : 0;
    int ms = shed ? BACKOFF_SHED_MS : g->delay_ms;
    if (shed)
        g->delay_ms = 0; /* progress: the next error without any starts at the minimum */
    LOG_WRN_RL("%s: accept: %s; %zu connections closed, not accepting for %d ms", g->what,
               strerror(err), shed, ms);
    listen_guard_pause(g, LISTEN_BACKOFF);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(g->backoff, &tv);
}

struct listen_guard *listen_guard_create(struct event_base *base, struct evconnlistener *lev,
                                         const char *what, size_t (*shed)(void *ctx), void *ctx)
{
    struct listen_guard *g = xcalloc(1, sizeof *g);
    g->lev = lev;
    g->what = what;
    g->shed = shed;
    g->ctx = ctx;
    g->backoff = evtimer_new(base, on_backoff, g);
    g->batch = event_new(base, -1, 0, on_batch, g);
    evconnlistener_set_error_cb(lev, on_error);
    g->next = guards;
    guards = g;
    return g;
}

void listen_guard_destroy(struct listen_guard *g)
{
    if (!g)
        return;
    for (struct listen_guard **p = &guards; *p; p = &(*p)->next)
        if (*p == g) {
            *p = g->next;
            break;
        }
    event_free(g->backoff);
    event_free(g->batch);
    free(g);
}

json_t *listen_guard_json(const struct listen_guard *g)
{
    return json_pack("{s:I, s:b}", "accept_errors", (json_int_t)g->errors, "paused",
                     g->paused != 0);
}
