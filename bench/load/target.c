/* load_target: the HTTP server bench/load measures against: one thread,
 * epoll, non-blocking sockets, a large accept queue.  Every request (its
 * head up to the blank line) gets the answer the guest's HTTP service gives
 * (guest/httpd.c: "name=NAME address=... requests=N"), in HTTP/1.0 with a
 * Content-Length, and the server closes (so the server, not the client,
 * keeps TIME_WAIT).  Unlike guest/httpd.c, which serves one connection at
 * a time, it never waits on one client, so that the load generators, not
 * the target, are what the benchmark finds the limit of.
 *   load_target ADDRESS PORT [NAME] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Where each connection's request head is (head_ends), by descriptor. */
static uint8_t *progress;
static size_t n_progress;

static void track(int fd)
{
    if ((size_t)fd >= n_progress) {
        size_t n = (size_t)fd * 2 + 64;
        progress = realloc(progress, n);
        if (!progress)
            abort();
        memset(progress + n_progress, 0, n - n_progress);
        n_progress = n;
    }
    progress[fd] = 0;
}

/* Whether the head ended within 'buf' (an empty line: "\r\n" or "\n"
 * at the start of a line), carrying '*st' over reads: 0 inside a line, 1 at
 * the start of one, 2 after a '\r' there. */
static int head_ends(uint8_t *st, const char *buf, ssize_t n)
{
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            if (*st)
                return 1;
            *st = 1;
        } else {
            *st = buf[i] == '\r' && *st == 1 ? 2 : 0;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: load_target ADDRESS PORT [NAME]\n");
        return 2;
    }
    const char *name = argc > 3 ? argv[3] : "target";
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
        bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(s, 65535) < 0) {
        perror("load_target");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    unsigned long count = 0;
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == s) {
                int c;
                while ((c = accept4(s, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    track(c);
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            char buf[4096];
            ssize_t got = read(fd, buf, sizeof buf);
            if (got < 0 && errno == EAGAIN)
                continue;
            if (got > 0 && !head_ends(&progress[fd], buf, got))
                continue;
            if (got > 0) {
                char body[160], out[320];
                int blen = snprintf(body, sizeof body, "name=%s address=%s requests=%lu\n", name,
                                    argv[1], ++count);
                int len = snprintf(out, sizeof out,
                                   "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                   "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                                   blen, body);
                if (write(fd, out, (size_t)len) < 0)
                    perror("load_target: write");
            }
            close(fd); /* also leaves the epoll set */
        }
    }
}
