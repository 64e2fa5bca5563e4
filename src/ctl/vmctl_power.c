/* Servers' power states, emulated: a server put to sleep takes no VM (a
 * boot, migration or clone to it is refused) and counts as off; waking it
 * makes it take VMs again.  Kept in the state file, so a restarted minidcd
 * knows which servers sleep. */
#include "ctl/vmctl_priv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"

LOG_MODULE("vm");

bool vmctl_asleep_locked(const struct vmctl *v, const char *server)
{
    return json_object_get(v->asleep, server) != NULL;
}

unsigned long vmctl_rounds(struct vmctl *v)
{
    pthread_mutex_lock(&v->lock);
    unsigned long n = v->rounds;
    pthread_mutex_unlock(&v->lock);
    return n;
}

bool vmctl_server_asleep(struct vmctl *v, const char *server)
{
    pthread_mutex_lock(&v->lock);
    bool a = vmctl_asleep_locked(v, server);
    pthread_mutex_unlock(&v->lock);
    return a;
}

int vmctl_refuse_asleep(const struct vmctl *v, const char *server, json_t **out)
{
    if (!vmctl_asleep_locked(v, server))
        return 0;
    *out = agent_proto_error("server %s is asleep: it takes no VM until it is woken (POST "
                             "/api/v1/servers/%s/wake, or a plan's wake action)",
                             server, server);
    return 409;
}

/* What holds 'server' awake (lock held): a VM on it or an operation going
 * to it, or its agent not heard from (what it holds is not known); NULL
 * when nothing does. */
static char *keeps_awake(const struct vmctl *v, const char *server)
{
    for (size_t i = 0; i < v->n_vms; i++)
        if (!strcmp(v->vms[i]->server, server))
            return xasprintf("VM %s is on it (%s)", v->vms[i]->name,
                             vm_state_name(v->vms[i]->state));
    for (size_t i = 0; i < v->n_ops; i++) {
        const struct op *o = v->ops[i];
        if (o->state == OP_RUNNING && o->target && !strcmp(o->target, server))
            return xasprintf("operation %lu (%s of %s) goes to it", o->id, op_kind_name(o->kind),
                             o->vm);
    }
    if (!json_is_true(json_object_get(json_object_get(v->agents, server), "reachable")))
        return xasprintf("its agent has not answered, so what runs there is not known");
    return NULL;
}

int vmctl_server_power(struct vmctl *v, const char *server, bool asleep, json_t **out)
{
    if (!vmctl_server_node(v, server)) {
        *out = agent_proto_error("no server named '%s' in topology %s", server, v->t->name);
        return 404;
    }
    pthread_mutex_lock(&v->lock);
    int st = 200;
    bool was = vmctl_asleep_locked(v, server);
    char *busy = asleep && !was ? keeps_awake(v, server) : NULL;
    if (busy) {
        *out = agent_proto_error("server %s cannot sleep: %s", server, busy);
        free(busy);
        st = 409;
    } else if (asleep != was) {
        if (asleep)
            json_object_set_new(v->asleep, server, json_real(proc_wall()));
        else
            json_object_del(v->asleep, server);
        vmctl_save_state(v);
        LOG_INF("server %s %s", server, asleep ? "put to sleep" : "woken");
    }
    if (st == 200) {
        *out = json_pack("{s:s, s:b, s:b}", "server", server, "asleep", asleep, "changed",
                         asleep != was);
    }
    pthread_mutex_unlock(&v->lock);
    if (st == 200 && asleep != was && v->hooks.publish)
        v->hooks.publish(v->hooks.ctx, asleep ? "server.asleep" : "server.awake",
                         json_pack("{s:s}", "server", server));
    return st;
}
