/* Tests of src/exp/exp_eval.c: a run's history and events into the series
 * of eval/metrics.h: the axis (the servers' rounds in the window), values
 * held over a round without a sample, utilisation over the topology's
 * capacity, sleeps from the events, a VM's life and its migrating rounds,
 * the events counted; and the refusals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exp/exp_eval.h"
#include "topo/topo.h"

static const char topology[] =
    "name: t\n"
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
    "management: {subnet: 192.0.2.0/24}\n"
    "subnets: [{name: a, prefix: 10.1.0.0/24, gateway: 10.1.0.254, switch: sw1}]\n"
    "switches: [{name: sw1}]\n"
    "servers:\n"
    "  - {name: s1, address: 10.1.0.1, management: 192.0.2.1, cpu: 0.5, power: {idle: 50, "
    "max: 150}}\n"
    "  - {name: s2, address: 10.1.0.2, management: 192.0.2.2, cpu: 1%s}\n"
    "links: [[sw1, s1], [sw1, s2]]\n";

/* Rounds at 100, 102, 104, 106, 108 (and 98, before the window); s2 has no
 * sample at 104.  v1 lives from 102 to 106, migrating from 103 to 105. */
static const char history[] =
    "{\"series\": {"
    "\"server/s1/cpu_used\": [[98, 0.5], [100, 0.5], [102, 0.25], [104, 0.25], [106, 0], [108, 0]],"
    "\"server/s2/cpu_used\": [[100, 0.2], [102, 0.4], [106, 0.6], [108, 0.6]],"
    "\"server/s1/cpu_utilization\": [[101, 9]],"
    "\"vm/v1/cpu_used\": [[102, 0.2], [104, 0.4], [106, 0.4]],"
    "\"vm/v1/rss_bytes\": [[102, 1]]}}";

static const char events[] =
    "[{\"type\": \"vm.migrated\", \"time\": 105, \"seconds\": 2, \"vm\": \"v1\"},"
    " {\"type\": \"server.asleep\", \"time\": 105.5, \"server\": \"s1\"},"
    " {\"type\": \"vm.cloned\", \"time\": 103, \"vm\": \"v1\"},"
    " {\"type\": \"policy.decision\", \"time\": 101},"
    " {\"type\": \"server.awake\", \"time\": 107.5, \"server\": \"s1\"}]";

static struct topo *load(const char *s2_extra)
{
    char text[1024];
    snprintf(text, sizeof text, topology, s2_extra);
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    struct topo *t = topo_load_string("t.yaml", text, &dl);
    if (!t)
        diag_print(&dl, stderr);
    diag_list_free(&dl);
    assert_non_null(t);
    return t;
}

static void test_series(void **state)
{
    (void)state;
    struct topo *t = load("");
    json_t *h = json_loads(history, 0, NULL), *ev = json_loads(events, 0, NULL);
    struct exp_eval_input in = {t, h, ev, 100, 108};
    char *err = NULL;
    struct exp_eval *e = exp_eval_build(&in, &err);
    assert_non_null(e);
    const struct eval_run *r = exp_eval_run(e);
    assert_int_equal(r->n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_true(r->t[i] == 100 + 2 * (double)i);
    assert_int_equal(r->n_servers, 2);
    assert_string_equal(exp_eval_server(e, 0), "s1");
    /* s1: CPU used over 0.5; asleep from 105.5 to 107.5: the round at 106. */
    const double u1[] = {1, 0.5, 0.5, 0, 0};
    const bool a1[] = {false, false, false, true, false};
    for (size_t i = 0; i < 5; i++) {
        assert_true(fabs(r->servers[0].util[i] - u1[i]) < 1e-12);
        assert_int_equal(r->servers[0].asleep[i], a1[i]);
    }
    assert_true(r->servers[0].power_w[0] == 50 && r->servers[0].power_w[10] == 150);
    /* s2: 104 holds 102's value. */
    const double u2[] = {0.2, 0.4, 0.4, 0.6, 0.6};
    for (size_t i = 0; i < 5; i++)
        assert_true(fabs(r->servers[1].util[i] - u2[i]) < 1e-12);
    /* v1: rounds 102, 104, 106; migrating in [102, 104] and [104, 106]. */
    assert_int_equal(r->n_vms, 1);
    assert_string_equal(exp_eval_vm(e, 0), "v1");
    assert_int_equal(r->vms[0].first, 1);
    assert_int_equal(r->vms[0].n, 3);
    assert_true(r->vms[0].cpu_used[0] == 0.2 && r->vms[0].cpu_used[2] == 0.4);
    assert_true(r->vms[0].migrating[0] && r->vms[0].migrating[1]);
    /* The counted events: a migration, a clone, a sleep, a wake. */
    struct eval_metrics m;
    eval_metrics(r, &m);
    assert_int_equal(m.counts.migrations, 1);
    assert_int_equal(m.counts.clones, 1);
    assert_int_equal(m.counts.sleeps, 1);
    assert_int_equal(m.counts.wakes, 1);
    /* s1 at 100% in the round at 100 only: Ts 2 of Ta 6 s; s2 never. */
    assert_true(fabs(m.slatah - (2.0 / 6 + 0) / 2) < 1e-12);
    json_t *j = exp_eval_metrics_json(&m);
    assert_int_equal(json_integer_value(json_object_get(j, "migrations")), 1);
    assert_true(fabs(json_real_value(json_object_get(j, "energy_kwh")) * 3.6e6 - m.energy_j) <
                1e-6);
    json_decref(j);
    exp_eval_free(e);
    json_decref(h), json_decref(ev);
    topo_free(t);
}

static void test_refusals(void **state)
{
    (void)state;
    struct topo *t = load(""), *uncapped = NULL;
    json_t *h = json_loads(history, 0, NULL), *ev = json_loads(events, 0, NULL);
    char *err = NULL;
    struct exp_eval_input in = {t, h, ev, 200, 300};
    assert_null(exp_eval_build(&in, &err));
    assert_string_equal(err, "no round of the servers' history from 200.000 to 300.000");
    free(err), err = NULL;
    /* A server without servers[].cpu. */
    char text[1024];
    snprintf(text, sizeof text, topology, "");
    char *at = strstr(text, "cpu: 1");
    memmove(at, at + 6, strlen(at + 6) + 1); /* "..., }": s2 without cpu */
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    uncapped = topo_load_string("t.yaml", text, &dl);
    if (!uncapped)
        diag_print(&dl, stderr);
    diag_list_free(&dl);
    assert_non_null(uncapped);
    in = (struct exp_eval_input){uncapped, h, ev, 100, 108};
    assert_null(exp_eval_build(&in, &err));
    assert_string_equal(err, "server s2 has no servers[].cpu: its utilisation would mean nothing");
    free(err);
    json_decref(h), json_decref(ev);
    topo_free(t);
    topo_free(uncapped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
