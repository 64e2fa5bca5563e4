#include "cli/shell_words.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

char **shell_words(const char *line, size_t *n, const char **err)
{
    char **v = NULL;
    size_t cap = 0, len = 0;
    struct strbuf w;
    strbuf_init(&w);
    bool in_word = false;
    const char *p = line;
    *err = NULL;
    for (;;) {
        char c = *p;
        if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                xgrow(&v, &cap, len + 2, sizeof *v);
                v[len++] = strbuf_steal(&w);
                strbuf_init(&w);
                in_word = false;
            }
            if (c == '\0')
                break;
            p++;
        } else if (c == '\'') {
            in_word = true;
            for (p++; *p && *p != '\''; p++)
                strbuf_add(&w, p, 1);
            if (!*p) {
                *err = "a ' is not closed";
                break;
            }
            p++;
        } else if (c == '"') {
            in_word = true;
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                strbuf_add(&w, p, 1);
            }
            if (!*p) {
                *err = "a \" is not closed";
                break;
            }
            p++;
        } else if (c == '\\' && p[1]) {
            in_word = true;
            strbuf_add(&w, p + 1, 1);
            p += 2;
        } else {
            in_word = true;
            strbuf_add(&w, p, 1);
            p++;
        }
    }
    strbuf_free(&w);
    if (*err) {
        for (size_t i = 0; i < len; i++)
            free(v[i]);
        free(v);
        return NULL;
    }
    xgrow(&v, &cap, len + 1, sizeof *v);
    v[len] = NULL;
    *n = len;
    return v;
}

void shell_words_free(char **words)
{
    for (size_t i = 0; words && words[i]; i++)
        free(words[i]);
    free(words);
}
