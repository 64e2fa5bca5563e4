#include "ctl/api_body.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentproto/agent_proto.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* What a field holds; each kind has one message saying what was expected. */
enum field_kind {
    F_VM_NAME,       /* char[API_NAME_MAX + 1] */
    F_SERVER,        /* char[API_SERVER_MAX + 1] */
    F_UINT,          /* unsigned, min..max */
    F_BOOL,          /* bool */
    F_ARGV,          /* json_t * (an array of strings) */
    F_TEXT,          /* char * (owned) */
    F_SHARE,         /* double: host CPUs, AGENT_PROTO_CPU_SHARE_MIN to API_CPUS_MAX */
    F_SECONDS,       /* double: LOAD_INTERVAL_MIN to LOAD_INTERVAL_MAX */
    F_TRACE,         /* struct api_trace: 1 to LOAD_TRACE_MAX samples, 0 to LOAD_SAMPLE_MAX each */
    F_POLICY_PERIOD, /* double: a policy's interval, API_POLICY_INTERVAL_MIN to _MAX s */
    F_PARAMS,        /* json_t * (owned): an object of up to API_PARAMS_MAX names -> strings */
    F_IPV4,          /* uint32_t, host order: "A.B.C.D" */
    F_RATE,          /* double: 0 to API_RATE_MAX */
    F_PERIOD,        /* double: a report's interval, API_INTERVAL_MIN to API_INTERVAL_MAX s */
    F_LATENCY,       /* double: 0 to API_LATENCY_MAX ms, or null (-1) */
    F_SOURCE,        /* char[DEMAND_SOURCE_MAX + 1] */
};

struct field {
    const char *name;
    enum field_kind kind;
    bool required;
    unsigned long min, max; /* F_UINT */
    const char *unit;       /* F_UINT: shown after the range, may be NULL */
    void *dst;
};

/* A name that came from the peer (a field, a parameter), as messages show
 * it: printable ASCII as it is, other bytes as \xNN (messages are UTF-8
 * and one line), cut after 40 bytes.  Returns 'out' (SHOWN_MAX bytes). */
#define SHOWN_MAX (4 * 40 + 1)
static const char *show_name(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 40; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch > 0x20 && ch < 0x7f && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, SHOWN_MAX - o, "\\x%02x", ch);
    }
    out[o] = '\0';
    return out;
}

static void add_error(json_t *errors, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_error(json_t *errors, const char *fmt, ...)
{
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    json_t *js = json_string(s);
    if (!js) {
        /* Not UTF-8 (a parser's message quoting the peer's bytes, a cut):
         * such bytes become '?'. */
        for (char *p = s; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        js = json_string(s);
    }
    json_array_append_new(errors, js);
}

bool api_valid_vm_name(const char *s)
{
    return agent_proto_name_ok(s);
}

/* A server's name: whether the topology has it is vmctl's to say. */
static bool valid_server_name(const char *s)
{
    size_t n = strlen(s);
    return n && n <= API_SERVER_MAX;
}

/* What was expected of 'f'; 'detail' (may be "") says more of what came. */
static void expected(json_t *errors, const struct field *f, const char *detail)
{
    switch (f->kind) {
    case F_VM_NAME:
        add_error(errors,
                  "%s: expected a VM name (a string: a letter, then up to %d letters, digits, '_' "
                  "or '-')",
                  f->name, API_NAME_MAX - 1);
        break;
    case F_SERVER:
        add_error(errors, "%s: expected a server name (string)", f->name);
        break;
    case F_UINT:
        add_error(errors, "%s: expected a whole number from %lu to %lu%s%s", f->name, f->min,
                  f->max, f->unit ? " " : "", f->unit ? f->unit : "");
        break;
    case F_BOOL:
        add_error(errors, "%s: expected true or false", f->name);
        break;
    case F_ARGV:
        add_error(errors,
                  "%s: expected the command and its arguments (an array of 1 to %d strings, the "
                  "first not empty)",
                  f->name, API_ARGV_MAX);
        break;
    case F_TEXT:
        add_error(errors, "%s: expected a string", f->name);
        break;
    case F_SHARE:
        add_error(errors, "%s: expected a number of host CPUs from %g to %d", f->name,
                  AGENT_PROTO_CPU_SHARE_MIN, API_CPUS_MAX);
        break;
    case F_SECONDS:
        add_error(errors, "%s: expected a number of seconds from %g to %g", f->name,
                  LOAD_INTERVAL_MIN, LOAD_INTERVAL_MAX);
        break;
    case F_TRACE:
        add_error(errors,
                  "%s: expected an array of 1 to %d whole numbers from 0 to %d (the CPU "
                  "utilisation in percent, one a sample)%s",
                  f->name, LOAD_TRACE_MAX, LOAD_SAMPLE_MAX, detail);
        break;
    case F_IPV4:
        add_error(errors, "%s: expected an IPv4 address (a string A.B.C.D)", f->name);
        break;
    case F_RATE:
        add_error(errors, "%s: expected a number of requests a second from 0 to %g", f->name,
                  API_RATE_MAX);
        break;
    case F_PERIOD:
        add_error(errors, "%s: expected a number of seconds from %g to %g", f->name,
                  API_INTERVAL_MIN, API_INTERVAL_MAX);
        break;
    case F_POLICY_PERIOD:
        add_error(errors, "%s: expected a number of seconds from %g to %g", f->name,
                  API_POLICY_INTERVAL_MIN, API_POLICY_INTERVAL_MAX);
        break;
    case F_PARAMS:
        add_error(errors,
                  "%s: expected an object of up to %d parameters, each a string or a number (of "
                  "up to %d characters)%s",
                  f->name, API_PARAMS_MAX, API_PARAM_VALUE_MAX, detail);
        break;
    case F_LATENCY:
        add_error(errors, "%s: expected a number of milliseconds from 0 to %g, or null", f->name,
                  API_LATENCY_MAX);
        break;
    case F_SOURCE:
        add_error(errors,
                  "%s: expected a string of 1 to %d letters, digits, '_', '.', '-', '@' or ':'",
                  f->name, DEMAND_SOURCE_MAX);
        break;
    }
}

/* A trace's samples into 't'; false (and why in 'detail') when 'v' is not
 * one. */
static bool take_trace(struct api_trace *t, json_t *v, char *detail, size_t size)
{
    size_t n = json_array_size(v), i;
    json_t *a;
    if (!json_is_array(v) || !n || n > LOAD_TRACE_MAX) {
        if (json_is_array(v))
            snprintf(detail, size, n ? " (it has %zu)" : " (it is empty)", n);
        return false;
    }
    json_array_foreach(v, i, a) {
        json_int_t x = json_integer_value(a);
        if (!json_is_integer(a) || x < 0 || x > LOAD_SAMPLE_MAX) {
            snprintf(detail, size, " (sample %zu is not)", i + 1);
            return false;
        }
    }
    t->samples = xmalloc(n);
    json_array_foreach(v, i, a)
        t->samples[i] = (uint8_t)json_integer_value(a);
    t->n = n;
    return true;
}

/* A policy's parameters into '*dst' (an object of name -> string; numbers
 * written as strings); false (and why in 'detail') when 'v' is not such. */
static bool take_params(json_t **dst, json_t *v, char *detail, size_t size)
{
    if (!json_is_object(v) || json_object_size(v) > API_PARAMS_MAX)
        return false;
    json_t *o = json_object();
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        char buf[API_PARAM_VALUE_MAX + 1];
        if (json_is_string(x) && json_string_length(x) <= API_PARAM_VALUE_MAX)
            snprintf(buf, sizeof buf, "%s", json_string_value(x));
        else if (json_is_integer(x))
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
        else if (json_is_real(x))
            snprintf(buf, sizeof buf, "%.17g", json_real_value(x));
        else if (json_is_boolean(x))
            snprintf(buf, sizeof buf, "%d", json_is_true(x));
        else {
            char shown[SHOWN_MAX];
            snprintf(detail, size, " (%.40s is not)", show_name(k, strlen(k), shown));
            json_decref(o);
            return false;
        }
        if (!*k || strlen(k) > API_PARAM_NAME_MAX) {
            snprintf(detail, size, " (a name of 1 to %d characters)", API_PARAM_NAME_MAX);
            json_decref(o);
            return false;
        }
        json_object_set_new(o, k, json_string(buf));
    }
    *dst = o;
    return true;
}

/* Whether 's' is a source's id: 1 to DEMAND_SOURCE_MAX of letters, digits
 * and _ . - @ : (a pid, a host name). */
static bool source_ok(const char *s)
{
    size_t n = strlen(s);
    return n && n <= DEMAND_SOURCE_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@:") == n;
}

/* A number of 'v' from 'min' to 'max' into '*dst'. */
static bool take_number(double *dst, const json_t *v, double min, double max)
{
    double d = json_number_value(v);
    if (!json_is_number(v) || !isfinite(d) || !(d >= min && d <= max))
        return false;
    *dst = d;
    return true;
}

/* Checks 'v' against 'f' and stores it; false when it does not fit (and
 * maybe why in 'detail', of 'size' bytes). */
static bool take(const struct field *f, json_t *v, char *detail, size_t size)
{
    const char *s = json_string_value(v);
    switch (f->kind) {
    case F_VM_NAME:
    case F_SERVER: {
        if (!s || (f->kind == F_VM_NAME ? !api_valid_vm_name(s) : !valid_server_name(s)))
            return false;
        snprintf(f->dst, f->kind == F_VM_NAME ? API_NAME_MAX + 1 : API_SERVER_MAX + 1, "%s", s);
        return true;
    }
    case F_UINT: {
        if (!json_is_integer(v))
            return false;
        json_int_t i = json_integer_value(v);
        if (i < 0 || (unsigned long long)i < f->min || (unsigned long long)i > f->max)
            return false;
        *(unsigned *)f->dst = (unsigned)i;
        return true;
    }
    case F_BOOL:
        if (!json_is_boolean(v))
            return false;
        *(bool *)f->dst = json_is_true(v);
        return true;
    case F_ARGV: {
        size_t n = json_array_size(v), i;
        json_t *a;
        if (!json_is_array(v) || n < 1 || n > API_ARGV_MAX ||
            !json_string_length(json_array_get(v, 0)))
            return false;
        json_array_foreach(v, i, a)
            if (!json_is_string(a))
                return false;
        *(json_t **)f->dst = json_incref(v);
        return true;
    }
    case F_TEXT:
        if (!s)
            return false;
        *(char **)f->dst = xstrdup(s);
        return true;
    case F_SHARE: {
        double d = json_number_value(v);
        if (!json_is_number(v) || !(d >= AGENT_PROTO_CPU_SHARE_MIN && d <= API_CPUS_MAX))
            return false;
        *(double *)f->dst = d;
        return true;
    }
    case F_SECONDS: {
        double d = json_number_value(v);
        if (!json_is_number(v) || !(d >= LOAD_INTERVAL_MIN && d <= LOAD_INTERVAL_MAX))
            return false;
        *(double *)f->dst = d;
        return true;
    }
    case F_TRACE:
        return take_trace(f->dst, v, detail, size);
    case F_POLICY_PERIOD: {
        double d = json_number_value(v);
        if (!json_is_number(v) || !(d >= API_POLICY_INTERVAL_MIN && d <= API_POLICY_INTERVAL_MAX))
            return false;
        *(double *)f->dst = d;
        return true;
    }
    case F_PARAMS:
        return take_params(f->dst, v, detail, size);
    case F_IPV4: {
        struct in_addr in;
        if (!s || inet_pton(AF_INET, s, &in) != 1)
            return false;
        *(uint32_t *)f->dst = ntohl(in.s_addr);
        return true;
    }
    case F_RATE:
        return take_number(f->dst, v, 0, API_RATE_MAX);
    case F_PERIOD:
        return take_number(f->dst, v, API_INTERVAL_MIN, API_INTERVAL_MAX);
    case F_LATENCY:
        if (json_is_null(v)) {
            *(double *)f->dst = -1;
            return true;
        }
        return take_number(f->dst, v, 0, API_LATENCY_MAX);
    case F_SOURCE:
        if (!s || !source_ok(s))
            return false;
        snprintf(f->dst, DEMAND_SOURCE_MAX + 1, "%s", s);
        return true;
    }
    return false;
}

/* Checks object 'o' against 'fields' (n of them, at most 32), adding an
 * error to 'errs' for each wrong field; 'prefix' goes before every field's
 * name in them ("actions[2]."; "" at the top).  'what' names the request
 * in the message about an unknown field.  '*present' (may be NULL) gets a
 * bit for each field the object has, right or wrong (bit i: fields[i]). */
static void check_fields(json_t *o, const struct field *fields, size_t n, const char *what,
                         const char *prefix, unsigned *present, json_t *errs)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (i < n && strcmp(fields[i].name, k))
            i++;
        if (i == n) {
            char known[256] = "";
            for (size_t j = 0; j < n; j++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", j ? ", " : "",
                         fields[j].name);
            char shown[SHOWN_MAX];
            add_error(errs, "%s%s: no such field (%s takes %s)", prefix,
                      show_name(k, strlen(k), shown), what, known);
        } else {
            char detail[64] = "", name[96];
            if (present)
                *present |= 1u << i;
            if (!take(&fields[i], v, detail, sizeof detail)) {
                struct field f = fields[i];
                snprintf(name, sizeof name, "%s%s", prefix, f.name);
                f.name = name;
                expected(errs, &f, detail);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (fields[i].required && !json_object_get(o, fields[i].name))
            add_error(errs, "%s%s: missing (%s needs it)", prefix, fields[i].name, what);
}

/* The body as JSON: an object, or NULL with an error in 'errs'. */
static json_t *load_object(const char *body, size_t len, json_t *errs)
{
    json_error_t je;
    json_t *o = len == 0 ? json_object()
                         : json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (json_is_object(o))
        return o;
    if (o)
        add_error(errs, "body: expected a JSON object, not %s",
                  json_is_array(o)    ? "an array"
                  : json_is_string(o) ? "a string"
                                      : "a number or literal");
    else
        add_error(errs, "body: expected a JSON object (%s at line %d, column %d)", je.text, je.line,
                  je.column);
    json_decref(o);
    return NULL;
}

/* -1 with '*errors' = 'errs' when it holds any; else 0 (and 'errs' freed). */
static int errors_or_ok(json_t *errs, json_t **errors)
{
    if (json_array_size(errs)) {
        *errors = errs;
        return -1;
    }
    json_decref(errs);
    return 0;
}

/* Parses 'body' as an object of 'fields' (check_fields()); 0, or -1 with
 * '*errors'. */
static int parse_fields(const char *body, size_t len, const struct field *fields, size_t n,
                        const char *what, unsigned *present, json_t **errors)
{
    json_t *errs = json_array();
    json_t *o = load_object(body, len, errs);
    if (o)
        check_fields(o, fields, n, what, "", present, errs);
    json_decref(o);
    return errors_or_ok(errs, errors);
}

static int parse_object(const char *body, size_t len, const struct field *fields, size_t n,
                        const char *what, json_t **errors)
{
    return parse_fields(body, len, fields, n, what, NULL, errors);
}

int api_parse_boot(const char *body, size_t len, struct api_boot *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    out->memory_mib = API_MEMORY_DEFAULT;
    out->cpus = 1;
    const struct field f[] = {
        {"name", F_VM_NAME, true, 0, 0, NULL, out->name},
        {"server", F_SERVER, true, 0, 0, NULL, out->server},
        {"memory_mib", F_UINT, false, API_MEMORY_MIN, API_MEMORY_MAX, "(MiB)", &out->memory_mib},
        {"cpus", F_UINT, false, 1, API_CPUS_MAX, NULL, &out->cpus},
        {"cpu_share", F_SHARE, false, 0, 0, NULL, &out->cpu_share},
    };
    return parse_object(body, len, f, sizeof f / sizeof *f, "boot", errors);
}

int api_parse_migrate(const char *body, size_t len, struct api_migrate *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    const struct field f[] = {
        {"to", F_SERVER, true, 0, 0, NULL, out->to},
        {"verify_memory", F_BOOL, false, 0, 0, NULL, &out->verify_memory},
    };
    return parse_object(body, len, f, sizeof f / sizeof *f, "migrate", errors);
}

int api_parse_clone(const char *body, size_t len, struct api_clone *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    const struct field f[] = {
        {"to", F_SERVER, true, 0, 0, NULL, out->to},
        {"as", F_VM_NAME, false, 0, 0, NULL, out->as},
        {"balance", F_BOOL, false, 0, 0, NULL, &out->balance},
        {"verify_memory", F_BOOL, false, 0, 0, NULL, &out->verify_memory},
    };
    return parse_object(body, len, f, sizeof f / sizeof *f, "clone", errors);
}

int api_parse_exec(const char *body, size_t len, struct api_exec *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    out->timeout_ms = API_TIMEOUT_DEFAULT;
    const struct field f[] = {
        {"argv", F_ARGV, true, 0, 0, NULL, &out->argv},
        {"input", F_TEXT, false, 0, 0, NULL, &out->input},
        {"timeout_ms", F_UINT, false, 1, API_TIMEOUT_MAX, "(milliseconds)", &out->timeout_ms},
    };
    int rc = parse_object(body, len, f, sizeof f / sizeof *f, "exec", errors);
    if (rc)
        api_exec_free(out);
    return rc;
}

void api_exec_free(struct api_exec *x)
{
    json_decref(x->argv);
    free(x->input);
    x->argv = NULL;
    x->input = NULL;
}

int api_parse_load(const char *body, size_t len, struct api_load *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    out->interval_s = LOAD_INTERVAL_DEFAULT;
    enum { CPU = 1, TRACE = 2, INTERVAL = 4 };
    const struct field f[] = {
        {"cpu_percent", F_UINT, false, 0, LOAD_CPU_MAX, "(percent of one CPU)", &out->cpu_percent},
        {"trace", F_TRACE, false, 0, 0, NULL, &out->trace},
        {"interval_s", F_SECONDS, false, 0, 0, NULL, &out->interval_s},
        {"memory_mib", F_UINT, false, 0, API_MEMORY_MAX, "(MiB)", &out->memory_mib},
    };
    unsigned present = 0;
    json_t *errs = NULL;
    if (parse_fields(body, len, f, sizeof f / sizeof *f, "load", &present, &errs) && !present) {
        *errors = errs; /* not an object */
        return -1;
    }
    if (!errs)
        errs = json_array();
    /* Either kind of load, and what goes with it. */
    if ((present & (CPU | TRACE)) == (CPU | TRACE))
        add_error(errs, "trace: not with cpu_percent (a load is a constant cpu_percent or a "
                        "trace)");
    else if (!(present & (CPU | TRACE)))
        add_error(errs, "cpu_percent: missing (load needs cpu_percent or trace)");
    if ((present & INTERVAL) && !(present & TRACE))
        add_error(errs, "interval_s: only with trace");
    if (json_array_size(errs)) {
        *errors = errs;
        api_load_free(out);
        return -1;
    }
    json_decref(errs);
    return 0;
}

void api_load_free(struct api_load *l)
{
    free(l->trace.samples);
    l->trace.samples = NULL;
    l->trace.n = 0;
}

/* ---- plans and policies ---- */

/* The kinds of action, as plans name them (include/minidc/policy.h's
 * order). */
static const char *const action_names[] = {"migrate", "clone", "stop", "sleep", "wake"};

/* Action 'i' of a plan, object 'o', into 'a'; errors into 'errs'. */
static void parse_action(json_t *o, size_t i, struct api_action *a, json_t *errs)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "actions[%zu].", i);
    memset(a, 0, sizeof *a);
    a->kind = -1;
    if (!json_is_object(o)) {
        add_error(errs, "actions[%zu]: expected an object {action, ...}", i);
        return;
    }
    const char *kind = json_string_value(json_object_get(o, "action"));
    for (size_t k = 0; kind && k < sizeof action_names / sizeof *action_names; k++)
        if (!strcmp(kind, action_names[k]))
            a->kind = (int)k;
    if (a->kind < 0) {
        add_error(errs, "%saction: expected one of migrate, clone, stop, sleep, wake", prefix);
        return;
    }
    char *why = NULL, *action = NULL;
    const struct field all[] = {
        {"action", F_TEXT, true, 0, 0, NULL, &action},
        {"vm", F_VM_NAME, true, 0, 0, NULL, a->vm},
        {"to", F_SERVER, true, 0, 0, NULL, a->server},
        {"as", F_VM_NAME, false, 0, 0, NULL, a->as},
        {"balance", F_BOOL, false, 0, 0, NULL, &a->balance},
        {"graceful", F_BOOL, false, 0, 0, NULL, &a->graceful},
        {"server", F_SERVER, true, 0, 0, NULL, a->server},
        {"why", F_TEXT, false, 0, 0, NULL, &why},
    };
    /* The fields of each kind, by index into 'all'. */
    static const int kinds[][8] = {
        {0, 1, 2, 7, -1}, {0, 1, 2, 3, 4, 7, -1}, {0, 1, 5, 7, -1}, {0, 6, 7, -1}, {0, 6, 7, -1},
    };
    struct field f[8];
    size_t n = 0;
    for (const int *k = kinds[a->kind]; *k >= 0; k++)
        f[n++] = all[*k];
    check_fields(o, f, n, action_names[a->kind], prefix, NULL, errs);
    free(action);
    if (why && strlen(why) > API_WHY_MAX) {
        add_error(errs, "%swhy: expected a string of up to %d bytes", prefix, API_WHY_MAX);
        free(why);
        why = NULL;
    }
    a->why = why;
}

int api_parse_plan(const char *body, size_t len, struct api_plan *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    const struct field f[] = {
        {"max_parallel", F_UINT, false, 1, API_PARALLEL_MAX, "(actions at once)",
         &out->max_parallel},
    };
    json_t *errs = json_array();
    json_t *o = load_object(body, len, errs);
    if (o) {
        /* "actions" is taken here, not by take(): an array of objects. */
        json_t *a = json_incref(json_object_get(o, "actions"));
        json_object_del(o, "actions");
        check_fields(o, f, 1, "a plan", "", NULL, errs);
        if (!a)
            add_error(errs, "actions: missing (a plan needs it)");
        else if (!json_is_array(a) || json_array_size(a) > API_PLAN_ACTIONS_MAX)
            add_error(errs, "actions: expected an array of up to %d actions", API_PLAN_ACTIONS_MAX);
        else {
            out->n = json_array_size(a);
            out->actions = xcalloc(out->n ? out->n : 1, sizeof *out->actions);
            for (size_t i = 0; i < out->n && json_array_size(errs) < 16; i++)
                parse_action(json_array_get(a, i), i, &out->actions[i], errs);
        }
        json_decref(a);
    }
    json_decref(o);
    int rc = errors_or_ok(errs, errors);
    if (rc)
        api_plan_free(out);
    return rc;
}

void api_plan_free(struct api_plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->actions[i].why);
    free(p->actions);
    p->actions = NULL;
    p->n = 0;
}

int api_parse_policy_run(const char *body, size_t len, struct api_policy_run *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    out->interval_s = API_POLICY_INTERVAL_DEFAULT;
    const struct field f[] = {
        {"name", F_TEXT, true, 0, 0, NULL, &out->name},
        {"params", F_PARAMS, false, 0, 0, NULL, &out->params},
        {"interval_s", F_POLICY_PERIOD, false, 0, 0, NULL, &out->interval_s},
        {"dry_run", F_BOOL, false, 0, 0, NULL, &out->dry_run},
        {"max_parallel", F_UINT, false, 1, API_PARALLEL_MAX, "(actions at once)",
         &out->max_parallel},
    };
    json_t *errs = NULL;
    int rc = parse_object(body, len, f, sizeof f / sizeof *f, "policy", &errs);
    if (!rc && (!*out->name || strlen(out->name) > API_POLICY_NAME_MAX)) {
        errs = json_array();
        add_error(errs, "name: expected a policy's name (1 to %d characters)", API_POLICY_NAME_MAX);
        rc = -1;
    }
    if (rc) {
        *errors = errs;
        api_policy_run_free(out);
        return -1;
    }
    if (!out->params)
        out->params = json_object();
    return 0;
}

void api_policy_run_free(struct api_policy_run *r)
{
    free(r->name);
    json_decref(r->params);
    r->name = NULL;
    r->params = NULL;
}

int api_parse_demand(const char *body, size_t len, struct demand_report *out, json_t **errors)
{
    memset(out, 0, sizeof *out);
    out->p95_ms = -1;
    unsigned port = 0;
    const struct field f[] = {
        {"address", F_IPV4, true, 0, 0, NULL, &out->addr},
        {"port", F_UINT, true, 1, 65535, NULL, &port},
        {"interval_s", F_PERIOD, true, 0, 0, NULL, &out->interval_s},
        {"requests_per_second", F_RATE, true, 0, 0, NULL, &out->requests_per_second},
        {"sent_per_second", F_RATE, true, 0, 0, NULL, &out->sent_per_second},
        {"failed_per_second", F_RATE, true, 0, 0, NULL, &out->failed_per_second},
        {"p95_ms", F_LATENCY, true, 0, 0, NULL, &out->p95_ms},
        {"source", F_SOURCE, false, 0, 0, NULL, out->source},
    };
    if (parse_object(body, len, f, sizeof f / sizeof *f, "demand", errors))
        return -1;
    out->port = (uint16_t)port;
    if (out->requests_per_second == 0 && out->p95_ms >= 0) {
        *errors = json_array();
        add_error(*errors, "p95_ms: expected null when requests_per_second is 0 (no answers, "
                           "no latency)");
        return -1;
    }
    return 0;
}

bool api_parse_vm_path(const char *path, char *name, size_t name_size, char *action,
                       size_t action_size)
{
    static const char prefix[] = "/api/v1/vms/";
    if (strncmp(path, prefix, sizeof prefix - 1))
        return false;
    const char *p = path + sizeof prefix - 1, *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    const char *act = slash ? slash + 1 : "";
    if (!n || strchr(act, '/') || strlen(act) >= action_size || !name_size)
        return false;
    snprintf(name, name_size, "%.*s", (int)n, p);
    snprintf(action, action_size, "%s", act);
    return n <= API_NAME_MAX && n < name_size;
}

int api_parse_id(const char *s, const char *field, unsigned long min, unsigned long *id,
                 json_t **errors)
{
    size_t n = strlen(s);
    unsigned long long v = 0;
    bool ok = n > 0 && n <= 10 && strspn(s, "0123456789") == n;
    for (size_t i = 0; ok && i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    if (!ok || v < min || v > API_OP_ID_MAX) {
        *errors = json_array();
        add_error(*errors, "%s: expected a whole number from %lu to %lu", field, min,
                  API_OP_ID_MAX);
        return -1;
    }
    *id = (unsigned long)v;
    return 0;
}

/* Calls 'each' on every "key=value" of 'query' (may be NULL); stops at the
 * first that returns non-zero and returns that. */
static int each_param(const char *query,
                      int (*each)(const char *key, size_t klen, const char *val, size_t vlen,
                                  void *ctx, json_t *errors),
                      void *ctx, json_t *errors)
{
    for (const char *p = query; p && *p;) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        int rc = each(p, klen, eq ? eq + 1 : p + len, eq ? len - klen - 1 : 0, ctx, errors);
        if (rc)
            return rc;
        p += len + (p[len] == '&');
    }
    return 0;
}

static bool is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && !memcmp(s, word, n);
}

static void unknown_param(json_t *errors, const char *k, size_t klen, const char *takes)
{
    char shown[SHOWN_MAX];
    add_error(errors, "%s: no such parameter (%s)", show_name(k, klen, shown), takes);
}

static int stop_param(const char *k, size_t klen, const char *v, size_t vlen, void *ctx,
                      json_t *errors)
{
    bool *graceful = ctx;
    if (!is(k, klen, "graceful")) {
        unknown_param(errors, k, klen, "DELETE takes graceful");
        return -1;
    }
    if (is(v, vlen, "1") || is(v, vlen, "true"))
        *graceful = true;
    else if (is(v, vlen, "0") || is(v, vlen, "false"))
        *graceful = false;
    else {
        add_error(errors, "graceful: expected 1, 0, true or false");
        return -1;
    }
    return 0;
}

int api_parse_stop_query(const char *query, bool *graceful, json_t **errors)
{
    *graceful = false;
    json_t *errs = json_array();
    if (each_param(query, stop_param, graceful, errs)) {
        *errors = errs;
        return -1;
    }
    json_decref(errs);
    return 0;
}

struct since_ctx {
    bool *replay;
    uint64_t *since;
};

static int events_param(const char *k, size_t klen, const char *v, size_t vlen, void *ctx,
                        json_t *errors)
{
    struct since_ctx *sc = ctx;
    if (!is(k, klen, "since")) {
        unknown_param(errors, k, klen, "events take since");
        return -1;
    }
    char buf[16];
    unsigned long id;
    json_t *e = NULL;
    snprintf(buf, sizeof buf, "%.*s", (int)(vlen < sizeof buf ? vlen : sizeof buf - 1), v);
    if (vlen >= sizeof buf || api_parse_id(buf, "since", 0, &id, &e)) {
        json_decref(e);
        add_error(errors, "since: expected a whole number from 0 to %lu", API_OP_ID_MAX);
        return -1;
    }
    *sc->replay = true;
    *sc->since = id;
    return 0;
}

int api_parse_events_query(const char *query, bool *replay, uint64_t *since, json_t **errors)
{
    *replay = false;
    *since = 0;
    struct since_ctx sc = {replay, since};
    json_t *errs = json_array();
    if (each_param(query, events_param, &sc, errs)) {
        *errors = errs;
        return -1;
    }
    json_decref(errs);
    return 0;
}

/* A series name of the history: letters, digits and _ . / : - (what
 * minidc's names and the recorder's series are made of), '*' last for a
 * prefix. */
static bool series_name_ok(const char *s, size_t n)
{
    if (!n || n > API_SERIES_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '.' || c == '/' || c == ':' || c == '-';
        if (!plain && !(c == '*' && i == n - 1))
            return false;
    }
    return true;
}

/* A decimal number (a sign, digits, one '.'), into '*out'. */
static bool number_ok(const char *v, size_t n, double *out)
{
    char buf[32];
    if (!n || n >= sizeof buf)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    size_t i = buf[0] == '-';
    size_t digits = strspn(buf + i, "0123456789");
    if (!digits)
        return false;
    i += digits;
    if (buf[i] == '.')
        i += 1 + strspn(buf + i + 1, "0123456789");
    if (buf[i])
        return false;
    *out = strtod(buf, NULL);
    return true;
}

static int history_param(const char *k, size_t klen, const char *v, size_t vlen, void *ctx,
                         json_t *errors)
{
    struct api_history_query *q = ctx;
    if (is(k, klen, "series")) {
        for (const char *p = v, *end = v + vlen; p < end;) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            size_t n = (size_t)((comma ? comma : end) - p);
            if (!series_name_ok(p, n)) {
                add_error(errors,
                          "series: expected names of up to %d letters, digits, '_', '.', "
                          "'/', ':' or '-' (a '*' last for a prefix), separated by ','",
                          API_SERIES_MAX);
                return -1;
            }
            if (q->n == API_SERIES_NAMES_MAX) {
                add_error(errors, "series: at most %d names", API_SERIES_NAMES_MAX);
                return -1;
            }
            q->names[q->n++] = xstrndup(p, n);
            p += n + 1;
        }
        return 0;
    }
    if (is(k, klen, "prefix")) {
        if (vlen && !series_name_ok(v, vlen)) {
            add_error(errors, "prefix: expected the start of a series name");
            return -1;
        }
        snprintf(q->prefix, sizeof q->prefix, "%.*s", (int)vlen, v);
        return 0;
    }
    if (is(k, klen, "since") || is(k, klen, "until")) {
        double d;
        if (!number_ok(v, vlen, &d)) {
            add_error(errors,
                      "%s: expected a time in seconds since the epoch, or a negative "
                      "number of seconds before now",
                      is(k, klen, "since") ? "since" : "until");
            return -1;
        }
        *(is(k, klen, "since") ? &q->since : &q->until) = d;
        return 0;
    }
    if (is(k, klen, "max_points")) {
        double d;
        if (!number_ok(v, vlen, &d) || d < 1 || d > API_POINTS_MAX || d != (unsigned)d) {
            add_error(errors, "max_points: expected a whole number from 1 to %d", API_POINTS_MAX);
            return -1;
        }
        q->max_points = (unsigned)d;
        return 0;
    }
    unknown_param(errors, k, klen, "history takes series, prefix, since, until, max_points");
    return -1;
}

int api_parse_history_query(const char *query, struct api_history_query *q, json_t **errors)
{
    memset(q, 0, sizeof *q);
    json_t *errs = json_array();
    if (each_param(query, history_param, q, errs)) {
        api_history_query_free(q);
        *errors = errs;
        return -1;
    }
    json_decref(errs);
    return 0;
}

void api_history_query_free(struct api_history_query *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->names[i]);
    q->n = 0;
}

json_t *api_errors_json(json_t *errors)
{
    struct strbuf all;
    strbuf_init(&all);
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
        strbuf_printf(&all, "%s%s", i ? "; " : "", json_string_value(e));
    json_t *o = json_pack("{s:s, s:o}", "error", all.s, "errors", errors);
    strbuf_free(&all);
    return o;
}
