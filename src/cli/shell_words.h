/* shell_words: splits a command line into words as a POSIX shell would for
 * plain commands: blanks separate words; '...' keeps everything literally;
 * "..." keeps blanks, with \" and \\ escaped; a backslash outside quotes
 * keeps the next character. */
#ifndef MINIDC_CLI_SHELL_WORDS_H
#define MINIDC_CLI_SHELL_WORDS_H

#include <stddef.h>

/* Returns a NULL-terminated array (caller frees with shell_words_free) and
 * its length in '*n', or NULL with a message in '*err' (static) when a quote
 * is left open. */
char **shell_words(const char *line, size_t *n, const char **err);
void shell_words_free(char **words);

#endif
