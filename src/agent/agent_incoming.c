/* The destination half of a live migration or clone: an incoming QEMU with
 * an NBD export of its fresh overlay, on two transfer ports only the source
 * may reach (agent_prepare_incoming); once all of the VM is here, and its
 * memory matches the source's when asked, it runs, with the identity it was
 * prepared with when asked (agent_finish_incoming). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agentproto/agent_proto.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "vm/memcheck.h"
#include "vm/qmp.h"

LOG_MODULE("vm");

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

/* Has QEMU listen at address 'at' for the disk (NBD) and the memory on the
 * two reserved ports; a port something else took meanwhile ("in use")
 * makes it take the next two. */
static int listen_incoming(struct agent *a, struct avm *v, struct qmp *q, const char *at,
                           char **err)
{
    unsigned after = AGENT_TRANSFER_PORT_MIN - 1;
    for (;;) {
        if (!reserve_ports(a, v, after)) {
            *err = xasprintf("no free transfer port left on %s (%u-%u)", at,
                             AGENT_TRANSFER_PORT_MIN, AGENT_TRANSFER_PORT_MAX);
            return -1;
        }
        char nport[8], *uri = xasprintf("tcp:%s:%u", at, v->ports[1]);
        snprintf(nport, sizeof nport, "%u", v->ports[0]);
        int rc = qmp_call(q, "nbd-server-start",
                          json_pack("{s:{s:s, s:{s:s, s:s}}}", "addr", "type", "inet", "data",
                                    "host", at, "port", nport),
                          NULL, err, AGENT_QMP_TIMEOUT_MS);
        bool nbd = rc == 0;
        if (rc == 0)
            rc = qmp_call(q, "migrate-incoming", json_pack("{s:s}", "uri", uri), NULL, err,
                          AGENT_QMP_TIMEOUT_MS);
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
        LOG_WRN("%s: a transfer port of %u and %u is in use: trying the next", v->name, v->ports[0],
                v->ports[1]);
        after = v->ports[1];
        free(*err), *err = NULL;
    }
}

int agent_prepare_incoming(struct agent *a, json_t *req, json_t **out)
{
    const char *from = json_string_value(json_object_get(req, AGENT_PROTO_INCOMING_FROM));
    if (!agent_valid_ip(from, false)) {
        *out =
            agent_proto_error(AGENT_PROTO_INCOMING_FROM ": expected the source's address (IPv4)");
        return 400;
    }
    /* The network the transfer takes: the data network's address here, or
     * the management network's (off the clients' path). */
    const char *at = json_string_value(json_object_get(req, AGENT_PROTO_INCOMING_LISTEN));
    if (!at)
        at = a->data_addr;
    if (strcmp(at, a->data_addr) && (!a->mgmt_addr || strcmp(at, a->mgmt_addr))) {
        *out = agent_proto_error(AGENT_PROTO_INCOMING_LISTEN
                                 ": expected this server's data address (%s) or management "
                                 "address (%s), got '%s'",
                                 a->data_addr, a->mgmt_addr ? a->mgmt_addr : "none", at);
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
    agent_firewall_admit_peer(a, v, false);
    if (listen_incoming(a, v, q, at, &err) < 0 ||
        qmp_call(q, "block-export-add",
                 json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", "nbd", "id", "exp0", "node-name",
                           "disk0", "writable", 1, "name", "disk0"),
                 NULL, &err, AGENT_QMP_TIMEOUT_MS) < 0)
        goto fail;
    agent_firewall_admit_peer(a, v, true);
    qmp_close(q);
    agent_phase_done(&ph, "listen");
    agent_give_back(a, v, AVM_INCOMING);
    char *uri = xasprintf("tcp:%s:%u", at, v->ports[1]);
    char *nbd = xasprintf("nbd:%s:%u:exportname=disk0", at, v->ports[0]);
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

/* Syncs with the guest agent on '*g'; when it does not answer in 2 s,
 * unplugs and plugs its port again (QMP on 'q'): after a live migration the
 * guest now and then (about one move in ten here, QEMU 7.2) no longer hears
 * its port, and only a new port brings its agent back (the guest's init
 * restarts qemu-ga on it).  '*g' may be replaced. */
static int agent_sync_or_replug(struct avm *v, struct qmp *q, struct qmp **g, int timeout_ms,
                                char **err)
{
    char *e = NULL;
    if (*g && qga_sync(*g, 2000, &e) == 0)
        return 0;
    LOG_WRN("%s: guest agent silent (%s): plugging its port again", v->name,
            e ? e : "no connection");
    free(e), e = NULL;
    qmp_close(*g);
    *g = NULL;
    if (qmp_call(q, "device_del", json_pack("{s:s}", "id", "qga0"), NULL, err,
                 AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    json_t *ev = qmp_wait_event(q, "DEVICE_DELETED", 3000, &e);
    json_decref(ev);
    free(e), e = NULL;
    if (qmp_call(q, "device_add",
                 json_pack("{s:s, s:s, s:s, s:s}", "driver", "virtserialport", "chardev", "qga",
                           "name", "org.qemu.guest_agent.0", "id", "qga0"),
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
    if (rc < 0)
        return -1;
    if (r.exitcode != 0) {
        *err = xasprintf("minidc-identity exited %d: %s", r.exitcode, r.err);
        rc = -1;
    }
    qga_result_free(&r);
    return rc;
}

/* A finish under way (agent_finish_incoming), for the steps that follow and
 * for the undoing of a failed one. */
struct finish {
    struct agent *a;
    struct avm *v;
    struct qmp *q; /* QMP on the arrived VM */
    struct agent_phases ph;
    json_t *check; /* the memory check's figures, for the reply */
    bool resumed;  /* it ran: a failure stops it again */
    char *err;
};

/* What arrived, page by page, against what left ('want', the source's
 * digest): a copy that lost or garbled a page is never run. */
static int finish_check_memory(struct finish *f, const char *want)
{
    struct memdigest src, here;
    double t0 = proc_now();
    if (memdigest_decode(want, &src) < 0) {
        f->err = xstrdup(AGENT_PROTO_FINISH_MEMORY_DIGEST ": not a digest");
        return -1;
    }
    if (avm_memory_digest(f->v, f->q, &here, &f->err) < 0) {
        memdigest_free(&src);
        return -1;
    }
    /* MINIDC_FAULT=agent:memory-differs: one page arrives garbled (the
     * test of what a lost page does). */
    const char *fault = getenv("MINIDC_FAULT");
    if (fault && !strcmp(fault, "agent:memory-differs") && here.n)
        here.hash[here.n / 2] ^= 1;
    size_t first, diff = memdigest_diff(&src, &here, &first);
    f->check = json_pack("{s:I, s:I, s:f}", "pages", (json_int_t)here.n, "differing",
                         (json_int_t)diff, "seconds", proc_now() - t0);
    memdigest_free(&src), memdigest_free(&here);
    if (diff) {
        f->err =
            xasprintf("%zu of %zu pages of guest memory differ from the source's (the "
                      "first at guest page %zu): the arrived copy is not used",
                      diff, (size_t)json_integer_value(json_object_get(f->check, "pages")), first);
        return -1;
    }
    agent_phase_done(&f->ph, "memory-check");
    return 0;
}

/* The source has completed its mirror: the disk's export goes, and with it
 * the source's admission to the transfer ports.  Its NBD connection may
 * linger a moment: "hard" drops it. */
static int finish_close_export(struct finish *f)
{
    if (qmp_call(f->q, "block-export-del", json_pack("{s:s, s:s}", "id", "exp0", "mode", "hard"),
                 NULL, &f->err, AGENT_QMP_TIMEOUT_MS) < 0 ||
        qmp_call(f->q, "nbd-server-stop", NULL, NULL, &f->err, AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    agent_firewall_admit_peer(f->a, f->v, false);
    pthread_mutex_lock(&f->a->lock);
    f->v->ports[0] = f->v->ports[1] = 0;
    pthread_mutex_unlock(&f->a->lock);
    return 0;
}

/* The VM's link up or down. */
static int finish_set_link(struct finish *f, bool up)
{
    return qmp_call(f->q, "set_link", json_pack("{s:s, s:b}", "name", "n0", "up", up), NULL,
                    &f->err, AGENT_QMP_TIMEOUT_MS);
}

/* Runs the VM, its guest agent's channel '*g' connected first (a
 * connection's error in '*gerr'): a connection made just after `cont` was
 * seen here to be missed by the guest now and then (about one move in ten),
 * its agent never answering on the new host.  On failure '*g' is closed
 * and '*gerr' freed. */
static int finish_resume(struct finish *f, struct qmp **g, char **gerr)
{
    char *sock = avm_path(f->v, "qga.sock");
    *g = qga_connect(sock, gerr);
    free(sock);
    if (qmp_call(f->q, "cont", NULL, NULL, &f->err, AGENT_QMP_TIMEOUT_MS) < 0) {
        qmp_close(*g);
        free(*gerr);
        return -1;
    }
    f->resumed = true;
    agent_phase_done(&f->ph, "resume");
    return 0;
}

/* The guest must answer on the new host.  Now and then (QEMU 7.2, TCG; more
 * often on a loaded machine) a moved guest comes out spinning, its CPU busy,
 * answering nothing: its agent, its network.  That is a failed start: the
 * caller removes this copy and resumes the source, which is intact, and may
 * try again.  On failure '*g' is closed (NULL). */
static int finish_guest_answers(struct finish *f, struct qmp **g, char **gerr)
{
    if (agent_sync_or_replug(f->v, f->q, g, 5000, gerr) < 0) {
        qmp_close(*g);
        *g = NULL;
        f->err = xasprintf("the guest does not answer on %s (its agent: %s)", f->a->server,
                           *gerr ? *gerr : "silent");
        return -1;
    }
    agent_phase_done(&f->ph, "guest-agent");
    return 0;
}

/* The VM takes the name, MAC and address it was prepared with, on guest
 * agent session '*g' (closed here: NULL); an isolated one then comes on the
 * network. */
static int finish_identity(struct finish *f, struct qmp **g, bool isolate)
{
    int rc = set_identity(f->v, f->q, g, &f->err);
    qmp_close(*g);
    *g = NULL;
    if (rc < 0 || (isolate && finish_set_link(f, true) < 0))
        return -1;
    /* Its link was down when the guest took the address: the guest
     * tells the network where it is now. */
    if (isolate)
        avm_announce(f->v, f->q);
    agent_phase_done(&f->ph, "identity");
    return 0;
}

int agent_finish_incoming(struct agent *a, const char *name, json_t *req, json_t **out)
{
    bool identity = json_is_true(json_object_get(req, AGENT_PROTO_FINISH_IDENTITY));
    /* A VM that takes a new identity (a clone, a move to another subnet) is
     * kept off the network until it has it: should the step fail, the
     * network never saw it at its new place with the old identity. */
    bool isolate = identity && !json_is_false(json_object_get(req, AGENT_PROTO_FINISH_ISOLATE));
    struct finish f = {.a = a};
    int st = agent_take(a, name, "finish", &f.v, out);
    if (st != 200)
        return st;
    struct avm *v = f.v;
    if (v->state != AVM_INCOMING) {
        *out = agent_proto_error("VM %s is %s, not incoming", name, avm_state_name(v->state));
        agent_give_back(a, v, v->state);
        return 409;
    }
    agent_phases_start(&f.ph);
    json_t *info = NULL;
    f.q = avm_qmp(v, &f.err);
    if (!f.q || agent_wait_migration(f.q, "completed", 30, 0, NULL, &info, &f.err) < 0)
        goto fail;
    json_decref(info);
    const char *want = json_string_value(json_object_get(req, AGENT_PROTO_FINISH_MEMORY_DIGEST));
    if ((want && finish_check_memory(&f, want) < 0) || finish_close_export(&f) < 0)
        goto fail;
    /* A VM that takes a new identity must not speak with its old one: its
     * link stays down until it has the new one. */
    if (isolate && finish_set_link(&f, false) < 0)
        goto fail;
    struct qmp *g = NULL;
    char *gerr = NULL;
    if (finish_resume(&f, &g, &gerr) < 0)
        goto fail;
    int rc = identity ? 0 : finish_guest_answers(&f, &g, &gerr);
    free(gerr);
    if (rc == 0 && identity)
        rc = finish_identity(&f, &g, isolate);
    qmp_close(g);
    if (rc < 0)
        goto fail;
    qmp_close(f.q);
    pthread_mutex_lock(&a->lock);
    v->incoming = false;
    pthread_mutex_unlock(&a->lock);
    avm_save(v);
    agent_give_back(a, v, AVM_RUNNING);
    LOG_INF("%s arrived (%s)", v->name, v->ip);
    *out = json_pack("{s:o}", "timing", agent_phases_json(&f.ph));
    if (f.check)
        json_object_set_new(*out, "memory_check", f.check);
    return 200;
fail:
    json_decref(f.check);
    if (f.resumed) {
        /* A copy that stays "incoming" never runs: whoever reads this
         * agent's word (minidcd, resuming the source) relies on it. */
        char *e2 = NULL;
        if (qmp_call(f.q, "stop", NULL, NULL, &e2, AGENT_QMP_TIMEOUT_MS) < 0) {
            LOG_ERR_("finish %s: cannot stop the copy that failed to start (%s): removing it", name,
                     e2);
            avm_kill_qemu(v);
        }
        free(e2);
    }
    qmp_close(f.q);
    LOG_ERR_("finish %s: %s", name, f.err);
    *out = agent_proto_error("%s could not start the arrived %s: %s", a->server, name, f.err);
    free(f.err);
    json_decref(f.ph.list);
    agent_give_back(a, v, v->state);
    return 500;
}
