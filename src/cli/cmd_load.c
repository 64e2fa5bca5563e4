/* minidc load http: an open-loop HTTP load generator (src/loadgen), run inside
 * a lab node's network namespace (--from) or the current one, reporting each
 * second's figures to the lab's minidcd (load_reporter.h) unless told not to. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/api_client.h"
#include "cli/cmd.h"
#include "cli/load_reporter.h"
#include "ctl/demand.h"
#include "lab/lab.h"
#include "loadgen/loadgen.h"
#include "loadgen/load_http.h"
#include "loadgen/load_report.h"
#include "loadgen/load_sched.h"
#include "loadgen/load_stats.h"
#include "util/netns.h"
#include "util/xalloc.h"

#define P "minidc load http: "

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: minidc load http URL --rate R [--duration S] [--trace FILE [--interval S]]\n"
        "                        [--timeout MS] [--from NODE] [--lab NAME] [--json] [--no-report]\n"
        "                        [--api ADDR:PORT] [--token-file FILE] [--api-ca FILE]\n\n"
        "An open-loop HTTP load generator: requests leave on schedule, R a second, whether or\n"
        "not the earlier ones were answered, each on a connection of its own (HTTP/1.0), any\n"
        "number under way.  Then it reports requests sent, answered, failed (refused, reset,\n"
        "timeout, http_error, other), sends that left late, latency percentiles, answers per\n"
        "replica (the guest's HTTP service names it) and the longest time without an answer.\n\n"
        "URL         http://ADDRESS[:PORT][/PATH]: ADDRESS an IPv4 address or a server or\n"
        "            host of the lab (its data address)\n"
        "--rate R    requests a second (with --trace: at a sample of 100)\n"
        "--duration S  seconds of sending (default 10; with --trace, the trace's length)\n"
        "--trace FILE  the rate follows FILE (PlanetLab's format: one integer 0-100 a line),\n"
        "            each sample lasting --interval S seconds (default 5) at R * value / 100\n"
        "--timeout MS  a request without its whole answer after MS ms fails (default 1000)\n"
        "--from NODE run inside NODE of the lab (a server, a host; needs root); without it, in\n"
        "            the current network namespace\n"
        "--lab NAME  the lab of NODE and ADDRESS (default: the only lab up)\n"
        "--json      one JSON object: the totals and a per-second series (docs/load.md)\n"
        "--no-report do not report to minidcd (below), whatever the other options say\n"
        "--api ADDR:PORT, --token-file FILE, --api-ca FILE  the minidcd to report to, as other\n"
        "            commands take them (default: the lab's, with its token)\n\n"
        "While it runs, each second's figures go to minidcd (POST /api/v1/demand: requests\n"
        "answered, sent and failed in the second, the p95 latency of those answered), which\n"
        "keeps each service's demand for the placement policies (GET /api/v1/demand): by\n"
        "default whenever a lab is found (--from, --lab, a node's name in the URL), or with\n"
        "--api.  Reporting never holds the requests back; a report that fails is said once on\n"
        "stderr and counted (--json: report), and the run goes on.\n\n"
        "Progress goes to stderr once a second when it is a terminal.  Ctrl-C stops the sending\n"
        "early and still reports (exit status 130); a second Ctrl-C does not wait for the\n"
        "requests under way.\n");
}

/* A number from 'min' (excluded unless 'min_ok') to 'max' for option 'opt'. */
static int number(const char *opt, const char *arg, double min, bool min_ok, double max,
                  const char *what, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (!*arg || *end || errno || !isfinite(v) || v < min || (v == min && !min_ok) || v > max) {
        fprintf(stderr, P "%s '%s': expected %s, a number %s %g and at most %g\n", opt, arg, what,
                min_ok ? "from" : "above", min, max);
        return -1;
    }
    *out = v;
    return 0;
}

struct load_args {
    const char *url, *trace, *from;
    struct api_where where; /* where.lab: --lab, the lab of NODE and ADDRESS too */
    double rate, duration, interval;
    int timeout_ms;
    bool json, no_report;
};

/* -1, or the exit status (after --help or an error). */
static int parse_opts(int argc, char **argv, struct load_args *a)
{
    /* after API_WHERE_OPTIONS' values */
    enum {
        O_RATE = 0x200,
        O_DURATION,
        O_TRACE,
        O_INTERVAL,
        O_TIMEOUT,
        O_FROM,
        O_JSON,
        O_NO_REPORT
    };
    static const struct option opts[] = {
        {"rate", required_argument, NULL, O_RATE},
        {"duration", required_argument, NULL, O_DURATION},
        {"trace", required_argument, NULL, O_TRACE},
        {"interval", required_argument, NULL, O_INTERVAL},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"from", required_argument, NULL, O_FROM},
        {"json", no_argument, NULL, O_JSON},
        {"no-report", no_argument, NULL, O_NO_REPORT},
        API_WHERE_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->timeout_ms = 1000;
    double timeout = 1000;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":hl:a:", opts, NULL)) != -1) {
        int bad = 0;
        if (api_where_option(&a->where, c, optarg))
            continue;
        switch (c) {
        case O_RATE:
            bad = number("--rate", optarg, 0, false, 1e6, "requests a second", &a->rate);
            break;
        case O_DURATION:
            bad = number("--duration", optarg, 0, false, 7 * 86400, "seconds", &a->duration);
            break;
        case O_INTERVAL:
            bad = number("--interval", optarg, 0, false, 86400, "seconds a trace sample lasts",
                         &a->interval);
            break;
        case O_TIMEOUT:
            bad = number("--timeout", optarg, 1, true, 600000, "milliseconds", &timeout);
            if (!bad && timeout != floor(timeout)) {
                fprintf(stderr, P "--timeout '%s': expected whole milliseconds\n", optarg);
                bad = -1;
            }
            a->timeout_ms = (int)timeout;
            break;
        case O_TRACE:
            a->trace = optarg;
            break;
        case O_FROM:
            a->from = optarg;
            break;
        case O_JSON:
            a->json = true;
            break;
        case O_NO_REPORT:
            a->no_report = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            fprintf(stderr, P "%s needs a value (minidc load http --help)\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, P "unknown option '%s' (minidc load http --help)\n", argv[optind - 1]);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, P "which URL? (http://ADDRESS[:PORT][/PATH])\n");
        return 2;
    }
    a->url = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, P "one URL only ('%s' is one too many)\n", argv[optind]);
        return 2;
    }
    if (!a->rate) {
        fprintf(stderr, P "--rate R is needed: requests a second (e.g. --rate 100)\n");
        return 2;
    }
    if (a->interval && !a->trace) {
        fprintf(stderr, P "--interval is the length of a --trace sample: give --trace FILE\n");
        return 2;
    }
    if (!a->interval)
        a->interval = 5;
    if (!a->trace && !a->duration)
        a->duration = 10;
    return -1;
}

/* parse_opts() with getopt's own messages off (it says which option and
 * what it expects itself), and back on after, for the shell's next command. */
static int parse(int argc, char **argv, struct load_args *a)
{
    int saved = opterr;
    opterr = 0;
    int rc = parse_opts(argc, argv, a);
    opterr = saved;
    return rc;
}

/* The address of 'host': itself when IPv4, else the data address of that
 * node of 'lab', which only the lab's namespaces reach (elsewhere it would
 * go out of the machine's default route): then 'from', or running inside
 * one of them, is needed.  0, or non-zero after saying why. */
static int resolve(const char *host, const char *lab, const char *from, char *addr)
{
    struct in_addr in;
    if (inet_pton(AF_INET, host, &in) == 1) {
        snprintf(addr, 16, "%s", host);
        return 0;
    }
    char *ns;
    if (!lab || lab_node_find(lab, host, &ns, addr)) {
        fprintf(stderr,
                P "the URL's host '%s' must be an IPv4 address or a server or host of the lab "
                  "(a VM's address: minidc vm list)\n",
                host);
        return 1;
    }
    free(ns);
    if (!addr[0]) {
        fprintf(stderr, P "'%s' is a switch of lab %s: it has no address to send to\n", host, lab);
        return 1;
    }
    if (!from && !lab_in_netns(lab)) {
        fprintf(stderr,
                P
                "%s (%s) is reached from inside lab %s: give --from NODE (e.g. --from internet)\n",
                host, addr, lab);
        return 1;
    }
    return 0;
}

/* Into the namespace of node 'from' of 'lab'. */
static int enter(const char *lab, const char *from)
{
    char *ns;
    if (lab_node_find(lab, from, &ns, NULL))
        return 1;
    int saved, rc = netns_enter(ns, &saved);
    if (rc < 0)
        fprintf(stderr, P "cannot enter %s's network namespace %s: %s%s\n", from, ns, strerror(-rc),
                rc == -EPERM ? " (--from needs root)" : "");
    else
        close(saved);
    free(ns);
    return rc < 0;
}

static json_t *settings_json(const struct load_args *a, const char *addr, const struct load_url *u,
                             const struct load_sched *s)
{
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:f, s:f, s:i}", "url", a->url, "address",
                          addr, "port", u->port, "path", u->path, "from",
                          a->from ? json_string(a->from) : json_null(), "lab",
                          a->where.lab ? json_string(a->where.lab) : json_null(), "rate", a->rate,
                          "duration_s", s->duration_s, "timeout_ms", a->timeout_ms);
    json_object_set_new(o, "trace",
                        a->trace ? json_pack("{s:s, s:I, s:f}", "file", a->trace, "samples",
                                             (json_int_t)s->n_samples, "interval_s", a->interval)
                                 : json_null());
    return o;
}

/* The reporter of the run into '*rep' (NULL when not reporting: --no-report,
 * or no lab and no --api).  0, or the exit status when the API the options
 * name (--api, --token-file, --api-ca) cannot be used; a lab's that cannot
 * is said, and the run goes on without. */
static int start_reporter(const struct load_args *a, const char *addr, uint16_t port,
                          struct load_reporter **rep)
{
    *rep = NULL;
    bool asked = a->where.api || a->where.token_file || a->where.ca_file;
    if (a->no_report || (!asked && !a->where.lab))
        return 0;
    struct api_target t;
    int rc = api_target_find(&t, &a->where);
    if (rc) {
        if (asked)
            return rc;
        fprintf(stderr, P "the run goes on without reporting to minidcd (--no-report: not "
                          "to try)\n");
        return 0;
    }
    char source[DEMAND_SOURCE_MAX + 1];
    load_reporter_source(source, sizeof source);
    *rep = load_reporter_start(&t, addr, port, source);
    return 0;
}

static void on_second(void *ctx, uint64_t k, const struct load_second *s)
{
    load_reporter_second(ctx, k, s);
}

/* Hands over the seconds of sending the run's loop did not (its last, whole
 * ones), and stops 'rep': what it did, or null when there was none. */
static json_t *stop_reporter(struct load_reporter *rep, const struct load_stats *st)
{
    if (!rep)
        return json_null();
    for (size_t k = 0; st && k < st->n_seconds && (k + 1) * 1000000 <= st->send_end_us; k++)
        load_reporter_second(rep, k, &st->seconds[k]);
    return load_reporter_stop(rep);
}

static int run(struct load_args *a, const struct load_url *u)
{
    unsigned *samples = NULL;
    size_t n = 0;
    struct load_sched sched;
    if (a->trace) {
        char *err;
        if (load_sched_read_trace(a->trace, &samples, &n, &err)) {
            fprintf(stderr, P "%s\n", err);
            free(err);
            return 1;
        }
        double len = (double)n * a->interval;
        if (a->duration > len) {
            fprintf(stderr,
                    P "--duration %g is longer than the trace (%zu samples of %g s: %g s)\n",
                    a->duration, n, a->interval, len);
            free(samples);
            return 2;
        }
        load_sched_trace(&sched, a->rate, samples, n, a->interval, a->duration);
    } else {
        load_sched_constant(&sched, a->rate, a->duration);
    }
    char *owned = NULL, addr[16];
    struct in_addr in;
    int rc = 1;
    bool need_lab = a->from || inet_pton(AF_INET, u->host, &in) != 1;
    struct load_reporter *rep = NULL;
    if (need_lab && !a->where.lab)
        a->where.lab = owned = lab_default_name();
    if (resolve(u->host, a->where.lab, a->from, addr))
        goto out;
    /* The reporter's thread is made here, in the namespace the command
     * began in, where the API is reached from: enter() moves this thread
     * alone. */
    if ((rc = start_reporter(a, addr, u->port, &rep)) != 0)
        goto out;
    rc = 1;
    if (a->from && (!a->where.lab || enter(a->where.lab, a->from))) {
        json_decref(stop_reporter(rep, NULL));
        goto out;
    }
    struct load_opts o = {.sched = &sched,
                          .timeout_ms = a->timeout_ms,
                          .progress = isatty(STDERR_FILENO),
                          .on_second = rep ? on_second : NULL,
                          .ctx = rep};
    o.addr.sin_family = AF_INET;
    o.addr.sin_port = htons(u->port);
    inet_pton(AF_INET, addr, &o.addr.sin_addr);
    char *req = load_http_request(u, &o.request_len);
    o.request = req;
    struct load_stats *st = load_stats_new();
    rc = load_run(&o, st);
    json_t *reported = stop_reporter(rep, rc >= 0 ? st : NULL);
    if (rc >= 0) {
        json_t *r = settings_json(a, addr, u, &sched), *res = load_report_json(st);
        json_object_update(r, res);
        json_decref(res);
        json_object_set(r, "report", reported);
        if (a->json) {
            json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
            putchar('\n');
        } else {
            load_report_text(r, stdout);
        }
        json_decref(r);
    } else {
        rc = 1;
    }
    json_decref(reported);
    load_stats_free(st);
    free(req);
out:
    free(owned);
    free(samples);
    return rc;
}

int cmd_load(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "http")) {
        fprintf(stderr, "minidc load: unknown load '%s' (there is http)\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    struct load_args a;
    int rc = parse(argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    struct load_url u;
    char err[512];
    if (load_http_url_parse(a.url, &u, err, sizeof err)) {
        fprintf(stderr, P "%s\n", err);
        return 2;
    }
    rc = run(&a, &u);
    load_url_free(&u);
    return rc;
}
