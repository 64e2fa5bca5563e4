#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

LOG_MODULE("proc");

double proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int proc_usage(pid_t pid, double *cpu_s, long long *rss)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    long long rss_pages;
    /* After "pid (comm)": state is field 3; utime 14, stime 15, rss 24. */
    if (!p || sscanf(p + 2,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
                     " %*d %*d %*d %*d %*d %*d %*u %*u %lld",
                     &ut, &st, &rss_pages) != 3)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    *cpu_s = (double)(ut + st) / (double)(hz > 0 ? hz : 100);
    *rss = rss_pages * sysconf(_SC_PAGESIZE);
    return 0;
}

double proc_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_pair(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
}

static int status_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

int proc_run(const char *const argv[], const struct proc_opts *opts)
{
    static const struct proc_opts none;
    if (!opts)
        opts = &none;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        int e = errno;
        close_pair(in), close_pair(out), close_pair(err);
        return -e;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close_pair(in), close_pair(out), close_pair(err);
        return -e;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);

    const char *input = opts->input;
    size_t in_left = input ? strlen(input) : 0;
    if (!in_left) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
    double deadline = opts->timeout_ms ? proc_now() + opts->timeout_ms / 1000.0 : 0;
    bool killed = false;
    int open_fds = 2;
    while (open_fds > 0 || in[1] >= 0) {
        struct pollfd pf[3];
        int n = 0;
        pf[n++] = (struct pollfd){.fd = out[0], .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = err[0], .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
        int wait_ms = -1;
        if (deadline) {
            double left = deadline - proc_now();
            if (left <= 0 && !killed) {
                kill(pid, SIGKILL);
                killed = true;
            }
            wait_ms = left > 0 ? (int)(left * 1000) + 1 : 100;
        }
        int r = poll(pf, (nfds_t)n, wait_ms);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t got = read(pf[i].fd, buf, sizeof buf);
            if (got > 0) {
                struct strbuf *dst = i == 0 ? opts->out : opts->err;
                if (dst)
                    strbuf_add(dst, buf, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                close(pf[i].fd);
                if (i == 0)
                    out[0] = -1;
                else
                    err[0] = -1;
                open_fds--;
            }
        }
        if (in[1] >= 0 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t put = write(in[1], input, in_left);
            if (put > 0) {
                input += put;
                in_left -= (size_t)put;
            }
            if (in_left == 0 || (put < 0 && errno != EAGAIN && errno != EINTR)) {
                close(in[1]);
                in[1] = -1;
            }
        }
    }
    if (out[0] >= 0)
        close(out[0]);
    if (err[0] >= 0)
        close(err[0]);
    if (in[1] >= 0)
        close(in[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return status_code(status);
}

int proc_run_logged(const char *module, const char *const argv[], const char *input)
{
    struct strbuf err;
    strbuf_init(&err);
    struct proc_opts opts = {.input = input, .err = &err};
    int rc = proc_run(argv, &opts);
    if (rc != 0) {
        char *line = proc_argv_string(argv);
        while (err.len && (err.s[err.len - 1] == '\n'))
            err.s[--err.len] = '\0';
        if (rc < 0)
            log_msg(module, LOG_ERR, "%s: %s", line, strerror(-rc));
        else
            log_msg(module, LOG_ERR, "%s: exit %d%s%s", line, rc, err.len ? ": " : "", err.s);
        free(line);
    }
    strbuf_free(&err);
    return rc;
}

pid_t proc_spawn_err(const char *const argv[], const char *err_path)
{
    int efd = -1;
    if (err_path && (efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (efd >= 0)
            close(efd);
        return -e;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0), dup2(fd, 1), dup2(efd >= 0 ? efd : fd, 2);
            if (fd > 2)
                close(fd);
        }
        setsid();
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (efd >= 0)
        close(efd);
    return pid;
}

pid_t proc_spawn(const char *const argv[])
{
    return proc_spawn_err(argv, NULL);
}

bool proc_alive(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
        return false;
    /* A zombie is gone for our purposes; in a container nobody may reap it. */
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

pid_t proc_read_pidfile(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long v = 0;
    if (fscanf(f, "%ld", &v) != 1 || v <= 0 || v > 1 << 30)
        v = 0;
    fclose(f);
    return (pid_t)v;
}

bool proc_terminate(pid_t pid, int grace_ms)
{
    if (!proc_alive(pid))
        return true;
    kill(pid, SIGTERM);
    double end = proc_now() + grace_ms / 1000.0;
    while (proc_now() < end) {
        /* Reap it if it is our child, so it does not linger as a zombie. */
        waitpid(pid, NULL, WNOHANG);
        if (!proc_alive(pid))
            return true;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    for (int i = 0; i < 100; i++) {
        waitpid(pid, NULL, WNOHANG);
        if (!proc_alive(pid))
            return true;
        usleep(10000);
    }
    return false;
}

char *proc_argv_string(const char *const argv[])
{
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; argv[i]; i++) {
        const char *a = argv[i];
        if (i)
            strbuf_puts(&sb, " ");
        if (*a &&
            strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") ==
                strlen(a)) {
            strbuf_puts(&sb, a);
        } else {
            strbuf_puts(&sb, "'");
            for (const char *p = a; *p; p++) {
                if (*p == '\'')
                    strbuf_puts(&sb, "'\\''");
                else
                    strbuf_add(&sb, p, 1);
            }
            strbuf_puts(&sb, "'");
        }
    }
    return strbuf_steal(&sb);
}

char *proc_self_dir(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return xstrdup(exe);
}

char *proc_sibling(const char *name)
{
    char *dir = proc_self_dir();
    char *p = dir ? xasprintf("%s/%s", dir, name) : NULL;
    free(dir);
    if (p && access(p, X_OK) == 0)
        return p;
    free(p);
    return xstrdup(name);
}
