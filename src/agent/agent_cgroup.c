#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "util/cgroup.h"
#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("cpu");

int agent_cgroup_init(struct agent *a, const char *path, char **err)
{
    if (!cgroup_is_cpu_group(path, &a->cgroup_v2)) {
        *err = xasprintf("--cgroup %s: not a cgroup with the cpu controller (no cpu.max or "
                         "cpu.cfs_quota_us in it)",
                         path);
        return -1;
    }
    int rc = cgroup_get_limit(path, a->cgroup_v2, &a->cpu_limit);
    if (rc < 0) {
        *err = xasprintf("--cgroup %s: cannot read its CPU limit: %s", path, strerror(-rc));
        return -1;
    }
    a->cgroup = xstrdup(path);
    if (a->cpu_limit > 0)
        LOG_INF("VMs go under cgroup %s (v%d), limited to %.3g host CPUs", path,
                a->cgroup_v2 ? 2 : 1, a->cpu_limit);
    else
        LOG_INF("VMs go under cgroup %s (v%d), no CPU limit", path, a->cgroup_v2 ? 2 : 1);
    return 0;
}

double avm_allocation(const struct avm *v)
{
    return v->cpu_share > 0 ? v->cpu_share : (double)v->cpus;
}

static void vm_group(const struct agent *a, const struct avm *v, char *buf, size_t n)
{
    snprintf(buf, n, "%s/vm-%s", a->cgroup, v->name);
}

int agent_cgroup_place(struct agent *a, const struct avm *v, char **err)
{
    if (!a->cgroup)
        return 0;
    char path[PATH_MAX], name[PATH_MAX];
    snprintf(name, sizeof name, "vm-%s", v->name);
    /* A v1 group may not be given more than its parent has. */
    double limit = v->cpu_share;
    if (limit > 0 && a->cpu_limit > 0 && limit > a->cpu_limit && !a->cgroup_v2)
        limit = a->cpu_limit;
    const char *what = "make";
    int rc = cgroup_make(a->cgroup, a->cgroup_v2, name, path, sizeof path);
    if (!rc) {
        what = "limit";
        rc = cgroup_set_limit(path, a->cgroup_v2, limit);
    }
    if (!rc) {
        what = "weight";
        rc = cgroup_set_weight(path, a->cgroup_v2, avm_allocation(v));
    }
    if (!rc) {
        what = "put QEMU in";
        rc = cgroup_add(path, v->pid);
    }
    if (rc < 0) {
        *err = xasprintf("cannot %s the CPU group %s: %s", what, path, strerror(-rc));
        return -1;
    }
    return 0;
}

void agent_cgroup_remove(const struct agent *a, const struct avm *v)
{
    if (!a->cgroup)
        return;
    char path[PATH_MAX];
    vm_group(a, v, path, sizeof path);
    int rc = cgroup_remove_wait(path, 2000);
    if (rc < 0)
        LOG_WRN("cannot remove the CPU group %s: %s", path, strerror(-rc));
}

double agent_cgroup_throttled(const struct agent *a)
{
    struct cgroup_cpu_stat st;
    if (!a->cgroup || cgroup_cpu_stat(a->cgroup, a->cgroup_v2, &st) < 0)
        return -1;
    return st.throttled_s;
}
