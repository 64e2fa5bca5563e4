/* Tests of src/vm/metrics.c: the Prometheus text exposition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/metrics.h"

static json_t *server(const char *name, double cpu, const char *vm)
{
    json_t *vms = json_array();
    if (vm)
        json_array_append_new(
            vms,
            json_pack(
                "{s:s, s:i, s:f, s:f, s:I, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I}}",
                "name", vm, "memory_mib", 128, "cpu_seconds", 1.5, "cpu_percent", 12.25,
                "rss_bytes", (json_int_t)100 << 20, "guest_memory", "total_bytes",
                (json_int_t)120 << 20, "used_bytes", (json_int_t)20 << 20, "free_bytes",
                (json_int_t)90 << 20, "available_bytes", (json_int_t)100 << 20, "net", "rx_bytes",
                (json_int_t)1000, "tx_bytes", (json_int_t)2000, "disk", "read_bytes",
                (json_int_t)3000, "written_bytes", (json_int_t)4000));
    return json_pack("{s:{s:s, s:f, s:I, s:I, s:i, s:i, s:{s:{s:I, s:I}}}, s:o}", "server", "name",
                     name, "cpu_percent", cpu, "memory_total_bytes", (json_int_t)1 << 30,
                     "memory_available_bytes", (json_int_t)1 << 29, "vm_memory_mib", vm ? 128 : 0,
                     "vm_capacity_mib", 1024, "interfaces", "eth0", "rx_bytes", (json_int_t)5,
                     "tx_bytes", (json_int_t)6, "vms", vms);
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_samples(void **state)
{
    (void)state;
    json_t *all = json_pack("[o, o]", server("server7", 50.5, "vm1"), server("server8", 1, NULL));
    char *t = metrics_prometheus(all);
    assert_non_null(strstr(t, "minidc_server_cpu_percent{server=\"server7\"} 50.50\n"));
    assert_non_null(strstr(t, "minidc_server_cpu_percent{server=\"server8\"} 1.00\n"));
    assert_non_null(
        strstr(t, "minidc_server_vm_memory_bytes{server=\"server7\",kind=\"used\"} 134217728\n"));
    assert_non_null(strstr(t, "minidc_server_network_bytes_total{server=\"server7\",interface="
                              "\"eth0\",direction=\"tx\"} 6\n"));
    assert_non_null(strstr(t, "minidc_vm_cpu_seconds_total{server=\"server7\",vm=\"vm1\"} 1.50\n"));
    assert_non_null(strstr(
        t, "minidc_vm_memory_bytes{server=\"server7\",vm=\"vm1\",kind=\"used\"} 20971520\n"));
    assert_non_null(strstr(
        t,
        "minidc_vm_disk_bytes_total{server=\"server7\",vm=\"vm1\",direction=\"written\"} 4000\n"));
    free(t);
    json_decref(all);
}

/* Each family once, its samples together (the format requires it). */
static void test_families_grouped(void **state)
{
    (void)state;
    json_t *all = json_pack("[o, o]", server("a", 1, "vm1"), server("b", 2, "vm2"));
    char *t = metrics_prometheus(all);
    assert_int_equal(count(t, "# TYPE minidc_server_cpu_percent gauge\n"), 1);
    assert_int_equal(count(t, "# TYPE minidc_vm_cpu_seconds_total counter\n"), 1);
    /* After a family's samples start, no other family comes before its last. */
    const char *first = strstr(t, "minidc_server_cpu_percent{server=\"a\"}");
    const char *second = strstr(t, "minidc_server_cpu_percent{server=\"b\"}");
    assert_non_null(first);
    assert_non_null(second);
    assert_ptr_equal(strchr(first, '\n') + 1, second);
    free(t);
    json_decref(all);
}

static void test_empty(void **state)
{
    (void)state;
    json_t *none = json_array();
    char *t = metrics_prometheus(none);
    assert_string_equal(t, "");
    free(t);
    json_decref(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_families_grouped),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
