/* The poller: every VMCTL_POLL_S it asks each agent for its VMs, info and
 * metrics, and brings the inventory in line with what they hold. */
#include "ctl/vmctl_priv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

LOG_MODULE("vm");
/* The copy of VM 'name' on 'server' in the agents' 'lists' (server -> its
 * GET /v1/vms answer; a server missing did not answer); '*vm' gets the
 * agent's word on it (borrowed), or NULL. */
static enum recover_copy copy_on(json_t *lists, const char *server, const char *name, json_t **vm)
{
    json_t *list = json_object_get(lists, server), *a;
    size_t i;
    *vm = NULL;
    if (!list)
        return RECOVER_UNKNOWN;
    json_array_foreach(json_object_get(list, "vms"), i, a)
        if (!strcmp(json_string_value(json_object_get(a, "name")) ?: "", name)) {
            *vm = a;
            return recover_copy_of(a);
        }
    return RECOVER_ABSENT;
}

/* The transfers left half-done, each with what the agents hold of its
 * two copies ('lists', see reconcile): the VM (and a clone) shows as
 * recovering, and gets a recovery once it can be decided.  Puts in 'taken'
 * the names the transfers account for; true when the inventory changed. */
static bool reconcile_transfers(struct vmctl *v, json_t *lists, json_t *taken, double now)
{
    bool changed = false;
    for (size_t k = 0; k < v->n_xrecs; k++) {
        struct xrec *x = v->xrecs[k];
        json_object_set_new(taken, x->vm, json_true());
        json_object_set_new(taken, x->dst_name, json_true());
        if (x->op)
            continue;
        json_t *vms[2];
        enum recover_copy c[2] = {copy_on(lists, x->src, x->vm, &vms[0]),
                                  copy_on(lists, x->dst, x->dst_name, &vms[1])};
        struct recover_transfer t = {
            .clone = x->clone, .finish_sent = x->finish_sent, .src = c[0], .dst = c[1]};
        struct recover_plan p = recover_transfer_plan(&t);
        struct vrec *r = vrec_find(v, x->vm);
        if (!r) {
            r = vrec_found(v, x->vm, x->src, vms[0] ? vms[0] : x->src_spec, VM_RECOVERING);
            changed = true;
        }
        if (x->clone && !vrec_find(v, x->dst_name)) {
            vrec_found(v, x->dst_name, x->dst, vms[1] ? vms[1] : x->dst_spec, VM_RECOVERING);
            changed = true;
        }
        r->state = VM_RECOVERING;
        if (p.verdict == RECOVER_WAIT)
            vrec_wait(r, "%s %s -> %s cut short (%s): %s (%s %s, %s %s)",
                      x->clone ? "clone" : "migration", x->src, x->dst,
                      *x->phase ? x->phase : "before it began", p.why, x->src,
                      recover_copy_name(c[0]), x->dst, recover_copy_name(c[1]));
        else if (r->retry <= now) {
            const char *servers[2] = {x->src, x->dst}, *names[2] = {x->vm, x->dst_name};
            vmctl_start_recovery(v, r, &p, 2, servers, names, c, vms, x, x->addr != 0);
        }
    }
    return changed;
}

/* The VMs of the agents' 'lists' that no transfer accounts for ('taken'),
 * by name: NAME -> [{server, vm: the agent's word on it}...]. */
static json_t *copies_by_name(json_t *lists, json_t *taken)
{
    json_t *byname = json_object(), *list, *a;
    const char *server;
    size_t i;
    json_object_foreach(lists, server, list)
        json_array_foreach(json_object_get(list, "vms"), i, a) {
            const char *nm = json_string_value(json_object_get(a, "name"));
            if (!nm || !json_string_value(json_object_get(a, "ip")) || json_object_get(taken, nm))
                continue;
            if (!json_object_get(byname, nm))
                json_object_set_new(byname, nm, json_array());
            json_array_append_new(json_object_get(byname, nm),
                                  json_pack("{s:s, s:O}", "server", server, "vm", a));
        }
    return byname;
}

/* The copies of VM 'name' the agents hold ('found', from copies_by_name)
 * that no transfer explains: one settled copy is where the VM is, as its
 * agent says it is; others get a recovery once it can be decided.  True
 * when the inventory changed. */
static bool reconcile_copies(struct vmctl *v, const char *name, json_t *found, bool all_heard,
                             double now)
{
    enum recover_copy c[RECOVER_COPIES_MAX];
    const char *servers[RECOVER_COPIES_MAX], *names[RECOVER_COPIES_MAX];
    json_t *vms[RECOVER_COPIES_MAX], *a;
    size_t n = 0, i;
    bool changed = false;
    struct vrec *r = vrec_find(v, name);
    if (r && r->op)
        return false;
    struct strbuf where;
    strbuf_init(&where);
    json_array_foreach(found, i, a)
        if (n < RECOVER_COPIES_MAX) {
            servers[n] = json_string_value(json_object_get(a, "server"));
            names[n] = name;
            vms[n] = json_object_get(a, "vm");
            c[n] = recover_copy_of(vms[n]);
            strbuf_printf(&where, "%s%s %s", n ? ", " : "", servers[n], recover_copy_name(c[n]));
            n++;
        }
    struct recover_plan p = recover_found_plan(c, n, all_heard);
    size_t at = p.at >= 0 && (size_t)p.at < n ? (size_t)p.at : 0;
    if (!r) {
        r = vrec_found(v, name, servers[at], vms[at], VM_RUNNING);
        LOG_INF("found VM %s (%s) on %s", name, r->ip, servers[at]);
        changed = true;
    }
    if (p.verdict == RECOVER_NOTHING) {
        /* One copy: the agent's word on its state (running, crashed). */
        if (strcmp(r->server, servers[at])) {
            vrec_place(r, servers[at], vms[at]);
            changed = true;
        }
        const char *agent_state = json_string_value(json_object_get(vms[at], "state")) ?: "";
        const char *problem = json_string_value(json_object_get(vms[at], "problem"));
        bool broken = c[at] == RECOVER_RUNNING && !strcmp(agent_state, "broken");
        enum vm_state st = c[at] == RECOVER_CRASHED ? VM_CRASHED : broken ? VM_BROKEN : VM_RUNNING;
        if (st != r->state && st != VM_BROKEN)
            LOG_WRN("VM %s on %s is %s", name, servers[at], vm_state_name(st));
        r->state = st;
        vrec_why(r, NULL);
        vrec_problem(r, broken ? problem ?: "QEMU marked a device broken" : NULL);
    } else if (n == 1 && c[0] == RECOVER_BUSY &&
               !strcmp(json_string_value(json_object_get(vms[0], "state")) ?: "", "booting")) {
        r->state = VM_BOOTING; /* asked of its agent by an earlier minidcd */
    } else if (p.verdict == RECOVER_WAIT || p.verdict == RECOVER_CONFLICT) {
        r->state = VM_RECOVERING;
        vrec_wait(r, "copies on %s: %s", where.s, p.why);
    } else if (r->retry <= now) {
        vmctl_start_recovery(v, r, &p, n, servers, names, c, vms, NULL, true);
    }
    strbuf_free(&where);
    return changed;
}

/* Brings the inventory in line with what the agents hold ('lists': server
 * -> its GET /v1/vms answer, for those that answered; 'all_heard': all
 * did), unless an operation is under way or ended after the answers were
 * asked for.  Every transfer left half-done, and every VM whose copies no
 * transfer explains (paused, arriving, or on more than one server), gets a
 * recovery once it can be decided, and shows as "recovering" until then. */
static void reconcile(struct vmctl *v, json_t *lists, bool all_heard, double asked)
{
    if (v->ops_running || v->changed >= asked)
        return;
    double now = proc_now();
    json_t *taken = json_object(); /* the names transfers account for */
    bool changed = reconcile_transfers(v, lists, taken, now);
    json_t *byname = copies_by_name(lists, taken), *found;
    const char *name;
    json_object_foreach(byname, name, found) {
        if (reconcile_copies(v, name, found, all_heard, now))
            changed = true;
    }
    /* VMs gone from the agents that answered. */
    for (size_t k = 0; k < v->n_vms;) {
        struct vrec *r = v->vms[k];
        if (!r->op && !json_object_get(taken, r->name) && !json_object_get(byname, r->name) &&
            json_object_get(lists, r->server)) {
            LOG_WRN("VM %s is no longer on %s", r->name, r->server);
            vrec_remove(v, r);
            changed = true;
        } else {
            k++;
        }
    }
    json_decref(byname);
    json_decref(taken);
    if (changed)
        vmctl_save_state(v);
}

/* After a restart: the rewrites and balancers of the VMs found (once every
 * agent was asked). */
static void restore_network(struct vmctl *v)
{
    for (;;) {
        pthread_mutex_lock(&v->lock);
        struct vrec *r = NULL;
        for (size_t i = 0; i < v->n_vms && !r; i++)
            if (v->vms[i]->restored && !v->vms[i]->op &&
                (v->vms[i]->state == VM_RUNNING || v->vms[i]->state == VM_BROKEN))
                r = v->vms[i];
        if (!r) {
            pthread_mutex_unlock(&v->lock);
            return;
        }
        uint32_t home = r->home, addr = r->addr, serves = r->serves;
        uint8_t mac[6];
        vmctl_parse_mac(r->mac, mac);
        /* Every replica of the address is handled by one rebalance.  The
         * network of a restarted minidcd knows only the hosts it has seen
         * send: each VM is placed where its agent runs it first, or a
         * silent replica would get no bucket. */
        struct {
            uint32_t addr;
            uint8_t mac[6];
            char *server;
        } at_[16];
        size_t n_at = 0;
        for (size_t i = 0; i < v->n_vms; i++)
            if (v->vms[i] == r || (serves && v->vms[i]->serves == serves)) {
                v->vms[i]->restored = false;
                if (n_at < 16) {
                    at_[n_at].addr = v->vms[i]->addr;
                    vmctl_parse_mac(v->vms[i]->mac, at_[n_at].mac);
                    at_[n_at++].server = xstrdup(v->vms[i]->server);
                }
            }
        pthread_mutex_unlock(&v->lock);
        for (size_t i = 0; i < n_at; i++) {
            if (v->hooks.place)
                v->hooks.place(v->hooks.ctx, at_[i].addr, at_[i].mac, at_[i].server);
            free(at_[i].server);
        }
        char h[16], a[16];
        bool balanced;
        const char *at = vmctl_network_follow(v, NULL, home, addr, serves, false, mac, &balanced);
        if (balanced)
            LOG_INF("balancer of %s restored at %s", topo_ip_str(serves, h), at ? at : "(none)");
        else
            LOG_INF("rewrite %s <-> %s restored at %s", topo_ip_str(home, h), topo_ip_str(addr, a),
                    at ? at : "(none)");
    }
}

void vmctl_poll_once(struct vmctl *v)
{
    json_t *lists = json_object();
    bool all_heard = true;
    double asked = proc_now();
    for (size_t i = 0; i < v->t->n_nodes; i++) {
        const struct topo_node *n = &v->t->nodes[i];
        if (n->kind != TOPO_SERVER || !n->mgmt)
            continue;
        json_t *list = NULL, *metrics = NULL, *info = NULL;
        char *err = NULL;
        int rc = v->client.list(v->client.ctx, n->name, 2000, &list, &err);
        if (rc == 0)
            rc = v->client.info(v->client.ctx, n->name, 2000, &info, &err);
        if (rc == 0)
            rc = v->client.metrics(v->client.ctx, n->name, 5000, &metrics, &err);
        pthread_mutex_lock(&v->lock);
        json_t *was = json_object_get(v->agents, n->name);
        bool was_up = json_is_true(json_object_get(was, "reachable"));
        if (rc == 0) {
            json_object_set_new(info, "reachable", json_true());
            json_object_set_new(v->agents, n->name, info);
            /* When its figures were taken: the history skips a server
             * not polled again since its last round (ctl/recorder.h). */
            json_object_set_new(metrics, "sampled_at", json_real(proc_now()));
            json_object_set_new(v->metrics, n->name, metrics);
            json_object_set(lists, n->name, list);
            if (!was_up)
                LOG_INF("agent of %s is up", n->name);
        } else {
            all_heard = false;
            if (was_up || !was)
                LOG_WRN("%s", err);
            json_object_set_new(
                v->agents, n->name,
                json_pack("{s:s, s:b, s:s}", "server", n->name, "reachable", 0, "error", err));
            json_object_del(v->metrics, n->name);
        }
        pthread_mutex_unlock(&v->lock);
        json_decref(list);
        free(err);
    }
    pthread_mutex_lock(&v->lock);
    reconcile(v, lists, all_heard, asked);
    v->rounds++;
    pthread_mutex_unlock(&v->lock);
    json_decref(lists);
    restore_network(v);
}

void *vmctl_poller(void *arg)
{
    struct vmctl *v = arg;
    pthread_mutex_lock(&v->lock);
    while (!v->stop) {
        pthread_mutex_unlock(&v->lock);
        vmctl_poll_once(v);
        pthread_mutex_lock(&v->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)VMCTL_POLL_S;
        if (!v->stop)
            pthread_cond_timedwait(&v->wake, &v->lock, &ts);
    }
    pthread_mutex_unlock(&v->lock);
    return NULL;
}
