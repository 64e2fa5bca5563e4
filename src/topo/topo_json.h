/* topo_json: a topology as JSON, for minidcd's GET /api/v1/topology and the
 * GUI that draws it. */
#ifndef MINIDC_TOPO_TOPO_JSON_H
#define MINIDC_TOPO_TOPO_JSON_H

#include <jansson.h>

struct topo;

/* {"name", "root", "subnets": [{name, prefix, gateway, switch}],
 *  "switches": [{name, dpid}], "servers" and "hosts": [{name, address,
 *  subnet, switch, port}] (servers also memory_mib, cpu), "links": [{name,
 *  a, a_port, b, b_port, bandwidth_mbit}]}.  "root" is the topology's center
 * (topo_graph_center(), null without switches); a port is null on a server
 * or host end, a figure null when the file gives none. */
json_t *topo_json(const struct topo *t);

#endif
