/* net_views: the read-only JSON views of switches, links and hosts for the
 * API (rewrites and balancers have theirs beside them). */
#include "net/net_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"
#include "util/xalloc.h"

/* Views list switches by name, links by their ends and hosts by where they
 * are, so that outputs are stable whatever order switches connected in. */
static int cmp_json_by(const void *a, const void *b, const char *k1, const char *k2)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, k1)),
                   json_string_value(json_object_get(y, k1)));
    if (c || !k2)
        return c;
    json_int_t p = json_integer_value(json_object_get(x, k2)),
               q = json_integer_value(json_object_get(y, k2));
    return p < q ? -1 : p > q;
}

static int cmp_by_name(const void *a, const void *b)
{
    return cmp_json_by(a, b, "name", NULL);
}

static int cmp_by_from(const void *a, const void *b)
{
    return cmp_json_by(a, b, "from", "from_port");
}

static int cmp_by_place(const void *a, const void *b)
{
    return cmp_json_by(a, b, "switch", "port");
}

static json_t *sorted(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    json_t **v = xmalloc((n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, v[i]);
    free(v);
    json_decref(arr);
    return out;
}

json_t *net_switches_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_sw; i++) {
        const struct net_switch *s = &n->sw[i];
        char dp[17];
        snprintf(dp, sizeof dp, "%016" PRIx64, s->dpid);
        json_t *ports = json_array();
        for (size_t p = 0; p < s->n_ports; p++) {
            const struct net_port *pt = &s->ports[p];
            if (pt->no >= OFPP_MAX)
                continue;
            json_array_append_new(ports,
                                  json_pack("{s:I, s:s, s:b, s:b}", "port", (json_int_t)pt->no,
                                            "name", pt->name, "up", pt->up, "link",
                                            net_is_link_port(n, s->dpid, pt->no)));
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o}", "name", s->name, "dpid", dp,
                                             "connected", s->connected, "ports", ports));
    }
    return sorted(arr, cmp_by_name);
}

json_t *net_links_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_links; i++) {
        const struct net_link *l = &n->links[i];
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:I, s:f}", "from",
                                             net_switch_name(n, l->a), "from_port",
                                             (json_int_t)l->a_port, "to", net_switch_name(n, l->b),
                                             "to_port", (json_int_t)l->b_port, "age",
                                             n->now > l->seen ? n->now - l->seen : 0.0));
    }
    return sorted(arr, cmp_by_from);
}

json_t *net_hosts_json(const struct net *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->n_hosts; i++) {
        const struct net_host *h = &n->hosts[i];
        char ip[16], mac[18];
        const struct topo_subnet *sn = net_subnet_of(n, h->ip);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I, s:s, s:f}", "ip", topo_ip_str(h->ip, ip), "mac",
                           pkt_mac_str(h->mac, mac), "switch", net_switch_name(n, h->dpid), "port",
                           (json_int_t)h->port, "subnet", sn ? sn->name : "", "age",
                           n->now > h->seen ? n->now - h->seen : 0.0));
    }
    return sorted(arr, cmp_by_place);
}
