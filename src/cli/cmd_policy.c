/* minidc policy: the placement policies of minidcd, and the one running:
 *   minidc policy list
 *   minidc policy run NAME [--param KEY=VALUE]... [--interval S] [--dry-run]
 *                          [--max-parallel N]
 *   minidc policy status
 *   minidc policy stop
 * each with the API options and --json. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_client.h"
#include "cli/cmd.h"

static void policy_usage(FILE *f)
{
    fprintf(f,
            "usage: minidc policy list [--json]\n"
            "       minidc policy run NAME [--param KEY=VALUE]... [--interval S] [--dry-run]\n"
            "                              [--max-parallel N]\n"
            "       minidc policy status [--json]\n"
            "       minidc policy stop\n"
            "       each with " API_TARGET_USAGE "\n\n"
            "A placement policy runs inside minidcd (it outlives this command and a restart):\n"
            "every --interval S seconds (default 10) it gets the data center as minidcd knows it\n"
            "(GET /api/v1/state) and answers a plan of migrations, clones, stops, sleeps and\n"
            "wakes, which minidcd carries out --max-parallel at a time (default 2).  With\n"
            "--dry-run it decides and says so (events policy.decision) but nothing is done.\n"
            "Built in: the Beloglazov-Buyya families DETECTOR-SELECTOR[-PLACEMENT] (detectors\n"
            "thr, iqr, mad, lr, lrr; selectors mmt, mc, rs, mu; placements pabfd, subnet),\n"
            "consolidate, autoscale, none; `minidc policy list` shows each with its parameters.\n"
            "Your own: a shared object (minidc lab up --policy-path FILE.so, or minidcd's\n"
            "--policy-path), or a program over the API (docs/policies.md).\n\n"
            "Follow the decisions and actions with `minidc events`.\n");
}

struct policy_opts {
    struct api_where where;
    json_t *params;
    double interval;
    long max_parallel;
    bool dry_run, json;
};

/* 'KEY=VALUE' into o->params; false after saying why not. */
static bool take_param(struct policy_opts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "minidc policy: --param takes KEY=VALUE, not '%s'\n", arg);
        return false;
    }
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
    if (json_object_get(o->params, key)) {
        fprintf(stderr, "minidc policy: --param %s given twice\n", key);
        return false;
    }
    json_object_set_new(o->params, key, json_string(eq + 1));
    return true;
}

/* The options; the index of the first operand, or -1 with the exit status
 * in '*rc'. */
static int parse_opts(int argc, char **argv, struct policy_opts *o, int *rc)
{
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"param", required_argument, NULL, 'p'},
        {"interval", required_argument, NULL, 'i'},
        {"max-parallel", required_argument, NULL, 'm'},
        {"dry-run", no_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:a:p:jh", opts, NULL)) != -1) {
        char *end;
        if (api_where_option(&o->where, c, optarg))
            continue;
        switch (c) {
        case 'p':
            if (!take_param(o, optarg))
                return *rc = 2, -1;
            break;
        case 'i':
            o->interval = strtod(optarg, &end);
            if (*end || end == optarg || !(o->interval >= 1 && o->interval <= 86400)) {
                fprintf(stderr,
                        "minidc policy: --interval takes seconds from 1 to 86400, not '%s'\n",
                        optarg);
                return *rc = 2, -1;
            }
            break;
        case 'm':
            o->max_parallel = strtol(optarg, &end, 10);
            if (*end || o->max_parallel < 1 || o->max_parallel > 64) {
                fprintf(stderr, "minidc policy: --max-parallel takes 1 to 64, not '%s'\n", optarg);
                return *rc = 2, -1;
            }
            break;
        case 'd':
            o->dry_run = true;
            break;
        case 'j':
            o->json = true;
            break;
        case 'h':
            policy_usage(stdout);
            return *rc = 0, -1;
        default:
            policy_usage(stderr);
            return *rc = 2, -1;
        }
    }
    return optind;
}

static void print_json(const json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
}

static int policy_list(const struct api_target *t, const struct policy_opts *o)
{
    json_t *r = api_get(t, "/api/v1/policies");
    if (!r)
        return 1;
    if (o->json) {
        print_json(r);
        json_decref(r);
        return 0;
    }
    size_t i, k;
    json_t *p, *q;
    json_array_foreach(json_object_get(r, "policies"), i, p) {
        const char *from = json_string_value(json_object_get(p, "from")) ?: "";
        printf("%-18s %s%s%s%s\n", json_string_value(json_object_get(p, "name")),
               json_string_value(json_object_get(p, "summary")) ?: "",
               strcmp(from, "built-in") ? " (from " : "", strcmp(from, "built-in") ? from : "",
               strcmp(from, "built-in") ? ")" : "");
        json_array_foreach(json_object_get(p, "params"), k, q) {
            const char *def = json_string_value(json_object_get(q, "default")) ?: "";
            printf("  %-16s %s%s%s%s\n", json_string_value(json_object_get(q, "name")),
                   json_string_value(json_object_get(q, "help")) ?: "", *def ? " (default " : "",
                   def, *def ? ")" : "");
        }
    }
    json_decref(r);
    return 0;
}

static void print_status(const json_t *s)
{
    if (!json_is_true(json_object_get(s, "running"))) {
        printf("no policy runs\n");
        return;
    }
    printf("policy %s, every %g s%s, at most %lld actions at once\n",
           json_string_value(json_object_get(s, "name")),
           json_number_value(json_object_get(s, "interval_s")),
           json_is_true(json_object_get(s, "dry_run")) ? " (dry run: nothing is done)" : "",
           (long long)json_integer_value(json_object_get(s, "max_parallel")));
    const char *k;
    json_t *v;
    printf("  parameters:");
    json_object_foreach(json_object_get(s, "params"), k, v)
        printf(" %s=%s", k, json_string_value(v));
    printf("\n  %lld decisions, %lld plans, %lld skipped (a plan was under way), %lld failed\n",
           (long long)json_integer_value(json_object_get(s, "decisions")),
           (long long)json_integer_value(json_object_get(s, "plans")),
           (long long)json_integer_value(json_object_get(s, "skipped")),
           (long long)json_integer_value(json_object_get(s, "failures")));
    const json_t *d = json_object_get(s, "last_decision");
    if (json_is_object(d)) {
        json_t *in = json_object_get(d, "inputs");
        printf("  last decision: %.3f ms on %lld servers (%lld asleep), %lld VMs; max "
               "utilisation %.2f\n",
               json_number_value(json_object_get(d, "decide_ms")),
               (long long)json_integer_value(json_object_get(in, "servers")),
               (long long)json_integer_value(json_object_get(in, "asleep")),
               (long long)json_integer_value(json_object_get(in, "vms")),
               json_number_value(json_object_get(in, "max_utilization")));
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(d, "actions"), i, a) {
            const char *vm = json_string_value(json_object_get(a, "vm")),
                       *to = json_string_value(json_object_get(a, "to")),
                       *sv = json_string_value(json_object_get(a, "server")),
                       *why = json_string_value(json_object_get(a, "why"));
            printf("    %s %s%s%s%s%s\n", json_string_value(json_object_get(a, "action")),
                   vm   ? vm
                   : sv ? sv
                        : "",
                   to ? " -> " : "", to ? to : "", why ? ": " : "", why ? why : "");
        }
        const char *err = json_string_value(json_object_get(d, "error"));
        if (err)
            printf("    could not decide: %s\n", err);
    }
}

static int policy_run(const struct api_target *t, struct policy_opts *o, const char *name)
{
    json_t *body =
        json_pack("{s:s, s:O, s:b}", "name", name, "params", o->params, "dry_run", o->dry_run);
    if (o->interval > 0)
        json_object_set_new(body, "interval_s", json_real(o->interval));
    if (o->max_parallel)
        json_object_set_new(body, "max_parallel", json_integer(o->max_parallel));
    json_t *r = NULL;
    int st = api_call(t, "POST", "/api/v1/policy", body, &r);
    int rc = 1;
    if (st == 201) {
        rc = 0;
        if (o->json)
            print_json(r);
        else
            print_status(r);
    } else if (st > 0) {
        const char *e = json_string_value(json_object_get(r, "error"));
        fprintf(stderr, "minidc policy run %s: %s\n", name, e ? e : "minidcd refused");
    }
    json_decref(r);
    return rc;
}

int cmd_policy(int argc, char **argv)
{
    struct policy_opts o = {.params = json_object()};
    int rc = 0;
    int first = parse_opts(argc, argv, &o, &rc);
    if (first < 0 || first >= argc) {
        if (first >= argc)
            policy_usage(stderr), rc = 2;
        json_decref(o.params);
        return rc;
    }
    const char *sub = argv[first];
    int want = !strcmp(sub, "run") ? 2 : 1;
    if (strcmp(sub, "list") && strcmp(sub, "run") && strcmp(sub, "status") && strcmp(sub, "stop")) {
        fprintf(stderr, "minidc policy: no subcommand '%s' (list, run, status, stop)\n", sub);
        json_decref(o.params);
        return 2;
    }
    if (argc - first != want || (want == 1 && (json_object_size(o.params) || o.interval > 0 ||
                                               o.dry_run || o.max_parallel))) {
        fprintf(stderr,
                want == 2 ? "minidc policy run: give one policy's NAME\n"
                          : "minidc policy %s takes no operands or run's options\n",
                sub);
        json_decref(o.params);
        return 2;
    }
    struct api_target t;
    if (api_target_find(&t, &o.where)) {
        json_decref(o.params);
        return 1;
    }
    if (!strcmp(sub, "list")) {
        rc = policy_list(&t, &o);
    } else if (!strcmp(sub, "run")) {
        rc = policy_run(&t, &o, argv[first + 1]);
    } else if (!strcmp(sub, "status")) {
        json_t *s = api_get(&t, "/api/v1/policy");
        rc = s ? 0 : 1;
        if (s)
            o.json ? print_json(s) : print_status(s);
        json_decref(s);
    } else {
        json_t *r = NULL;
        int st = api_call(&t, "DELETE", "/api/v1/policy", NULL, &r);
        rc = st == 200 ? 0 : 1;
        if (st == 200)
            printf("policy %s stopped after %lld decisions\n",
                   json_string_value(json_object_get(r, "name")),
                   (long long)json_integer_value(json_object_get(r, "decisions")));
        else if (st > 0)
            fprintf(stderr, "minidc policy stop: %s\n",
                    json_string_value(json_object_get(r, "error")) ?: "minidcd refused");
        json_decref(r);
    }
    api_target_free(&t);
    json_decref(o.params);
    return rc;
}
