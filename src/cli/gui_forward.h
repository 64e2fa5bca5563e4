/* gui_forward: a TCP forwarder from an address of this namespace (the
 * machine's loopback) to minidcd's API inside a lab's fabric namespace, so
 * that the machine's own browser reaches the GUI.  Bytes go through as they
 * are (HTTP, the event stream, TLS alike), each way with back-pressure:
 * reading one side stops while the other has FWD_BUFFER_MAX bytes queued.
 * Event loop thread only. */
#ifndef MINIDC_CLI_GUI_FORWARD_H
#define MINIDC_CLI_GUI_FORWARD_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#define FWD_BUFFER_MAX (256 * 1024)

struct fwd_to {
    const char *netns; /* make the upstream socket here; NULL: this namespace */
    const char *addr;  /* IPv4 */
    uint16_t port;
};

struct fwd_stats {
    unsigned long accepted;      /* connections taken */
    unsigned long failed;        /* of those, upstream could not be reached */
    unsigned long open;          /* forwarding now */
    unsigned long long up, down; /* bytes to minidcd, and back */
};

struct fwd;

/* Listens on 'addr':'port' (0: any free port) and forwards each connection
 * to 'to'; NULL with a message in 'err' when it cannot. */
struct fwd *fwd_create(struct event_base *base, const char *addr, uint16_t port,
                       const struct fwd_to *to, char *err, size_t errlen);
/* The port it listens on. */
uint16_t fwd_port(const struct fwd *f);
struct fwd_stats fwd_stats(const struct fwd *f);
/* Closes the listener and every connection. */
void fwd_destroy(struct fwd *f);

#endif
