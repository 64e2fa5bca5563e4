/* Printing OpenFlow messages for people (text) and programs (JSON).
 * The text is rendered from the JSON, so both carry the same fields. */
#ifndef MINIDC_OFP_OFP_PRINT_H
#define MINIDC_OFP_OFP_PRINT_H

#include <jansson.h>

#include "ofp/ofp.h"

/* Returns a new JSON object describing 'm' (caller owns the reference). */
json_t *ofp_to_json(const struct ofp_msg *m);
json_t *ofp_match_to_json(const struct ofp_match *m);
/* Returns one line (more for lists of entries) of text; caller frees. */
char *ofp_to_text(const struct ofp_msg *m);

#endif
