#include "loadgen/load_report.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "loadgen/load_stats.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static json_t *ms(uint64_t us)
{
    return json_real((double)us / 1000);
}

static json_t *latency_json(const struct load_hist *h)
{
    if (!h->count)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:f}", "p50", ms(load_hist_percentile(h, 50)),
                     "p90", ms(load_hist_percentile(h, 90)), "p95", ms(load_hist_percentile(h, 95)),
                     "p99", ms(load_hist_percentile(h, 99)), "max", ms(h->max), "min", ms(h->min),
                     "mean", load_hist_mean(h) / 1000);
}

/* [[lower_us, count]...]: the buckets of 'h' that hold a value. */
static json_t *buckets_json(const struct load_hist *h)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++)
        if (h->buckets[i]) {
            uint64_t lower, width;
            load_hist_bucket_range(i, &lower, &width);
            json_array_append_new(
                a, json_pack("[I, I]", (json_int_t)lower, (json_int_t)h->buckets[i]));
        }
    return a;
}

static const char *code_name(enum load_cause c, int code, char *buf, size_t len)
{
    if (code == -1)
        return "(more)";
    if (c == LOAD_HTTP_ERROR) {
        snprintf(buf, len, "%d", code);
        return buf;
    }
    if (!code)
        return "not_http";
    const char *n = strerrorname_np(code);
    if (!n) {
        snprintf(buf, len, "errno_%d", code);
        return buf;
    }
    return n;
}

static json_t *codes_json(enum load_cause c, const struct load_count *v, size_t n)
{
    json_t *o = json_object();
    char buf[32];
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, code_name(c, v[i].code, buf, sizeof buf),
                            json_integer((json_int_t)v[i].n));
    return o;
}

static json_t *second_json(size_t t, const struct load_second *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "t", (json_int_t)t, "sent",
                     (json_int_t)s->sent, "answered", (json_int_t)s->answered, "failed",
                     (json_int_t)s->failed, "late", (json_int_t)s->late, "p50_ms",
                     s->answered ? ms(s->p50_us) : json_null(), "p99_ms",
                     s->answered ? ms(s->p99_us) : json_null());
}

json_t *load_report_json(const struct load_stats *st)
{
    json_t *failures = json_object(), *replicas = json_object(), *series = json_array();
    for (int c = 0; c < LOAD_N_CAUSES; c++)
        json_object_set_new(failures, load_cause_names[c], json_integer((json_int_t)st->causes[c]));
    for (size_t i = 0; i < st->n_replicas; i++)
        json_object_set_new(replicas, st->replicas[i].name,
                            json_integer((json_int_t)st->replicas[i].n));
    for (size_t i = 0; i < st->n_seconds; i++)
        json_array_append_new(series, second_json(i, &st->seconds[i]));
    double sending_s = (double)st->send_end_us / 1e6;
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:f,"
        " s:f, s:f, s:{s:f, s:f}, s:o}",
        "sent", (json_int_t)st->sent, "answered", (json_int_t)st->answered, "failed",
        (json_int_t)st->failed, "unfinished", (json_int_t)st->unfinished, "failures", failures,
        "http_errors", codes_json(LOAD_HTTP_ERROR, st->http, st->n_http), "other_errors",
        codes_json(LOAD_OTHER, st->other, st->n_other), "late", (json_int_t)st->late,
        "late_threshold_ms", LOAD_LATE_US / 1000, "late_max_ms", ms(st->late_max_us), "latency_ms",
        latency_json(&st->all), "latency_us_buckets", buckets_json(&st->all), "connect_ms",
        latency_json(&st->conn), "replicas", replicas, "longest_gap_ms", ms(st->gap_max_us),
        "longest_gap_from_s", json_real((double)st->gap_start_us / 1e6), "in_flight_max",
        (json_int_t)st->in_flight_max, "sending_s", sending_s, "elapsed_s",
        (double)st->end_us / 1e6, "answered_per_s",
        sending_s > 0 ? (double)st->answered / sending_s : 0.0, "cpu_s", "user", st->cpu_user_s,
        "system", st->cpu_system_s, "per_second", series);
}

int load_report_latency(const json_t *report, struct load_hist *h)
{
    const json_t *lat = json_object_get(report, "latency_ms");
    const json_t *b = json_object_get(report, "latency_us_buckets");
    if (json_is_null(lat) && json_array_size(b) == 0)
        return 0; /* nothing answered */
    if (!json_is_object(lat) || !json_is_array(b))
        return -1;
    struct load_hist one;
    load_hist_reset(&one);
    size_t i;
    const json_t *e;
    json_array_foreach(b, i, e) {
        const json_t *lo = json_array_get(e, 0), *n = json_array_get(e, 1);
        if (!json_is_integer(lo) || !json_is_integer(n) || json_integer_value(lo) < 0 ||
            json_integer_value(lo) > (json_int_t)LOAD_HIST_MAX_US || json_integer_value(n) <= 0)
            return -1;
        one.buckets[load_hist_bucket((uint64_t)json_integer_value(lo))] +=
            (uint64_t)json_integer_value(n);
        one.count += (uint64_t)json_integer_value(n);
    }
    /* The extremes and the mean as the run measured them, not the buckets'. */
    one.min = (uint64_t)llround(json_number_value(json_object_get(lat, "min")) * 1000);
    one.max = (uint64_t)llround(json_number_value(json_object_get(lat, "max")) * 1000);
    one.sum = (uint64_t)llround(json_number_value(json_object_get(lat, "mean")) * 1000 *
                                (double)one.count);
    if (!one.count || one.min > one.max)
        return -1;
    load_hist_merge(h, &one);
    return 0;
}

/* Reading the report back (every key is load_report_json()'s). */
static long long num(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static double real(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void put_ms(struct strbuf *sb, double v)
{
    strbuf_printf(sb, v < 1 ? "%.3f ms" : v < 100 ? "%.2f ms" : "%.1f ms", v);
}

/* "name n, name n" (or with 'colon', "name: n, ...") of an object of
 * counts, in the order it holds them. */
static void put_counts(struct strbuf *sb, const json_t *o, bool colon)
{
    const char *k;
    json_t *v;
    const char *sep = "";
    json_object_foreach((json_t *)o, k, v) {
        strbuf_printf(sb, "%s%s%s %lld", sep, k, colon ? ":" : "", json_integer_value(v));
        sep = ", ";
    }
}

static void settings_line(struct strbuf *sb, const json_t *r)
{
    const char *url = json_string_value(json_object_get(r, "url"));
    if (!url)
        return;
    const char *from = json_string_value(json_object_get(r, "from"));
    const json_t *trace = json_object_get(r, "trace");
    strbuf_printf(sb, "minidc load http %s", url);
    if (from)
        strbuf_printf(sb, " from %s", from);
    if (json_is_object(trace))
        strbuf_printf(sb, ": trace %s (%lld samples of %g s), up to %g requests/s",
                      json_string_value(json_object_get(trace, "file")), num(trace, "samples"),
                      real(trace, "interval_s"), real(r, "rate"));
    else
        strbuf_printf(sb, ": %g requests/s", real(r, "rate"));
    strbuf_printf(sb, " for %g s, timeout %lld ms\n", real(r, "duration_s"), num(r, "timeout_ms"));
}

void load_report_text(const json_t *r, FILE *f)
{
    struct strbuf sb;
    strbuf_init(&sb);
    settings_line(&sb, r);
    long long sent = num(r, "sent"), answered = num(r, "answered");
    strbuf_printf(&sb, "sent        %lld in %.1f s", sent, real(r, "sending_s"));
    strbuf_printf(&sb, "; late %lld (more than %lld ms behind schedule; the latest ",
                  num(r, "late"), num(r, "late_threshold_ms"));
    put_ms(&sb, real(r, "late_max_ms"));
    strbuf_puts(&sb, ")\n");
    strbuf_printf(&sb, "answered    %lld", answered);
    if (sent)
        strbuf_printf(&sb, " (%.1f%%)", 100.0 * (double)answered / (double)sent);
    strbuf_printf(&sb, ", %.1f a second\n", real(r, "answered_per_s"));
    strbuf_printf(&sb, "failed      %lld", num(r, "failed"));
    const json_t *fails = json_object_get(r, "failures");
    const char *sep = ": ";
    for (int c = 0; c < LOAD_N_CAUSES; c++) {
        strbuf_printf(&sb, "%s%s %lld", sep, load_cause_names[c], num(fails, load_cause_names[c]));
        const json_t *d = json_object_get(r, c == LOAD_HTTP_ERROR ? "http_errors"
                                             : c == LOAD_OTHER    ? "other_errors"
                                                                  : "");
        if (json_object_size(d)) {
            strbuf_puts(&sb, " (");
            put_counts(&sb, d, true);
            strbuf_puts(&sb, ")");
        }
        sep = ", ";
    }
    strbuf_puts(&sb, "\n");
    if (num(r, "unfinished"))
        strbuf_printf(&sb, "unfinished  %lld (under way when the run was stopped)\n",
                      num(r, "unfinished"));
    const json_t *lat = json_object_get(r, "latency_ms");
    if (json_is_object(lat)) {
        static const char *const keys[] = {"p50", "p90", "p99", "max"};
        strbuf_puts(&sb, "latency    ");
        for (size_t i = 0; i < 4; i++) {
            strbuf_printf(&sb, "%s %s ", i ? "," : "", keys[i]);
            put_ms(&sb, real(lat, keys[i]));
        }
        strbuf_puts(&sb, "\n");
    } else {
        strbuf_puts(&sb, "latency     none: nothing answered\n");
    }
    const json_t *conn = json_object_get(r, "connect_ms");
    if (json_is_object(conn)) {
        strbuf_puts(&sb, "connect     p50 ");
        put_ms(&sb, real(conn, "p50"));
        strbuf_puts(&sb, ", p99 ");
        put_ms(&sb, real(conn, "p99"));
        strbuf_puts(&sb, ", max ");
        put_ms(&sb, real(conn, "max"));
        strbuf_puts(&sb, " (the TCP handshake, part of the latency)\n");
    }
    strbuf_puts(&sb, "replicas    ");
    if (json_object_size(json_object_get(r, "replicas")))
        put_counts(&sb, json_object_get(r, "replicas"), false);
    else
        strbuf_puts(&sb, "none");
    strbuf_puts(&sb, "\nlongest without an answer ");
    put_ms(&sb, real(r, "longest_gap_ms"));
    strbuf_printf(&sb, " (from %.2f s)\n", real(r, "longest_gap_from_s"));
    strbuf_printf(&sb, "under way   at most %lld at once\n", num(r, "in_flight_max"));
    const json_t *cpu = json_object_get(r, "cpu_s");
    strbuf_printf(&sb, "own CPU     %.2f s user, %.2f s system\n", real(cpu, "user"),
                  real(cpu, "system"));
    const json_t *rep = json_object_get(r, "report");
    if (json_is_object(rep))
        strbuf_printf(&sb,
                      "reported    %lld seconds to minidcd at %s (%lld failed, %lld skipped)\n",
                      num(rep, "posted"), json_string_value(json_object_get(rep, "to")),
                      num(rep, "failed"), num(rep, "skipped"));
    fputs(sb.s, f);
    strbuf_free(&sb);
}
