/* api_client: how the command line reaches minidcd's API: --lab NAME (the
 * API inside that lab's fabric namespace; default: the only lab up) or
 * --api ADDR:PORT (a minidcd anywhere).  Every request carries minidcd's API
 * token: the one of --token-file FILE, else of $MINIDC_API_TOKEN_FILE, else
 * the lab's own (RUN/labs/NAME/api.token).  HTTPS when a CA is given
 * (--api-ca FILE, else $MINIDC_API_CA_FILE) or the lab was made with --tls
 * (its CA is then RUN/labs/NAME/pki/ca.pem): minidcd's certificate must be
 * signed by that CA and issued for the address dialled. */
#ifndef MINIDC_CLI_API_CLIENT_H
#define MINIDC_CLI_API_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/http.h"
#include "util/token.h"

/* The environment variable naming a token file, for a minidcd not started
 * by a lab (or to override the lab's). */
#define API_TOKEN_ENV "MINIDC_API_TOKEN_FILE"
/* The environment variable naming the CA file that makes requests HTTPS. */
#define API_CA_ENV "MINIDC_API_CA_FILE"
/* How usages show the options every API command takes. */
#define API_TARGET_USAGE "[--lab NAME | --api ADDR:PORT] [--token-file FILE] [--api-ca FILE]"

/* Where the API is, as the command line said (each NULL when not said). */
struct api_where {
    const char *lab, *api, *token_file, *ca_file;
};
/* The long options of 'struct api_where', for getopt_long() tables (with
 * "l:a:" in the short ones); api_where_option() takes what they give. */
enum { API_OPT_TOKEN_FILE = 0x100, API_OPT_CA };
#define API_WHERE_OPTIONS                                                                          \
    {"lab", required_argument, NULL, 'l'}, {"api", required_argument, NULL, 'a'},                  \
        {"token-file", required_argument, NULL, API_OPT_TOKEN_FILE},                               \
    {                                                                                              \
        "api-ca", required_argument, NULL, API_OPT_CA                                              \
    }
/* Whether option 'c' is one of them (then 'arg' is kept in 'w'). */
bool api_where_option(struct api_where *w, int c, const char *arg);

struct api_target {
    char *netns;
    char addr[64];
    unsigned short port;
    char token[TOKEN_MAX]; /* "" when none was found: requests go without */
    char *tls_ca;          /* HTTPS trusting this CA file; NULL: HTTP */
};

/* Parses the options of 'struct api_where' and --json (and --help);
 * returns the index of the first operand, or -1 (and the exit status in
 * *rc) when done. */
int api_parse(int argc, char **argv, struct api_target *t, bool *json, int *rc,
              void (*usage)(FILE *));
/* Finds the API of lab 'w->lab' (NULL: the only one up) or at 'w->api'
 * ("ADDR:PORT"), its token and its CA ('w' may be NULL: all defaults); 0 or
 * non-zero after saying why. */
int api_target_find(struct api_target *t, const struct api_where *w);
/* An HTTP request to the API, with its token and CA. */
struct http_req api_request(const struct api_target *t, const char *method, const char *path,
                            const char *body);
void api_target_free(struct api_target *t);

/* GET 'path': the JSON answer, or NULL after printing what went wrong. */
json_t *api_get(const struct api_target *t, const char *path);
/* Any method, with a JSON body (taken; may be NULL).  Returns the HTTP
 * status (negative errno when minidcd is unreachable, after printing) and
 * the answer in '*out' (NULL when not JSON). */
int api_call(const struct api_target *t, const char *method, const char *path, json_t *body,
             json_t **out);
/* What a failed request's 'rc' (negative) means, for the user. */
const char *api_strerror(const struct api_target *t, int rc);
/* Explains a 401 from minidcd: which token was sent and how to give one. */
void api_explain_401(const struct api_target *t);

#endif
