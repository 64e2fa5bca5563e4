#include "topo/topo_text.h"

#include <stdint.h>

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

struct diag_pos topo_text_clamp(const char *data, size_t len, struct diag_pos pos)
{
    struct diag_pos end = topo_text_pos(data, len, len);
    if (pos.line > end.line || (pos.line == end.line && pos.column > end.column))
        return end;
    return pos;
}
