/* policies: minidcd's placement policies and the loop that runs one.
 *
 * The policies are the built-in ones (src/policy) and those of shared
 * objects loaded with --policy-path (each exports mdc_policies[], see
 * include/minidc/policy.h).  One runs at a time: every interval it gets
 * the model (ctl/model.h) and decides; its plan goes to ctl/plans.h unless
 * it is a dry run or another plan is still under way (then the interval
 * is skipped: deciding on a data center that is still moving would count
 * the same VMs twice), or ended less than POLICIES_SETTLE_S ago, and until
 * vmctl has asked every agent once (after a restart it knows no VM yet) (the
 * agents measure CPU over their poll interval: until two polls after the
 * moves, a server's figure still holds the VMs that left, and the moves'
 * own work).  Events: "policy.started", "policy.stopped",
 * "policy.decision" (the inputs summarised, the plan, how long deciding
 * took, or why it failed); the plan's own (plans.h).
 *
 * The policy running is kept in the state file (vmctl_keep()): a minidcd
 * restarted runs it again.
 *
 * Event loop thread only. */
#ifndef MINIDC_CTL_POLICIES_H
#define MINIDC_CTL_POLICIES_H

#include <jansson.h>

#include "ctl/api_body.h"
#include "ctl/vmctl.h"

#define POLICIES_SETTLE_S (2 * VMCTL_POLL_S + 1)

struct model;
struct plans;
struct policies;
struct topo;

struct policies_hooks {
    void *ctx;
    /* The model now (the caller frees it with model_free()). */
    struct model *(*model)(void *ctx);
    void (*publish)(void *ctx, const char *type, json_t *data);
};

struct policies *policies_create(const struct topo *t, struct vmctl *v, struct plans *plans,
                                 const struct policies_hooks *hooks);
void policies_destroy(struct policies *p);

/* Loads the policies of shared object 'path'; 0, or -1 with why in '*err'
 * (malloc'd): it cannot be loaded, exports no mdc_policies, was built for
 * another MDC_POLICY_API_VERSION, or names a policy already known. */
int policies_load(struct policies *p, const char *path, char **err);

/* GET /api/v1/policies: [{name, summary, params: [{name, default, help}],
 * needs: [...], from: "built-in" | PATH}...]. */
json_t *policies_list_json(const struct policies *p);
/* POST /api/v1/policy: 201 and the status; 400 (no such policy, a wrong
 * parameter, a figure it needs is missing) or 409 (one runs: stop it
 * first) with '*out' = {error}. */
int policies_run(struct policies *p, const struct api_policy_run *req, double now, json_t **out);
/* DELETE /api/v1/policy: 200 and what ran, or 404 when none runs. */
int policies_stop(struct policies *p, json_t **out);
/* GET /api/v1/policy: {running, name, params, interval_s, dry_run,
 * max_parallel, since, decisions, skipped, plans, last_decision}. */
json_t *policies_status_json(const struct policies *p, double now);
/* GET /api/v1/state: the model now, as a policy would get it. */
json_t *policies_state_json(struct policies *p);

/* Decides when the interval has passed (every tick of minidcd's loop). */
void policies_tick(struct policies *p, double now);
/* Runs again the policy the state file says ran (at start). */
void policies_restore(struct policies *p, double now);

#endif
