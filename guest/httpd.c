/* The guest's small HTTP service: GET / answers with the VM's name, its
 * current address and a request counter, so a client can tell which replica
 * answered.  Static, no library beyond libc.
 *   minidc-httpd [PORT]   (name and address are read at each request: the
 *   name is the host name, which a clone's new identity changes)
 *
 * Connections are served side by side (poll), each given up after 5 s
 * without its whole request: a connection that never finishes holds up
 * only itself.  A clone or a moved VM starts with copies of the
 * connections its source had open, whose clients went on with the source:
 * served one at a time, one of them stopped every other request for up to
 * the 5 s. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define REQUEST_TIMEOUT_MS 5000

struct conn {
    int fd;
    long long deadline_ms;
    size_t got;
    char req[2048];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void address(char *buf, size_t len)
{
    struct ifaddrs *ifa;
    snprintf(buf, len, "none");
    if (getifaddrs(&ifa) < 0)
        return;
    for (struct ifaddrs *p = ifa; p; p = p->ifa_next)
        if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET && strcmp(p->ifa_name, "lo")) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_addr)->sin_addr, buf, (socklen_t)len);
            break;
        }
    freeifaddrs(ifa);
}

/* The answer to the request head in 'c' (whatever it asked); the answer is
 * a few hundred bytes, which an empty socket buffer always takes whole. */
static void answer(struct conn *c, unsigned long count)
{
    char body[256], addr[64], name[65] = "";
    address(addr, sizeof addr);
    gethostname(name, sizeof name - 1);
    int blen = snprintf(body, sizeof body, "name=%s address=%s requests=%lu\n", name, addr, count);
    char out[512];
    int len = snprintf(out, sizeof out,
                       "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                       "Connection: close\r\n\r\n%s",
                       blen, body);
    if (send(c->fd, out, (size_t)len, MSG_NOSIGNAL) < 0)
        perror("minidc-httpd: send");
}

static void drop(struct conn *conns, size_t *n, size_t i)
{
    close(conns[i].fd);
    conns[i] = conns[--*n];
}

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: minidc-httpd [PORT]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int port = argc > 1 ? atoi(argv[1]) : 80;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(s, 64) < 0) {
        perror("minidc-httpd");
        return 1;
    }
    static struct conn conns[MAX_CONNS];
    static struct pollfd pfd[MAX_CONNS + 1];
    size_t n = 0;
    unsigned long count = 0;
    for (;;) {
        long long now = now_ms(), wait = -1;
        for (size_t i = 0; i < n;) {
            if (conns[i].deadline_ms <= now) {
                drop(conns, &n, i); /* no whole request in time */
                continue;
            }
            if (wait < 0 || conns[i].deadline_ms - now < wait)
                wait = conns[i].deadline_ms - now;
            i++;
        }
        /* A full table stops accepting (the kernel's backlog holds the
         * rest) until a connection ends. */
        pfd[0] = (struct pollfd){.fd = n < MAX_CONNS ? s : -1, .events = POLLIN};
        for (size_t i = 0; i < n; i++)
            pfd[i + 1] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
        if (poll(pfd, n + 1, (int)wait) < 0) {
            if (errno != EINTR)
                perror("minidc-httpd: poll");
            continue;
        }
        /* Connections first (the new ones join the table after them). */
        for (size_t i = n; i-- > 0;) {
            if (!pfd[i + 1].revents)
                continue;
            struct conn *c = &conns[i];
            ssize_t r = recv(c->fd, c->req + c->got, sizeof c->req - 1 - c->got, 0);
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (r <= 0) {
                drop(conns, &n, i); /* closed or reset before its request was whole */
                continue;
            }
            c->got += (size_t)r;
            c->req[c->got] = '\0';
            /* The request head: up to a blank line, or a full buffer. */
            if (c->got == sizeof c->req - 1 || strstr(c->req, "\r\n\r\n") ||
                strstr(c->req, "\n\n")) {
                answer(c, ++count);
                drop(conns, &n, i);
            }
        }
        if (pfd[0].revents & POLLIN) {
            while (n < MAX_CONNS) {
                int fd = accept4(s, NULL, NULL, SOCK_NONBLOCK);
                if (fd < 0)
                    break;
                conns[n++] = (struct conn){.fd = fd, .deadline_ms = now_ms() + REQUEST_TIMEOUT_MS};
            }
        }
    }
}
