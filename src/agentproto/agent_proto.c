#include "agentproto/agent_proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define VMS_PREFIX "/v1/vms/"

static const struct {
    const char *method, *path, *action;
} requests[] = {
#define AGENT_PROTO_REQ_ROW(name, method, path, action) {method, path, action},
    AGENT_PROTO_REQUESTS(AGENT_PROTO_REQ_ROW)
#undef AGENT_PROTO_REQ_ROW
};
#define N_REQUESTS (sizeof requests / sizeof *requests)

bool agent_proto_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > AGENT_PROTO_NAME_MAX ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

const char *agent_proto_method(enum agent_proto_req r)
{
    return requests[r].method;
}

char *agent_proto_path(enum agent_proto_req r, const char *vm)
{
    if (requests[r].path)
        return xstrdup(requests[r].path);
    return xasprintf(VMS_PREFIX "%s%s%s", vm, *requests[r].action ? "/" : "", requests[r].action);
}

char *agent_proto_remove_path(const char *vm, bool graceful)
{
    return xasprintf(VMS_PREFIX "%s%s", vm, graceful ? "?graceful=1" : "");
}

bool agent_proto_graceful(const char *query)
{
    return query && strstr(query, "graceful=1");
}

/* Splits VMS_PREFIX "NAME[/ACTION]" into NAME and ACTION (cut to fit);
 * false when NAME is empty or does not fit, or ACTION has a '/'. */
static bool vm_path(const char *path, char *name, size_t name_size, char *action,
                    size_t action_size)
{
    if (strncmp(path, VMS_PREFIX, strlen(VMS_PREFIX)))
        return false;
    const char *p = path + strlen(VMS_PREFIX);
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (!n || n >= name_size)
        return false;
    memcpy(name, p, n);
    name[n] = '\0';
    snprintf(action, action_size, "%s", slash ? slash + 1 : "");
    return !strchr(action, '/');
}

enum agent_proto_match agent_proto_route(const char *method, const char *path,
                                         enum agent_proto_req *r, char *name, size_t name_size,
                                         char *action, size_t action_size)
{
    for (size_t i = 0; i < N_REQUESTS; i++)
        if (requests[i].path && !strcmp(requests[i].method, method) &&
            !strcmp(requests[i].path, path)) {
            *r = (enum agent_proto_req)i;
            return AGENT_PROTO_MATCH;
        }
    if (!vm_path(path, name, name_size, action, action_size))
        return AGENT_PROTO_NO_RESOURCE;
    for (size_t i = 0; i < N_REQUESTS; i++)
        if (!requests[i].path && !strcmp(requests[i].method, method) &&
            !strcmp(requests[i].action, action)) {
            *r = (enum agent_proto_req)i;
            return AGENT_PROTO_MATCH;
        }
    return AGENT_PROTO_NO_OPERATION;
}

bool agent_proto_needs_token(const char *path)
{
    return strcmp(path, requests[AGENT_PROTO_PROMETHEUS].path) != 0;
}

/* ---- bodies ---- */

static void set_string(json_t *o, const char *key, const char *value)
{
    if (value)
        json_object_set_new(o, key, json_string(value));
}

json_t *agent_proto_vm_json(const struct agent_proto_vm *vm)
{
    json_t *o = json_object();
    set_string(o, AGENT_PROTO_VM_NAME, vm->name);
    set_string(o, AGENT_PROTO_VM_MAC, vm->mac);
    set_string(o, AGENT_PROTO_VM_IP, vm->ip);
    set_string(o, AGENT_PROTO_VM_GW, vm->gw);
    json_object_set_new(o, AGENT_PROTO_VM_MEMORY_MIB, json_integer((int)vm->memory_mib));
    json_object_set_new(o, AGENT_PROTO_VM_CPUS, json_integer((int)vm->cpus));
    if (vm->cpu_share > 0)
        json_object_set_new(o, AGENT_PROTO_VM_CPU_SHARE, json_real(vm->cpu_share));
    return o;
}

/* The integer 'key' of 'o' into '*out' when it lies in [min, max], checked
 * before it narrows (2^32 + 128 is not 128); else 0, and false if 'o' has
 * it. */
static bool read_count(const json_t *o, const char *key, json_int_t min, json_int_t max,
                       unsigned *out)
{
    const json_t *j = json_object_get(o, key);
    json_int_t v = json_integer_value(j);
    *out = v >= min && v <= max ? (unsigned)v : 0;
    return !j || *out;
}

bool agent_proto_vm_read(const json_t *o, struct agent_proto_vm *vm)
{
    vm->name = json_string_value(json_object_get(o, AGENT_PROTO_VM_NAME));
    vm->mac = json_string_value(json_object_get(o, AGENT_PROTO_VM_MAC));
    vm->ip = json_string_value(json_object_get(o, AGENT_PROTO_VM_IP));
    vm->gw = json_string_value(json_object_get(o, AGENT_PROTO_VM_GW));
    bool mem = read_count(o, AGENT_PROTO_VM_MEMORY_MIB, AGENT_PROTO_MEMORY_MIN,
                          AGENT_PROTO_MEMORY_MAX, &vm->memory_mib);
    bool cpus = read_count(o, AGENT_PROTO_VM_CPUS, 1, AGENT_PROTO_CPUS_MAX, &vm->cpus);
    /* Absent: none given; present, a number of host CPUs in range. */
    const json_t *share = json_object_get(o, AGENT_PROTO_VM_CPU_SHARE);
    double d = json_number_value(share);
    bool share_ok = !share || (json_is_number(share) && d >= AGENT_PROTO_CPU_SHARE_MIN &&
                               d <= AGENT_PROTO_CPUS_MAX);
    vm->cpu_share = share && share_ok ? d : 0;
    return mem && cpus && share_ok;
}

json_t *agent_proto_incoming_json(const struct agent_proto_vm *vm, const char *from,
                                  const char *listen)
{
    json_t *o = agent_proto_vm_json(vm);
    set_string(o, AGENT_PROTO_INCOMING_FROM, from);
    set_string(o, AGENT_PROTO_INCOMING_LISTEN, listen);
    return o;
}

json_t *agent_proto_send_json(const struct agent_proto_send *s)
{
    json_t *o = json_object();
    set_string(o, AGENT_PROTO_SEND_NBD, s->nbd);
    set_string(o, AGENT_PROTO_SEND_URI, s->uri);
    json_object_set_new(o, AGENT_PROTO_SEND_MODE,
                        json_string(s->copy ? AGENT_PROTO_SEND_COPY : AGENT_PROTO_SEND_MOVE));
    json_object_set_new(o, AGENT_PROTO_SEND_VERIFY_MEMORY, json_boolean(s->verify_memory));
    return o;
}

json_t *agent_proto_finish_json(const struct agent_proto_finish *f)
{
    json_t *o = json_pack("{s:b, s:b}", AGENT_PROTO_FINISH_IDENTITY, f->identity,
                          AGENT_PROTO_FINISH_ISOLATE, f->isolate);
    set_string(o, AGENT_PROTO_FINISH_MEMORY_DIGEST, f->memory_digest);
    return o;
}

json_t *agent_proto_exec_json(const struct agent_proto_exec *x)
{
    json_t *o = json_object();
    if (x->argv)
        json_object_set_new(o, AGENT_PROTO_EXEC_ARGV, json_deep_copy(x->argv));
    json_object_set_new(o, AGENT_PROTO_EXEC_TIMEOUT_MS, json_integer((json_int_t)x->timeout_ms));
    set_string(o, AGENT_PROTO_EXEC_INPUT, x->input);
    return o;
}

/* ---- errors ---- */

json_t *agent_proto_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:s}", "error", s);
    free(s);
    return o;
}

const char *agent_proto_error_text(const json_t *answer)
{
    return json_string_value(json_object_get(answer, "error"));
}
