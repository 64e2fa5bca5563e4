/* conn: a blocking-style TCP client connection with deadlines, plain or TLS,
 * for util/http.  The socket is non-blocking underneath: every call waits at
 * most until its deadline (a proc_now() time; 0: no deadline).
 *
 * Errors are negative errnos, or -CONN_ETLS when TLS failed (the handshake,
 * the server's certificate, a record): conn_strerror() then says what, for
 * the last failure of the calling thread. */
#ifndef MINIDC_UTIL_CONN_H
#define MINIDC_UTIL_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONN_ETLS 4096

struct conn_to {
    const char *netns; /* make the socket here; NULL: the current namespace */
    const char *addr;  /* IPv4 address */
    uint16_t port;
    /* Speak TLS and trust only certificates signed by the CA in this file,
     * issued for 'addr'; NULL: plain TCP. */
    const char *tls_ca;
};

struct conn;

/* Connects (and shakes hands); 0 and '*c', or a negative error. */
int conn_open(const struct conn_to *to, double deadline, struct conn **c);
int conn_write_all(struct conn *c, const void *data, size_t n, double deadline);
/* Up to 'n' bytes: how many, 0 at the end of the stream, or an error. */
ssize_t conn_read(struct conn *c, void *buf, size_t n, double deadline);
void conn_close(struct conn *c);

/* What error 'rc' (negative) means; for -CONN_ETLS, what this thread's
 * last TLS failure was. */
const char *conn_strerror(int rc);

#endif
