/* ofstream: the byte stream under an OpenFlow connection, plain TCP or TLS,
 * with an input and an output buffer (libevent's evbuffers).
 *
 * Plain TCP is read and written here, not by a libevent bufferevent: a
 * bufferevent writes only when the loop comes round again and sees the
 * socket writable, and sizes each read with an ioctl, so one packet-in
 * answered cost seven system calls (a read, an ioctl, two epoll_ctl, two
 * epoll_wait and a write).  Here it costs three: what is queued is written
 * in the same turn of the loop, once for all the messages of that turn, and
 * the socket's write readiness is asked for only when the kernel would not
 * take everything.  TLS keeps bufferevent_openssl.
 *
 * Event loop thread only. */
#ifndef MINIDC_CTL_OFSTREAM_H
#define MINIDC_CTL_OFSTREAM_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdbool.h>

struct ofstream;

struct ofstream_cbs {
    /* The input has grown. */
    void (*read)(void *arg);
    /* The stream is over: the peer closed it ('error' NULL) or it failed
     * ('error' says how).  Nothing more is read or written. */
    void (*closed)(void *arg, const char *error);
    void *arg;
};

/* Takes socket 'fd' (closed by ofstream_free()). */
struct ofstream *ofstream_plain(struct event_base *base, int fd, const struct ofstream_cbs *cbs);
/* Takes 'fd' and 'ssl', the server's side of a TLS handshake to come.
 * NULL (and 'fd' and 'ssl' freed) when it cannot. */
struct ofstream *ofstream_tls(struct event_base *base, int fd, SSL *ssl,
                              const struct ofstream_cbs *cbs);

struct evbuffer *ofstream_input(struct ofstream *s);
/* What is added here goes out in this turn of the event loop. */
struct evbuffer *ofstream_output(struct ofstream *s);
/* Writes now when a few kilobytes are queued: a reader working through a
 * large input calls it after each message, so that the first answers go
 * out while it works on the rest (the peer, a switch with a window of
 * requests out, sends more as answers come back). */
void ofstream_push(struct ofstream *s);
/* Reads and writes no more (the buffers stay until ofstream_free()). */
void ofstream_stop(struct ofstream *s);
void ofstream_free(struct ofstream *s);

#endif
