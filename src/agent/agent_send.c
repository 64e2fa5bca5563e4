/* The source half of a live migration or clone: its overlay's top layer
 * mirrored to the destination's NBD export, then its memory migrated, the VM
 * paused before the switch-over while the disk copy completes, and the digest
 * of its memory when asked.  A move leaves the source paused, for minidcd to
 * remove or resume (agent_resume); a clone's source runs on.  Also what
 * becomes of a send the agent's end cut short (agent_settle_cut_send). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agentproto/agent_proto.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "vm/memcheck.h"
#include "vm/qmp.h"

LOG_MODULE("vm");

#define MIRROR_JOB "minidc-mirror"

/* How long a transfer may go without a byte moving before the destination
 * counts as gone: QEMU's NBD client and migration stream would otherwise wait
 * for TCP to give up (minutes), the guest paused meanwhile if it was. */
#define STALL_S 4.0

/* Polls the block job until it is ready ('want_ready') or gone; fails when
 * the job ends otherwise, or its offset stands still for 'stall_s' (0: no
 * such limit) with '*stalled' set. */
static int wait_job(struct qmp *q, bool want_ready, double timeout_s, double stall_s, bool *stalled,
                    char **err)
{
    double deadline = proc_now() + timeout_s, moved = proc_now();
    json_int_t last = -1;
    for (;;) {
        json_t *jobs;
        if (qmp_call(q, "query-block-jobs", NULL, &jobs, err, AGENT_QMP_TIMEOUT_MS) < 0)
            return -1;
        json_t *job = NULL, *j;
        size_t i;
        json_array_foreach(jobs, i, j)
            if (!strcmp(json_string_value(json_object_get(j, "device")) ?: "", MIRROR_JOB))
                job = j;
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
            *err = xasprintf("the disk copy made no progress for %.0f s (destination unreachable?)",
                             stall_s);
            if (stalled)
                *stalled = true;
            return -1;
        }
        if (now > deadline) {
            *err = xasprintf("the disk copy did not %s within %.0f s",
                             want_ready ? "catch up" : "finish", timeout_s);
            return -1;
        }
        usleep(5000);
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
    if (sscanf(nbd, "nbd:%63[^:]:%d", host, &nport) != 2 ||
        sscanf(uri, "tcp:%*[^:]:%d", &mport) != 1)
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
            rc = poll(&p, 1, ms) <= 0                                 ? -ETIMEDOUT
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

/* Puts the source back as it was after a failed send: no job, no migration,
 * running. */
static void send_rollback(struct qmp *q, bool mirror_started)
{
    char *e = NULL;
    qmp_call(q, "migrate_cancel", NULL, NULL, &e, AGENT_QMP_TIMEOUT_MS);
    free(e), e = NULL;
    if (mirror_started) {
        qmp_call(q, "block-job-cancel", json_pack("{s:s, s:b}", "device", MIRROR_JOB, "force", 1),
                 NULL, &e, AGENT_QMP_TIMEOUT_MS);
        free(e), e = NULL;
        wait_job(q, false, 10, 0, NULL, &e);
        free(e), e = NULL;
    }
    json_t *caps = json_pack("[{s:s, s:b}]", "capability", "pause-before-switchover", "state", 0);
    qmp_call(q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps), NULL, &e,
             AGENT_QMP_TIMEOUT_MS);
    free(e), e = NULL;
    json_t *st = NULL;
    if (qmp_call(q, "query-status", NULL, &st, &e, AGENT_QMP_TIMEOUT_MS) == 0 &&
        !json_is_true(json_object_get(st, "running")))
        qmp_call(q, "cont", NULL, NULL, &e, AGENT_QMP_TIMEOUT_MS);
    json_decref(st);
    free(e);
}

/* A send under way (agent_send): what it was asked, and how far it got, for
 * the steps that follow and for the rollback. */
struct send {
    struct agent *a;
    struct avm *v;
    const char *nbd, *uri; /* borrowed from the request */
    json_int_t downtime_ms;
    bool copy;        /* a clone: the source goes on */
    bool verify;      /* the memory's digest goes back with the reply */
    struct qmp *q;    /* QMP on the source */
    struct qmp *hold; /* the guest agent's channel, held open while the VM moves */
    struct agent_phases ph;
    bool mirror;  /* the disk mirror runs: the rollback cancels it */
    bool stalled; /* no byte moved for STALL_S: the connections are cut */
    char *err;
};

/* Reads the request into 's'; 400 with '*out' when it is not a send. */
static int send_read(json_t *req, struct send *s, json_t **out)
{
    s->nbd = json_string_value(json_object_get(req, AGENT_PROTO_SEND_NBD));
    s->uri = json_string_value(json_object_get(req, AGENT_PROTO_SEND_URI));
    const char *mode =
        json_string_value(json_object_get(req, AGENT_PROTO_SEND_MODE)) ?: AGENT_PROTO_SEND_MOVE;
    s->downtime_ms =
        json_integer_value(json_object_get(req, AGENT_PROTO_SEND_DOWNTIME_LIMIT_MS)) ?: 10;
    s->verify = json_is_true(json_object_get(req, AGENT_PROTO_SEND_VERIFY_MEMORY));
    if (!s->nbd || strncmp(s->nbd, "nbd:", 4) || !s->uri || strncmp(s->uri, "tcp:", 4)) {
        *out = agent_proto_error("expected \"" AGENT_PROTO_SEND_NBD
                                 "\": \"nbd:HOST:PORT:exportname=NAME\" and \"" AGENT_PROTO_SEND_URI
                                 "\": \"tcp:HOST:PORT\"");
        return 400;
    }
    s->copy = !strcmp(mode, AGENT_PROTO_SEND_COPY);
    if (!s->copy && strcmp(mode, AGENT_PROTO_SEND_MOVE)) {
        *out = agent_proto_error(AGENT_PROTO_SEND_MODE ": expected \"" AGENT_PROTO_SEND_MOVE
                                                       "\" or \"" AGENT_PROTO_SEND_COPY "\"");
        return 400;
    }
    return 200;
}

/* 1. The overlay's top layer, mirrored to the destination's export until
 *    both are in step (writes keep being mirrored after). */
static int send_disk(struct send *s)
{
    if (qmp_call(s->q, "drive-mirror",
                 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "job-id", MIRROR_JOB, "device",
                           "disk0", "target", s->nbd, "format", "raw", "sync", "top", "mode",
                           "existing"),
                 NULL, &s->err, AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    s->mirror = true;
    if (wait_job(s->q, true, 120, STALL_S, &s->stalled, &s->err) < 0)
        return -1;
    agent_phase_done(&s->ph, "disk");
    return 0;
}

/* 2. Memory, pausing before the switch-over so that the disk copy can be
 *    completed while the VM stands still. */
static int send_memory(struct send *s)
{
    json_t *caps = json_pack("[{s:s, s:b}, {s:s, s:b}, {s:s, s:b}]", "capability",
                             "pause-before-switchover", "state", 1, "capability", "auto-converge",
                             "state", 1, "capability", "events", "state", 0);
    if (qmp_call(s->q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps), NULL,
                 &s->err, AGENT_QMP_TIMEOUT_MS) < 0 ||
        qmp_call(s->q, "migrate-set-parameters",
                 json_pack("{s:I, s:I}", "max-bandwidth", (json_int_t)10 << 30, "downtime-limit",
                           s->downtime_ms),
                 NULL, &s->err, AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    if (!s->a->live_migration) {
        /* A QEMU before 9.0 under TCG loses the guest's writes while it
         * migrates live (docs/vms.md): the guest stands still instead while
         * its memory goes over. */
        if (qmp_call(s->q, "stop", NULL, NULL, &s->err, AGENT_QMP_TIMEOUT_MS) < 0)
            return -1;
        agent_phase_done(&s->ph, "pause");
    }
    json_t *info = NULL;
    if (qmp_call(s->q, "migrate", json_pack("{s:s}", "uri", s->uri), NULL, &s->err,
                 AGENT_QMP_TIMEOUT_MS) < 0 ||
        agent_wait_migration(s->q, "pre-switchover", 120, STALL_S, &s->stalled, &info, &s->err) < 0)
        return -1;
    json_decref(info);
    agent_phase_done(&s->ph, "memory");
    return 0;
}

/* 3. The VM is paused: the mirror's last writes land, then the device
 *    state goes over.  '*info' gets query-migrate's last answer. */
static int send_switch_over(struct send *s, json_t **info)
{
    if (qmp_call(s->q, "block-job-cancel", json_pack("{s:s}", "device", MIRROR_JOB), NULL, &s->err,
                 AGENT_QMP_TIMEOUT_MS) < 0 ||
        wait_job(s->q, false, 30, STALL_S, &s->stalled, &s->err) < 0)
        return -1;
    s->mirror = false;
    agent_phase_done(&s->ph, "disk-sync");
    if (qmp_call(s->q, "migrate-continue", json_pack("{s:s}", "state", "pre-switchover"), NULL,
                 &s->err, AGENT_QMP_TIMEOUT_MS) < 0 ||
        agent_wait_migration(s->q, "completed", 30, STALL_S, &s->stalled, info, &s->err) < 0)
        return -1;
    agent_phase_done(&s->ph, "device-state");
    return 0;
}

/* What QEMU says of the migration ('info': query-migrate's answer), for the
 * reply's "qemu". */
static json_t *send_figures(const struct agent *a, const json_t *info)
{
    json_t *ram = json_object_get(info, "ram");
    json_t *qemu = json_pack("{s:I, s:I, s:I, s:I}", "total_ms",
                             json_integer_value(json_object_get(info, "total-time")), "downtime_ms",
                             json_integer_value(json_object_get(info, "downtime")), "setup_ms",
                             json_integer_value(json_object_get(info, "setup-time")), "ram_bytes",
                             json_integer_value(json_object_get(ram, "transferred")));
    if (!a->live_migration)
        json_object_set_new(qemu, "paused_copy", json_true());
    return qemu;
}

/* The memory as it left, page by page, for the destination to compare with
 * what arrived (the guest is paused: the source once the migration
 * completed): the reply's "memory", NULL on failure. */
static json_t *send_digest(struct send *s)
{
    struct memdigest d;
    double t0 = proc_now();
    if (avm_memory_digest(s->v, s->q, &d, &s->err) < 0)
        return NULL;
    char *text = memdigest_encode(&d);
    json_t *memory = json_pack("{s:I, s:s, s:f}", "pages", (json_int_t)d.n, "digest", text,
                               "seconds", proc_now() - t0);
    free(text);
    memdigest_free(&d);
    agent_phase_done(&s->ph, "memory-digest");
    return memory;
}

/* After the switch-over: no pause before the next one; a clone's source
 * goes on (QEMU takes its images back). */
static int send_end(struct send *s)
{
    char *e2 = NULL;
    json_t *caps_off =
        json_pack("[{s:s, s:b}]", "capability", "pause-before-switchover", "state", 0);
    qmp_call(s->q, "migrate-set-capabilities", json_pack("{s:o}", "capabilities", caps_off), NULL,
             &e2, AGENT_QMP_TIMEOUT_MS);
    free(e2);
    if (!s->copy)
        return 0;
    if (qmp_call(s->q, "cont", NULL, NULL, &s->err, AGENT_QMP_TIMEOUT_MS) < 0)
        return -1;
    agent_phase_done(&s->ph, "resume");
    return 0;
}

int agent_send(struct agent *a, const char *name, json_t *req, json_t **out)
{
    struct send s = {.a = a};
    int st = send_read(req, &s, out);
    if (st != 200)
        return st;
    st = agent_take(a, name, s.copy ? "clone" : "migrate", &s.v, out);
    if (st != 200)
        return st;
    struct avm *v = s.v;
    if (v->state != AVM_RUNNING) {
        *out = agent_proto_error("VM %s is %s, not running", name, avm_state_name(v->state));
        agent_give_back(a, v, v->state);
        return 409;
    }
    agent_phases_start(&s.ph);
    json_t *info = NULL, *qemu = NULL, *memory = NULL;
    /* The guest agent's channel is held open while the VM moves: with no
     * one on the host side, qemu-ga polls its port with 100 ms sleeps, and a
     * guest moved in the middle of one was seen to come out with an agent
     * that no longer answers (about one move in ten here).  Connected, it
     * waits in poll() for input instead. */
    char *gsock = avm_path(v, "qga.sock"), *gerr = NULL;
    s.hold = qga_connect(gsock, &gerr);
    free(gsock);
    free(gerr);
    if (probe_nbd(s.nbd, 3000, &s.err) < 0 || !(s.q = avm_qmp(v, &s.err)))
        goto fail;
    if (send_disk(&s) < 0 || send_memory(&s) < 0 || send_switch_over(&s, &info) < 0)
        goto fail;
    qemu = send_figures(a, info);
    json_decref(info);
    if ((s.verify && !(memory = send_digest(&s))) || send_end(&s) < 0)
        goto fail;
    qmp_close(s.q);
    qmp_close(s.hold);
    agent_give_back(a, v, s.copy ? AVM_RUNNING : AVM_PAUSED);
    *out = json_pack("{s:o, s:o}", "qemu", qemu, "timing", agent_phases_json(&s.ph));
    if (memory)
        json_object_set_new(*out, "memory", memory);
    return 200;
fail:
    json_decref(qemu);
    if (s.stalled)
        cut_transfer(s.nbd, s.uri);
    if (s.q) {
        send_rollback(s.q, s.mirror);
        qmp_close(s.q);
    }
    qmp_close(s.hold);
    json_decref(memory);
    LOG_ERR_("%s of %s: %s", s.copy ? "clone" : "migration", name, s.err);
    *out = agent_proto_error(
        "%s: %s; %s %s on %s", s.copy ? "clone" : "migration", s.err ? s.err : "failed", name,
        agent_qemu_gone(v->pid) ? "is gone: its QEMU ended" : "keeps running", a->server);
    free(s.err);
    json_decref(s.ph.list);
    agent_give_back(a, v, AVM_RUNNING);
    return 502;
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
         * where it is again. */
        avm_announce(v, q);
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

/* A source whose send the agent's end cut short: its migration (and disk
 * mirror) may still be under way, or stopped before the switch-over with
 * the guest paused, waiting for an agent that is gone.  It is put back as
 * it was, running: no destination can have all of it.  A migration that
 * completed leaves the source paused, for minidcd to decide. */
void agent_settle_cut_send(struct avm *v, struct qmp *q)
{
    json_t *m = NULL, *jobs = NULL, *j;
    char *e = NULL;
    qmp_call(q, "query-migrate", NULL, &m, &e, AGENT_QMP_TIMEOUT_MS);
    free(e), e = NULL;
    const char *st = json_string_value(json_object_get(m, "status")) ?: "none";
    bool mirror = false;
    size_t i;
    if (qmp_call(q, "query-block-jobs", NULL, &jobs, &e, AGENT_QMP_TIMEOUT_MS) == 0)
        json_array_foreach(jobs, i, j)
            mirror |= !strcmp(json_string_value(json_object_get(j, "device")) ?: "", MIRROR_JOB);
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
        LOG_WRN("%s: a send cut short by the agent's end (migration %s%s): cancelled, the VM "
                "runs on here",
                v->name, st, mirror ? ", disk mirror under way" : "");
        send_rollback(q, mirror);
    }
    json_decref(m);
}
