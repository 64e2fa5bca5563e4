/* What the codec's files share; not for other modules (they see ofp.h and
 * ofp_print.h).
 *
 * The codec is split by message family, as Open vSwitch splits lib/ofp-*.c:
 * each family file holds its messages' 1.3 and 1.0 decoders and encoders,
 * what frees them and what prints them as JSON; ofp_codec.c dispatches on
 * the message type.  From the bottom up:
 *   ofp_buf.c        cursors and the write buffer (ofp_buf.h)
 *   ofp_json.c       JSON pieces the printers share
 *   ofp_port.c       port numbers and descriptions, port status and statistics
 *   ofp_match.c      OXM fields, 1.3 and 1.0 matches, the match builders
 *   ofp_action.c     actions and instructions
 *   ofp_packet.c     packet in, packet out
 *   ofp_flow.c       flow mod, flow removed, flow and aggregate statistics
 *   ofp_group.c      group mod, group statistics and descriptions
 *   ofp_multipart.c  multipart framing and dispatch, switch description, tables
 *   ofp_codec.c      the header, the dispatch, the small messages (hello, ...)
 *   ofp_print.c      JSON's header fields, text from JSON */
#ifndef MINIDC_OFP_OFP_PRIV_H
#define MINIDC_OFP_OFP_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ofp/ofp.h"
#include "ofp/ofp_buf.h"
#include "ofp/ofp_print.h" /* ofp_match_to_json(), defined in ofp_match.c */
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

/* ---- message types ---- */

/* What the codec does with one message type, in each version.  Decoders
 * take the body (the cursor is past the header) and fill '*m', which owns
 * what they allocate even when they fail.  Encoders append the body after
 * the header, and return false when the message cannot be expressed in that
 * version.  A NULL decoder or encoder: the version has no such message
 * (decoding it is BAD_TYPE, encoding it fails).  'free' releases what the
 * message owns (NULL: nothing); 'to_json' adds its fields to 'o' (NULL: it
 * has none but the header's). */
struct ofp_msg_ops {
    enum ofp_err (*decode13)(struct ofp_cur *c, struct ofp_msg *m);
    enum ofp_err (*decode10)(struct ofp_cur *c, struct ofp_msg *m);
    bool (*encode13)(struct ofp_out *o, const struct ofp_msg *m);
    bool (*encode10)(struct ofp_out *o, const struct ofp_msg *m);
    void (*free)(struct ofp_msg *m);
    void (*to_json)(json_t *o, const struct ofp_msg *m);
};

/* The operations of message type 'type' (an enum ofp_type; the table is in
 * ofp_codec.c), or NULL for a type the codec does not know. */
const struct ofp_msg_ops *ofp_msg_type_ops(uint8_t type);

/* The families' message types, for the table (the small messages' are in
 * ofp_codec.c itself). */
extern const struct ofp_msg_ops ofp_port_status_ops;  /* ofp_port.c */
extern const struct ofp_msg_ops ofp_packet_in_ops;    /* ofp_packet.c */
extern const struct ofp_msg_ops ofp_packet_out_ops;   /* ofp_packet.c */
extern const struct ofp_msg_ops ofp_flow_mod_ops;     /* ofp_flow.c */
extern const struct ofp_msg_ops ofp_flow_removed_ops; /* ofp_flow.c */
extern const struct ofp_msg_ops ofp_group_mod_ops;    /* ofp_group.c */
extern const struct ofp_msg_ops ofp_multipart_ops;    /* ofp_multipart.c: REQUEST and REPLY */

/* ---- multipart types ---- */

/* The same for one multipart type (1.0: statistics type), on the body after
 * the multipart header; 'req' tells a request from a reply.  1.0's
 * statistics types 0-3 (desc, flow, aggregate, table) have 1.3's numbers, so
 * one table (in ofp_multipart.c) serves both versions.  A 1.3 encoder cannot
 * fail.  'free' frees this type's array whatever the message's mp_type says,
 * as a message a caller builds may fill any of them. */
struct ofp_mp_ops {
    enum ofp_err (*decode13)(struct ofp_cur *c, struct ofp_multipart *mp, bool req);
    enum ofp_err (*decode10)(struct ofp_cur *c, struct ofp_multipart *mp, bool req);
    void (*encode13)(struct ofp_out *o, const struct ofp_multipart *mp, bool req);
    bool (*encode10)(struct ofp_out *o, const struct ofp_multipart *mp, bool req);
    void (*free)(struct ofp_multipart *mp);
    void (*to_json)(json_t *o, const struct ofp_multipart *mp, bool req, uint8_t version);
};

/* The families' multipart types (the switch description's and table
 * statistics' are in ofp_multipart.c itself). */
extern const struct ofp_mp_ops ofp_mp_port_stats_ops; /* ofp_port.c */
extern const struct ofp_mp_ops ofp_mp_port_desc_ops;  /* ofp_port.c */
extern const struct ofp_mp_ops ofp_mp_flow_ops;       /* ofp_flow.c */
extern const struct ofp_mp_ops ofp_mp_aggregate_ops;  /* ofp_flow.c */
extern const struct ofp_mp_ops ofp_mp_group_ops;      /* ofp_group.c */
extern const struct ofp_mp_ops ofp_mp_group_desc_ops; /* ofp_group.c */

#endif
