/* Tests of src/ctl/policies.c: loading shared objects of policies (the
 * example drain.so, and those that are not policies), starting one (an
 * unknown name, a wrong parameter, a figure it needs that is missing, one
 * already running), deciding at its interval (a dry run: the decision is an
 * event, no plan), stopping it, and running it again after a restart from
 * what the state file kept.  vmctl has no agents here: none is asked. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl/agent_client.h"
#include "ctl/model.h"
#include "ctl/plans.h"
#include "ctl/policies.h"
#include "ctl/vmctl_priv.h"
#include "hist/hist.h"
#include "topo/topo.h"
#include "topo/topo_graph.h"

static const char capped[] =
    "name: t\n"
    "controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}\n"
    "management: {subnet: 192.0.2.0/24}\n"
    "subnets: [{name: a, prefix: 10.1.0.0/24, gateway: 10.1.0.254, switch: sw1}]\n"
    "switches: [{name: sw1}]\n"
    "servers:\n"
    "  - {name: s1, address: 10.1.0.1, management: 192.0.2.1, memory: 512, cpu: 1}\n"
    "  - {name: s2, address: 10.1.0.2, management: 192.0.2.2, memory: 512%s}\n"
    "links: [[sw1, s1], [sw1, s2]]\n";

struct fixture {
    struct topo *t;
    struct topo_graph *g;
    struct vmctl *v;
    struct plans *plans;
    struct policies *p;
    struct hist *h;
    char dir[64], state[96];
    char types[64][32];
    json_t *events[64];
    size_t n_events;
};

static void publish(void *ctx, const char *type, json_t *data)
{
    struct fixture *x = ctx;
    if (x->n_events < 64) {
        snprintf(x->types[x->n_events], sizeof x->types[0], "%s", type);
        x->events[x->n_events++] = data;
    } else {
        json_decref(data);
    }
}

/* The model: s1 full (vm1 uses 0.5 of its 1 CPU, vm2 0.45), s2 idle. */
static struct model *model(void *ctx)
{
    struct fixture *x = ctx;
    json_t *vms = json_loads("[{\"name\": \"vm1\", \"server\": \"s1\", \"current_address\": "
                             "\"10.1.0.3/24\", \"home_address\": \"10.1.0.3\", \"state\": "
                             "\"running\", \"memory_mib\": 128, \"cpus\": 1, \"cpu_share\": 1}, "
                             "{\"name\": \"vm2\", \"server\": \"s1\", \"current_address\": "
                             "\"10.1.0.4/24\", \"home_address\": \"10.1.0.4\", \"state\": "
                             "\"running\", \"memory_mib\": 64, \"cpus\": 1, \"cpu_share\": 1}]",
                             0, NULL);
    json_t *servers =
        json_loads("{\"s1\": {\"reachable\": true}, \"s2\": {\"reachable\": true}}", 0, NULL);
    json_t *metrics = json_loads(
        "[{\"server\": {\"name\": \"s1\", \"cpu_used\": 0.95}, \"vms\": [{\"name\": \"vm1\", "
        "\"cpu_used\": 0.5}, {\"name\": \"vm2\", \"cpu_used\": 0.45}]}, {\"server\": {\"name\": "
        "\"s2\", \"cpu_used\": 0}, \"vms\": []}]",
        0, NULL);
    struct model_inputs in = {x->t, x->g, vms, servers, metrics, NULL, NULL, x->h, 100, 2};
    struct model *m = model_build(&in);
    json_decref(vms), json_decref(servers), json_decref(metrics);
    return m;
}

static int fail_call(void *ctx, const char *server, int timeout_ms, json_t **out, char **err)
{
    *err = strdup("no agents in this test");
    return -1;
}

static void start(struct fixture *x)
{
    static const struct agent_client none = {
        .info = fail_call, .list = fail_call, .metrics = fail_call};
    struct vmctl_hooks vh = {.ctx = x, .publish = publish};
    x->v = vmctl_create_with(x->t, &none, x->state, &vh, false);
    x->plans = plans_create(x->v, publish, x);
    struct policies_hooks ph = {.ctx = x, .model = model, .publish = publish};
    x->p = policies_create(x->t, x->v, x->plans, &ph);
    vmctl_poll_once(x->v); /* the agents asked once: policies may decide */
}

static void stop(struct fixture *x)
{
    policies_destroy(x->p);
    plans_destroy(x->plans);
    vmctl_destroy(x->v);
    for (size_t i = 0; i < x->n_events; i++)
        json_decref(x->events[i]);
    x->n_events = 0;
}

static struct fixture *make(const char *s2_cpu)
{
    struct fixture *x = calloc(1, sizeof *x);
    char text[1024];
    snprintf(text, sizeof text, capped, s2_cpu);
    struct diag_list dl;
    diag_list_init(&dl, "t.yaml");
    x->t = topo_load_string("t.yaml", text, &dl);
    if (!x->t)
        diag_print(&dl, stderr);
    diag_list_free(&dl);
    assert_non_null(x->t);
    x->g = topo_graph_create(x->t);
    snprintf(x->dir, sizeof x->dir, "/tmp/test_policies.XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->state, sizeof x->state, "%s/state.json", x->dir);
    x->h = hist_create(8);
    for (int r = 0; r < 3; r++) {
        hist_begin(x->h, 94 + 2 * r);
        hist_set(x->h, "server/s1/cpu_used", 0.95);
        hist_set(x->h, "server/s2/cpu_used", 0);
        hist_set(x->h, "vm/vm1/cpu_used", 0.5);
        hist_set(x->h, "vm/vm2/cpu_used", 0.45);
    }
    start(x);
    return x;
}

static int setup(void **state)
{
    *state = make(", cpu: 1");
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    stop(x);
    hist_destroy(x->h);
    topo_graph_destroy(x->g);
    topo_free(x->t);
    unlink(x->state);
    rmdir(x->dir);
    free(x);
    return 0;
}

static const char *error_of(json_t *out)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(out, "error")) ?: "");
    json_decref(out);
    return buf;
}

static int run(struct fixture *x, const char *name, const char *params, bool dry, json_t **out)
{
    struct api_policy_run r = {.name = (char *)name,
                               .params = json_loads(params ? params : "{}", 0, NULL),
                               .interval_s = 5,
                               .dry_run = dry};
    int st = policies_run(x->p, &r, 1000, out);
    json_decref(r.params);
    return st;
}

static void test_load(void **state)
{
    struct fixture *x = *state;
    char *err = NULL;
    assert_int_equal(policies_load(x->p, "/nonexistent/p.so", &err), -1);
    assert_non_null(strstr(err, "/nonexistent/p.so"));
    free(err), err = NULL;
    assert_int_equal(policies_load(x->p, "libm.so.6", &err), -1);
    assert_string_equal(err, "libm.so.6: exports no mdc_policies (a NULL-ended array of const "
                             "struct mdc_policy *: see include/minidc/policy.h)");
    free(err), err = NULL;
    const char *drain = getenv("MINIDC_DRAIN_SO");
    assert_non_null(drain);
    assert_int_equal(policies_load(x->p, drain, &err), 0);
    assert_int_equal(policies_load(x->p, drain, &err), -1);
    assert_non_null(strstr(err, "a policy named drain is already known"));
    free(err);
    json_t *list = policies_list_json(x->p);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "drain");
    assert_string_equal(json_string_value(json_object_get(first, "from")), drain);
    assert_true(json_array_size(list) > 40);
    json_decref(list);
    json_t *out;
    assert_int_equal(run(x, "drain", NULL, false, &out), 400);
    assert_string_equal(error_of(out),
                        "policy drain: server: expected the name of the server to drain");
    assert_int_equal(run(x, "drain", "{\"server\": \"s1\"}", false, &out), 201);
    json_decref(out);
}

static void test_refusals(void **state)
{
    struct fixture *x = *state;
    json_t *out;
    assert_int_equal(run(x, "thr-nope", NULL, false, &out), 400);
    assert_string_equal(error_of(out), "no policy named 'thr-nope' (GET /api/v1/policies, or "
                                       "minidc policy list, lists them)");
    assert_int_equal(run(x, "thr-mmt", "{\"treshold\": \"0.7\"}", false, &out), 400);
    assert_non_null(strstr(error_of(out), "has no parameter 'treshold' (it has: threshold"));
    assert_int_equal(run(x, "autoscale", NULL, false, &out), 400);
    assert_non_null(strstr(error_of(out), "needs the requests per second of a service"));
    assert_int_equal(run(x, "none", NULL, false, &out), 201);
    json_decref(out);
    assert_int_equal(run(x, "thr-mmt", NULL, false, &out), 409);
    assert_string_equal(error_of(out), "policy none runs: stop it first (DELETE /api/v1/policy, "
                                       "or minidc policy stop)");
    assert_int_equal(policies_stop(x->p, &out), 200);
    json_decref(out);
    assert_int_equal(policies_stop(x->p, &out), 404);
    json_decref(out);
}

/* A topology without servers[].cpu: utilisation would mean nothing. */
static void test_needs_capacity(void **state)
{
    struct fixture *x = make("");
    json_t *out;
    assert_int_equal(run(x, "thr-mmt", NULL, false, &out), 400);
    assert_string_equal(error_of(out),
                        "policy thr-mmt needs every server's CPU capacity, and the topology "
                        "gives 1 server none (s2): give each servers[].cpu (host CPUs its VMs "
                        "may use; docs/topology.md)");
    assert_int_equal(run(x, "none", NULL, false, &out), 201);
    json_decref(out);
    *state = x;
}

static void test_decides_and_restarts(void **state)
{
    struct fixture *x = *state;
    json_t *out;
    assert_int_equal(run(x, "thr-mmt", "{\"threshold\": \"0.7\"}", true, &out), 201);
    assert_true(json_is_true(json_object_get(out, "dry_run")));
    json_decref(out);
    policies_tick(x->p, 1000); /* the first decision, at once */
    policies_tick(x->p, 1002); /* within the interval: nothing */
    policies_tick(x->p, 1005);
    size_t decisions = 0;
    for (size_t i = 0; i < x->n_events; i++) {
        if (strcmp(x->types[i], "policy.decision"))
            continue;
        decisions++;
        json_t *a = json_array_get(json_object_get(x->events[i], "actions"), 0);
        assert_string_equal(json_string_value(json_object_get(a, "action")), "migrate");
        assert_string_equal(json_string_value(json_object_get(a, "vm")), "vm2");
        assert_string_equal(json_string_value(json_object_get(a, "to")), "s2");
        assert_null(json_object_get(x->events[i], "plan")); /* a dry run */
    }
    assert_int_equal(decisions, 2);
    assert_false(plans_busy(x->plans));
    json_t *st = policies_status_json(x->p, 1006);
    assert_int_equal(json_integer_value(json_object_get(st, "decisions")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "params"), "threshold")), "0.7");
    json_decref(st);

    /* minidcd restarts: the policy runs again, as it was. */
    stop(x);
    start(x);
    policies_restore(x->p, 2000);
    st = policies_status_json(x->p, 2000);
    assert_true(json_is_true(json_object_get(st, "running")));
    assert_string_equal(json_string_value(json_object_get(st, "name")), "thr-mmt");
    assert_true(json_is_true(json_object_get(st, "dry_run")));
    assert_true(json_number_value(json_object_get(st, "interval_s")) == 5);
    json_decref(st);
    assert_int_equal(policies_stop(x->p, &out), 200);
    json_decref(out);
    /* Stopped: a restart runs nothing. */
    stop(x);
    start(x);
    policies_restore(x->p, 3000);
    st = policies_status_json(x->p, 3000);
    assert_false(json_is_true(json_object_get(st, "running")));
    json_decref(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_teardown(test_needs_capacity, teardown),
        cmocka_unit_test_setup_teardown(test_decides_and_restarts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
