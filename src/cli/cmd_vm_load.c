/* `minidc vm load`'s options, its trace file and its printing (see
 * cmd_vm_load.h). */
#include "cli/cmd_vm_load.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load/load.h"

void vm_load_usage(FILE *f)
{
    fprintf(f,
            "usage: minidc vm load NAME --cpu PERCENT [--memory MIB]\n"
            "       minidc vm load NAME --trace FILE|- [--interval SECONDS] [--memory MIB]\n"
            "       minidc vm load NAME --stop\n"
            "       minidc vm load NAME\n"
            "  each with " API_TARGET_USAGE " [--json] [--quiet]\n\n"
            "Loads VM NAME: its guest's load generator (minidc-load) holds a CPU utilisation\n"
            "until stopped, spinning for its share of every 100 ms and sleeping the rest.\n"
            "--cpu: percent of one CPU (150: one and a half; at most 100 per CPU of the VM).\n"
            "--trace: a trace in the PlanetLab format CloudSim reads, one whole number from 0\n"
            "to 100 a line (the VM's utilisation of all its CPUs, in percent, one sample a\n"
            "line; at most %d lines), each held --interval seconds (default %g; PlanetLab's\n"
            "samples are 300 s), from the first line again after the last.  --memory: MIB\n"
            "kept allocated and written once a second (resident and dirty: a migration sends\n"
            "them again).  A new load replaces the one running; --stop ends it.  The load\n"
            "runs in the guest, so it goes on across migrations; a clone has it too.\n"
            "Without any of these: the load minidcd last set.  The trace file is checked\n"
            "here (FILE:LINE of the first bad line) before anything is sent.\n",
            LOAD_TRACE_MAX, LOAD_INTERVAL_DEFAULT);
}

/* The trace in 'file' ("-": standard input), checked, as a JSON array;
 * NULL after saying what is wrong. */
static json_t *read_trace(const char *file)
{
    static char text[LOAD_TRACE_TEXT_MAX + 1];
    static uint8_t samples[LOAD_TRACE_MAX];
    bool is_stdin = !strcmp(file, "-");
    const char *name = is_stdin ? "stdin" : file;
    FILE *f = is_stdin ? stdin : fopen(file, "r");
    if (!f) {
        fprintf(stderr, "minidc: %s: %s\n", file, strerror(errno));
        return NULL;
    }
    size_t len = fread(text, 1, sizeof text, f);
    bool bad = ferror(f);
    if (!is_stdin)
        fclose(f);
    if (bad || len > LOAD_TRACE_TEXT_MAX) {
        fprintf(stderr, "minidc: %s: %s\n", name,
                bad ? "cannot read it"
                    : "larger than 64 KiB: more than a trace may hold (one sample a line)");
        return NULL;
    }
    char err[LOAD_ERROR_MAX];
    long n = load_trace_parse(name, text, len, samples, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "minidc: %s\n", err);
        return NULL;
    }
    json_t *a = json_array();
    for (long i = 0; i < n; i++)
        json_array_append_new(a, json_integer(samples[i]));
    return a;
}

static bool whole(const char *s, long min, long max, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (!*s || *end || errno || x < min || x > max)
        return false;
    *v = x;
    return true;
}

int vm_load_parse(int argc, char **argv, struct vm_load_cmd *c)
{
    static const struct option opts[] = {
        API_WHERE_OPTIONS,
        {"cpu", required_argument, NULL, 'c'},
        {"memory", required_argument, NULL, 'm'},
        {"trace", required_argument, NULL, 't'},
        {"interval", required_argument, NULL, 'i'},
        {"stop", no_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(c, 0, sizeof *c);
    const char *trace = NULL;
    long cpu = -1, mib = 0;
    double interval = 0;
    bool stop = false;
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, "l:a:jqh", opts, NULL)) != -1) {
        char *end;
        if (api_where_option(&c->where, o, optarg))
            continue;
        switch (o) {
        case 'c':
            if (!whole(optarg, 0, LOAD_CPU_MAX, &cpu)) {
                fprintf(stderr,
                        "minidc: --cpu takes a whole number from 0 to %d (percent of one CPU), "
                        "not '%s'\n",
                        LOAD_CPU_MAX, optarg);
                return 2;
            }
            break;
        case 'm':
            if (!whole(optarg, 1, 1048576, &mib)) {
                fprintf(stderr, "minidc: --memory takes a whole number of MiB, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 't':
            trace = optarg;
            break;
        case 'i':
            interval = strtod(optarg, &end);
            if (*end || end == optarg ||
                !(interval >= LOAD_INTERVAL_MIN && interval <= LOAD_INTERVAL_MAX)) {
                fprintf(stderr, "minidc: --interval takes seconds from %g to %g, not '%s'\n",
                        LOAD_INTERVAL_MIN, LOAD_INTERVAL_MAX, optarg);
                return 2;
            }
            break;
        case 's':
            stop = true;
            break;
        case 'j':
            c->json = true;
            break;
        case 'q':
            c->quiet = true;
            break;
        case 'h':
            vm_load_usage(stdout);
            return -1;
        default:
            vm_load_usage(stderr);
            return 2;
        }
    }
    const char *wrong = optind + 1 != argc  ? "needs one VM name"
                        : cpu >= 0 && trace ? "--cpu and --trace are two kinds of load: "
                                              "give one"
                        : stop && (cpu >= 0 || trace || mib || interval > 0)
                            ? "--stop takes nothing else"
                        : interval > 0 && !trace   ? "--interval goes with --trace"
                        : mib && cpu < 0 && !trace ? "--memory goes with --cpu or --trace"
                                                   : NULL;
    if (wrong) {
        fprintf(stderr, "minidc: vm load: %s\n", wrong);
        return 2;
    }
    c->name = argv[optind];
    c->what = stop ? VM_LOAD_STOP : cpu >= 0 || trace ? VM_LOAD_SET : VM_LOAD_SHOW;
    if (c->what != VM_LOAD_SET)
        return 0;
    json_t *samples = trace ? read_trace(trace) : NULL;
    if (trace && !samples)
        return 2;
    c->body = trace ? json_pack("{s:o, s:f}", "trace", samples, "interval_s",
                                interval > 0 ? interval : LOAD_INTERVAL_DEFAULT)
                    : json_pack("{s:I}", "cpu_percent", (json_int_t)cpu);
    if (mib)
        json_object_set_new(c->body, "memory_mib", json_integer(mib));
    return 0;
}

void vm_load_print(const char *name, const json_t *l)
{
    const char *kind = json_string_value(json_object_get(l, "kind")) ?: "none";
    json_int_t mib = json_integer_value(json_object_get(l, "memory_mib"));
    json_t *since = json_object_get(l, "since");
    char when[32] = "";
    if (json_is_number(since)) {
        time_t t = (time_t)json_number_value(since);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(when, sizeof when, ", since %H:%M:%S", &tm);
    }
    if (!strcmp(kind, "cpu"))
        printf("%s: cpu %lld%% (of one CPU)", name,
               (long long)json_integer_value(json_object_get(l, "cpu_percent")));
    else if (!strcmp(kind, "trace"))
        printf("%s: a trace of %lld samples, %g s each", name,
               (long long)json_integer_value(json_object_get(l, "samples")),
               json_number_value(json_object_get(l, "interval_s")));
    else
        printf("%s: no load", name);
    if (json_is_integer(json_object_get(l, "sample_now")))
        printf(" (now sample %lld)",
               (long long)json_integer_value(json_object_get(l, "sample_now")) + 1);
    if (mib)
        printf(", memory %lld MiB", (long long)mib);
    printf("%s\n", when);
}
