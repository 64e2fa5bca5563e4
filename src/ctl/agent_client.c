#include "ctl/agent_client.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/http.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* How long an agent may take over each request that names no time of its
 * own: a boot waits for the guest to be ready, a send for the disk and the
 * memory to go over, a finish for the guest to answer after it starts. */
#define BOOT_TIMEOUT_MS 960000 /* beyond the agent's own bound (READY_MAX_S) */
#define PREPARE_TIMEOUT_MS 60000
#define SEND_TIMEOUT_MS 600000
#define FINISH_TIMEOUT_MS 180000
#define RESUME_TIMEOUT_MS 30000

struct http_agents {
    struct agent_client c; /* first: what agent_client_http() hands out */
    const struct topo *t;
    char *token;
    uint16_t port;
};

/* Request 'r' for 'path' with 'body' (taken; NULL: none) to the agent of
 * 'server'; '*out' NULL is not asked for the answer. */
static int call(struct http_agents *h, const char *server, enum agent_proto_req r, const char *path,
                json_t *body, json_t **out, int timeout_ms, char **err)
{
    long i = server ? topo_find(h->t, server) : -1;
    const struct topo_node *n = i >= 0 ? &h->t->nodes[i] : NULL;
    char addr[16];
    json_t *junk;
    if (!out)
        out = &junk;
    *out = NULL;
    if (!n || n->kind != TOPO_SERVER || !n->mgmt) {
        *err = xasprintf("server %s has no management address", server);
        json_decref(body);
        return AGENT_REFUSED;
    }
    topo_ip_str(n->mgmt, addr);
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct http_req req = {.addr = addr,
                           .port = h->port,
                           .method = agent_proto_method(r),
                           .path = path,
                           .token = h->token,
                           .body = b};
    struct strbuf reply;
    strbuf_init(&reply);
    int st = http_request(&req, &reply, timeout_ms);
    free(b);
    if (st < 0) {
        *err = xasprintf("the agent of %s (%s:%u) %s%s", server, addr, h->port,
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
    if (out == &junk)
        json_decref(o);
    else
        *out = o;
    return 0;
}

/* A request on VM 'vm'. */
static int call_vm(void *ctx, const char *server, enum agent_proto_req r, const char *vm,
                   json_t *body, json_t **out, int timeout_ms, char **err)
{
    char *path = agent_proto_path(r, vm);
    int rc = call(ctx, server, r, path, body, out, timeout_ms, err);
    free(path);
    return rc;
}

static int agent_http_info(void *ctx, const char *server, int timeout_ms, json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_INFO, NULL, NULL, out, timeout_ms, err);
}

static int agent_http_list(void *ctx, const char *server, int timeout_ms, json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_LIST, NULL, NULL, out, timeout_ms, err);
}

static int agent_http_metrics(void *ctx, const char *server, int timeout_ms, json_t **out,
                              char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_METRICS, NULL, NULL, out, timeout_ms, err);
}

static int agent_http_get(void *ctx, const char *server, const char *vm, int timeout_ms,
                          json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_GET, vm, NULL, out, timeout_ms, err);
}

static int agent_http_boot(void *ctx, const char *server, const struct agent_proto_vm *vm,
                           json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_BOOT, NULL, agent_proto_vm_json(vm), out,
                   BOOT_TIMEOUT_MS, err);
}

static int agent_http_prepare(void *ctx, const char *server, const struct agent_proto_vm *vm,
                              const char *from, const char *listen, json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_PREPARE, NULL,
                   agent_proto_incoming_json(vm, from, listen), out, PREPARE_TIMEOUT_MS, err);
}

static int agent_http_send(void *ctx, const char *server, const char *vm,
                           const struct agent_proto_send *s, json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_SEND, vm, agent_proto_send_json(s), out,
                   SEND_TIMEOUT_MS, err);
}

static int agent_http_finish(void *ctx, const char *server, const char *vm,
                             const struct agent_proto_finish *f, json_t **out, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_FINISH, vm, agent_proto_finish_json(f), out,
                   FINISH_TIMEOUT_MS, err);
}

static int agent_http_resume(void *ctx, const char *server, const char *vm, char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_RESUME, vm, NULL, NULL, RESUME_TIMEOUT_MS, err);
}

static int agent_http_remove(void *ctx, const char *server, const char *vm, bool graceful,
                             int timeout_ms, char **err)
{
    char *path = agent_proto_remove_path(vm, graceful);
    int rc = call(ctx, server, AGENT_PROTO_REMOVE, path, NULL, NULL, timeout_ms, err);
    free(path);
    return rc;
}

static int agent_http_exec(void *ctx, const char *server, const char *vm,
                           const struct agent_proto_exec *x, int timeout_ms, json_t **out,
                           char **err)
{
    return call_vm(ctx, server, AGENT_PROTO_EXEC, vm, agent_proto_exec_json(x), out, timeout_ms,
                   err);
}

struct agent_client *agent_client_http(const struct topo *t, const char *token, uint16_t port)
{
    struct http_agents *h = xcalloc(1, sizeof *h);
    h->c = (struct agent_client){
        .ctx = h,
        .info = agent_http_info,
        .list = agent_http_list,
        .metrics = agent_http_metrics,
        .get = agent_http_get,
        .boot = agent_http_boot,
        .prepare = agent_http_prepare,
        .send = agent_http_send,
        .finish = agent_http_finish,
        .resume = agent_http_resume,
        .remove = agent_http_remove,
        .exec = agent_http_exec,
    };
    h->t = t;
    h->token = token ? xstrdup(token) : NULL;
    h->port = port;
    return &h->c;
}

void agent_client_http_free(struct agent_client *c)
{
    if (!c)
        return;
    struct http_agents *h = c->ctx;
    free(h->token);
    free(h);
}
