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

static int cmp_pos(const void *a, const void *b)
{
    const struct diag *x = a, *y = b;
    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    if (x->pos.column != y->pos.column)
        return x->pos.column < y->pos.column ? -1 : 1;
    return 0;
}

void diag_print(struct diag_list *dl, FILE *f)
{
    /* Insertion sort: stable, so problems at one position keep the order
     * in which they were found. */
    for (size_t i = 1; i < dl->n; i++) {
        struct diag d = dl->items[i];
        size_t j = i;
        while (j > 0 && cmp_pos(&dl->items[j - 1], &d) > 0) {
            dl->items[j] = dl->items[j - 1];
            j--;
        }
        dl->items[j] = d;
    }
    for (size_t i = 0; i < dl->n; i++) {
        const struct diag *d = &dl->items[i];
        if (d->pos.line)
            fprintf(f, "%s:%d:%d: error: %s\n", dl->file, d->pos.line, d->pos.column, d->msg);
        else
            fprintf(f, "%s: error: %s\n", dl->file, d->msg);
    }
}
