/* What a starting agent finds of an earlier agent's VMs (DIR/vms/NAME/):
 * those whose QEMU still answers are adopted, a source whose send was cut
 * short put back as it was; arrivals that were never started are removed
 * (their source still has the VM), and so is what is left of the others. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "vm/qmp.h"

LOG_MODULE("vm");

/* Adopts the VM described in 'dir' when its QEMU still answers; otherwise
 * removes what is left of it. */
static void adopt_one(struct agent *a, char *dir)
{
    char *path = xasprintf("%s/vm.json", dir), *err = NULL;
    json_t *o = json_load_file(path, 0, NULL), *bad = NULL;
    struct avm *v = o ? agent_parse_vm(a, o, &bad) : NULL;
    if (v)
        v->incoming = json_is_true(json_object_get(o, "incoming"));
    json_decref(bad);
    json_decref(o);
    free(path);
    if (!v) {
        LOG_WRN("%s: no usable vm.json: removing it", dir);
        avm_remove_files(dir);
        free(dir);
        return;
    }
    free(v->dir);
    v->dir = dir;
    char *pidfile = avm_path(v, "qemu.pid");
    v->pid = proc_read_pidfile(pidfile);
    free(pidfile);
    struct qmp *q = agent_qemu_gone(v->pid) ? NULL : avm_qmp(v, &err);
    json_t *status = NULL;
    const char *s = "";
    if (q && !v->incoming)
        agent_settle_cut_send(v, q);
    if (q && qmp_call(q, "query-status", NULL, &status, &err, AGENT_QMP_TIMEOUT_MS) == 0)
        s = json_string_value(json_object_get(status, "status")) ?: "";
    qmp_close(q);
    if (v->incoming) {
        /* An arrival the agent's end cut short: its source still has the
         * VM (minidcd resumes it); this half-made copy only holds memory. */
        LOG_WRN("%s: an arrival cut short (%s): removing it", v->name, *s ? s : "its QEMU is gone");
        avm_kill_qemu(v);
        avm_remove_files(v->dir);
        avm_free(v);
    } else if (!strcmp(s, "running") || !strcmp(s, "paused") || !strcmp(s, "postmigrate") ||
               !strcmp(s, "io-error")) {
        /* A source whose migration completed stays paused (a send cut
         * short before that runs again: agent_settle_cut_send): minidcd
         * knows whether its destination took over. */
        /* io-error: QEMU stopped the guest on a disk error; it is running
         * as minidc sees it, and broken (agent_metrics.c says why). */
        v->state = strcmp(s, "running") && strcmp(s, "io-error") ? AVM_PAUSED : AVM_RUNNING;
        char *cerr = NULL;
        if (agent_cgroup_place(a, v, &cerr) < 0) {
            LOG_WRN("%s: %s", v->name, cerr);
            free(cerr);
        }
        pthread_mutex_lock(&a->lock);
        xgrow(&a->vms, &a->cap_vms, a->n_vms + 1, sizeof *a->vms);
        a->vms[a->n_vms++] = v;
        pthread_mutex_unlock(&a->lock);
        LOG_INF("adopted %s (pid %d, %s)", v->name, (int)v->pid, s);
    } else {
        /* Its QEMU gone, or in no state a VM is adopted in: not wanted. */
        LOG_WRN("%s: %s: removing what is left of it", v->name,
                *s    ? s
                : err ? err
                      : "its QEMU is gone");
        avm_kill_qemu(v);
        avm_remove_files(v->dir);
        avm_free(v);
    }
    json_decref(status);
    free(err);
}

void agent_adopt(struct agent *a)
{
    char *root = xasprintf("%s/vms", a->dir);
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            adopt_one(a, xasprintf("%s/%s", root, e->d_name));
    if (d)
        closedir(d);
    free(root);
}
