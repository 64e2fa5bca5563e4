/* A small data center for the tests of src/policy: servers and VMs added
 * one call each, a plan printed as one line ("wake s2; migrate v0 s2"). */
#ifndef MINIDC_TESTS_POLICY_FIXTURE_H
#define MINIDC_TESTS_POLICY_FIXTURE_H

#include <minidc/policy.h>
#include <stdio.h>
#include <string.h>

#define FX_SERVERS 16
#define FX_VMS 32

struct fx {
    struct mdc_server s[FX_SERVERS];
    struct mdc_vm v[FX_VMS];
    struct mdc_service svc[8];
    size_t ns, nv, nsvc;
    int hops[FX_SERVERS * FX_SERVERS];
    struct mdc_model m;
    char line[1024];
};

/* Server 'name' of subnet 'subnet': 1 host CPU, 1000 MiB, 100 W idle and
 * 200 W at full use, nothing used yet; awake and reachable. */
static inline size_t fx_server(struct fx *f, const char *name, const char *subnet)
{
    size_t i = f->ns++;
    f->s[i] = (struct mdc_server){.name = name,
                                  .subnet = subnet,
                                  .sw = subnet,
                                  .cpu_capacity = 1,
                                  .memory_mib = 1000,
                                  .power_idle_w = 100,
                                  .power_max_w = 200,
                                  .reachable = true};
    return i;
}

/* VM 'name' on server 'at' using 'cpu' host CPUs (of an allocation of 1)
 * and 'mem' MiB, movable; the server's figures grow by it. */
static inline size_t fx_vm(struct fx *f, const char *name, size_t at, unsigned mem, double cpu)
{
    size_t i = f->nv++;
    f->v[i] = (struct mdc_vm){.name = name,
                              .server = at,
                              .state = "running",
                              .movable = true,
                              .memory_mib = mem,
                              .cpus = 1,
                              .cpu_allocation = 1,
                              .cpu_used = cpu};
    f->s[at].memory_used_mib += mem;
    f->s[at].cpu_used += cpu;
    f->s[at].cpu_allocated += 1;
    return i;
}

/* The model of what was added: hops 0 to itself, 1 within a subnet, 3
 * across (unless the test set them), rounds 10 s apart, at time 1000. */
static inline const struct mdc_model *fx_model(struct fx *f)
{
    for (size_t i = 0; i < f->ns; i++)
        for (size_t j = 0; j < f->ns; j++)
            if (!f->hops[i * f->ns + j])
                f->hops[i * f->ns + j] = i == j                                    ? 0
                                         : !strcmp(f->s[i].subnet, f->s[j].subnet) ? 1
                                                                                   : 3;
    f->m = (struct mdc_model){.now = f->m.now ? f->m.now : 1000,
                              .interval_s = 10,
                              .servers = f->s,
                              .n_servers = f->ns,
                              .vms = f->v,
                              .n_vms = f->nv,
                              .services = f->svc,
                              .n_services = f->nsvc,
                              .hops = f->hops};
    return &f->m;
}

/* The plan as "wake s2; migrate v0 s2; clone v1 s3 balance; stop v2; sleep s1". */
static inline const char *fx_plan(struct fx *f, const struct mdc_plan *p)
{
    static const char *const kinds[] = {"migrate", "clone", "stop", "sleep", "wake"};
    f->line[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        const struct mdc_action *a = &p->actions[i];
        size_t at = strlen(f->line);
        snprintf(f->line + at, sizeof f->line - at, "%s%s%s%s%s%s%s", i ? "; " : "", kinds[a->kind],
                 a->vm ? " " : "", a->vm ? a->vm : "", a->server ? " " : "",
                 a->server ? a->server : "", a->balance ? " balance" : "");
    }
    return f->line;
}

/* Runs policy 'p' with parameters 'kv' on 'm' once: the plan, printed;
 * 'why' of its first action copied into 'why0' (may be NULL). */
static inline const char *fx_run(struct fx *f, const struct mdc_policy *p, const struct mdc_kv *kv,
                                 size_t n, char *why0, size_t len)
{
    void *state = NULL;
    char err[256] = "";
    if (p->init && p->init(&state, kv, n, err, sizeof err)) {
        snprintf(f->line, sizeof f->line, "init: %s", err);
        return f->line;
    }
    struct mdc_plan plan = {0};
    if (p->decide(state, fx_model(f), &plan, err, sizeof err))
        snprintf(f->line, sizeof f->line, "decide: %s", err);
    else
        fx_plan(f, &plan);
    if (why0 && len)
        snprintf(why0, len, "%s", plan.n ? plan.actions[0].why : "");
    free(plan.actions);
    if (p->destroy)
        p->destroy(state);
    return f->line;
}

#endif
