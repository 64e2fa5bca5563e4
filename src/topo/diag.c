#include "topo/diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/xalloc.h"

void diag_list_init(struct diag_list *dl, const char *file)
{
    dl->file = xstrdup(file ? file : "<input>");
    dl->items = NULL;
    dl->n = dl->cap = 0;
}

void diag_list_free(struct diag_list *dl)
{
    if (!dl)
        return;
    for (size_t i = 0; i < dl->n; i++)
        free(dl->items[i].msg);
    free(dl->items);
    free(dl->file);
    dl->items = NULL;
    dl->file = NULL;
    dl->n = dl->cap = 0;
}

void diag_add(struct diag_list *dl, struct diag_pos pos, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = xstrdup(fmt);
    va_end(ap);
    xgrow(&dl->items, &dl->cap, dl->n + 1, sizeof *dl->items);
    dl->items[dl->n++] = (struct diag){.pos = pos, .msg = msg};
}

/* Problems in order of position; at one position, in the order found. */
struct ranked {
    struct diag d;
    size_t seq;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->d.pos.line != y->d.pos.line)
        return x->d.pos.line < y->d.pos.line ? -1 : 1;
    if (x->d.pos.column != y->d.pos.column)
        return x->d.pos.column < y->d.pos.column ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void diag_print(struct diag_list *dl, FILE *f)
{
    struct ranked *r = xmalloc((dl->n ? dl->n : 1) * sizeof *r);
    for (size_t i = 0; i < dl->n; i++)
        r[i] = (struct ranked){.d = dl->items[i], .seq = i};
    qsort(r, dl->n, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < dl->n; i++)
        dl->items[i] = r[i].d;
    free(r);
    for (size_t i = 0; i < dl->n; i++) {
        const struct diag *d = &dl->items[i];
        if (d->pos.line)
            fprintf(f, "%s:%d:%d: error: %s\n", dl->file, d->pos.line, d->pos.column, d->msg);
        else
            fprintf(f, "%s: error: %s\n", dl->file, d->msg);
    }
}
