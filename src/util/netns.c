#include "util/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <stdlib.h>

#include "util/xalloc.h"

bool netns_exists(const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "/run/netns/%s", name);
    return stat(path, &st) == 0;
}

int netns_enter(const char *ns, int *saved)
{
    char path[512];
    snprintf(path, sizeof path, "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    *saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (*saved < 0 || setns(fd, CLONE_NEWNET) < 0) {
        rc = -errno;
        if (*saved >= 0)
            close(*saved);
    }
    close(fd);
    return rc;
}

int netns_enter_private(int *saved)
{
    *saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*saved < 0)
        return -errno;
    if (unshare(CLONE_NEWNET) < 0) {
        int rc = -errno;
        close(*saved);
        return rc;
    }
    /* Loopback starts down in a new namespace. */
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int rc = sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0 ? -errno : 0;
    ifr.ifr_flags |= IFF_UP;
    if (!rc && ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
        rc = -errno;
    if (sock >= 0)
        close(sock);
    if (rc < 0)
        netns_leave(*saved);
    return rc;
}

void netns_leave(int saved)
{
    if (setns(saved, CLONE_NEWNET) < 0)
        abort();
    close(saved);
}

static int set_tx_csum(int sock, const char *ifname)
{
    struct ethtool_value ev = {.cmd = ETHTOOL_STXCSUM, .data = 0};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (strlen(ifname) >= sizeof ifr.ifr_name)
        return -ENAMETOOLONG;
    strcpy(ifr.ifr_name, ifname);
    ifr.ifr_data = (void *)&ev;
    return ioctl(sock, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int netns_tx_checksum_off(const char *ns, const char *const *ifnames, size_t n)
{
    int saved = -1, rc = 0;
    if (ns && (rc = netns_enter(ns, &saved)) < 0)
        return rc;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        rc = -errno;
    for (size_t i = 0; sock >= 0 && i < n && rc == 0; i++)
        rc = set_tx_csum(sock, ifnames[i]);
    if (sock >= 0)
        close(sock);
    if (ns)
        netns_leave(saved);
    return rc;
}

long netns_pids(const char *name, int **pids)
{
    char path[512];
    struct stat want, st;
    *pids = NULL;
    snprintf(path, sizeof path, "/run/netns/%s", name);
    if (stat(path, &want) < 0)
        return -errno;
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    long n = 0;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
        if (stat(path, &st) < 0 || st.st_ino != want.st_ino || st.st_dev != want.st_dev)
            continue;
        xgrow(pids, &cap, (size_t)n + 1, sizeof **pids);
        (*pids)[n++] = (int)pid;
    }
    closedir(d);
    return n;
}

int netns_spawn(const char *ns, const char *const argv[])
{
    char path[512];
    snprintf(path, sizeof path, "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (pid == 0) {
        if (setns(fd, CLONE_NEWNET) < 0)
            _exit(126);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0), dup2(null, 1), dup2(null, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd);
    return pid;
}
