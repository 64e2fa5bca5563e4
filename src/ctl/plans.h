/* plans: minidcd's plans (plan/plan.h), those posted to the API and those
 * its policies made, carried out through vmctl's operations: a migrate,
 * clone or stop is the operation of the same name, and each step's
 * outcome is its operation's; sleep and wake are vmctl's power states.
 *
 * The last PLANS_KEPT plans are kept for GET /api/v1/plans/ID; plans live
 * in memory only: after a restart the operations of a plan cut short
 * finish or are undone (vmctl's recovery), and its steps not started are
 * not.  Every step's outcome is an event: "policy.action" for a policy's
 * plan, "plan.action" for others; "plan.ended" when one ends ({plan,
 * source, state, counts}).
 *
 * Event loop thread only. */
#ifndef MINIDC_CTL_PLANS_H
#define MINIDC_CTL_PLANS_H

#include <jansson.h>
#include <stdbool.h>

#include "ctl/api_body.h"
#include "minidc/policy.h"

#define PLANS_KEPT 64

struct plans;
struct vmctl;

typedef void plans_publish_fn(void *ctx, const char *type, json_t *data);

struct plans *plans_create(struct vmctl *v, plans_publish_fn *publish, void *ctx);
void plans_destroy(struct plans *p);

/* Starts a plan posted to the API (checked by api_body): 201 and {id}, or
 * 409 while another plan runs (a plan changes what the next decides on). */
int plans_post(struct plans *p, const struct api_plan *req, double now, json_t **out);
/* Starts a policy's plan of 'n' actions; its id (0: refused, another plan
 * runs). */
unsigned long plans_start(struct plans *p, const char *source, const struct mdc_action *a, size_t n,
                          unsigned max_parallel, double now);
/* Advances the plans under way (every tick of minidcd's loop). */
void plans_tick(struct plans *p, double now);
/* Whether a plan is under way. */
bool plans_busy(const struct plans *p);
/* When the last plan that did something ended (0: none yet). */
double plans_ended_at(const struct plans *p);

/* 200 and the plan, or 404. */
int plans_get(const struct plans *p, unsigned long id, json_t **out);
/* The plans kept, newest first: their id, source, state and counts. */
json_t *plans_list_json(const struct plans *p);

#endif
