#include "topo/topo_text.h"

#include <stdint.h>
#include <string.h>

/* The length of the UTF-8 sequence at 'p' ('left' bytes there) and its code
 * point in '*cp'; 0 when the bytes are not UTF-8 (overlong forms and
 * surrogates included). */
static size_t utf8_decode(const unsigned char *p, size_t left, uint32_t *cp)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n;
    uint32_t c = p[0];
    if (c < 0x80)
        n = 1;
    else if (c >= 0xc2 && c <= 0xdf)
        n = 2, c &= 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, c &= 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, c &= 0x07;
    else
        return 0;
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* YAML 1.2's c-printable. */
static bool printable(uint32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r' || c == 0x85)
        return true;
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        return false;
    return c != 0xfffe && c != 0xffff;
}

struct diag_pos topo_text_pos(const char *data, size_t len, size_t offset)
{
    const unsigned char *p = (const unsigned char *)data;
    struct diag_pos pos = {1, 1};
    size_t i = offset >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
    for (; i < offset && i < len; i++) {
        /* CR LF ends one line, at its LF. */
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n'))) {
            pos.line++;
            pos.column = 1;
        } else if ((p[i] & 0xc0) != 0x80) {
            pos.column++;
        }
    }
    return pos;
}

bool topo_text_check(const char *data, size_t len, struct diag_list *diags)
{
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_decode(p + i, len - i, &c);
        if (n == 0) {
            diag_add(diags, topo_text_pos(data, len, i),
                     "bytes that are not UTF-8 (0x%02x): a topology file is UTF-8 text", p[i]);
            return false;
        }
        if (c == 0) {
            diag_add(diags, topo_text_pos(data, len, i),
                     "a NUL byte: a topology file is text (is this the right file?)");
            return false;
        }
        if (!printable(c)) {
            diag_add(diags, topo_text_pos(data, len, i),
                     "character U+%04X (a control character) is not allowed in YAML", (unsigned)c);
            return false;
        }
        i += n;
    }
    return true;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether byte 'i' of the line 'l' (of 'n' bytes) starts an explicit key:
 * '?' followed by a blank or the end of the line. */
static bool explicit_key_at(const char *l, size_t n, size_t i)
{
    return i < n && l[i] == '?' && (i + 1 == n || blank(l[i + 1]));
}

/* Where a token may start on a line: after the indentation and each block
 * sequence's "- ", after "KEY: " (a mapping's value), after a flow
 * collection's '[', '{' or ','.  A '?' there is an explicit key; inside a
 * plain scalar ("a ? b") or a quoted one it is a character. */
static size_t find_explicit_key(const char *l, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && blank(l[i]))
            i++;
        if (explicit_key_at(l, n, i))
            return i;
        if (i + 1 < n && l[i] == '-' && blank(l[i + 1]))
            i += 2;
        else
            break;
    }
    char quote = 0;
    for (; i < n; i++) {
        char c = l[i];
        if (quote) {
            quote = c == quote ? 0 : quote;
            continue;
        }
        if (c == '#' && (i == 0 || blank(l[i - 1])))
            break; /* a comment */
        if ((c == '\'' || c == '"') && (i == 0 || blank(l[i - 1]) || strchr("[{,:", l[i - 1])))
            quote = c;
        bool after = (c == ':' && i + 1 < n && blank(l[i + 1])) || c == '[' || c == '{' || c == ',';
        if (after) {
            size_t j = i + 1;
            while (j < n && blank(l[j]))
                j++;
            if (explicit_key_at(l, n, j))
                return j;
        }
    }
    return n;
}

bool topo_text_no_explicit_keys(const char *data, size_t len, struct diag_list *diags)
{
    for (size_t start = 0; start < len;) {
        size_t n = 0; /* the line's length (the text need not end in a NUL) */
        while (start + n < len && data[start + n] != '\r' && data[start + n] != '\n')
            n++;
        size_t at = find_explicit_key(data + start, n);
        if (at < n) {
            diag_add(diags, topo_text_pos(data, len, start + at),
                     "an explicit key ('? '): a topology file writes its keys as 'key: value'");
            return false;
        }
        start += n;
        while (start < len && (data[start] == '\r' || data[start] == '\n'))
            start++;
    }
    return true;
}

struct diag_pos topo_text_clamp(const char *data, size_t len, struct diag_pos pos)
{
    struct diag_pos end = topo_text_pos(data, len, len);
    if (pos.line > end.line || (pos.line == end.line && pos.column > end.column))
        return end;
    return pos;
}
