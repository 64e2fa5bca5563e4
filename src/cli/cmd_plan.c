/* minidc plan FILE|- : posts a placement plan to minidcd and follows it,
 * action by action, to its end. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/api_client.h"
#include "cli/cmd.h"

static void plan_usage(FILE *f)
{
    fprintf(f,
            "usage: minidc plan FILE|- [--max-parallel N] [--no-wait] [--json]\n"
            "                   " API_TARGET_USAGE "\n\n"
            "Posts a placement plan to minidcd (POST /api/v1/plans) and follows it to its end,\n"
            "a line for each action as it ends.  FILE (- : standard input) holds JSON:\n"
            "  {\"actions\": [{\"action\": \"migrate\", \"vm\": V, \"to\": S},\n"
            "               {\"action\": \"clone\", \"vm\": V, \"to\": S, \"balance\": true},\n"
            "               {\"action\": \"stop\", \"vm\": V},\n"
            "               {\"action\": \"sleep\", \"server\": S}, {\"action\": \"wake\", "
            "\"server\": S}]}\n"
            "Moves run up to --max-parallel at once (default 2), one VM's actions in turn; a\n"
            "sleep or wake waits for the actions before it.  An action that fails ends the plan:\n"
            "those not started are skipped (docs/policies.md).\n\n"
            "--no-wait     print the plan's id and return at once\n"
            "--json        print the plan as minidcd ends it (GET /api/v1/plans/ID)\n\n"
            "Exit status: 0 when every action was done, 1 when one failed or minidcd refused.\n");
}

/* The file's JSON, or NULL after saying where it is wrong. */
static json_t *read_plan(const char *path)
{
    json_error_t je;
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "minidc plan: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    json_t *j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    if (f != stdin)
        fclose(f);
    if (!j)
        fprintf(stderr, "minidc plan: %s:%d:%d: %s\n", strcmp(path, "-") ? path : "<stdin>",
                je.line, je.column, je.text);
    return j;
}

/* One action, as a line says it: "migrate vm1 -> s2". */
static void describe(const json_t *a, char *buf, size_t size)
{
    const char *kind = json_string_value(json_object_get(a, "action")) ?: "?",
               *vm = json_string_value(json_object_get(a, "vm")),
               *to = json_string_value(json_object_get(a, "to")),
               *server = json_string_value(json_object_get(a, "server"));
    if (vm && to)
        snprintf(buf, size, "%s %s -> %s", kind, vm, to);
    else
        snprintf(buf, size, "%s %s", kind, vm ? vm : server ? server : "");
}

/* Follows plan 'id', a line for each action as it ends (none when
 * 'quiet'); 0 when the plan was done, 1 otherwise, with the plan at its
 * end in '*final' (NULL when minidcd went away). */
static int plan_follow(const struct api_target *t, json_int_t id, bool quiet, json_t **final)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/plans/%lld", (long long)id);
    size_t n = 0;
    bool *told = NULL;
    for (int delay = 50;; delay = delay < 250 ? delay + 50 : 250) {
        json_t *p = api_get(t, path);
        if (!p) {
            free(told);
            return 1;
        }
        json_t *actions = json_object_get(p, "actions");
        if (!told) {
            n = json_array_size(actions);
            told = calloc(n + 1, sizeof *told);
            if (!quiet)
                fprintf(stderr, "minidc: plan %lld (%s): %zu action%s\n", (long long)id,
                        json_string_value(json_object_get(p, "source")) ?: "?", n,
                        n == 1 ? "" : "s");
        }
        for (size_t i = 0; i < n; i++) {
            json_t *a = json_array_get(actions, i);
            const char *st = json_string_value(json_object_get(a, "state")) ?: "";
            if (told[i] || !strcmp(st, "pending") || !strcmp(st, "running"))
                continue;
            told[i] = true;
            if (quiet)
                continue;
            char what[160];
            describe(a, what, sizeof what);
            json_t *d = json_object_get(a, "duration_s");
            fprintf(stderr, "  %3zu %-36s %-8s", i + 1, what, st);
            if (json_is_number(d) && strcmp(st, "skipped"))
                fprintf(stderr, " %7.2f s", json_number_value(d));
            const char *err = json_string_value(json_object_get(a, "error"));
            if (err)
                fprintf(stderr, "  %s", err);
            fputc('\n', stderr);
        }
        const char *state = json_string_value(json_object_get(p, "state")) ?: "";
        if (strcmp(state, "running")) {
            free(told);
            int rc = strcmp(state, "done") ? 1 : 0;
            if (!quiet)
                fprintf(stderr, "minidc: plan %lld %s\n", (long long)id, state);
            *final = p;
            return rc;
        }
        json_decref(p);
        usleep((useconds_t)delay * 1000);
    }
}

int cmd_plan(int argc, char **argv)
{
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"max-parallel", required_argument, NULL, 'm'},
        {"no-wait", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct api_where w = {0};
    long max_parallel = 0;
    bool no_wait = false, json = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:a:jh", opts, NULL)) != -1) {
        char *end;
        if (api_where_option(&w, c, optarg))
            continue;
        switch (c) {
        case 'm':
            max_parallel = strtol(optarg, &end, 10);
            if (*end || max_parallel < 1 || max_parallel > 64) {
                fprintf(stderr, "minidc plan: --max-parallel takes 1 to 64, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'n':
            no_wait = true;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            plan_usage(stdout);
            return 0;
        default:
            plan_usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        plan_usage(stderr);
        return 2;
    }
    json_t *body = read_plan(argv[optind]);
    if (!body)
        return 1;
    if (max_parallel)
        json_object_set_new(body, "max_parallel", json_integer(max_parallel));
    struct api_target t;
    if (api_target_find(&t, &w)) {
        json_decref(body);
        return 1;
    }
    json_t *r = NULL;
    int st = api_call(&t, "POST", "/api/v1/plans", body, &r);
    int rc = 1;
    if (st == 201) {
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        if (no_wait) {
            printf("%lld\n", (long long)id);
            rc = 0;
        } else {
            json_t *final = NULL;
            rc = plan_follow(&t, id, json, &final);
            if (final && json) {
                json_dumpf(final, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                putchar('\n');
            }
            json_decref(final);
        }
    } else if (st > 0) {
        const char *e = json_string_value(json_object_get(r, "error"));
        fprintf(stderr, "minidc plan: %s: %s\n", argv[optind], e ? e : "minidcd refused");
    }
    json_decref(r);
    api_target_free(&t);
    return rc;
}
