/* vmctl's inventory: the VM records, the servers and subnets of the
 * topology, the addresses and MACs VMs are given. */
#include "ctl/vmctl_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/xalloc.h"

LOG_MODULE("vm");
const char *vm_state_name(enum vm_state s)
{
    switch (s) {
#define VMCTL_VM_STATE_CASE(name, text)                                                            \
    case name:                                                                                     \
        return text;
        VMCTL_VM_STATES(VMCTL_VM_STATE_CASE)
#undef VMCTL_VM_STATE_CASE
    }
    return "?";
}

const struct topo_node *vmctl_server_node(const struct vmctl *v, const char *name)
{
    long i = name ? topo_find(v->t, name) : -1;
    return i >= 0 && v->t->nodes[i].kind == TOPO_SERVER ? &v->t->nodes[i] : NULL;
}

const struct topo_subnet *vmctl_server_subnet(const struct vmctl *v, const char *server)
{
    const struct topo_node *n = vmctl_server_node(v, server);
    return n ? &v->t->subnets[n->subnet] : NULL;
}

uint32_t vmctl_parse_ip(const char *s)
{
    unsigned b[4] = {0};
    if (!s || sscanf(s, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4)
        return 0;
    return b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

struct vrec *vrec_find(struct vmctl *v, const char *name)
{
    for (size_t i = 0; i < v->n_vms; i++)
        if (!strcmp(v->vms[i]->name, name))
            return v->vms[i];
    return NULL;
}

void vrec_free(struct vrec *r)
{
    free(r->name), free(r->server), free(r->mac), free(r->ip), free(r->gw), free(r->why);
    free(r->problem);
    json_decref(r->load);
    free(r);
}

/* Says why 'r' is recovering (NULL: it is not). */

void vrec_why(struct vrec *r, const char *fmt, ...)
{
    char *s = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s = xvasprintf(fmt, ap);
        va_end(ap);
    }
    free(r->why);
    r->why = s;
}

void vrec_remove(struct vmctl *v, struct vrec *r)
{
    for (size_t i = 0; i < v->n_vms; i++)
        if (v->vms[i] == r) {
            v->vms[i] = v->vms[--v->n_vms];
            break;
        }
    vrec_free(r);
}

static bool addr_taken(const struct vmctl *v, uint32_t a)
{
    for (size_t i = 0; i < v->t->n_nodes; i++)
        if (v->t->nodes[i].kind != TOPO_SWITCH && v->t->nodes[i].addr == a)
            return true;
    for (size_t i = 0; i < v->t->n_subnets; i++)
        if (v->t->subnets[i].gateway == a)
            return true;
    for (size_t i = 0; i < v->n_vms; i++)
        if (v->vms[i]->addr == a || v->vms[i]->home == a || v->vms[i]->next == a ||
            v->vms[i]->serves == a)
            return true;
    return false;
}

/* The lowest free address of 'sn', or 0 when it is full. */
uint32_t vmctl_alloc_addr(const struct vmctl *v, const struct topo_subnet *sn)
{
    uint32_t mask = topo_prefix_mask(sn->prefix.len), net = sn->prefix.addr & mask,
             bcast = net | ~mask;
    for (uint32_t a = net + 1; a < bcast; a++)
        if (!addr_taken(v, a))
            return a;
    return 0;
}

struct vrec *vrec_new(struct vmctl *v, const char *name, const char *server, unsigned mem,
                      unsigned cpus, enum vm_state state, json_t **out)
{
    const struct topo_subnet *sn = vmctl_server_subnet(v, server);
    uint32_t a = vmctl_alloc_addr(v, sn);
    if (!a) {
        *out = agent_proto_error("subnet %s has no free address left", sn->name);
        return NULL;
    }
    struct vrec *r = xcalloc(1, sizeof *r);
    char ip[16], gw[16];
    r->name = xstrdup(name);
    r->server = xstrdup(server);
    r->addr = r->home = a;
    r->ip = xasprintf("%s/%d", topo_ip_str(a, ip), sn->prefix.len);
    r->gw = xstrdup(topo_ip_str(sn->gateway, gw));
    /* Locally administered, unique as the address is: 02:6d and the address. */
    r->mac = xasprintf("02:6d:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                       a & 0xff);
    r->memory_mib = mem;
    r->cpus = cpus;
    r->state = state;
    xgrow(&v->vms, &v->cap_vms, v->n_vms + 1, sizeof *v->vms);
    v->vms[v->n_vms++] = r;
    return r;
}

/* A VM as the API shows it: its current_address is the one it has now,
 * with its prefix length (ADDR/LEN, as its agent set it in the guest); its
 * home_address is its first, which it keeps for clients wherever it goes
 * (the network rewrites it to the current one while the VM is in another
 * subnet); serves: the balanced address of a replica. */
json_t *vrec_json(const struct vrec *r)
{
    char h[16];
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "name", r->name, "server",
                  r->server, "current_address", r->ip, "home_address", topo_ip_str(r->home, h),
                  "mac", r->mac, "gateway", r->gw, "memory_mib", (int)r->memory_mib, "cpus",
                  (int)r->cpus, "state", vm_state_name(r->state));
    json_object_set_new(o, "cpu_share", r->cpu_share > 0 ? json_real(r->cpu_share) : json_null());
    if (r->op)
        json_object_set_new(o, "operation", json_integer((json_int_t)r->op));
    if (r->serves)
        json_object_set_new(o, "serves", json_string(topo_ip_str(r->serves, h)));
    if (r->why)
        json_object_set_new(o, "recovery", json_string(r->why));
    if (r->problem)
        json_object_set_new(o, "problem", json_string(r->problem));
    return o;
}

/* Body the agents take to make a VM. */
json_t *vrec_spec(const struct vrec *r)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "name", r->name, "mac", r->mac, "ip", r->ip,
                  "gw", r->gw, "memory_mib", (int)r->memory_mib, "cpus", (int)r->cpus);
    if (r->cpu_share > 0)
        json_object_set_new(o, "cpu_share", json_real(r->cpu_share));
    return o;
}

/* A VM record made from what an agent (or a transfer record) says of it:
 * {name, mac, ip, gw, memory_mib, cpus}, on 'server'; its address for
 * clients and what it serves as the state file left them. */
struct vrec *vrec_found(struct vmctl *v, const char *name, const char *server, const json_t *a,
                        enum vm_state state)
{
    struct vrec *r = xcalloc(1, sizeof *r);
    const char *ip = json_string_value(json_object_get(a, "ip")) ?: "";
    r->name = xstrdup(name);
    r->server = xstrdup(server);
    r->mac = xstrdup(json_string_value(json_object_get(a, "mac")) ?: "");
    r->ip = xstrdup(ip);
    r->gw = xstrdup(json_string_value(json_object_get(a, "gw")) ?: "");
    r->addr = r->home = vmctl_parse_ip(ip);
    json_t *was = json_object_get(v->saved, name);
    if (was && !strcmp(json_string_value(json_object_get(was, "mac")) ?: "", r->mac)) {
        r->home = vmctl_parse_ip(json_string_value(json_object_get(was, "address"))) ?: r->addr;
        r->serves = vmctl_parse_ip(json_string_value(json_object_get(was, "serves")));
        r->restored = r->home != r->addr || r->serves;
        json_t *load = json_object_get(was, "load"); /* what vmctl_load.c set */
        r->load = json_is_object(load) ? json_deep_copy(load) : NULL;
    }
    struct agent_proto_vm said; /* its counts, 0 when out of range */
    if (!agent_proto_vm_read(a, &said))
        LOG_WRN("VM %s on %s: memory, CPUs or CPU share out of range", name, server);
    r->memory_mib = said.memory_mib;
    r->cpus = said.cpus;
    r->cpu_share = said.cpu_share;
    r->state = state;
    xgrow(&v->vms, &v->cap_vms, v->n_vms + 1, sizeof *v->vms);
    v->vms[v->n_vms++] = r;
    return r;
}

/* Where 'r' is now: on 'server', as its agent describes it ('a'). */
void vrec_place(struct vrec *r, const char *server, const json_t *a)
{
    const char *ip = json_string_value(json_object_get(a, "ip")),
               *gw = json_string_value(json_object_get(a, "gw"));
    free(r->server);
    r->server = xstrdup(server);
    if (ip && gw) {
        free(r->ip), free(r->gw);
        r->ip = xstrdup(ip);
        r->gw = xstrdup(gw);
        r->addr = vmctl_parse_ip(ip);
    }
    r->next = 0;
}

void vmctl_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6] = {0};
    sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
}

/* Says why 'r' waits to be recovered; logged when it changes. */

void vrec_problem(struct vrec *r, const char *problem)
{
    if (problem && (!r->problem || strcmp(problem, r->problem)))
        LOG_ERR_("VM %s on %s is broken: %s", r->name, r->server, problem);
    else if (!problem && r->problem)
        LOG_INF("VM %s on %s is no longer broken", r->name, r->server);
    free(r->problem);
    r->problem = problem ? xstrdup(problem) : NULL;
}

void vrec_wait(struct vrec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    if (!r->why || strcmp(s, r->why))
        LOG_WRN("VM %s: %s", r->name, s);
    free(r->why);
    r->why = s;
}

int vmctl_check_room(struct vmctl *v, const char *server, unsigned mib, char **err)
{
    json_t *info;
    if (v->client.info(v->client.ctx, server, 5000, &info, err) < 0)
        return -1;
    json_int_t free_mib = json_integer_value(json_object_get(info, "free_mib"));
    json_int_t cap = json_integer_value(json_object_get(info, "capacity_mib"));
    json_decref(info);
    if (free_mib < mib) {
        *err =
            xasprintf("%s has %lld MiB free for VMs (%lld of %lld in use); %u MiB needed", server,
                      (long long)free_mib, (long long)(cap - free_mib), (long long)cap, mib);
        return -1;
    }
    return 0;
}
