/* load_http: the HTTP of the load generator, without I/O: the URL it is
 * given, the request it sends, and a parser for the answers fed as bytes
 * arrive.
 *
 * A request is HTTP/1.0 with "Connection: close": one connection per
 * request, so every request pays a TCP handshake, as a new client does, and
 * the server's answer ends at its Content-Length or, without one, when the
 * server closes.  The parser reads the head a line at a time and keeps the
 * status, the length and the body's first line (where the guest's HTTP
 * service names its replica: "name=VM ..."): a few hundred bytes a request,
 * whatever the answer's size.  A head may be LOAD_HTTP_HEAD_MAX bytes long.
 *
 * Errors: load_http_url_parse returns 0, or -1 with a message in 'err'. */
#ifndef MINIDC_LOADGEN_LOAD_HTTP_H
#define MINIDC_LOADGEN_LOAD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_HTTP_HEAD_MAX 16384
#define LOAD_HTTP_HLINE_MAX 255 /* of a head's line, kept (the rest of a longer one is skipped) */
#define LOAD_HTTP_LINE_MAX 128  /* of the body's first line, kept for the replica's name */
#define LOAD_HTTP_UNNAMED "(unnamed)" /* the replica of an answer that names none */

struct load_url {
    char host[256]; /* as written: an IPv4 address or a name */
    uint16_t port;  /* 80 when not written */
    char *path;     /* "/" when not written; caller frees (load_url_free) */
};

int load_http_url_parse(const char *url, struct load_url *u, char *err, size_t errlen);
void load_url_free(struct load_url *u);

/* The request for 'u' (caller frees). */
char *load_http_request(const struct load_url *u, size_t *len);

enum load_http_state {
    LOAD_HTTP_MORE, /* the answer is not complete yet */
    LOAD_HTTP_DONE, /* a whole answer: status and body */
    LOAD_HTTP_BAD,  /* not an HTTP answer (what: load_http_parser.bad) */
    LOAD_HTTP_CUT,  /* the server closed before the whole answer */
};

struct load_http_parser {
    enum load_http_state state;
    int status; /* 0 until the status line is read */
    bool head_done;
    int64_t length; /* Content-Length; -1: until the server closes */
    uint64_t body_got;
    size_t head_len;  /* bytes of head so far */
    size_t hline_len; /* of the head's current line (kept up to LOAD_HTTP_HLINE_MAX) */
    char hline[LOAD_HTTP_HLINE_MAX + 1];
    size_t line_len; /* of the body's first line so far */
    bool line_done;
    char line[LOAD_HTTP_LINE_MAX + 1];
    const char *bad; /* why the answer is not HTTP */
};

void load_http_parser_init(struct load_http_parser *p);
/* Feeds 'n' bytes of the answer; returns the state after them (bytes past
 * a whole answer are ignored). */
enum load_http_state load_http_feed(struct load_http_parser *p, const char *data, size_t n);
/* The server closed: DONE when the answer had no length and its head is
 * whole, CUT when anything is missing. */
enum load_http_state load_http_eof(struct load_http_parser *p);
/* The replica that answered: the word after "name=" at the start of the
 * body's first line, else LOAD_HTTP_UNNAMED; in 'buf' (at least
 * LOAD_HTTP_LINE_MAX + 1 bytes). */
const char *load_http_replica(const struct load_http_parser *p, char *buf);

#endif
