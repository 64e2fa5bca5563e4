/* Building the placement model (model.h), and its JSON. */
#include "ctl/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist/hist.h"
#include "topo/topo.h"
#include "topo/topo_graph.h"
#include "util/xalloc.h"

struct model {
    struct mdc_model m;
    struct mdc_server *servers;
    struct mdc_vm *vms;
    struct mdc_service *services;
    struct mdc_link *links;
    int *hops;
    size_t *service_vms; /* the services' VM indices, one block */
    double **histories;  /* every history's values, to free */
    size_t n_histories;
    json_t *keep; /* the inputs whose strings the model borrows */
    char **strings;
    size_t n_strings;
};

static const char *keep_string(struct model *m, const char *s)
{
    m->strings = xrealloc(m->strings, (m->n_strings + 1) * sizeof *m->strings);
    return m->strings[m->n_strings++] = xstrdup(s);
}

/* Series 'kind/name/figure' of the last MODEL_HISTORY rounds, each value
 * times 'scale'. */
static struct mdc_history history(struct model *m, const struct hist *h, const char *kind,
                                  const char *name, const char *figure, double scale)
{
    struct mdc_history out = {NULL, 0};
    if (!h)
        return out;
    char series[192];
    snprintf(series, sizeof series, "%s/%s/%s", kind, name, figure);
    double *v = xmalloc(MODEL_HISTORY * sizeof *v);
    size_t n = hist_tail(h, series, MODEL_HISTORY, v);
    for (size_t i = 0; i < n; i++)
        v[i] *= scale;
    m->histories = xrealloc(m->histories, (m->n_histories + 1) * sizeof *m->histories);
    m->histories[m->n_histories++] = v;
    out.values = v;
    out.n = n;
    return out;
}

static double number_or(const json_t *v, double fallback)
{
    return json_is_number(v) ? json_number_value(v) : fallback;
}

/* The agent's latest metrics of server 'name' ({server, vms}), or NULL. */
static const json_t *server_metrics(const json_t *metrics, const char *name)
{
    size_t i;
    const json_t *m;
    json_array_foreach(metrics, i, m) {
        const char *n = json_string_value(json_object_get(json_object_get(m, "server"), "name"));
        if (n && !strcmp(n, name))
            return m;
    }
    return NULL;
}

/* The latest figures of VM 'name' in its server's metrics, or NULL. */
static const json_t *vm_metrics(const json_t *sm, const char *name)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(sm, "vms"), i, v) {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n && !strcmp(n, name))
            return v;
    }
    return NULL;
}

/* The bandwidth of the link from node 'node' to its switch (0: none). */
static double uplink_mbit(const struct topo *t, size_t node)
{
    for (size_t i = 0; i < t->n_links; i++)
        if (t->links[i].a == node || t->links[i].b == node)
            return t->links[i].props.bandwidth_mbit;
    return 0;
}

static void build_servers(struct model *m, const struct model_inputs *in, size_t *node_of)
{
    const struct topo *t = in->t;
    size_t n = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        n += t->nodes[i].kind == TOPO_SERVER;
    m->servers = xcalloc(n ? n : 1, sizeof *m->servers);
    n = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *nd = &t->nodes[i];
        if (nd->kind != TOPO_SERVER)
            continue;
        struct mdc_server *s = &m->servers[n];
        node_of[n++] = i;
        const json_t *sm = server_metrics(in->metrics, nd->name);
        const json_t *fig = json_object_get(sm, "server");
        const json_t *ag = json_object_get(in->servers, nd->name);
        s->name = nd->name;
        s->subnet = t->subnets[nd->subnet].name;
        s->sw = t->nodes[nd->sw].name;
        s->cpu_capacity = nd->cpu > 0 ? nd->cpu
                                      : number_or(json_object_get(fig, "cpu_capacity"),
                                                  number_or(json_object_get(fig, "cpus"), 1));
        s->memory_mib =
            nd->memory_mib ? nd->memory_mib : number_or(json_object_get(fig, "vm_capacity_mib"), 0);
        s->power_idle_w = nd->power_w[0];
        s->power_max_w = nd->power_w[TOPO_POWER_POINTS - 1];
        s->link_mbit = uplink_mbit(t, i);
        s->asleep = json_is_true(json_object_get(ag, "asleep"));
        s->reachable = json_is_true(json_object_get(ag, "reachable"));
        s->cpu_used = number_or(json_object_get(fig, "cpu_used"), 0);
        s->cpu_utilization = history(m, in->h, "server", nd->name, "cpu_used", 1 / s->cpu_capacity);
    }
    m->m.servers = m->servers;
    m->m.n_servers = n;
}

static long server_index(const struct model *m, const char *name)
{
    for (size_t i = 0; name && i < m->m.n_servers; i++)
        if (!strcmp(m->servers[i].name, name))
            return (long)i;
    return -1;
}

static void build_vms(struct model *m, const struct model_inputs *in)
{
    size_t n = json_array_size(in->vms), k = 0, i;
    m->vms = xcalloc(n ? n : 1, sizeof *m->vms);
    const json_t *o;
    json_array_foreach(in->vms, i, o) {
        const char *server = json_string_value(json_object_get(o, "server"));
        long si = server_index(m, server);
        if (si < 0)
            continue;
        struct mdc_vm *v = &m->vms[k++];
        const json_t *vm = vm_metrics(server_metrics(in->metrics, server),
                                      json_string_value(json_object_get(o, "name")));
        v->name = json_string_value(json_object_get(o, "name"));
        v->server = (size_t)si;
        const char *cur = json_string_value(json_object_get(o, "current_address")) ?: "";
        v->address = keep_string(m, cur);
        char *slash = strchr((char *)v->address, '/');
        if (slash)
            *slash = '\0';
        v->home = json_string_value(json_object_get(o, "home_address"));
        /* A replica serves another's address; the VM whose address is
         * balanced (minidcd's "serves" is its own home then) is none. */
        v->serves = json_string_value(json_object_get(o, "serves"));
        if (v->serves && v->home && !strcmp(v->serves, v->home))
            v->serves = NULL;
        v->state = json_string_value(json_object_get(o, "state"));
        v->movable = v->state && !strcmp(v->state, "running") && !json_object_get(o, "operation");
        v->memory_mib = (unsigned)json_integer_value(json_object_get(o, "memory_mib"));
        v->cpus = (unsigned)json_integer_value(json_object_get(o, "cpus"));
        v->cpu_allocation = number_or(json_object_get(o, "cpu_share"), v->cpus);
        v->cpu_used = number_or(json_object_get(vm, "cpu_used"), 0);
        v->cpu_used_history = history(m, in->h, "vm", v->name, "cpu_used", 1);
        v->memory_used_mib_history =
            history(m, in->h, "vm", v->name, "rss_bytes", 1.0 / (1024 * 1024));
        struct mdc_history rx = history(m, in->h, "vm", v->name, "net_rx_bytes_per_second", 1);
        struct mdc_history tx = history(m, in->h, "vm", v->name, "net_tx_bytes_per_second", 1);
        v->net_rx_bytes_per_s = rx.n ? rx.values[rx.n - 1] : 0;
        v->net_tx_bytes_per_s = tx.n ? tx.values[tx.n - 1] : 0;
        struct mdc_server *s = &m->servers[si];
        s->memory_used_mib += v->memory_mib;
        s->cpu_allocated += v->cpu_allocation;
    }
    m->m.vms = m->vms;
    m->m.n_vms = k;
}

/* The address a VM's clients use: the balanced one it is a replica of,
 * else its home (a balanced address too, when it has replicas). */
static const char *service_of(const struct mdc_vm *v)
{
    return v->serves ? v->serves : v->home;
}

static void build_services(struct model *m, const struct model_inputs *in)
{
    size_t n = m->m.n_vms;
    m->services = xcalloc(n ? n : 1, sizeof *m->services);
    m->service_vms = xcalloc(n ? n : 1, sizeof *m->service_vms);
    size_t k = 0, used = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = service_of(&m->vms[i]);
        if (!a)
            continue;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = !strcmp(m->services[j].address, a);
        if (seen)
            continue;
        struct mdc_service *s = &m->services[k++];
        s->address = a;
        s->vms = &m->service_vms[used];
        for (size_t j = i; j < n; j++) {
            const char *b = service_of(&m->vms[j]);
            if (b && !strcmp(a, b))
                m->service_vms[used + s->n_vms++] = j;
        }
        used += s->n_vms;
        s->requests_per_s = s->p95_ms = s->failed_per_s = -1;
        size_t d;
        const json_t *r;
        json_array_foreach(in->demand, d, r) {
            const char *ra = json_string_value(json_object_get(r, "address"));
            if (!ra || strcmp(ra, a))
                continue;
            s->requests_per_s = number_or(json_object_get(r, "requests_per_second"), -1);
            s->p95_ms = number_or(json_object_get(r, "p95_ms"), -1);
            s->failed_per_s = number_or(json_object_get(r, "failed_per_second"), -1);
        }
    }
    m->m.services = m->services;
    m->m.n_services = k;
}

static double busier(const json_t *l, const char *figure, double scale)
{
    const json_t *ab = json_object_get(json_object_get(l, "ab"), figure),
                 *ba = json_object_get(json_object_get(l, "ba"), figure);
    if (!json_is_number(ab) && !json_is_number(ba))
        return -1;
    return fmax(number_or(ab, 0), number_or(ba, 0)) * scale;
}

static void build_links(struct model *m, const struct model_inputs *in)
{
    size_t n = json_array_size(in->links), i;
    m->links = xcalloc(n ? n : 1, sizeof *m->links);
    const json_t *l;
    json_array_foreach(in->links, i, l) {
        struct mdc_link *k = &m->links[i];
        k->a = json_string_value(json_object_get(l, "a")) ?: "";
        k->b = json_string_value(json_object_get(l, "b")) ?: "";
        k->bandwidth_mbit = number_or(json_object_get(l, "bandwidth_mbit"), 0);
        k->mbit_per_s = busier(l, "bits_per_second", 1e-6);
        k->utilization = busier(l, "utilization", 1);
    }
    m->m.links = m->links;
    m->m.n_links = n;
}

static void build_hops(struct model *m, const struct model_inputs *in, const size_t *node_of)
{
    size_t n = m->m.n_servers;
    m->hops = xcalloc(n ? n * n : 1, sizeof *m->hops);
    int *dist = xcalloc(in->t->n_nodes, sizeof *dist);
    for (size_t i = 0; i < n; i++) {
        if (in->g)
            topo_graph_crossed(in->g, node_of[i], dist);
        for (size_t j = 0; j < n; j++)
            m->hops[i * n + j] = i == j ? 0 : in->g ? dist[node_of[j]] : -1;
    }
    free(dist);
    m->m.hops = m->hops;
}

struct model *model_build(const struct model_inputs *in)
{
    struct model *m = xcalloc(1, sizeof *m);
    m->keep = json_pack("[O, O, O, O, O]", in->vms, in->servers, in->metrics,
                        in->links ? in->links : json_null(), in->demand ? in->demand : json_null());
    m->m.now = in->now;
    m->m.interval_s = in->interval_s;
    size_t *node_of = xcalloc(in->t->n_nodes + 1, sizeof *node_of);
    build_servers(m, in, node_of);
    build_vms(m, in);
    build_services(m, in);
    build_links(m, in);
    build_hops(m, in, node_of);
    free(node_of);
    return m;
}

const struct mdc_model *model_get(const struct model *m)
{
    return &m->m;
}

void model_free(struct model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_histories; i++)
        free(m->histories[i]);
    free(m->histories);
    for (size_t i = 0; i < m->n_strings; i++)
        free(m->strings[i]);
    free(m->strings);
    free(m->servers), free(m->vms), free(m->services), free(m->service_vms), free(m->links);
    free(m->hops);
    json_decref(m->keep);
    free(m);
}

/* ---- JSON ---- */

static json_t *history_json(struct mdc_history h)
{
    json_t *a = json_array();
    for (size_t i = 0; i < h.n; i++)
        json_array_append_new(a, json_real(h.values[i]));
    return a;
}

static json_t *known(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *model_json(const struct mdc_model *m)
{
    json_t *servers = json_array(), *vms = json_array(), *services = json_array(),
           *links = json_array(), *hops = json_array();
    for (size_t i = 0; i < m->n_servers; i++) {
        const struct mdc_server *s = &m->servers[i];
        json_array_append_new(
            servers,
            json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:b, s:f, s:o}",
                      "name", s->name, "subnet", s->subnet, "switch", s->sw, "cpu_capacity",
                      s->cpu_capacity, "memory_mib", s->memory_mib, "memory_used_mib",
                      s->memory_used_mib, "cpu_allocated", s->cpu_allocated, "power_idle_w",
                      s->power_idle_w, "power_max_w", s->power_max_w, "link_mbit", s->link_mbit,
                      "asleep", s->asleep, "reachable", s->reachable, "cpu_used", s->cpu_used,
                      "cpu_utilization", history_json(s->cpu_utilization)));
        json_t *row = json_array();
        for (size_t j = 0; j < m->n_servers; j++)
            json_array_append_new(row, json_integer(m->hops[i * m->n_servers + j]));
        json_array_append_new(hops, row);
    }
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct mdc_vm *v = &m->vms[i];
        json_array_append_new(
            vms,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:i, s:i, s:f, s:f, s:o, s:o, "
                      "s:f, s:f}",
                      "name", v->name, "server", m->servers[v->server].name, "address", v->address,
                      "home", str_or_null(v->home), "serves", str_or_null(v->serves), "state",
                      str_or_null(v->state), "movable", v->movable, "memory_mib",
                      (int)v->memory_mib, "cpus", (int)v->cpus, "cpu_allocation", v->cpu_allocation,
                      "cpu_used", v->cpu_used, "cpu_used_history",
                      history_json(v->cpu_used_history), "memory_used_mib_history",
                      history_json(v->memory_used_mib_history), "net_rx_bytes_per_s",
                      v->net_rx_bytes_per_s, "net_tx_bytes_per_s", v->net_tx_bytes_per_s));
    }
    for (size_t i = 0; i < m->n_services; i++) {
        const struct mdc_service *s = &m->services[i];
        json_t *names = json_array();
        for (size_t j = 0; j < s->n_vms; j++)
            json_array_append_new(names, json_string(m->vms[s->vms[j]].name));
        json_array_append_new(services,
                              json_pack("{s:s, s:o, s:o, s:o, s:o}", "address", s->address, "vms",
                                        names, "requests_per_s", known(s->requests_per_s), "p95_ms",
                                        known(s->p95_ms), "failed_per_s", known(s->failed_per_s)));
    }
    for (size_t i = 0; i < m->n_links; i++) {
        const struct mdc_link *l = &m->links[i];
        json_array_append_new(links, json_pack("{s:s, s:s, s:f, s:o, s:o}", "a", l->a, "b", l->b,
                                               "bandwidth_mbit", l->bandwidth_mbit, "mbit_per_s",
                                               known(l->mbit_per_s), "utilization",
                                               known(l->utilization)));
    }
    return json_pack("{s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "now", m->now, "interval_s",
                     m->interval_s, "servers", servers, "vms", vms, "services", services, "links",
                     links, "hops", hops);
}
