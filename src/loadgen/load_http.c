#include "loadgen/load_http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

int load_http_url_parse(const char *url, struct load_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    const char *p = url;
    if (!strncasecmp(p, "https://", 8)) {
        snprintf(err, errlen, "'%s': HTTPS is not supported, only http://", url);
        return -1;
    }
    if (strncasecmp(p, "http://", 7)) {
        snprintf(err, errlen, "'%s': expected http://ADDRESS[:PORT][/PATH]", url);
        return -1;
    }
    p += 7;
    size_t h = strcspn(p, ":/?#");
    if (!h || h >= sizeof u->host) {
        snprintf(err, errlen, "'%s': %s", url, h ? "the host is too long" : "no host");
        return -1;
    }
    for (size_t i = 0; i < h; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-' && p[i] != '_') {
            snprintf(err, errlen,
                     "'%s': the host must be an IPv4 address or a node name (letters, digits, "
                     "'.', '-', '_')",
                     url);
            return -1;
        }
    memcpy(u->host, p, h);
    p += h;
    u->port = 80;
    if (*p == ':') {
        char *end;
        p++;
        long port = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
        if (port < 1 || port > 65535 || (*end && *end != '/' && *end != '?')) {
            snprintf(err, errlen, "'%s': the port must be a number 1-65535", url);
            return -1;
        }
        u->port = (uint16_t)port;
        p = end;
    }
    if (*p == '#')
        p += strlen(p);
    for (const char *q = p; *q && *q != '#'; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f) {
            snprintf(err, errlen, "'%s': spaces and control characters are not allowed in the path",
                     url);
            return -1;
        }
    size_t n = strcspn(p, "#");
    u->path = *p == '/' ? xstrndup(p, n) : xasprintf("/%.*s", (int)n, p);
    return 0;
}

void load_url_free(struct load_url *u)
{
    free(u->path);
    u->path = NULL;
}

char *load_http_request(const struct load_url *u, size_t *len)
{
    char *r = u->port == 80 ? xasprintf("GET %s HTTP/1.0\r\nHost: %s\r\n"
                                        "User-Agent: minidc-load\r\nConnection: close\r\n\r\n",
                                        u->path, u->host)
                            : xasprintf("GET %s HTTP/1.0\r\nHost: %s:%u\r\n"
                                        "User-Agent: minidc-load\r\nConnection: close\r\n\r\n",
                                        u->path, u->host, u->port);
    *len = strlen(r);
    return r;
}

void load_http_parser_init(struct load_http_parser *p)
{
    p->state = LOAD_HTTP_MORE;
    p->status = 0;
    p->head_done = false;
    p->length = -1;
    p->body_got = 0;
    p->head_len = 0;
    p->hline_len = 0;
    p->line_len = 0;
    p->line_done = false;
    p->line[0] = '\0';
    p->bad = NULL;
}

static enum load_http_state bad(struct load_http_parser *p, const char *why)
{
    p->bad = why;
    return p->state = LOAD_HTTP_BAD;
}

/* One line of the head, without its end ("\r\n" or "\n"). */
static enum load_http_state head_line(struct load_http_parser *p)
{
    size_t n = p->hline_len;
    if (n && p->hline[n - 1] == '\r')
        n--;
    p->hline[n] = '\0';
    const char *s = p->hline;
    if (!p->status) {
        if (strncmp(s, "HTTP/1.", 7) || !isdigit((unsigned char)s[7]) || s[8] != ' ' ||
            !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
            !isdigit((unsigned char)s[11]) || (s[12] != ' ' && s[12] != '\0') || s[9] == '0')
            return bad(p, "no HTTP status line");
        p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
        return LOAD_HTTP_MORE;
    }
    if (!n) {
        p->head_done = true;
        /* No body: 1xx, 204 and 304 answers (RFC 9112, 6.3). */
        if (p->status < 200 || p->status == 204 || p->status == 304)
            p->length = 0;
        return LOAD_HTTP_MORE;
    }
    if (strncasecmp(s, "content-length:", 15))
        return LOAD_HTTP_MORE;
    const char *v = s + 15;
    while (*v == ' ' || *v == '\t')
        v++;
    char *end;
    unsigned long long x = isdigit((unsigned char)*v) ? strtoull(v, &end, 10) : 0;
    if (!isdigit((unsigned char)*v) || x > INT64_MAX)
        return bad(p, "a Content-Length that is not a number");
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || (p->length >= 0 && (uint64_t)p->length != x))
        return bad(p, "a Content-Length that is not a number");
    p->length = (int64_t)x;
    return LOAD_HTTP_MORE;
}

static void body(struct load_http_parser *p, const char *data, size_t n)
{
    if (p->length >= 0 && (uint64_t)p->length - p->body_got < n)
        n = (size_t)((uint64_t)p->length - p->body_got);
    p->body_got += n;
    for (size_t i = 0; i < n && !p->line_done; i++) {
        if (data[i] == '\n' || p->line_len == LOAD_HTTP_LINE_MAX) {
            p->line_done = true;
            break;
        }
        p->line[p->line_len++] = data[i];
    }
    p->line[p->line_len] = '\0';
    if (p->length >= 0 && p->body_got == (uint64_t)p->length)
        p->state = LOAD_HTTP_DONE;
}

enum load_http_state load_http_feed(struct load_http_parser *p, const char *data, size_t n)
{
    if (p->state != LOAD_HTTP_MORE)
        return p->state;
    size_t i = 0;
    while (!p->head_done && i < n) {
        if (++p->head_len > LOAD_HTTP_HEAD_MAX)
            return bad(p, "a head longer than 16 KiB");
        char c = data[i++];
        if (c == '\n') {
            if (head_line(p) != LOAD_HTTP_MORE)
                return p->state;
            p->hline_len = 0;
        } else if (p->hline_len < LOAD_HTTP_HLINE_MAX) {
            p->hline[p->hline_len++] = c;
        }
    }
    if (!p->head_done)
        return LOAD_HTTP_MORE;
    if (p->length == 0)
        return p->state = LOAD_HTTP_DONE;
    body(p, data + i, n - i);
    return p->state;
}

enum load_http_state load_http_eof(struct load_http_parser *p)
{
    if (p->state != LOAD_HTTP_MORE)
        return p->state;
    return p->state = p->head_done && p->length < 0 ? LOAD_HTTP_DONE : LOAD_HTTP_CUT;
}

const char *load_http_replica(const struct load_http_parser *p, char *buf)
{
    const char *l = p->line;
    if (strncmp(l, "name=", 5))
        return LOAD_HTTP_UNNAMED;
    size_t n = strcspn(l + 5, " \t\r");
    if (!n)
        return LOAD_HTTP_UNNAMED;
    memcpy(buf, l + 5, n);
    buf[n] = '\0';
    return buf;
}
