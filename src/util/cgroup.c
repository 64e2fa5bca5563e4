#include "util/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"

/* Writes 'text' to 'dir'/'file' (one write, as cgroup files want). */
static int write_file(const char *dir, const char *file, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    int e = errno;
    close(fd);
    return w == (ssize_t)n ? 0 : w < 0 ? -e : -EIO;
}

/* Reads 'dir'/'file' (NULL: 'dir' is the file) into 'buf' ('n' bytes,
 * NUL-terminated). */
static int read_file(const char *dir, const char *file, char *buf, size_t n)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s%s", dir, file ? "/" : "", file ? file : "");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t got = 0;
    ssize_t r;
    while (got + 1 < n && (r = read(fd, buf + got, n - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    return 0;
}

static bool has_file(const char *dir, const char *file)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    return access(p, F_OK) == 0;
}

/* Whether the space- or comma-separated 'list' holds 'word'. */
static bool has_word(const char *list, const char *word, const char *seps)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, seps);
        if (l == wl && !strncmp(p, word, wl))
            return true;
        p += l;
        p += strspn(p, seps);
    }
    return false;
}

int cgroup_cpu_root_in(const char *mounts, const char *(*v2_controllers)(const char *mount),
                       char *path, size_t n, bool *v2, char *why, size_t why_n)
{
    char v1_path[PATH_MAX] = "";
    struct strbuf said;
    strbuf_init(&said);
    for (const char *line = mounts; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char dev[64], mnt[PATH_MAX], type[32], opts[512];
        char l[PATH_MAX + 640];
        snprintf(l, sizeof l, "%.*s", (int)len, line);
        line = end ? end + 1 : NULL;
        if (sscanf(l, "%63s %4095s %31s %511s", dev, mnt, type, opts) != 4)
            continue;
        if (!strcmp(type, "cgroup2")) {
            const char *ctl = v2_controllers(mnt);
            if (ctl && has_word(ctl, "cpu", " \n")) {
                snprintf(path, n, "%s", mnt);
                *v2 = true;
                strbuf_free(&said);
                return 0;
            }
            char c[256] = "";
            if (ctl)
                snprintf(c, sizeof c, "%.*s", (int)strcspn(ctl, "\n"), ctl);
            strbuf_printf(&said, "%scgroup v2 at %s %s%s%s", said.len ? "; " : "", mnt,
                          !ctl   ? "cannot be read"
                          : c[0] ? "offers "
                                 : "offers no controller",
                          c, ctl && c[0] ? ", not cpu" : "");
        } else if (!strcmp(type, "cgroup") && has_word(opts, "cpu", ",") && !v1_path[0]) {
            snprintf(v1_path, sizeof v1_path, "%s", mnt);
        }
    }
    if (v1_path[0]) {
        snprintf(path, n, "%s", v1_path);
        *v2 = false;
        strbuf_free(&said);
        return 0;
    }
    snprintf(why, why_n,
             "no cgroup hierarchy offers the cpu controller (%s%sno cgroup v1 "
             "hierarchy is mounted with cpu)",
             said.len ? said.s : "", said.len ? "; " : "");
    strbuf_free(&said);
    return -ENOTSUP;
}

static const char *read_controllers(const char *mount)
{
    static _Thread_local char buf[512];
    return read_file(mount, "cgroup.controllers", buf, sizeof buf) == 0 ? buf : NULL;
}

int cgroup_cpu_root(char *path, size_t n, bool *v2, char *why, size_t why_n)
{
    char *text = NULL;
    size_t cap = 0;
    FILE *f = fopen("/proc/self/mounts", "re");
    if (!f) {
        snprintf(why, why_n, "cannot read /proc/self/mounts: %s", strerror(errno));
        return -ENOTSUP;
    }
    struct strbuf all;
    strbuf_init(&all);
    ssize_t len;
    while ((len = getline(&text, &cap, f)) > 0)
        strbuf_add(&all, text, (size_t)len);
    free(text);
    fclose(f);
    int rc = cgroup_cpu_root_in(all.s, read_controllers, path, n, v2, why, why_n);
    strbuf_free(&all);
    return rc;
}

/* Whether something is mounted at 'dir', by /proc/self/mounts. */
static bool mounted_at(const char *dir)
{
    FILE *f = fopen("/proc/self/mounts", "re");
    char line[PATH_MAX + 256];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        char dev[64], mnt[PATH_MAX];
        found = sscanf(line, "%63s %4095s", dev, mnt) == 2 && !strcmp(mnt, dir);
    }
    if (f)
        fclose(f);
    return found;
}

int cgroup_mount_at(const char *dir, const char *root)
{
    if (mounted_at(dir))
        return 0;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
            *s = '/';
        }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (mount(root, dir, NULL, MS_BIND, NULL) < 0)
        return -errno;
    return 0;
}

int cgroup_unmount(const char *dir)
{
    if (mounted_at(dir) && umount2(dir, 0) < 0)
        return -errno;
    if (rmdir(dir) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

bool cgroup_is_cpu_group(const char *path, bool *v2)
{
    if (has_file(path, "cpu.max")) {
        *v2 = true;
        return true;
    }
    if (has_file(path, "cpu.cfs_quota_us")) {
        *v2 = false;
        return true;
    }
    return false;
}

int cgroup_make(const char *parent, bool v2, const char *name, char *path, size_t n)
{
    if (v2) {
        char ctl[512];
        int rc = read_file(parent, "cgroup.subtree_control", ctl, sizeof ctl);
        if (rc == 0 && !has_word(ctl, "cpu", " \n") &&
            (rc = write_file(parent, "cgroup.subtree_control", "+cpu")) < 0)
            return rc;
        if (rc < 0)
            return rc;
    }
    if ((size_t)snprintf(path, n, "%s/%s", parent, name) >= n)
        return -ENAMETOOLONG;
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int cgroup_set_limit(const char *path, bool v2, double cpus)
{
    char b[64];
    long long quota = cpus > 0 ? llround(cpus * CGROUP_PERIOD_US) : -1;
    if (cpus > 0 && quota < 1000)
        quota = 1000; /* the kernel's smallest */
    if (v2) {
        if (quota < 0)
            snprintf(b, sizeof b, "max %d", CGROUP_PERIOD_US);
        else
            snprintf(b, sizeof b, "%lld %d", quota, CGROUP_PERIOD_US);
        return write_file(path, "cpu.max", b);
    }
    snprintf(b, sizeof b, "%d", CGROUP_PERIOD_US);
    int rc = write_file(path, "cpu.cfs_period_us", b);
    if (rc < 0)
        return rc;
    snprintf(b, sizeof b, "%lld", quota);
    return write_file(path, "cpu.cfs_quota_us", b);
}

int cgroup_parse_cpu_max(const char *text, double *cpus)
{
    char q[32];
    long long period;
    if (sscanf(text, "%31s %lld", q, &period) != 2 || period <= 0)
        return -EINVAL;
    if (!strcmp(q, "max")) {
        *cpus = 0;
        return 0;
    }
    char *end;
    long long quota = strtoll(q, &end, 10);
    if (*end || quota <= 0)
        return -EINVAL;
    *cpus = (double)quota / (double)period;
    return 0;
}

int cgroup_get_limit(const char *path, bool v2, double *cpus)
{
    char b[64], p[64];
    int rc;
    if (v2) {
        if ((rc = read_file(path, "cpu.max", b, sizeof b)) < 0)
            return rc;
        return cgroup_parse_cpu_max(b, cpus);
    }
    if ((rc = read_file(path, "cpu.cfs_quota_us", b, sizeof b)) < 0 ||
        (rc = read_file(path, "cpu.cfs_period_us", p, sizeof p)) < 0)
        return rc;
    long long quota = strtoll(b, NULL, 10), period = strtoll(p, NULL, 10);
    *cpus = quota > 0 && period > 0 ? (double)quota / (double)period : 0;
    return 0;
}

int cgroup_set_weight(const char *path, bool v2, double weight)
{
    char b[32];
    if (v2) {
        long long w = llround(weight * 100);
        snprintf(b, sizeof b, "%lld", w < 1 ? 1 : w > 10000 ? 10000 : w);
        return write_file(path, "cpu.weight", b);
    }
    long long s = llround(weight * 1024);
    snprintf(b, sizeof b, "%lld", s < 2 ? 2 : s > 262144 ? 262144 : s);
    return write_file(path, "cpu.shares", b);
}

int cgroup_add(const char *path, pid_t pid)
{
    char b[32];
    snprintf(b, sizeof b, "%d", (int)pid);
    return write_file(path, "cgroup.procs", b);
}

/* Calls 'fn' on every group directly below 'path'; stops at its first
 * non-zero return. */
static int each_child(const char *path, int (*fn)(const char *child, void *ctx), void *ctx)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char c[PATH_MAX];
        struct stat st;
        snprintf(c, sizeof c, "%s/%s", path, e->d_name);
        if (stat(c, &st) == 0 && S_ISDIR(st.st_mode))
            rc = fn(c, ctx);
    }
    closedir(d);
    return rc;
}

static int busy_child(const char *child, void *ctx)
{
    (void)ctx;
    return cgroup_busy(child) ? 1 : 0;
}

bool cgroup_busy(const char *path)
{
    char b[64];
    if (read_file(path, "cgroup.procs", b, sizeof b) == 0 && strspn(b, " \n") < strlen(b))
        return true;
    return each_child(path, busy_child, NULL) == 1;
}

/* Removes one child; the first failure is kept in 'ctx' and the others
 * are still tried. */
static int remove_child(const char *child, void *ctx)
{
    int *first = ctx, rc = cgroup_remove(child);
    if (rc < 0 && !*first)
        *first = rc;
    return 0;
}

int cgroup_remove(const char *path)
{
    int first = 0;
    int rc = each_child(path, remove_child, &first);
    if (rc < 0)
        return rc;
    if (rmdir(path) < 0 && errno != ENOENT)
        return first ? first : -errno;
    return first;
}

int cgroup_remove_wait(const char *path, int timeout_ms)
{
    int rc;
    for (int waited = 0; (rc = cgroup_remove(path)) == -EBUSY && waited < timeout_ms; waited += 20)
        usleep(20000);
    return rc;
}

int cgroup_parse_cpu_stat(const char *text, bool v2, struct cgroup_cpu_stat *st)
{
    memset(st, 0, sizeof *st);
    bool seen = false;
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        char key[64];
        unsigned long long v;
        if (sscanf(l, "%63s %llu", key, &v) != 2)
            continue;
        if (!strcmp(key, "nr_throttled"))
            st->throttled_periods = v;
        else if (v2 && !strcmp(key, "throttled_usec"))
            st->throttled_s = (double)v / 1e6, seen = true;
        else if (!v2 && !strcmp(key, "throttled_time"))
            st->throttled_s = (double)v / 1e9, seen = true;
    }
    return seen ? 0 : -EINVAL;
}

int cgroup_cpu_stat(const char *path, bool v2, struct cgroup_cpu_stat *st)
{
    char b[1024];
    int rc = read_file(path, "cpu.stat", b, sizeof b);
    return rc < 0 ? rc : cgroup_parse_cpu_stat(b, v2, st);
}
