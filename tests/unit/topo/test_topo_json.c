/* Tests of src/topo/topo_json.c: fig1 as GET /api/v1/topology gives it,
 * links named as the metrics name them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topo/topo.h"
#include "topo/topo_json.h"

static struct topo *fig1(void)
{
    char path[1024];
    const char *src = getenv("MINIDC_SRC");
    snprintf(path, sizeof path, "%s/examples/fig1.yaml", src ? src : ".");
    struct diag_list d;
    diag_list_init(&d, NULL);
    struct topo *t = topo_load(path, &d);
    diag_list_free(&d);
    assert_non_null(t);
    return t;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *named(json_t *arr, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (!strcmp(str(v, "name"), name))
            return v;
    fail_msg("no %s", name);
    return NULL;
}

static void test_fig1(void **state)
{
    struct topo *t = fig1();
    json_t *j = topo_json(t);
    assert_string_equal(str(j, "name"), "fig1");
    assert_string_equal(str(j, "root"), "ovs1");
    assert_int_equal(json_array_size(json_object_get(j, "switches")), 7);
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 8);
    assert_int_equal(json_array_size(json_object_get(j, "hosts")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "links")), 15);
    assert_int_equal(json_array_size(json_object_get(j, "subnets")), 5);

    json_t *s8 = named(json_object_get(j, "servers"), "server8");
    assert_string_equal(str(s8, "switch"), "ovs7");
    assert_int_equal(json_integer_value(json_object_get(s8, "port")), 3);
    assert_string_equal(str(s8, "address"), "198.18.4.8");
    assert_string_equal(str(s8, "subnet"), "net4");
    assert_int_equal(json_integer_value(json_object_get(s8, "memory_mib")), 1024);
    assert_true(json_is_null(json_object_get(s8, "cpu")));

    json_t *l = named(json_object_get(j, "links"), "ovs1:2-ovs2:1");
    assert_string_equal(str(l, "a"), "ovs1");
    assert_int_equal(json_integer_value(json_object_get(l, "b_port")), 1);
    assert_true(json_is_null(json_object_get(l, "bandwidth_mbit")));
    json_t *h = named(json_object_get(j, "links"), "ovs1:1-internet");
    assert_true(json_is_null(json_object_get(h, "b_port")));
    named(json_object_get(j, "links"), "ovs7:3-server8");

    json_t *net1 = named(json_object_get(j, "subnets"), "net1");
    assert_string_equal(str(net1, "prefix"), "198.51.100.0/24");
    assert_string_equal(str(net1, "gateway"), "198.51.100.254");
    assert_string_equal(str(net1, "switch"), "ovs4");
    json_t *sw = named(json_object_get(j, "switches"), "ovs1");
    assert_int_equal(strlen(str(sw, "dpid")), 16);
    json_decref(j);
    topo_free(t);
}

static void test_bandwidth_and_no_switch(void **state)
{
    struct diag_list d;
    diag_list_init(&d, NULL);
    struct topo *t = topo_load_string(
        "t.yaml",
        "name: bw\n"
        "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
        "management: {subnet: 192.0.2.0/24}\n"
        "subnets: [{name: n, prefix: 10.0.0.0/24, gateway: 10.0.0.254, switch: s}]\n"
        "switches: [{name: s}]\n"
        "servers: [{name: a, address: 10.0.0.1, management: 192.0.2.1, cpu: 1.5}]\n"
        "links: [{ends: [s, a], bandwidth: 40}]\n",
        &d);
    if (!t)
        diag_print(&d, stderr);
    diag_list_free(&d);
    assert_non_null(t);
    json_t *j = topo_json(t);
    json_t *l = json_array_get(json_object_get(j, "links"), 0);
    assert_string_equal(str(l, "name"), "s:1-a");
    assert_true(json_real_value(json_object_get(l, "bandwidth_mbit")) == 40.0);
    json_t *a = json_array_get(json_object_get(j, "servers"), 0);
    assert_true(json_real_value(json_object_get(a, "cpu")) == 1.5);
    assert_string_equal(str(j, "root"), "s");
    json_decref(j);
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig1),
        cmocka_unit_test(test_bandwidth_and_no_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
