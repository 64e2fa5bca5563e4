#include "ctl/recorder.h"

#include <stdio.h>
#include <stdlib.h>

#include "ctl/demand.h"
#include "ctl/portstats.h"
#include "hist/hist.h"
#include "util/xalloc.h"

struct recorder {
    struct hist *h;
    json_t *seen; /* server -> the "sampled_at" of the figures last recorded */
};

struct recorder *recorder_create(struct hist *h)
{
    struct recorder *r = xcalloc(1, sizeof *r);
    r->h = h;
    r->seen = json_object();
    return r;
}

void recorder_destroy(struct recorder *r)
{
    if (!r)
        return;
    json_decref(r->seen);
    free(r);
}

static void put(struct hist *h, const char *kind, const char *name, const char *figure,
                const json_t *v, bool counter)
{
    if (!json_is_number(v))
        return;
    char series[192];
    snprintf(series, sizeof series, "%s/%s/%s", kind, name, figure);
    if (counter)
        hist_set_counter(h, series, json_number_value(v));
    else
        hist_set(h, series, json_number_value(v));
}

static void server_round(struct recorder *r, const json_t *m)
{
    const json_t *s = json_object_get(m, "server");
    const char *name = json_string_value(json_object_get(s, "name"));
    const json_t *at = json_object_get(m, "sampled_at");
    if (!name)
        return;
    const json_t *was = json_object_get(r->seen, name);
    if (at && was && json_number_value(was) == json_number_value(at))
        return; /* not polled again yet */
    json_object_set(r->seen, name, (json_t *)(at ? at : json_null()));
    struct hist *h = r->h;
    put(h, "server", name, "cpu_used", json_object_get(s, "cpu_used"), false);
    put(h, "server", name, "cpu_utilization", json_object_get(s, "cpu_utilization"), false);
    /* Throttled seconds per second: the fraction of the time held back. */
    put(h, "server", name, "cpu_throttled_fraction", json_object_get(s, "cpu_throttled_seconds"),
        true);
    put(h, "server", name, "vm_memory_mib", json_object_get(s, "vm_memory_mib"), false);
    put(h, "server", name, "memory_available_bytes", json_object_get(s, "memory_available_bytes"),
        false);
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(m, "vms"), i, v) {
        const char *vm = json_string_value(json_object_get(v, "name"));
        if (!vm)
            continue;
        put(h, "vm", vm, "cpu_used", json_object_get(v, "cpu_used"), false);
        put(h, "vm", vm, "cpu_utilization", json_object_get(v, "cpu_utilization"), false);
        put(h, "vm", vm, "cpu_allocation", json_object_get(v, "cpu_allocation"), false);
        put(h, "vm", vm, "memory_used_bytes",
            json_object_get(json_object_get(v, "guest_memory"), "used_bytes"), false);
        put(h, "vm", vm, "rss_bytes", json_object_get(v, "rss_bytes"), false);
        const json_t *net = json_object_get(v, "net"), *disk = json_object_get(v, "disk");
        put(h, "vm", vm, "net_rx_bytes_per_second", json_object_get(net, "rx_bytes"), true);
        put(h, "vm", vm, "net_tx_bytes_per_second", json_object_get(net, "tx_bytes"), true);
        put(h, "vm", vm, "disk_read_bytes_per_second", json_object_get(disk, "read_bytes"), true);
        put(h, "vm", vm, "disk_written_bytes_per_second", json_object_get(disk, "written_bytes"),
            true);
    }
}

/* Each address with current demand: its ports summed. */
static void demand_round(struct recorder *r, const struct demand *d, double now)
{
    uint32_t addrs[256];
    size_t n = demand_addresses(d, now, addrs, sizeof addrs / sizeof *addrs);
    if (n > sizeof addrs / sizeof *addrs)
        n = sizeof addrs / sizeof *addrs; /* the lowest; GET /api/v1/demand has them all */
    for (size_t i = 0; i < n; i++) {
        struct demand_figures f;
        if (demand_get(d, addrs[i], now, &f))
            continue;
        char name[16], series[64];
        snprintf(name, sizeof name, "%u.%u.%u.%u", addrs[i] >> 24, (addrs[i] >> 16) & 255,
                 (addrs[i] >> 8) & 255, addrs[i] & 255);
        snprintf(series, sizeof series, "service/%s/requests_per_second", name);
        hist_set(r->h, series, f.requests_per_second);
        snprintf(series, sizeof series, "service/%s/failed_per_second", name);
        hist_set(r->h, series, f.failed_per_second);
        if (f.p95_ms >= 0) {
            snprintf(series, sizeof series, "service/%s/p95_ms", name);
            hist_set(r->h, series, f.p95_ms);
        }
    }
}

void recorder_round(struct recorder *r, double now, const json_t *servers,
                    const struct portstats *links, const struct demand *demand, double demand_now)
{
    if (!hist_begin(r->h, now))
        return;
    size_t i;
    const json_t *m;
    json_array_foreach(servers, i, m)
        server_round(r, m);
    if (links)
        portstats_record(links, r->h);
    if (demand)
        demand_round(r, demand, demand_now);
}
