#include "cli/load_reporter.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/demand.h"
#include "loadgen/load_stats.h"
#include "util/http.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct load_reporter {
    struct api_target t;
    char addr[16], source[DEMAND_SOURCE_MAX + 1];
    uint16_t port;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under 'mu': */
    struct load_second waiting;
    bool has_waiting, stopping;
    uint64_t next_k; /* the seconds before it were handed over */
    uint64_t skipped;
    /* the thread's own: */
    uint64_t posted, failed;
};

/* Why a POST answered 'st' failed, into 'buf'. */
static void why(const struct load_reporter *r, int st, const struct strbuf *reply, char *buf,
                size_t size)
{
    if (st < 0) {
        snprintf(buf, size, "%s", api_strerror(&r->t, st));
        return;
    }
    json_t *o = json_loads(reply->s, 0, NULL);
    const char *e = json_string_value(json_object_get(o, "error"));
    snprintf(buf, size, "minidcd answered %d%s%s%s", st, e ? " (" : "", e ? e : "", e ? ")" : "");
    json_decref(o);
}

static void post(struct load_reporter *r, const struct load_second *s)
{
    json_t *body = json_pack(
        "{s:s, s:i, s:f, s:f, s:f, s:f, s:o, s:s}", "address", r->addr, "port", (int)r->port,
        "interval_s", 1.0, "requests_per_second", (double)s->answered, "sent_per_second",
        (double)s->sent, "failed_per_second", (double)s->failed, "p95_ms",
        s->answered ? json_real((double)s->p95_us / 1000) : json_null(), "source", r->source);
    char *b = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct http_req req = api_request(&r->t, "POST", "/api/v1/demand", b);
    struct strbuf reply;
    strbuf_init(&reply);
    int st = http_request(&req, &reply, LOAD_REPORTER_TIMEOUT_MS);
    free(b);
    if (st == 204) {
        r->posted++;
    } else if (!r->failed++) {
        char reason[256];
        why(r, st, &reply, reason, sizeof reason);
        fprintf(stderr,
                "minidc load http: a report to minidcd at %s:%u failed: %s; the run goes on (the "
                "failed reports are counted: --json's report.failed; --no-report not to report)\n",
                r->t.addr, r->t.port, reason);
        if (st == 401)
            api_explain_401(&r->t);
    }
    strbuf_free(&reply);
}

static void *reporter_main(void *arg)
{
    struct load_reporter *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->has_waiting && !r->stopping)
            pthread_cond_wait(&r->cv, &r->mu);
        if (!r->has_waiting)
            break; /* stopping, nothing left */
        struct load_second s = r->waiting;
        r->has_waiting = false;
        pthread_mutex_unlock(&r->mu);
        post(r, &s);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

struct load_reporter *load_reporter_start(struct api_target *t, const char *addr, uint16_t port,
                                          const char *source)
{
    struct load_reporter *r = xcalloc(1, sizeof *r);
    r->t = *t;
    memset(t, 0, sizeof *t);
    snprintf(r->addr, sizeof r->addr, "%s", addr);
    snprintf(r->source, sizeof r->source, "%s", source);
    r->port = port;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    /* The thread blocks every signal (it inherits the mask it is made with). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&r->thread, NULL, reporter_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        fprintf(stderr, "minidc load http: cannot start reporting to minidcd: %s\n", strerror(rc));
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        api_target_free(&r->t);
        free(r);
        return NULL;
    }
    return r;
}

void load_reporter_second(struct load_reporter *r, uint64_t k, const struct load_second *s)
{
    pthread_mutex_lock(&r->mu);
    if (k >= r->next_k) {
        if (r->has_waiting)
            r->skipped++;
        r->waiting = *s;
        r->has_waiting = true;
        r->next_k = k + 1;
        pthread_cond_signal(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
}

json_t *load_reporter_stop(struct load_reporter *r)
{
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    char to[80];
    snprintf(to, sizeof to, "%s:%u", r->t.addr, r->t.port);
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "to", to, "source", r->source, "posted",
                          (json_int_t)r->posted, "failed", (json_int_t)r->failed, "skipped",
                          (json_int_t)r->skipped);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    api_target_free(&r->t);
    free(r);
    return o;
}

void load_reporter_source(char *buf, size_t size)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) || !host[0])
        snprintf(host, sizeof host, "localhost");
    for (char *p = host; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p))
            *p = '_';
    if (size > DEMAND_SOURCE_MAX + 1)
        size = DEMAND_SOURCE_MAX + 1;
    snprintf(buf, size, "%ld@%s", (long)getpid(), host);
}
