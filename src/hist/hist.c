#include "hist/hist.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct series {
    char *name;
    float *values;     /* capacity, aligned with the rounds' ring; NAN: none */
    size_t last_round; /* the round number it last had a value in */
    double count, at;  /* counters: the last count given, and when */
    bool has_count;
    size_t n_values; /* values kept (not NAN) */
};

struct hist {
    size_t capacity;
    double *times; /* ring of the rounds' times */
    size_t head;   /* slot of the current round */
    size_t rounds; /* kept */
    size_t round;  /* number of the current round, from 1 */
    /* series by name: open addressing, linear probing, a power of two */
    struct series **slots;
    size_t n_slots, n_series;
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct hist *hist_create(size_t capacity)
{
    struct hist *h = xcalloc(1, sizeof *h);
    h->capacity = capacity ? capacity : 1;
    h->times = xcalloc(h->capacity, sizeof *h->times);
    h->n_slots = 64;
    h->slots = xcalloc(h->n_slots, sizeof *h->slots);
    return h;
}

static void series_free(struct series *s)
{
    free(s->name);
    free(s->values);
    free(s);
}

void hist_destroy(struct hist *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_slots; i++)
        if (h->slots[i])
            series_free(h->slots[i]);
    free(h->slots);
    free(h->times);
    free(h);
}

static size_t find_slot(const struct hist *h, const char *name)
{
    size_t mask = h->n_slots - 1, i = (size_t)name_hash(name) & mask;
    while (h->slots[i] && strcmp(h->slots[i]->name, name))
        i = (i + 1) & mask;
    return i;
}

static void rehash(struct hist *h, size_t n_slots)
{
    struct series **old = h->slots;
    size_t n_old = h->n_slots;
    h->slots = xcalloc(n_slots, sizeof *h->slots);
    h->n_slots = n_slots;
    for (size_t i = 0; i < n_old; i++)
        if (old[i])
            h->slots[find_slot(h, old[i]->name)] = old[i];
    free(old);
}

static struct series *get_series(struct hist *h, const char *name)
{
    size_t i = find_slot(h, name);
    if (h->slots[i])
        return h->slots[i];
    if (2 * (h->n_series + 1) > h->n_slots) {
        rehash(h, 2 * h->n_slots);
        i = find_slot(h, name);
    }
    struct series *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(name);
    s->values = xmalloc(h->capacity * sizeof *s->values);
    for (size_t k = 0; k < h->capacity; k++)
        s->values[k] = NAN;
    h->slots[i] = s;
    h->n_series++;
    return s;
}

/* Removes the series of slot 'i', keeping the probe chains whole. */
static void remove_slot(struct hist *h, size_t i)
{
    series_free(h->slots[i]);
    h->slots[i] = NULL;
    h->n_series--;
    size_t mask = h->n_slots - 1;
    for (size_t j = (i + 1) & mask; h->slots[j]; j = (j + 1) & mask) {
        struct series *s = h->slots[j];
        h->slots[j] = NULL;
        h->slots[find_slot(h, s->name)] = s;
    }
}

bool hist_begin(struct hist *h, double t)
{
    if (h->rounds && !(t > h->times[h->head]))
        return false;
    h->head = h->rounds ? (h->head + 1) % h->capacity : 0;
    h->times[h->head] = t;
    if (h->rounds < h->capacity)
        h->rounds++;
    h->round++;
    /* The slot is reused: what it held of the oldest round goes, and then
     * every series left with nothing in the whole window. */
    size_t n_dead = 0;
    struct series **dead = NULL;
    for (size_t i = 0; i < h->n_slots; i++) {
        struct series *s = h->slots[i];
        if (!s)
            continue;
        if (!isnan(s->values[h->head])) {
            s->values[h->head] = NAN;
            s->n_values--;
        }
        if (!s->n_values && h->round - s->last_round >= h->capacity) {
            if (!dead)
                dead = xcalloc(h->n_series, sizeof *dead);
            dead[n_dead++] = s;
        }
    }
    for (size_t i = 0; i < n_dead; i++)
        remove_slot(h, find_slot(h, dead[i]->name));
    free(dead);
    return true;
}

static void put(struct hist *h, struct series *s, double value)
{
    if (isnan(s->values[h->head]))
        s->n_values++;
    s->values[h->head] = (float)value;
    s->last_round = h->round;
}

void hist_set(struct hist *h, const char *series, double value)
{
    if (!h->rounds || isnan(value))
        return;
    put(h, get_series(h, series), value);
}

void hist_set_counter(struct hist *h, const char *series, double count)
{
    if (!h->rounds || isnan(count))
        return;
    struct series *s = get_series(h, series);
    double t = h->times[h->head];
    if (s->has_count && count >= s->count && t > s->at)
        put(h, s, (count - s->count) / (t - s->at));
    else
        s->last_round = h->round; /* first, or reset: no rate yet, but alive */
    s->count = count;
    s->at = t;
    s->has_count = true;
}

size_t hist_rounds(const struct hist *h)
{
    return h->rounds;
}

size_t hist_n_series(const struct hist *h)
{
    return h->n_series;
}

size_t hist_bytes(const struct hist *h)
{
    size_t b = sizeof *h + h->capacity * sizeof *h->times + h->n_slots * sizeof *h->slots;
    for (size_t i = 0; i < h->n_slots; i++)
        if (h->slots[i])
            b += sizeof *h->slots[i] + strlen(h->slots[i]->name) + 1 +
                 h->capacity * sizeof *h->slots[i]->values;
    return b;
}

/* The slot of the k-th kept round, oldest first. */
static size_t slot_of(const struct hist *h, size_t k)
{
    return (h->head + h->capacity - (h->rounds - 1) + k) % h->capacity;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct series *const *)a)->name, (*(struct series *const *)b)->name);
}

/* The series whose names start with 'prefix', sorted by name ('*n' of
 * them; caller frees the array). */
static struct series **matching(const struct hist *h, const char *prefix, size_t *n)
{
    struct series **out = xcalloc(h->n_series + 1, sizeof *out);
    size_t len = prefix ? strlen(prefix) : 0;
    *n = 0;
    for (size_t i = 0; i < h->n_slots; i++)
        if (h->slots[i] && !strncmp(h->slots[i]->name, prefix ? prefix : "", len))
            out[(*n)++] = h->slots[i];
    qsort(out, *n, sizeof *out, by_name);
    return out;
}

static json_t *span_json(const struct hist *h, json_t *o)
{
    json_object_set_new(o, "from", h->rounds ? json_real(h->times[slot_of(h, 0)]) : json_null());
    json_object_set_new(o, "to", h->rounds ? json_real(h->times[h->head]) : json_null());
    return o;
}

json_t *hist_list_json(const struct hist *h, const char *prefix)
{
    size_t n;
    struct series **m = matching(h, prefix, &n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:I}", "name", m[i]->name, "values", (json_int_t)m[i]->n_values));
    free(m);
    return span_json(h, json_pack("{s:I, s:I, s:o}", "capacity", (json_int_t)h->capacity, "rounds",
                                  (json_int_t)h->rounds, "series", arr));
}

static json_t *points_json(const struct hist *h, const struct series *s, double since, double until,
                           size_t max_points)
{
    size_t first = h->rounds, last = 0, count = 0;
    for (size_t k = 0; k < h->rounds; k++) {
        size_t at = slot_of(h, k);
        double t = h->times[at];
        if ((since && t < since) || (until && t > until) || isnan(s->values[at]))
            continue;
        if (first == h->rounds)
            first = k;
        last = k;
        count++;
    }
    json_t *pts = json_array();
    if (!count)
        return pts;
    /* Thinned evenly: every step-th value, counted from the last. */
    size_t step = max_points && count > max_points ? (count + max_points - 1) / max_points : 1;
    size_t index = 0;
    for (size_t k = first; k <= last; k++) {
        size_t at = slot_of(h, k);
        double t = h->times[at];
        if ((since && t < since) || (until && t > until) || isnan(s->values[at]))
            continue;
        if ((count - 1 - index++) % step == 0)
            json_array_append_new(pts, json_pack("[f, f]", t, (double)s->values[at]));
    }
    return pts;
}

size_t hist_tail(const struct hist *h, const char *name, size_t max, double *out)
{
    const struct series *s = h->slots[find_slot(h, name)];
    if (!s || !max)
        return 0;
    size_t from = h->rounds > max ? h->rounds - max : 0, n = 0;
    float before = NAN; /* the last value before the window */
    for (size_t k = from; k-- > 0 && isnan(before);)
        before = s->values[slot_of(h, k)];
    for (size_t k = from; k < h->rounds; k++) {
        float v = s->values[slot_of(h, k)];
        if (!isnan(v))
            out[n++] = v;
        else if (n)
            out[n] = out[n - 1], n++;
        else if (!isnan(before))
            out[n++] = before;
    }
    return n;
}

json_t *hist_query_json(const struct hist *h, const char *const *names, size_t n, double since,
                        double until, size_t max_points)
{
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len && names[i][len - 1] == '*') {
            char *prefix = xstrdup(names[i]);
            prefix[len - 1] = '\0';
            size_t k;
            struct series **m = matching(h, prefix, &k);
            for (size_t j = 0; j < k; j++)
                json_object_set_new(out, m[j]->name,
                                    points_json(h, m[j], since, until, max_points));
            free(m);
            free(prefix);
            continue;
        }
        struct series *s = h->slots[find_slot(h, names[i])];
        json_object_set_new(out, names[i],
                            s ? points_json(h, s, since, until, max_points) : json_array());
    }
    return span_json(h, json_pack("{s:o}", "series", out));
}
