/* Commands run in a guest, through its guest agent (POST
 * /v1/vms/NAME/exec). */
#include <stdlib.h>

#include "agent/agent.h"
#include "agentproto/agent_proto.h"
#include "util/xalloc.h"
#include "vm/qmp.h"

int agent_exec(struct agent *a, const char *name, json_t *req, json_t **out)
{
    json_t *jargv = json_object_get(req, AGENT_PROTO_EXEC_ARGV);
    json_int_t timeout_ms =
        json_integer_value(json_object_get(req, AGENT_PROTO_EXEC_TIMEOUT_MS)) ?: 30000;
    const char *input = json_string_value(json_object_get(req, AGENT_PROTO_EXEC_INPUT));
    if (!json_is_array(jargv) || !json_array_size(jargv) || json_array_size(jargv) > 256) {
        *out = agent_proto_error(AGENT_PROTO_EXEC_ARGV ": expected a non-empty array of strings");
        return 400;
    }
    const char **argv = xcalloc(json_array_size(jargv) + 1, sizeof *argv);
    size_t i;
    json_t *s;
    json_array_foreach(jargv, i, s) {
        if (!json_is_string(s)) {
            free(argv);
            *out = agent_proto_error(AGENT_PROTO_EXEC_ARGV ": expected strings");
            return 400;
        }
        argv[i] = json_string_value(s);
    }
    if (timeout_ms < 1 || timeout_ms > 3600000) {
        free(argv);
        *out = agent_proto_error(AGENT_PROTO_EXEC_TIMEOUT_MS ": expected 1 to 3600000");
        return 400;
    }
    /* A command in the guest does not hold the VM: it may be stopped or
     * moved meanwhile (the command then ends with an error).  The guest
     * agent's channel is the VM's own; what exec needs of it is copied. */
    pthread_mutex_lock(&a->lock);
    struct avm *v = agent_find(a, name);
    char *sock = v ? avm_path(v, "qga.sock") : NULL, *err = NULL;
    int st = !v ? 404 : v->state != AVM_RUNNING || v->busy ? 409 : 200;
    if (st == 404)
        *out = agent_proto_error("no VM %s on %s", name, a->server);
    else if (st == 409)
        *out = agent_proto_error("exec in %s: VM is %s", name,
                                 v->busy ? v->op : avm_state_name(v->state));
    pthread_mutex_unlock(&a->lock);
    if (st != 200) {
        free(sock);
        free(argv);
        return st;
    }
    struct qmp *g = qga_open(sock, 5000, &err);
    free(sock);
    struct qga_result r;
    if (g && qga_exec(g, argv, input, (int)timeout_ms, &r, &err) == 0) {
        *out =
            json_pack("{s:i, s:s, s:s}", "exitcode", r.exitcode, "stdout", r.out, "stderr", r.err);
        qga_result_free(&r);
        st = 200;
    } else {
        *out = agent_proto_error("exec in %s: %s", name, err);
        st = 502;
    }
    qmp_close(g);
    free(err);
    free(argv);
    return st;
}
