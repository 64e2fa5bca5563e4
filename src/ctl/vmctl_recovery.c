/* Recovery: transfers left half-done, and copies no transfer explains
 * (ctl/recover.h decides what is done). */
#include "ctl/vmctl_priv.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

LOG_MODULE("vm");
#define RECOVER_RETRY_S 10.0

/* Has the agent of 'server' take step 'act' on its copy 'name'; returns
 * its answer (0 or an agent_failure, why in '*e'). */
static int recover_step(struct op *o, enum recover_act act, const char *server, const char *name,
                        bool identity, char **e)
{
    struct vmctl *v = o->v;
    if (act == RECOVER_START) {
        struct agent_proto_finish f = {.identity = identity, .isolate = identity};
        json_t *answer = NULL;
        xrec_finish_sent(o);
        int rc = v->client.finish(v->client.ctx, server, name, &f, &answer, e);
        json_decref(answer);
        return rc;
    }
    if (act == RECOVER_DELETE)
        return v->client.remove(v->client.ctx, server, name, false, 30000, e);
    return v->client.resume(v->client.ctx, server, name, e);
}

/* Takes the steps of 'copies' (the plan, see vmctl_start_recovery) in
 * their order, each one said in 'done'; returns why the first that failed
 * did (caller frees), or NULL. */
static char *recover_steps(struct op *o, json_t *copies, bool identity, json_t *done)
{
    static const struct {
        enum recover_act act;
        const char *phase;
    } order[] = {{RECOVER_START, "start"}, {RECOVER_DELETE, "remove"}, {RECOVER_RESUME, "resume"}};
    char *err = NULL;
    for (size_t k = 0; k < sizeof order / sizeof *order && !err; k++) {
        size_t i;
        json_t *c;
        json_array_foreach(copies, i, c) {
            const char *server = json_string_value(json_object_get(c, "server"));
            const char *name = json_string_value(json_object_get(c, "name"));
            if (err || strcmp(json_string_value(json_object_get(c, "do")) ?: "",
                              recover_act_name(order[k].act)))
                continue;
            op_phase(o, order[k].phase);
            char *e = NULL;
            int rc = recover_step(o, order[k].act, server, name, identity, &e);
            if (rc < 0 && !(order[k].act == RECOVER_DELETE && rc == AGENT_NO_VM))
                err = xasprintf("%s %s on %s: %s", order[k].phase, name, server, e);
            else
                json_array_append_new(done,
                                      json_sprintf("%s %s on %s", order[k].phase, name, server));
            free(e);
        }
    }
    return err;
}

/* Runs one recovery plan (the operation's args, made by vmctl_start_recovery):
 * each copy's step, every start, then every removal, then every resume; the
 * first that fails stops the rest, and the poller decides again in
 * RECOVER_RETRY_S.  Then the inventory says where the VM is, and the
 * network is told as after a migration. */
static void *recover_thread(void *arg)
{
    struct op *o = arg;
    struct vmctl *v = o->v;
    json_t *copies = json_object_get(o->args, "copies");
    json_t *done = json_array();
    char *err = recover_steps(o, copies, json_is_true(json_object_get(o->args, "identity")), done);
    op_result(o, "action", json_incref(json_object_get(o->args, "action")));
    op_result(o, "why", json_incref(json_object_get(o->args, "why")));
    op_result(o, "done", done);
    const char *clone = json_string_value(json_object_get(o->args, "clone"));
    json_int_t at = json_integer_value(json_object_get(o->args, "at"));
    json_t *atc = at >= 0 ? json_array_get(copies, (size_t)at) : NULL;
    char *place = NULL;
    uint32_t home = 0, addr = 0, serves = 0, vip = 0;
    uint8_t mac[6] = {0};
    pthread_mutex_lock(&v->lock);
    struct vrec *r = op_vm(o), *c = clone ? vrec_find(v, clone) : NULL;
    if (err) {
        o->handover = true; /* a transfer's record stays, for the next try */
        for (struct vrec *x = r; x; x = x == r ? c : NULL) {
            x->op = 0;
            x->state = VM_RECOVERING;
            x->retry = proc_now() + RECOVER_RETRY_S;
            vrec_why(x, "recovery failed (%s): decided again in %.0f s", err, RECOVER_RETRY_S);
        }
    } else {
        if (r && atc) {
            vrec_place(r, json_string_value(json_object_get(atc, "server")),
                       json_object_get(atc, "vm"));
            bool crashed = !strcmp(json_string_value(json_object_get(atc, "was")) ?: "", "crashed");
            r->state = crashed ? VM_CRASHED : VM_RUNNING;
            r->op = 0;
            r->retry = 0;
            r->restored = false;
            vrec_why(r, NULL);
            if (!crashed) {
                place = xstrdup(r->server);
                home = r->home, addr = r->addr, serves = r->serves;
                vmctl_parse_mac(r->mac, mac);
            }
        } else if (r) {
            LOG_WRN("VM %s: no copy of it is left", r->name);
            vrec_remove(v, r);
            r = NULL;
        }
        if (c && json_is_true(json_object_get(o->args, "clone_kept"))) {
            json_t *cc = json_array_get(copies, 1);
            vrec_place(c, json_string_value(json_object_get(cc, "server")),
                       json_object_get(cc, "vm"));
            c->op = 0;
            c->state = VM_RUNNING;
            c->restored = false;
            vrec_why(c, NULL);
            if (r && json_is_true(json_object_get(o->args, "balance"))) {
                vip = r->serves ? r->serves : r->home;
                r->serves = c->serves = vip;
            }
        } else if (c) {
            vrec_remove(v, c);
        }
        vmctl_save_state(v);
    }
    pthread_mutex_unlock(&v->lock);
    if (place) {
        /* As after a migration: its packets go where it runs, a replica's
         * balancer follows it, its home address is rewritten to it. */
        op_phase(o, "network");
        bool balanced;
        const char *sw = vmctl_network_follow(v, place, home, addr, serves,
                                              json_is_true(json_object_get(o->args, "was_away")),
                                              mac, &balanced);
        if (sw)
            op_result(o, balanced ? "balancer" : "rewrite", json_pack("{s:s}", "switch", sw));
    }
    if (vip) {
        op_phase(o, "balance");
        vmctl_rebalance(v, vip);
    }
    if (!err)
        LOG_INF("VM %s recovered (%s: %s)%s%s", o->vm,
                json_string_value(json_object_get(o->args, "action")),
                json_string_value(json_object_get(o->args, "why")), place ? ": it runs on " : "",
                place ? place : "");
    free(place);
    op_end(o, err);
    return NULL;
}

/* Starts a recovery operation for VM 'r' (lock held): plan 'p' over the
 * 'n' copies found (each named, on its server, as its agent reported it
 * ('vms', may hold NULLs); 'x' the transfer record it comes from, or NULL.
 * 'identity': a copy started takes the identity it was made with. */
void vmctl_start_recovery(struct vmctl *v, struct vrec *r, const struct recover_plan *p, size_t n,
                          const char *const servers[], const char *const names[],
                          const enum recover_copy copies[], json_t *const vms[], struct xrec *x,
                          bool identity)
{
    json_t *cs = json_array();
    struct strbuf what;
    strbuf_init(&what);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_pack("{s:s, s:s, s:s, s:s}", "server", servers[i], "name", names[i], "was",
                              recover_copy_name(copies[i]), "do", recover_act_name(p->act[i]));
        if (vms[i])
            json_object_set(c, "vm", vms[i]);
        json_array_append_new(cs, c);
        strbuf_printf(&what, "%s%s %s on %s", i ? ", " : "", recover_act_name(p->act[i]), names[i],
                      servers[i]);
    }
    json_t *args =
        json_pack("{s:s, s:s, s:o, s:I, s:b, s:b}", "action", recover_verdict_name(p->verdict),
                  "why", p->why, "copies", cs, "at", (json_int_t)p->at, "identity", identity,
                  "was_away", x && x->addr && p->at == 1);
    if (x) {
        json_object_set_new(args, "transfer", xrec_json(x));
        if (x->clone)
            json_object_set_new(args, "clone", json_string(x->dst_name));
        json_object_set_new(args, "clone_kept", json_boolean(p->clone_kept));
        json_object_set_new(args, "balance", json_boolean(x->balance));
    }
    json_t *out = NULL;
    r->state = VM_RECOVERING;
    int st =
        op_start(v, OP_RECOVER, r, p->at >= 0 ? servers[p->at] : NULL, args, recover_thread, &out);
    json_decref(out);
    if (st == 202) {
        struct vrec *c = x && x->clone ? vrec_find(v, x->dst_name) : NULL;
        if (c) {
            c->op = r->op;
            c->state = VM_RECOVERING;
        }
        if (x)
            x->op = r->op;
        if (x)
            vrec_why(r, "%s %s -> %s cut short (%s): %s: %s", x->clone ? "clone" : "migration",
                     x->src, x->dst, *x->phase ? x->phase : "before it began",
                     recover_verdict_name(p->verdict), p->why);
        else
            vrec_why(r, "%s: %s", recover_verdict_name(p->verdict), p->why);
        LOG_INF("VM %s: %s; %s", r->name, r->why, what.s);
    }
    strbuf_free(&what);
}
