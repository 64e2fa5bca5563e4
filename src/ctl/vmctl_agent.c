/* Talking to agents: one request, its answer or how it failed. */
#include "ctl/vmctl_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/http.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
int vmctl_agent_call(struct vmctl *v, const char *server, const char *method, const char *path, json_t *body,
               json_t **out, int timeout_ms, char **err)
{
    const struct topo_node *n = vmctl_server_node(v, server);
    char addr[16];
    *out = NULL;
    if (!n || !n->mgmt) {
        *err = xasprintf("server %s has no management address", server);
        json_decref(body);
        return -1;
    }
    topo_ip_str(n->mgmt, addr);
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct http_req r = {.addr = addr, .port = v->port, .method = method, .path = path, .token = v->token,
                         .body = b};
    struct strbuf reply;
    strbuf_init(&reply);
    int st = http_request(&r, &reply, timeout_ms);
    free(b);
    if (st < 0) {
        *err = xasprintf("the agent of %s (%s:%u) %s%s", server, addr, v->port,
                         st == -ETIMEDOUT ? "did not answer in time" : "is unreachable: ",
                         st == -ETIMEDOUT ? "" : strerror(-st));
        strbuf_free(&reply);
        /* Refused or unroutable: the connection was never made. */
        return st == -ECONNREFUSED || st == -EHOSTUNREACH || st == -ENETUNREACH ? AGENT_UNDELIVERED
                                                                                : AGENT_NO_ANSWER;
    }
    json_t *o = json_loads(reply.s, 0, NULL);
    strbuf_free(&reply);
    if (st >= 400 || !o) {
        const char *e = agent_proto_error_text(o);
        *err = e ? xstrdup(e) : xasprintf("the agent of %s answered %d", server, st);
        json_decref(o);
        return st == 404 ? AGENT_NO_VM : AGENT_REFUSED;
    }
    *out = o;
    return 0;
}

/* Whether 'server' has 'mib' free for VMs; says why not in '*err'. */
int vmctl_check_room(struct vmctl *v, const char *server, unsigned mib, char **err)
{
    json_t *info;
    if (vmctl_agent_call(v, server, "GET", "/v1/info", NULL, &info, 5000, err) < 0)
        return -1;
    json_int_t free_mib = json_integer_value(json_object_get(info, "free_mib"));
    json_int_t cap = json_integer_value(json_object_get(info, "capacity_mib"));
    json_decref(info);
    if (free_mib < mib) {
        *err = xasprintf("%s has %lld MiB free for VMs (%lld of %lld in use); %u MiB needed", server,
                         (long long)free_mib, (long long)(cap - free_mib), (long long)cap, mib);
        return -1;
    }
    return 0;
}
