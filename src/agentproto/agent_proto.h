/* agent_proto: the HTTP/JSON protocol between minidcd and the agents
 * (minidc-agent), written once for both sides: the default port, what a VM
 * may be called, the requests (method, path) and how a path is told apart,
 * the request bodies minidcd sends, and the body of an error.  Pure: no I/O,
 * no state (tests/unit/agentproto/test_agent_proto.c).
 *
 * The requests (all but GET /metrics need "Authorization: Bearer TOKEN"
 * when the agent has a token):
 *   GET    /v1/info                   server, QEMU, accelerator, memory for VMs
 *                                     (capacity_mib, used_mib, free_mib)
 *   GET    /v1/vms                    {vms: [VM...]}: the VMs here (an arrival says
 *                                     whether all of it is here: "arrived")
 *   GET    /v1/vms/NAME               VM: {name, mac, ip, gw, memory_mib, cpus, state,
 *                                     operation (while one holds it), ...}
 *   POST   /v1/vms                    boot agent_proto_vm_json(); answers {vm, timing}
 *   POST   /v1/incoming               prepare to receive a VM (agent_proto_incoming_json:
 *                                     the VM, "from", the only address admitted to
 *                                     the ports it opens, and "listen", the address of
 *                                     this server they open on: its data address (the
 *                                     default) or its management address); answers
 *                                     {nbd, uri, timing}
 *   POST   /v1/vms/NAME/send          agent_proto_send_json(): migrate (a move leaves
 *                                     the source paused) or clone; answers {qemu,
 *                                     timing, memory: {digest}}
 *   POST   /v1/vms/NAME/finish        agent_proto_finish_json(): start an arrived VM;
 *                                     answers {timing, memory_check}
 *   POST   /v1/vms/NAME/resume        run a paused VM again (undo a move)
 *   POST   /v1/vms/NAME/exec          agent_proto_exec_json(): in the guest; answers
 *                                     {exitcode, stdout, stderr}
 *   DELETE /v1/vms/NAME[?graceful=1]  stop and remove everything of it
 *   GET    /v1/metrics                server and VM figures (JSON)
 *   GET    /metrics                   the same for Prometheus
 * A failed request answers a 4xx or 5xx status with agent_proto_error()'s
 * body; 404 for a VM that is not there.  minidcd's own API answers its
 * errors with the same body. */
#ifndef MINIDC_AGENTPROTO_AGENT_PROTO_H
#define MINIDC_AGENTPROTO_AGENT_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Where agents listen unless told otherwise (minidcd --agent-port). */
#define AGENT_PROTO_PORT 7070

/* A VM's name: a letter, then up to AGENT_PROTO_NAME_MAX - 1 letters,
 * digits, '_' or '-' (the agent names the VM's tap "t-NAME", which must
 * stay within IFNAMSIZ). */
#define AGENT_PROTO_NAME_MAX 12
bool agent_proto_name_ok(const char *s);

/* The requests: name, method, path, and for a request on one VM (path
 * NULL: /v1/vms/NAME[/ACTION]) its action ("": the VM itself). */
#define AGENT_PROTO_REQUESTS(X)                                                                    \
    X(INFO, "GET", "/v1/info", NULL)                                                               \
    X(LIST, "GET", "/v1/vms", NULL)                                                                \
    X(BOOT, "POST", "/v1/vms", NULL)                                                               \
    X(PREPARE, "POST", "/v1/incoming", NULL)                                                       \
    X(METRICS, "GET", "/v1/metrics", NULL)                                                         \
    X(PROMETHEUS, "GET", "/metrics", NULL)                                                         \
    X(GET, "GET", NULL, "")                                                                        \
    X(REMOVE, "DELETE", NULL, "")                                                                  \
    X(SEND, "POST", NULL, "send")                                                                  \
    X(FINISH, "POST", NULL, "finish")                                                              \
    X(RESUME, "POST", NULL, "resume")                                                              \
    X(EXEC, "POST", NULL, "exec")

enum agent_proto_req {
#define AGENT_PROTO_REQ_ENUM(name, method, path, action) AGENT_PROTO_##name,
    AGENT_PROTO_REQUESTS(AGENT_PROTO_REQ_ENUM)
#undef AGENT_PROTO_REQ_ENUM
};

/* "GET", "POST" or "DELETE". */
const char *agent_proto_method(enum agent_proto_req r);
/* The path of request 'r', on VM 'vm' for those on one VM (ignored for the
 * others); caller frees. */
char *agent_proto_path(enum agent_proto_req r, const char *vm);
/* DELETE's path, with "?graceful=1" when 'graceful' (the guest is asked to
 * power off first); caller frees.  agent_proto_graceful() reads the query. */
char *agent_proto_remove_path(const char *vm, bool graceful);
bool agent_proto_graceful(const char *query);

enum agent_proto_match {
    AGENT_PROTO_MATCH,        /* '*r' is the request */
    AGENT_PROTO_NO_RESOURCE,  /* no such path */
    AGENT_PROTO_NO_OPERATION, /* a VM's path, and no request of 'method' with its action */
};
/* Which request 'method' 'path' (no query) is.  A path on one VM has its
 * name put in 'name' (a name that does not fit in 'name_size' is no
 * resource) and its action, cut to fit, in 'action' (also on
 * AGENT_PROTO_NO_OPERATION, for the message). */
enum agent_proto_match agent_proto_route(const char *method, const char *path,
                                         enum agent_proto_req *r, char *name, size_t name_size,
                                         char *action, size_t action_size);
/* Whether a request for 'path' must carry the token (all but /metrics, so
 * that Prometheus can scrape it). */
bool agent_proto_needs_token(const char *path);

/* Request bodies.  Strings are borrowed; a NULL one is left out.  Each
 * body's keys are named below it, for the agent that reads them (and the
 * messages that name them) to spell them as the encoders here do. */

/* A VM as the agents make it (POST /v1/vms) and describe it (GET /v1/vms:
 * also its state and more, which agent_proto_vm_read() leaves). */
struct agent_proto_vm {
    const char *name, *mac;
    const char *ip; /* ADDRESS/LENGTH */
    const char *gw;
    unsigned memory_mib, cpus;
    double cpu_share; /* host CPUs allocated (its limit and weight); 0: not given */
};
/* A VM's memory_mib, at least and at most.  The least is what minidc's
 * guest (Debian's kernel) boots in: with 68 MiB or less the kernel resets
 * the machine early in its start, without a line on the console, and a
 * boot waited 180 s for nothing; 72 boots (measured under TCG). */
#define AGENT_PROTO_MEMORY_MIN 72
#define AGENT_PROTO_MEMORY_MAX 1048576
#define AGENT_PROTO_CPUS_MAX 64 /* its cpus: 1 to this */
#define AGENT_PROTO_VM_NAME "name"
#define AGENT_PROTO_VM_MAC "mac"
#define AGENT_PROTO_VM_IP "ip"
#define AGENT_PROTO_VM_GW "gw"
#define AGENT_PROTO_VM_MEMORY_MIB "memory_mib"
#define AGENT_PROTO_VM_CPUS "cpus"
#define AGENT_PROTO_VM_CPU_SHARE "cpu_share"
#define AGENT_PROTO_CPU_SHARE_MIN 0.01
json_t *agent_proto_vm_json(const struct agent_proto_vm *vm);
/* Fills '*vm' from 'o' (borrowed: valid while 'o' is); what 'o' lacks is
 * NULL or 0, and so is a count out of its range (AGENT_PROTO_MEMORY_MIN to
 * AGENT_PROTO_MEMORY_MAX, 1 to AGENT_PROTO_CPUS_MAX): false then. */
bool agent_proto_vm_read(const json_t *o, struct agent_proto_vm *vm);
/* POST /v1/incoming: the VM as the destination makes it, and 'from', the
 * source's data address. */
/* 'listen' NULL: the destination's data address. */
json_t *agent_proto_incoming_json(const struct agent_proto_vm *vm, const char *from,
                                  const char *listen);
#define AGENT_PROTO_INCOMING_FROM "from"
#define AGENT_PROTO_INCOMING_LISTEN "listen"

/* POST /v1/vms/NAME/send: where the destination waits for the disk and the
 * memory (from its POST /v1/incoming answer). */
struct agent_proto_send {
    const char *nbd, *uri;
    bool copy;          /* a clone: the source runs on (else a move: it stays paused) */
    bool verify_memory; /* the source's page digest comes back as memory.digest */
};
#define AGENT_PROTO_SEND_NBD "nbd"
#define AGENT_PROTO_SEND_URI "uri"
#define AGENT_PROTO_SEND_MODE "mode" /* AGENT_PROTO_SEND_MOVE or AGENT_PROTO_SEND_COPY */
#define AGENT_PROTO_SEND_MOVE "move"
#define AGENT_PROTO_SEND_COPY "copy"
#define AGENT_PROTO_SEND_VERIFY_MEMORY "verify_memory"
/* How long the guest may stand still at the switch-over (QEMU's
 * downtime-limit): the agent reads it, 10 ms when absent; minidcd does not
 * send it. */
#define AGENT_PROTO_SEND_DOWNTIME_LIMIT_MS "downtime_limit_ms"
json_t *agent_proto_send_json(const struct agent_proto_send *s);

/* POST /v1/vms/NAME/finish */
struct agent_proto_finish {
    bool identity;             /* take the name, MAC and address it was prepared with */
    bool isolate;              /* its link down until it runs */
    const char *memory_digest; /* the source's: started only if its memory matches */
};
#define AGENT_PROTO_FINISH_IDENTITY "identity"
#define AGENT_PROTO_FINISH_ISOLATE "isolate"
#define AGENT_PROTO_FINISH_MEMORY_DIGEST "memory_digest"
json_t *agent_proto_finish_json(const struct agent_proto_finish *f);

/* POST /v1/vms/NAME/exec */
struct agent_proto_exec {
    const json_t *argv; /* an array of strings */
    const char *input;  /* standard input */
    unsigned timeout_ms;
};
#define AGENT_PROTO_EXEC_ARGV "argv"
#define AGENT_PROTO_EXEC_INPUT "input"
#define AGENT_PROTO_EXEC_TIMEOUT_MS "timeout_ms"
json_t *agent_proto_exec_json(const struct agent_proto_exec *x);

/* The body of an error: {"error": MESSAGE}. */
json_t *agent_proto_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The message of an error body, or NULL when 'answer' is not one. */
const char *agent_proto_error_text(const json_t *answer);

#endif
