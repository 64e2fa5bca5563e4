/* loop_call: work handed from other threads to a libevent loop, in the order
 * it was handed over (libuv's uv_async with its queue, for libevent).
 *
 * A caller embeds a 'struct loop_call_item' in its own record, sets 'fn' and
 * posts it: 'fn' runs on the loop's thread with the item and the loop_call's
 * argument.  loop_call_post() returns at once (the loop owns the item until
 * 'fn' has run); loop_call_run() waits until 'fn' has run, so that the item
 * may live on the caller's stack.  Once the loop has ended
 * (loop_call_close()), posting refuses, waiting callers return false, and
 * items still queued are never run: their callers still own them.
 *
 * The base must have been made after evthread_use_pthreads(). */
#ifndef MINIDC_UTIL_LOOP_CALL_H
#define MINIDC_UTIL_LOOP_CALL_H

#include <event2/event.h>
#include <stdbool.h>

struct loop_call_item {
    void (*fn)(struct loop_call_item *item, void *arg); /* runs on the loop */
    /* private */
    struct loop_call_item *next;
    bool waited, done;
};

struct loop_call;

/* Runs items on 'base' with 'arg' as their second argument. */
struct loop_call *loop_call_create(struct event_base *base, void *arg);
/* The loop has ended: call on its thread, before loop_call_destroy().  See
 * above.  Returns the items that were queued and will never run, linked by
 * their 'next', oldest first, for the caller to free. */
struct loop_call_item *loop_call_close(struct loop_call *lc);
void loop_call_destroy(struct loop_call *lc);

/* Any thread: queues 'item' for the loop and returns.  False (the item is
 * still the caller's) once closed. */
bool loop_call_post(struct loop_call *lc, struct loop_call_item *item);
/* Any thread but the loop's: queues 'item' and waits until its 'fn' has run
 * (true), or the loop_call was closed first (false: it never runs). */
bool loop_call_run(struct loop_call *lc, struct loop_call_item *item);

#endif
