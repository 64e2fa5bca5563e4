/* libFuzzer target on what minidcd's API is asked (src/ctl/api_body.c): any
 * bytes as a body for each request, and as a path, an id and a query.  A
 * parse either succeeds with values in their ranges or fails with at least
 * one message; never a crash, leak or sanitizer report. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/api_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed parse must say why; the reply is built from it. */
static void check_errors(json_t *errors)
{
    if (!json_is_array(errors) || !json_array_size(errors))
        abort();
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
        if (!json_string_length(e))
            abort();
    json_t *reply = api_errors_json(errors);
    if (!json_string_value(json_object_get(reply, "error")))
        abort();
    json_decref(reply);
}

static void server_ok(const char *s)
{
    if (!*s || strlen(s) > API_SERVER_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    json_t *errors = NULL;
    struct api_boot b;
    if (api_parse_boot(body, size, &b, &errors) == 0) {
        server_ok(b.server);
        if (!api_valid_vm_name(b.name) || b.memory_mib < API_MEMORY_MIN ||
            b.memory_mib > API_MEMORY_MAX || b.cpus < 1 || b.cpus > API_CPUS_MAX)
            abort();
    } else {
        check_errors(errors);
    }
    struct api_migrate m;
    if (api_parse_migrate(body, size, &m, &errors) == 0)
        server_ok(m.to);
    else
        check_errors(errors);
    struct api_clone c;
    if (api_parse_clone(body, size, &c, &errors) == 0) {
        server_ok(c.to);
        if (c.as[0] && !api_valid_vm_name(c.as))
            abort();
    } else {
        check_errors(errors);
    }
    struct api_exec x;
    if (api_parse_exec(body, size, &x, &errors) == 0) {
        if (!json_array_size(x.argv) || json_array_size(x.argv) > API_ARGV_MAX ||
            x.timeout_ms < 1 || x.timeout_ms > API_TIMEOUT_MAX)
            abort();
        api_exec_free(&x);
    } else {
        check_errors(errors);
    }
    struct api_load l;
    if (api_parse_load(body, size, &l, &errors) == 0) {
        if (l.trace.samples ? !l.trace.n || l.trace.n > LOAD_TRACE_MAX || l.cpu_percent
                            : l.cpu_percent > LOAD_CPU_MAX)
            abort();
        for (size_t i = 0; i < l.trace.n; i++)
            if (l.trace.samples[i] > LOAD_SAMPLE_MAX)
                abort();
        if (!(l.interval_s >= LOAD_INTERVAL_MIN && l.interval_s <= LOAD_INTERVAL_MAX) ||
            l.memory_mib > API_MEMORY_MAX)
            abort();
        api_load_free(&l);
    } else {
        check_errors(errors);
    }
    struct demand_report dr;
    if (api_parse_demand(body, size, &dr, &errors) == 0) {
        if (!dr.port || !(dr.interval_s >= API_INTERVAL_MIN && dr.interval_s <= API_INTERVAL_MAX) ||
            !(dr.requests_per_second >= 0 && dr.requests_per_second <= API_RATE_MAX) ||
            !(dr.sent_per_second >= 0 && dr.sent_per_second <= API_RATE_MAX) ||
            !(dr.failed_per_second >= 0 && dr.failed_per_second <= API_RATE_MAX) ||
            !(dr.p95_ms == -1 || (dr.p95_ms >= 0 && dr.p95_ms <= API_LATENCY_MAX)) ||
            (dr.requests_per_second == 0 && dr.p95_ms >= 0) ||
            strlen(dr.source) > DEMAND_SOURCE_MAX)
            abort();
    } else {
        check_errors(errors);
    }

    /* The same bytes as a string: a path, an id, queries. */
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char name[API_NAME_MAX + 1], action[16];
    if (api_parse_vm_path(s, name, sizeof name, action, sizeof action) && !*name)
        abort();
    unsigned long id;
    if (api_parse_id(s, "id", 1, &id, &errors) == 0) {
        if (id < 1 || id > API_OP_ID_MAX)
            abort();
    } else {
        check_errors(errors);
    }
    bool flag;
    uint64_t since;
    if (api_parse_stop_query(s, &flag, &errors))
        check_errors(errors);
    if (api_parse_events_query(s, &flag, &since, &errors))
        check_errors(errors);
    else if (since > API_OP_ID_MAX)
        abort();
    free(s);
    return 0;
}
