/* topo_text: whether a topology file is text a YAML reader may take, before
 * libfyaml sees it.  Private to src/topo (the reader).
 *
 * libfyaml stops at a NUL byte or passes over it, and reports bytes that are
 * not UTF-8 at the start of the scalar holding them, or not at all; here the
 * first such byte is reported where it is, as libfyaml counts positions
 * (lines end at LF, CRLF or CR; columns count characters, from 1; a byte
 * order mark at the start is no character). */
#ifndef MINIDC_TOPO_TOPO_TEXT_H
#define MINIDC_TOPO_TOPO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "topo/diag.h"

/* Whether the 'len' bytes at 'data' are UTF-8 of YAML's printable characters
 * only (tab, line ends and the rest of Unicode but control characters,
 * surrogates, U+FFFE and U+FFFF).  If not, appends the first offence with its
 * position to 'diags' and returns false. */
bool topo_text_check(const char *data, size_t len, struct diag_list *diags);

/* Whether the text holds no explicit mapping key ('? KEY', YAML's complex
 * keys): a topology file never needs one, and libfyaml 0.7 (Debian 12's)
 * crashes on some ("? a:<tab>:" makes fy_parser_destroy() write through a
 * NULL pointer).  If it holds one, appends where to 'diags' and returns
 * false.  Call after topo_text_check(). */
bool topo_text_no_explicit_keys(const char *data, size_t len, struct diag_list *diags);

/* The position of byte 'offset' of the 'len' bytes at 'data', counted as
 * above; 'len' itself is the end, just after the last character. */
struct diag_pos topo_text_pos(const char *data, size_t len, size_t offset);

/* 'pos', or the end of the text when 'pos' is past it (libfyaml places
 * what it finds missing at the end, and empty scalars there, past it). */
struct diag_pos topo_text_clamp(const char *data, size_t len, struct diag_pos pos);

#endif
