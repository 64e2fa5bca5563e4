#include "ctl/api_conns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ctl/listen_guard.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("api");

struct aconn {
    int fd;
    ino_t ino;    /* the socket's, so that a descriptor used again is a new connection */
    double since; /* first seen, or its last reply sent */
    bool busy;    /* a whole request is being answered */
    bool closing; /* shut down by us; evhttp frees it soon */
};

struct api_conns {
    struct event_base *base;
    struct evconnlistener *lev;
    struct listen_guard *guard;
    struct event *sweep, *look;
    struct aconn *conns;
    size_t n, cap, max;
    size_t accepted; /* since the last look */
    unsigned batch;  /* accepted since the last yield */
    double request_s;
    unsigned long evicted, timed_out;
};

static double now_of(struct api_conns *ac)
{
    struct timeval tv;
    event_base_gettimeofday_cached(ac->base, &tv);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* The port and address the listener is bound to. */
static bool listener_addr(struct api_conns *ac, struct sockaddr_in *out)
{
    socklen_t len = sizeof *out;
    return getsockname(evconnlistener_get_fd(ac->lev), (struct sockaddr *)out, &len) == 0 &&
           out->sin_family == AF_INET;
}

static struct aconn *find(struct api_conns *ac, int fd)
{
    for (size_t i = 0; i < ac->n; i++)
        if (ac->conns[i].fd == fd)
            return &ac->conns[i];
    return NULL;
}

/* The connection on descriptor 'fd' now: an entry for a connection closed
 * since the last look may hold the same descriptor, used again. */
static struct aconn *find_live(struct api_conns *ac, int fd)
{
    struct stat st;
    struct aconn *a = fd >= 0 ? find(ac, fd) : NULL;
    return a && fstat(fd, &st) == 0 && st.st_ino == a->ino ? a : NULL;
}

/* Looks at the process's descriptors: the API's connections, what was known
 * of each kept. */
static void look(struct api_conns *ac)
{
    struct sockaddr_in me;
    DIR *d = opendir("/proc/self/fd");
    if (!d || !listener_addr(ac, &me)) {
        if (d)
            closedir(d);
        return;
    }
    int lfd = (int)evconnlistener_get_fd(ac->lev), dfd = dirfd(d);
    struct aconn *old = ac->conns;
    size_t n_old = ac->n;
    ac->conns = NULL, ac->n = 0, ac->cap = 0;
    double now = now_of(ac);
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        struct stat st;
        struct sockaddr_in sin;
        socklen_t len = sizeof sin;
        if (*end || fd == lfd || fd == dfd || fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
            getsockname((int)fd, (struct sockaddr *)&sin, &len) < 0 || sin.sin_family != AF_INET ||
            sin.sin_port != me.sin_port || sin.sin_addr.s_addr != me.sin_addr.s_addr)
            continue;
        struct aconn a = {.fd = (int)fd, .ino = st.st_ino, .since = now};
        for (size_t i = 0; i < n_old; i++)
            if (old[i].fd == a.fd && old[i].ino == a.ino)
                a = old[i];
        xgrow(&ac->conns, &ac->cap, ac->n + 1, sizeof *ac->conns);
        ac->conns[ac->n++] = a;
    }
    closedir(d);
    free(old);
    ac->accepted = 0;
}

static size_t open_conns(const struct api_conns *ac)
{
    size_t n = 0;
    for (size_t i = 0; i < ac->n; i++)
        n += !ac->conns[i].closing;
    return n;
}

static void close_conn(struct aconn *a)
{
    a->closing = true;
    shutdown(a->fd, SHUT_RDWR);
}

static bool has_input(const struct aconn *a)
{
    int n = 0;
    return ioctl(a->fd, FIONREAD, &n) == 0 && n > 0;
}

/* The connection to close first: without a whole request, the oldest of
 * those with no bytes waiting (connections first seen in the same look are
 * as old, and one whose request is in is about to be served), else the
 * oldest; NULL when every one is busy or closing. */
static struct aconn *oldest_idle(struct api_conns *ac)
{
    struct aconn *o = NULL;
    bool o_input = false;
    for (size_t i = 0; i < ac->n; i++) {
        struct aconn *a = &ac->conns[i];
        if (a->busy || a->closing)
            continue;
        bool input = has_input(a);
        if (!o || (o_input && !input) || (o_input == input && a->since < o->since))
            o = a, o_input = input;
    }
    return o;
}

/* Closes the oldest idle connections until at most 'keep' are open. */
static void evict_to(struct api_conns *ac, size_t keep, const char *why)
{
    size_t open = open_conns(ac), evicted = 0;
    struct aconn *v;
    while (open > keep && (v = oldest_idle(ac))) {
        close_conn(v);
        open--, evicted++;
    }
    if (evicted)
        LOG_WRN_RL("%s: %zu connections without a whole request closed, oldest first", why,
                   evicted);
    ac->evicted += evicted;
}

/* Looks, closes what is over its time or the bound, and lets the listener
 * accept while there is room. */
static void enforce(struct api_conns *ac)
{
    look(ac);
    double now = now_of(ac);
    size_t late = 0;
    for (size_t i = 0; i < ac->n; i++) {
        struct aconn *a = &ac->conns[i];
        if (!a->busy && !a->closing && now - a->since > ac->request_s)
            close_conn(a), late++;
    }
    if (late)
        LOG_WRN_RL("%zu connections sent no whole request in %.0f s: closed", late, ac->request_s);
    ac->timed_out += late;
    /* Room for a batch of new ones. */
    size_t keep = ac->max > API_CONNS_BATCH ? ac->max - API_CONNS_BATCH : 0;
    if (open_conns(ac) > keep)
        evict_to(ac, keep, "at the bound");
    if (open_conns(ac) < ac->max && ac->n < ac->max + ac->max / 4)
        listen_guard_resume(ac->guard, LISTEN_FULL);
    else
        listen_guard_pause(ac->guard, LISTEN_FULL);
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    enforce(arg);
}

static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
    (void)base;
    struct api_conns *ac = arg;
    /* Too many, perhaps: wait for a look (on the loop's next turn). */
    if (open_conns(ac) + ++ac->accepted >= ac->max) {
        listen_guard_pause(ac->guard, LISTEN_FULL);
        event_active(ac->look, EV_TIMEOUT, 0);
    }
    if (++ac->batch >= API_CONNS_BATCH) {
        ac->batch = 0;
        listen_guard_yield(ac->guard);
    }
    return NULL; /* evhttp makes its usual one */
}

/* accept() ran out of descriptors: a quarter of the idle connections go.
 * Returns how many. */
static size_t shed(void *arg)
{
    struct api_conns *ac = arg;
    look(ac);
    size_t open = open_conns(ac), drop = open / 4 ? open / 4 : open;
    unsigned long before = ac->evicted;
    evict_to(ac, open - drop, "out of descriptors");
    return ac->evicted - before;
}

static int fd_of(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    return bev ? (int)bufferevent_getfd(bev) : -1;
}

static void on_complete(struct evhttp_request *req, void *arg)
{
    struct api_conns *ac = arg;
    struct aconn *a = find_live(ac, fd_of(req));
    if (a) {
        a->busy = false;
        a->since = now_of(ac);
    }
}

void api_conns_request(struct api_conns *ac, struct evhttp_request *req)
{
    int fd = fd_of(req);
    /* Marking a stale entry busy left the new connection, once looked at,
     * idle: an event stream was closed after request_s. */
    struct aconn *a = find_live(ac, fd);
    if (!a && fd >= 0) {
        look(ac);
        a = find_live(ac, fd);
    }
    if (a)
        a->busy = true;
    evhttp_request_set_on_complete_cb(req, on_complete, ac);
}

struct api_conns *api_conns_create(struct event_base *base, struct evhttp *http,
                                   struct evconnlistener *lev, size_t max, double request_s)
{
    struct api_conns *ac = xcalloc(1, sizeof *ac);
    ac->base = base;
    ac->lev = lev;
    ac->max = max ? max : 1;
    ac->request_s = request_s;
    ac->guard = listen_guard_create(base, lev, "API", shed, ac);
    ac->sweep = event_new(base, -1, EV_PERSIST, on_sweep, ac);
    ac->look = event_new(base, -1, 0, on_sweep, ac);
    struct timeval tv = {1, 0};
    event_add(ac->sweep, &tv);
    evhttp_set_bevcb(http, new_conn, ac);
    return ac;
}

void api_conns_destroy(struct api_conns *ac)
{
    if (!ac)
        return;
    event_free(ac->sweep);
    event_free(ac->look);
    listen_guard_destroy(ac->guard);
    free(ac->conns);
    free(ac);
}

json_t *api_conns_json(const struct api_conns *ac)
{
    json_t *o = listen_guard_json(ac->guard);
    json_object_set_new(o, "open", json_integer((json_int_t)open_conns(ac)));
    json_object_set_new(o, "max", json_integer((json_int_t)ac->max));
    json_object_set_new(o, "evicted", json_integer((json_int_t)ac->evicted));
    json_object_set_new(o, "timed_out", json_integer((json_int_t)ac->timed_out));
    return o;
}
