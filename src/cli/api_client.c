#include "cli/api_client.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"
#include "util/endpoint.h"
#include "util/http.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

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

bool api_where_option(struct api_where *w, int c, const char *arg)
{
    switch (c) {
    case 'l':
        w->lab = arg;
        return true;
    case 'a':
        w->api = arg;
        return true;
    case API_OPT_TOKEN_FILE:
        w->token_file = arg;
        return true;
    case API_OPT_CA:
        w->ca_file = arg;
        return true;
    default:
        return false;
    }
}

/* Whether 'path' can be read, after saying why not. */
static bool ca_readable(const char *path, const char *from)
{
    if (access(path, R_OK) == 0)
        return true;
    fprintf(stderr, "minidc: cannot read the API's CA %s (%s): %s\n", path, from, strerror(errno));
    return false;
}

int api_target_find(struct api_target *t, const struct api_where *w)
{
    static const struct api_where none;
    if (!w)
        w = &none;
    memset(t, 0, sizeof *t);
    const char *env = getenv(API_TOKEN_ENV), *ca_env = getenv(API_CA_ENV);
    if (w->token_file && read_token(t, w->token_file, "--token-file"))
        return 1;
    if (!w->token_file && env && *env && read_token(t, env, "$" API_TOKEN_ENV))
        return 1;
    if (w->ca_file && !ca_readable(w->ca_file, "--api-ca"))
        return 1;
    if (!w->ca_file && ca_env && *ca_env && !ca_readable(ca_env, "$" API_CA_ENV))
        return 1;
    const char *ca = w->ca_file ? w->ca_file : ca_env && *ca_env ? ca_env : NULL;
    t->tls_ca = ca ? xstrdup(ca) : NULL;
    if (w->api) {
        uint16_t port;
        if (!endpoint_split(w->api, t->addr, sizeof t->addr, &port)) {
            fprintf(stderr, "minidc: --api takes ADDRESS:PORT\n");
            api_target_free(t);
            return 2;
        }
        t->port = port;
        return 0;
    }
    char *owned = NULL, *lab_token = NULL, *lab_ca = NULL;
    const char *lab = w->lab;
    if (!lab && !(lab = owned = lab_default_name())) {
        api_target_free(t);
        return 1;
    }
    int r = lab_api_endpoint(lab, &t->netns, t->addr, &t->port, &lab_token, &lab_ca);
    free(owned);
    if (!r && !t->token[0])
        r = read_token(t, lab_token, "the lab's");
    if (!r && !t->tls_ca)
        t->tls_ca = lab_ca, lab_ca = NULL;
    free(lab_token), free(lab_ca);
    if (r)
        api_target_free(t);
    return r ? 1 : 0;
}

struct http_req api_request(const struct api_target *t, const char *method, const char *path,
                            const char *body)
{
    return (struct http_req){.netns = t->netns,
                             .addr = t->addr,
                             .port = t->port,
                             .method = method,
                             .path = path,
                             .token = t->token[0] ? t->token : NULL,
                             .body = body,
                             .tls_ca = t->tls_ca};
}

const char *api_strerror(const struct api_target *t, int rc)
{
    if (rc == -EPROTO && !t->tls_ca)
        return "not an HTTP answer (if minidcd speaks HTTPS, give its CA with --api-ca FILE)";
    return conn_strerror(rc);
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
    free(t->tls_ca);
    t->netns = t->tls_ca = NULL;
}

int api_parse(int argc, char **argv, struct api_target *t, bool *json, int *rc,
              void (*usage)(FILE *))
{
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct api_where w = {0};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:a:jh", opts, NULL)) != -1) {
        if (api_where_option(&w, c, optarg))
            continue;
        switch (c) {
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
    int r = api_target_find(t, &w);
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
    struct http_req r = api_request(t, method, path, b);
    struct strbuf reply;
    strbuf_init(&reply);
    int st = http_request(&r, &reply, 30000);
    free(b);
    *out = NULL;
    if (st < 0)
        fprintf(stderr, "minidc: cannot reach minidcd at %s:%u%s%s: %s\n", t->addr, t->port,
                t->netns ? " in namespace " : "", t->netns ? t->netns : "", api_strerror(t, st));
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
