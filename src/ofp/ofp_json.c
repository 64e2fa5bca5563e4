/* JSON pieces the families' printers share: port numbers, reserved ones by
 * name, and 64-bit values in hex. */
#include "ofp/ofp_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/xalloc.h"

char *ofp_port_str(uint32_t p)
{
    switch (p) {
    case OFPP_IN_PORT:
        return xstrdup("IN_PORT");
    case OFPP_TABLE:
        return xstrdup("TABLE");
    case OFPP_NORMAL:
        return xstrdup("NORMAL");
    case OFPP_FLOOD:
        return xstrdup("FLOOD");
    case OFPP_ALL:
        return xstrdup("ALL");
    case OFPP_CONTROLLER:
        return xstrdup("CONTROLLER");
    case OFPP_LOCAL:
        return xstrdup("LOCAL");
    case OFPP_ANY:
        return xstrdup("ANY");
    }
    return xasprintf("%" PRIu32, p);
}

void ofp_json_set_port(json_t *o, const char *key, uint32_t p)
{
    char *s = ofp_port_str(p);
    json_object_set_new(o, key, json_string(s));
    free(s);
}

void ofp_json_set_hex64(json_t *o, const char *key, uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "0x%" PRIx64, v);
    json_object_set_new(o, key, json_string(s));
}
