#include "vm/qmp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/base64.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* A line longer than this is a broken peer, not a reply. */
#define QMP_LINE_MAX (8u << 20)

struct qmp {
    int fd;
    struct strbuf in; /* received, not yet parsed */
    unsigned next_id;
};

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(err, fmt, ap) < 0)
            *err = NULL;
        va_end(ap);
    }
    return -1;
}

static int wait_for(int fd, short events, double deadline)
{
    int left = (int)((deadline - proc_now()) * 1000);
    if (left <= 0)
        return -ETIMEDOUT;
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, left);
    return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

static int send_all(struct qmp *q, const char *s, size_t n, double deadline, char **err)
{
    while (n) {
        ssize_t w = send(q->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            s += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            int rc = wait_for(q->fd, POLLOUT, deadline);
            if (rc < 0)
                return fail(err, "sending: %s", strerror(-rc));
        } else {
            return fail(err, "sending: %s", strerror(errno));
        }
    }
    return 0;
}

/* Whether the digits s[0..n) (no sign) exceed INT64_MAX. */
static bool over_int64(const char *s, size_t n)
{
    static const char max[] = "9223372036854775807";
    while (n > 1 && *s == '0')
        s++, n--;
    return n > sizeof max - 1 || (n == sizeof max - 1 && memcmp(s, max, n) > 0);
}

json_t *qmp_parse_line(const char *s, size_t n)
{
    json_t *o = json_loadb(s, n, 0, NULL);
    if (o)
        return o;
    /* jansson holds integers as int64; QEMU sends uint64 figures, some of
     * them UINT64_MAX for "not available" (the balloon's statistics under
     * QEMU 10).  Such an integer is read as a real instead ("e0" appended),
     * so that the rest of the reply is not lost. */
    struct strbuf b;
    strbuf_init(&b);
    bool in_str = false, changed = false;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (in_str) {
            size_t j = i + (c == '\\' && i + 1 < n ? 2 : 1);
            if (c == '"')
                in_str = false;
            strbuf_add(&b, s + i, j - i);
            i = j;
        } else if (c >= '0' && c <= '9' && (i == 0 || !strchr("0123456789.eE+-", s[i - 1]))) {
            size_t j = i;
            while (j < n && s[j] >= '0' && s[j] <= '9')
                j++;
            strbuf_add(&b, s + i, j - i);
            if ((j == n || !strchr(".eE", s[j])) && over_int64(s + i, j - i)) {
                strbuf_add(&b, "e0", 2);
                changed = true;
            }
            i = j;
        } else {
            in_str = c == '"';
            strbuf_add(&b, &c, 1);
            i++;
        }
    }
    o = changed ? json_loadb(b.s, b.len, 0, NULL) : NULL;
    strbuf_free(&b);
    return o;
}

/* Reads one JSON line, skipping bytes before 'skip_to' when it is >= 0 (the
 * guest agent's 0xff delimiter).  Returns the object or NULL. */
static json_t *read_json(struct qmp *q, double deadline, char **err)
{
    for (;;) {
        char *nl = memchr(q->in.s, '\n', q->in.len);
        if (nl) {
            size_t n = (size_t)(nl - q->in.s) + 1;
            json_t *o = qmp_parse_line(q->in.s, n);
            memmove(q->in.s, q->in.s + n, q->in.len - n);
            q->in.len -= n;
            q->in.s[q->in.len] = '\0';
            if (o && json_is_object(o))
                return o;
            json_decref(o);
            continue; /* blank or partial garbage line: skip */
        }
        if (q->in.len > QMP_LINE_MAX) {
            fail(err, "reply line too long");
            return NULL;
        }
        char buf[65536];
        ssize_t r = recv(q->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            strbuf_add(&q->in, buf, (size_t)r);
        } else if (r == 0) {
            fail(err, "QEMU closed the connection");
            return NULL;
        } else if (errno == EAGAIN) {
            int rc = wait_for(q->fd, POLLIN, deadline);
            if (rc < 0) {
                fail(err, "%s", rc == -ETIMEDOUT ? "no answer in time" : strerror(-rc));
                return NULL;
            }
        } else {
            fail(err, "receiving: %s", strerror(errno));
            return NULL;
        }
    }
}

static struct qmp *connect_unix(const char *path, char **err)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        fail(err, "socket path too long: %s", path);
        return NULL;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        fail(err, "cannot connect to %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct qmp *q = xcalloc(1, sizeof *q);
    q->fd = fd;
    q->next_id = 1;
    strbuf_init(&q->in);
    return q;
}

struct qmp *qmp_open(const char *path, int timeout_ms, char **err)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    struct qmp *q = connect_unix(path, err);
    if (!q)
        return NULL;
    json_t *greeting = read_json(q, deadline, err);
    if (!greeting || !json_object_get(greeting, "QMP")) {
        if (greeting)
            fail(err, "%s: not a QMP greeting", path);
        json_decref(greeting);
        qmp_close(q);
        return NULL;
    }
    json_decref(greeting);
    if (qmp_call(q, "qmp_capabilities", NULL, NULL, err, timeout_ms) < 0) {
        qmp_close(q);
        return NULL;
    }
    return q;
}

struct qmp *qga_connect(const char *path, char **err)
{
    return connect_unix(path, err);
}

struct qmp *qga_open(const char *path, int timeout_ms, char **err)
{
    struct qmp *q = connect_unix(path, err);
    if (q && qga_sync(q, timeout_ms, err) < 0) {
        qmp_close(q);
        return NULL;
    }
    return q;
}

int qga_sync(struct qmp *q, int timeout_ms, char **err)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    /* 0xff resets the agent's parser (it answers it with an error, without
     * an id); the reply to guest-sync-delimited is preceded by 0xff, so
     * anything stale before it is discarded.  Unanswered, the question is
     * asked again every second on the same connection and the answer to any
     * of them is taken (ids base..base+asked-1); rarely, since callers wait
     * for the guest to open its end first (qmp_wait_event VSERPORT_CHANGE):
     * answers nobody reads would be left in the guest's port.  The questions carry a string "id"
     * too, which the agent echoes: answers to the others, coming later, are
     * then never taken for the answer to a command (qmp_call matches ids). */
    unsigned base =
                 ((unsigned)getpid() << 16) ^ (unsigned)((uint64_t)(proc_now() * 1e6) & 0xffffffu),
             asked = 0;
    double next_ask = 0;
    bool delimited = false;
    for (;;) {
        double now = proc_now();
        if (now >= next_ask) {
            char msg[160];
            int n = snprintf(msg, sizeof msg,
                             "%s{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%u},"
                             "\"id\":\"sync\"}\n",
                             asked ? "" : "\xff", base + asked);
            asked++;
            if (send_all(q, msg, (size_t)n, deadline, err) < 0)
                return -1;
            next_ask = now + 1.0;
        }
        if (!delimited) {
            char *ff = memchr(q->in.s, 0xff, q->in.len);
            if (ff) {
                size_t skip = (size_t)(ff - q->in.s) + 1;
                memmove(q->in.s, q->in.s + skip, q->in.len - skip);
                q->in.len -= skip;
                q->in.s[q->in.len] = '\0';
                delimited = true;
            } else {
                q->in.len = 0;
            }
        }
        char *nl = delimited ? memchr(q->in.s, '\n', q->in.len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - q->in.s) + 1;
            json_t *r = qmp_parse_line(q->in.s, n);
            memmove(q->in.s, q->in.s + n, q->in.len - n);
            q->in.len -= n;
            q->in.s[q->in.len] = '\0';
            json_int_t got = json_integer_value(json_object_get(r, "return"));
            json_decref(r);
            delimited = false;
            if ((unsigned)got - base < asked)
                return 0;
            continue;
        }
        double until = deadline < next_ask ? deadline : next_ask;
        int rc = wait_for(q->fd, POLLIN, until);
        if (rc == -ETIMEDOUT) {
            if (proc_now() < deadline)
                continue;
            return fail(err, "the guest agent does not answer (timed out)");
        }
        char buf[4096];
        ssize_t r = rc < 0 ? -1 : recv(q->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            strbuf_add(&q->in, buf, (size_t)r);
        } else if (r == 0 || (r < 0 && errno != EAGAIN)) {
            return fail(err, "the guest agent does not answer (%s)",
                        r == 0 ? "connection closed" : strerror(errno));
        }
    }
}

void qmp_close(struct qmp *q)
{
    if (!q)
        return;
    close(q->fd);
    strbuf_free(&q->in);
    free(q);
}

int qmp_call(struct qmp *q, const char *cmd, json_t *args, json_t **ret, char **err, int timeout_ms)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    if (ret)
        *ret = NULL;
    unsigned id = q->next_id++;
    json_t *msg = json_pack("{s:s, s:I}", "execute", cmd, "id", (json_int_t)id);
    if (args)
        json_object_set_new(msg, "arguments", args);
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    struct strbuf line;
    strbuf_init(&line);
    strbuf_printf(&line, "%s\n", s);
    free(s);
    int rc = send_all(q, line.s, line.len, deadline, err);
    strbuf_free(&line);
    if (rc < 0)
        return -1;
    for (;;) {
        json_t *r = read_json(q, deadline, err);
        if (!r) {
            if (err && *err) {
                char *m = *err;
                fail(err, "%s: %s", cmd, m);
                free(m);
            }
            return -1;
        }
        /* Ours carry our id: events, answers to earlier questions and the
         * guest agent's complaints about a reset byte do not. */
        json_t *rid = json_object_get(r, "id");
        if (!json_is_integer(rid) || json_integer_value(rid) != id) {
            json_decref(r);
            continue;
        }
        json_t *e = json_object_get(r, "error");
        if (e) {
            fail(err, "%s: %s", cmd, json_string_value(json_object_get(e, "desc")) ?: "error");
            json_decref(r);
            return -1;
        }
        if (ret) {
            *ret = json_object_get(r, "return");
            json_incref(*ret);
        }
        json_decref(r);
        return 0;
    }
}

json_t *qmp_wait_event(struct qmp *q, const char *name, int timeout_ms, char **err)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    for (;;) {
        json_t *r = read_json(q, deadline, err);
        if (!r)
            return NULL;
        if (!strcmp(json_string_value(json_object_get(r, "event")) ?: "", name)) {
            json_t *data = json_incref(json_object_get(r, "data"));
            json_decref(r);
            return data ? data : json_object();
        }
        json_decref(r);
    }
}

int qga_exec(struct qmp *q, const char *const argv[], const char *input, int timeout_ms,
             struct qga_result *r, char **err)
{
    double deadline = proc_now() + timeout_ms / 1000.0;
    memset(r, 0, sizeof *r);
    json_t *args = json_array();
    for (size_t i = 1; argv[i]; i++)
        json_array_append_new(args, json_string(argv[i]));
    json_t *a = json_pack("{s:s, s:o, s:b}", "path", argv[0], "arg", args, "capture-output", 1);
    if (input) {
        char *b = base64_encode(input, strlen(input));
        json_object_set_new(a, "input-data", json_string(b));
        free(b);
    }
    json_t *ret;
    if (qmp_call(q, "guest-exec", a, &ret, err, timeout_ms) < 0)
        return -1;
    json_int_t pid = json_integer_value(json_object_get(ret, "pid"));
    json_decref(ret);
    for (int delay_ms = 5;; delay_ms = delay_ms < 100 ? delay_ms * 2 : 100) {
        int left = (int)((deadline - proc_now()) * 1000);
        if (left <= 0)
            return fail(err, "%s did not finish within %d ms", argv[0], timeout_ms);
        if (qmp_call(q, "guest-exec-status", json_pack("{s:I}", "pid", pid), &ret, err, left) < 0)
            return -1;
        if (json_is_true(json_object_get(ret, "exited"))) {
            json_t *code = json_object_get(ret, "exitcode");
            r->exitcode = code ? (int)json_integer_value(code) : -1;
            r->out = base64_decode(json_string_value(json_object_get(ret, "out-data")), NULL);
            r->err = base64_decode(json_string_value(json_object_get(ret, "err-data")), NULL);
            json_decref(ret);
            return 0;
        }
        json_decref(ret);
        usleep((useconds_t)delay_ms * 1000);
    }
}

void qga_result_free(struct qga_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}
