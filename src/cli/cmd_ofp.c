/* minidc ofp-print HEX|- [--json]: decodes OpenFlow messages and prints them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "ofp/ofp.h"
#include "ofp/ofp_print.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static void usage(FILE *f)
{
    fprintf(
        f, "usage: minidc ofp-print HEX|- [--json]\n\n"
           "Decodes the OpenFlow messages (1.3 or 1.0) in HEX, or in hex read from standard input\n"
           "with '-' (white space and a leading 0x are ignored), and prints each as text or, with\n"
           "--json, as a JSON object per line.  A malformed message prints the OpenFlow error a\n"
           "switch or controller would answer with, and the exit status is 1.\n");
}

/* Parses hex digits, skipping white space; returns false on anything else. */
static bool parse_hex(const char *s, uint8_t **out, size_t *len)
{
    size_t cap = strlen(s) / 2 + 1, n = 0;
    uint8_t *b = xmalloc(cap);
    int hi = -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (; *s; s++) {
        if (isspace((unsigned char)*s))
            continue;
        if (!isxdigit((unsigned char)*s)) {
            free(b);
            return false;
        }
        int v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
        if (hi < 0) {
            hi = v;
        } else {
            b[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(b);
        return false;
    }
    *out = b;
    *len = n;
    return true;
}

int cmd_ofp_print(int argc, char **argv)
{
    bool json = false;
    const char *arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!arg)
            arg = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!arg) {
        usage(stderr);
        return 2;
    }
    struct strbuf in;
    strbuf_init(&in);
    if (!strcmp(arg, "-")) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
            strbuf_add(&in, buf, n);
    } else {
        strbuf_puts(&in, arg);
    }
    uint8_t *bytes;
    size_t len;
    if (!parse_hex(in.s, &bytes, &len)) {
        fprintf(stderr, "minidc ofp-print: input is not hex (an even number of hex digits)\n");
        strbuf_free(&in);
        return 2;
    }
    strbuf_free(&in);
    int rc = 0;
    size_t off = 0, count = 0;
    while (off < len) {
        size_t mlen = ofp_peek_length(bytes + off, len - off);
        if (mlen < OFP_HEADER_LEN || mlen > len - off) {
            fprintf(stderr,
                    "minidc ofp-print: message %zu at byte %zu: %s (header length %zu, %zu bytes "
                    "left)\n",
                    count + 1, off,
                    mlen < OFP_HEADER_LEN && len - off >= OFP_HEADER_LEN ? "length below 8"
                                                                         : "truncated",
                    mlen, len - off);
            rc = 1;
            break;
        }
        struct ofp_msg m;
        enum ofp_err e = ofp_decode(bytes + off, mlen, &m);
        if (e) {
            if (json)
                printf("{\"error\": \"%s\", \"error_type\": %u, \"error_code\": %u, \"offset\": "
                       "%zu}\n",
                       ofp_err_name(e), ofp_err_type(e), ofp_err_code(e), off);
            else
                printf("error: %s (type %u, code %u) in message %zu at byte %zu\n", ofp_err_name(e),
                       ofp_err_type(e), ofp_err_code(e), count + 1, off);
            rc = 1;
        } else if (json) {
            json_t *o = ofp_to_json(&m);
            json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            putchar('\n');
            json_decref(o);
        } else {
            char *t = ofp_to_text(&m);
            puts(t);
            free(t);
        }
        ofp_msg_free(&m);
        off += mlen;
        count++;
    }
    free(bytes);
    return rc;
}
