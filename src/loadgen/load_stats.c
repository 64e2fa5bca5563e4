#include "loadgen/load_stats.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const char *const load_cause_names[LOAD_N_CAUSES] = {"refused", "reset", "timeout", "http_error",
                                                     "other"};

struct load_stats *load_stats_new(void)
{
    return xcalloc(1, sizeof(struct load_stats));
}

void load_stats_free(struct load_stats *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_replicas; i++)
        free(st->replicas[i].name);
    free(st->replicas);
    free(st->seconds);
    free(st);
}

/* Closes the current second and opens the next one. */
static void next_second(struct load_stats *st)
{
    if (st->sec.count) {
        st->cur.p50_us = load_hist_percentile(&st->sec, 50);
        st->cur.p95_us = load_hist_percentile(&st->sec, 95);
        st->cur.p99_us = load_hist_percentile(&st->sec, 99);
        load_hist_reset(&st->sec);
    }
    xgrow(&st->seconds, &st->cap_seconds, st->n_seconds + 1, sizeof *st->seconds);
    st->seconds[st->n_seconds++] = st->cur;
    memset(&st->cur, 0, sizeof st->cur);
}

/* Moves the series on to the second of 'now_us'. */
static void advance(struct load_stats *st, uint64_t now_us)
{
    while (st->n_seconds < now_us / 1000000)
        next_second(st);
}

void load_stats_tick(struct load_stats *st, uint64_t now_us)
{
    advance(st, now_us);
}

void load_stats_sent(struct load_stats *st, uint64_t now_us, uint64_t late_us)
{
    advance(st, now_us);
    st->sent++;
    st->cur.sent++;
    if (late_us > LOAD_LATE_US) {
        st->late++;
        st->cur.late++;
    }
    if (late_us > st->late_max_us)
        st->late_max_us = late_us;
}

static void count_name(struct load_stats *st, const char *name)
{
    for (size_t i = 0; i < st->n_replicas; i++)
        if (!strcmp(st->replicas[i].name, name)) {
            st->replicas[i].n++;
            return;
        }
    if (st->n_replicas == LOAD_MAX_NAMES - 1)
        name = "(more)";
    if (st->n_replicas == LOAD_MAX_NAMES) {
        st->replicas[st->n_replicas - 1].n++;
        return;
    }
    xgrow(&st->replicas, &st->cap_replicas, st->n_replicas + 1, sizeof *st->replicas);
    st->replicas[st->n_replicas++] = (struct load_name_count){xstrdup(name), 1};
}

void load_stats_answered(struct load_stats *st, uint64_t now_us, uint64_t latency_us,
                         const char *replica)
{
    advance(st, now_us);
    st->answered++;
    st->cur.answered++;
    load_hist_add(&st->all, latency_us);
    load_hist_add(&st->sec, latency_us);
    count_name(st, replica);
    if (now_us - st->last_answer_us > st->gap_max_us) {
        st->gap_max_us = now_us - st->last_answer_us;
        st->gap_start_us = st->last_answer_us;
    }
    st->last_answer_us = now_us;
}

static void count_code(struct load_count *c, size_t *n, int code)
{
    for (size_t i = 0; i < *n; i++)
        if (c[i].code == code) {
            c[i].n++;
            return;
        }
    if (*n == LOAD_MAX_CODES) {
        c[*n - 1].n++;
        return;
    }
    if (*n == LOAD_MAX_CODES - 1)
        code = -1;
    c[(*n)++] = (struct load_count){code, 1};
}

void load_stats_failed(struct load_stats *st, uint64_t now_us, enum load_cause cause, int detail)
{
    advance(st, now_us);
    st->failed++;
    st->cur.failed++;
    st->causes[cause]++;
    if (cause == LOAD_HTTP_ERROR)
        count_code(st->http, &st->n_http, detail);
    else if (cause == LOAD_OTHER)
        count_code(st->other, &st->n_other, detail);
}

void load_stats_connected(struct load_stats *st, uint64_t connect_us)
{
    load_hist_add(&st->conn, connect_us);
}

void load_stats_in_flight(struct load_stats *st, uint64_t n)
{
    if (n > st->in_flight_max)
        st->in_flight_max = n;
}

void load_stats_finish(struct load_stats *st, uint64_t send_end_us, uint64_t end_us,
                       uint64_t unfinished)
{
    if (end_us < send_end_us)
        end_us = send_end_us;
    st->send_end_us = send_end_us;
    st->end_us = end_us;
    st->unfinished = unfinished;
    if (send_end_us > st->last_answer_us && send_end_us - st->last_answer_us > st->gap_max_us) {
        st->gap_max_us = send_end_us - st->last_answer_us;
        st->gap_start_us = st->last_answer_us;
    }
    /* Every second begun, the last one too, even when partial. */
    advance(st, end_us);
    if (end_us > (uint64_t)st->n_seconds * 1000000 || !st->n_seconds || st->cur.sent ||
        st->cur.answered || st->cur.failed)
        next_second(st);
}
