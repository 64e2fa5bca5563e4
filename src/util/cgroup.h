/* cgroup: CPU limits for groups of processes, on cgroup v2 (cpu.max,
 * cpu.weight) or on the v1 "cpu" controller (cpu.cfs_quota_us, cpu.shares),
 * whichever this machine has.  A group is a directory; its kind is told by
 * the files in it.
 *
 * A limit is in host CPUs (0.25: a quarter of one CPU's time, 2: two CPUs'
 * worth); a weight says how groups under one parent share it when they all
 * want more than it has, in the same unit (groups of weights 0.1 and 0.2
 * get a third and two thirds).  Functions return 0 or a negative errno. */
#ifndef MINIDC_UTIL_CGROUP_H
#define MINIDC_UTIL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CGROUP_PERIOD_US 100000 /* the quota's period */

/* Where CPU-limited groups can be made on this machine: a cgroup v2
 * hierarchy whose root offers the cpu controller, else a v1 hierarchy with
 * the cpu controller.  0 with its mount point in 'path' ('n' bytes), or
 * -ENOTSUP with why in 'why' ('why_n' bytes: what each hierarchy lacks). */
int cgroup_cpu_root(char *path, size_t n, bool *v2, char *why, size_t why_n);
/* The same from the text of /proc/self/mounts ('mounts'), for tests:
 * 'v2_controllers' gives the cpu controllers' list of a v2 mount point
 * (NULL when it cannot be read). */
int cgroup_cpu_root_in(const char *mounts, const char *(*v2_controllers)(const char *mount),
                       char *path, size_t n, bool *v2, char *why, size_t why_n);

/* Binds the hierarchy mounted at 'root' to directory 'dir' too (made if
 * needed), unless something is mounted there already: processes that see
 * another /sys (those `ip netns exec` runs, which mounts a sysfs of its
 * own) reach the groups through it. */
int cgroup_mount_at(const char *dir, const char *root);
/* Unmounts it and removes 'dir'. */
int cgroup_unmount(const char *dir);

/* Whether directory 'path' is a group with a CPU controller; '*v2' its
 * kind. */
bool cgroup_is_cpu_group(const char *path, bool *v2);

/* Makes group 'name' under group 'parent' (made already, or a hierarchy's
 * mount point), giving it the cpu controller (v2: enabled in the parent's
 * subtree); the path in 'path'.  A group that exists is kept. */
int cgroup_make(const char *parent, bool v2, const char *name, char *path, size_t n);
/* 0: no limit. */
int cgroup_set_limit(const char *path, bool v2, double cpus);
/* The limit set, in host CPUs; 0 when none. */
int cgroup_get_limit(const char *path, bool v2, double *cpus);
int cgroup_set_weight(const char *path, bool v2, double weight);
/* Moves process 'pid' (all its threads) into the group. */
int cgroup_add(const char *path, pid_t pid);
/* Whether any process is in the group or below it. */
bool cgroup_busy(const char *path);
/* Removes the group and every group below it (they must hold no
 * process): all it can, then the first failure (0 when all went). */
int cgroup_remove(const char *path);
/* The same, trying again for up to 'timeout_ms' while a group is busy
 * (-EBUSY): a process just killed stays in its group until its exit is
 * done, which for a QEMU freeing its memory takes a while. */
int cgroup_remove_wait(const char *path, int timeout_ms);

/* What the group's processes were held back: seconds throttled (the time
 * they were ready to run but over the limit), and how many periods were. */
struct cgroup_cpu_stat {
    double throttled_s;
    unsigned long long throttled_periods;
};
int cgroup_cpu_stat(const char *path, bool v2, struct cgroup_cpu_stat *st);

/* Pure parts, for tests.  "max 100000" or "QUOTA PERIOD" (v2's cpu.max) to
 * host CPUs (0: no limit); -EINVAL when it is neither. */
int cgroup_parse_cpu_max(const char *text, double *cpus);
/* cpu.stat of either kind ("throttled_usec N" on v2, "throttled_time NS"
 * on v1, "nr_throttled N" on both). */
int cgroup_parse_cpu_stat(const char *text, bool v2, struct cgroup_cpu_stat *st);

#endif
