/* The simulation's rounds (sim.h): demand, sampling, the policy's model,
 * and its plan carried out in simulated time. */
#include "sim/sim.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "sim/sim_names.h"
#include "util/xalloc.h"

struct hstate {
    double mem_used;    /* its VMs' memory, and what migrations to it hold */
    double cpu_alloc;   /* its VMs' allocations */
    double asked, used; /* host CPUs its VMs ask, and get, this round */
    size_t n_vms;       /* VMs on it, and migrating to it */
    bool asleep;
};

struct vstate {
    size_t host;
    size_t dest; /* while migrating */
    bool migrating;
    double mig_start, mig_end;
    double asked, used; /* this round */
};

struct sim {
    struct sim_params p;
    const struct sim_host *hosts;
    size_t n_hosts;
    const struct sim_vm *vms;
    size_t n_vms;
    struct sim_names host_names, vm_names;
    struct hstate *hs;
    struct vstate *vs;

    /* the rounds sampled, for eval */
    size_t n_rounds, round;
    double *t;
    double *util;  /* n_hosts x n_rounds */
    bool *asleep;  /* n_hosts x n_rounds */
    double *used;  /* n_vms x n_rounds */
    double *share; /* n_vms x n_rounds: the share of round k's interval it migrated */
    struct eval_server *es;
    struct eval_vm *ev;
    struct eval_event *eev;
    struct eval_run run;

    /* the histories the policy sees: each a window of SIM_HISTORY values in
     * a buffer of twice that, written twice, so a window is contiguous */
    double *h_util; /* n_hosts x 2H */
    double *h_used; /* n_vms x 2H */
    double *h_mem;  /* n_vms x H: its memory, constant */
    size_t h_n;     /* rounds in the windows */
    size_t h_pos;   /* where the next round goes */

    /* the policy's model */
    struct mdc_server *ms;
    struct mdc_vm *mv;

    /* the plan under way */
    struct plan *plan;
    unsigned long plan_id;
    double plan_ended; /* -inf: none ended yet */
    double now;

    struct sim_event *evs;
    size_t n_evs, cap_evs;
    struct sim_decisions dec;
    double *dec_s;
    size_t cap_dec;
    char dec_err[256];
};

#define H SIM_HISTORY

struct sim *sim_create(const struct sim_params *p, const struct sim_host *hosts, size_t n_hosts,
                       const struct sim_vm *vms, size_t n_vms, char *err, size_t errlen)
{
    if (!(p->interval_s > 0) || !(p->duration_s >= p->interval_s) || !(p->trace_step_s > 0) ||
        !(p->migration_bw_share > 0 && p->migration_bw_share <= 1) || !n_hosts) {
        snprintf(err, errlen, "%s",
                 !n_hosts ? "no server to simulate"
                          : "bad parameters: an interval > 0, a duration of at least one interval, "
                            "a trace step > 0 and a migration share of the link in (0, 1] are "
                            "needed");
        return NULL;
    }
    struct sim *s = xcalloc(1, sizeof *s);
    s->p = *p;
    s->hosts = hosts, s->n_hosts = n_hosts, s->vms = vms, s->n_vms = n_vms;
    size_t dup;
    if (sim_names_init(&s->host_names, &hosts[0].name, sizeof *hosts, n_hosts, &dup)) {
        snprintf(err, errlen, "two servers are called %s", hosts[dup].name);
        sim_free(s);
        return NULL;
    }
    if (n_vms && sim_names_init(&s->vm_names, &vms[0].name, sizeof *vms, n_vms, &dup)) {
        snprintf(err, errlen, "two VMs are called %s", vms[dup].name);
        sim_free(s);
        return NULL;
    }
    s->hs = xcalloc(n_hosts, sizeof *s->hs);
    s->vs = xcalloc(n_vms + 1, sizeof *s->vs);
    for (size_t j = 0; j < n_vms; j++) {
        const struct sim_vm *v = &vms[j];
        if (v->host >= n_hosts || !v->n_trace || !v->trace) {
            snprintf(err, errlen, "VM %s: %s", v->name,
                     v->host >= n_hosts ? "its first server is not one of the servers"
                                        : "it has no trace");
            sim_free(s);
            return NULL;
        }
        struct hstate *h = &s->hs[v->host];
        h->mem_used += v->type->memory_mib;
        h->cpu_alloc += v->type->cpu;
        h->n_vms++;
        if (h->mem_used > hosts[v->host].type->memory_mib) {
            snprintf(err, errlen,
                     "server %s cannot hold its first VMs: their memory passes its %g MiB",
                     hosts[v->host].name, hosts[v->host].type->memory_mib);
            sim_free(s);
            return NULL;
        }
        s->vs[j].host = v->host;
    }
    s->n_rounds = (size_t)floor(p->duration_s / p->interval_s + 1e-9) + 1;
    size_t R = s->n_rounds;
    s->t = xcalloc(R, sizeof *s->t);
    s->util = xcalloc(n_hosts * R, sizeof *s->util);
    s->asleep = xcalloc(n_hosts * R, sizeof *s->asleep);
    s->used = xcalloc(n_vms * R + 1, sizeof *s->used);
    s->share = xcalloc(n_vms * R + 1, sizeof *s->share);
    s->es = xcalloc(n_hosts, sizeof *s->es);
    s->ev = xcalloc(n_vms + 1, sizeof *s->ev);
    for (size_t i = 0; i < n_hosts; i++)
        s->es[i] = (struct eval_server){.power_w = hosts[i].type->power_w,
                                        .util = &s->util[i * R],
                                        .asleep = &s->asleep[i * R]};
    for (size_t j = 0; j < n_vms; j++)
        s->ev[j] = (struct eval_vm){
            .first = 0, .n = R, .cpu_used = &s->used[j * R], .migrating_share = &s->share[j * R]};
    s->h_util = xcalloc(n_hosts * 2 * H, sizeof *s->h_util);
    s->h_used = xcalloc(n_vms * 2 * H + 1, sizeof *s->h_used);
    s->h_mem = xcalloc(n_vms * H + 1, sizeof *s->h_mem);
    for (size_t j = 0; j < n_vms; j++)
        for (size_t k = 0; k < H; k++)
            s->h_mem[j * H + k] = vms[j].type->memory_mib;
    s->ms = xcalloc(n_hosts, sizeof *s->ms);
    s->mv = xcalloc(n_vms + 1, sizeof *s->mv);
    s->plan_ended = -INFINITY;
    return s;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    sim_names_free(&s->host_names);
    sim_names_free(&s->vm_names);
    plan_free(s->plan);
    free(s->hs), free(s->vs), free(s->t), free(s->util), free(s->asleep), free(s->used);
    free(s->share), free(s->es), free(s->ev), free(s->eev), free(s->h_util), free(s->h_used);
    free(s->h_mem), free(s->ms), free(s->mv), free(s->evs), free(s->dec_s);
    free(s);
}

/* ---- events ---- */

static void add_event(struct sim *s, enum eval_event_kind kind, double start, size_t vm,
                      size_t from, size_t to)
{
    if (s->n_evs == s->cap_evs) {
        s->cap_evs = s->cap_evs ? 2 * s->cap_evs : 64;
        s->evs = xrealloc(s->evs, s->cap_evs * sizeof *s->evs);
    }
    s->evs[s->n_evs++] = (struct sim_event){
        .t = s->now, .start = start, .kind = kind, .vm = vm, .from = from, .to = to};
}

/* ---- a round's demand and samples ---- */

/* What VM 'j' asks at time 't': its trace's sample then (held for a trace
 * step; the last one past the end) x its allocation. */
static double asked(const struct sim *s, size_t j, double t)
{
    const struct sim_vm *v = &s->vms[j];
    size_t i = (size_t)floor(t / s->p.trace_step_s + 1e-9);
    double u = v->trace[i < v->n_trace ? i : v->n_trace - 1];
    return (u < 0 ? 0 : u) * v->type->cpu;
}

static void demand(struct sim *s, double t)
{
    for (size_t i = 0; i < s->n_hosts; i++)
        s->hs[i].asked = s->hs[i].used = 0;
    for (size_t j = 0; j < s->n_vms; j++) {
        s->vs[j].asked = asked(s, j, t);
        s->hs[s->vs[j].host].asked += s->vs[j].asked;
    }
    for (size_t i = 0; i < s->n_hosts; i++) {
        double cap = s->hosts[i].type->cpu;
        s->hs[i].used = s->hs[i].asked < cap ? s->hs[i].asked : cap;
    }
    for (size_t j = 0; j < s->n_vms; j++) {
        const struct hstate *h = &s->hs[s->vs[j].host];
        s->vs[j].used = h->asked > h->used ? s->vs[j].asked * h->used / h->asked : s->vs[j].asked;
    }
}

/* Samples round 'k' for the metrics and the histories. */
static void sample(struct sim *s, size_t k)
{
    size_t R = s->n_rounds;
    s->t[k] = s->now;
    size_t a = s->h_pos, b = s->h_pos + H;
    for (size_t i = 0; i < s->n_hosts; i++) {
        double u = s->hs[i].used / s->hosts[i].type->cpu;
        s->util[i * R + k] = u;
        s->asleep[i * R + k] = s->hs[i].asleep;
        s->h_util[i * 2 * H + a] = s->h_util[i * 2 * H + b] = u;
    }
    for (size_t j = 0; j < s->n_vms; j++) {
        s->used[j * R + k] = s->vs[j].used;
        s->h_used[j * 2 * H + a] = s->h_used[j * 2 * H + b] = s->vs[j].used;
    }
    s->h_pos = (s->h_pos + 1) % H;
    if (s->h_n < H)
        s->h_n++;
    s->round = k + 1;
}

/* The window of the last h_n rounds of a history buffer. */
static struct mdc_history window(const struct sim *s, const double *buf)
{
    size_t start = (s->h_pos + H - s->h_n) % H;
    return (struct mdc_history){buf + start, s->h_n};
}

/* ---- the policy's model ---- */

static void build_model(struct sim *s, struct mdc_model *m)
{
    for (size_t i = 0; i < s->n_hosts; i++) {
        const struct sim_host *h = &s->hosts[i];
        const struct sim_host_type *ty = h->type;
        s->ms[i] = (struct mdc_server){
            .name = h->name,
            .subnet = h->subnet ? h->subnet : "",
            .sw = h->sw ? h->sw : "",
            .cpu_capacity = ty->cpu,
            .memory_mib = ty->memory_mib,
            .memory_used_mib = s->hs[i].mem_used,
            .cpu_allocated = s->hs[i].cpu_alloc,
            .power_idle_w = ty->power_w[0],
            .power_max_w = ty->power_w[EVAL_POWER_POINTS - 1],
            .link_mbit = ty->bandwidth_mbit,
            .asleep = s->hs[i].asleep,
            .reachable = true,
            .cpu_used = s->hs[i].used,
            .cpu_utilization = window(s, &s->h_util[i * 2 * H]),
        };
    }
    for (size_t j = 0; j < s->n_vms; j++) {
        const struct sim_vm *v = &s->vms[j];
        const struct vstate *st = &s->vs[j];
        s->mv[j] = (struct mdc_vm){
            .name = v->name,
            .server = st->host,
            .address = "",
            .home = "",
            .serves = NULL,
            .state = st->migrating ? "migrating" : "running",
            .movable = !st->migrating,
            .memory_mib = v->type->memory_mib,
            .cpus = v->type->cores,
            .cpu_allocation = v->type->cpu,
            .cpu_used = st->used,
            .cpu_used_history = window(s, &s->h_used[j * 2 * H]),
            .memory_used_mib_history = {&s->h_mem[j * H], s->h_n},
        };
    }
    *m = (struct mdc_model){.now = s->now,
                            .interval_s = s->p.interval_s,
                            .servers = s->ms,
                            .n_servers = s->n_hosts,
                            .vms = s->mv,
                            .n_vms = s->n_vms,
                            .hops = s->p.hops};
}

/* ---- carrying out the plan ---- */

/* Seconds VM 'j' takes to migrate from host 'a' to 'b'. */
static double migration_s(const struct sim *s, size_t j, size_t a, size_t b)
{
    double bw = s->hosts[a].type->bandwidth_mbit, bw2 = s->hosts[b].type->bandwidth_mbit;
    bw = bw2 < bw ? bw2 : bw;
    if (!(bw > 0))
        return 0;
    return s->vms[j].type->memory_mib * 8.0 / (bw * s->p.migration_bw_share);
}

static int exec_start(void *ctx, const struct plan_step *st, unsigned long *handle, json_t **result,
                      char **err)
{
    struct sim *s = ctx;
    (void)result;
    size_t h = sim_names_find(&s->host_names, st->server);
    if (st->kind == MDC_CLONE || st->kind == MDC_STOP) {
        *err = xstrdup("the simulator has no services: a clone or a stop is not simulated");
        return -1;
    }
    if (h == SIZE_MAX) {
        *err = xasprintf("no server %s", st->server ? st->server : "(none)");
        return -1;
    }
    struct hstate *hs = &s->hs[h];
    if (st->kind == MDC_WAKE || st->kind == MDC_SLEEP) {
        bool sleep = st->kind == MDC_SLEEP;
        if (sleep && hs->n_vms) {
            *err = xasprintf("server %s holds VMs: it cannot sleep", s->hosts[h].name);
            return -1;
        }
        if (hs->asleep != sleep) {
            hs->asleep = sleep;
            add_event(s, sleep ? EVAL_SLEEP : EVAL_WAKE, s->now, SIZE_MAX, h, h);
        }
        return 1;
    }
    size_t j = sim_names_find(&s->vm_names, st->vm);
    if (j == SIZE_MAX) {
        *err = xasprintf("no VM %s", st->vm ? st->vm : "(none)");
        return -1;
    }
    struct vstate *v = &s->vs[j];
    const struct sim_vm *vm = &s->vms[j];
    if (v->migrating) {
        *err = xasprintf("VM %s is migrating", vm->name);
        return -1;
    }
    if (v->host == h) {
        *err = xasprintf("VM %s is on %s already", vm->name, s->hosts[h].name);
        return -1;
    }
    if (hs->asleep) {
        *err = xasprintf("server %s is asleep: wake it first", s->hosts[h].name);
        return -1;
    }
    if (hs->mem_used + vm->type->memory_mib > s->hosts[h].type->memory_mib) {
        *err = xasprintf("server %s has not the memory for %s", s->hosts[h].name, vm->name);
        return -1;
    }
    v->migrating = true;
    v->dest = h;
    v->mig_start = s->now;
    v->mig_end = s->now + migration_s(s, j, v->host, h);
    hs->mem_used += vm->type->memory_mib; /* held on the destination meanwhile */
    hs->n_vms++;
    *handle = j;
    return 0;
}

/* Adds migration [a, b] of VM 'j' to the share of each round's interval it
 * covers. */
static void account_migration(struct sim *s, size_t j, double a, double b)
{
    double dt = s->p.interval_s;
    size_t R = s->n_rounds;
    for (size_t k = (size_t)floor(a / dt + 1e-9); k + 1 < R && k * dt < b; k++) {
        double lo = a > k * dt ? a : k * dt, hi = b < (k + 1) * dt ? b : (k + 1) * dt;
        if (hi > lo)
            s->share[j * R + k] += (hi - lo) / dt;
    }
}

static int exec_poll(void *ctx, const struct plan_step *st, json_t **result, char **err)
{
    struct sim *s = ctx;
    (void)result, (void)err;
    size_t j = st->handle;
    struct vstate *v = &s->vs[j];
    if (s->now < v->mig_end)
        return 0;
    const struct sim_vm *vm = &s->vms[j];
    struct hstate *from = &s->hs[v->host], *to = &s->hs[v->dest];
    from->mem_used -= vm->type->memory_mib;
    from->cpu_alloc -= vm->type->cpu;
    from->n_vms--;
    to->cpu_alloc += vm->type->cpu;
    account_migration(s, j, v->mig_start, v->mig_end);
    size_t src = v->host;
    v->host = v->dest;
    v->migrating = false;
    double now = s->now;
    s->now = v->mig_end;
    add_event(s, EVAL_MIGRATION, v->mig_start, j, src, v->dest);
    s->now = now;
    return 1;
}

/* The earliest end of a migration under way, or INFINITY. */
static double next_end(const struct sim *s)
{
    double next = INFINITY;
    for (size_t i = 0; s->plan && i < s->plan->n_steps; i++) {
        const struct plan_step *st = &s->plan->steps[i];
        if (st->state == STEP_RUNNING && s->vs[st->handle].mig_end < next)
            next = s->vs[st->handle].mig_end;
    }
    return next;
}

/* Advances the plan at 'now'; counts and drops it when it ended. */
static void advance(struct sim *s, double now)
{
    s->now = now;
    struct plan_exec x = {.ctx = s, .start = exec_start, .poll = exec_poll};
    if (!s->plan || !plan_advance(s->plan, &x, now))
        return;
    for (size_t i = 0; i < s->plan->n_steps; i++)
        s->dec.refused +=
            s->plan->steps[i].state == STEP_FAILED || s->plan->steps[i].state == STEP_SKIPPED;
    s->plan_ended = s->plan->ended;
    plan_free(s->plan);
    s->plan = NULL;
}

static void decide(struct sim *s, const struct mdc_policy *pol, void *state)
{
    if (s->plan || s->now < s->plan_ended + s->p.settle_s) {
        s->dec.skipped++;
        return;
    }
    struct mdc_model m;
    build_model(s, &m);
    struct mdc_plan plan = {0};
    char err[256] = "";
    double t0 = s->p.clock ? s->p.clock() : 0;
    int rc = pol->decide(state, &m, &plan, err, sizeof err);
    double took = s->p.clock ? s->p.clock() - t0 : 0;
    if (s->dec.n == s->cap_dec) {
        s->cap_dec = s->cap_dec ? 2 * s->cap_dec : 64;
        s->dec_s = xrealloc(s->dec_s, s->cap_dec * sizeof *s->dec_s);
    }
    s->dec_s[s->dec.n++] = took;
    s->dec.seconds_sum += took;
    if (took > s->dec.seconds_max)
        s->dec.seconds_max = took;
    if (rc) {
        s->dec.failed++;
        snprintf(s->dec_err, sizeof s->dec_err, "%s", *err ? err : "decide() failed");
        s->dec.last_error = s->dec_err;
        plan.n = 0;
    }
    if (plan.n) {
        s->dec.actions += plan.n;
        s->plan =
            plan_create(++s->plan_id, pol->name, plan.actions, plan.n, s->p.max_parallel, s->now);
    }
    free(plan.actions);
    advance(s, s->now);
}

void sim_run(struct sim *s, const struct mdc_policy *pol, void *state)
{
    double dt = s->p.interval_s;
    for (size_t k = 0; k < s->n_rounds; k++) {
        double t = (double)k * dt;
        advance(s, t); /* the moves that end now */
        demand(s, t);
        sample(s, k);
        if (k + 1 == s->n_rounds)
            break;
        decide(s, pol, state);
        for (double next; (next = next_end(s)) < t + dt;)
            advance(s, next);
    }
    /* Moves still under way at the end count as far as they went. */
    for (size_t i = 0; s->plan && i < s->plan->n_steps; i++) {
        const struct plan_step *st = &s->plan->steps[i];
        if (st->state == STEP_RUNNING)
            account_migration(s, st->handle, s->vs[st->handle].mig_start, s->now);
    }
    s->dec.seconds = s->dec_s;
}

const struct eval_run *sim_eval(const struct sim *s)
{
    struct sim *w = (struct sim *)s;
    free(w->eev);
    w->eev = xcalloc(s->n_evs + 1, sizeof *w->eev);
    for (size_t i = 0; i < s->n_evs; i++)
        w->eev[i] = (struct eval_event){.t = s->evs[i].t, .kind = s->evs[i].kind};
    w->run = (struct eval_run)EVAL_RUN_INIT;
    w->run.t = s->t;
    w->run.n = s->round;
    w->run.servers = s->es;
    w->run.n_servers = s->n_hosts;
    w->run.vms = s->ev;
    w->run.n_vms = s->n_vms;
    w->run.events = w->eev;
    w->run.n_events = s->n_evs;
    return &w->run;
}

const struct sim_event *sim_events(const struct sim *s, size_t *n)
{
    *n = s->n_evs;
    return s->evs;
}

const struct sim_decisions *sim_decisions(const struct sim *s)
{
    return &s->dec;
}

size_t sim_vm_host(const struct sim *s, size_t vm)
{
    return vm < s->n_vms ? s->vs[vm].host : SIZE_MAX;
}
