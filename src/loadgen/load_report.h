/* load_report: a run's results as one JSON object, and the human summary
 * printed from that object (so the two cannot say different things).  The
 * keys are described in docs/load.md. */
#ifndef MINIDC_LOADGEN_LOAD_REPORT_H
#define MINIDC_LOADGEN_LOAD_REPORT_H

#include <jansson.h>
#include <stdio.h>

struct load_stats;

/* The results of 'st' after load_stats_finish() (new reference): totals,
 * "failures", "late", "latency_ms", "replicas", "longest_gap_ms",
 * "per_second" and the rest. */
json_t *load_report_json(const struct load_stats *st);
/* The summary of 'report': load_report_json()'s object, with the run's
 * settings beside it when present ("url", "from", "rate", "duration_s",
 * "trace", "timeout_ms"), and what was reported to minidcd ("report":
 * {"to", "posted", "failed", "skipped"}, or null). */
void load_report_text(const json_t *report, FILE *f);

struct load_hist;
/* Adds the latencies of 'report' (its "latency_us_buckets", with the exact
 * minimum, maximum and mean of "latency_ms") to 'h', so that several runs'
 * percentiles can be taken together.  0 (also when nothing was answered),
 * or -1 when the report does not hold them. */
int load_report_latency(const json_t *report, struct load_hist *h);

#endif
