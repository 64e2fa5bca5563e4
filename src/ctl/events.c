#include "ctl/events.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "util/log.h"
#include "util/loop_call.h"
#include "util/xalloc.h"

LOG_MODULE("events");

#define KEEPALIVE_S 5

struct ev_rec {
    uint64_t id;
    char *text; /* the SSE block, ready to send */
};

struct sub {
    struct evhttp_request *req;
    struct events *e;
};

struct events {
    struct event_base *base;
    pthread_mutex_t lock;
    uint64_t next_id;
    struct ev_rec ring[EVENTS_KEPT];
    size_t head, count;        /* oldest at head */
    uint64_t delivered;        /* highest id sent to subscribers */
    struct loop_call *deliver; /* publishers wake the loop, which sends */
    struct event *keepalive;
    struct sub **subs;
    size_t n_subs, cap_subs;
};

static void send_text(struct evhttp_request *req, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, text, strlen(text));
    evhttp_send_reply_chunk(req, b);
    evbuffer_free(b);
}

/* Sends every kept event with an id above 'after' to 'req'. */
static void replay(struct events *e, struct evhttp_request *req, uint64_t after)
{
    for (size_t i = 0; i < e->count; i++) {
        struct ev_rec *r = &e->ring[(e->head + i) % EVENTS_KEPT];
        if (r->id > after)
            send_text(req, r->text);
    }
}

/* On the loop, after a publish: what subscribers have not had yet. */
static void deliver(struct loop_call_item *it, void *arg)
{
    struct events *e = arg;
    free(it);
    pthread_mutex_lock(&e->lock);
    uint64_t from = e->delivered;
    for (size_t s = 0; s < e->n_subs; s++)
        replay(e, e->subs[s]->req, from);
    if (e->count)
        e->delivered = e->ring[(e->head + e->count - 1) % EVENTS_KEPT].id;
    pthread_mutex_unlock(&e->lock);
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
    struct events *e = arg;
    (void)fd, (void)what;
    for (size_t s = 0; s < e->n_subs; s++)
        send_text(e->subs[s]->req, ": keepalive\n\n");
}

struct events *events_create(struct event_base *base)
{
    struct events *e = xcalloc(1, sizeof *e);
    e->base = base;
    pthread_mutex_init(&e->lock, NULL);
    e->next_id = 1;
    e->deliver = loop_call_create(base, e);
    e->keepalive = event_new(base, -1, EV_PERSIST, on_keepalive, e);
    struct timeval tv = {KEEPALIVE_S, 0};
    event_add(e->keepalive, &tv);
    return e;
}

void events_publish(struct events *e, const char *type, json_t *data)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    json_t *o = json_pack("{s:s, s:f}", "type", type, "time", (double)tv.tv_sec + tv.tv_usec / 1e6);
    if (data)
        json_object_update(o, data);
    json_decref(data);
    pthread_mutex_lock(&e->lock);
    uint64_t id = e->next_id++;
    json_object_set_new(o, "id", json_integer((json_int_t)id));
    char *js = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct ev_rec *r;
    if (e->count == EVENTS_KEPT) {
        r = &e->ring[e->head];
        free(r->text);
        e->head = (e->head + 1) % EVENTS_KEPT;
        e->count--;
    }
    r = &e->ring[(e->head + e->count) % EVENTS_KEPT];
    e->count++;
    r->id = id;
    r->text = xasprintf("id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id, type, js);
    free(js);
    pthread_mutex_unlock(&e->lock);
    struct loop_call_item *it = xcalloc(1, sizeof *it);
    it->fn = deliver;
    if (!loop_call_post(e->deliver, it))
        free(it); /* the loop has ended: nobody to send to */
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    struct sub *sub = arg;
    struct events *e = sub->e;
    (void)conn;
    for (size_t i = 0; i < e->n_subs; i++)
        if (e->subs[i] == sub) {
            e->subs[i] = e->subs[--e->n_subs];
            break;
        }
    /* The subscriber went (EOF, time-out): libevent has let go of the
     * stream's request, which was never ended; it is ours to free. */
    if (!evhttp_request_get_connection(sub->req))
        evhttp_request_free(sub->req);
    free(sub);
    LOG_DBG("event subscriber gone (%zu left)", e->n_subs);
}

void events_subscribe(struct events *e, struct evhttp_request *req, bool replay, uint64_t since)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    evhttp_connection_set_timeout(conn, 24 * 3600);
    evhttp_send_reply_start(req, 200, "OK");
    struct sub *sub = xcalloc(1, sizeof *sub);
    sub->req = req;
    sub->e = e;
    evhttp_connection_set_closecb(conn, on_close, sub);
    pthread_mutex_lock(&e->lock);
    /* Catch up, then follow: everything up to what subscribers were last
     * sent; newer events come with the next wake-up. */
    if (replay)
        for (size_t i = 0; i < e->count; i++) {
            struct ev_rec *r = &e->ring[(e->head + i) % EVENTS_KEPT];
            if (r->id > since && r->id <= e->delivered)
                send_text(req, r->text);
        }
    pthread_mutex_unlock(&e->lock);
    send_text(req, ": minidcd events\n\n");
    xgrow(&e->subs, &e->cap_subs, e->n_subs + 1, sizeof *e->subs);
    e->subs[e->n_subs++] = sub;
}

void events_destroy(struct events *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_subs; i++) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(e->subs[i]->req), NULL, NULL);
        evhttp_send_reply_end(e->subs[i]->req);
        free(e->subs[i]);
    }
    free(e->subs);
    for (size_t i = 0; i < e->count; i++)
        free(e->ring[(e->head + i) % EVENTS_KEPT].text);
    for (struct loop_call_item *it = loop_call_close(e->deliver), *next; it; it = next)
        next = it->next, free(it);
    loop_call_destroy(e->deliver);
    event_free(e->keepalive);
    pthread_mutex_destroy(&e->lock);
    free(e);
}
