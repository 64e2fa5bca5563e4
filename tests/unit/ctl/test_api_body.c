/* Tests of src/ctl/api_body.c: what minidcd's API accepts, and the message
 * for each wrong field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/api_body.h"

/* The errors of 'errors' (taken), joined by " | ". */
static char *joined(json_t *errors)
{
    static char buf[4096];
    buf[0] = '\0';
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " | " : "",
                 json_string_value(e));
    json_decref(errors);
    return buf;
}

#define BODY(s) s, strlen(s)

static void test_boot(void **state)
{
    (void)state;
    struct api_boot b;
    json_t *e = NULL;
    assert_int_equal(api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"server8\"}"), &b, &e),
                     0);
    assert_string_equal(b.name, "vm1");
    assert_string_equal(b.server, "server8");
    assert_int_equal(b.memory_mib, API_MEMORY_DEFAULT);
    assert_int_equal(b.cpus, 1);
    assert_int_equal(
        api_parse_boot(
            BODY("{\"name\": \"a_1-B\", \"server\": \"s\", \"memory_mib\": 72, \"cpus\": 64}"), &b,
            &e),
        0);
    assert_int_equal(b.memory_mib, 72);
    assert_int_equal(b.cpus, 64);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"memory_mib\": 1048576}"), &b,
                       &e),
        0);
}

static void test_boot_errors(void **state)
{
    (void)state;
    struct api_boot b;
    json_t *e = NULL;
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": 5, \"server\": 7, \"memory_mib\": \"128\", \"cpus\": 1.5}"),
                       &b, &e),
        -1);
    assert_string_equal(joined(e), "name: expected a VM name (a string: a letter, then up to 11 "
                                   "letters, digits, '_' or '-') | "
                                   "server: expected a server name (string) | "
                                   "memory_mib: expected a whole number from 72 to 1048576 (MiB) | "
                                   "cpus: expected a whole number from 1 to 64");
    assert_int_equal(api_parse_boot(BODY("{}"), &b, &e), -1);
    assert_string_equal(joined(e),
                        "name: missing (boot needs it) | server: missing (boot needs it)");
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"memory_mib\": 31}"), &b, &e),
        -1);
    assert_string_equal(joined(e), "memory_mib: expected a whole number from 72 to 1048576 (MiB)");
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"memory_mib\": -1}"), &b, &e),
        -1);
    json_decref(e);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"cpus\": 0}"), &b, &e), -1);
    json_decref(e);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"cpus\": 65}"), &b, &e), -1);
    json_decref(e);
    /* cpu_share: host CPUs, an integer or not, 0.01 to 64; absent: 0. */
    static const char *const bad_shares[] = {"0", "0.001", "64.5", "\"0.5\"", "true", "-1"};
    for (size_t i = 0; i < sizeof bad_shares / sizeof *bad_shares; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"name\": \"vm1\", \"server\": \"s\", \"cpu_share\": %s}",
                 bad_shares[i]);
        assert_int_equal(api_parse_boot(body, strlen(body), &b, &e), -1);
        assert_string_equal(joined(e), "cpu_share: expected a number of host CPUs from 0.01 to 64");
    }
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"cpu_share\": 0.15}"), &b, &e),
        0);
    assert_true(b.cpu_share == 0.15);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"cpu_share\": 2}"), &b, &e),
        0);
    assert_true(b.cpu_share == 2);
    assert_int_equal(api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\"}"), &b, &e), 0);
    assert_true(b.cpu_share == 0);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"cpus\": true}"), &b, &e), -1);
    json_decref(e);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"memory_mib\": 1e3}"), &b, &e),
        -1);
    json_decref(e);
    assert_int_equal(
        api_parse_boot(
            BODY("{\"name\": \"vm1\", \"server\": \"s\", \"memory_mib\": 99999999999999999999}"),
            &b, &e),
        -1);
    json_decref(e);
    /* Names: a letter first, 12 at most, no other characters. */
    assert_int_equal(api_parse_boot(BODY("{\"name\": \"1vm\", \"server\": \"s\"}"), &b, &e), -1);
    json_decref(e);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"abcdefghijklm\", \"server\": \"s\"}"), &b, &e), -1);
    json_decref(e);
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"abcdefghijkl\", \"server\": \"s\"}"), &b, &e), 0);
    assert_int_equal(api_parse_boot(BODY("{\"name\": \"vm/1\", \"server\": \"s\"}"), &b, &e), -1);
    json_decref(e);
    assert_int_equal(api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"\"}"), &b, &e), -1);
    assert_string_equal(joined(e), "server: expected a server name (string)");
}

static void test_unknown_and_bad_bodies(void **state)
{
    (void)state;
    struct api_boot b;
    struct api_migrate m;
    json_t *e = NULL;
    assert_int_equal(
        api_parse_boot(BODY("{\"name\": \"vm1\", \"server\": \"s\", \"memroy_mib\": 256}"), &b, &e),
        -1);
    assert_string_equal(
        joined(e),
        "memroy_mib: no such field (boot takes name, server, memory_mib, cpus, cpu_share)");
    assert_int_equal(api_parse_migrate(BODY("[]"), &m, &e), -1);
    assert_string_equal(joined(e), "body: expected a JSON object, not an array");
    assert_int_equal(api_parse_migrate(BODY("\"x\""), &m, &e), -1);
    assert_string_equal(joined(e), "body: expected a JSON object, not a string");
    assert_int_equal(api_parse_migrate(BODY("{\"to\": "), &m, &e), -1);
    assert_non_null(strstr(joined(e), "body: expected a JSON object ("));
    assert_int_equal(api_parse_migrate(BODY("{\"to\": \"a\", \"to\": \"b\"}"), &m, &e), -1);
    assert_non_null(strstr(joined(e), "duplicate"));
    assert_int_equal(api_parse_migrate(BODY("{\"to\": \"a\"} x"), &m, &e), -1);
    json_decref(e);
    /* An empty body is {}: a missing field, not a syntax error. */
    assert_int_equal(api_parse_migrate("", 0, &m, &e), -1);
    assert_string_equal(joined(e), "to: missing (migrate needs it)");
    /* Bytes that are not UTF-8, a NUL inside. */
    assert_int_equal(api_parse_migrate("{\"to\": \"\xff\"}", 11, &m, &e), -1);
    json_decref(e);
    assert_int_equal(api_parse_migrate("{\"to\": \"a\0\"}", 12, &m, &e), -1);
    json_decref(e);
    assert_int_equal(api_parse_migrate(BODY("{\"to\": \"a\\u0000b\"}"), &m, &e), -1);
    json_decref(e);
}

static void test_migrate_clone(void **state)
{
    (void)state;
    struct api_migrate m;
    struct api_clone c;
    json_t *e = NULL;
    assert_int_equal(api_parse_migrate(BODY("{\"to\": \"server1\"}"), &m, &e), 0);
    assert_string_equal(m.to, "server1");
    assert_int_equal(api_parse_migrate(BODY("{\"to\": 7}"), &m, &e), -1);
    assert_string_equal(joined(e), "to: expected a server name (string)");
    assert_int_equal(api_parse_clone(BODY("{\"to\": \"server8\"}"), &c, &e), 0);
    assert_string_equal(c.as, "");
    assert_false(c.balance);
    assert_int_equal(
        api_parse_clone(BODY("{\"to\": \"server8\", \"as\": \"vm2\", \"balance\": true}"), &c, &e),
        0);
    assert_string_equal(c.as, "vm2");
    assert_true(c.balance);
    assert_int_equal(
        api_parse_clone(BODY("{\"to\": \"server8\", \"as\": 5, \"balance\": 1}"), &c, &e), -1);
    assert_string_equal(
        joined(e),
        "as: expected a VM name (a string: a letter, then up to 11 letters, digits, '_' or '-') | "
        "balance: expected true or false");
    assert_int_equal(api_parse_clone(BODY("{\"to\": \"server8\", \"as\": null}"), &c, &e), -1);
    json_decref(e);
}

static void test_exec(void **state)
{
    (void)state;
    struct api_exec x;
    json_t *e = NULL;
    assert_int_equal(api_parse_exec(BODY("{\"argv\": [\"id\", \"-u\"]}"), &x, &e), 0);
    assert_int_equal(json_array_size(x.argv), 2);
    assert_null(x.input);
    assert_int_equal(x.timeout_ms, API_TIMEOUT_DEFAULT);
    api_exec_free(&x);
    assert_int_equal(
        api_parse_exec(BODY("{\"argv\": [\"cat\"], \"input\": \"hi\", \"timeout_ms\": 3600000}"),
                       &x, &e),
        0);
    assert_string_equal(x.input, "hi");
    assert_int_equal(x.timeout_ms, 3600000);
    api_exec_free(&x);
    api_exec_free(&x); /* twice: a no-op */
    const char *bad[] = {
        "{\"argv\": []}",
        "{\"argv\": [\"\"]}",
        "{\"argv\": \"id\"}",
        "{\"argv\": [\"id\", 1]}",
        "{\"argv\": [[\"id\"]]}",
        "{\"argv\": [\"id\"], \"timeout_ms\": 0}",
        "{\"argv\": [\"id\"], \"timeout_ms\": 3600001}",
        "{\"argv\": [\"id\"], \"input\": 3}",
        "{\"argv\": [\"id\"], \"timeout_ms\": \"5\"}",
        "{\"argv\": [\"id\"], \"user\": \"root\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&x, 0, sizeof x);
        assert_int_equal(api_parse_exec(BODY(bad[i]), &x, &e), -1);
        assert_null(x.argv);
        assert_null(x.input);
        json_decref(e);
    }
    /* Several wrong fields: one message each, the good one kept out. */
    assert_int_equal(
        api_parse_exec(BODY("{\"argv\": [\"id\"], \"input\": 3, \"timeout_ms\": -5}"), &x, &e), -1);
    assert_string_equal(joined(e), "input: expected a string | timeout_ms: expected a whole number "
                                   "from 1 to 3600000 (milliseconds)");
    /* The limit on argv's length. */
    char big[API_ARGV_MAX * 6 + 64];
    strcpy(big, "{\"argv\": [");
    for (int i = 0; i <= API_ARGV_MAX; i++)
        strcat(big, i ? ",\"a\"" : "\"a\"");
    strcat(big, "]}");
    assert_int_equal(api_parse_exec(BODY(big), &x, &e), -1);
    json_decref(e);
}

static void test_load(void **state)
{
    (void)state;
    struct api_load l;
    json_t *e = NULL;
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 50}"), &l, &e), 0);
    assert_int_equal(l.cpu_percent, 50);
    assert_null(l.trace.samples);
    assert_int_equal(l.memory_mib, 0);
    api_load_free(&l);
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 0, \"memory_mib\": 64}"), &l, &e), 0);
    assert_int_equal(l.cpu_percent, 0);
    assert_int_equal(l.memory_mib, 64);
    api_load_free(&l);
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 6400}"), &l, &e), 0);
    api_load_free(&l);
    assert_int_equal(api_parse_load(BODY("{\"trace\": [0, 100, 7]}"), &l, &e), 0);
    assert_int_equal(l.trace.n, 3);
    assert_int_equal(l.trace.samples[0], 0);
    assert_int_equal(l.trace.samples[1], 100);
    assert_int_equal(l.trace.samples[2], 7);
    assert_true(l.interval_s == LOAD_INTERVAL_DEFAULT);
    api_load_free(&l);
    api_load_free(&l); /* twice: a no-op */
    assert_int_equal(
        api_parse_load(BODY("{\"trace\": [5], \"interval_s\": 0.1, \"memory_mib\": 32}"), &l, &e),
        0);
    assert_true(l.interval_s == 0.1);
    assert_int_equal(l.memory_mib, 32);
    api_load_free(&l);
    assert_int_equal(api_parse_load(BODY("{\"trace\": [5], \"interval_s\": 3600}"), &l, &e), 0);
    api_load_free(&l);
}

static void test_load_errors(void **state)
{
    (void)state;
    struct api_load l;
    json_t *e = NULL;
    const char *trace = "trace: expected an array of 1 to 8640 whole numbers from 0 to 100 (the "
                        "CPU utilisation in percent, one a sample)";
    char want[512];
    /* Either kind of load, and what goes with it. */
    assert_int_equal(api_parse_load(BODY("{}"), &l, &e), -1);
    assert_string_equal(joined(e), "cpu_percent: missing (load needs cpu_percent or trace)");
    assert_int_equal(api_parse_load(BODY("{\"memory_mib\": 64}"), &l, &e), -1);
    assert_string_equal(joined(e), "cpu_percent: missing (load needs cpu_percent or trace)");
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 50, \"trace\": [1]}"), &l, &e), -1);
    assert_null(l.trace.samples);
    assert_string_equal(
        joined(e), "trace: not with cpu_percent (a load is a constant cpu_percent or a trace)");
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 50, \"interval_s\": 5}"), &l, &e), -1);
    assert_string_equal(joined(e), "interval_s: only with trace");
    /* One message per wrong field, a wrong field not taken as missing. */
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 6401, \"memory_mib\": -1}"), &l, &e),
                     -1);
    assert_string_equal(joined(e),
                        "cpu_percent: expected a whole number from 0 to 6400 (percent of one CPU) "
                        "| memory_mib: expected a whole number from 0 to 1048576 (MiB)");
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 50.5}"), &l, &e), -1);
    assert_string_equal(joined(e),
                        "cpu_percent: expected a whole number from 0 to 6400 (percent of one CPU)");
    assert_int_equal(api_parse_load(BODY("{\"trace\": [1, 2, 101], \"interval_s\": 0.05}"), &l, &e),
                     -1);
    snprintf(want, sizeof want,
             "%s (sample 3 is not) | interval_s: expected a number of seconds from 0.1 to 3600",
             trace);
    assert_string_equal(joined(e), want);
    assert_int_equal(api_parse_load(BODY("{\"trace\": [1, \"2\"]}"), &l, &e), -1);
    snprintf(want, sizeof want, "%s (sample 2 is not)", trace);
    assert_string_equal(joined(e), want);
    assert_int_equal(api_parse_load(BODY("{\"trace\": [1, 2.5]}"), &l, &e), -1);
    assert_string_equal(joined(e), want);
    assert_int_equal(api_parse_load(BODY("{\"trace\": []}"), &l, &e), -1);
    snprintf(want, sizeof want, "%s (it is empty)", trace);
    assert_string_equal(joined(e), want);
    assert_int_equal(api_parse_load(BODY("{\"trace\": \"1\\n2\\n\"}"), &l, &e), -1);
    assert_string_equal(joined(e), trace);
    assert_int_equal(api_parse_load(BODY("{\"trace\": [5], \"interval_s\": \"5\"}"), &l, &e), -1);
    assert_null(l.trace.samples); /* freed with the error */
    assert_string_equal(joined(e), "interval_s: expected a number of seconds from 0.1 to 3600");
    /* The limit on a trace's length. */
    static char big[(LOAD_TRACE_MAX + 1) * 4 + 64];
    strcpy(big, "{\"trace\": [");
    for (int i = 0; i <= LOAD_TRACE_MAX; i++)
        strcat(big, i ? ",100" : "100");
    strcat(big, "]}");
    assert_int_equal(api_parse_load(BODY(big), &l, &e), -1);
    snprintf(want, sizeof want, "%s (it has 8641)", trace);
    assert_string_equal(joined(e), want);
    strcpy(big + strlen(big) - strlen(",100]}"), "]}"); /* one sample fewer */
    assert_int_equal(api_parse_load(BODY(big), &l, &e), 0);
    assert_int_equal(l.trace.n, LOAD_TRACE_MAX);
    api_load_free(&l);
    /* Unknown fields and bodies that are no object. */
    assert_int_equal(api_parse_load(BODY("{\"cpu\": 50}"), &l, &e), -1);
    assert_string_equal(
        joined(e), "cpu: no such field (load takes cpu_percent, trace, interval_s, memory_mib)");
    assert_int_equal(api_parse_load(BODY("[50]"), &l, &e), -1);
    assert_string_equal(joined(e), "body: expected a JSON object, not an array");
    assert_int_equal(api_parse_load(BODY("{\"cpu_percent\": 5, \"cpu_percent\": 6}"), &l, &e), -1);
    json_decref(e);
}

#define DEMAND_OK                                                                                  \
    "\"address\": \"198.18.4.2\", \"port\": 8080, \"interval_s\": 1, "                             \
    "\"requests_per_second\": 99.5, \"sent_per_second\": 100, \"failed_per_second\": 0.5"

static void test_demand(void **state)
{
    (void)state;
    struct demand_report r;
    json_t *e = NULL;
    assert_int_equal(
        api_parse_demand(BODY("{" DEMAND_OK ", \"p95_ms\": 2.5, \"source\": \"123@host-1.lab\"}"),
                         &r, &e),
        0);
    assert_int_equal(r.addr, (198u << 24) | (18u << 16) | (4u << 8) | 2u);
    assert_int_equal(r.port, 8080);
    assert_true(r.interval_s == 1);
    assert_true(r.requests_per_second == 99.5);
    assert_true(r.sent_per_second == 100);
    assert_true(r.failed_per_second == 0.5);
    assert_true(r.p95_ms == 2.5);
    assert_string_equal(r.source, "123@host-1.lab");
    /* p95_ms null: none (-1); no source: the anonymous one. */
    assert_int_equal(api_parse_demand(BODY("{" DEMAND_OK ", \"p95_ms\": null}"), &r, &e), 0);
    assert_true(r.p95_ms < 0);
    assert_string_equal(r.source, "");
    /* No answers, no latency. */
    assert_int_equal(
        api_parse_demand(BODY("{\"address\": \"10.0.0.1\", \"port\": 1, \"interval_s\": 0.1, "
                              "\"requests_per_second\": 0, \"sent_per_second\": 0, "
                              "\"failed_per_second\": 0, \"p95_ms\": null}"),
                         &r, &e),
        0);
    assert_int_equal(r.port, 1);
    /* The bounds themselves. */
    assert_int_equal(
        api_parse_demand(BODY("{\"address\": \"255.255.255.255\", \"port\": 65535, "
                              "\"interval_s\": 3600, \"requests_per_second\": 1e7, "
                              "\"sent_per_second\": 10000000, \"failed_per_second\": 0, "
                              "\"p95_ms\": 3600000}"),
                         &r, &e),
        0);
    assert_int_equal(r.addr, 0xffffffffu);
    assert_true(r.p95_ms == 3600000);
}

static void test_demand_errors(void **state)
{
    (void)state;
    struct demand_report r;
    json_t *e = NULL;
    assert_int_equal(api_parse_demand(BODY("{}"), &r, &e), -1);
    assert_string_equal(joined(e), "address: missing (demand needs it) | "
                                   "port: missing (demand needs it) | "
                                   "interval_s: missing (demand needs it) | "
                                   "requests_per_second: missing (demand needs it) | "
                                   "sent_per_second: missing (demand needs it) | "
                                   "failed_per_second: missing (demand needs it) | "
                                   "p95_ms: missing (demand needs it)");
    assert_int_equal(
        api_parse_demand(BODY("{\"address\": \"198.18.4\", \"port\": 0, \"interval_s\": 0, "
                              "\"requests_per_second\": -1, \"sent_per_second\": \"100\", "
                              "\"failed_per_second\": 1e8, \"p95_ms\": -0.5, "
                              "\"source\": \"me and you\"}"),
                         &r, &e),
        -1);
    assert_string_equal(
        joined(e),
        "address: expected an IPv4 address (a string A.B.C.D) | "
        "port: expected a whole number from 1 to 65535 | "
        "interval_s: expected a number of seconds from 0.1 to 3600 | "
        "requests_per_second: expected a number of requests a second from 0 to 1e+07 | "
        "sent_per_second: expected a number of requests a second from 0 to 1e+07 | "
        "failed_per_second: expected a number of requests a second from 0 to 1e+07 | "
        "p95_ms: expected a number of milliseconds from 0 to 3.6e+06, or null | "
        "source: expected a string of 1 to 64 letters, digits, '_', '.', '-', '@' or ':'");
    /* Addresses that are not four decimal parts; a port that is not whole. */
    const char *bad_addr[] = {"\"1.2.3.4.5\"", "\"1.2.3.256\"", "\"::1\"", "\" 1.2.3.4\"",
                              "\"\"",          "16909060",      "null"};
    for (size_t i = 0; i < sizeof bad_addr / sizeof *bad_addr; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"address\": %s, \"port\": 80, \"interval_s\": 1, "
                 "\"requests_per_second\": 1, \"sent_per_second\": 1, "
                 "\"failed_per_second\": 0, \"p95_ms\": 1}",
                 bad_addr[i]);
        assert_int_equal(api_parse_demand(BODY(body), &r, &e), -1);
        assert_string_equal(joined(e), "address: expected an IPv4 address (a string A.B.C.D)");
    }
    assert_int_equal(
        api_parse_demand(BODY("{" DEMAND_OK ", \"p95_ms\": 1, \"port\": 80.5}"), &r, &e), -1);
    json_decref(e);
    /* A latency without answers; a source too long; a field too many; twice. */
    assert_int_equal(
        api_parse_demand(BODY("{\"address\": \"10.0.0.1\", \"port\": 80, \"interval_s\": 1, "
                              "\"requests_per_second\": 0, \"sent_per_second\": 5, "
                              "\"failed_per_second\": 5, \"p95_ms\": 3}"),
                         &r, &e),
        -1);
    assert_string_equal(joined(e), "p95_ms: expected null when requests_per_second is 0 (no "
                                   "answers, no latency)");
    char body[512];
    snprintf(body, sizeof body, "{" DEMAND_OK ", \"p95_ms\": 1, \"source\": \"%065d\"}", 7);
    assert_int_equal(api_parse_demand(BODY(body), &r, &e), -1);
    assert_string_equal(joined(e), "source: expected a string of 1 to 64 letters, digits, '_', "
                                   "'.', '-', '@' or ':'");
    snprintf(body, sizeof body, "{" DEMAND_OK ", \"p95_ms\": 1, \"source\": \"%064d\"}", 7);
    assert_int_equal(api_parse_demand(BODY(body), &r, &e), 0);
    assert_int_equal(strlen(r.source), 64);
    assert_int_equal(api_parse_demand(BODY("{" DEMAND_OK ", \"p95_ms\": 1, \"rps\": 1}"), &r, &e),
                     -1);
    assert_string_equal(joined(e), "rps: no such field (demand takes address, port, interval_s, "
                                   "requests_per_second, sent_per_second, failed_per_second, "
                                   "p95_ms, source)");
    assert_int_equal(api_parse_demand(BODY("{" DEMAND_OK ", \"p95_ms\": 1, \"port\": 80}"), &r, &e),
                     -1);
    json_decref(e);
    assert_int_equal(api_parse_demand(BODY("[1]"), &r, &e), -1);
    assert_string_equal(joined(e), "body: expected a JSON object, not an array");
}

static void test_paths_and_ids(void **state)
{
    (void)state;
    char name[API_NAME_MAX + 1], action[16];
    assert_true(api_parse_vm_path("/api/v1/vms/vm1", name, sizeof name, action, sizeof action));
    assert_string_equal(name, "vm1");
    assert_string_equal(action, "");
    assert_true(
        api_parse_vm_path("/api/v1/vms/vm1/exec", name, sizeof name, action, sizeof action));
    assert_string_equal(action, "exec");
    assert_false(api_parse_vm_path("/api/v1/vms/", name, sizeof name, action, sizeof action));
    assert_false(
        api_parse_vm_path("/api/v1/vms/vm1/exec/x", name, sizeof name, action, sizeof action));
    assert_false(api_parse_vm_path("/api/v1/vms/abcdefghijklmnop", name, sizeof name, action,
                                   sizeof action));
    assert_false(api_parse_vm_path("/api/v1/vms/vm1/abcdefghijklmnopq", name, sizeof name, action,
                                   sizeof action));
    assert_false(api_parse_vm_path("/api/v1/vmsx", name, sizeof name, action, sizeof action));

    unsigned long id;
    json_t *e = NULL;
    assert_int_equal(api_parse_id("17", "operation", 1, &id, &e), 0);
    assert_int_equal(id, 17);
    assert_int_equal(api_parse_id("4294967295", "operation", 1, &id, &e), 0);
    const char *bad[] = {"",    "0", "-1", "+1", " 1", "1x", "4294967296", "99999999999999999999",
                         "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(api_parse_id(bad[i], "operation", 1, &id, &e), -1);
        assert_string_equal(joined(e), "operation: expected a whole number from 1 to 4294967295");
    }
    assert_int_equal(api_parse_id("0", "since", 0, &id, &e), 0);
}

/* GET /api/v1/metrics/history's query. */
static void test_history_query(void **state)
{
    (void)state;
    struct api_history_query q;
    json_t *e = NULL;
    assert_int_equal(api_parse_history_query(NULL, &q, &e), 0);
    assert_int_equal(q.n, 0);
    assert_int_equal(api_parse_history_query("series=vm/vm1/cpu_used,link/ovs1:2-ovs2:1/ab_bps,"
                                             "server/s1/*&since=-300&until=1796137510.5&max_"
                                             "points=100",
                                             &q, &e),
                     0);
    assert_int_equal(q.n, 3);
    assert_string_equal(q.names[1], "link/ovs1:2-ovs2:1/ab_bps");
    assert_string_equal(q.names[2], "server/s1/*");
    assert_true(q.since == -300 && q.until == 1796137510.5 && q.max_points == 100);
    api_history_query_free(&q);
    assert_int_equal(api_parse_history_query("prefix=vm/", &q, &e), 0);
    assert_string_equal(q.prefix, "vm/");
    static const struct {
        const char *query, *says;
    } bad[] = {
        {"series=a%20b", "series: expected names of up to 160 letters"},
        {"series=a,,b", "series: expected names"},
        {"series=a*b", "series: expected names"},
        {"since=yesterday", "since: expected a time in seconds since the epoch"},
        {"until=1e9", "until: expected a time"},
        {"max_points=0", "max_points: expected a whole number from 1 to 100000"},
        {"max_points=1.5", "max_points: expected a whole number"},
        {"prefix=a b", "prefix: expected the start of a series name"},
        {"step=2", "step: no such parameter (history takes series, prefix, since, until, "
                   "max_points)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(api_parse_history_query(bad[i].query, &q, &e), -1);
        const char *said = joined(e);
        if (!strstr(said, bad[i].says))
            fail_msg("%s: said \"%s\", not \"%s\"", bad[i].query, said, bad[i].says);
        assert_int_equal(q.n, 0);
    }
}

static void test_queries(void **state)
{
    (void)state;
    bool g, replay;
    uint64_t since;
    json_t *e = NULL;
    assert_int_equal(api_parse_stop_query(NULL, &g, &e), 0);
    assert_false(g);
    assert_int_equal(api_parse_stop_query("graceful=1", &g, &e), 0);
    assert_true(g);
    assert_int_equal(api_parse_stop_query("graceful=false", &g, &e), 0);
    assert_false(g);
    assert_int_equal(api_parse_stop_query("graceful=10", &g, &e), -1);
    assert_string_equal(joined(e), "graceful: expected 1, 0, true or false");
    assert_int_equal(api_parse_stop_query("xgraceful=1", &g, &e), -1);
    assert_string_equal(joined(e), "xgraceful: no such parameter (DELETE takes graceful)");
    /* Found by fuzz_api_body: a name that is not UTF-8 still makes a message. */
    assert_int_equal(api_parse_stop_query("{\"name\"E: {\xb5, \" \"vm\"n", &g, &e), -1);
    assert_string_equal(
        joined(e),
        "{\"name\"E:\\x20{\\xb5,\\x20\"\\x20\"vm\"n: no such parameter (DELETE takes graceful)");
    assert_int_equal(api_parse_migrate(BODY("{\"to\": \"\xb5\"}"), &(struct api_migrate){0}, &e),
                     -1);
    assert_non_null(strstr(joined(e), "body: expected a JSON object ("));
    assert_int_equal(api_parse_events_query(NULL, &replay, &since, &e), 0);
    assert_false(replay);
    assert_int_equal(api_parse_events_query("since=0", &replay, &since, &e), 0);
    assert_true(replay);
    assert_int_equal(since, 0);
    assert_int_equal(api_parse_events_query("since=42", &replay, &since, &e), 0);
    assert_int_equal(since, 42);
    assert_int_equal(api_parse_events_query("since=", &replay, &since, &e), -1);
    json_decref(e);
    assert_int_equal(api_parse_events_query("since=-3", &replay, &since, &e), -1);
    json_decref(e);
    assert_int_equal(api_parse_events_query("since=123456789012345678", &replay, &since, &e), -1);
    json_decref(e);
    assert_int_equal(api_parse_events_query("until=3", &replay, &since, &e), -1);
    json_decref(e);
}

static void test_errors_json(void **state)
{
    (void)state;
    json_t *errs = json_pack("[s, s]", "a: x", "b: y");
    json_t *o = api_errors_json(errs);
    assert_string_equal(json_string_value(json_object_get(o, "error")), "a: x; b: y");
    assert_int_equal(json_array_size(json_object_get(o, "errors")), 2);
    json_decref(o);
}

/* A plan: each action with the fields of its kind, the errors naming the
 * action by its index. */
static void test_plan(void **state)
{
    (void)state;
    struct api_plan p;
    json_t *e = NULL;
    assert_int_equal(
        api_parse_plan(BODY("{\"actions\": [{\"action\": \"migrate\", \"vm\": \"v1\", \"to\": "
                            "\"s2\", \"why\": \"hot\"}, {\"action\": \"clone\", \"vm\": \"v1\", "
                            "\"to\": \"s3\", \"balance\": true, \"as\": \"v1b\"}, {\"action\": "
                            "\"stop\", \"vm\": \"v2\", \"graceful\": true}, {\"action\": "
                            "\"sleep\", \"server\": \"s1\"}, {\"action\": \"wake\", \"server\": "
                            "\"s4\"}], \"max_parallel\": 3}"),
                       &p, &e),
        0);
    assert_int_equal(p.n, 5);
    assert_int_equal(p.max_parallel, 3);
    assert_int_equal(p.actions[0].kind, 0);
    assert_string_equal(p.actions[0].vm, "v1");
    assert_string_equal(p.actions[0].server, "s2");
    assert_string_equal(p.actions[0].why, "hot");
    assert_int_equal(p.actions[1].kind, 1);
    assert_true(p.actions[1].balance);
    assert_string_equal(p.actions[1].as, "v1b");
    assert_int_equal(p.actions[2].kind, 2);
    assert_true(p.actions[2].graceful);
    assert_int_equal(p.actions[3].kind, 3);
    assert_string_equal(p.actions[3].server, "s1");
    assert_int_equal(p.actions[4].kind, 4);
    assert_null(p.actions[4].why);
    api_plan_free(&p);
    assert_int_equal(api_parse_plan(BODY("{\"actions\": []}"), &p, &e), 0);
    assert_int_equal(p.n, 0);
    api_plan_free(&p);

    assert_int_equal(api_parse_plan(BODY("{}"), &p, &e), -1);
    assert_string_equal(joined(e), "actions: missing (a plan needs it)");
    assert_int_equal(api_parse_plan(BODY("{\"actions\": {}, \"max_parallel\": 0}"), &p, &e), -1);
    assert_string_equal(joined(e), "max_parallel: expected a whole number from 1 to 64 (actions at "
                                   "once) | actions: expected an array of up to 4096 actions");
    assert_int_equal(
        api_parse_plan(
            BODY("{\"actions\": [{\"action\": \"migrate\", \"vm\": \"v1\"}, 3, {\"action\": "
                 "\"reboot\"}, {\"action\": \"sleep\", \"server\": \"s1\", \"vm\": \"v1\"}, "
                 "{\"action\": \"stop\", \"vm\": \"9x\", \"graceful\": 1}]}"),
            &p, &e),
        -1);
    assert_string_equal(
        joined(e),
        "actions[0].to: missing (migrate needs it) | actions[1]: expected an object {action, "
        "...} | actions[2].action: expected one of migrate, clone, stop, sleep, wake | "
        "actions[3].vm: no such field (sleep takes action, server, why) | actions[4].vm: "
        "expected a VM name (a string: a letter, then up to 11 letters, digits, '_' or '-') | "
        "actions[4].graceful: expected true or false");
}

/* Running a policy: its name, parameters (numbers taken as text), interval. */
static void test_policy_run(void **state)
{
    (void)state;
    struct api_policy_run r;
    json_t *e = NULL;
    assert_int_equal(api_parse_policy_run(BODY("{\"name\": \"thr-mmt\"}"), &r, &e), 0);
    assert_string_equal(r.name, "thr-mmt");
    assert_int_equal(json_object_size(r.params), 0);
    assert_true(r.interval_s == API_POLICY_INTERVAL_DEFAULT);
    assert_false(r.dry_run);
    api_policy_run_free(&r);
    assert_int_equal(
        api_parse_policy_run(BODY("{\"name\": \"iqr-mc\", \"params\": {\"safety\": 1.5, \"seed\": "
                                  "7, \"placement\": \"subnet\"}, \"interval_s\": 2.5, "
                                  "\"dry_run\": true, \"max_parallel\": 1}"),
                             &r, &e),
        0);
    assert_string_equal(json_string_value(json_object_get(r.params, "safety")), "1.5");
    assert_string_equal(json_string_value(json_object_get(r.params, "seed")), "7");
    assert_string_equal(json_string_value(json_object_get(r.params, "placement")), "subnet");
    assert_true(r.interval_s == 2.5 && r.dry_run && r.max_parallel == 1);
    api_policy_run_free(&r);
    assert_int_equal(
        api_parse_policy_run(BODY("{\"params\": {\"a\": [1]}, \"interval_s\": 0.5}"), &r, &e), -1);
    assert_string_equal(joined(e),
                        "params: expected an object of up to 64 parameters, each a string or a "
                        "number (of up to 255 characters) (a is not) | interval_s: expected a "
                        "number of seconds from 1 to 86400 | name: missing (policy needs it)");
    assert_int_equal(api_parse_policy_run(BODY("{\"name\": \"\"}"), &r, &e), -1);
    assert_string_equal(joined(e), "name: expected a policy's name (1 to 63 characters)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot),
        cmocka_unit_test(test_boot_errors),
        cmocka_unit_test(test_unknown_and_bad_bodies),
        cmocka_unit_test(test_migrate_clone),
        cmocka_unit_test(test_exec),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_demand),
        cmocka_unit_test(test_demand_errors),
        cmocka_unit_test(test_paths_and_ids),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_history_query),
        cmocka_unit_test(test_errors_json),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_policy_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
