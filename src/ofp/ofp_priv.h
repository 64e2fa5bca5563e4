/* What the codec's files share; not for other modules (they see ofp.h and
 * ofp_print.h).
 *
 * The codec is split by message family, as Open vSwitch splits lib/ofp-*.c:
 * each family file holds its messages' 1.3 and 1.0 decoders and encoders,
 * what frees them and what prints them as JSON; ofp_codec.c dispatches on
 * the message type.  From the bottom up:
 *   ofp_buf.c        cursors and the write buffer (ofp_buf.h)
 *   ofp_json.c       JSON pieces the printers share
 *   ofp_port.c       port numbers and descriptions
 *   ofp_match.c      OXM fields, 1.3 and 1.0 matches, the match builders
 *   ofp_action.c     actions and instructions */
#ifndef MINIDC_OFP_OFP_PRIV_H
#define MINIDC_OFP_OFP_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ofp/ofp.h"
#include "ofp/ofp_buf.h"
#include "ofp/ofp_wire.h"

/* ---- JSON pieces (ofp_json.c) ---- */

/* A port number as text: reserved ports by name ("CONTROLLER"); caller frees. */
char *ofp_port_str(uint32_t p);
/* Sets 'key' of 'o' to ofp_port_str(p). */
void ofp_json_set_port(json_t *o, const char *key, uint32_t p);
/* Sets 'key' of 'o' to "0x..." (cookies, metadata). */
void ofp_json_set_hex64(json_t *o, const char *key, uint64_t v);

/* ---- ports (ofp_port.c) ---- */

/* 1.0's 16-bit port numbers: reserved ones (0xff00 and up) map to 1.3's. */
uint32_t ofp_port10to13(uint16_t p);
/* False when 'p' has no 1.0 number. */
bool ofp_port13to10(uint32_t p, uint16_t *out);

void ofp_port_decode13(const struct ofpw13_port *w, struct ofp_port *p);
void ofp_port_encode13(struct ofp_out *o, const struct ofp_port *p);
void ofp_port_decode10(const struct ofpw10_port *w, struct ofp_port *p);
/* False when the port number has no 1.0 number. */
bool ofp_port_encode10(struct ofp_out *o, const struct ofp_port *p);
/* Returns a new JSON object (caller owns the reference). */
json_t *ofp_port_json(const struct ofp_port *p);

/* ---- matches (ofp_match.c) ---- */

/* One OXM field (header, value, mask) from 'c'. */
enum ofp_err ofp_oxm_decode(struct ofp_cur *c, struct ofp_oxm *f);
void ofp_oxm_encode(struct ofp_out *o, const struct ofp_oxm *f);
/* A 1.3 match with its padding to 8 bytes. */
enum ofp_err ofp_match_decode13(struct ofp_cur *c, struct ofp_match *m);
void ofp_match_encode13(struct ofp_out *o, const struct ofp_match *m);
void ofp_match_decode10(const struct ofpw10_match *w, struct ofp_match *m);
/* False when the match has a field or mask 1.0 cannot express. */
bool ofp_match_encode10(struct ofp_out *o, const struct ofp_match *m);
/* A field's name ("eth_dst", or "oxm_CLASS_FIELD") and value ("VALUE[/MASK]")
 * as text; caller frees. */
char *ofp_oxm_key(const struct ofp_oxm *f);
char *ofp_oxm_value(const struct ofp_oxm *f);

/* ---- actions and instructions (ofp_action.c) ---- */

/* Decoders read actions until 'c' is empty; on an error '*out' holds what
 * was read so far (the caller frees it with the message). */
enum ofp_err ofp_actions_decode13(struct ofp_cur *c, struct ofp_actions *out);
void ofp_actions_encode13(struct ofp_out *o, const struct ofp_actions *as);
enum ofp_err ofp_actions_decode10(struct ofp_cur *c, struct ofp_actions *out);
/* False when an action has no 1.0 form. */
bool ofp_actions_encode10(struct ofp_out *o, const struct ofp_actions *as);
enum ofp_err ofp_instructions_decode(struct ofp_cur *c, struct ofp_instructions *out);
void ofp_instructions_encode(struct ofp_out *o, const struct ofp_instructions *ins);
/* New JSON arrays (caller owns the reference). */
json_t *ofp_actions_json(const struct ofp_actions *as);
json_t *ofp_instructions_json(const struct ofp_instructions *ins);

#endif
