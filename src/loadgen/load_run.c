#include "loadgen/loadgen.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h> /* struct event inside struct req: no allocation a request */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loadgen/load_http.h"
#include "loadgen/load_sched.h"
#include "loadgen/load_stats.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("load");

/* Sends made in one turn of the loop before answers get theirs. */
#define SEND_BATCH 64
/* Reads of one connection in one turn of the loop. */
#define READ_BATCH 4

enum phase { SENDING, READING, LINGERING };

struct req {
    struct run *run;
    int fd;
    enum phase phase;
    uint64_t t_sent; /* microseconds from the start */
    size_t off;      /* of the request sent so far */
    struct event io, timer;
    struct req *prev, *next; /* run->live */
    struct load_http_parser p;
};

struct run {
    const struct load_opts *o;
    struct load_stats *st;
    struct event_base *base;
    struct timespec t0;
    struct event *send_ev, *progress_ev, *second_ev, *sig_ev[2];
    const struct timeval *req_timeout;
    uint64_t next_due, end_due; /* of the next send; of the schedule's end */
    bool sending, schedule_over;
    uint64_t send_end;
    uint64_t active;   /* requests not ended */
    struct req *live;  /* every open connection: active and lingering */
    struct req *spare; /* ended requests, for reuse */
    int signals;
    uint64_t seconds_told; /* seconds handed to o->on_second */
};

static uint64_t now_us(const struct run *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)(ts.tv_sec - r->t0.tv_sec) * 1000000 + (uint64_t)(ts.tv_nsec / 1000) -
           (uint64_t)(r->t0.tv_nsec / 1000);
}

static void maybe_done(struct run *r)
{
    if (!r->sending && !r->active)
        event_base_loopbreak(r->base);
}

static void close_req(struct req *q)
{
    struct run *r = q->run;
    event_del(&q->io);
    event_del(&q->timer);
    close(q->fd);
    if (q->prev)
        q->prev->next = q->next;
    else
        r->live = q->next;
    if (q->next)
        q->next->prev = q->prev;
    if (q->phase != LINGERING)
        r->active--;
    q->next = r->spare;
    r->spare = q;
}

static enum load_cause cause_of(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return LOAD_REFUSED;
    case ECONNRESET:
    case EPIPE:
        return LOAD_RESET;
    case ETIMEDOUT:
        return LOAD_TIMEOUT;
    default:
        return LOAD_OTHER;
    }
}

static void fail(struct req *q, enum load_cause c, int detail)
{
    load_stats_failed(q->run->st, now_us(q->run), c, detail);
    close_req(q);
    maybe_done(q->run);
}

/* A whole answer: counted, and the connection kept until the server closes. */
static void answered(struct req *q)
{
    struct run *r = q->run;
    uint64_t now = now_us(r);
    if (q->p.status >= 200 && q->p.status < 300) {
        char buf[LOAD_HTTP_LINE_MAX + 1];
        load_stats_answered(r->st, now, now - q->t_sent, load_http_replica(&q->p, buf));
    } else {
        load_stats_failed(r->st, now, LOAD_HTTP_ERROR, q->p.status);
    }
    q->phase = LINGERING;
    r->active--;
    maybe_done(r);
}

static void on_read(struct req *q)
{
    char buf[16384];
    for (int i = 0; i < READ_BATCH; i++) {
        ssize_t n = recv(q->fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (q->phase == LINGERING) {
            if (n > 0)
                continue; /* past the answer: not looked at */
            close_req(q);
            return;
        }
        if (n < 0) {
            fail(q, cause_of(errno), errno);
            return;
        }
        enum load_http_state s = n ? load_http_feed(&q->p, buf, (size_t)n) : load_http_eof(&q->p);
        if (s == LOAD_HTTP_DONE) {
            answered(q);
            if (!n) {
                close_req(q);
                return;
            }
        } else if (s == LOAD_HTTP_BAD) {
            fail(q, LOAD_OTHER, 0);
            return;
        } else if (s == LOAD_HTTP_CUT) {
            fail(q, LOAD_RESET, ECONNRESET);
            return;
        }
    }
}

/* Sends what is left of the request: 1 when it is all sent, 0 when the
 * socket takes no more yet (or is still connecting), -1 after failing 'q'. */
static int send_request(struct req *q)
{
    const char *req = q->run->o->request;
    size_t len = q->run->o->request_len;
    ssize_t n = send(q->fd, req + q->off, len - q->off, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        fail(q, cause_of(errno), errno);
        return -1;
    }
    q->off += (size_t)n;
    return q->off == len;
}

static void on_io(evutil_socket_t fd, short what, void *arg);

/* Sends (the rest of) the request; once it is all sent, the connection is
 * only read.  'registered': whether q->io is added (for writing). */
static void sent_or_wait(struct req *q, bool registered)
{
    bool first = !q->off;
    int sent = send_request(q);
    if (sent < 0)
        return;
    if (first && q->off)
        load_stats_connected(q->run->st, now_us(q->run) - q->t_sent);
    if (!sent) {
        if (!registered)
            event_add(&q->io, NULL);
        return;
    }
    q->phase = READING;
    if (registered)
        event_del(&q->io);
    event_assign(&q->io, q->run->base, q->fd, EV_READ | EV_PERSIST, on_io, q);
    event_add(&q->io, NULL);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    struct req *q = arg;
    if (q->phase != SENDING)
        on_read(q);
    else /* writable: connected, or failed (send says how) */
        sent_or_wait(q, true);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct req *q = arg;
    if (q->phase == LINGERING)
        close_req(q);
    else
        fail(q, LOAD_TIMEOUT, 0);
}

static void start_request(struct run *r, uint64_t due)
{
    uint64_t now = now_us(r);
    load_stats_sent(r->st, now, now > due ? now - due : 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        load_stats_failed(r->st, now, LOAD_OTHER, errno);
        return;
    }
    if (connect(fd, (const struct sockaddr *)&r->o->addr, sizeof r->o->addr) < 0 &&
        errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        load_stats_failed(r->st, now, cause_of(e), e);
        return;
    }
    struct req *q = r->spare;
    if (q)
        r->spare = q->next;
    else
        q = xmalloc(sizeof *q);
    q->run = r;
    q->fd = fd;
    q->phase = SENDING;
    q->t_sent = now;
    q->off = 0;
    load_http_parser_init(&q->p);
    q->prev = NULL;
    q->next = r->live;
    if (r->live)
        r->live->prev = q;
    r->live = q;
    r->active++;
    load_stats_in_flight(r->st, r->active);
    evtimer_assign(&q->timer, r->base, on_timeout, q);
    event_add(&q->timer, r->req_timeout);
    /* Through a veth pair the handshake is often over by the time
     * connect() returns: the request goes at once, and the connection is
     * only watched for its answer.  Otherwise when it is writable. */
    event_assign(&q->io, r->base, fd, EV_WRITE | EV_PERSIST, on_io, q);
    sent_or_wait(q, false);
}

static void arm_send(struct run *r, uint64_t now)
{
    uint64_t at = r->schedule_over ? r->end_due : r->next_due;
    uint64_t d = at > now ? at - now : 0;
    struct timeval tv = {(time_t)(d / 1000000), (suseconds_t)(d % 1000000)};
    event_add(r->send_ev, &tv);
}

static void stop_sending(struct run *r, uint64_t at)
{
    r->sending = false;
    r->send_end = at;
    event_del(r->send_ev);
    maybe_done(r);
}

static void on_send(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    uint64_t now = now_us(r);
    if (r->schedule_over) {
        if (now >= r->end_due) {
            stop_sending(r, r->end_due);
            return;
        }
    } else {
        for (int n = 0; r->next_due <= now && n < SEND_BATCH; n++) {
            start_request(r, r->next_due);
            if (!load_sched_next(r->o->sched, &r->next_due)) {
                r->schedule_over = true;
                break;
            }
            now = now_us(r);
        }
    }
    arm_send(r, now);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    const struct load_stats *st = r->st;
    fprintf(stderr,
            "\r%6.0f s  sent %llu  answered %llu  failed %llu  late %llu  under way %llu\033[K",
            (double)now_us(r) / 1e6, (unsigned long long)st->sent, (unsigned long long)st->answered,
            (unsigned long long)st->failed, (unsigned long long)st->late,
            (unsigned long long)r->active);
}

/* A millisecond after the next whole second. */
static void arm_second(struct run *r, uint64_t now)
{
    uint64_t at = (now / 1000000 + 1) * 1000000 + 1000, d = at - now;
    struct timeval tv = {(time_t)(d / 1000000), (suseconds_t)(d % 1000000)};
    event_add(r->second_ev, &tv);
}

/* The seconds over since the last call go to o->on_second. */
static void on_second(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    uint64_t now = now_us(r);
    load_stats_tick(r->st, now);
    for (; r->seconds_told < r->st->n_seconds; r->seconds_told++)
        r->o->on_second(r->o->ctx, r->seconds_told, &r->st->seconds[r->seconds_told]);
    if (r->sending)
        arm_second(r, now);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct run *r = arg;
    if (++r->signals == 1 && r->sending)
        stop_sending(r, now_us(r));
    else
        event_base_loopbreak(r->base);
}

/* Enough descriptors for every request under way: the hard limit. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void free_reqs(struct req *q)
{
    while (q) {
        struct req *next = q->next;
        free(q);
        q = next;
    }
}

int load_run(const struct load_opts *o, struct load_stats *st)
{
    raise_nofile();
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct run r = {.o = o, .st = st, .base = event_base_new_with_config(cfg)};
    event_config_free(cfg);
    if (!r.base) {
        LOG_ERR_("cannot make an event loop");
        return -1;
    }
    struct timeval tv = {o->timeout_ms / 1000, (o->timeout_ms % 1000) * 1000};
    r.req_timeout = event_base_init_common_timeout(r.base, &tv);
    r.send_ev = evtimer_new(r.base, on_send, &r);
    r.sig_ev[0] = evsignal_new(r.base, SIGINT, on_signal, &r);
    r.sig_ev[1] = evsignal_new(r.base, SIGTERM, on_signal, &r);
    event_add(r.sig_ev[0], NULL);
    event_add(r.sig_ev[1], NULL);
    if (o->progress) {
        r.progress_ev = event_new(r.base, -1, EV_PERSIST, on_progress, &r);
        struct timeval sec = {1, 0};
        event_add(r.progress_ev, &sec);
    }
    if (o->on_second)
        r.second_ev = evtimer_new(r.base, on_second, &r);
    r.end_due = (uint64_t)(o->sched->duration_s * 1e6);
    r.sending = true;
    r.schedule_over = !load_sched_next(o->sched, &r.next_due);
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    arm_send(&r, 0);
    if (r.second_ev)
        arm_second(&r, 0);
    event_base_dispatch(r.base);

    uint64_t end = now_us(&r), unfinished = r.active;
    if (r.sending)
        r.send_end = end;
    while (r.live)
        close_req(r.live);
    load_stats_finish(st, r.send_end, end, unfinished);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        st->cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
        st->cpu_system_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    }
    if (o->progress)
        fputs("\r\033[K", stderr);
    free_reqs(r.spare);
    if (r.progress_ev)
        event_free(r.progress_ev);
    if (r.second_ev)
        event_free(r.second_ev);
    event_free(r.sig_ev[0]);
    event_free(r.sig_ev[1]);
    event_free(r.send_ev);
    event_base_free(r.base);
    return r.signals ? 130 : 0;
}
