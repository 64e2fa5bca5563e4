/* api_policy: the API of placement, answered from ctl/plans.h,
 * ctl/policies.h and vmctl's power states:
 *   GET /api/v1/state               the model a policy gets (docs/policies.md)
 *   POST /api/v1/plans              a plan {actions, max_parallel}: 201 {id}
 *   GET /api/v1/plans               the plans kept, newest first
 *   GET /api/v1/plans/ID            a plan's progress, action by action
 *   GET /api/v1/policies            the policies minidcd has, with their parameters
 *   GET /api/v1/policy              the policy running, and its last decision
 *   POST /api/v1/policy             run one {name, params, interval_s, dry_run, max_parallel}
 *   DELETE /api/v1/policy           stop it
 *   POST /api/v1/servers/NAME/sleep put a server to sleep (emulated: it takes no VM)
 *   POST /api/v1/servers/NAME/wake  wake it
 * Free of HTTP: a method, a path and a body in, a status and JSON out.
 * Event loop thread only. */
#ifndef MINIDC_CTL_API_POLICY_H
#define MINIDC_CTL_API_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct plans;
struct policies;
struct vmctl;

struct api_policy_deps {
    struct plans *plans;
    struct policies *policies;
    struct vmctl *vms;
};

enum api_method { API_GET, API_POST, API_DELETE, API_OTHER };

/* Whether 'path' is one of api_policy's. */
bool api_policy_path(const char *path);
/* Answers 'method' on 'path' with 'body' ('len' bytes): the status, and
 * '*out' the JSON to send. */
int api_policy_answer(const struct api_policy_deps *d, enum api_method method, const char *path,
                      const char *body, size_t len, double now, json_t **out);

#endif
