/* Tests of src/ctl/model.c: the model a policy gets, from minidcd's JSON
 * and history: capacities (the topology's, else the agent's), the power
 * model, histories aligned and scaled, VMs' allocations and what they add
 * to their servers, services grouped by the address clients use with the
 * demand reported, links, hop counts, and the JSON of it all. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/model.h"
#include "hist/hist.h"
#include "topo/topo.h"
#include "topo/topo_graph.h"

/* s1 and s2 on sw1 (capped: 0.5 CPU, 512 MiB; s2 uncapped), s3 on sw2; s1
 * with the default power model, s2 a preset's, s3 a linear one. */
static const char topology[] =
    "name: t\n"
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
    "management: {subnet: 192.0.2.0/24}\n"
    "subnets:\n"
    "  - {name: a, prefix: 10.1.0.0/24, gateway: 10.1.0.254, switch: sw1}\n"
    "  - {name: b, prefix: 10.2.0.0/24, gateway: 10.2.0.254, switch: sw2}\n"
    "switches: [{name: root}, {name: sw1}, {name: sw2}]\n"
    "servers:\n"
    "  - {name: s1, address: 10.1.0.1, management: 192.0.2.1, memory: 512, cpu: 0.5}\n"
    "  - {name: s2, address: 10.1.0.2, management: 192.0.2.2, power: hp-ml110-g5}\n"
    "  - {name: s3, address: 10.2.0.3, management: 192.0.2.3, power: {idle: 50, max: 150}}\n"
    "links:\n"
    "  - [root, sw1]\n"
    "  - [root, sw2]\n"
    "  - {ends: [sw1, s1], bandwidth: 100}\n"
    "  - [sw1, s2]\n"
    "  - [sw2, s3]\n";

static const char vms_json[] =
    "[{\"name\": \"v1\", \"server\": \"s1\", \"current_address\": \"10.1.0.10/24\", "
    "\"home_address\": \"10.1.0.10\", \"state\": \"running\", \"memory_mib\": 128, \"cpus\": 1, "
    "\"cpu_share\": 0.25, \"serves\": \"10.1.0.10\"},"
    " {\"name\": \"v1-c1\", \"server\": \"s3\", \"current_address\": \"10.2.0.11/24\", "
    "\"home_address\": \"10.1.0.11\", \"state\": \"running\", \"memory_mib\": 128, \"cpus\": 1, "
    "\"cpu_share\": 0.25, \"serves\": \"10.1.0.10\", \"operation\": 4},"
    " {\"name\": \"v2\", \"server\": \"s1\", \"current_address\": \"10.1.0.12/24\", "
    "\"home_address\": \"10.1.0.12\", \"state\": \"migrating\", \"memory_mib\": 64, \"cpus\": 2, "
    "\"cpu_share\": null},"
    " {\"name\": \"gone\", \"server\": \"s9\", \"current_address\": \"10.1.0.13/24\", "
    "\"home_address\": \"10.1.0.13\", \"state\": \"running\", \"memory_mib\": 64, \"cpus\": 1}]";

static const char servers_json[] =
    "{\"s1\": {\"reachable\": true, \"asleep\": false}, \"s2\": {\"reachable\": true, "
    "\"asleep\": true}, \"s3\": {\"reachable\": false, \"asleep\": false}}";

static const char metrics_json[] =
    "[{\"server\": {\"name\": \"s1\", \"cpus\": 2, \"cpu_capacity\": 0.5, \"cpu_used\": 0.4, "
    "\"vm_capacity_mib\": 900}, \"vms\": [{\"name\": \"v1\", \"cpu_used\": 0.3}]},"
    " {\"server\": {\"name\": \"s2\", \"cpus\": 2, \"cpu_capacity\": null, \"cpu_used\": 0.1, "
    "\"vm_capacity_mib\": 700}, \"vms\": []}]";

static const char links_json[] =
    "[{\"name\": \"sw1:3-s1\", \"a\": \"sw1\", \"b\": \"s1\", \"bandwidth_mbit\": 100, "
    "\"ab\": {\"bits_per_second\": 20e6, \"utilization\": 0.2}, \"ba\": {\"bits_per_second\": "
    "50e6, \"utilization\": 0.5}},"
    " {\"name\": \"root:1-sw1:1\", \"a\": \"root\", \"b\": \"sw1\", \"bandwidth_mbit\": null, "
    "\"ab\": null, \"ba\": null}]";

static const char demand_json[] =
    "[{\"address\": \"10.1.0.10\", \"requests_per_second\": 120, \"p95_ms\": 35.5, "
    "\"failed_per_second\": 0.5}]";

struct fixture {
    struct topo *t;
    struct topo_graph *g;
    struct hist *h;
    struct model *m;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    x->t = topo_load_string("t.yaml", topology, &dl);
    if (!x->t)
        diag_print(&dl, stderr);
    diag_list_free(&dl);
    assert_non_null(x->t);
    x->g = topo_graph_create(x->t);
    /* Four rounds: s1 used 0.1, gap, 0.3, 0.4; v1 0.05 0.1 0.2 0.3. */
    x->h = hist_create(16);
    const double s1[] = {0.1, NAN, 0.3, 0.4}, v1[] = {0.05, 0.1, 0.2, 0.3};
    for (int r = 0; r < 4; r++) {
        assert_true(hist_begin(x->h, 100 + 2 * r));
        if (!isnan(s1[r]))
            hist_set(x->h, "server/s1/cpu_used", s1[r]);
        hist_set(x->h, "vm/v1/cpu_used", v1[r]);
        hist_set(x->h, "vm/v1/rss_bytes", 64.0 * 1024 * 1024);
    }
    json_t *vms = json_loads(vms_json, 0, NULL), *servers = json_loads(servers_json, 0, NULL),
           *metrics = json_loads(metrics_json, 0, NULL), *links = json_loads(links_json, 0, NULL),
           *demand = json_loads(demand_json, 0, NULL);
    assert_non_null(vms && servers && metrics && links && demand ? vms : NULL);
    struct model_inputs in = {x->t, x->g, vms, servers, metrics, links, demand, x->h, 106, 2};
    x->m = model_build(&in);
    /* The inputs may go: the model keeps what it needs. */
    json_decref(vms), json_decref(servers), json_decref(metrics), json_decref(links);
    json_decref(demand);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    model_free(x->m);
    hist_destroy(x->h);
    topo_graph_destroy(x->g);
    topo_free(x->t);
    free(x);
    return 0;
}

static void test_servers(void **state)
{
    struct fixture *x = *state;
    const struct mdc_model *m = model_get(x->m);
    assert_int_equal(m->n_servers, 3);
    const struct mdc_server *s1 = &m->servers[0], *s2 = &m->servers[1], *s3 = &m->servers[2];
    assert_string_equal(s1->name, "s1");
    assert_string_equal(s1->subnet, "a");
    assert_string_equal(s1->sw, "sw1");
    /* The topology's caps; else the agent's figures; else 1 CPU and 0 MiB. */
    assert_true(s1->cpu_capacity == 0.5 && s1->memory_mib == 512);
    assert_true(s2->cpu_capacity == 2 && s2->memory_mib == 700);
    assert_true(s3->cpu_capacity == 1 && s3->memory_mib == 0);
    /* The topology's power model, its 0% and 100% points: hp-ml110-g4 by
     * default (86-117 W), hp-ml110-g5 (93.7-135 W), linear 50-150 W. */
    assert_true(s1->power_idle_w == 86 && s1->power_max_w == 117);
    assert_true(s2->power_idle_w == 93.7 && s2->power_max_w == 135);
    assert_true(s3->power_idle_w == 50 && s3->power_max_w == 150);
    assert_true(s1->link_mbit == 100 && s2->link_mbit == 0);
    assert_true(s1->reachable && !s1->asleep);
    assert_true(s2->asleep);
    assert_false(s3->reachable);
    assert_true(s1->cpu_used == 0.4);
    /* The history of CPU used, over the capacity, its gap filled. */
    assert_int_equal(s1->cpu_utilization.n, 4);
    const double want[] = {0.2, 0.2, 0.6, 0.8};
    for (int i = 0; i < 4; i++)
        assert_true(fabs(s1->cpu_utilization.values[i] - want[i]) < 1e-6);
    assert_int_equal(s2->cpu_utilization.n, 0);
    /* What the VMs on it hold: v1 (128 MiB, 0.25) and v2 (64 MiB, 2 vCPUs). */
    assert_true(s1->memory_used_mib == 192 && s1->cpu_allocated == 2.25);
    assert_true(m->now == 106 && m->interval_s == 2);
}

static void test_vms_and_services(void **state)
{
    struct fixture *x = *state;
    const struct mdc_model *m = model_get(x->m);
    /* "gone" is on no server of the topology: left out. */
    assert_int_equal(m->n_vms, 3);
    const struct mdc_vm *v1 = &m->vms[0], *c1 = &m->vms[1], *v2 = &m->vms[2];
    assert_string_equal(v1->address, "10.1.0.10");
    assert_int_equal(v1->server, 0);
    assert_true(v1->movable);
    assert_false(c1->movable); /* an operation holds it */
    assert_false(v2->movable); /* migrating */
    assert_true(v1->cpu_allocation == 0.25 && v2->cpu_allocation == 2);
    assert_true(v1->cpu_used == 0.3 && v2->cpu_used == 0);
    assert_int_equal(v1->cpu_used_history.n, 4);
    assert_true(fabs(v1->cpu_used_history.values[0] - 0.05) < 1e-6);
    assert_true(v1->memory_used_mib_history.values[3] == 64);
    assert_null(v2->serves);
    /* v1's own address is balanced: it is no replica; v1-c1 is one. */
    assert_null(v1->serves);
    assert_string_equal(c1->serves, "10.1.0.10");
    /* Services: v1 and its replica serve 10.1.0.10; v2 its own address. */
    assert_int_equal(m->n_services, 2);
    const struct mdc_service *a = &m->services[0], *b = &m->services[1];
    assert_string_equal(a->address, "10.1.0.10");
    assert_int_equal(a->n_vms, 2);
    assert_int_equal(a->vms[0], 0);
    assert_int_equal(a->vms[1], 1);
    assert_true(a->requests_per_s == 120 && a->p95_ms == 35.5 && a->failed_per_s == 0.5);
    assert_string_equal(b->address, "10.1.0.12");
    assert_int_equal(b->n_vms, 1);
    assert_true(b->requests_per_s < 0 && b->p95_ms < 0);
}

static void test_links_and_hops(void **state)
{
    struct fixture *x = *state;
    const struct mdc_model *m = model_get(x->m);
    assert_int_equal(m->n_links, 2);
    assert_true(m->links[0].bandwidth_mbit == 100);
    assert_true(fabs(m->links[0].mbit_per_s - 50) < 1e-9 && m->links[0].utilization == 0.5);
    assert_true(m->links[1].mbit_per_s < 0 && m->links[1].utilization < 0);
    /* s1-s2: sw1 alone; s1-s3: sw1, root, sw2. */
    assert_int_equal(m->hops[0 * 3 + 0], 0);
    assert_int_equal(m->hops[0 * 3 + 1], 1);
    assert_int_equal(m->hops[0 * 3 + 2], 3);
    assert_int_equal(m->hops[2 * 3 + 1], 3);
}

static void test_json(void **state)
{
    struct fixture *x = *state;
    json_t *j = model_json(model_get(x->m));
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 3);
    json_t *s1 = json_array_get(json_object_get(j, "servers"), 0);
    assert_int_equal(json_array_size(json_object_get(s1, "cpu_utilization")), 4);
    assert_true(json_is_true(json_object_get(s1, "reachable")));
    json_t *v1 = json_array_get(json_object_get(j, "vms"), 0);
    assert_string_equal(json_string_value(json_object_get(v1, "server")), "s1");
    assert_true(json_is_null(json_object_get(v1, "serves")));
    json_t *c1 = json_array_get(json_object_get(j, "vms"), 1);
    assert_string_equal(json_string_value(json_object_get(c1, "serves")), "10.1.0.10");
    json_t *svc = json_array_get(json_object_get(j, "services"), 1);
    assert_true(json_is_null(json_object_get(svc, "requests_per_s")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(svc, "vms"), 0)), "v2");
    json_t *hops = json_object_get(j, "hops");
    assert_int_equal(json_integer_value(json_array_get(json_array_get(hops, 0), 2)), 3);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_servers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vms_and_services, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_and_hops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
