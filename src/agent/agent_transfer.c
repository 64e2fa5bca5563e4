/* What both halves of a transfer (a live migration or a clone) watch: QEMU's
 * migration polled until it reaches a status, and the digest of the guest's
 * memory, page by page, that the source sends and the destination checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "vm/memcheck.h"
#include "vm/qemu.h"
#include "vm/qmp.h"

/* Polls query-migrate until the status is one of 'until' (space-separated);
 * fails on failed/cancelled, and when no byte of memory moves for 'stall_s'
 * (0: no such limit) while it is active, with '*stalled' set.  '*info' gets
 * the last answer. */
int agent_wait_migration(struct qmp *q, const char *until, double timeout_s, double stall_s,
                         bool *stalled, json_t **info, char **err)
{
    double deadline = proc_now() + timeout_s, moved = proc_now();
    json_int_t last = -1;
    for (;;) {
        json_t *r;
        if (qmp_call(q, "query-migrate", NULL, &r, err, AGENT_QMP_TIMEOUT_MS) < 0)
            return -1;
        const char *st = json_string_value(json_object_get(r, "status")) ?: "none";
        char want[64];
        snprintf(want, sizeof want, " %s ", st);
        char list[128];
        snprintf(list, sizeof list, " %s ", until);
        if (strstr(list, want)) {
            *info = r;
            return 0;
        }
        if (!strcmp(st, "failed") || !strcmp(st, "cancelled")) {
            const char *why = json_string_value(json_object_get(r, "error-desc"));
            *err = xasprintf("the memory migration %s: %s", st, why ?: "no reason given");
            json_decref(r);
            return -1;
        }
        json_int_t sent =
            json_integer_value(json_object_get(json_object_get(r, "ram"), "transferred"));
        bool active = !strcmp(st, "active");
        json_decref(r);
        double now = proc_now();
        if (sent != last || !active)
            moved = now, last = sent;
        if (stall_s > 0 && now - moved > stall_s) {
            *err = xasprintf("the memory migration made no progress for %.0f s (destination "
                             "unreachable?)",
                             stall_s);
            if (stalled)
                *stalled = true;
            return -1;
        }
        if (now > deadline) {
            *err = xasprintf("the memory migration did not finish within %.0f s", timeout_s);
            return -1;
        }
        usleep(2000);
    }
}

/* Dumps the RAM of the paused guest (QMP pmemsave, range by range, into
 * the VM's directory) and makes its digest; the dump is removed. */
int avm_memory_digest(const struct avm *v, struct qmp *q, struct memdigest *d, char **err)
{
    struct qemu_ram_range r[2];
    int n = qemu_ram_ranges(v->memory_mib, r), rc = 0;
    char *path = avm_path(v, "memory.dump");
    memdigest_init(d);
    for (int i = 0; i < n && !rc; i++) {
        unlink(path);
        if (qmp_call(q, "pmemsave",
                     json_pack("{s:I, s:I, s:s}", "val", (json_int_t)r[i].start, "size",
                               (json_int_t)r[i].size, "filename", path),
                     NULL, err, 120000) < 0) {
            rc = -1;
            break;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        void *m = MAP_FAILED;
        if (fd >= 0 && fstat(fd, &st) == 0 && (unsigned long long)st.st_size == r[i].size)
            m = mmap(NULL, r[i].size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            *err = xasprintf("cannot read the memory dump %s: %s", path,
                             fd < 0 ? strerror(errno) : "short or unmappable");
            rc = -1;
        } else {
            memdigest_add(d, m, r[i].size);
            munmap(m, r[i].size);
        }
        if (fd >= 0)
            close(fd);
    }
    unlink(path);
    free(path);
    if (rc < 0)
        memdigest_free(d);
    return rc;
}
