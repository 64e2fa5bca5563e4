/* proc: run a child program to completion and collect what it printed.
 *
 * Errors: functions return a negative errno when the child could not be
 * started or waited for; otherwise they return the child's status as the shell
 * reports it (exit code, or 128 + signal number). */
#ifndef MINIDC_UTIL_PROC_H
#define MINIDC_UTIL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct strbuf;

struct proc_opts {
    const char *input;  /* written to the child's stdin, then closed; NULL: /dev/null */
    struct strbuf *out; /* receives stdout; NULL: discarded */
    struct strbuf *err; /* receives stderr; NULL: discarded */
    int timeout_ms;     /* child is killed (SIGKILL) after this long; 0: no limit */
};

/* Runs argv[0] (looked up in PATH) with 'argv' (NULL-terminated). */
int proc_run(const char *const argv[], const struct proc_opts *opts);

/* Convenience: runs and discards output; on failure logs the command and its
 * stderr under 'module' and returns non-zero. */
int proc_run_logged(const char *module, const char *const argv[], const char *input);

/* Starts 'argv' without waiting, stdio on /dev/null. Returns the pid or -errno. */
pid_t proc_spawn(const char *const argv[]);
/* The same with its stderr written to file 'err_path' (made or truncated). */
pid_t proc_spawn_err(const char *const argv[], const char *err_path);

/* Returns whether a process 'pid' exists. */
bool proc_alive(pid_t pid);

/* Reads a decimal pid from 'path'; returns 0 when absent or malformed. */
pid_t proc_read_pidfile(const char *path);

/* Sends SIGTERM, waits up to 'grace_ms' for the process to go, then SIGKILL.
 * Returns true when it is gone. */
bool proc_terminate(pid_t pid, int grace_ms);

/* Formats argv as a shell-readable line (for logs and reports); caller frees. */
char *proc_argv_string(const char *const argv[]);

/* The directory of the running program (caller frees), or NULL. */
char *proc_self_dir(void);

/* Program 'name' next to the running one (the build tree, or the installed
 * bin/) when it is there, else 'name' for a PATH lookup.  Caller frees. */
char *proc_sibling(const char *name);

/* CPU seconds used by all threads of 'pid' (user and system), and its
 * resident memory in bytes; 0, or -1 when it cannot be read. */
int proc_usage(pid_t pid, double *cpu_s, long long *rss);

/* Monotonic clock in seconds. */
double proc_now(void);
/* Wall clock: seconds since the epoch (as events' and history's times). */
double proc_wall(void);

#endif
