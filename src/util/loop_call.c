#include "util/loop_call.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/xalloc.h"

struct loop_call {
    pthread_mutex_t lock;
    pthread_cond_t cond;                /* an item's 'fn' has run, or closed */
    struct loop_call_item *head, *tail; /* queued, oldest first */
    struct event *wake;
    void *arg;
    bool closed;
};

/* On the loop: runs what is queued, in order.  Items posted while one runs
 * wait for the next wake-up, so that a busy producer cannot hold the loop. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct loop_call *lc = arg;
    (void)fd, (void)what;
    pthread_mutex_lock(&lc->lock);
    struct loop_call_item *it = lc->head;
    lc->head = lc->tail = NULL;
    pthread_mutex_unlock(&lc->lock);
    while (it) {
        /* 'it' may be freed by its 'fn' (a post) or by its waiting caller
         * once 'done' is seen (a run): read 'next' first. */
        struct loop_call_item *next = it->next;
        bool waited = it->waited;
        it->fn(it, lc->arg);
        if (waited) {
            pthread_mutex_lock(&lc->lock);
            it->done = true;
            pthread_cond_broadcast(&lc->cond);
            pthread_mutex_unlock(&lc->lock);
        }
        it = next;
    }
}

struct loop_call *loop_call_create(struct event_base *base, void *arg)
{
    struct loop_call *lc = xcalloc(1, sizeof *lc);
    pthread_mutex_init(&lc->lock, NULL);
    pthread_cond_init(&lc->cond, NULL);
    lc->wake = event_new(base, -1, 0, on_wake, lc);
    lc->arg = arg;
    return lc;
}

static bool enqueue(struct loop_call *lc, struct loop_call_item *item, bool waited)
{
    if (lc->closed)
        return false;
    item->next = NULL;
    item->done = false;
    item->waited = waited;
    if (lc->tail)
        lc->tail->next = item;
    else
        lc->head = item;
    lc->tail = item;
    event_active(lc->wake, 0, 0);
    return true;
}

bool loop_call_post(struct loop_call *lc, struct loop_call_item *item)
{
    pthread_mutex_lock(&lc->lock);
    bool ok = enqueue(lc, item, false);
    pthread_mutex_unlock(&lc->lock);
    return ok;
}

bool loop_call_run(struct loop_call *lc, struct loop_call_item *item)
{
    pthread_mutex_lock(&lc->lock);
    bool ok = enqueue(lc, item, true);
    while (ok && !item->done && !lc->closed)
        pthread_cond_wait(&lc->cond, &lc->lock);
    ok = ok && item->done;
    pthread_mutex_unlock(&lc->lock);
    return ok;
}

struct loop_call_item *loop_call_close(struct loop_call *lc)
{
    pthread_mutex_lock(&lc->lock);
    lc->closed = true;
    struct loop_call_item *left = lc->head;
    lc->head = lc->tail = NULL;
    pthread_cond_broadcast(&lc->cond);
    pthread_mutex_unlock(&lc->lock);
    return left;
}

void loop_call_destroy(struct loop_call *lc)
{
    if (!lc)
        return;
    event_free(lc->wake);
    pthread_cond_destroy(&lc->cond);
    pthread_mutex_destroy(&lc->lock);
    free(lc);
}
