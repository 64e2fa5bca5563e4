/* The state file: what a restarted minidcd cannot learn from the agents
 * (see vmctl.h), and the records of transfers under way. */
#include "ctl/vmctl_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("vm");
json_t *xrec_json(const struct xrec *x)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:O, s:O}", "vm", x->vm, "kind",
                  x->clone ? "clone" : "move", "from", x->src, "to", x->dst, "as", x->dst_name,
                  "phase", x->phase ? x->phase : "", "finish_sent", x->finish_sent, "balance",
                  x->balance, "source", x->src_spec, "destination", x->dst_spec);
    char a[16];
    if (x->addr)
        json_object_set_new(o, "address", json_string(topo_ip_str(x->addr, a)));
    return o;
}

void xrec_free(struct xrec *x)
{
    if (!x)
        return;
    free(x->vm), free(x->src), free(x->dst), free(x->dst_name), free(x->phase);
    json_decref(x->src_spec), json_decref(x->dst_spec);
    free(x);
}

/* Writes what a restarted minidcd cannot learn from the agents (see
 * vmctl.h); replaced whole, never half-written. */
void vmctl_save_state(struct vmctl *v)
{
    if (!v->state_file)
        return;
    json_t *vms = json_object();
    char a[16];
    for (size_t i = 0; i < v->n_vms; i++) {
        const struct vrec *r = v->vms[i];
        json_t *o = json_pack("{s:s, s:s}", "mac", r->mac, "address", topo_ip_str(r->home, a));
        if (r->serves)
            json_object_set_new(o, "serves", json_string(topo_ip_str(r->serves, a)));
        if (r->load)
            json_object_set(o, "load", r->load);
        json_object_set_new(vms, r->name, o);
    }
    json_t *xs = json_array();
    for (size_t i = 0; i < v->n_xrecs; i++)
        json_array_append_new(xs, xrec_json(v->xrecs[i]));
    json_t *st = json_pack("{s:o, s:o, s:O, s:O}", "vms", vms, "transfers", xs, "asleep", v->asleep,
                           "kept", v->kept);
    char *tmp = xasprintf("%s.tmp", v->state_file);
    if (json_dump_file(st, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
        rename(tmp, v->state_file) < 0) {
        LOG_WRN("cannot write %s: %s", v->state_file, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    json_decref(st);
}

struct xrec *xrec_of_op(struct vmctl *v, unsigned long op)
{
    for (size_t i = 0; op && i < v->n_xrecs; i++)
        if (v->xrecs[i]->op == op)
            return v->xrecs[i];
    return NULL;
}

void xrec_remove(struct vmctl *v, struct xrec *x)
{
    for (size_t i = 0; i < v->n_xrecs; i++)
        if (v->xrecs[i] == x) {
            memmove(&v->xrecs[i], &v->xrecs[i + 1], (v->n_xrecs - i - 1) * sizeof *v->xrecs);
            v->n_xrecs--;
            break;
        }
    xrec_free(x);
}

/* The record of a transfer, from the state file; NULL when it is not one
 * this topology can hold. */
static struct xrec *xrec_load(const struct vmctl *v, json_t *o)
{
    const char *vm = json_string_value(json_object_get(o, "vm")),
               *kind = json_string_value(json_object_get(o, "kind"));
    const char *src = json_string_value(json_object_get(o, "from")),
               *dst = json_string_value(json_object_get(o, "to"));
    const char *as = json_string_value(json_object_get(o, "as"));
    json_t *ss = json_object_get(o, "source"), *ds = json_object_get(o, "destination");
    if (!vm || !kind || !as || !vmctl_server_node(v, src) || !vmctl_server_node(v, dst) ||
        !json_is_object(ss) || !json_is_object(ds) ||
        (strcmp(kind, "move") && strcmp(kind, "clone")))
        return NULL;
    struct xrec *x = xcalloc(1, sizeof *x);
    x->vm = xstrdup(vm);
    x->src = xstrdup(src);
    x->dst = xstrdup(dst);
    x->dst_name = xstrdup(as);
    x->clone = !strcmp(kind, "clone");
    x->balance = json_is_true(json_object_get(o, "balance"));
    x->finish_sent = json_is_true(json_object_get(o, "finish_sent"));
    x->addr = vmctl_parse_ip(json_string_value(json_object_get(o, "address")));
    x->src_spec = json_incref(ss);
    x->dst_spec = json_incref(ds);
    x->phase = xstrdup(json_string_value(json_object_get(o, "phase")) ?: "");
    return x;
}

void vmctl_keep(struct vmctl *v, const char *key, const json_t *value)
{
    pthread_mutex_lock(&v->lock);
    if (value)
        json_object_set_new(v->kept, key, json_deep_copy(value));
    else
        json_object_del(v->kept, key);
    vmctl_save_state(v);
    pthread_mutex_unlock(&v->lock);
}

json_t *vmctl_kept(struct vmctl *v, const char *key)
{
    pthread_mutex_lock(&v->lock);
    json_t *o = json_deep_copy(json_object_get(v->kept, key));
    pthread_mutex_unlock(&v->lock);
    return o;
}

/* The destination may run its copy from now on: a minidcd that finds the
 * transfer half-done must hear from it before it resumes the source. */
void xrec_finish_sent(struct op *o)
{
    pthread_mutex_lock(&o->v->lock);
    struct xrec *x = xrec_of_op(o->v, o->id);
    if (x) {
        x->finish_sent = true;
        vmctl_save_state(o->v);
    }
    pthread_mutex_unlock(&o->v->lock);
}

/* Reads the state file (see vmctl.h): what the VMs were, and the transfers
 * the minidcd before this one left under way. */
void vmctl_load_state(struct vmctl *v)
{
    json_error_t je;
    json_t *st = json_load_file(v->state_file, 0, &je);
    if (!st && access(v->state_file, F_OK) == 0)
        LOG_WRN("%s:%d: %s; VMs found at other addresses will not be rewritten", v->state_file,
                je.line, je.text);
    v->saved = json_incref(json_object_get(st, "vms"));
    const char *k;
    json_t *val;
    json_object_foreach(json_object_get(st, "asleep"), k, val)
        if (vmctl_server_node(v, k))
            json_object_set(v->asleep, k, val);
    json_object_foreach(json_object_get(st, "kept"), k, val)
        json_object_set(v->kept, k, val);
    /* Transfers the minidcd before this one left under way: each VM
     * shows as recovering until the agents have told what to do. */
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(st, "transfers"), i, o) {
        struct xrec *x = xrec_load(v, o);
        if (!x) {
            LOG_WRN("%s: transfer %zu is not one of this topology's: ignored", v->state_file, i);
            continue;
        }
        xgrow(&v->xrecs, &v->cap_xrecs, v->n_xrecs + 1, sizeof *v->xrecs);
        v->xrecs[v->n_xrecs++] = x;
        LOG_WRN("a %s of %s from %s to %s was under way (%s): it is finished or undone once the "
                "agents answer",
                x->clone ? "clone" : "migration", x->vm, x->src, x->dst,
                *x->phase ? x->phase : "before it began");
        struct vrec *r = vrec_find(v, x->vm);
        if (!r)
            r = vrec_found(v, x->vm, x->src, x->src_spec, VM_RECOVERING);
        vrec_why(r, "%s %s -> %s cut short (%s): waiting to hear from the agents",
                 x->clone ? "clone" : "migration", x->src, x->dst,
                 *x->phase ? x->phase : "before it began");
        if (x->clone && !vrec_find(v, x->dst_name))
            vrec_found(v, x->dst_name, x->dst, x->dst_spec, VM_RECOVERING);
    }
    json_decref(st);
}
