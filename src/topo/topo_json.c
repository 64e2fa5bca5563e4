#include "topo/topo_json.h"

#include <inttypes.h>
#include <stdio.h>

#include "topo/topo.h"
#include "topo/topo_graph.h"

static json_t *port_or_null(unsigned port)
{
    return port ? json_integer(port) : json_null();
}

static json_t *figure_or_null(double v)
{
    return v > 0 ? json_real(v) : json_null();
}

static json_t *attached_json(const struct topo *t, const struct topo_node *n)
{
    char ip[16];
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", n->name, "address",
                          topo_ip_str(n->addr, ip), "subnet", t->subnets[n->subnet].name, "switch",
                          t->nodes[n->sw].name, "port", port_or_null(n->sw_port));
    if (n->kind == TOPO_SERVER) {
        json_object_set_new(o, "memory_mib",
                            n->memory_mib ? json_integer(n->memory_mib) : json_null());
        json_object_set_new(o, "cpu", figure_or_null(n->cpu));
    }
    return o;
}

json_t *topo_json(const struct topo *t)
{
    json_t *subnets = json_array(), *switches = json_array(), *servers = json_array(),
           *hosts = json_array(), *links = json_array();
    char a[16], b[16];
    for (size_t i = 0; i < t->n_subnets; i++) {
        const struct topo_subnet *s = &t->subnets[i];
        char prefix[24];
        snprintf(prefix, sizeof prefix, "%s/%d", topo_ip_str(s->prefix.addr, a), s->prefix.len);
        json_array_append_new(subnets, json_pack("{s:s, s:s, s:s, s:s}", "name", s->name, "prefix",
                                                 prefix, "gateway", topo_ip_str(s->gateway, b),
                                                 "switch", t->nodes[s->sw].name));
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        if (n->kind == TOPO_SWITCH) {
            char dpid[17];
            snprintf(dpid, sizeof dpid, "%016" PRIx64, n->dpid);
            json_array_append_new(switches, json_pack("{s:s, s:s}", "name", n->name, "dpid", dpid));
        } else {
            json_array_append_new(n->kind == TOPO_SERVER ? servers : hosts, attached_json(t, n));
        }
    }
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        char name[TOPO_LINK_NAME_MAX];
        json_array_append_new(links,
                              json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "name",
                                        topo_link_name(t, l, name, sizeof name), "a",
                                        t->nodes[l->a].name, "a_port", port_or_null(l->a_port), "b",
                                        t->nodes[l->b].name, "b_port", port_or_null(l->b_port),
                                        "bandwidth_mbit", figure_or_null(l->props.bandwidth_mbit)));
    }
    struct topo_graph *g = topo_graph_create(t);
    long root = topo_graph_center(g);
    topo_graph_destroy(g);
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "name", t->name, "root",
                     root >= 0 ? json_string(t->nodes[root].name) : json_null(), "subnets", subnets,
                     "switches", switches, "servers", servers, "hosts", hosts, "links", links);
}
