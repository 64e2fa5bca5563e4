#include "cli/api_client.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"
#include "util/endpoint.h"
#include "util/http.h"
#include "util/strbuf.h"

/* Reads the token of 'path' into 't'; 0 or 1 after saying why not. */
static int read_token(struct api_target *t, const char *path, const char *from)
{
    int rc = token_read_file(path, t->token, sizeof t->token);
    if (rc < 0) {
        fprintf(stderr, "minidc: cannot read minidcd's API token from %s (%s): %s\n", path, from,
                rc == -EINVAL ? "no token in it" : strerror(-rc));
        t->token[0] = '\0';
        return 1;
    }
    return 0;
}

int api_target_find(struct api_target *t, const char *lab, const char *api, const char *token_file)
{
    memset(t, 0, sizeof *t);
    const char *env = getenv(API_TOKEN_ENV);
    if (token_file && read_token(t, token_file, "--token-file"))
        return 1;
    if (!token_file && env && *env && read_token(t, env, "$" API_TOKEN_ENV))
        return 1;
    if (api) {
        uint16_t port;
        if (!endpoint_split(api, t->addr, sizeof t->addr, &port)) {
            fprintf(stderr, "minidc: --api takes ADDRESS:PORT\n");
            return 2;
        }
        t->port = port;
        return 0;
    }
    char *owned = NULL, *lab_token = NULL;
    if (!lab && !(lab = owned = lab_default_name()))
        return 1;
    int r = lab_api_endpoint(lab, &t->netns, t->addr, &t->port, &lab_token);
    free(owned);
    if (!r && !t->token[0])
        r = read_token(t, lab_token, "the lab's");
    free(lab_token);
    return r ? 1 : 0;
}

void api_explain_401(const struct api_target *t)
{
    fprintf(stderr,
            "minidc: minidcd %s; give it with --token-file FILE or $%s (a lab's own is found by "
            "itself)\n",
            t->token[0] ? "refused the API token sent" : "wants its API token", API_TOKEN_ENV);
}

void api_target_free(struct api_target *t)
{
    free(t->netns);
    t->netns = NULL;
}

int api_parse(int argc, char **argv, struct api_target *t, bool *json, int *rc,
              void (*usage)(FILE *))
{
    static const struct option opts[] = {
        {"lab", required_argument, NULL, 'l'},
        {"api", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"token-file", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    const char *lab = NULL, *api = NULL, *token_file = NULL;
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
        case 'T':
            token_file = optarg;
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
    int r = api_target_find(t, lab, api, token_file);
    if (r) {
        *rc = r;
        return -1;
    }
    return optind;
}

int api_call(const struct api_target *t, const char *method, const char *path, json_t *body,
             json_t **out)
{
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct http_req r = {.netns = t->netns,
                         .addr = t->addr,
                         .port = t->port,
                         .method = method,
                         .path = path,
                         .token = t->token[0] ? t->token : NULL,
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
    if (st == 401)
        api_explain_401(t);
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
