/* The guest's small HTTP service: GET / answers with the VM's name, its
 * current address and a request counter, so a client can tell which replica
 * answered.  Static, no library beyond libc; one connection at a time.
 *   minidc-httpd [PORT]   (name and address are read at each request: the
 *   name is the host name, which a clone's new identity changes) */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: minidc-httpd [PORT]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int port = argc > 1 ? atoi(argv[1]) : 80;
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(s, 64) < 0) {
        perror("minidc-httpd");
        return 1;
    }
    unsigned long count = 0;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval tv = {5, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char req[2048];
        size_t got = 0;
        ssize_t n;
        /* Read the request head (up to a blank line or a full buffer). */
        while (got < sizeof req - 1 && (n = recv(c, req + got, sizeof req - 1 - got, 0)) > 0) {
            got += (size_t)n;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
                break;
        }
        char body[256], addr[64], name[65] = "";
        address(addr, sizeof addr);
        gethostname(name, sizeof name - 1);
        int blen = snprintf(body, sizeof body, "name=%s address=%s requests=%lu\n", name, addr, ++count);
        char head[256];
        int hlen = snprintf(head, sizeof head,
                            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                            "Connection: close\r\n\r\n",
                            blen);
        if (send(c, head, (size_t)hlen, 0) == hlen)
            send(c, body, (size_t)blen, 0);
        close(c);
    }
}
