/* minidc shell: the paper's controller was a Python REPL; this is minidc's.
 * Every minidc command works inside it, without the "minidc" in front; line
 * editing and history (~/.minidc_history) come from libedit, and TAB
 * completes commands, subcommands, options, and the names of VMs, servers
 * and switches as minidcd knows them. */
#include <editline/readline.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/api_client.h"
#include "cli/cmd.h"
#include "cli/shell_words.h"
#include "util/xalloc.h"

static const char *const top_words[] = {
    "lab",  "topology",   "flows",     "vm",  "metrics", "events", "policy", "plan",
    "load", "experiment", "ofp-print", "sim", "help",    "exit",   "quit",   NULL};
static const char *const vm_words[] = {"boot", "list", "migrate", "clone",
                                       "stop", "exec", "load",    NULL};
static const char *const lab_words[] = {"up", "down", "status", "exec", "pingall", NULL};
static const char *const experiment_words[] = {"list",   "paper",  "scale", "controller",
                                               "policy", "report", NULL};
static const char *const load_words[] = {"http", NULL};
static const char *const policy_words[] = {"list", "run", "status", "stop", NULL};
static const char *const options[] = {
    "--on",      "--to",       "--as",           "--memory",   "--cpus",  "--json",
    "--quiet",   "--force",    "--timeout",      "--lab",      "--since", "--count",
    "--balance", "--runs",     "--seconds",      "--out",      "--seed",  "--quick",
    "--rate",    "--duration", "--trace",        "--interval", "--from",  "--help",
    "--param",   "--dry-run",  "--max-parallel", "--no-wait",  NULL};

/* Candidates for the word being completed, rebuilt at each completion. */
static char **cands;
static size_t n_cands, cap_cands;

static void cand(const char *s)
{
    xgrow(&cands, &cap_cands, n_cands + 1, sizeof *cands);
    cands[n_cands++] = xstrdup(s);
}

static void cands_clear(void)
{
    for (size_t i = 0; i < n_cands; i++)
        free(cands[i]);
    n_cands = 0;
}

/* Names minidcd knows: VMs, servers, switches (quietly nothing when it
 * cannot be reached). */
static void names_from_api(void)
{
    struct api_target t;
    int saved = dup(2);
    FILE *null = freopen("/dev/null", "w", stderr);
    (void)null;
    if (api_target_find(&t, NULL) == 0) {
        static const struct {
            const char *path, *list, *key;
        } q[] = {{"/api/v1/vms", "vms", "name"},
                 {"/api/v1/servers", "servers", NULL},
                 {"/api/v1/switches", "switches", "name"}};
        for (size_t i = 0; i < 3; i++) {
            json_t *o = api_get(&t, q[i].path), *l = json_object_get(o, q[i].list), *v;
            const char *k;
            size_t j;
            if (json_is_array(l))
                json_array_foreach(l, j, v)
                    if (json_string_value(json_object_get(v, q[i].key)))
                        cand(json_string_value(json_object_get(v, q[i].key)));
            if (json_is_object(l))
                json_object_foreach(l, k, v)
                    cand(k);
            json_decref(o);
        }
        api_target_free(&t);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    stderr = fdopen(2, "w");
}

static char *generator(const char *text, int state)
{
    static size_t i;
    if (!state)
        i = 0;
    size_t len = strlen(text);
    while (i < n_cands)
        if (!strncmp(cands[i++], text, len))
            return strdup(cands[i - 1]);
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    cands_clear();
    size_t n = 0;
    const char *err;
    char *before = xstrdup(rl_line_buffer);
    before[start] = '\0';
    char **w = shell_words(before, &n, &err);
    free(before);
    const char *const *list = NULL;
    if (!w || n == 0)
        list = top_words;
    else if (n == 1 && !strcmp(w[0], "vm"))
        list = vm_words;
    else if (n == 1 && !strcmp(w[0], "lab"))
        list = lab_words;
    else if (n == 1 && !strcmp(w[0], "experiment"))
        list = experiment_words;
    else if (n == 1 && !strcmp(w[0], "load"))
        list = load_words;
    else if (n == 1 && !strcmp(w[0], "policy"))
        list = policy_words;
    if (list) {
        for (size_t i = 0; list[i]; i++)
            cand(list[i]);
    } else if (text[0] == '-') {
        for (size_t i = 0; options[i]; i++)
            cand(options[i]);
    } else {
        names_from_api();
    }
    shell_words_free(w);
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, generator);
}

static void shell_help(void)
{
    printf("Every minidc command, without \"minidc\": lab, topology, flows, vm, metrics, events,\n"
           "policy, plan, experiment, load, ofp-print (each with --help).  TAB completes; history "
           "is kept in\n"
           "~/.minidc_history.  exit or Ctrl-D leaves.\n");
}

static void shell_usage(FILE *f)
{
    fprintf(f, "usage: minidc shell [--lab NAME]\n\n"
               "An interactive minidc: type commands as you would after \"minidc\" (vm boot vm1\n"
               "--on server8, vm list, topology, ...), with line editing, history and TAB\n"
               "completion of commands, options and VM, server and switch names.  --lab sets\n"
               "the lab every command uses (default: the only lab up).  Reads commands from\n"
               "standard input when it is not a terminal.\n");
}

/* Runs one line; returns 1 to leave. */
static int run_line(const char *line)
{
    size_t n;
    const char *err;
    char **w = shell_words(line, &n, &err);
    if (!w) {
        fprintf(stderr, "minidc: %s\n", err);
        return 0;
    }
    int leave = 0;
    if (n == 0) {
    } else if (!strcmp(w[0], "exit") || !strcmp(w[0], "quit")) {
        leave = 1;
    } else if (!strcmp(w[0], "help") || !strcmp(w[0], "?")) {
        shell_help();
    } else if (!strcmp(w[0], "shell")) {
        fprintf(stderr, "minidc: already in the shell\n");
    } else {
        /* argv as main() would see it: "minidc" first. */
        char **argv = xcalloc(n + 2, sizeof *argv);
        argv[0] = "minidc";
        for (size_t i = 0; i < n; i++)
            argv[i + 1] = w[i];
        optind = 0; /* getopt starts afresh for each command */
        int rc = minidc_dispatch((int)n + 1, argv);
        fflush(stdout);
        if (rc)
            fprintf(stderr, "(exit status %d)\n", rc);
        free(argv);
    }
    shell_words_free(w);
    return leave;
}

int cmd_shell(int argc, char **argv)
{
    static const struct option opts[] = {{"lab", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            setenv("MINIDC_LAB", optarg, 1);
            break;
        case 'h':
            shell_usage(stdout);
            return 0;
        default:
            shell_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        shell_usage(stderr);
        return 2;
    }
    if (!isatty(STDIN_FILENO)) {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, stdin) > 0)
            if (run_line(line))
                break;
        free(line);
        return 0;
    }
    const char *home = getenv("HOME");
    char *hist = xasprintf("%s/.minidc_history", home ? home : ".");
    using_history();
    read_history(hist);
    rl_attempted_completion_function = complete;
    printf("minidc shell: commands as after \"minidc\"; help, TAB, exit.\n");
    char *line;
    while ((line = readline("minidc> "))) {
        if (*line)
            add_history(line);
        int leave = run_line(line);
        free(line);
        if (leave)
            break;
    }
    write_history(hist);
    free(hist);
    cands_clear();
    free(cands);
    return 0;
}
