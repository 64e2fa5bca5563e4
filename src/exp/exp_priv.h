/* What the experiments share (not for users of exp.h). */
#ifndef MINIDC_EXP_EXP_PRIV_H
#define MINIDC_EXP_EXP_PRIV_H

#include <jansson.h>
#include <signal.h>

#include "exp/exp.h"
#include "util/strbuf.h"

struct exp {
    struct exp_opts o;
    const char *name;
    char *self;      /* this minidc, to run its subcommands */
    const char *dir; /* the output directory */
    json_t *r;       /* results.json, filled as the experiment goes */
    double t0;
    int step, steps; /* progress */
    unsigned long rng;
    char tag[8]; /* names this run's labs and namespaces apart: "12345" */
};

extern volatile sig_atomic_t exp_interrupted;

/* Records 'argv' in results' "commands" (once). */
void exp_record(struct exp *e, const char *const argv[]);
/* Runs 'argv' (recorded in results' "commands" the first time it is seen),
 * stdout into 'out' when not NULL.  Returns its exit status; on failure (or
 * interrupt) the caller is told why on stderr unless 'quiet_fail'. */
int exp_sh(struct exp *e, struct strbuf *out, int timeout_ms, bool quiet_fail,
           const char *const argv[]);
/* The same for "minidc ARGS..." (this minidc). */
int exp_minidc(struct exp *e, struct strbuf *out, int timeout_ms, const char *const args[]);
/* Runs a command and parses what it printed as JSON (NULL on failure). */
json_t *exp_sh_json(struct exp *e, int timeout_ms, const char *const argv[]);

/* results.json's text (caller frees): objects a member a line, indented;
 * arrays of numbers, and of [t, v] points, and objects (below the top two
 * levels) of a few figures on one line each, so that the
 * series of a long run do not take a line a number. */
char *exp_results_text(const json_t *r);

/* The whole of file 'path' (caller frees), or NULL when it cannot be read. */
char *exp_read_text(const char *path);

/* "minidc lab up --quiet --name NAME [--standalone] FILE"; 0 or the status. */
int exp_lab_up(struct exp *e, const char *name, const char *file, bool standalone);
/* "minidc lab down NAME", even after an interrupt; quiet. */
void exp_lab_down(struct exp *e, const char *name);

/* A progress line: "[elapsed] [step/steps] message" (counts a step when
 * 'step' is true). */
void exp_progress(struct exp *e, bool step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Deterministic pseudo-random numbers from the seed. */
unsigned long exp_rand(struct exp *e);
void exp_shuffle(struct exp *e, size_t *v, size_t n);

/* The machine: kernel, CPUs, memory, versions of QEMU, Open vSwitch, iperf3. */
json_t *exp_machine(void);

/* The experiments. */
int exp_paper(struct exp *e);
int exp_scale(struct exp *e);
int exp_controller(struct exp *e);
int exp_policy(struct exp *e);

/* Reading results (exp_results.c): a member string ("" when absent), and
 * the throughput cell of a mode, route and MSS (NULL when absent). */
const char *exp_str(const json_t *o, const char *key);
const json_t *exp_cell(const json_t *cells, const char *mode, json_int_t route, json_int_t mss);

/* Report and plots from results (exp_report.c, exp_plot.c). */
char *exp_report_md(const json_t *r);
/* The plots of results 'r': an array of {name, title, data, script}; the
 * script reads its data from NAME.dat and leaves terminal and output to its
 * caller. */
json_t *exp_plot_specs(const json_t *r);
/* Writes each plot's data and gnuplot script into 'dir' and runs gnuplot for
 * PNG and SVG; records the files in r["plots"].  0, or -1 after saying why. */
int exp_plots(json_t *r, const char *dir, bool quiet);

#endif
