#include "cli/api_client.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"
#include "util/endpoint.h"
#include "util/http.h"
#include "util/strbuf.h"

int api_target_find(struct api_target *t, const char *lab, const char *api)
{
    memset(t, 0, sizeof *t);
    if (api) {
        uint16_t port;
        if (!endpoint_split(api, t->addr, sizeof t->addr, &port)) {
            fprintf(stderr, "minidc: --api takes ADDRESS:PORT\n");
            return 2;
        }
        t->port = port;
        return 0;
    }
    char *owned = NULL;
    if (!lab && !(lab = owned = lab_default_name()))
        return 1;
    int r = lab_api_endpoint(lab, &t->netns, t->addr, &t->port);
    free(owned);
    return r ? 1 : 0;
}

void api_target_free(struct api_target *t)
{
    free(t->netns);
    t->netns = NULL;
}

int api_parse(int argc, char **argv, struct api_target *t, bool *json, int *rc, void (*usage)(FILE *))
{
    static const struct option opts[] = {
        {"lab", required_argument, NULL, 'l'}, {"api", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *lab = NULL, *api = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:a:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            lab = optarg;
            break;
        case 'a':
            api = optarg;
            break;
        case 'j':
            *json = true;
            break;
        case 'h':
            usage(stdout);
            *rc = 0;
            return -1;
        default:
            usage(stderr);
            *rc = 2;
            return -1;
        }
    }
    int r = api_target_find(t, lab, api);
    if (r) {
        *rc = r;
        return -1;
    }
    return optind;
}

int api_call(const struct api_target *t, const char *method, const char *path, json_t *body, json_t **out)
{
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct http_req r = {.netns = t->netns, .addr = t->addr, .port = t->port, .method = method, .path = path,
                         .body = b};
    struct strbuf reply;
    strbuf_init(&reply);
    int st = http_request(&r, &reply, 30000);
    free(b);
    *out = NULL;
    if (st < 0)
        fprintf(stderr, "minidc: cannot reach minidcd at %s:%u%s%s: %s\n", t->addr, t->port,
                t->netns ? " in namespace " : "", t->netns ? t->netns : "", strerror(-st));
    else
        *out = json_loads(reply.s, 0, NULL);
    strbuf_free(&reply);
    return st;
}

json_t *api_get(const struct api_target *t, const char *path)
{
    json_t *o;
    int st = api_call(t, "GET", path, NULL, &o);
    if (st >= 0 && st != 200) {
        const char *e = json_string_value(json_object_get(o, "error"));
        fprintf(stderr, "minidc: minidcd answered %d: %s\n", st, e ? e : "(no JSON)");
        json_decref(o);
        o = NULL;
    }
    return o;
}
