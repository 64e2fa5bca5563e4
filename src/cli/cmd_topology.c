/* minidc topology check FILE | generate tree ... */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_client.h"
#include "cli/cmd.h"
#include "topo/topo.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: minidc topology " API_TARGET_USAGE " [--json]\n"
            "       minidc topology check FILE [--json]\n"
            "       minidc topology route FILE NODE NODE\n"
            "       minidc topology generate tree --depth D --fanout F --servers-per-leaf S "
            "[--name NAME]\n\n"
            "(none)    the network as the controller sees it: switches, links, hosts\n"
            "check     read FILE, report every problem as FILE:LINE:COLUMN, or summarise it\n"
            "          (--json: the topology as minidc understood it, derived values included)\n"
            "route     the switches a packet crosses between two nodes on a shortest path\n"
            "generate  print a topology file for a tree of switches (like Mininet's --topo tree):\n"
            "          D levels of switches, each with F children, S servers on each leaf,\n"
            "          an Internet host on the root\n"
            "\nThe file format: docs/topology.md.\n");
}

static struct topo *load_or_report(const char *file)
{
    struct diag_list dl;
    diag_list_init(&dl, file);
    struct topo *t = topo_load(file, &dl);
    if (!t) {
        diag_print(&dl, stderr);
        fprintf(stderr, "%s: %zu problem%s\n", file, dl.n, dl.n == 1 ? "" : "s");
    }
    diag_list_free(&dl);
    return t;
}

static json_t *topo_json(const struct topo *t)
{
    char a[16], b[16];
    json_t *nodes = json_array(), *links = json_array(), *subnets = json_array();
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        json_t *o = json_pack("{s:s, s:s}", "name", n->name, "kind", topo_kind_name(n->kind));
        if (n->kind == TOPO_SWITCH) {
            char dpid[17];
            snprintf(dpid, sizeof dpid, "%016llx", (unsigned long long)n->dpid);
            json_object_set_new(o, "dpid", json_string(dpid));
            json_object_set_new(o, "ports", json_integer(n->next_port));
        } else {
            json_object_set_new(o, "address", json_string(topo_ip_str(n->addr, a)));
            json_object_set_new(o, "subnet", json_string(t->subnets[n->subnet].name));
            json_object_set_new(o, "switch", json_string(t->nodes[n->sw].name));
            json_object_set_new(o, "port", json_integer(n->sw_port));
            if (n->kind == TOPO_SERVER) {
                json_object_set_new(o, "management", json_string(topo_ip_str(n->mgmt, a)));
                json_object_set_new(o, "cpu", n->cpu > 0 ? json_real(n->cpu) : json_null());
            }
        }
        json_array_append_new(nodes, o);
    }
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        const struct topo_link_props *p = &l->props;
        json_array_append_new(
            links, json_pack("{s:s, s:i, s:s, s:i, s:o, s:f, s:f}", "a", t->nodes[l->a].name,
                             "a_port", (int)l->a_port, "b", t->nodes[l->b].name, "b_port",
                             (int)l->b_port, "bandwidth_mbit",
                             p->bandwidth_mbit > 0 ? json_real(p->bandwidth_mbit) : json_null(),
                             "delay_ms", p->delay_ms, "loss_percent", p->loss_pct));
    }
    for (size_t i = 0; i < t->n_subnets; i++) {
        const struct topo_subnet *s = &t->subnets[i];
        char *p = NULL;
        if (asprintf(&p, "%s/%d", topo_ip_str(s->prefix.addr, a), s->prefix.len) < 0)
            p = NULL;
        json_array_append_new(subnets, json_pack("{s:s, s:s, s:s, s:s}", "name", s->name, "prefix",
                                                 p ? p : "", "gateway", topo_ip_str(s->gateway, b),
                                                 "switch", t->nodes[s->sw].name));
        free(p);
    }
    char *mg = NULL, *ctl = NULL, *api = NULL;
    if (asprintf(&mg, "%s/%d", topo_ip_str(t->mgmt.addr, a), t->mgmt.len) < 0)
        mg = NULL;
    if (asprintf(&ctl, "%s:%u", topo_ip_str(t->ctl_addr, a), t->ctl_of_port) < 0)
        ctl = NULL;
    if (asprintf(&api, "%s:%u", topo_ip_str(t->api_addr, a), t->api_port) < 0)
        api = NULL;
    json_t *o =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o, s:o}", "name", t->name, "controller",
                  "openflow", ctl ? ctl : "", "api", api ? api : "", "management", "subnet",
                  mg ? mg : "", "emulated_switches", topo_ip_str(t->emu.switch_mgmt, b), "subnets",
                  subnets, "nodes", nodes, "links", links);
    free(mg), free(ctl), free(api);
    return o;
}

static int do_check(int argc, char **argv)
{
    int json = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "minidc topology check: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!file)
            file = argv[i];
        else {
            fprintf(stderr, "minidc topology check: one FILE only\n");
            return 2;
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }
    struct topo *t = load_or_report(file);
    if (!t)
        return 1;
    if (json) {
        json_t *o = topo_json(t);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
    } else {
        size_t hosts = topo_count(t, TOPO_HOST);
        printf("%s: topology %s is valid: %zu switches, %zu servers, %zu host%s, %zu links, %zu "
               "subnets\n",
               file, t->name, topo_count(t, TOPO_SWITCH), topo_count(t, TOPO_SERVER), hosts,
               hosts == 1 ? "" : "s", t->n_links, t->n_subnets);
    }
    topo_free(t);
    return 0;
}

static int do_route(int argc, char **argv)
{
    if (argc != 4) {
        usage(stderr);
        return 2;
    }
    struct topo *t = load_or_report(argv[1]);
    if (!t)
        return 1;
    long a = topo_find(t, argv[2]), b = topo_find(t, argv[3]);
    int rc = 0;
    if (a < 0 || b < 0) {
        fprintf(stderr, "minidc topology route: no node '%s' in %s\n", a < 0 ? argv[2] : argv[3],
                argv[1]);
        rc = 1;
    } else {
        int n = topo_switches_crossed(t, (size_t)a, (size_t)b);
        printf("%s -> %s: %d switch%s crossed\n", argv[2], argv[3], n, n == 1 ? "" : "es");
    }
    topo_free(t);
    return rc;
}

static int do_generate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"depth", required_argument, NULL, 'd'},
        {"fanout", required_argument, NULL, 'f'},
        {"servers-per-leaf", required_argument, NULL, 's'},
        {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "tree")) {
        fprintf(stderr, "minidc topology generate: the one shape is 'tree'\n");
        usage(stderr);
        return 2;
    }
    struct topo_gen_tree p = {.depth = 2, .fanout = 2, .per_leaf = 2};
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        long v = optarg ? strtol(optarg, &end, 10) : 0;
        if (optarg && (*end || end == optarg) && c != 'n') {
            fprintf(stderr, "minidc topology generate: '%s' is not a number\n", optarg);
            return 2;
        }
        switch (c) {
        case 'd':
            p.depth = (int)v;
            break;
        case 'f':
            p.fanout = (int)v;
            break;
        case 's':
            p.per_leaf = (int)v;
            break;
        case 'n':
            if (!topo_valid_lab_name(optarg)) {
                fprintf(stderr,
                        "minidc topology generate: '%s' cannot name a lab (a letter, then letters, "
                        "digits "
                        "or '_', at most %d characters)\n",
                        optarg, TOPO_LAB_NAME_MAX);
                return 2;
            }
            p.name = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    char *err = NULL;
    char *yaml = topo_gen_tree(&p, &err);
    if (!yaml) {
        fprintf(stderr, "minidc topology generate: %s\n", err);
        free(err);
        return 2;
    }
    fputs(yaml, stdout);
    free(yaml);
    return 0;
}

int cmd_topology(int argc, char **argv)
{
    /* No subcommand: the controller's view. */
    if (argc < 2 || argv[1][0] == '-')
        return cmd_topology_show(argc, argv);
    if (cmd_wants_help(argc - 1, argv + 1)) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "check"))
        return do_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "route"))
        return do_route(argc - 1, argv + 1);
    if (!strcmp(argv[1], "generate"))
        return do_generate(argc - 1, argv + 1);
    fprintf(stderr, "minidc topology: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
