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
