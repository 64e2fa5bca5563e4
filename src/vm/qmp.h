/* qmp: a blocking client for QEMU's machine protocol (QMP) and for the guest
 * agent (qemu-guest-agent), which speaks the same JSON over a unix socket.
 *
 * One connection is one session; QEMU serves one client at a time on each
 * socket, so callers keep a session short and never share it between threads.
 * Events that arrive while a command waits are dropped (minidc polls state
 * with query-* commands), except what qmp_wait_event() waits for.
 *
 * Errors: functions return 0 or -1 with a message in '*err' (caller frees). */
#ifndef MINIDC_VM_QMP_H
#define MINIDC_VM_QMP_H

#include <jansson.h>

struct qmp;

/* Connects to a QMP socket, reads the greeting and enters command mode. */
struct qmp *qmp_open(const char *path, int timeout_ms, char **err);
/* Connects to a guest agent socket and synchronises with it
 * (guest-sync-delimited); fails when the agent does not answer in time. */
struct qmp *qga_open(const char *path, int timeout_ms, char **err);
/* The two halves of qga_open(): connecting (possible while the VM is
 * paused), and synchronising (once it runs). */
struct qmp *qga_connect(const char *path, char **err);
int qga_sync(struct qmp *q, int timeout_ms, char **err);
void qmp_close(struct qmp *q);

/* Parses one line of QMP: a JSON value, with unsigned integers beyond
 * INT64_MAX (which jansson cannot hold) read as reals.  NULL when it is not
 * JSON. */
json_t *qmp_parse_line(const char *s, size_t n);

/* Runs 'cmd' with 'args' (taken; may be NULL).  On success '*ret' (when not
 * NULL) gets the "return" value (caller decrefs). */
int qmp_call(struct qmp *q, const char *cmd, json_t *args, json_t **ret, char **err,
             int timeout_ms);

/* Waits for the next event 'name' (arriving from now on); returns its
 * "data" (caller decrefs), or NULL on timeout or error. */
json_t *qmp_wait_event(struct qmp *q, const char *name, int timeout_ms, char **err);

/* Runs argv in the guest through guest-exec and waits for it; fills the exit
 * code and what it wrote (caller frees).  'input' goes to its stdin (NULL:
 * nothing). */
struct qga_result {
    int exitcode; /* -1 when killed by a signal */
    char *out, *err;
};
int qga_exec(struct qmp *q, const char *const argv[], const char *input, int timeout_ms,
             struct qga_result *r, char **err);
void qga_result_free(struct qga_result *r);

#endif
