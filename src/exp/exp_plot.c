/* exp_plot: the plots of an experiment as gnuplot data and scripts (pure),
 * and their rendering to PNG and SVG (runs gnuplot). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp/exp_priv.h"
#include "exp/exp_stats.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static double median_of(const json_t *samples)
{
    struct exp_stats s;
    exp_stats_json(samples, &s);
    return s.n ? s.median : -1;
}

/* A value, "?" when missing (scripts say `set datafile missing "?"`). */
static void value(struct strbuf *sb, double v)
{
    if (v < 0)
        strbuf_puts(sb, "\t?");
    else
        strbuf_printf(sb, "\t%.6g", v);
}

/* A clustered bar chart of NAME.dat: a group per row (label in column 1),
 * a bar per further column, titled 'columns'. */
static char *histogram(const char *name, const char *title, const char *ylabel,
                       const char *const *columns, size_t n_columns, bool logscale)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb,
                  "# %s: made by minidc experiment; data in %s.dat\n"
                  "set datafile separator \"\\t\"\nset datafile missing \"?\"\n"
                  "set title \"%s\"\nset ylabel \"%s\"\n"
                  "set style data histograms\nset style histogram clustered gap 1\n"
                  "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset grid ytics\n"
                  "set key outside right top\nset xtics nomirror\nset yrange [%s:*]\n%s",
                  name, name, title, ylabel, logscale ? "*" : "0",
                  logscale ? "set logscale y\n" : "");
    strbuf_printf(&sb, "plot '%s.dat' using 2:xtic(1) title \"%s\"", name, columns[0]);
    for (size_t i = 1; i < n_columns; i++)
        strbuf_printf(&sb, ", '' using %zu title \"%s\"", i + 2, columns[i]);
    strbuf_puts(&sb, "\n");
    return strbuf_steal(&sb);
}

static void add(json_t *specs, const char *name, const char *title, struct strbuf *data,
                char *script)
{
    json_array_append_new(specs, json_pack("{s:s, s:s, s:s, s:s}", "name", name, "title", title,
                                           "data", data->s ? data->s : "", "script", script));
    strbuf_free(data);
    free(script);
}

static void route_label(struct strbuf *sb, const json_t *route)
{
    strbuf_printf(sb, "%lld: %s-%s (%lld)",
                  (long long)json_integer_value(json_object_get(route, "route")),
                  exp_str(route, "from"), exp_str(route, "to"),
                  (long long)json_integer_value(json_object_get(route, "switches")));
}

static void paper_specs(const json_t *r, json_t *specs)
{
    const json_t *cfg = json_object_get(r, "config"), *cells = json_object_get(r, "throughput");
    const json_t *routes = json_object_get(cfg, "routes"), *mss = json_object_get(cfg, "mss");
    size_t i, j;
    json_t *route, *m;
    /* Figure 2: minidcd, route x MSS */
    const char *cols[8];
    char colbuf[8][16];
    size_t nc = 0;
    json_array_foreach(mss, j, m)
        if (nc < 8) {
            snprintf(colbuf[nc], sizeof colbuf[nc], "MSS %lld", (long long)json_integer_value(m));
            cols[nc] = colbuf[nc];
            nc++;
        }
    struct strbuf d;
    strbuf_init(&d);
    json_array_foreach(routes, i, route) {
        route_label(&d, route);
        json_array_foreach(mss, j, m)
            value(&d, median_of(json_object_get(
                          exp_cell(cells, "minidcd",
                                   json_integer_value(json_object_get(route, "route")),
                                   json_integer_value(m)),
                          "bps")) /
                          1e6);
        strbuf_puts(&d, "\n");
    }
    add(specs, "fig2-throughput",
        "Figure 2: iperf3 throughput through minidcd per route (switches) and TCP MSS", &d,
        histogram("fig2-throughput",
                  "iperf3 through minidcd, by route (switches crossed) and TCP MSS", "Mbit/s", cols,
                  nc, false));
    /* The same routes through the three networks, at the largest MSS. */
    json_int_t big = json_integer_value(json_array_get(mss, json_array_size(mss) - 1));
    const json_t *modes = json_object_get(cfg, "modes");
    const char *mcols[4];
    size_t nm = 0;
    json_array_foreach(modes, j, m)
        if (nm < 4)
            mcols[nm++] = json_string_value(m);
    strbuf_init(&d);
    json_array_foreach(routes, i, route) {
        route_label(&d, route);
        json_array_foreach(modes, j, m)
            value(&d, median_of(json_object_get(
                          exp_cell(cells, json_string_value(m),
                                   json_integer_value(json_object_get(route, "route")), big),
                          "bps")) /
                          1e6);
        strbuf_puts(&d, "\n");
    }
    char title[128];
    snprintf(title, sizeof title, "iperf3 at MSS %lld: minidcd, standalone switches, Linux bridges",
             (long long)big);
    add(specs, "fig2-baselines", title, &d,
        histogram("fig2-baselines", title, "Mbit/s", mcols, nm, false));
    /* Table 1 beside the paper's */
    const json_t *life = json_object_get(r, "lifecycle");
    if (life) {
        static const struct {
            const char *op, *label;
            double paper;
        } ops[] = {{"boot", "boot", 47.25},
                   {"clone", "clone", 40.79},
                   {"migrate_same_subnet", "migrate (same subnet)", 32.28},
                   {"migrate_across_subnets", "migrate (across)", -1}};
        strbuf_init(&d);
        for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
            const json_t *l = json_object_get(life, ops[k].op);
            if (!l)
                continue;
            strbuf_puts(&d, ops[k].label);
            value(&d, median_of(json_object_get(l, "seconds")));
            value(&d, ops[k].paper);
            strbuf_puts(&d, "\n");
        }
        static const char *const lcols[] = {"minidc (this machine)", "paper (Raspberry Pi 3)"};
        add(specs, "table1-lifecycle", "Table 1: VM lifecycle times, minidc beside the paper", &d,
            histogram("table1-lifecycle", "VM lifecycle: median time of each operation",
                      "seconds (log scale)", lcols, 2, true));
    }
}

static void scale_specs(const json_t *r, json_t *specs)
{
    const json_t *rows = json_object_get(r, "scale");
    struct strbuf d;
    strbuf_init(&d);
    size_t i, j;
    json_t *sz, *row;
    static const char *const keys[] = {"lab_up_s", "pingall_s", "lab_down_s", "controller_rss_mib",
                                       "flows_total"};
    json_array_foreach(json_object_get(json_object_get(r, "config"), "servers"), i, sz) {
        strbuf_printf(&d, "%lld", (long long)json_integer_value(sz));
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            json_t *v = json_array();
            json_array_foreach(rows, j, row)
                if (json_integer_value(json_object_get(row, "servers")) == json_integer_value(sz))
                    json_array_append(v, json_object_get(row, keys[k]));
            value(&d, median_of(v));
            json_decref(v);
        }
        strbuf_puts(&d, "\n");
    }
    char *script = xasprintf(
        "# scale: made by minidc experiment; data in scale.dat\n"
        "set datafile separator \"\\t\"\nset datafile missing \"?\"\n"
        "set title \"Lab size: times (left), minidcd memory and flows (right)\"\n"
        "set xlabel \"servers\"\nset ylabel \"seconds\"\nset y2label \"MiB / hundreds of flows\"\n"
        "set ytics nomirror\nset y2tics\nset grid\nset key outside right top\nset yrange "
        "[0:*]\nset y2range [0:*]\n"
        "plot 'scale.dat' using 1:2 with linespoints title \"lab up\", "
        "'' using 1:3 with linespoints title \"all pairs reached\", "
        "'' using 1:4 with linespoints title \"lab down\", "
        "'' using 1:5 axes x1y2 with linespoints title \"minidcd memory (MiB)\", "
        "'' using 1:($6/100) axes x1y2 with linespoints title \"flows / 100\"\n");
    add(specs, "scale", "Lab size: times, controller memory and flows", &d, script);
}

static void controller_specs(const json_t *r, json_t *specs)
{
    const json_t *rows = json_object_get(r, "controller");
    struct strbuf d;
    strbuf_init(&d);
    static const char *const modes[] = {"throughput", "latency"}, *const ofs[] = {"1.0", "1.3"},
                             *const ctls[] = {"minidcd", "ovs-testcontroller"};
    for (int m = 0; m < 2; m++)
        for (int o = 0; o < 2; o++) {
            strbuf_printf(&d, "%s OF%s", modes[m], ofs[o]);
            for (int c = 0; c < 2; c++) {
                double v = -1;
                size_t i;
                json_t *row;
                json_array_foreach(rows, i, row)
                    if (!strcmp(exp_str(row, "mode"), modes[m]) &&
                        !strcmp(exp_str(row, "of"), ofs[o]) &&
                        !strcmp(exp_str(row, "controller"), ctls[c]))
                        v = median_of(json_object_get(row, "per_second"));
                value(&d, v);
            }
            strbuf_puts(&d, "\n");
        }
    add(specs, "controller", "OpenFlow controller: minidcd against ovs-testcontroller", &d,
        histogram("controller", "ofbench: responses per second", "responses/s (log scale)", ctls, 2,
                  true));
}

/* ---- policy ---- */

/* The row of 'policy' in run 'run' (NULL when absent). */
static const json_t *policy_row(const json_t *r, const char *policy, json_int_t run)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r, "policy"), i, row)
        if (!strcmp(exp_str(row, "policy"), policy) &&
            json_integer_value(json_object_get(row, "run")) == run)
            return row;
    return NULL;
}

/* A line per policy over time: series 'key' of each policy's first run, a
 * data block each (gnuplot's index), scaled by 'scale'. */
static void policy_lines(const json_t *r, json_t *specs, const char *name, const char *title,
                         const char *key, double scale, const char *ylabel, const char *style)
{
    struct strbuf d, sc;
    strbuf_init(&d);
    strbuf_init(&sc);
    strbuf_printf(&sc,
                  "# %s: made by minidc experiment; data in %s.dat (a block per policy)\n"
                  "set datafile separator \"\\t\"\nset title \"%s\"\n"
                  "set xlabel \"seconds since the policy started\"\nset ylabel \"%s\"\n"
                  "set grid\nset key outside right top\nset yrange [0:*]\nplot ",
                  name, name, title, ylabel);
    size_t i, k, block = 0;
    json_t *pol;
    json_array_foreach(json_object_get(json_object_get(r, "config"), "policies"), i, pol) {
        const json_t *row = policy_row(r, json_string_value(pol), 1);
        const json_t *ser = json_object_get(row, "series");
        if (!ser)
            continue;
        strbuf_printf(&d, "# %s\n", json_string_value(pol));
        json_t *t;
        json_array_foreach(json_object_get(ser, "t"), k, t)
            strbuf_printf(&d, "%.3f\t%.6g\n", json_number_value(t),
                          json_number_value(json_array_get(json_object_get(ser, key), k)) * scale);
        strbuf_puts(&d, "\n\n");
        strbuf_printf(&sc, "%s'%s.dat' index %zu using 1:2 with %s lw 2 title \"%s\"",
                      block ? ", " : "", name, block, style, json_string_value(pol));
        block++;
    }
    if (!block)
        strbuf_printf(&sc, "0 notitle");
    strbuf_puts(&sc, "\n");
    add(specs, name, title, &d, strbuf_steal(&sc));
}

#define HEATMAP_SERVERS_MAX 64

/* Each server's utilisation over time as a heat map, per policy (run 1),
 * up to HEATMAP_SERVERS_MAX servers. */
static void policy_heatmaps(const json_t *r, json_t *specs)
{
    size_t i, k;
    json_t *pol;
    json_array_foreach(json_object_get(json_object_get(r, "config"), "policies"), i, pol) {
        const json_t *ser = json_object_get(policy_row(r, json_string_value(pol), 1), "series");
        const json_t *util = json_object_get(ser, "util"), *t = json_object_get(ser, "t");
        const json_t *asleep = json_object_get(ser, "asleep"); /* absent before it was kept */
        if (!json_object_size(util) || json_object_size(util) > HEATMAP_SERVERS_MAX)
            continue; /* a row a server: beyond this many, no longer readable */
        struct strbuf d, tics;
        strbuf_init(&d);
        strbuf_init(&tics);
        for (k = 0; k < json_array_size(t); k++) {
            const char *srv;
            json_t *u;
            size_t j = 0;
            json_object_foreach((json_t *)util, srv, u) {
                json_t *v = json_array_get(u, k);
                strbuf_printf(&d, "%.3f\t%zu\t", json_number_value(json_array_get(t, k)), j++);
                if (json_is_number(v))
                    strbuf_printf(&d, "%.4g", json_number_value(v));
                else
                    strbuf_puts(&d, "?");
                bool slept = json_is_true(json_array_get(json_object_get(asleep, srv), k));
                strbuf_printf(&d, "\t%d\n", slept);
            }
            strbuf_puts(&d, "\n");
        }
        const char *srv;
        json_t *u;
        size_t j = 0;
        json_object_foreach((json_t *)util, srv, u)
            strbuf_printf(&tics, "%s\"%s\" %zu", j ? ", " : "", srv, j), j++;
        char *name = xasprintf("policy-util-%s", json_string_value(pol));
        char *title =
            xasprintf("Utilisation of each server over time: %s (run 1)", json_string_value(pol));
        char *script = xasprintf(
            "# %s: made by minidc experiment; data in %s.dat (t, server, utilisation, "
            "asleep)\n"
            "set datafile separator \"\\t\"\nset datafile missing \"?\"\nset title \"%s\"\n"
            "set xlabel \"seconds since the policy started\"\nset ytics (%s)\n"
            "set cblabel \"CPU used / capacity\"\nset cbrange [0:1.2]\n"
            "set palette defined (0 \"white\", 0.8 \"orange\", 1.2 \"red\")\n"
            "set yrange [-0.5:%zu.5]\nset view map\nset key outside top center horizontal\n"
            "splot '%s.dat' using 1:2:($4 > 0 ? NaN : $3) with points pt 5 ps 2.5 palette notitle, "
            "'' using 1:2:($4 > 0 ? 0 : NaN) with points pt 5 ps 2.5 lc rgb \"#505050\" "
            "title \"asleep\"\n",
            name, name, title, tics.s ? tics.s : "", j ? j - 1 : 0, name);
        strbuf_free(&tics);
        add(specs, name, title, &d, script);
        free(name), free(title);
    }
}

/* The migrations of each policy on a timeline (run 1): a row per policy. */
static void policy_migrations(const json_t *r, json_t *specs)
{
    struct strbuf d, tics;
    strbuf_init(&d);
    strbuf_init(&tics);
    size_t i, k;
    json_t *pol, *ev;
    double longest = 1;
    json_array_foreach(json_object_get(json_object_get(r, "config"), "policies"), i, pol) {
        const json_t *row = policy_row(r, json_string_value(pol), 1);
        double from = json_number_value(json_object_get(row, "from")),
               to = json_number_value(json_object_get(row, "to"));
        longest = to - from > longest ? to - from : longest;
        strbuf_printf(&tics, "%s\"%s\" %zu", i ? ", " : "", json_string_value(pol), i);
        json_array_foreach(json_object_get(row, "events"), k, ev) {
            double t = json_number_value(json_object_get(ev, "time"));
            const char *type = exp_str(ev, "type");
            if (t >= from && t <= to &&
                (!strcmp(type, "vm.migrated") || !strcmp(type, "vm.cloned") ||
                 !strcmp(type, "server.asleep") || !strcmp(type, "server.awake")))
                strbuf_printf(&d, "%.3f\t%zu\t%s\n", t - from, i, type);
        }
    }
    size_t n = json_array_size(json_object_get(json_object_get(r, "config"), "policies"));
    if (!d.len)
        strbuf_puts(&d, "?\t?\tnone\n");
    char *script = xasprintf(
        "# policy-migrations: made by minidc experiment; data in policy-migrations.dat\n"
        "set datafile separator \"\\t\"\nset datafile missing \"?\"\n"
        "set title \"Migrations, clones, sleeps and wakes over time (run 1)\"\n"
        "set xlabel \"seconds since the policy started\"\nset ytics (%s)\n"
        "set yrange [-0.5:%zu.5]\nset xrange [0:%.0f]\nset grid xtics\nset key outside right top\n"
        "plot 'policy-migrations.dat' using 1:(strcol(3) eq 'vm.migrated' ? $2 : 1/0) with "
        "points pt 7 ps 1.5 title \"migration\", '' using 1:(strcol(3) eq 'vm.cloned' ? $2 : "
        "1/0) with points pt 5 title \"clone\", '' using 1:(strcol(3) eq 'server.asleep' ? $2 "
        ": 1/0) with points pt 11 title \"sleep\", '' using 1:(strcol(3) eq 'server.awake' ? "
        "$2 : 1/0) with points pt 9 title \"wake\"\n",
        tics.s ? tics.s : "", n ? n - 1 : 0, ceil(longest));
    strbuf_free(&tics);
    add(specs, "policy-migrations", "Migrations, clones, sleeps and wakes on a timeline", &d,
        script);
}

/* Counts per policy as grouped bars (medians over runs). */
static void policy_bars(const json_t *r, json_t *specs)
{
    static const char *const keys[][2] = {{"overloaded_intervals", "overloaded intervals"},
                                          {"migrations", "migrations"},
                                          {"sleeps", "sleeps"},
                                          {"mean_active", "mean active servers"}};
    const json_t *pols = json_object_get(json_object_get(r, "config"), "policies");
    const char *cols[16];
    size_t nc = 0, i, j;
    json_t *pol, *row;
    json_array_foreach(pols, i, pol)
        if (nc < 16)
            cols[nc++] = json_string_value(pol);
    struct strbuf d;
    strbuf_init(&d);
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        strbuf_puts(&d, keys[k][1]);
        for (size_t c = 0; c < nc; c++) {
            json_t *v = json_array();
            json_array_foreach(json_object_get(r, "policy"), j, row)
                if (!strcmp(exp_str(row, "policy"), cols[c]))
                    json_array_append(v,
                                      json_object_get(json_object_get(row, "metrics"), keys[k][0]));
            value(&d, median_of(v));
            json_decref(v);
        }
        strbuf_puts(&d, "\n");
    }
    add(specs, "policy-metrics", "Overload, migrations, sleeps and active servers per policy", &d,
        histogram("policy-metrics", "Per policy (median over runs)", "count", cols, nc, false));
}

static void policy_specs(const json_t *r, json_t *specs)
{
    policy_lines(r, specs, "policy-active", "Active servers over time (run 1)", "active", 1,
                 "servers awake", "steps");
    policy_lines(r, specs, "policy-energy", "Cumulative energy per policy (run 1)", "energy_j",
                 1e-3, "kJ", "lines");
    policy_heatmaps(r, specs);
    policy_migrations(r, specs);
    policy_bars(r, specs);
}

json_t *exp_plot_specs(const json_t *r)
{
    json_t *specs = json_array();
    const char *kind = exp_str(r, "experiment");
    if (!strcmp(kind, "paper"))
        paper_specs(r, specs);
    else if (!strcmp(kind, "scale"))
        scale_specs(r, specs);
    else if (!strcmp(kind, "controller"))
        controller_specs(r, specs);
    else if (!strcmp(kind, "policy") || !strcmp(kind, "sim"))
        policy_specs(r, specs);
    return specs;
}

static int write_text(const char *dir, const char *name, const char *ext, const char *text)
{
    char *path = xasprintf("%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "w");
    int rc = f && fputs(text, f) >= 0 ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "minidc experiment: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    return rc;
}

int exp_plots(json_t *r, const char *dir, bool quiet)
{
    json_t *specs = exp_plot_specs(r), *plots = json_array();
    json_object_set_new(r, "plots", plots);
    size_t i;
    json_t *s;
    int rc = 0;
    json_array_foreach(specs, i, s) {
        const char *name = exp_str(s, "name");
        if (write_text(dir, name, "dat", exp_str(s, "data")) ||
            write_text(dir, name, "gp", exp_str(s, "script"))) {
            rc = -1;
            break;
        }
        static const char *const terms[][2] = {{"png", "pngcairo size 1000,560 font 'sans,10'"},
                                               {"svg", "svg size 1000,560 dynamic font 'sans,10'"}};
        for (int t = 0; t < 2 && rc == 0; t++) {
            char *cmd = xasprintf("cd '%s'; set terminal %s; set output '%s.%s'; load '%s.gp'", dir,
                                  terms[t][1], name, terms[t][0], name);
            const char *argv[] = {"gnuplot", "-e", cmd, NULL};
            struct strbuf err;
            strbuf_init(&err);
            struct proc_opts po = {.err = &err, .timeout_ms = 60000};
            int st = proc_run(argv, &po);
            if (st != 0) {
                fprintf(stderr, "minidc experiment: gnuplot could not draw %s.%s (%s%d)%s%s\n",
                        name, terms[t][0], st < 0 ? "not installed? " : "exit ", st,
                        err.len ? ":\n" : "", err.len ? err.s : "");
                rc = -1;
            }
            strbuf_free(&err);
            free(cmd);
        }
        if (rc)
            break;
        json_array_append_new(plots,
                              json_pack("{s:s, s:s, s:s+, s:s+, s:s+, s:s+}", "name", name, "title",
                                        exp_str(s, "title"), "png", name, ".png", "svg", name,
                                        ".svg", "script", name, ".gp", "data", name, ".dat"));
        if (!quiet)
            fprintf(stderr, "plot %s/%s.png and .svg\n", dir, name);
    }
    json_decref(specs);
    return rc;
}
