#include "ctl/demand.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct entry {
    struct demand_report r;
    double at; /* when it came */
};

struct demand {
    struct entry *e; /* in no order */
    size_t n, cap;
};

struct demand *demand_create(void)
{
    return xcalloc(1, sizeof(struct demand));
}

void demand_destroy(struct demand *d)
{
    if (!d)
        return;
    free(d->e);
    free(d);
}

static bool current(const struct entry *e, double now)
{
    return now - e->at <= DEMAND_STALE_INTERVALS * e->r.interval_s;
}

int demand_put(struct demand *d, const struct demand_report *r, double now)
{
    for (size_t i = 0; i < d->n;)
        if (!current(&d->e[i], now))
            d->e[i] = d->e[--d->n];
        else
            i++;
    size_t i = 0;
    while (i < d->n && !(d->e[i].r.addr == r->addr && d->e[i].r.port == r->port &&
                         !strcmp(d->e[i].r.source, r->source)))
        i++;
    if (i == d->n) {
        if (d->n == DEMAND_REPORTS_MAX)
            return -1;
        xgrow(&d->e, &d->cap, d->n + 1, sizeof *d->e);
        d->n++;
    }
    d->e[i] = (struct entry){.r = *r, .at = now};
    return 0;
}

/* Adds 'e' into 'f'. */
static void add(struct demand_figures *f, const struct entry *e, double now)
{
    if (!f->sources || now - e->at < f->age_s)
        f->age_s = now - e->at;
    f->sources++;
    f->requests_per_second += e->r.requests_per_second;
    f->sent_per_second += e->r.sent_per_second;
    f->failed_per_second += e->r.failed_per_second;
    if (e->r.p95_ms > f->p95_ms)
        f->p95_ms = e->r.p95_ms;
}

int demand_get(const struct demand *d, uint32_t addr, double now, struct demand_figures *out)
{
    memset(out, 0, sizeof *out);
    out->p95_ms = -1;
    for (size_t i = 0; i < d->n; i++)
        if (d->e[i].r.addr == addr && current(&d->e[i], now))
            add(out, &d->e[i], now);
    return out->sources ? 0 : -1;
}

static int by_service(const void *a, const void *b)
{
    const struct demand_report *x = &(*(const struct entry *const *)a)->r,
                               *y = &(*(const struct entry *const *)b)->r;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (int)x->port - (int)y->port;
}

/* The current entries at 'now', by address then port (caller frees);
 * '*n' gets how many. */
static const struct entry **sorted(const struct demand *d, double now, size_t *n)
{
    const struct entry **v = xmalloc((d->n ? d->n : 1) * sizeof *v);
    *n = 0;
    for (size_t i = 0; i < d->n; i++)
        if (current(&d->e[i], now))
            v[(*n)++] = &d->e[i];
    qsort(v, *n, sizeof *v, by_service);
    return v;
}

size_t demand_addresses(const struct demand *d, double now, uint32_t *addrs, size_t max)
{
    size_t n, k = 0;
    const struct entry **v = sorted(d, now, &n);
    for (size_t i = 0; i < n; i++)
        if (!i || v[i]->r.addr != v[i - 1]->r.addr) {
            if (k < max)
                addrs[k] = v[i]->r.addr;
            k++;
        }
    free(v);
    return k;
}

json_t *demand_json(const struct demand *d, double now)
{
    size_t n;
    const struct entry **v = sorted(d, now, &n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n;) {
        struct demand_figures f = {.p95_ms = -1};
        const struct demand_report *r = &v[i]->r;
        for (; i < n && v[i]->r.addr == r->addr && v[i]->r.port == r->port; i++)
            add(&f, v[i], now);
        char ip[16];
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", r->addr >> 24, (r->addr >> 16) & 255,
                 (r->addr >> 8) & 255, r->addr & 255);
        json_array_append_new(arr,
                              json_pack("{s:s, s:i, s:f, s:f, s:f, s:o, s:i, s:f}", "address", ip,
                                        "port", (int)r->port, "requests_per_second",
                                        f.requests_per_second, "sent_per_second", f.sent_per_second,
                                        "failed_per_second", f.failed_per_second, "p95_ms",
                                        f.p95_ms < 0 ? json_null() : json_real(f.p95_ms), "sources",
                                        (int)f.sources, "age_s", f.age_s));
    }
    free(v);
    return arr;
}
