/* Tests of src/cli/gui_forward.c on loopback (no namespace): bytes through
 * both ways unchanged, back-pressure when minidcd's side does not read, a
 * 502 that says why when minidcd is not there, and an end on one side
 * passed on after what was left.  The forwarder's loop runs in a thread;
 * the test talks to it with plain blocking sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/gui_forward.h"

struct loop {
    struct event_base *base;
    struct fwd *fwd;
    struct event *keep; /* keeps the loop running with nothing else to do */
    pthread_t thread;
};

static void *run(void *arg)
{
    struct loop *l = arg;
    event_base_dispatch(l->base);
    return NULL;
}

static void nothing(evutil_socket_t fd, short what, void *arg)
{
}

static void start(struct loop *l, uint16_t to_port)
{
    l->base = event_base_new();
    char err[256];
    struct fwd_to to = {.addr = "127.0.0.1", .port = to_port};
    l->fwd = fwd_create(l->base, "127.0.0.1", 0, &to, err, sizeof err);
    assert_non_null(l->fwd);
    assert_true(fwd_port(l->fwd) > 0);
    l->keep = event_new(l->base, -1, EV_PERSIST, nothing, NULL);
    struct timeval tv = {3600, 0};
    event_add(l->keep, &tv);
    assert_int_equal(pthread_create(&l->thread, NULL, run, l), 0);
}

static struct fwd_stats stop(struct loop *l)
{
    event_base_loopbreak(l->base);
    pthread_join(l->thread, NULL);
    /* What the test's sockets did last (a close) is the loop's to see: a
     * second at most, here in this thread. */
    for (int i = 0; i < 100 && fwd_stats(l->fwd).open; i++) {
        event_base_loop(l->base, EVLOOP_NONBLOCK);
        usleep(10000);
    }
    struct fwd_stats s = fwd_stats(l->fwd);
    fwd_destroy(l->fwd);
    event_free(l->keep);
    event_base_free(l->base);
    return s;
}

static int listener(uint16_t *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 8), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return s;
}

static int dial(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {10, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

/* An echo server: one connection, everything back, until the end. */
static void *echo(void *arg)
{
    int l = *(int *)arg;
    int c = accept(l, NULL, NULL);
    char buf[65536];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w <= 0)
                goto out;
            off += w;
        }
out:
    close(c);
    return NULL;
}

struct writer {
    int fd;
    const unsigned char *data;
    size_t len;
};

static void *write_all(void *arg)
{
    struct writer *w = arg;
    for (size_t off = 0; off < w->len;) {
        ssize_t n = write(w->fd, w->data + off, w->len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    shutdown(w->fd, SHUT_WR);
    return NULL;
}

static void test_both_ways(void **state)
{
    uint16_t up;
    int l = listener(&up);
    pthread_t e;
    pthread_create(&e, NULL, echo, &l);
    struct loop lp;
    start(&lp, up);
    int c = dial(fwd_port(lp.fwd));
    size_t len = 4 << 20;
    unsigned char *data = malloc(len), *back = malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 12));
    struct writer w = {c, data, len};
    pthread_t wt;
    pthread_create(&wt, NULL, write_all, &w);
    size_t got = 0;
    ssize_t n;
    while (got < len && (n = read(c, back + got, len - got)) > 0)
        got += (size_t)n;
    pthread_join(wt, NULL);
    assert_int_equal(got, len);
    assert_memory_equal(data, back, len);
    /* The echo server ends after our end: so does the forwarded connection. */
    char x;
    assert_int_equal(read(c, &x, 1), 0);
    pthread_join(e, NULL);
    close(c);
    close(l);
    struct fwd_stats s = stop(&lp);
    assert_int_equal(s.accepted, 1);
    assert_int_equal(s.failed, 0);
    assert_true(s.up == len && s.down == len);
    free(data), free(back);
}

/* minidcd's side accepts and reads nothing: the browser's writes must stop
 * well before the forwarder has queued everything it was sent. */
static void test_back_pressure(void **state)
{
    uint16_t up;
    int l = listener(&up);
    struct loop lp;
    start(&lp, up);
    int c = dial(fwd_port(lp.fwd));
    int a = accept(l, NULL, NULL);
    fcntl(c, F_SETFL, O_NONBLOCK);
    static unsigned char chunk[65536];
    size_t sent = 0, cap = (size_t)256 << 20;
    int idle_ms = 0;
    while (sent < cap && idle_ms < 1000) {
        ssize_t n = write(c, chunk, sizeof chunk);
        if (n > 0) {
            sent += (size_t)n;
            idle_ms = 0;
        } else {
            assert_true(errno == EAGAIN);
            struct pollfd p = {c, POLLOUT, 0};
            if (!poll(&p, 1, 50))
                idle_ms += 50;
        }
    }
    /* Socket buffers on both legs plus FWD_BUFFER_MAX: a few MiB at most. */
    print_message("# the forwarder took %zu KiB before pushing back\n", sent >> 10);
    assert_true(sent < (size_t)64 << 20);
    /* And all of it arrives once minidcd's side reads. */
    fcntl(c, F_SETFL, 0);
    shutdown(c, SHUT_WR);
    size_t got = 0;
    ssize_t n;
    static unsigned char buf[65536];
    while ((n = read(a, buf, sizeof buf)) > 0)
        got += (size_t)n;
    assert_int_equal(got, sent);
    close(a), close(c), close(l);
    stop(&lp);
}

static void test_unreachable(void **state)
{
    uint16_t up;
    int l = listener(&up);
    close(l); /* nothing listens on 'up' now */
    struct loop lp;
    start(&lp, up);
    int c = dial(fwd_port(lp.fwd));
    char buf[1024];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(c, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    assert_true(!strncmp(buf, "HTTP/1.1 502 ", 13));
    assert_non_null(strstr(buf, "is not reachable: Connection refused"));
    close(c);
    struct fwd_stats s = stop(&lp);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.open, 0);
}

static void test_end_passed_on(void **state)
{
    uint16_t up;
    int l = listener(&up);
    struct loop lp;
    start(&lp, up);
    int c = dial(fwd_port(lp.fwd));
    int a = accept(l, NULL, NULL);
    assert_int_equal(write(a, "bye\n", 4), 4);
    close(a);
    char buf[16];
    assert_int_equal(read(c, buf, sizeof buf), 4);
    assert_memory_equal(buf, "bye\n", 4);
    assert_int_equal(read(c, buf, sizeof buf), 0);
    close(c), close(l);
    struct fwd_stats s = stop(&lp);
    assert_int_equal(s.open, 0);
    assert_int_equal(s.down, 4);
}

int main(void)
{
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_ways),
        cmocka_unit_test(test_back_pressure),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_end_passed_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
