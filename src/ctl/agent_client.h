/* agent_client: minidcd's side of the agents' protocol
 * (agentproto/agent_proto.h), one typed call per request, behind a table
 * of functions so that a test can answer in the agents' place
 * (tests/unit/ctl/test_vmctl.c), as net_io does for the switches.
 *
 * Every call blocks until the agent answers or 'timeout_ms' (or the
 * request's own time, for those that take none) passes: operation and
 * poller threads only.  It returns 0 with '*out' the agent's answer (caller
 * owns it), or a negative enum agent_failure with '*out' NULL and '*err'
 * saying why (caller frees).  Requests are borrowed. */
#ifndef MINIDC_CTL_AGENT_CLIENT_H
#define MINIDC_CTL_AGENT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "agentproto/agent_proto.h"
#include "topo/topo.h"

enum agent_failure {
    AGENT_REFUSED = -1,     /* the agent answered no (its message in '*err') */
    AGENT_NO_VM = -2,       /* the agent has no such VM */
    AGENT_UNDELIVERED = -3, /* the request never reached it: it did nothing */
    AGENT_NO_ANSWER = -4,   /* the request went and no answer came: the agent may have
                             * done it, or be doing it still */
};

struct agent_client {
    void *ctx;
    /* GET /v1/info, GET /v1/vms, GET /v1/metrics */
    int (*info)(void *ctx, const char *server, int timeout_ms, json_t **out, char **err);
    int (*list)(void *ctx, const char *server, int timeout_ms, json_t **out, char **err);
    int (*metrics)(void *ctx, const char *server, int timeout_ms, json_t **out, char **err);
    /* GET /v1/vms/NAME */
    int (*get)(void *ctx, const char *server, const char *vm, int timeout_ms, json_t **out,
               char **err);
    /* POST /v1/vms */
    int (*boot)(void *ctx, const char *server, const struct agent_proto_vm *vm, json_t **out,
                char **err);
    /* POST /v1/incoming: 'vm' as the destination makes it, 'from' the source's
     * address on the network the transfer takes, 'listen' the destination's
     * (NULL: its data address). */
    int (*prepare)(void *ctx, const char *server, const struct agent_proto_vm *vm, const char *from,
                   const char *listen, json_t **out, char **err);
    /* POST /v1/vms/NAME/send, /finish, /resume */
    int (*send)(void *ctx, const char *server, const char *vm, const struct agent_proto_send *s,
                json_t **out, char **err);
    int (*finish)(void *ctx, const char *server, const char *vm, const struct agent_proto_finish *f,
                  json_t **out, char **err);
    int (*resume)(void *ctx, const char *server, const char *vm, char **err);
    /* DELETE /v1/vms/NAME[?graceful=1] */
    int (*remove)(void *ctx, const char *server, const char *vm, bool graceful, int timeout_ms,
                  char **err);
    /* POST /v1/vms/NAME/exec */
    int (*exec)(void *ctx, const char *server, const char *vm, const struct agent_proto_exec *x,
                int timeout_ms, json_t **out, char **err);
};

/* The agents over HTTP: each server's at its management address in 't'
 * (which must outlive the client), on 'port', with 'token' (NULL: none). */
struct agent_client *agent_client_http(const struct topo *t, const char *token, uint16_t port);
void agent_client_http_free(struct agent_client *c);

#endif
