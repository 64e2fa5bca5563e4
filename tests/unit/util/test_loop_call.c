/* Tests of src/util/loop_call.c on a real libevent loop: items from several
 * threads run on the loop's thread in the order each thread posted them; a
 * run waits for its item; closing wakes waiters and hands back what never
 * ran. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>
#include <event2/thread.h>

#include "util/loop_call.h"

#define THREADS 4
#define PER_THREAD 500

struct rec {
    struct loop_call_item item; /* first: the item is the record */
    int thread, seq;
    bool ran;
};

struct world {
    struct event_base *base;
    struct event *alive; /* a loop with no event pending would return at once */
    struct loop_call *lc;
    pthread_t loop_thread;
    int last_seq[THREADS]; /* per thread, the last seq seen on the loop */
    int ran, out_of_order, off_loop;
    int want; /* the loop ends when this many have run */
};

static void on_rec(struct loop_call_item *it, void *arg)
{
    struct world *w = arg;
    struct rec *r = (struct rec *)it;
    if (!pthread_equal(pthread_self(), w->loop_thread))
        w->off_loop++;
    if (r->seq != w->last_seq[r->thread] + 1)
        w->out_of_order++;
    w->last_seq[r->thread] = r->seq;
    r->ran = true;
    if (++w->ran == w->want)
        event_base_loopbreak(w->base);
}

static void on_posted(struct loop_call_item *it, void *arg)
{
    on_rec(it, arg);
    free(it); /* a posted item is the loop's: freed by its fn */
}

struct producer {
    struct world *w;
    int thread;
    bool wait; /* loop_call_run (records on the stack) or post (on the heap) */
    int refused, not_run;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (int i = 1; i <= PER_THREAD; i++) {
        if (p->wait) {
            struct rec r = {.item.fn = on_rec, .thread = p->thread, .seq = i};
            if (!loop_call_run(p->w->lc, &r.item) || !r.ran)
                p->not_run++;
        } else {
            struct rec *r = calloc(1, sizeof *r);
            r->item.fn = on_posted, r->thread = p->thread, r->seq = i;
            if (!loop_call_post(p->w->lc, &r->item))
                p->refused++, free(r);
        }
    }
    return NULL;
}

static void nothing(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
}

static void world_init(struct world *w)
{
    memset(w, 0, sizeof *w);
    evthread_use_pthreads();
    w->base = event_base_new();
    w->lc = loop_call_create(w->base, w);
    w->loop_thread = pthread_self();
    w->alive = event_new(w->base, -1, EV_PERSIST, nothing, NULL);
    struct timeval tv = {3600, 0};
    event_add(w->alive, &tv);
}

static void world_free(struct world *w)
{
    loop_call_destroy(w->lc);
    event_free(w->alive);
    event_base_free(w->base);
}

static void test_order_and_thread(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    w.want = THREADS * PER_THREAD;
    struct producer p[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        p[i] = (struct producer){.w = &w, .thread = i, .wait = i % 2};
        assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
    }
    event_base_dispatch(w.base);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(p[i].refused, 0);
        assert_int_equal(p[i].not_run, 0);
        assert_int_equal(w.last_seq[i], PER_THREAD);
    }
    assert_int_equal(w.ran, THREADS * PER_THREAD);
    assert_int_equal(w.out_of_order, 0);
    assert_int_equal(w.off_loop, 0);
    assert_null(loop_call_close(w.lc));
    world_free(&w);
}

struct waiter {
    struct world *w;
    struct rec r;
    bool ok;
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
    bool *queued;
};

static void *wait_one(void *arg)
{
    struct waiter *x = arg;
    pthread_mutex_lock(x->lock);
    *x->queued = true;
    pthread_cond_signal(x->cond);
    pthread_mutex_unlock(x->lock);
    x->ok = loop_call_run(x->w->lc, &x->r.item);
    return NULL;
}

/* The loop ends with items queued: a waiter gets false, a posted item comes
 * back from close, and nothing is taken after. */
static void test_close(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct rec *posted = calloc(1, sizeof *posted);
    posted->item.fn = on_posted;
    assert_true(loop_call_post(w.lc, &posted->item));
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    bool queued = false;
    struct waiter x = {.w = &w,
                       .r.item.fn = on_rec,
                       .r.thread = 0,
                       .r.seq = 2,
                       .lock = &lock,
                       .cond = &cond,
                       .queued = &queued};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_one, &x), 0);
    pthread_mutex_lock(&lock);
    while (!queued)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    /* The waiter may not have queued its item yet when close comes: either
     * way it must return false without its fn running. */
    struct loop_call_item *left = loop_call_close(w.lc);
    pthread_join(t, NULL);
    assert_false(x.ok);
    assert_false(x.r.ran);
    assert_ptr_equal(left, &posted->item);
    free(posted);
    struct rec late = {.item.fn = on_rec};
    assert_false(loop_call_post(w.lc, &late.item));
    assert_false(loop_call_run(w.lc, &late.item));
    assert_int_equal(w.ran, 0);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_thread),
        cmocka_unit_test(test_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
