/* diag: a list of problems found in an input file, each with its position.
 *
 * Readers report every problem they find, not only the first; the list is
 * printed sorted by position as "FILE:LINE:COLUMN: error: MESSAGE". */
#ifndef MINIDC_TOPO_DIAG_H
#define MINIDC_TOPO_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct diag_pos {
    int line;   /* 1-based; 0 when unknown */
    int column; /* 1-based; 0 when unknown */
};

struct diag {
    struct diag_pos pos;
    char *msg;
};

struct diag_list {
    char *file; /* as the user named it */
    struct diag *items;
    size_t n, cap;
};

void diag_list_init(struct diag_list *dl, const char *file);
void diag_list_free(struct diag_list *dl);
void diag_add(struct diag_list *dl, struct diag_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sorts by position and writes every problem to 'f'. */
void diag_print(struct diag_list *dl, FILE *f);

#endif
