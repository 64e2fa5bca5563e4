/* The API of placement (api_policy.h). */
#include "ctl/api_policy.h"

#include <stdio.h>
#include <string.h>

#include "agentproto/agent_proto.h"
#include "ctl/api_body.h"
#include "ctl/plans.h"
#include "ctl/policies.h"
#include "ctl/vmctl.h"

static bool prefixed(const char *path, const char *prefix)
{
    return !strncmp(path, prefix, strlen(prefix));
}

bool api_policy_path(const char *path)
{
    return !strcmp(path, "/api/v1/state") || !strcmp(path, "/api/v1/plans") ||
           prefixed(path, "/api/v1/plans/") || !strcmp(path, "/api/v1/policies") ||
           !strcmp(path, "/api/v1/policy") || prefixed(path, "/api/v1/servers/");
}

static int method_not_allowed(const char *allowed, json_t **out)
{
    *out = agent_proto_error("method not allowed here: %s", allowed);
    return 405;
}

static int plans_answer(const struct api_policy_deps *d, enum api_method m, const char *path,
                        const char *body, size_t len, double now, json_t **out)
{
    json_t *errors = NULL;
    if (!strcmp(path, "/api/v1/plans")) {
        if (m == API_GET) {
            *out = json_pack("{s:o}", "plans", plans_list_json(d->plans));
            return 200;
        }
        if (m != API_POST)
            return method_not_allowed("GET or POST", out);
        struct api_plan p;
        if (api_parse_plan(body, len, &p, &errors)) {
            *out = api_errors_json(errors);
            return 400;
        }
        int st = plans_post(d->plans, &p, now, out);
        api_plan_free(&p);
        return st;
    }
    unsigned long id;
    if (m != API_GET)
        return method_not_allowed("GET", out);
    if (api_parse_id(path + strlen("/api/v1/plans/"), "plan", 1, &id, &errors)) {
        *out = api_errors_json(errors);
        return 400;
    }
    return plans_get(d->plans, id, out);
}

static int policy_answer(const struct api_policy_deps *d, enum api_method m, const char *body,
                         size_t len, double now, json_t **out)
{
    if (m == API_GET) {
        *out = policies_status_json(d->policies, now);
        return 200;
    }
    if (m == API_DELETE)
        return policies_stop(d->policies, out);
    if (m != API_POST)
        return method_not_allowed("GET, POST or DELETE", out);
    struct api_policy_run r;
    json_t *errors = NULL;
    if (api_parse_policy_run(body, len, &r, &errors)) {
        *out = api_errors_json(errors);
        return 400;
    }
    int st = policies_run(d->policies, &r, now, out);
    api_policy_run_free(&r);
    return st;
}

/* POST /api/v1/servers/NAME/sleep or /wake. */
static int power_answer(const struct api_policy_deps *d, enum api_method m, const char *path,
                        json_t **out)
{
    const char *name = path + strlen("/api/v1/servers/"), *slash = strchr(name, '/');
    char server[API_SERVER_MAX + 1];
    if (!slash || slash == name || (size_t)(slash - name) > API_SERVER_MAX ||
        (strcmp(slash, "/sleep") && strcmp(slash, "/wake"))) {
        *out = agent_proto_error("no such resource: POST /api/v1/servers/NAME/sleep or /wake");
        return 404;
    }
    if (m != API_POST)
        return method_not_allowed("POST", out);
    snprintf(server, sizeof server, "%.*s", (int)(slash - name), name);
    return vmctl_server_power(d->vms, server, !strcmp(slash, "/sleep"), out);
}

int api_policy_answer(const struct api_policy_deps *d, enum api_method m, const char *path,
                      const char *body, size_t len, double now, json_t **out)
{
    if (!strcmp(path, "/api/v1/state")) {
        if (m != API_GET)
            return method_not_allowed("GET", out);
        *out = policies_state_json(d->policies);
        return 200;
    }
    if (prefixed(path, "/api/v1/plans"))
        return plans_answer(d, m, path, body, len, now, out);
    if (!strcmp(path, "/api/v1/policies")) {
        if (m != API_GET)
            return method_not_allowed("GET", out);
        *out = json_pack("{s:o}", "policies", policies_list_json(d->policies));
        return 200;
    }
    if (!strcmp(path, "/api/v1/policy"))
        return policy_answer(d, m, body, len, now, out);
    return power_answer(d, m, path, out);
}
