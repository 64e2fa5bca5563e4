/* Tests of src/util/cgroup.c: which hierarchy is used (from mount tables as
 * machines have them) and why none can be, the files' formats, and what is
 * written where (on a directory of plain files standing for a group). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cgroup.h"

static const char *controllers_none(const char *mount)
{
    (void)mount;
    return "hugetlb\n";
}

static const char *controllers_cpu(const char *mount)
{
    (void)mount;
    return "cpuset cpu io memory pids\n";
}

static const char *controllers_unreadable(const char *mount)
{
    (void)mount;
    return NULL;
}

/* This machine's kind: v1 controllers, and a v2 hierarchy without cpu. */
static const char hybrid[] = "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
                             "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
                             "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
                             "cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0\n"
                             "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";

static void test_which_hierarchy(void **state)
{
    (void)state;
    char path[256], why[512] = "";
    bool v2 = true;
    assert_int_equal(
        cgroup_cpu_root_in(hybrid, controllers_none, path, sizeof path, &v2, why, sizeof why), 0);
    assert_string_equal(path, "/sys/fs/cgroup/cpu"); /* not cpuacct, not cpuset */
    assert_false(v2);
    /* v2 with cpu is preferred to v1. */
    assert_int_equal(
        cgroup_cpu_root_in(hybrid, controllers_cpu, path, sizeof path, &v2, why, sizeof why), 0);
    assert_string_equal(path, "/sys/fs/cgroup/unified");
    assert_true(v2);
    static const char pure_v2[] = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n";
    assert_int_equal(
        cgroup_cpu_root_in(pure_v2, controllers_cpu, path, sizeof path, &v2, why, sizeof why), 0);
    assert_string_equal(path, "/sys/fs/cgroup");
    /* cpu and cpuacct mounted together. */
    static const char joint[] = "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n";
    assert_int_equal(
        cgroup_cpu_root_in(joint, controllers_none, path, sizeof path, &v2, why, sizeof why), 0);
    assert_string_equal(path, "/sys/fs/cgroup/cpu,cpuacct");
    assert_false(v2);
}

static void test_no_hierarchy(void **state)
{
    (void)state;
    char path[256], why[512];
    bool v2;
    static const char v2_only[] = "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
                                  "cgroup /sys/fs/cgroup/cpuacct cgroup rw,cpuacct 0 0\n";
    assert_int_equal(
        cgroup_cpu_root_in(v2_only, controllers_none, path, sizeof path, &v2, why, sizeof why),
        -ENOTSUP);
    assert_string_equal(why, "no cgroup hierarchy offers the cpu controller (cgroup v2 at "
                             "/sys/fs/cgroup offers hugetlb, not cpu; no cgroup v1 hierarchy is "
                             "mounted with cpu)");
    assert_int_equal(cgroup_cpu_root_in(v2_only, controllers_unreadable, path, sizeof path, &v2,
                                        why, sizeof why),
                     -ENOTSUP);
    assert_non_null(strstr(why, "cgroup v2 at /sys/fs/cgroup cannot be read"));
    assert_int_equal(
        cgroup_cpu_root_in("", controllers_none, path, sizeof path, &v2, why, sizeof why),
        -ENOTSUP);
    assert_string_equal(why, "no cgroup hierarchy offers the cpu controller (no cgroup v1 "
                             "hierarchy is mounted with cpu)");
}

static void test_formats(void **state)
{
    (void)state;
    double c = -1;
    assert_int_equal(cgroup_parse_cpu_max("max 100000\n", &c), 0);
    assert_true(c == 0);
    assert_int_equal(cgroup_parse_cpu_max("25000 100000\n", &c), 0);
    assert_true(c == 0.25);
    assert_int_equal(cgroup_parse_cpu_max("200000 100000", &c), 0);
    assert_true(c == 2);
    assert_int_equal(cgroup_parse_cpu_max("lots 100000", &c), -EINVAL);
    assert_int_equal(cgroup_parse_cpu_max("", &c), -EINVAL);
    struct cgroup_cpu_stat st;
    assert_int_equal(cgroup_parse_cpu_stat("usage_usec 500\nuser_usec 1\nnr_periods 9\n"
                                           "nr_throttled 4\nthrottled_usec 1500000\n",
                                           true, &st),
                     0);
    assert_true(st.throttled_s == 1.5);
    assert_int_equal(st.throttled_periods, 4);
    assert_int_equal(cgroup_parse_cpu_stat("nr_periods 10\nnr_throttled 3\nthrottled_time "
                                           "2500000000\nnr_bursts 0\n",
                                           false, &st),
                     0);
    assert_true(st.throttled_s == 2.5);
    assert_int_equal(st.throttled_periods, 3);
    assert_int_equal(cgroup_parse_cpu_stat("nr_periods 10\n", false, &st), -EINVAL);
}

static char dir[] = "/tmp/test_cgroup.XXXXXX";

static void put(const char *sub, const char *file, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s%s%s/%s", dir, sub ? "/" : "", sub ? sub : "", file);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *got(const char *sub, const char *file)
{
    static char b[256];
    char p[512];
    snprintf(p, sizeof p, "%s%s%s/%s", dir, sub ? "/" : "", sub ? sub : "", file);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(b, 1, sizeof b - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* What goes to which file, v1 and v2, on plain files. */
static void test_files_written(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    bool v2;
    assert_false(cgroup_is_cpu_group(dir, &v2));
    put(NULL, "cpu.max", "max 100000\n");
    put(NULL, "cgroup.subtree_control", "");
    put(NULL, "cgroup.procs", "");
    assert_true(cgroup_is_cpu_group(dir, &v2));
    assert_true(v2);
    char child[512];
    assert_int_equal(cgroup_make(dir, true, "server1", child, sizeof child), 0);
    assert_string_equal(got(NULL, "cgroup.subtree_control"), "+cpu");
    put("server1", "cpu.max", "max 100000\n");
    put("server1", "cpu.weight", "100\n");
    put("server1", "cgroup.procs", "");
    assert_int_equal(cgroup_set_limit(child, true, 0.25), 0);
    assert_string_equal(got("server1", "cpu.max"), "25000 100000");
    double c;
    assert_int_equal(cgroup_get_limit(child, true, &c), 0);
    assert_true(c == 0.25);
    assert_int_equal(cgroup_set_limit(child, true, 0), 0);
    assert_string_equal(got("server1", "cpu.max"), "max 100000");
    assert_int_equal(cgroup_set_limit(child, true, 0.001), 0);
    assert_string_equal(got("server1", "cpu.max"), "1000 100000"); /* the kernel's least */
    assert_int_equal(cgroup_set_weight(child, true, 0.15), 0);
    assert_string_equal(got("server1", "cpu.weight"), "15");
    assert_int_equal(cgroup_set_weight(child, true, 0.001), 0);
    assert_string_equal(got("server1", "cpu.weight"), "1");
    assert_false(cgroup_busy(dir));
    assert_int_equal(cgroup_add(child, 1234), 0);
    assert_string_equal(got("server1", "cgroup.procs"), "1234");
    assert_true(cgroup_busy(dir)); /* below it */
    /* v1 */
    put("server1", "cpu.cfs_quota_us", "-1\n");
    put("server1", "cpu.cfs_period_us", "100000\n");
    put("server1", "cpu.shares", "1024\n");
    assert_int_equal(cgroup_set_limit(child, false, 1.5), 0);
    assert_string_equal(got("server1", "cpu.cfs_quota_us"), "150000");
    assert_string_equal(got("server1", "cpu.cfs_period_us"), "100000");
    assert_int_equal(cgroup_get_limit(child, false, &c), 0);
    assert_true(c == 1.5);
    assert_int_equal(cgroup_set_limit(child, false, 0), 0);
    assert_string_equal(got("server1", "cpu.cfs_quota_us"), "-1");
    assert_int_equal(cgroup_set_weight(child, false, 0.5), 0);
    assert_string_equal(got("server1", "cpu.shares"), "512");
    /* Plain directories cannot be removed with files in them (cgroup
     * directories can): a child that stays does not stop the others from
     * going, and its failure is what is returned. */
    char p[600];
    snprintf(p, sizeof p, "%s/tree", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    static const char *const kids[] = {"a", "b", "c"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/tree/%s", dir, kids[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    put("tree/b", "stays", "x");
    snprintf(p, sizeof p, "%s/tree", dir);
    assert_int_equal(cgroup_remove(p), -ENOTEMPTY);
    snprintf(p, sizeof p, "%s/tree/a", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/tree/c", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/tree/b", dir);
    assert_int_equal(access(p, F_OK), 0);
    /* Not busy: no waiting, the same answer. */
    snprintf(p, sizeof p, "%s/tree", dir);
    assert_int_equal(cgroup_remove_wait(p, 1000), -ENOTEMPTY);
    assert_int_equal(cgroup_remove("/nonexistent/minidc-test"), 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_which_hierarchy),
        cmocka_unit_test(test_no_hierarchy),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_files_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
