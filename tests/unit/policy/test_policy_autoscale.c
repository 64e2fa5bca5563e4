/* Tests of src/policy/autoscale: a clone over 'rps' (or the SLO) onto a
 * server of the service's subnet holding none of its VMs, no second clone
 * within 'warmup', a replica stopped only once 'cooldown' has passed and
 * never the original. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "policy/policy.h"

#define ADDR "203.0.113.10"

static struct fx f;
static void *st;
static char why[128];
static size_t svc_vms[4];

/* 'web' (200 MiB, 0.5) on s0 of n1 answers ADDR at 'rps' requests/s; s1
 * of n1 and s2 of n2 are empty. */
static void service(double rps)
{
    f = (struct fx){0};
    fx_server(&f, "s0", "n1");
    fx_server(&f, "s1", "n1");
    fx_server(&f, "s2", "n2");
    svc_vms[0] = fx_vm(&f, "web", 0, 200, 0.5);
    f.svc[0] = (struct mdc_service){.address = ADDR,
                                    .vms = svc_vms,
                                    .n_vms = 1,
                                    .requests_per_s = rps,
                                    .p95_ms = -1,
                                    .failed_per_s = -1};
    f.nsvc = 1;
}

/* Adds a replica of ADDR on server 'at'. */
static void replica(const char *name, size_t at)
{
    size_t v = fx_vm(&f, name, at, 200, 0.1);
    f.v[v].serves = ADDR;
    svc_vms[f.svc[0].n_vms++] = v;
}

static void start(const struct mdc_kv *kv, size_t n)
{
    const struct mdc_policy *p = policy_builtin("autoscale");
    struct mdc_kv *all;
    size_t n_all;
    char err[256];
    assert_int_equal(policy_params(p, kv, n, &all, &n_all, err, sizeof err), 0);
    int rc = p->init(&st, all, n_all, err, sizeof err);
    free(all);
    assert_int_equal(rc, 0);
}

/* One decide() at time 'now' with the state kept. */
static const char *at(double now)
{
    f.m.now = now;
    struct mdc_plan plan = {0};
    char err[256];
    assert_int_equal(policy_builtin("autoscale")->decide(st, fx_model(&f), &plan, err, sizeof err),
                     0);
    fx_plan(&f, &plan);
    snprintf(why, sizeof why, "%s", plan.n ? plan.actions[0].why : "");
    free(plan.actions);
    return f.line;
}

static void stop(void)
{
    policy_builtin("autoscale")->destroy(st);
    st = NULL;
}

static void test_clone_above_rps(void **state)
{
    (void)state;
    /* 120 requests/s on one VM > 50: a clone; s0 holds web, so s1 (its
     * subnet) rather than s2. */
    start(NULL, 0);
    service(120);
    assert_string_equal(at(1000), "clone web s1 balance");
    assert_string_equal(
        why,
        ADDR ": 120.0 requests/s a VM on 1 > 50: clone web to s1 behind its balancer (autoscale)");
    /* Still 120 on one VM 5 s later (the clone not up yet): within the
     * warmup of 10 s, nothing; at 11 s, another. */
    assert_string_equal(at(1005), "");
    assert_string_equal(at(1011), "clone web s1 balance");
    stop();
    /* 40: under 50, nothing.  Not known (-1): nothing. */
    start(NULL, 0);
    service(40);
    assert_string_equal(at(1000), "");
    service(-1);
    assert_string_equal(at(1000), "");
    stop();
    /* s1 full: s2, of the other subnet.  None with room: nothing. */
    start(NULL, 0);
    service(120);
    f.s[1].memory_used_mib = 900;
    assert_string_equal(at(1000), "clone web s2 balance");
    stop();
    start(NULL, 0);
    service(120);
    f.s[1].memory_used_mib = 900;
    f.s[2].asleep = true;
    assert_string_equal(at(1000), "");
    stop();
    /* max_vms 2: web and a replica on s1 are 2 VMs at 70 a VM: no more. */
    const struct mdc_kv max2[] = {{"max_vms", "2"}};
    start(max2, 1);
    service(140);
    replica("web-2", 1);
    assert_string_equal(at(1000), "");
    stop();
    /* Without the limit: onto s2 (s0 and s1 hold VMs of the service). */
    start(NULL, 0);
    service(140);
    replica("web-2", 1);
    assert_string_equal(at(1000), "clone web s2 balance");
    stop();
}

static void test_slo(void **state)
{
    (void)state;
    /* 10 requests/s but a p95 of 150 ms over an SLO of 100 ms: a clone;
     * without the SLO, nothing. */
    const struct mdc_kv slo[] = {{"slo_ms", "100"}};
    start(slo, 1);
    service(10);
    f.svc[0].p95_ms = 150;
    assert_string_equal(at(1000), "clone web s1 balance");
    assert_string_equal(why, ADDR
                        ": p95 150 ms > 100 ms: clone web to s1 behind its balancer (autoscale)");
    stop();
    start(NULL, 0);
    service(10);
    f.svc[0].p95_ms = 150;
    assert_string_equal(at(1000), "");
    stop();
}

static void test_replica_stopped_after_cooldown(void **state)
{
    (void)state;
    /* web and web-2: 20 requests/s would be 20 a VM on one, under 0.5 x
     * 50 = 25: web-2 goes, once 60 s have passed since the service was
     * first seen (at 1000). */
    start(NULL, 0);
    service(20);
    replica("web-2", 1);
    assert_string_equal(at(1000), "");
    assert_string_equal(at(1059), "");
    assert_string_equal(at(1061), "stop web-2");
    assert_string_equal(why, ADDR
                        ": 20.0 requests/s a VM on 1 < 0.5 x 50: stop replica web-2 (autoscale)");
    stop();
    /* 30 would be 30 a VM on one, not under 25: it stays. */
    start(NULL, 0);
    service(30);
    replica("web-2", 1);
    assert_string_equal(at(1000), "");
    assert_string_equal(at(2000), "");
    stop();
    /* A clone at 1000, then quiet: nothing until 60 s after the clone. */
    start(NULL, 0);
    service(120);
    assert_string_equal(at(1000), "clone web s1 balance");
    replica("web-2", 1);
    f.svc[0].requests_per_s = 10;
    assert_string_equal(at(1030), "");
    assert_string_equal(at(1060), "stop web-2");
    stop();
    /* Two replicas: the one on the least used server goes (s2 at 0.1
     * against s1 at 0.1 + 0.4 of another VM). */
    start(NULL, 0);
    service(10);
    replica("web-2", 1);
    replica("web-3", 2);
    fx_vm(&f, "other", 1, 100, 0.4);
    assert_string_equal(at(1000), "");
    assert_string_equal(at(1100), "stop web-3");
    stop();
}

static void test_never_the_original(void **state)
{
    (void)state;
    /* Two VMs answering ADDR, neither a replica (serves NULL): nothing is
     * stopped however quiet. */
    start(NULL, 0);
    service(1);
    size_t v = fx_vm(&f, "web-b", 1, 200, 0.1);
    svc_vms[f.svc[0].n_vms++] = v;
    assert_string_equal(at(1000), "");
    assert_string_equal(at(5000), "");
    /* A replica not movable (migrating): nothing either. */
    replica("web-2", 2);
    f.v[2].movable = false;
    assert_string_equal(at(9000), "");
    f.v[2].movable = true;
    assert_string_equal(at(9001), "stop web-2");
    stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clone_above_rps),
        cmocka_unit_test(test_slo),
        cmocka_unit_test(test_replica_stopped_after_cooldown),
        cmocka_unit_test(test_never_the_original),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
