/* api_body: what minidcd's API is asked, checked before anything runs.
 * Pure: no I/O, no clock, no global state; bytes and strings in, a typed
 * request or error messages out (unit-tested and fuzzed).
 *
 * A body is one JSON object (an empty body is {}).  Every field has one
 * type and range; a field of the wrong type, out of range, or unknown is an
 * error, and so is a key given twice.  Absent optional fields take their
 * defaults.  Parsers return 0 and fill their struct, or -1 with '*errors' =
 * a new JSON array of messages, one per wrong field, each naming the field
 * and what was expected ("to: expected a server name (string)").  Whether a
 * server or VM exists is not asked here: vmctl knows. */
#ifndef MINIDC_CTL_API_BODY_H
#define MINIDC_CTL_API_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agentproto/agent_proto.h"
#include "ctl/demand.h"
#include "load/load.h"

#define API_NAME_MAX AGENT_PROTO_NAME_MAX     /* a VM's name: agent_proto_name_ok() */
#define API_SERVER_MAX 63                     /* a server's name, as in the topology */
#define API_MEMORY_MIN AGENT_PROTO_MEMORY_MIN /* MiB */
#define API_MEMORY_MAX AGENT_PROTO_MEMORY_MAX
#define API_MEMORY_DEFAULT 128
#define API_CPUS_MAX AGENT_PROTO_CPUS_MAX
#define API_TIMEOUT_MAX 3600000 /* an exec's limit, in ms (one hour) */
#define API_TIMEOUT_DEFAULT 30000
#define API_ARGV_MAX 256
#define API_OP_ID_MAX 4294967295UL /* operation and event ids are below this */

/* POST /api/v1/vms {name, server, memory_mib, cpus, cpu_share} */
struct api_boot {
    char name[API_NAME_MAX + 1];
    char server[API_SERVER_MAX + 1];
    unsigned memory_mib, cpus;
    double cpu_share; /* host CPUs allocated; 0: not given (its vCPUs' worth, no limit) */
};
/* POST /api/v1/vms/NAME/migrate {to, verify_memory} */
struct api_migrate {
    char to[API_SERVER_MAX + 1];
    bool verify_memory; /* compare the guest's memory on both sides before it runs */
};
/* POST /api/v1/vms/NAME/clone {to, as, balance, verify_memory} */
struct api_clone {
    char to[API_SERVER_MAX + 1];
    char as[API_NAME_MAX + 1]; /* "": NAME-c1, NAME-c2, ... */
    bool balance;
    bool verify_memory;
};
/* POST /api/v1/vms/NAME/exec {argv, input, timeout_ms} */
struct api_exec {
    json_t *argv; /* an array of 1 to API_ARGV_MAX strings, the first not empty (owned) */
    char *input;  /* standard input for the command, or NULL (owned) */
    unsigned timeout_ms;
};

/* POST /api/v1/vms/NAME/load: {cpu_percent, memory_mib} (a constant load)
 * or {trace, interval_s, memory_mib} (a trace); bounds of load/load.h */
struct api_trace {
    uint8_t *samples; /* percent of the VM's CPUs, one a sample (owned); NULL: none given */
    size_t n;
};
struct api_load {
    unsigned cpu_percent; /* of one CPU, 0 to LOAD_CPU_MAX (not with a trace) */
    struct api_trace trace;
    double interval_s;   /* seconds a sample is held (LOAD_INTERVAL_DEFAULT) */
    unsigned memory_mib; /* to keep resident and dirty; 0: none */
};

/* POST /api/v1/demand {address, port, interval_s, requests_per_second,
 * sent_per_second, failed_per_second, p95_ms, source}: a load generator's
 * last interval (demand.h).  Rates 0 to API_RATE_MAX requests a second,
 * p95_ms 0 to API_LATENCY_MAX or null (null when requests_per_second is 0:
 * no answers, no latency), source optional (up to DEMAND_SOURCE_MAX
 * letters, digits and _ . - @ :). */
#define API_RATE_MAX 10000000.0
#define API_LATENCY_MAX 3600000.0 /* ms */
#define API_INTERVAL_MIN 0.1      /* s */
#define API_INTERVAL_MAX 3600.0
int api_parse_demand(const char *body, size_t len, struct demand_report *out, json_t **errors);

int api_parse_boot(const char *body, size_t len, struct api_boot *out, json_t **errors);
int api_parse_migrate(const char *body, size_t len, struct api_migrate *out, json_t **errors);
int api_parse_clone(const char *body, size_t len, struct api_clone *out, json_t **errors);
/* On success the caller frees with api_exec_free(). */
int api_parse_exec(const char *body, size_t len, struct api_exec *out, json_t **errors);
void api_exec_free(struct api_exec *x);
/* Either cpu_percent or trace; interval_s only with a trace.  On success
 * the caller frees with api_load_free(). */
int api_parse_load(const char *body, size_t len, struct api_load *out, json_t **errors);
void api_load_free(struct api_load *l);

/* Whether 's' is a VM name (agent_proto_name_ok()). */
bool api_valid_vm_name(const char *s);

/* POST /api/v1/plans {actions: [{action, vm, to, as, balance, graceful,
 * server, why}...], max_parallel}: each action takes the fields of its kind
 * (migrate: vm, to; clone: vm, to, as, balance; stop: vm, graceful; sleep
 * and wake: server; any: why). */
#define API_PLAN_ACTIONS_MAX 4096
#define API_WHY_MAX 127
#define API_PARALLEL_MAX 64
struct api_action {
    int kind; /* enum mdc_action_kind */
    char vm[API_NAME_MAX + 1];
    char server[API_SERVER_MAX + 1]; /* to, or server */
    char as[API_NAME_MAX + 1];
    bool balance, graceful;
    char *why; /* owned; NULL: none */
};
struct api_plan {
    struct api_action *actions;
    size_t n;
    unsigned max_parallel; /* 0: the default */
};
int api_parse_plan(const char *body, size_t len, struct api_plan *out, json_t **errors);
void api_plan_free(struct api_plan *p);

/* POST /api/v1/policy {name, params, interval_s, dry_run, max_parallel}. */
#define API_POLICY_NAME_MAX 63
#define API_PARAMS_MAX 64
#define API_PARAM_NAME_MAX 63
#define API_PARAM_VALUE_MAX 255
#define API_POLICY_INTERVAL_MIN 1.0
#define API_POLICY_INTERVAL_MAX 86400.0
#define API_POLICY_INTERVAL_DEFAULT 10.0
struct api_policy_run {
    char *name;
    json_t *params; /* name -> string (owned; an empty object when none) */
    double interval_s;
    bool dry_run;
    unsigned max_parallel; /* 0: the default */
};
int api_parse_policy_run(const char *body, size_t len, struct api_policy_run *out, json_t **errors);
void api_policy_run_free(struct api_policy_run *r);

/* "/api/v1/vms/NAME" or "/api/v1/vms/NAME/ACTION": NAME (API_NAME_MAX at most,
 * else no VM can have it: 'name' gets it cut and false is returned) and
 * ACTION ("" when absent) into buffers of 'name_size' and 'action_size'.
 * False when 'path' is not of that form. */
bool api_parse_vm_path(const char *path, char *name, size_t name_size, char *action,
                       size_t action_size);

/* An id (operation, event): decimal digits only, 'min' to API_OP_ID_MAX.
 * 0, or -1 with '*errors' (naming 'field'). */
int api_parse_id(const char *s, const char *field, unsigned long min, unsigned long *id,
                 json_t **errors);
/* The query of DELETE /api/v1/vms/NAME: "graceful=1|0|true|false" or
 * nothing.  Other parameters are errors. */
int api_parse_stop_query(const char *query, bool *graceful, json_t **errors);
/* The query of GET /api/v1/metrics/history: series=NAME,NAME* (exact
 * names, or prefixes ending in '*'), prefix=START (list the series),
 * since=T, until=T (seconds since the epoch; negative: seconds before now,
 * for the caller to resolve), max_points=N. */
#define API_SERIES_MAX 160
#define API_SERIES_NAMES_MAX 64
#define API_POINTS_MAX 100000
struct api_history_query {
    char *names[API_SERIES_NAMES_MAX]; /* owned */
    size_t n;
    char prefix[API_SERIES_MAX + 1];
    double since, until; /* 0: no bound */
    unsigned max_points; /* 0: all */
};
int api_parse_history_query(const char *query, struct api_history_query *q, json_t **errors);
void api_history_query_free(struct api_history_query *q);
/* The query of GET /api/v1/events: "since=ID" or nothing. */
int api_parse_events_query(const char *query, bool *replay, uint64_t *since, json_t **errors);

/* The error reply for 'errors' (taken): {"error": "first; second", "errors": [...]}. */
json_t *api_errors_json(json_t *errors);

#endif
