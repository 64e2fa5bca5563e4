/* Migrate and clone: the destination prepares, the source sends, the
 * destination finishes; undone step by step on failure. */
#include "ctl/vmctl_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("vm");
struct transfer {
    char *src_server, *vm; /* the source */
    char *dst_server, *dst_name;
    json_t *dst_spec;
    bool copy;
    /* the destination takes the identity of dst_spec (a clone, a move across
     * subnets) */
    bool identity;
    bool verify_memory; /* compare the guest's memory on both sides, page by page, before it runs */
    bool unsettled;     /* failed, and how far its undo went is not known: left to the poller */
};

/* Records transfer 'x' of operation 'o' in the state file, before it asks
 * any agent (lock held).  'src_spec' (taken) is the VM as it is at the
 * source; 'addr' the destination's address when it changes. */
static void xrec_add(struct vmctl *v, const struct op *o, const struct transfer *x,
                     json_t *src_spec, uint32_t addr, bool balance)
{
    struct xrec *r = xcalloc(1, sizeof *r);
    r->op = o->id;
    r->vm = xstrdup(x->vm);
    r->src = xstrdup(x->src_server);
    r->dst = xstrdup(x->dst_server);
    r->dst_name = xstrdup(x->dst_name);
    r->clone = x->copy;
    r->balance = balance;
    r->addr = addr;
    r->src_spec = src_spec;
    r->dst_spec = json_deep_copy(x->dst_spec);
    r->phase = xstrdup("");
    xgrow(&v->xrecs, &v->cap_xrecs, v->n_xrecs + 1, sizeof *v->xrecs);
    v->xrecs[v->n_xrecs++] = r;
    vmctl_save_state(v);
}

/* Removes VM 'name' on 'server'; returns the agent's answer (0, or an
 * agent_failure, logged). */
static int remove_copy(struct vmctl *v, const char *server, const char *name)
{
    char *e = NULL;
    int rc = v->client.remove(v->client.ctx, server, name, false, 30000, &e);
    if (rc < 0 && rc != AGENT_NO_VM)
        LOG_WRN("could not remove %s on %s: %s", name, server, e);
    free(e);
    return rc;
}

/* Appends 'fmt' to the error '*err'. */
static void err_append(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void err_append(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *more = xvasprintf(fmt, ap);
    va_end(ap);
    char *m = xasprintf("%s%s", *err ? *err : "", more);
    free(*err), free(more);
    *err = m;
}

/* One transfer; on failure everything of it is undone (the source runs on,
 * nothing is left at the destination), unless an agent did not answer at a
 * step where its silence leaves the VM's state unknown: then 'unsettled'
 * is set and the poller finishes or undoes it once the agents answer
 * (ctl/recover.h): a paused source never runs again while the
 * destination's copy may run.  It is not tried again: the guests seen
 * coming out of a move spinning and silent had lost memory in it (QEMU
 * before 9.0 under TCG; the agents now pause such guests while their
 * memory goes over), and a move that fails for a cause of its own should
 * say so. */
static int transfer(struct op *o, struct transfer *x, char **err)
{
    struct vmctl *v = o->v;
    json_t *prep = NULL, *sent = NULL, *fin = NULL;
    struct agent_proto_vm spec;
    op_phase(o, "check");
    if (!agent_proto_vm_read(x->dst_spec, &spec)) {
        *err = xasprintf("%s: memory or CPUs out of range", x->vm);
        return -1;
    }
    if (vmctl_check_room(v, x->dst_server, spec.memory_mib, err) < 0)
        return -1;
    op_phase(o, "prepare");
    /* The stream takes the data network (through the switches, as in the
     * paper) or the management network (off the clients' path); the
     * destination lets only the source reach the ports it opens. */
    const struct topo_node *src = vmctl_server_node(v, x->src_server);
    const struct topo_node *dst = vmctl_server_node(v, x->dst_server);
    bool mgmt =
        v->t->migration_net == TOPO_MIGRATION_MANAGEMENT && src && dst && src->mgmt && dst->mgmt;
    char from[16], listen[16];
    topo_ip_str(src ? (mgmt ? src->mgmt : src->addr) : 0, from);
    topo_ip_str(dst && mgmt ? dst->mgmt : 0, listen);
    op_result(o, "network", json_string(mgmt ? "management" : "data"));
    int rc = v->client.prepare(v->client.ctx, x->dst_server, &spec, from, mgmt ? listen : NULL,
                               &prep, err);
    if (rc < 0) {
        /* Unanswered, it may have made its copy, which cannot run: it goes
         * (an arrival left behind is removed where it is found). */
        if (rc == AGENT_NO_ANSWER)
            remove_copy(v, x->dst_server, x->dst_name);
        return -1;
    }
    op_phase(o, x->copy ? "copy" : "migrate");
    struct agent_proto_send sreq = {.nbd = json_string_value(json_object_get(prep, "nbd")),
                                    .uri = json_string_value(json_object_get(prep, "uri")),
                                    .copy = x->copy,
                                    .verify_memory = x->verify_memory};
    rc = v->client.send(v->client.ctx, x->src_server, x->vm, &sreq, &sent, err);
    json_decref(prep);
    if (rc < 0) {
        /* The source's agent has put its VM back as it was (it says so), or
         * never heard of the send; the half-made destination goes.  With no
         * answer the source may be paused: its agent is asked again later. */
        remove_copy(v, x->dst_server, x->dst_name);
        if (rc == AGENT_NO_ANSWER) {
            x->unsettled = true;
            err_append(err, "; %s on %s may be paused: it is recovered when its agent answers",
                       x->vm, x->src_server);
        }
        return -1;
    }
    op_result(o, "qemu", json_incref(json_object_get(sent, "qemu")) ?: json_null());
    op_result(o, "source", json_incref(json_object_get(sent, "timing")) ?: json_null());
    /* The source's page digest goes to the destination, which compares
     * what arrived before it runs it. */
    json_t *digest = json_incref(json_object_get(json_object_get(sent, "memory"), "digest"));
    json_decref(sent);
    bool placed = !x->copy && !x->identity && v->hooks.place;
    uint8_t mac[6];
    if (placed) {
        /* Same address, new place: the network sends its packets to the
         * destination before the VM runs there (they wait in its tap). */
        op_phase(o, "place");
        vmctl_parse_mac(spec.mac ?: "", mac);
        v->hooks.place(v->hooks.ctx, vmctl_parse_ip(spec.ip), mac, x->dst_server);
    }
    op_phase(o, "start");
    xrec_finish_sent(o);
    struct agent_proto_finish freq = {.identity = x->identity,
                                      .isolate = x->identity,
                                      .memory_digest = json_string_value(digest)};
    rc = v->client.finish(v->client.ctx, x->dst_server, x->dst_name, &freq, &fin, err);
    json_decref(digest);
    if (rc < 0) {
        /* A copy whose agent took the request and gave no answer may run:
         * it must be gone before the source runs again.  One its agent
         * refused to start, or that never got the request, does not. */
        int del = remove_copy(v, x->dst_server, x->dst_name);
        if (rc == AGENT_NO_ANSWER && del != 0 && del != AGENT_NO_VM) {
            x->unsettled = true;
            err_append(err,
                       "; whether the copy on %s runs is not known: %s %s until its agent "
                       "answers",
                       x->dst_server,
                       x->copy ? "the clone is recovered" : "the source stays paused",
                       x->copy ? "" : "there");
            return -1;
        }
        /* No copy runs at the destination: the VM runs on (or is recovered)
         * at the source, and its packets go there again. */
        if (placed)
            v->hooks.place(v->hooks.ctx, vmctl_parse_ip(spec.ip), mac, x->src_server);
        if (!x->copy) {
            char *e2 = NULL;
            if (v->client.resume(v->client.ctx, x->src_server, x->vm, &e2) < 0) {
                err_append(err,
                           "; and resuming %s on %s failed too: %s (it is recovered when "
                           "its agent can)",
                           x->vm, x->src_server, e2);
                x->unsettled = true;
            }
            free(e2);
        }
        return -1;
    }
    op_result(o, "destination", json_incref(json_object_get(fin, "timing")) ?: json_null());
    if (json_object_get(fin, "memory_check"))
        op_result(o, "memory_check", json_incref(json_object_get(fin, "memory_check")));
    json_decref(fin);
    return 0;
}

static void transfer_free(struct transfer *x)
{
    free(x->src_server), free(x->vm), free(x->dst_server), free(x->dst_name);
    json_decref(x->dst_spec);
}

/* The source's state after a transfer failed and was undone: running,
 * unless its agent says its QEMU died (the cause of the failure, maybe). */
static enum vm_state source_state(struct vmctl *v, const struct transfer *x)
{
    char *e = NULL;
    json_t *a = NULL;
    enum vm_state st = VM_RUNNING;
    if (v->client.get(v->client.ctx, x->src_server, x->vm, 5000, &a, &e) == 0 &&
        recover_copy_of(a) == RECOVER_CRASHED)
        st = VM_CRASHED;
    free(e);
    json_decref(a);
    return st;
}

void *vmctl_migrate_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o);
    struct transfer x = {.src_server = xstrdup(r->server),
                         .vm = xstrdup(r->name),
                         .dst_server = xstrdup(o->target),
                         .dst_name = xstrdup(r->name),
                         .dst_spec = vrec_spec(r),
                         .verify_memory = json_is_true(json_object_get(o->args, "verify_memory"))};
    /* Across subnets the VM takes an address of the destination's subnet
     * (its home address back when it goes home). */
    uint32_t new_addr = (uint32_t)json_integer_value(json_object_get(o->args, "addr"));
    const struct topo_subnet *dsn = vmctl_server_subnet(v, o->target);
    char nip[24], ngw[16], a16[16];
    if (new_addr) {
        snprintf(nip, sizeof nip, "%s/%d", topo_ip_str(new_addr, a16), dsn->prefix.len);
        topo_ip_str(dsn->gateway, ngw);
        json_object_set_new(x.dst_spec, "ip", json_string(nip));
        json_object_set_new(x.dst_spec, "gw", json_string(ngw));
        x.identity = true;
    }
    uint32_t home = r->home, serves = r->serves;
    uint8_t mac[6];
    vmctl_parse_mac(r->mac, mac);
    xrec_add(v, o, &x, vrec_spec(r), new_addr, false);
    pthread_mutex_unlock(&v->lock);
    char *err = NULL;
    if (transfer(o, &x, &err) == 0) {
        if (serves)
            op_phase(o, "balance");
        else if (new_addr)
            op_phase(o, "rewrite");
        if (new_addr) {
            /* A replica's bucket follows it; otherwise clients keep the
             * home address: the network rewrites it. */
            pthread_mutex_lock(&v->lock);
            r->addr = new_addr;
            pthread_mutex_unlock(&v->lock);
            bool balanced;
            const char *at =
                vmctl_network_follow(v, NULL, home, new_addr, serves, true, mac, &balanced);
            char n16[16];
            if (at && !balanced) /* as GET /api/v1/rewrites shows it */
                op_result(o, "rewrite",
                          json_pack("{s:s, s:s, s:s}", "old", topo_ip_str(home, a16), "new",
                                    topo_ip_str(new_addr, n16), "switch", at));
        }
        pthread_mutex_lock(&v->lock);
        free(r->server);
        r->server = xstrdup(x.dst_server);
        if (new_addr) {
            free(r->ip), free(r->gw);
            r->ip = xstrdup(nip);
            r->gw = xstrdup(ngw);
            r->addr = new_addr;
        }
        r->next = 0;
        pthread_mutex_unlock(&v->lock);
        op_release(o, VM_RUNNING);
        /* The source's paused QEMU and its files go last, once the VM runs
         * at the destination (a copy left paused beside the running one is
         * removed where it is found). */
        op_phase(o, "cleanup");
        char *e2 = NULL;
        if (v->client.remove(v->client.ctx, x.src_server, x.vm, false, 30000, &e2) < 0) {
            LOG_WRN("%s runs on %s but its old copy on %s could not be removed: %s", x.vm,
                    x.dst_server, x.src_server, e2);
            op_result(
                o, "warning",
                json_sprintf("the old copy on %s could not be removed: %s", x.src_server, e2));
        }
        free(e2);
    } else {
        pthread_mutex_lock(&v->lock);
        r->next = 0;
        if (x.unsettled) {
            vrec_why(r,
                     "migration %s -> %s failed halfway: waiting for the agents to tell "
                     "where it runs",
                     x.src_server, x.dst_server);
            o->handover = true;
        }
        pthread_mutex_unlock(&v->lock);
        op_release(o, x.unsettled ? VM_RECOVERING : source_state(v, &x));
    }
    transfer_free(&x);
    op_end(o, err);
    return NULL;
}

void *vmctl_clone_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    const char *as = json_string_value(json_object_get(o->args, "as"));
    bool balance = json_is_true(json_object_get(o->args, "balance"));
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o), *c = vrec_find(v, as);
    struct transfer x = {.src_server = xstrdup(r->server),
                         .vm = xstrdup(r->name),
                         .dst_server = xstrdup(o->target),
                         .dst_name = xstrdup(as),
                         .dst_spec = vrec_spec(c),
                         .copy = true,
                         .identity = true,
                         .verify_memory = json_is_true(json_object_get(o->args, "verify_memory"))};
    xrec_add(v, o, &x, vrec_spec(r), 0, balance);
    pthread_mutex_unlock(&v->lock);
    char *err = NULL;
    int rc = transfer(o, &x, &err);
    json_t *made = NULL;
    pthread_mutex_lock(&v->lock);
    if (x.unsettled) {
        /* The clone may run, or the source be paused: the poller asks. */
#define CLONE_UNSETTLED "clone %s -> %s failed halfway: waiting for the agents to tell what runs"
        vrec_why(r, CLONE_UNSETTLED, x.src_server, x.dst_server);
        if ((c = vrec_find(v, as))) {
            vrec_why(c, CLONE_UNSETTLED, x.src_server, x.dst_server);
            c->op = 0;
            c->state = VM_RECOVERING;
        }
        o->handover = true;
    } else if ((c = vrec_find(v, as))) {
        if (rc == 0) {
            c->op = 0;
            c->state = VM_RUNNING;
            made = vrec_json(c);
        } else {
            vrec_remove(v, c);
        }
    }
    uint32_t vip = 0;
    if (made && balance) {
        struct vrec *src = op_vm(o);
        vip = src->serves ? src->serves : src->home;
        src->serves = vip;
        c->serves = vip;
    }
    pthread_mutex_unlock(&v->lock);
    op_release(o, x.unsettled ? VM_RECOVERING : rc == 0 ? VM_RUNNING : source_state(v, &x));
    if (made)
        op_result(o, "clone", made);
    if (vip) {
        op_phase(o, "balance");
        const char *at = vmctl_rebalance(v, vip);
        char a16[16];
        if (at)
            op_result(o, "balancer",
                      json_pack("{s:s, s:s}", "address", topo_ip_str(vip, a16), "switch", at));
    }
    transfer_free(&x);
    op_end(o, err);
    return NULL;
}
