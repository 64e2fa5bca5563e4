/* Tests of src/agentproto/agent_proto.c: the name rule, every request's
 * path read back as that request by the agent's router, the paths the
 * router refuses and how, and the bodies minidcd sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agentproto/agent_proto.h"

static void test_name_rule(void **state)
{
    (void)state;
    assert_true(agent_proto_name_ok("vm1"));
    assert_true(agent_proto_name_ok("A"));
    assert_true(agent_proto_name_ok("web_1-c12"));
    assert_true(agent_proto_name_ok("abcdefghijkl")); /* AGENT_PROTO_NAME_MAX */
    assert_false(agent_proto_name_ok("abcdefghijklm"));
    assert_false(agent_proto_name_ok(""));
    assert_false(agent_proto_name_ok(NULL));
    assert_false(agent_proto_name_ok("1vm"));
    assert_false(agent_proto_name_ok("_vm"));
    assert_false(agent_proto_name_ok("vm.1"));
    assert_false(agent_proto_name_ok("vm/1"));
    assert_false(agent_proto_name_ok("vm 1"));
}

static enum agent_proto_match route(const char *method, const char *path, enum agent_proto_req *r,
                                    char name[64], char action[32])
{
    return agent_proto_route(method, path, r, name, 64, action, 32);
}

/* Every request's method and path are routed to it, with the VM's name. */
static void test_paths_route_back(void **state)
{
    (void)state;
    static const char *const want[] = {
        "GET /v1/info",
        "GET /v1/vms",
        "POST /v1/vms",
        "POST /v1/incoming",
        "GET /v1/metrics",
        "GET /metrics",
        "GET /v1/vms/vm1",
        "DELETE /v1/vms/vm1",
        "POST /v1/vms/vm1/send",
        "POST /v1/vms/vm1/finish",
        "POST /v1/vms/vm1/resume",
        "POST /v1/vms/vm1/exec",
    };
    for (int i = AGENT_PROTO_INFO; i <= AGENT_PROTO_EXEC; i++) {
        char *path = agent_proto_path((enum agent_proto_req)i, "vm1");
        char line[64], name[64] = "", action[32] = "";
        snprintf(line, sizeof line, "%s %s", agent_proto_method((enum agent_proto_req)i), path);
        assert_string_equal(line, want[i]);
        enum agent_proto_req r = AGENT_PROTO_EXEC + 1;
        assert_int_equal(route(agent_proto_method((enum agent_proto_req)i), path, &r, name, action),
                         AGENT_PROTO_MATCH);
        assert_int_equal(r, i);
        if (i >= AGENT_PROTO_GET)
            assert_string_equal(name, "vm1");
        free(path);
    }
}

static void test_route_refused(void **state)
{
    (void)state;
    enum agent_proto_req r;
    char name[64], action[32];
    assert_int_equal(route("DELETE", "/v1/info", &r, name, action), AGENT_PROTO_NO_RESOURCE);
    assert_int_equal(route("DELETE", "/v1/vms", &r, name, action), AGENT_PROTO_NO_RESOURCE);
    assert_int_equal(route("GET", "/v1/vms/", &r, name, action), AGENT_PROTO_NO_RESOURCE);
    assert_int_equal(route("GET", "/v1/vm/vm1", &r, name, action), AGENT_PROTO_NO_RESOURCE);
    assert_int_equal(route("POST", "/v1/vms/vm1/send/x", &r, name, action),
                     AGENT_PROTO_NO_RESOURCE);
    assert_int_equal(route("GET", "/v1/vms/vm1//", &r, name, action), AGENT_PROTO_NO_RESOURCE);
    /* A name that cannot fit is no resource; one that fits is the agent's
     * to look for, whatever it is. */
    char longer[80];
    memset(longer, 'a', sizeof longer);
    memcpy(longer, "/v1/vms/", 8);
    longer[8 + 64] = '\0';
    assert_int_equal(route("GET", longer, &r, name, action), AGENT_PROTO_NO_RESOURCE);
    longer[8 + 63] = '\0';
    assert_int_equal(route("GET", longer, &r, name, action), AGENT_PROTO_MATCH);
    assert_int_equal(strlen(name), 63);
    /* A VM's path with an action of another method, or none. */
    assert_int_equal(route("GET", "/v1/vms/vm1/send", &r, name, action), AGENT_PROTO_NO_OPERATION);
    assert_string_equal(action, "send");
    assert_int_equal(route("POST", "/v1/vms/vm1/stop", &r, name, action), AGENT_PROTO_NO_OPERATION);
    assert_string_equal(action, "stop");
    assert_int_equal(route("POST", "/v1/vms/vm1", &r, name, action), AGENT_PROTO_NO_OPERATION);
    assert_string_equal(action, "");
    assert_int_equal(route("DELETE", "/v1/vms/vm1/exec", &r, name, action),
                     AGENT_PROTO_NO_OPERATION);
}

static void test_remove_and_token(void **state)
{
    (void)state;
    char *p = agent_proto_remove_path("vm1", true);
    assert_string_equal(p, "/v1/vms/vm1?graceful=1");
    assert_true(agent_proto_graceful(strchr(p, '?') + 1));
    free(p);
    p = agent_proto_remove_path("vm1", false);
    assert_string_equal(p, "/v1/vms/vm1");
    free(p);
    assert_false(agent_proto_graceful(NULL));
    assert_false(agent_proto_graceful("graceful=0"));
    assert_true(agent_proto_needs_token("/v1/info"));
    assert_true(agent_proto_needs_token("/v1/metrics"));
    assert_false(agent_proto_needs_token("/metrics"));
}

static void assert_json(json_t *o, const char *want)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, want);
    free(s);
    json_decref(o);
}

static void test_bodies(void **state)
{
    (void)state;
    struct agent_proto_vm vm = {.name = "vm1",
                                .mac = "02:6d:0a:00:00:05",
                                .ip = "10.0.0.5/24",
                                .gw = "10.0.0.1",
                                .memory_mib = 128,
                                .cpus = 2};
    json_t *o = agent_proto_vm_json(&vm);
    struct agent_proto_vm back;
    assert_true(agent_proto_vm_read(o, &back));
    assert_string_equal(back.name, "vm1");
    assert_string_equal(back.mac, vm.mac);
    assert_string_equal(back.ip, vm.ip);
    assert_string_equal(back.gw, vm.gw);
    assert_int_equal(back.memory_mib, 128);
    assert_int_equal(back.cpus, 2);
    assert_json(o, "{\"cpus\":2,\"gw\":\"10.0.0.1\",\"ip\":\"10.0.0.5/24\","
                   "\"mac\":\"02:6d:0a:00:00:05\",\"memory_mib\":128,\"name\":\"vm1\"}");
    assert_true(agent_proto_vm_read(NULL, &back));
    assert_null(back.name);
    assert_int_equal(back.memory_mib, 0);
    assert_json(agent_proto_incoming_json(&vm, "192.0.2.1", NULL),
                "{\"cpus\":2,\"from\":\"192.0.2.1\",\"gw\":\"10.0.0.1\",\"ip\":\"10.0.0.5/24\","
                "\"mac\":\"02:6d:0a:00:00:05\",\"memory_mib\":128,\"name\":\"vm1\"}");
    assert_json(agent_proto_incoming_json(&vm, "192.0.2.1", "192.0.2.7"),
                "{\"cpus\":2,\"from\":\"192.0.2.1\",\"gw\":\"10.0.0.1\",\"ip\":\"10.0.0.5/24\","
                "\"listen\":\"192.0.2.7\",\"mac\":\"02:6d:0a:00:00:05\",\"memory_mib\":128,"
                "\"name\":\"vm1\"}");
    struct agent_proto_send s = {
        .nbd = "nbd:a:1:exportname=x", .uri = "tcp:a:2", .verify_memory = true};
    assert_json(agent_proto_send_json(&s), "{\"mode\":\"move\",\"nbd\":\"nbd:a:1:exportname=x\","
                                           "\"uri\":\"tcp:a:2\",\"verify_memory\":true}");
    s.copy = true;
    s.verify_memory = false;
    assert_json(agent_proto_send_json(&s), "{\"mode\":\"copy\",\"nbd\":\"nbd:a:1:exportname=x\","
                                           "\"uri\":\"tcp:a:2\",\"verify_memory\":false}");
    struct agent_proto_finish f = {.identity = true, .isolate = true};
    assert_json(agent_proto_finish_json(&f), "{\"identity\":true,\"isolate\":true}");
    f.memory_digest = "abc";
    f.identity = f.isolate = false;
    assert_json(agent_proto_finish_json(&f),
                "{\"identity\":false,\"isolate\":false,\"memory_digest\":\"abc\"}");
    json_t *argv = json_pack("[s, s]", "echo", "hi");
    struct agent_proto_exec x = {.argv = argv, .timeout_ms = 5000};
    assert_json(agent_proto_exec_json(&x), "{\"argv\":[\"echo\",\"hi\"],\"timeout_ms\":5000}");
    x.input = "in";
    assert_json(agent_proto_exec_json(&x),
                "{\"argv\":[\"echo\",\"hi\"],\"input\":\"in\",\"timeout_ms\":5000}");
    json_decref(argv);
}

/* Counts beyond their range are not read as something in range: 2^32 + 128
 * MiB is not 128 MiB. */
static void test_vm_counts_out_of_range(void **state)
{
    (void)state;
    static const struct {
        json_int_t memory_mib, cpus;
    } bad[] = {
        {4294967296LL + 128, 2}, /* wraps to 128 in 32 bits */
        {128, 4294967296LL + 2}, /* wraps to 2 */
        {-4294967296LL + 64, 1}, /* wraps to 64 */
        {128, -1},               /* negative */
        {71, 1},                 /* below the least memory */
        {1048577, 1},            /* above the most */
        {128, 0},                /* no CPU */
        {128, 65},               /* too many */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *o = json_pack("{s:s, s:I, s:I}", "name", "vm1", "memory_mib", bad[i].memory_mib,
                              "cpus", bad[i].cpus);
        struct agent_proto_vm vm;
        assert_false(agent_proto_vm_read(o, &vm));
        bool memory_ok = bad[i].memory_mib >= 72 && bad[i].memory_mib <= 1048576;
        bool cpus_ok = bad[i].cpus >= 1 && bad[i].cpus <= 64;
        assert_int_equal(vm.memory_mib, memory_ok ? (unsigned)bad[i].memory_mib : 0);
        assert_int_equal(vm.cpus, cpus_ok ? (unsigned)bad[i].cpus : 0);
        assert_string_equal(vm.name, "vm1");
        json_decref(o);
    }
    /* A CPU share: absent is none; present, 0.01 to 64 host CPUs. */
    static const char *const shares[] = {"0", "0.001", "64.5", "\"1\"", "-2"};
    for (size_t i = 0; i < sizeof shares / sizeof *shares; i++) {
        char text[96];
        snprintf(text, sizeof text, "{\"memory_mib\": 128, \"cpus\": 1, \"cpu_share\": %s}",
                 shares[i]);
        json_t *j = json_loads(text, 0, NULL);
        struct agent_proto_vm vm;
        assert_false(agent_proto_vm_read(j, &vm));
        assert_true(vm.cpu_share == 0);
        json_decref(j);
    }
    json_t *j = json_pack("{s:i, s:i, s:f}", "memory_mib", 128, "cpus", 1, "cpu_share", 0.15);
    struct agent_proto_vm with;
    assert_true(agent_proto_vm_read(j, &with));
    assert_true(with.cpu_share == 0.15);
    json_decref(j);
    /* The bounds themselves are in range. */
    json_t *o = json_pack("{s:i, s:i}", "memory_mib", 72, "cpus", 64);
    struct agent_proto_vm vm;
    assert_true(agent_proto_vm_read(o, &vm));
    assert_int_equal(vm.memory_mib, 72);
    assert_int_equal(vm.cpus, 64);
    json_decref(o);
    o = json_pack("{s:i, s:i}", "memory_mib", 1048576, "cpus", 1);
    assert_true(agent_proto_vm_read(o, &vm));
    assert_int_equal(vm.memory_mib, 1048576);
    json_decref(o);
}

static void test_error_body(void **state)
{
    (void)state;
    json_t *e = agent_proto_error("no VM %s on %s", "vm1", "server8");
    assert_string_equal(agent_proto_error_text(e), "no VM vm1 on server8");
    assert_json(e, "{\"error\":\"no VM vm1 on server8\"}");
    json_t *o = json_pack("{s:i}", "free_mib", 3);
    assert_null(agent_proto_error_text(o));
    json_decref(o);
    assert_null(agent_proto_error_text(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_rule),
        cmocka_unit_test(test_paths_route_back),
        cmocka_unit_test(test_route_refused),
        cmocka_unit_test(test_remove_and_token),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_vm_counts_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
