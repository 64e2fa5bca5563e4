/* The agent's VM operations: boot, destroy, exec, and the two halves of a
 * live migration or clone (the destination prepares an incoming QEMU with an
 * NBD export of its fresh overlay; the source mirrors its overlay's top layer
 * there, then migrates its memory; minidcd then has the destination finish
 * and the source either quit (move) or go on (copy)). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agentproto/agent_proto.h"
#include "util/http.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vm/memcheck.h"
#include "vm/qemu.h"
#include "vm/qmp.h"

LOG_MODULE("vm");

#define AGENT_QMP_TIMEOUT_MS 5000
#define READY_TIMEOUT_S 90.0
#define MIRROR_JOB "minidc-mirror"

const char *avm_state_name(enum avm_state s)
{
    switch (s) {
    case AVM_BOOTING: return "booting";
    case AVM_RUNNING: return "running";
    case AVM_INCOMING: return "incoming";
    case AVM_PAUSED: return "paused";
    }
    return "?";
}

static bool agent_qemu_gone(pid_t pid);

json_t *avm_json(const struct avm *v)
{
    /* A QEMU that died under a VM leaves its disk: the VM shows as crashed
     * until someone destroys it (an arrival's QEMU ends so when its
     * migration fails). */
    bool crashed = !v->busy && v->state != AVM_BOOTING && agent_qemu_gone(v->pid);
    /* A VM whose disk or devices QEMU marked broken runs on, but is not
     * well: it shows as broken, with what QEMU said. */
    const char *state = crashed ? "crashed" : v->problem && v->state == AVM_RUNNING ? "broken" : avm_state_name(v->state);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:s}", "name", v->name, "mac", v->mac, "ip",
                          v->ip, "gw", v->gw, "memory_mib", (int)v->memory_mib, "cpus", (int)v->cpus, "state",
                          state, "pid", (int)v->pid, "tap", v->tap);
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

static void avm_free(struct avm *v)
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
static int agent_take(struct agent *a, const char *name, const char *op, struct avm **vp, json_t **out)
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

static void agent_give_back(struct agent *a, struct avm *v, enum avm_state state)
{
    pthread_mutex_lock(&a->lock);
    v->busy = false;
    v->op = NULL;
    v->state = state;
    pthread_mutex_unlock(&a->lock);
}

/* ---- phases: what an operation did and how long each step took ---- */

struct agent_phases {
    json_t *list;
    double t0, last;
};

static void agent_phases_start(struct agent_phases *p)
{
    p->list = json_array();
    p->t0 = p->last = proc_now();
}

static void agent_phase_done(struct agent_phases *p, const char *name)
{
    double now = proc_now();
    json_array_append_new(p->list, json_pack("{s:s, s:f}", "phase", name, "seconds", now - p->last));
    p->last = now;
}

static json_t *agent_phases_json(struct agent_phases *p)
{
    return json_pack("{s:o, s:f}", "phases", p->list, "seconds", proc_now() - p->t0);
}

/* ---- files ---- */

static char *avm_path(const struct avm *v, const char *file)
{
    return xasprintf("%s/%s", v->dir, file);
}

static int avm_save(const struct avm *v)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:b}", "name", v->name, "mac", v->mac, "ip", v->ip,
                          "gw", v->gw, "memory_mib", (int)v->memory_mib, "cpus", (int)v->cpus, "tap", v->tap,
                          "incoming", v->incoming);
    char *tmp = avm_path(v, "vm.json.tmp"), *path = avm_path(v, "vm.json");
    int rc = json_dump_file(o, tmp, JSON_INDENT(2)) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    if (rc < 0)
        LOG_ERR_("cannot write %s: %s", path, strerror(errno));
    free(tmp);
    free(path);
    json_decref(o);
    return rc;
}

static void avm_remove_files(const char *dir)
{
    static const char *const files[] = {"disk.qcow2", "qmp.sock", "qga.sock",    "console.log", "qemu.log",
                                        "qemu.pid",   "vm.json",  "vm.json.tmp", "memory.dump"};
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

static bool agent_qemu_gone(pid_t pid)
{
    return pid <= 0 || !proc_alive(pid);
}

/* Stops the VM's QEMU: quit over QMP, then signals. */
static void avm_kill_qemu(struct avm *v)
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

static void agent_firewall_admit_peer(struct avm *v, bool on);

static void agent_teardown(struct agent *a, struct avm *v)
{
    avm_kill_qemu(v);
    agent_firewall_admit_peer(v, false);
    /* QEMU made the tap; it goes with QEMU.  One left by a crash goes here. */
    const char *argv[] = {"ip", "link", "del", v->tap, NULL};
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", v->tap);
    if (access(path, F_OK) == 0)
        proc_run(argv, &(struct proc_opts){0});
    avm_remove_files(v->dir);
    remove_from_list(a, v);
}

static struct qmp *avm_qmp(const struct avm *v, char **err)
{
    char *sock = avm_path(v, "qmp.sock");
    struct qmp *q = qmp_open(sock, AGENT_QMP_TIMEOUT_MS, err);
    free(sock);
    return q;
}

static int agent_start_qemu(struct agent *a, struct avm *v, bool incoming, char **err)
{
    if (mkdir(v->dir, 0700) < 0 && errno != EEXIST) {
        *err = xasprintf("cannot make %s: %s", v->dir, strerror(errno));
        return -1;
    }
    char *base = xasprintf("%s/base.qcow2", a->image_dir), *disk = avm_path(v, "disk.qcow2");
    const char *img[] = {"qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", disk, NULL};
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
    struct vm_spec s = {.name = v->name, .mac = v->mac, .ip = v->ip, .gw = v->gw, .memory_mib = v->memory_mib,
                        .cpus = v->cpus, .dir = v->dir, .image_dir = a->image_dir, .tap = v->tap,
                        .accel = a->accel, .incoming = incoming};
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
                     : xasprintf("QEMU did not start (%s %d, no message)", rc > 128 ? "signal" : "exit status",
                                 rc > 128 ? rc - 128 : rc);
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
    return s && sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) == 6 &&
           strlen(s) == 17;
}

static bool agent_valid_ip(const char *s, bool with_len)
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
static struct avm *agent_parse_vm(struct agent *a, json_t *req, json_t **out)
{
    const char *name = json_string_value(json_object_get(req, "name"));
    const char *mac = json_string_value(json_object_get(req, "mac"));
    const char *ip = json_string_value(json_object_get(req, "ip"));
    const char *gw = json_string_value(json_object_get(req, "gw"));
    json_int_t mem = json_integer_value(json_object_get(req, "memory_mib"));
    json_int_t cpus = json_integer_value(json_object_get(req, "cpus"));
    if (!agent_proto_name_ok(name))
        *out = agent_proto_error("name: expected a letter then up to %d letters, digits, '_' or '-'",
                                 AGENT_PROTO_NAME_MAX - 1);
    else if (!valid_mac(mac))
        *out = agent_proto_error("mac: expected xx:xx:xx:xx:xx:xx");
    else if (!agent_valid_ip(ip, true))
        *out = agent_proto_error("ip: expected ADDRESS/LENGTH");
    else if (!agent_valid_ip(gw, false))
        *out = agent_proto_error("gw: expected an IPv4 address");
    else if (mem < 32 || mem > 1 << 20)
        *out = agent_proto_error("memory_mib: expected 32 to 1048576");
    else if (cpus < 1 || cpus > 64)
        *out = agent_proto_error("cpus: expected 1 to 64");
    else {
        struct avm *v = xcalloc(1, sizeof *v);
        v->name = xstrdup(name);
        v->mac = xstrdup(mac);
        v->ip = xstrdup(ip);
        v->gw = xstrdup(gw);
        v->memory_mib = (unsigned)mem;
        v->cpus = (unsigned)cpus;
        v->dir = xasprintf("%s/vms/%s", a->dir, name);
        v->tap = xasprintf("t-%s", name);
        v->created = proc_now();
        return v;
    }
    return NULL;
}

/* Adds a new VM to the list, busy, if the name is free and the memory fits. */
static int agent_admit(struct agent *a, struct avm *v, enum avm_state state, const char *op, json_t **out)
{
    pthread_mutex_lock(&a->lock);
    int st = 200;
    unsigned used = used_mib(a);
    if (agent_find(a, v->name)) {
        *out = agent_proto_error("%s already has a VM %s", a->server, v->name);
        st = 409;
    } else if (used + v->memory_mib > a->capacity_mib) {
        *out = agent_proto_error("%s cannot hold %u MiB more: %u of %u MiB in use by its VMs", a->server, v->memory_mib,
                                 used, a->capacity_mib);
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
static int wait_ready(struct avm *v, struct agent_phases *ph, char **err)
{
    double deadline = proc_now() + READY_TIMEOUT_S;
    struct qmp *q = avm_qmp(v, err);
    json_t *ev = NULL;
    while (q && !ev && proc_now() < deadline && !agent_qemu_gone(v->pid)) {
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
    while (!g && proc_now() < deadline && !agent_qemu_gone(v->pid)) {
        free(*err);
        *err = NULL;
        g = qga_open(sock, 5000, err);
    }
    free(sock);
    if (!g) {
        char *tail = agent_log_tail(v->dir, "console.log");
        free(*err);
        *err = xasprintf("the guest agent did not answer within %.0f s (QEMU %s; console: %s)", READY_TIMEOUT_S,
                         agent_qemu_gone(v->pid) ? "exited" : "running", tail);
        free(tail);
        return -1;
    }
    qmp_close(g);
    agent_phase_done(ph, "guest-agent");
    char *addr = ip_only(v->ip);
    int st = -1;
    while (proc_now() < deadline) {
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
    *out = agent_proto_error("boot of %s on %s failed: %s; nothing is left of it", v->name, a->server, err);
    free(err);
    json_decref(ph.list);
    agent_teardown(a, v);
    return 500;
}

/* Two transfer ports no VM here holds, reserved for 'v' (lock taken); false
 * when the range is used up. */
static bool reserve_ports(struct agent *a, struct avm *v, unsigned after)
{
    unsigned got = 0;
    pthread_mutex_lock(&a->lock);
    for (unsigned p = after + 1; p <= AGENT_TRANSFER_PORT_MAX && got < 2; p++) {
        bool used = false;
        for (size_t i = 0; i < a->n_vms && !used; i++)
            used = a->vms[i]->ports[0] == p || a->vms[i]->ports[1] == p;
        if (!used)
            v->ports[got++] = p;
    }
    if (got < 2)
        v->ports[0] = v->ports[1] = 0;
    pthread_mutex_unlock(&a->lock);
    return got == 2;
}

/* Lets the source reach the VM's transfer ports, or no longer. */
static void agent_firewall_admit_peer(struct avm *v, bool on)
{
    for (int i = 0; i < 2 && v->peer; i++)
        if (v->ports[i]) {
            if (on)
                agent_firewall_admit(v->peer, v->ports[i]);
            else
                agent_firewall_revoke(v->peer, v->ports[i]);
        }
}

/* Has QEMU listen for the disk (NBD) and the memory on the two reserved
 * ports; a port something else took meanwhile ("in use") makes it take the
 * next two. */
static int listen_incoming(struct agent *a, struct avm *v, struct qmp *q, char **err)
{
    unsigned after = AGENT_TRANSFER_PORT_MIN - 1;
    for (;;) {
        if (!reserve_ports(a, v, after)) {
            *err = xasprintf("no free transfer port left on %s (%u-%u)", a->data_addr, AGENT_TRANSFER_PORT_MIN,
                             AGENT_TRANSFER_PORT_MAX);
            return -1;
        }
        char nport[8], *uri = xasprintf("tcp:%s:%u", a->data_addr, v->ports[1]);
        snprintf(nport, sizeof nport, "%u", v->ports[0]);
        int rc = qmp_call(q, "nbd-server-start",
                          json_pack("{s:{s:s, s:{s:s, s:s}}}", "addr", "type", "inet", "data", "host", a->data_addr,
                                    "port", nport),
                          NULL, err, AGENT_QMP_TIMEOUT_MS);
        bool nbd = rc == 0;
        if (rc == 0)
            rc = qmp_call(q, "migrate-incoming", json_pack("{s:s}", "uri", uri), NULL, err, AGENT_QMP_TIMEOUT_MS);
        free(uri);
        if (rc == 0)
            return 0;
        if (nbd) {
            char *e2 = NULL;
            qmp_call(q, "nbd-server-stop", NULL, NULL, &e2, AGENT_QMP_TIMEOUT_MS);
            free(e2);
        }
        if (!strstr(*err, "in use"))
            return -1;
        LOG_WRN("%s: a transfer port of %u and %u is in use: trying the next", v->name, v->ports[0], v->ports[1]);
        after = v->ports[1];
        free(*err), *err = NULL;
    }
}

int agent_prepare_incoming(struct agent *a, json_t *req, json_t **out)
{
    const char *from = json_string_value(json_object_get(req, "from"));
    if (!agent_valid_ip(from, false)) {
        *out = agent_proto_error("from: expected the source's data address (IPv4)");
        return 400;
    }
    struct avm *v = agent_parse_vm(a, req, out);
    if (!v)
        return 400;
    v->peer = xstrdup(from);
    int st = agent_admit(a, v, AVM_INCOMING, "incoming", out);
    if (st != 200)
        return st;
    struct agent_phases ph;
    agent_phases_start(&ph);
    char *err = NULL;
    struct qmp *q = NULL;
    if (agent_start_qemu(a, v, true, &err) < 0)
        goto fail;
    agent_phase_done(&ph, "qemu");
    if (!(q = avm_qmp(v, &err)))
        goto fail;
    /* Only the source may reach the ports, from before they listen. */
    agent_firewall_admit_peer(v, false);
    if (listen_incoming(a, v, q, &err) < 0 ||
        qmp_call(q, "block-export-add",
                 json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", "nbd", "id", "exp0", "node-name", "disk0", "writable",
                           1, "name", "disk0"),
                 NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0)
        goto fail;
    agent_firewall_admit_peer(v, true);
    qmp_close(q);
    agent_phase_done(&ph, "listen");
    agent_give_back(a, v, AVM_INCOMING);
    char *uri = xasprintf("tcp:%s:%u", a->data_addr, v->ports[1]);
    char *nbd = xasprintf("nbd:%s:%u:exportname=disk0", a->data_addr, v->ports[0]);
    *out = json_pack("{s:s, s:s, s:o}", "nbd", nbd, "uri", uri, "timing", agent_phases_json(&ph));
    free(nbd);
    free(uri);
    return 200;
fail:
    qmp_close(q);
    LOG_ERR_("incoming %s: %s", v->name, err);
    *out = agent_proto_error("%s cannot receive %s: %s", a->server, v->name, err);
    free(err);
    json_decref(ph.list);
    agent_teardown(a, v);
    return 500;
}

/* How long a transfer may go without a byte moving before the destination
 * counts as gone: QEMU's NBD client and migration stream would otherwise wait
 * for TCP to give up (minutes), the guest paused meanwhile if it was. */
#define STALL_S 4.0

/* Polls the block job until it is ready ('want_ready') or gone; fails when
 * the job ends otherwise, or its offset stands still for 'stall_s' (0: no
 * such limit) with '*stalled' set. */
static int wait_job(struct qmp *q, bool want_ready, double timeout_s, double stall_s, bool *stalled, char **err)
{
    double deadline = proc_now() + timeout_s, moved = proc_now();
    json_int_t last = -1;
    for (;;) {
        json_t *jobs;
        if (qmp_call(q, "query-block-jobs", NULL, &jobs, err, AGENT_QMP_TIMEOUT_MS) < 0)
            return -1;
        json_t *job = NULL, *j;
        size_t i;
        json_array_foreach(jobs, i, j) if (!strcmp(json_string_value(json_object_get(j, "device")) ?: "",
                                                   MIRROR_JOB)) job = j;
        bool ready = job && json_is_true(json_object_get(job, "ready"));
        const char *io = job ? json_string_value(json_object_get(job, "io-status")) : NULL;
        bool failed = io && strcmp(io, "ok");
        json_int_t offset = job ? json_integer_value(json_object_get(job, "offset")) : 0;
        json_decref(jobs);
        if (failed) {
            *err = xasprintf("the disk copy to the destination failed (I/O status %s)", io);
            return -1;
        }
        if (want_ready ? ready : !job)
            return 0;
        if (want_ready && !job) {
            *err = xstrdup("the disk copy to the destination stopped (destination gone?)");
            return -1;
        }
        double now = proc_now();
        if (offset != last)
            moved = now, last = offset;
        if (stall_s > 0 && now - moved > stall_s) {
            *err = xasprintf("the disk copy made no progress for %.0f s (destination unreachable?)", stall_s);
            if (stalled)
                *stalled = true;
            return -1;
        }
        if (now > deadline) {
            *err = xasprintf("the disk copy did not %s within %.0f s", want_ready ? "catch up" : "finish", timeout_s);
            return -1;
        }
        usleep(5000);
    }
}

/* Polls query-migrate until the status is one of 'until' (space-separated);
 * fails on failed/cancelled, and when no byte of memory moves for 'stall_s'
 * (0: no such limit) while it is active, with '*stalled' set.  '*info' gets
 * the last answer. */
static int agent_wait_migration(struct qmp *q, const char *until, double timeout_s, double stall_s, bool *stalled,
                          json_t **info, char **err)
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
            *err = xasprintf("the memory migration %s: %s", st,
                             json_string_value(json_object_get(r, "error-desc")) ?: "no reason given");
            json_decref(r);
            return -1;
        }
        json_int_t sent = json_integer_value(json_object_get(json_object_get(r, "ram"), "transferred"));
        bool active = !strcmp(st, "active");
        json_decref(r);
        double now = proc_now();
        if (sent != last || !active)
            moved = now, last = sent;
        if (stall_s > 0 && now - moved > stall_s) {
            *err = xasprintf("the memory migration made no progress for %.0f s (destination unreachable?)", stall_s);
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

/* Cuts this host's TCP connections to the destination's transfer ports
 * ("nbd:HOST:PORT:..." and "tcp:HOST:PORT"), as `ss -K` does: QEMU's NBD
 * client and migration then fail at once instead of waiting for TCP's
 * retransmissions to give up, and the rollback (cancelling the mirror,
 * which drains its requests) does not hang. */
static void cut_transfer(const char *nbd, const char *uri)
{
    char host[64], filter[256];
    int nport, mport;
    if (sscanf(nbd, "nbd:%63[^:]:%d", host, &nport) != 2 || sscanf(uri, "tcp:%*[^:]:%d", &mport) != 1)
        return;
    snprintf(filter, sizeof filter, "( dport = :%d or dport = :%d )", nport, mport);
    const char *argv[] = {"ss", "-K", "-t", "dst", host, filter, NULL};
    LOG_WRN("cutting the connections to %s ports %d and %d", host, nport, mport);
    proc_run_logged("vm", argv, NULL);
}

/* Whether "nbd:HOST:PORT:..." accepts a TCP connection within 'ms': QEMU's
 * drive-mirror connects while holding its main loop, so an unreachable
 * destination would freeze the source VM until TCP gives up (minutes). */
static int probe_nbd(const char *nbd, int ms, char **err)
{
    char host[64];
    int port;
    if (sscanf(nbd, "nbd:%63[^:]:%d", host, &port) != 2) {
        *err = xasprintf("bad NBD address %s", nbd);
        return -1;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        *err = xasprintf("bad NBD host %s", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -errno : 0;
    if (!rc && connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        rc = -errno;
        if (rc == -EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int e = 0;
            socklen_t len = sizeof e;
            rc = poll(&p, 1, ms) <= 0 ? -ETIMEDOUT
                 : getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 ? -errno
                                                                         : -e;
        }
    }
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        *err = xasprintf("the destination %s:%d is unreachable (%s)", host, port, strerror(-rc));
    return rc < 0 ? -1 : 0;
}

/* Dumps the RAM of the paused guest (QMP pmemsave, range by range, into
 * the VM's directory) and makes its digest; the dump is removed. */
static int avm_memory_digest(const struct avm *v, struct qmp *q, struct memdigest *d, char **err)
{
    struct qemu_ram_range r[2];
    int n = qemu_ram_ranges(v->memory_mib, r), rc = 0;
    char *path = avm_path(v, "memory.dump");
    memdigest_init(d);
    for (int i = 0; i < n && !rc; i++) {
        unlink(path);
        if (qmp_call(q, "pmemsave",
                     json_pack("{s:I, s:I, s:s}", "val", (json_int_t)r[i].start, "size", (json_int_t)r[i].size,
                               "filename", path),
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
            *err = xasprintf("cannot read the memory dump %s: %s", path, fd < 0 ? strerror(errno) : "short or unmappable");
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

/* Puts the source back as it was after a failed send: no job, no migration,
 * running. */
static void send_rollback(struct qmp *q, bool mirror_started)
{
    char *e = NULL;
    qmp_call(q, "migrate_cancel", NULL, NULL, &e, AGENT_QMP_TIMEOUT_MS);
    free(e), e = NULL;
    if (mirror_started) {
        qmp_call(q, "block-job-cancel", json_pack("{s:s, s:b}", "device", MIRROR_JOB, "force", 1), NULL, &e,
                 AGENT_QMP_TIMEOUT_MS);
        free(e), e = NULL;
        wait_job(q, false, 10, 0, NULL, &e);
        free(e), e = NULL;
    }
    json_t *caps = json_pack("[{s:s, s:b}]", "capability", "pause-before-switchover", "state", 0);
    qmp_call(q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps), NULL, &e, AGENT_QMP_TIMEOUT_MS);
    free(e), e = NULL;
    json_t *st = NULL;
    if (qmp_call(q, "query-status", NULL, &st, &e, AGENT_QMP_TIMEOUT_MS) == 0 &&
        !json_is_true(json_object_get(st, "running")))
        qmp_call(q, "cont", NULL, NULL, &e, AGENT_QMP_TIMEOUT_MS);
    json_decref(st);
    free(e);
}

int agent_send(struct agent *a, const char *name, json_t *req, json_t **out)
{
    const char *nbd = json_string_value(json_object_get(req, "nbd"));
    const char *uri = json_string_value(json_object_get(req, "uri"));
    const char *mode = json_string_value(json_object_get(req, "mode")) ?: "move";
    json_int_t downtime_ms = json_integer_value(json_object_get(req, "downtime_limit_ms")) ?: 10;
    bool verify = json_is_true(json_object_get(req, "verify_memory"));
    if (!nbd || strncmp(nbd, "nbd:", 4) || !uri || strncmp(uri, "tcp:", 4)) {
        *out = agent_proto_error("expected \"nbd\": \"nbd:HOST:PORT:exportname=NAME\" and \"uri\": \"tcp:HOST:PORT\"");
        return 400;
    }
    bool copy = !strcmp(mode, "copy");
    if (!copy && strcmp(mode, "move")) {
        *out = agent_proto_error("mode: expected \"move\" or \"copy\"");
        return 400;
    }
    struct avm *v;
    int st = agent_take(a, name, copy ? "clone" : "migrate", &v, out);
    if (st != 200)
        return st;
    if (v->state != AVM_RUNNING) {
        *out = agent_proto_error("VM %s is %s, not running", name, avm_state_name(v->state));
        agent_give_back(a, v, v->state);
        return 409;
    }
    struct agent_phases ph;
    agent_phases_start(&ph);
    char *err = NULL;
    json_t *info = NULL, *memory = NULL;
    bool mirror = false, stalled = false;
    struct qmp *q = NULL;
    /* The guest agent's channel is held open while the VM moves: with no
     * one on the host side, qemu-ga polls its port with 100 ms sleeps, and a
     * guest moved in the middle of one was seen to come out with an agent
     * that no longer answers (about one move in ten here).  Connected, it
     * waits in poll() for input instead. */
    char *gsock = avm_path(v, "qga.sock"), *gerr = NULL;
    struct qmp *hold = qga_connect(gsock, &gerr);
    free(gsock);
    free(gerr);
    if (probe_nbd(nbd, 3000, &err) < 0 || !(q = avm_qmp(v, &err)))
        goto fail;
    /* 1. the overlay's top layer, mirrored to the destination's export until
     *    both are in step (writes keep being mirrored after). */
    if (qmp_call(q, "drive-mirror",
                 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "job-id", MIRROR_JOB, "device", "disk0", "target", nbd,
                           "format", "raw", "sync", "top", "mode", "existing"),
                 NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0)
        goto fail;
    mirror = true;
    if (wait_job(q, true, 120, STALL_S, &stalled, &err) < 0)
        goto fail;
    agent_phase_done(&ph, "disk");
    /* 2. memory, pausing before the switch-over so that the disk copy can be
     *    completed while the VM stands still. */
    json_t *caps = json_pack("[{s:s, s:b}, {s:s, s:b}, {s:s, s:b}]", "capability", "pause-before-switchover",
                             "state", 1, "capability", "auto-converge", "state", 1, "capability", "events", "state",
                             0);
    if (qmp_call(q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps), NULL, &err,
                 AGENT_QMP_TIMEOUT_MS) < 0 ||
        qmp_call(q, "migrate-set-parameters",
                 json_pack("{s:I, s:I}", "max-bandwidth", (json_int_t)10 << 30, "downtime-limit", downtime_ms), NULL,
                 &err, AGENT_QMP_TIMEOUT_MS) < 0)
        goto fail;
    if (!a->live_migration) {
        /* A QEMU before 9.0 under TCG loses the guest's writes while it
         * migrates live (docs/vms.md): the guest stands still instead while
         * its memory goes over. */
        if (qmp_call(q, "stop", NULL, NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0)
            goto fail;
        agent_phase_done(&ph, "pause");
    }
    if (qmp_call(q, "migrate", json_pack("{s:s}", "uri", uri), NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0 ||
        agent_wait_migration(q, "pre-switchover", 120, STALL_S, &stalled, &info, &err) < 0)
        goto fail;
    json_decref(info), info = NULL;
    agent_phase_done(&ph, "memory");
    /* 3. the VM is paused: the mirror's last writes land, then the device
     *    state goes over. */
    if (qmp_call(q, "block-job-cancel", json_pack("{s:s}", "device", MIRROR_JOB), NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0 ||
        wait_job(q, false, 30, STALL_S, &stalled, &err) < 0)
        goto fail;
    mirror = false;
    agent_phase_done(&ph, "disk-sync");
    if (qmp_call(q, "migrate-continue", json_pack("{s:s}", "state", "pre-switchover"), NULL, &err, AGENT_QMP_TIMEOUT_MS) <
            0 ||
        agent_wait_migration(q, "completed", 30, STALL_S, &stalled, &info, &err) < 0)
        goto fail;
    agent_phase_done(&ph, "device-state");
    json_t *ram = json_object_get(info, "ram");
    json_t *qemu = json_pack("{s:I, s:I, s:I, s:I}", "total_ms", json_integer_value(json_object_get(info, "total-time")),
                             "downtime_ms", json_integer_value(json_object_get(info, "downtime")), "setup_ms",
                             json_integer_value(json_object_get(info, "setup-time")), "ram_bytes",
                             json_integer_value(json_object_get(ram, "transferred")));
    json_decref(info), info = NULL;
    if (!a->live_migration)
        json_object_set_new(qemu, "paused_copy", json_true());
    if (verify) {
        /* The memory as it left, page by page, for the destination to
         * compare with what arrived (the guest is paused: the source once
         * the migration completed). */
        struct memdigest d;
        double t0 = proc_now();
        if (avm_memory_digest(v, q, &d, &err) < 0) {
            json_decref(qemu);
            goto fail;
        }
        char *text = memdigest_encode(&d);
        memory = json_pack("{s:I, s:s, s:f}", "pages", (json_int_t)d.n, "digest", text, "seconds", proc_now() - t0);
        free(text);
        memdigest_free(&d);
        agent_phase_done(&ph, "memory-digest");
    }
    char *e2 = NULL;
    json_t *caps_off = json_pack("[{s:s, s:b}]", "capability", "pause-before-switchover", "state", 0);
    qmp_call(q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps_off), NULL, &e2, AGENT_QMP_TIMEOUT_MS);
    free(e2), e2 = NULL;
    if (copy) {
        /* A clone: the source goes on (QEMU takes its images back). */
        if (qmp_call(q, "cont", NULL, NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0) {
            json_decref(qemu);
            goto fail;
        }
        agent_phase_done(&ph, "resume");
    }
    qmp_close(q);
    qmp_close(hold);
    agent_give_back(a, v, copy ? AVM_RUNNING : AVM_PAUSED);
    *out = json_pack("{s:o, s:o}", "qemu", qemu, "timing", agent_phases_json(&ph));
    if (memory)
        json_object_set_new(*out, "memory", memory);
    return 200;
fail:
    if (stalled)
        cut_transfer(nbd, uri);
    if (q) {
        send_rollback(q, mirror);
        qmp_close(q);
    }
    qmp_close(hold);
    json_decref(info);
    json_decref(memory);
    LOG_ERR_("%s of %s: %s", copy ? "clone" : "migration", name, err);
    *out = agent_proto_error("%s: %s; %s %s on %s", copy ? "clone" : "migration", err ? err : "failed", name,
                             agent_qemu_gone(v->pid) ? "is gone: its QEMU ended" : "keeps running", a->server);
    free(err);
    json_decref(ph.list);
    agent_give_back(a, v, AVM_RUNNING);
    return 502;
}

/* Runs minidc-identity in the guest (new name, MAC, address). */
/* Syncs with the guest agent on '*g'; when it does not answer in 2 s,
 * unplugs and plugs its port again (QMP on 'q'): after a live migration the
 * guest now and then (about one move in ten here, QEMU 7.2) no longer hears
 * its port, and only a new port brings its agent back (the guest's init
 * restarts qemu-ga on it).  '*g' may be replaced. */
static int agent_sync_or_replug(struct avm *v, struct qmp *q, struct qmp **g, int timeout_ms, char **err)
{
    char *e = NULL;
    if (*g && qga_sync(*g, 2000, &e) == 0)
        return 0;
    LOG_WRN("%s: guest agent silent (%s): plugging its port again", v->name, e ? e : "no connection");
    free(e), e = NULL;
    qmp_close(*g);
    *g = NULL;
    if (qmp_call(q, "device_del", json_pack("{s:s}", "id", "qga0"), NULL, err, AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    json_t *ev = qmp_wait_event(q, "DEVICE_DELETED", 3000, &e);
    json_decref(ev);
    free(e), e = NULL;
    if (qmp_call(q, "device_add",
                 json_pack("{s:s, s:s, s:s, s:s}", "driver", "virtserialport", "chardev", "qga", "name",
                           "org.qemu.guest_agent.0", "id", "qga0"),
                 NULL, err, AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    char *sock = avm_path(v, "qga.sock");
    *g = qga_open(sock, timeout_ms, err);
    free(sock);
    return *g ? 0 : -1;
}

/* Runs minidc-identity in the guest, on guest agent session '*g' (synced
 * here, replugged if need be; closed by the caller). */
static int set_identity(struct avm *v, struct qmp *q, struct qmp **g, char **err)
{
    if (agent_sync_or_replug(v, q, g, 3000, err) < 0)
        return -1;
    struct qmp *gg = *g;
    const char *argv[] = {"/sbin/minidc-identity", v->name, v->mac, v->ip, v->gw, NULL};
    struct qga_result r;
    int rc = qga_exec(gg, argv, NULL, 10000, &r, err);
    if (rc == 0 && r.exitcode != 0) {
        *err = xasprintf("minidc-identity exited %d: %s", r.exitcode, r.err);
        rc = -1;
    }
    if (rc == 0)
        qga_result_free(&r);
    return rc;
}

int agent_finish_incoming(struct agent *a, const char *name, json_t *req, json_t **out)
{
    bool identity = json_is_true(json_object_get(req, "identity"));
    /* A VM that takes a new identity (a clone, a move to another subnet) is
     * kept off the network until it has it: should the step fail, the
     * network never saw it at its new place with the old identity. */
    bool isolate = identity && !json_is_false(json_object_get(req, "isolate"));
    struct avm *v;
    int st = agent_take(a, name, "finish", &v, out);
    if (st != 200)
        return st;
    if (v->state != AVM_INCOMING) {
        *out = agent_proto_error("VM %s is %s, not incoming", name, avm_state_name(v->state));
        agent_give_back(a, v, v->state);
        return 409;
    }
    struct agent_phases ph;
    agent_phases_start(&ph);
    char *err = NULL;
    json_t *info = NULL;
    struct qmp *q = avm_qmp(v, &err);
    json_t *check = NULL;
    bool resumed = false;
    if (!q || agent_wait_migration(q, "completed", 30, 0, NULL, &info, &err) < 0)
        goto fail;
    json_decref(info);
    const char *want = json_string_value(json_object_get(req, "memory_digest"));
    if (want) {
        /* What arrived, page by page, against what left: a copy that lost
         * or garbled a page is never run. */
        struct memdigest src, here;
        double t0 = proc_now();
        if (memdigest_decode(want, &src) < 0) {
            err = xstrdup("memory_digest: not a digest");
            goto fail;
        }
        if (avm_memory_digest(v, q, &here, &err) < 0) {
            memdigest_free(&src);
            goto fail;
        }
        /* MINIDC_FAULT=agent:memory-differs: one page arrives garbled (the
         * test of what a lost page does). */
        const char *fault = getenv("MINIDC_FAULT");
        if (fault && !strcmp(fault, "agent:memory-differs") && here.n)
            here.hash[here.n / 2] ^= 1;
        size_t first, diff = memdigest_diff(&src, &here, &first);
        check = json_pack("{s:I, s:I, s:f}", "pages", (json_int_t)here.n, "differing", (json_int_t)diff, "seconds",
                          proc_now() - t0);
        memdigest_free(&src), memdigest_free(&here);
        if (diff) {
            err = xasprintf("%zu of %zu pages of guest memory differ from the source's (the first at guest page "
                            "%zu): the arrived copy is not used",
                            diff, (size_t)json_integer_value(json_object_get(check, "pages")), first);
            goto fail;
        }
        agent_phase_done(&ph, "memory-check");
    }
    /* The source has completed its mirror; its NBD connection may linger a
     * moment: "hard" drops it. */
    if (qmp_call(q, "block-export-del", json_pack("{s:s, s:s}", "id", "exp0", "mode", "hard"), NULL, &err,
                 AGENT_QMP_TIMEOUT_MS) < 0 ||
        qmp_call(q, "nbd-server-stop", NULL, NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0)
        goto fail;
    agent_firewall_admit_peer(v, false);
    pthread_mutex_lock(&a->lock);
    v->ports[0] = v->ports[1] = 0;
    pthread_mutex_unlock(&a->lock);
    /* A clone must not speak with its source's identity: its link stays down
     * until it has its own. */
    if (isolate && qmp_call(q, "set_link", json_pack("{s:s, s:b}", "name", "n0", "up", 0), NULL, &err,
                            AGENT_QMP_TIMEOUT_MS) < 0)
        goto fail;
    /* The guest agent's channel is connected before the VM runs again: a
     * connection made just after `cont` was seen here to be missed by the
     * guest now and then (about one move in ten), its agent never
     * answering on the new host. */
    char *sock = avm_path(v, "qga.sock"), *gerr = NULL;
    struct qmp *g = qga_connect(sock, &gerr);
    free(sock);
    if (qmp_call(q, "cont", NULL, NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0) {
        qmp_close(g);
        free(gerr);
        goto fail;
    }
    resumed = true;
    agent_phase_done(&ph, "resume");
    if (!identity) {
        /* The guest must answer on the new host.  Now and then (QEMU 7.2,
         * TCG; more often on a loaded machine) a moved guest comes out
         * spinning, its CPU busy, answering nothing: its agent, its network.
         * That is a failed start: the caller removes this copy and resumes
         * the source, which is intact, and may try again. */
        if (agent_sync_or_replug(v, q, &g, 5000, &gerr) < 0) {
            qmp_close(g);
            err = xasprintf("the guest does not answer on %s (its agent: %s)", a->server, gerr ? gerr : "silent");
            free(gerr);
            goto fail;
        }
        agent_phase_done(&ph, "guest-agent");
    }
    free(gerr);
    if (identity) {
        int rc = set_identity(v, q, &g, &err);
        qmp_close(g);
        g = NULL;
        if (rc < 0 || (isolate && qmp_call(q, "set_link", json_pack("{s:s, s:b}", "name", "n0", "up", 1), NULL, &err,
                                           AGENT_QMP_TIMEOUT_MS) < 0))
            goto fail;
        /* Its link was down when the guest took the address: the guest
         * tells the network where it is now. */
        char *e2 = NULL;
        if (isolate && qmp_call(q, "announce-self",
                                json_pack("{s:i, s:i, s:i, s:i}", "initial", 50, "max", 550, "rounds", 5, "step", 100),
                                NULL, &e2, AGENT_QMP_TIMEOUT_MS) < 0)
            LOG_WRN("%s: announce-self: %s", name, e2);
        free(e2);
        agent_phase_done(&ph, "identity");
    }
    qmp_close(g);
    qmp_close(q);
    pthread_mutex_lock(&a->lock);
    v->incoming = false;
    pthread_mutex_unlock(&a->lock);
    avm_save(v);
    agent_give_back(a, v, AVM_RUNNING);
    LOG_INF("%s arrived (%s)", v->name, v->ip);
    *out = json_pack("{s:o}", "timing", agent_phases_json(&ph));
    if (check)
        json_object_set_new(*out, "memory_check", check);
    return 200;
fail:
    json_decref(check);
    if (resumed) {
        /* A copy that stays "incoming" never runs: whoever reads this
         * agent's word (minidcd, resuming the source) relies on it. */
        char *e2 = NULL;
        if (qmp_call(q, "stop", NULL, NULL, &e2, AGENT_QMP_TIMEOUT_MS) < 0) {
            LOG_ERR_("finish %s: cannot stop the copy that failed to start (%s): removing it", name, e2);
            avm_kill_qemu(v);
        }
        free(e2);
    }
    qmp_close(q);
    LOG_ERR_("finish %s: %s", name, err);
    *out = agent_proto_error("%s could not start the arrived %s: %s", a->server, name, err);
    free(err);
    json_decref(ph.list);
    agent_give_back(a, v, v->state);
    return 500;
}

int agent_resume(struct agent *a, const char *name, json_t **out)
{
    struct avm *v;
    int st = agent_take(a, name, "resume", &v, out);
    if (st != 200)
        return st;
    char *err = NULL;
    struct qmp *q = avm_qmp(v, &err);
    if (q && qmp_call(q, "cont", NULL, NULL, &err, AGENT_QMP_TIMEOUT_MS) == 0) {
        /* The network may have seen the VM elsewhere meanwhile: it says
         * where it is again (gratuitous ARP / RARP, as after a migration). */
        char *e2 = NULL;
        if (qmp_call(q, "announce-self",
                     json_pack("{s:i, s:i, s:i, s:i}", "initial", 50, "max", 550, "rounds", 5, "step", 100), NULL,
                     &e2, AGENT_QMP_TIMEOUT_MS) < 0)
            LOG_WRN("%s: announce-self: %s", name, e2);
        free(e2);
        qmp_close(q);
        agent_give_back(a, v, AVM_RUNNING);
        *out = json_pack("{s:s}", "state", "running");
        return 200;
    }
    qmp_close(q);
    *out = agent_proto_error("cannot resume %s: %s", name, err);
    free(err);
    agent_give_back(a, v, v->state);
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

int agent_exec(struct agent *a, const char *name, json_t *req, json_t **out)
{
    json_t *jargv = json_object_get(req, "argv");
    json_int_t timeout_ms = json_integer_value(json_object_get(req, "timeout_ms")) ?: 30000;
    const char *input = json_string_value(json_object_get(req, "input"));
    if (!json_is_array(jargv) || !json_array_size(jargv) || json_array_size(jargv) > 256) {
        *out = agent_proto_error("argv: expected a non-empty array of strings");
        return 400;
    }
    const char **argv = xcalloc(json_array_size(jargv) + 1, sizeof *argv);
    size_t i;
    json_t *s;
    json_array_foreach(jargv, i, s)
    {
        if (!json_is_string(s)) {
            free(argv);
            *out = agent_proto_error("argv: expected strings");
            return 400;
        }
        argv[i] = json_string_value(s);
    }
    if (timeout_ms < 1 || timeout_ms > 3600000) {
        free(argv);
        *out = agent_proto_error("timeout_ms: expected 1 to 3600000");
        return 400;
    }
    /* A command in the guest does not hold the VM: it may be stopped or
     * moved meanwhile (the command then ends with an error).  The guest
     * agent's channel is the VM's own; what exec needs of it is copied. */
    pthread_mutex_lock(&a->lock);
    struct avm *v = agent_find(a, name);
    char *sock = v ? avm_path(v, "qga.sock") : NULL, *err = NULL;
    int st = !v ? 404 : v->state != AVM_RUNNING || v->busy ? 409 : 200;
    if (st == 404)
        *out = agent_proto_error("no VM %s on %s", name, a->server);
    else if (st == 409)
        *out = agent_proto_error("exec in %s: VM is %s", name, v->busy ? v->op : avm_state_name(v->state));
    pthread_mutex_unlock(&a->lock);
    if (st != 200) {
        free(sock);
        free(argv);
        return st;
    }
    struct qmp *g = qga_open(sock, 5000, &err);
    free(sock);
    struct qga_result r;
    if (g && qga_exec(g, argv, input, (int)timeout_ms, &r, &err) == 0) {
        *out = json_pack("{s:i, s:s, s:s}", "exitcode", r.exitcode, "stdout", r.out, "stderr", r.err);
        qga_result_free(&r);
        st = 200;
    } else {
        *out = agent_proto_error("exec in %s: %s", name, err);
        st = 502;
    }
    qmp_close(g);
    free(err);
    free(argv);
    return st;
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
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "server", a->server, "qemu",
                     qemu_binary(), "qemu_version", a->qemu_version, "accel", a->accel, "migration",
                     a->live_migration ? "live" : "paused", "data_addr", a->data_addr, "capacity_mib",
                     (int)a->capacity_mib, "used_mib", (int)used, "free_mib", (int)(a->capacity_mib - used), "vms",
                     (int)a->n_vms);
    pthread_mutex_unlock(&a->lock);
    return 200;
}

/* A source whose send the agent's end cut short: its migration (and disk
 * mirror) may still be under way, or stopped before the switch-over with
 * the guest paused, waiting for an agent that is gone.  It is put back as
 * it was, running: no destination can have all of it.  A migration that
 * completed leaves the source paused, for minidcd to decide. */
static void agent_settle_cut_send(struct avm *v, struct qmp *q)
{
    json_t *m = NULL, *jobs = NULL, *j;
    char *e = NULL;
    qmp_call(q, "query-migrate", NULL, &m, &e, AGENT_QMP_TIMEOUT_MS);
    free(e), e = NULL;
    const char *st = json_string_value(json_object_get(m, "status")) ?: "none";
    bool mirror = false;
    size_t i;
    if (qmp_call(q, "query-block-jobs", NULL, &jobs, &e, AGENT_QMP_TIMEOUT_MS) == 0)
        json_array_foreach(jobs, i, j) mirror |= !strcmp(json_string_value(json_object_get(j, "device")) ?: "",
                                                         MIRROR_JOB);
    free(e), e = NULL;
    json_decref(jobs);
    /* "failed" and "cancelled" leave a guest paused for the copy (a QEMU
     * before 9.0) paused: it runs again too. */
    json_t *status = NULL;
    bool running = qmp_call(q, "query-status", NULL, &status, &e, AGENT_QMP_TIMEOUT_MS) == 0 &&
                   json_is_true(json_object_get(status, "running"));
    free(e), e = NULL;
    json_decref(status);
    bool ended = !strcmp(st, "failed") || !strcmp(st, "cancelled");
    bool cut = (strcmp(st, "none") && strcmp(st, "completed") && !ended) || (ended && !running);
    if (cut || mirror) {
        LOG_WRN("%s: a send cut short by the agent's end (migration %s%s): cancelled, the VM runs on here", v->name,
                st, mirror ? ", disk mirror under way" : "");
        send_rollback(q, mirror);
    }
    json_decref(m);
}

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
    } else if (!strcmp(s, "running") || !strcmp(s, "paused") || !strcmp(s, "postmigrate")) {
        /* A source paused by a migration that the agent's end cut short
         * stays paused: minidcd knows whether its destination took over. */
        v->state = strcmp(s, "running") ? AVM_PAUSED : AVM_RUNNING;
        pthread_mutex_lock(&a->lock);
        xgrow(&a->vms, &a->cap_vms, a->n_vms + 1, sizeof *a->vms);
        a->vms[a->n_vms++] = v;
        pthread_mutex_unlock(&a->lock);
        LOG_INF("adopted %s (pid %d, %s)", v->name, (int)v->pid, s);
    } else {
        /* Gone, or an arrival the agent's end cut short: not wanted. */
        LOG_WRN("%s: %s: removing what is left of it", v->name,
                *s ? s : err ? err : "its QEMU is gone");
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
