/* The controller's view, through minidcd's API:
 *   minidc topology [--lab NAME | --api ADDR:PORT] [--token-file FILE] [--api-ca FILE] [--json]
 *   minidc flows SWITCH [--lab NAME | --api ADDR:PORT] [--token-file FILE] [--api-ca FILE] [--json]
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_client.h"
#include "cli/cmd.h"
#include "lab/lab.h"
#include "util/endpoint.h"
#include "util/http.h"
#include "util/strbuf.h"

static void topology_usage(FILE *f)
{
    fprintf(f,
            "usage: minidc topology " API_TARGET_USAGE " [--json]\n"
            "       minidc topology check|route|generate ... (see minidc topology check --help)\n\n"
            "Prints the network as the controller sees it: switches, links found by LLDP,\n"
            "hosts learned and where they are.  NAME defaults to the only lab that is up.\n");
}

int cmd_topology_show(int argc, char **argv)
{
    struct api_target t;
    bool json = false;
    int rc = 0;
    int first = api_parse(argc, argv, &t, &json, &rc, topology_usage);
    if (first < 0)
        return rc;
    if (first < argc) {
        topology_usage(stderr);
        api_target_free(&t);
        return 2;
    }
    json_t *sw = api_get(&t, "/api/v1/switches");
    json_t *links = sw ? api_get(&t, "/api/v1/links") : NULL;
    json_t *hosts = links ? api_get(&t, "/api/v1/hosts") : NULL;
    api_target_free(&t);
    if (!hosts) {
        json_decref(sw), json_decref(links);
        return 1;
    }
    if (json) {
        json_t *o =
            json_pack("{s:O, s:O, s:O}", "switches", json_object_get(sw, "switches"), "links",
                      json_object_get(links, "links"), "hosts", json_object_get(hosts, "hosts"));
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(o);
    } else {
        size_t i;
        json_t *v;
        printf("%-10s %-16s %-9s %s\n", "SWITCH", "DATAPATH ID", "STATE",
               "PORTS (* = link to a switch)");
        json_array_foreach(json_object_get(sw, "switches"), i, v) {
            printf("%-10s %-16s %-9s", json_string_value(json_object_get(v, "name")),
                   json_string_value(json_object_get(v, "dpid")),
                   json_is_true(json_object_get(v, "connected")) ? "connected" : "down");
            size_t k;
            json_t *p;
            json_array_foreach(json_object_get(v, "ports"), k, p) {
                printf(" %lld%s%s", json_integer_value(json_object_get(p, "port")),
                       json_is_true(json_object_get(p, "link")) ? "*" : "",
                       json_is_true(json_object_get(p, "up")) ? "" : "(down)");
            }
            putchar('\n');
        }
        printf("\n%-16s %s\n", "LINK FROM", "TO");
        json_array_foreach(json_object_get(links, "links"), i, v) {
            char from[48];
            snprintf(from, sizeof from, "%s:%lld", json_string_value(json_object_get(v, "from")),
                     json_integer_value(json_object_get(v, "from_port")));
            printf("%-16s %s:%lld\n", from, json_string_value(json_object_get(v, "to")),
                   json_integer_value(json_object_get(v, "to_port")));
        }
        printf("\n%-16s %-18s %-10s %s\n", "HOST", "MAC", "SUBNET", "AT");
        json_array_foreach(json_object_get(hosts, "hosts"), i, v) {
            printf("%-16s %-18s %-10s %s:%lld\n", json_string_value(json_object_get(v, "ip")),
                   json_string_value(json_object_get(v, "mac")),
                   json_string_value(json_object_get(v, "subnet")),
                   json_string_value(json_object_get(v, "switch")),
                   json_integer_value(json_object_get(v, "port")));
        }
    }
    json_decref(sw), json_decref(links), json_decref(hosts);
    return 0;
}

static void flows_usage(FILE *f)
{
    fprintf(f, "usage: minidc flows SWITCH " API_TARGET_USAGE " [--json]\n\n"
               "Prints SWITCH's flow table, asked of the switch by minidcd (like ovs-ofctl\n"
               "dump-flows).  SWITCH is a name from the topology or a datapath id.\n");
}

static void print_flow(json_t *f)
{
    printf("cookie=%s table=%lld priority=%lld n_packets=%lld n_bytes=%lld",
           json_string_value(json_object_get(f, "cookie")),
           json_integer_value(json_object_get(f, "table_id")),
           json_integer_value(json_object_get(f, "priority")),
           json_integer_value(json_object_get(f, "packet_count")),
           json_integer_value(json_object_get(f, "byte_count")));
    if (json_integer_value(json_object_get(f, "idle_timeout")))
        printf(" idle_timeout=%lld", json_integer_value(json_object_get(f, "idle_timeout")));
    const char *k;
    json_t *v;
    bool first = true;
    printf(" ");
    json_object_foreach(json_object_get(f, "match"), k, v) {
        printf("%s%s=%s", first ? "" : ",", k, json_string_value(v));
        first = false;
    }
    if (first)
        printf("any");
    printf(" actions=");
    size_t i, j;
    json_t *in, *a;
    first = true;
    json_array_foreach(json_object_get(f, "instructions"), i, in) {
        const char *type = json_string_value(json_object_get(in, "type"));
        if (!strcmp(type, "goto_table")) {
            printf("%sgoto_table:%lld", first ? "" : ",",
                   json_integer_value(json_object_get(in, "table_id")));
            first = false;
            continue;
        }
        json_array_foreach(json_object_get(in, "actions"), j, a) {
            printf("%s%s", first ? "" : ",", json_string_value(a));
            first = false;
        }
    }
    printf("%s\n", first ? "drop" : "");
}

int cmd_flows(int argc, char **argv)
{
    struct api_target t;
    bool json = false;
    int rc = 0;
    int first = api_parse(argc, argv, &t, &json, &rc, flows_usage);
    if (first < 0)
        return rc;
    if (first != argc - 1) {
        flows_usage(stderr);
        api_target_free(&t);
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "/api/v1/flows/%s", argv[first]);
    json_t *o = api_get(&t, path);
    api_target_free(&t);
    if (!o)
        return 1;
    if (json) {
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(o, "flows"), i, f)
            print_flow(f);
    }
    json_decref(o);
    return 0;
}
