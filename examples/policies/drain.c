/* drain: an example of a placement policy in C, loaded by minidcd from a
 * shared object:
 *
 *   cc -shared -fPIC -O2 -I include -o drain.so examples/policies/drain.c
 *   minidcd ... --policy-path ./drain.so
 *   minidc policy run drain --param server=server3
 *
 * It empties one server for maintenance: each of its VMs goes to the awake
 * server with the most CPU room that has the memory for it, then the
 * server is put to sleep.  A VM that fits nowhere stays, and so the server
 * stays awake (the policy says why, and tries again next interval). */
#include <minidc/policy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct drain {
    char server[64];
};

static const struct mdc_param drain_params[] = {
    {"server", "", "the server to empty and put to sleep"},
    {NULL, NULL, NULL},
};

static int drain_init(void **state, const struct mdc_kv *params, size_t n, char *err, size_t errlen)
{
    const char *s = mdc_param_get(params, n, "server");
    if (!s || !*s || strlen(s) >= sizeof((struct drain *)0)->server) {
        snprintf(err, errlen, "server: expected the name of the server to drain");
        return -1;
    }
    struct drain *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->server, sizeof d->server, "%s", s);
    *state = d;
    return 0;
}

static int drain_decide(void *state, const struct mdc_model *m, struct mdc_plan *plan, char *err,
                        size_t errlen)
{
    const struct drain *d = state;
    size_t from = m->n_servers;
    for (size_t i = 0; i < m->n_servers; i++)
        if (!strcmp(m->servers[i].name, d->server))
            from = i;
    if (from == m->n_servers) {
        snprintf(err, errlen, "no server named %s", d->server);
        return -1;
    }
    if (m->servers[from].asleep)
        return 0; /* done */
    /* What each server would hold once the plan is done. */
    double *cpu = calloc(m->n_servers, sizeof *cpu), *mem = calloc(m->n_servers, sizeof *mem);
    if (!cpu || !mem) {
        free(cpu), free(mem);
        return -1;
    }
    for (size_t i = 0; i < m->n_servers; i++)
        cpu[i] = m->servers[i].cpu_used, mem[i] = m->servers[i].memory_used_mib;
    size_t left = 0;
    for (size_t k = 0; k < m->n_vms; k++) {
        const struct mdc_vm *v = &m->vms[k];
        if (v->server != from)
            continue;
        long best = -1;
        double room = 0;
        for (size_t i = 0; v->movable && i < m->n_servers; i++) {
            const struct mdc_server *s = &m->servers[i];
            if (i == from || s->asleep || !s->reachable || mem[i] + v->memory_mib > s->memory_mib)
                continue;
            double r = s->cpu_capacity - cpu[i] - v->cpu_used;
            if (best < 0 || r > room)
                best = (long)i, room = r;
        }
        if (best < 0) {
            left++;
            continue;
        }
        cpu[best] += v->cpu_used, mem[best] += v->memory_mib;
        char why[128];
        snprintf(why, sizeof why, "draining %s", d->server);
        if (mdc_plan_add(plan, MDC_MIGRATE, v->name, m->servers[best].name, false, why))
            left++;
    }
    if (!left)
        mdc_plan_add(plan, MDC_SLEEP, NULL, d->server, false, "drained");
    free(cpu), free(mem);
    return 0;
}

static const struct mdc_policy drain = {
    .api_version = MDC_POLICY_API_VERSION,
    .name = "drain",
    .summary = "empty one server (its VMs where there is most room) and put it to sleep",
    .params = drain_params,
    .init = drain_init,
    .decide = drain_decide,
    .destroy = free,
};

const struct mdc_policy *const mdc_policies[] = {&drain, NULL};
