/* The agent's VMs: the table of them (lookups, an operation's hold on a VM),
 * the phases an operation records, a VM's files and its QEMU (made, stopped,
 * torn down), a VM's description read from a request, and the operations
 * that stay on this server: boot, destroy, list, get and info.  The two
 * halves of a transfer are agent_send.c and agent_incoming.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agentproto/agent_proto.h"
#include "util/http.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vm/qemu.h"
#include "vm/qmp.h"

LOG_MODULE("vm");

/* How long a boot may take before the guest's agent and HTTP service
 * answer: a guest given little CPU (a small cpu_share, a saturated server)
 * boots slowly, not wrongly, so the limit is the CPU its QEMU used (an
 * unhindered boot takes 4-6 s of it here, under TCG), with an upper bound
 * on the time.  Two VMs of share 0.15 booting at once on a server of 0.2
 * took 46-53 s each here. */
#define READY_CPU_S 90.0
#define READY_MAX_S 900.0

const char *avm_state_name(enum avm_state s)
{
    switch (s) {
    case AVM_BOOTING:
        return "booting";
    case AVM_RUNNING:
        return "running";
    case AVM_INCOMING:
        return "incoming";
    case AVM_PAUSED:
        return "paused";
    }
    return "?";
}

json_t *avm_json(const struct avm *v)
{
    /* A QEMU that died under a VM leaves its disk: the VM shows as crashed
     * until someone destroys it (an arrival's QEMU ends so when its
     * migration fails). */
    bool crashed = !v->busy && v->state != AVM_BOOTING && agent_qemu_gone(v->pid);
    /* A VM whose disk or devices QEMU marked broken runs on, but is not
     * well: it shows as broken, with what QEMU said. */
    const char *state = crashed                                 ? "crashed"
                        : v->problem && v->state == AVM_RUNNING ? "broken"
                                                                : avm_state_name(v->state);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:s}", AGENT_PROTO_VM_NAME, v->name,
                  AGENT_PROTO_VM_MAC, v->mac, AGENT_PROTO_VM_IP, v->ip, AGENT_PROTO_VM_GW, v->gw,
                  AGENT_PROTO_VM_MEMORY_MIB, (int)v->memory_mib, AGENT_PROTO_VM_CPUS, (int)v->cpus,
                  "state", state, "pid", (int)v->pid, "tap", v->tap);
    if (v->problem)
        json_object_set_new(o, "problem", json_string(v->problem));
    if (v->busy)
        json_object_set_new(o, "operation", json_string(v->op));
    if (v->state == AVM_INCOMING && !crashed)
        json_object_set_new(o, "arrived", json_boolean(v->arrived));
    return o;
}

struct avm *agent_find(struct agent *a, const char *name)
{
    for (size_t i = 0; i < a->n_vms; i++)
        if (!strcmp(a->vms[i]->name, name))
            return a->vms[i];
    return NULL;
}

void avm_free(struct avm *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->mac);
    free(v->ip);
    free(v->gw);
    free(v->dir);
    free(v->tap);
    free(v->problem);
    free(v->peer);
    free(v);
}

static void remove_from_list(struct agent *a, struct avm *v)
{
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->n_vms; i++)
        if (a->vms[i] == v) {
            a->vms[i] = a->vms[--a->n_vms];
            break;
        }
    pthread_mutex_unlock(&a->lock);
    avm_free(v);
}

static unsigned used_mib(const struct agent *a)
{
    unsigned used = 0;
    for (size_t i = 0; i < a->n_vms; i++)
        used += a->vms[i]->memory_mib;
    return used;
}

/* Takes VM 'name' for operation 'op' (marks it busy); on failure fills '*out'
 * and returns the status. */
int agent_take(struct agent *a, const char *name, const char *op, struct avm **vp, json_t **out)
{
    pthread_mutex_lock(&a->lock);
    struct avm *v = agent_find(a, name);
    int st = 200;
    if (!v) {
        *out = agent_proto_error("no VM %s on %s", name, a->server);
        st = 404;
    } else if (v->busy) {
        *out = agent_proto_error("VM %s is busy (%s)", name, v->op);
        st = 409;
    } else {
        v->busy = true;
        v->op = op;
        *vp = v;
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}

void agent_give_back(struct agent *a, struct avm *v, enum avm_state state)
{
    pthread_mutex_lock(&a->lock);
    v->busy = false;
    v->op = NULL;
    v->state = state;
    pthread_mutex_unlock(&a->lock);
}

/* ---- phases: what an operation did and how long each step took ---- */

void agent_phases_start(struct agent_phases *p)
{
    p->list = json_array();
    p->t0 = p->last = proc_now();
}

void agent_phase_done(struct agent_phases *p, const char *name)
{
    double now = proc_now();
    json_array_append_new(p->list,
                          json_pack("{s:s, s:f}", "phase", name, "seconds", now - p->last));
    p->last = now;
}

json_t *agent_phases_json(struct agent_phases *p)
{
    return json_pack("{s:o, s:f}", "phases", p->list, "seconds", proc_now() - p->t0);
}

/* ---- files ---- */

char *avm_path(const struct avm *v, const char *file)
{
    return xasprintf("%s/%s", v->dir, file);
}

int avm_save(const struct avm *v)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:b}", AGENT_PROTO_VM_NAME, v->name,
                          AGENT_PROTO_VM_MAC, v->mac, AGENT_PROTO_VM_IP, v->ip, AGENT_PROTO_VM_GW,
                          v->gw, AGENT_PROTO_VM_MEMORY_MIB, (int)v->memory_mib, AGENT_PROTO_VM_CPUS,
                          (int)v->cpus, "tap", v->tap, "incoming", v->incoming);
    if (v->cpu_share > 0)
        json_object_set_new(o, AGENT_PROTO_VM_CPU_SHARE, json_real(v->cpu_share));
    char *tmp = avm_path(v, "vm.json.tmp"), *path = avm_path(v, "vm.json");
    int rc = json_dump_file(o, tmp, JSON_INDENT(2)) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    if (rc < 0)
        LOG_ERR_("cannot write %s: %s", path, strerror(errno));
    free(tmp);
    free(path);
    json_decref(o);
    return rc;
}

void avm_remove_files(const char *dir)
{
    static const char *const files[] = {"disk.qcow2",  "qmp.sock",    "qga.sock",
                                        "console.log", "qemu.log",    "qemu.pid",
                                        "vm.json",     "vm.json.tmp", "memory.dump"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *p = xasprintf("%s/%s", dir, files[i]);
        unlink(p);
        free(p);
    }
    if (rmdir(dir) < 0 && errno != ENOENT)
        LOG_WRN("cannot remove %s: %s", dir, strerror(errno));
}

char *agent_log_tail(const char *dir, const char *file)
{
    char *path = xasprintf("%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    free(path);
    char line[512], last[512] = "";
    /* The last line is in the file's last few lines' worth of bytes. */
    if (f && fseek(f, -(long)sizeof line * 4, SEEK_END) < 0)
        rewind(f);
    while (f && fgets(line, sizeof line, f))
        if (line[0] && line[0] != '\n') {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(last, sizeof last, "%s", line);
        }
    if (f)
        fclose(f);
    return xstrdup(last);
}

/* ---- QEMU ---- */

bool agent_qemu_gone(pid_t pid)
{
    return pid <= 0 || !proc_alive(pid);
}

/* Stops the VM's QEMU: quit over QMP, then signals. */
void avm_kill_qemu(struct avm *v)
{
    if (agent_qemu_gone(v->pid))
        return;
    char *sock = avm_path(v, "qmp.sock"), *err = NULL;
    struct qmp *q = qmp_open(sock, 2000, &err);
    free(sock);
    if (q) {
        qmp_call(q, "quit", NULL, NULL, NULL, 2000);
        qmp_close(q);
    }
    free(err);
    for (int i = 0; i < 100 && !agent_qemu_gone(v->pid); i++)
        usleep(20000);
    if (!agent_qemu_gone(v->pid))
        proc_terminate(v->pid, 2000);
}

void agent_teardown(struct agent *a, struct avm *v)
{
    avm_kill_qemu(v);
    agent_cgroup_remove(a, v);
    agent_firewall_admit_peer(a, v, false);
    /* QEMU made the tap; it goes with QEMU.  One left by a crash goes here. */
    const char *argv[] = {"ip", "link", "del", v->tap, NULL};
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", v->tap);
    if (access(path, F_OK) == 0)
        proc_run(argv, &(struct proc_opts){0});
    avm_remove_files(v->dir);
    remove_from_list(a, v);
}

struct qmp *avm_qmp(const struct avm *v, char **err)
{
    char *sock = avm_path(v, "qmp.sock");
    struct qmp *q = qmp_open(sock, AGENT_QMP_TIMEOUT_MS, err);
    free(sock);
    return q;
}

void avm_announce(const struct avm *v, struct qmp *q)
{
    char *err = NULL;
    if (qmp_call(
            q, "announce-self",
            json_pack("{s:i, s:i, s:i, s:i}", "initial", 50, "max", 550, "rounds", 5, "step", 100),
            NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0)
        LOG_WRN("%s: announce-self: %s", v->name, err);
    free(err);
}

int agent_start_qemu(struct agent *a, struct avm *v, bool incoming, char **err)
{
    if (mkdir(v->dir, 0700) < 0 && errno != EEXIST) {
        *err = xasprintf("cannot make %s: %s", v->dir, strerror(errno));
        return -1;
    }
    char *base = xasprintf("%s/base.qcow2", a->image_dir), *disk = avm_path(v, "disk.qcow2");
    if (access(base, R_OK) < 0) {
        *err = xasprintf("the guest image %s is missing (%s): build it with guest/build %s", base,
                         strerror(errno), a->image_dir);
        free(base);
        free(disk);
        return -1;
    }
    const char *img[] = {"qemu-img", "create", "-q",    "-f", "qcow2", "-b",
                         base,       "-F",     "qcow2", disk, NULL};
    struct strbuf e;
    strbuf_init(&e);
    int rc = proc_run(img, &(struct proc_opts){.err = &e, .timeout_ms = 30000});
    free(base);
    free(disk);
    if (rc != 0) {
        *err = xasprintf("qemu-img create failed: %s", e.s);
        strbuf_free(&e);
        return -1;
    }
    struct vm_spec s = {.name = v->name,
                        .mac = v->mac,
                        .ip = v->ip,
                        .gw = v->gw,
                        .memory_mib = v->memory_mib,
                        .cpus = v->cpus,
                        .dir = v->dir,
                        .image_dir = a->image_dir,
                        .tap = v->tap,
                        .accel = a->accel,
                        .incoming = incoming};
    char **argv = qemu_argv(&s);
    strbuf_reset(&e);
    rc = proc_run((const char *const *)argv, &(struct proc_opts){.err = &e, .timeout_ms = 30000});
    qemu_argv_free(argv);
    if (rc != 0) {
        /* With -D, QEMU writes even its start-up errors to qemu.log. */
        char *tail = e.len ? NULL : agent_log_tail(v->dir, "qemu.log");
        if (tail && *tail) {
            strbuf_reset(&e);
            strbuf_printf(&e, "%s", tail);
        }
        free(tail);
        e.s[strcspn(e.s, "\n")] = '\0';
        *err = e.len ? xasprintf("QEMU did not start: %s", e.s)
                     : xasprintf("QEMU did not start (%s %d, no message)",
                                 rc > 128 ? "signal" : "exit status", rc > 128 ? rc - 128 : rc);
        strbuf_free(&e);
        return -1;
    }
    strbuf_free(&e);
    char *pidfile = avm_path(v, "qemu.pid");
    pid_t pid = proc_read_pidfile(pidfile);
    free(pidfile);
    pthread_mutex_lock(&a->lock);
    v->pid = pid;
    v->incoming = incoming;
    pthread_mutex_unlock(&a->lock);
    if (avm_save(v) < 0) {
        *err = xasprintf("cannot record the VM in %s", v->dir);
        return -1;
    }
    if (agent_cgroup_place(a, v, err) < 0)
        return -1;
    const char *up[] = {"ip", "link", "set", "dev", v->tap, "master", a->bridge, "up", NULL};
    if (proc_run_logged("vm", up, NULL) != 0) {
        *err = xasprintf("cannot put tap %s in bridge %s", v->tap, a->bridge);
        return -1;
    }
    return 0;
}

/* ---- requests ---- */

static bool valid_mac(const char *s)
{
    unsigned b[6];
    char end;
    return s &&
           sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) ==
               6 &&
           strlen(s) == 17;
}

bool agent_valid_ip(const char *s, bool with_len)
{
    char buf[32];
    if (!s || strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    if (with_len != !!slash)
        return false;
    if (slash) {
        *slash = '\0';
        char *end;
        long len = strtol(slash + 1, &end, 10);
        if (*end || len < 1 || len > 32)
            return false;
    }
    struct in_addr in;
    return inet_pton(AF_INET, buf, &in) == 1;
}

/* Reads a VM description from a request; NULL with '*out' set when invalid. */
struct avm *agent_parse_vm(struct agent *a, json_t *req, json_t **out)
{
    const char *name = json_string_value(json_object_get(req, AGENT_PROTO_VM_NAME));
    const char *mac = json_string_value(json_object_get(req, AGENT_PROTO_VM_MAC));
    const char *ip = json_string_value(json_object_get(req, AGENT_PROTO_VM_IP));
    const char *gw = json_string_value(json_object_get(req, AGENT_PROTO_VM_GW));
    json_int_t mem = json_integer_value(json_object_get(req, AGENT_PROTO_VM_MEMORY_MIB));
    json_int_t cpus = json_integer_value(json_object_get(req, AGENT_PROTO_VM_CPUS));
    json_t *share = json_object_get(req, AGENT_PROTO_VM_CPU_SHARE);
    if (!agent_proto_name_ok(name))
        *out = agent_proto_error(AGENT_PROTO_VM_NAME ": expected a letter then up to %d letters, "
                                                     "digits, '_' or '-'",
                                 AGENT_PROTO_NAME_MAX - 1);
    else if (!valid_mac(mac))
        *out = agent_proto_error(AGENT_PROTO_VM_MAC ": expected xx:xx:xx:xx:xx:xx");
    else if (!agent_valid_ip(ip, true))
        *out = agent_proto_error(AGENT_PROTO_VM_IP ": expected ADDRESS/LENGTH");
    else if (!agent_valid_ip(gw, false))
        *out = agent_proto_error(AGENT_PROTO_VM_GW ": expected an IPv4 address");
    else if (mem < AGENT_PROTO_MEMORY_MIN || mem > AGENT_PROTO_MEMORY_MAX)
        *out = agent_proto_error(AGENT_PROTO_VM_MEMORY_MIB ": expected %d to %d",
                                 AGENT_PROTO_MEMORY_MIN, AGENT_PROTO_MEMORY_MAX);
    else if (cpus < 1 || cpus > AGENT_PROTO_CPUS_MAX)
        *out = agent_proto_error(AGENT_PROTO_VM_CPUS ": expected 1 to %d", AGENT_PROTO_CPUS_MAX);
    else if (share &&
             (!json_is_number(share) || json_number_value(share) < AGENT_PROTO_CPU_SHARE_MIN ||
              json_number_value(share) > AGENT_PROTO_CPUS_MAX))
        *out = agent_proto_error(AGENT_PROTO_VM_CPU_SHARE ": expected a number of host CPUs from "
                                                          "%g to %d",
                                 AGENT_PROTO_CPU_SHARE_MIN, AGENT_PROTO_CPUS_MAX);
    else if (share && !a->cgroup)
        *out = agent_proto_error("%s cannot give a VM a " AGENT_PROTO_VM_CPU_SHARE
                                 ": its agent has no CPU group (it runs without --cgroup)",
                                 a->server);
    else {
        struct avm *v = xcalloc(1, sizeof *v);
        v->name = xstrdup(name);
        v->mac = xstrdup(mac);
        v->ip = xstrdup(ip);
        v->gw = xstrdup(gw);
        v->memory_mib = (unsigned)mem;
        v->cpus = (unsigned)cpus;
        v->cpu_share = share ? json_number_value(share) : 0;
        v->dir = xasprintf("%s/vms/%s", a->dir, name);
        v->tap = xasprintf("t-%s", name);
        v->created = proc_now();
        return v;
    }
    return NULL;
}

/* Adds a new VM to the list, busy, if the name is free and the memory fits. */
int agent_admit(struct agent *a, struct avm *v, enum avm_state state, const char *op, json_t **out)
{
    pthread_mutex_lock(&a->lock);
    int st = 200;
    unsigned used = used_mib(a);
    if (agent_find(a, v->name)) {
        *out = agent_proto_error("%s already has a VM %s", a->server, v->name);
        st = 409;
    } else if (used + v->memory_mib > a->capacity_mib) {
        *out = agent_proto_error("%s cannot hold %u MiB more: %u of %u MiB in use by its VMs",
                                 a->server, v->memory_mib, used, a->capacity_mib);
        st = 507;
    } else {
        v->state = state;
        v->busy = true;
        v->op = op;
        xgrow(&a->vms, &a->cap_vms, a->n_vms + 1, sizeof *a->vms);
        a->vms[a->n_vms++] = v;
    }
    pthread_mutex_unlock(&a->lock);
    if (st != 200)
        avm_free(v);
    return st;
}

static char *ip_only(const char *cidr)
{
    char *s = xstrdup(cidr);
    s[strcspn(s, "/")] = '\0';
    return s;
}

/* Waits until the guest agent answers and the guest's HTTP service serves.
 * The guest's agent opening its port is a QMP event (VSERPORT_CHANGE): only
 * then is the agent asked, once (questions sent before it runs would pile up
 * answers in the port). */
/* Whether a boot has waited long enough: its QEMU used READY_CPU_S of CPU
 * since 'cpu0', or READY_MAX_S passed since 't0'. */
static bool ready_wait_over(const struct avm *v, double t0, double cpu0)
{
    double cpu = 0;
    long long rss;
    if (proc_usage(v->pid, &cpu, &rss) < 0)
        return proc_now() - t0 > READY_MAX_S;
    return cpu - cpu0 >= READY_CPU_S || proc_now() - t0 > READY_MAX_S;
}

static int wait_ready(struct avm *v, struct agent_phases *ph, char **err)
{
    double t0 = proc_now(), cpu0 = 0;
    long long rss;
    if (proc_usage(v->pid, &cpu0, &rss) < 0)
        cpu0 = 0;
    struct qmp *q = avm_qmp(v, err);
    json_t *ev = NULL;
    while (q && !ev && !ready_wait_over(v, t0, cpu0) && !agent_qemu_gone(v->pid)) {
        free(*err);
        *err = NULL;
        ev = qmp_wait_event(q, "VSERPORT_CHANGE", 1000, err);
        if (ev && !json_is_true(json_object_get(ev, "open")))
            json_decref(ev), ev = NULL;
    }
    qmp_close(q);
    json_decref(ev);
    char *sock = avm_path(v, "qga.sock");
    struct qmp *g = NULL;
    while (!g && !ready_wait_over(v, t0, cpu0) && !agent_qemu_gone(v->pid)) {
        free(*err);
        *err = NULL;
        g = qga_open(sock, 5000, err);
    }
    free(sock);
    if (!g) {
        char *tail = agent_log_tail(v->dir, "console.log");
        double cpu = cpu0;
        proc_usage(v->pid, &cpu, &rss);
        free(*err);
        *err = xasprintf("the guest agent did not answer within %.0f s, in which its QEMU used "
                         "%.1f s of CPU (QEMU %s; console: %s)",
                         proc_now() - t0, cpu - cpu0,
                         agent_qemu_gone(v->pid) ? "exited" : "running", tail);
        free(tail);
        return -1;
    }
    qmp_close(g);
    agent_phase_done(ph, "guest-agent");
    char *addr = ip_only(v->ip);
    int st = -1;
    while (!ready_wait_over(v, t0, cpu0)) {
        struct strbuf body;
        strbuf_init(&body);
        st = http_get(NULL, addr, 80, "/", &body, 500);
        strbuf_free(&body);
        if (st == 200)
            break;
        usleep(20000);
    }
    free(addr);
    if (st != 200) {
        *err = xasprintf("the guest's HTTP service at %s did not answer", v->ip);
        return -1;
    }
    agent_phase_done(ph, "http");
    return 0;
}

int agent_boot(struct agent *a, json_t *req, json_t **out)
{
    struct avm *v = agent_parse_vm(a, req, out);
    if (!v)
        return 400;
    int st = agent_admit(a, v, AVM_BOOTING, "boot", out);
    if (st != 200)
        return st;
    struct agent_phases ph;
    agent_phases_start(&ph);
    char *err = NULL;
    if (agent_start_qemu(a, v, false, &err) < 0)
        goto fail;
    agent_phase_done(&ph, "qemu");
    if (wait_ready(v, &ph, &err) < 0)
        goto fail;
    agent_give_back(a, v, AVM_RUNNING);
    LOG_INF("booted %s (%s, %s) in %.2f s", v->name, v->ip, v->mac, proc_now() - ph.t0);
    pthread_mutex_lock(&a->lock);
    *out = json_pack("{s:o, s:o}", "vm", avm_json(v), "timing", agent_phases_json(&ph));
    pthread_mutex_unlock(&a->lock);
    return 200;
fail:
    LOG_ERR_("boot %s: %s", v->name, err);
    *out = agent_proto_error("boot of %s on %s failed: %s; nothing is left of it", v->name,
                             a->server, err);
    free(err);
    json_decref(ph.list);
    agent_teardown(a, v);
    return 500;
}

int agent_destroy(struct agent *a, const char *name, bool graceful, json_t **out)
{
    struct avm *v;
    int st = agent_take(a, name, "destroy", &v, out);
    if (st != 200)
        return st;
    if (graceful && v->state == AVM_RUNNING) {
        /* Let the guest write its buffers out before QEMU goes. */
        char *sock = avm_path(v, "qga.sock"), *err = NULL;
        struct qmp *g = qga_open(sock, 3000, &err);
        free(sock);
        if (g) {
            const char *argv[] = {"/bin/sync", NULL};
            struct qga_result r;
            if (qga_exec(g, argv, NULL, 5000, &r, &err) == 0)
                qga_result_free(&r);
            qmp_close(g);
        }
        if (err)
            LOG_WRN("%s: sync before stop: %s", name, err);
        free(err);
    }
    double t0 = proc_now();
    char *vname = xstrdup(v->name);
    agent_teardown(a, v);
    LOG_INF("%s destroyed", vname);
    *out = json_pack("{s:s, s:f}", "destroyed", vname, "seconds", proc_now() - t0);
    free(vname);
    return 200;
}

/* Asks each arrival no operation holds whether all of the VM is here yet
 * (its incoming migration completed), for the listings: minidcd, finding a
 * transfer half-done, starts an arrival only when it has all of the VM. */
static void note_arrivals(struct agent *a)
{
    char *names[64], *socks[64];
    size_t n = 0;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->n_vms && n < 64; i++) {
        struct avm *v = a->vms[i];
        if (v->state == AVM_INCOMING && !v->busy && !v->arrived && !agent_qemu_gone(v->pid)) {
            names[n] = xstrdup(v->name);
            socks[n++] = avm_path(v, "qmp.sock");
        }
    }
    pthread_mutex_unlock(&a->lock);
    for (size_t i = 0; i < n; i++) {
        char *err = NULL;
        json_t *r = NULL;
        struct qmp *q = qmp_open(socks[i], 1000, &err);
        bool done = q && qmp_call(q, "query-migrate", NULL, &r, &err, 1000) == 0 &&
                    !strcmp(json_string_value(json_object_get(r, "status")) ?: "", "completed");
        qmp_close(q);
        json_decref(r);
        free(err);
        pthread_mutex_lock(&a->lock);
        struct avm *v = agent_find(a, names[i]);
        if (v && v->state == AVM_INCOMING && done)
            v->arrived = true;
        pthread_mutex_unlock(&a->lock);
        free(names[i]), free(socks[i]);
    }
}

int agent_list(struct agent *a, json_t **out)
{
    note_arrivals(a);
    json_t *arr = json_array();
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->n_vms; i++)
        json_array_append_new(arr, avm_json(a->vms[i]));
    pthread_mutex_unlock(&a->lock);
    *out = json_pack("{s:s, s:o}", "server", a->server, "vms", arr);
    return 200;
}

int agent_get(struct agent *a, const char *name, json_t **out)
{
    note_arrivals(a);
    pthread_mutex_lock(&a->lock);
    struct avm *v = agent_find(a, name);
    *out = v ? avm_json(v) : agent_proto_error("no VM %s on %s", name, a->server);
    pthread_mutex_unlock(&a->lock);
    return v ? 200 : 404;
}

int agent_info(struct agent *a, json_t **out)
{
    pthread_mutex_lock(&a->lock);
    unsigned used = used_mib(a);
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "server", a->server,
                     "qemu", qemu_binary(), "qemu_version", a->qemu_version, "accel", a->accel,
                     "migration", a->live_migration ? "live" : "paused", "data_addr", a->data_addr,
                     "capacity_mib", (int)a->capacity_mib, "used_mib", (int)used, "free_mib",
                     (int)(a->capacity_mib - used), "vms", (int)a->n_vms);
    pthread_mutex_unlock(&a->lock);
    return 200;
}
