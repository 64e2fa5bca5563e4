/* api_client: how the command line reaches minidcd's API: --lab NAME (the
 * API inside that lab's fabric namespace; default: the only lab up) or
 * --api ADDR:PORT (a minidcd anywhere).  Every request carries minidcd's API
 * token: the one of --token-file FILE, else of $MINIDC_API_TOKEN_FILE, else
 * the lab's own (RUN/labs/NAME/api.token). */
#ifndef MINIDC_CLI_API_CLIENT_H
#define MINIDC_CLI_API_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/token.h"

/* The environment variable naming a token file, for a minidcd not started
 * by a lab (or to override the lab's). */
#define API_TOKEN_ENV "MINIDC_API_TOKEN_FILE"
/* How usages show the options every API command takes. */
#define API_TARGET_USAGE "[--lab NAME | --api ADDR:PORT] [--token-file FILE]"

struct api_target {
    char *netns;
    char addr[64];
    unsigned short port;
    char token[TOKEN_MAX]; /* "" when none was found: requests go without */
};

/* Parses --lab/--api/--token-file/--json (and --help); returns the index of
 * the first operand, or -1 (and the exit status in *rc) when done. */
int api_parse(int argc, char **argv, struct api_target *t, bool *json, int *rc,
              void (*usage)(FILE *));
/* Finds the API of lab 'lab' (NULL: the only one up) or at 'api'
 * ("ADDR:PORT"), and the token (from 'token_file' when not NULL); 0 or
 * non-zero after saying why. */
int api_target_find(struct api_target *t, const char *lab, const char *api, const char *token_file);
void api_target_free(struct api_target *t);

/* GET 'path': the JSON answer, or NULL after printing what went wrong. */
json_t *api_get(const struct api_target *t, const char *path);
/* Any method, with a JSON body (taken; may be NULL).  Returns the HTTP
 * status (negative errno when minidcd is unreachable, after printing) and
 * the answer in '*out' (NULL when not JSON). */
int api_call(const struct api_target *t, const char *method, const char *path, json_t *body,
             json_t **out);
/* Explains a 401 from minidcd: which token was sent and how to give one. */
void api_explain_401(const struct api_target *t);

#endif
