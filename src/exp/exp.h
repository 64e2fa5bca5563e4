/* exp: experiments that reproduce the paper's evaluation (and more) on a lab
 * or real hardware, with one command each: they run, keep every raw sample
 * (results.json), and write a report (report.md) with tables and gnuplot
 * plots (PNG and SVG) into an output directory.
 *
 *   paper       VM lifecycle times (the paper's Table 1) and iperf3 throughput
 *               per route and TCP MSS (its Figure 2), against baselines
 *   scale       lab size 8 to 64 servers: lab up time, controller memory,
 *               flows, all-pairs reachability
 *   controller  ofbench against minidcd and ovs-testcontroller
 *   policy      placement policies side by side on one workload: energy,
 *               SLA metrics, migrations, decision time
 *
 * Errors: exp_main() returns 0, or non-zero after saying what failed; what an
 * experiment made (labs, namespaces, processes) is removed either way. */
#ifndef MINIDC_EXP_EXP_H
#define MINIDC_EXP_EXP_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

struct exp_opts {
    const char *lab_file; /* topology (NULL: the experiment's default) */
    const char *out;      /* output directory (NULL: results/NAME-DATE) */
    int runs;             /* 0: the experiment's default */
    double seconds;       /* length of one throughput measurement (0: default) */
    unsigned long seed;   /* orders the measurements of a run */
    bool quick;           /* the short version (fewer runs, sizes, seconds) */
    bool quiet;           /* no progress lines */
    /* policy: */
    const char *policies;      /* "A,B,..." (NULL: "none,thr-mmt") */
    const char *const *params; /* "POLICY:KEY=VALUE" each */
    size_t n_params;
    const char *workload; /* "planetlab:DIR" or "synthetic[:SEED]" (NULL: synthetic) */
    int vms;              /* 0: the experiment's default */
    double duration;      /* seconds of each policy's loop (0: default) */
    double interval;      /* the policy's interval (0: 10 s) */
    double http_rate;     /* requests a second to each VM (< 0: default 2; 0: no clients) */
};

/* Prints the experiments with a line each. */
void exp_list(FILE *f);
/* Whether 'name' is an experiment. */
bool exp_exists(const char *name);
int exp_main(const char *name, const struct exp_opts *opts);
/* Writes report.md and the plots of directory 'dir' again from its
 * results.json (after a change of minidc's report or plots). */
int exp_rewrite_report(const char *dir, bool quiet);
/* Writes report.md, results.json and the plots of results 'r' (an
 * experiment's, or `minidc sim`'s: "experiment": "sim", its rows as the
 * policy experiment's) into 'dir', made if missing; adds minidc's version
 * and the machine when 'r' has not got them. */
int exp_write_results(json_t *r, const char *dir, bool quiet);

#endif
