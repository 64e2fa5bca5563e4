/* Tests of src/policy/registry and the parameters: every listed name
 * resolves (and nothing else does), unknown and repeated keys are refused
 * with the valid ones named, defaults filled in, bad values refused by
 * init() with the key, the value and what was expected, and every policy
 * starts with its defaults and decides on a small data center. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "policy/policy.h"

static void test_names(void **state)
{
    (void)state;
    size_t n = policy_builtin_list(NULL, 0);
    /* none, consolidate, autoscale, and 5 detectors x 4 selectors x 2
     * placements. */
    assert_int_equal(n, 3 + 5 * 4 * 2);
    const struct mdc_policy *all[64];
    assert_int_equal(policy_builtin_list(all, 64), n);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(policy_builtin(all[i]->name), all[i]);
        assert_int_equal(all[i]->api_version, MDC_POLICY_API_VERSION);
        assert_non_null(all[i]->decide);
        assert_non_null(all[i]->summary);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(all[i]->name, all[j]->name);
    }
    assert_string_equal(policy_builtin("lrr-mc-subnet")->name, "lrr-mc-subnet");
    assert_ptr_equal(policy_builtin("thr-mmt-pabfd"), policy_builtin("thr-mmt"));
    const char *bad[] = {"",        "thr",       "thr-",      "thr-xyz",          "foo-mmt",
                         "mmt-thr", "thr-mmt-x", "thr--mmt",  "thr-mmt-subnet-x", "THR-MMT",
                         "nonex",   "thr-mmt-",  "autoscale2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_null(policy_builtin(bad[i]));
    assert_null(policy_builtin(NULL));
    /* A partial list: the first 2, and the count of all. */
    assert_int_equal(policy_builtin_list(all, 2), n);
    assert_string_equal(all[0]->name, "none");
}

static void test_params(void **state)
{
    (void)state;
    const struct mdc_policy *p = policy_builtin("thr-mmt");
    char err[256];
    struct mdc_kv *out;
    size_t n;
    const struct mdc_kv typo[] = {{"treshold", "0.7"}};
    assert_int_equal(policy_params(p, typo, 1, &out, &n, err, sizeof err), -1);
    assert_string_equal(
        err,
        "policy thr-mmt has no parameter 'treshold' (it has: threshold, placement, consolidate)");
    const struct mdc_kv seed[] = {{"seed", "1"}};
    assert_int_equal(policy_params(p, seed, 1, &out, &n, err, sizeof err), -1);
    assert_int_equal(policy_params(policy_builtin("thr-rs"), seed, 1, &out, &n, err, sizeof err),
                     0);
    free(out);
    const struct mdc_kv twice[] = {{"threshold", "0.7"}, {"threshold", "0.6"}};
    assert_int_equal(policy_params(p, twice, 2, &out, &n, err, sizeof err), -1);
    assert_string_equal(err, "parameter 'threshold' given twice");
    assert_int_equal(policy_params(policy_builtin("none"), seed, 1, &out, &n, err, sizeof err), -1);
    assert_string_equal(err, "policy none takes no parameters ('seed' given)");
    /* Defaults filled in, in the policy's order. */
    const struct mdc_kv one[] = {{"consolidate", "0"}};
    assert_int_equal(
        policy_params(policy_builtin("iqr-mc-subnet"), one, 1, &out, &n, err, sizeof err), 0);
    assert_int_equal(n, 4);
    const char *want[][2] = {
        {"safety", "1.5"}, {"threshold", "0.8"}, {"placement", "subnet"}, {"consolidate", "0"}};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(out[i].key, want[i][0]);
        assert_string_equal(out[i].value, want[i][1]);
    }
    free(out);
    assert_int_equal(policy_params(policy_builtin("none"), NULL, 0, &out, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    free(out);
}

/* init() of 'policy' with 'key' = 'value' (the rest defaults): its error,
 * or "" when it took it. */
static const char *init_error(const char *policy, const char *key, const char *value)
{
    static char err[256];
    const struct mdc_policy *p = policy_builtin(policy);
    const struct mdc_kv kv[] = {{key, value}};
    struct mdc_kv *all;
    size_t n;
    assert_int_equal(policy_params(p, kv, 1, &all, &n, err, sizeof err), 0);
    void *st = NULL;
    err[0] = '\0';
    if (!p->init(&st, all, n, err, sizeof err))
        p->destroy(st);
    free(all);
    return err;
}

static void test_bad_values(void **state)
{
    (void)state;
    assert_string_equal(init_error("thr-mmt", "threshold", "abc"),
                        "threshold 'abc': expected a number from 0 to 1");
    assert_string_equal(init_error("thr-mmt", "threshold", "1.5"),
                        "threshold '1.5': expected a number from 0 to 1");
    assert_string_equal(init_error("thr-mmt", "threshold", ""),
                        "threshold '': expected a number from 0 to 1");
    assert_string_equal(init_error("thr-mmt", "threshold", "0.7x"),
                        "threshold '0.7x': expected a number from 0 to 1");
    assert_string_equal(init_error("thr-mmt", "threshold", "nan"),
                        "threshold 'nan': expected a number from 0 to 1");
    assert_string_equal(init_error("thr-mmt", "threshold", "0.7"), "");
    assert_string_equal(init_error("mad-mu", "safety", "-1"),
                        "safety '-1': expected a number from 0 to 10");
    assert_string_equal(init_error("lr-mmt", "placement", "best"),
                        "placement 'best': expected pabfd or subnet");
    assert_string_equal(init_error("lr-mmt", "placement", "subnet"), "");
    assert_string_equal(init_error("thr-mmt", "consolidate", "yes"),
                        "consolidate 'yes': expected 0 or 1");
    assert_string_equal(init_error("iqr-rs", "seed", "-3"),
                        "seed '-3': expected a whole number from 0 to 18446744073709551615");
    assert_string_equal(init_error("iqr-rs", "seed", "18446744073709551615"), "");
    assert_string_equal(init_error("autoscale", "rps", "-5"),
                        "rps '-5': expected a number from 0 up");
    assert_string_equal(init_error("autoscale", "max_vms", "0"),
                        "max_vms '0': expected a whole number from 1 to 100000");
    assert_string_equal(init_error("consolidate", "max_servers", "1.5"),
                        "max_servers '1.5': expected a whole number from 0 to 100000");
    assert_string_equal(init_error("consolidate", "underload", "0.3"), "");
}

static void test_every_policy_decides(void **state)
{
    (void)state;
    /* s0 overloaded (0.95) with three VMs of histories long enough for
     * every detector and MC; s1 lightly used; s2 asleep, s3 empty; a busy
     * service. */
    static struct fx f;
    static double hs[20], hv[3][20];
    for (int i = 0; i < 20; i++) {
        hs[i] = 0.8 + 0.01 * (i % 7);
        for (int k = 0; k < 3; k++)
            hv[k][i] = 0.1 + 0.05 * k + 0.01 * ((i * (k + 2)) % 5);
    }
    const struct mdc_policy *all[64];
    size_t n = policy_builtin_list(all, 64);
    for (size_t i = 0; i < n; i++) {
        f = (struct fx){0};
        fx_server(&f, "s0", "n1");
        fx_server(&f, "s1", "n1");
        fx_server(&f, "s2", "n2");
        fx_server(&f, "s3", "n2");
        f.s[2].asleep = true;
        for (int k = 0; k < 3; k++) {
            size_t v = fx_vm(&f, (const char *[]){"a", "b", "c"}[k], 0, 100 + 50 * k, 0.3);
            f.v[v].cpu_used_history = (struct mdc_history){hv[k], 20};
        }
        fx_vm(&f, "d", 1, 100, 0.1);
        f.s[0].cpu_used = 0.95;
        f.s[0].cpu_utilization = (struct mdc_history){hs, 20};
        static size_t svc[] = {0};
        f.svc[0] = (struct mdc_service){"198.51.100.1", svc, 1, 200, -1, -1};
        f.nsvc = 1;
        struct mdc_kv *kv;
        size_t nkv;
        char err[256];
        assert_int_equal(policy_params(all[i], NULL, 0, &kv, &nkv, err, sizeof err), 0);
        const char *line = fx_run(&f, all[i], kv, nkv, NULL, 0);
        free(kv);
        assert_null(strstr(line, "init:"));
        assert_null(strstr(line, "decide:"));
        /* Every policy but none acts here. */
        if (!strcmp(all[i]->name, "none"))
            assert_string_equal(line, "");
        else if (!line[0])
            fail_msg("%s: no action", all[i]->name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_every_policy_decides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
