/* ofp: the OpenFlow codec.  Pure: no I/O, no clock, no globals.
 *
 * Messages are decoded from and encoded to wire bytes through the host-order
 * model below; wire layouts live in ofp_wire.h, private to the codec.
 * OpenFlow 1.3 (wire version 4) fully for the messages a controller uses;
 * OpenFlow 1.0 (wire version 1) for those a reactive switch needs, and the
 * statistics a controller reads from it (desc, flow, aggregate, table).
 *
 * Errors: decoders return 0 or an enum ofp_err naming the OpenFlow error
 * (type and code) to send back; they never read past the message length.
 * Ownership: a decoded message owns its arrays and bytes; ofp_msg_free()
 * releases them (and accepts NULL). */
#ifndef MINIDC_OFP_OFP_H
#define MINIDC_OFP_OFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OFP10_VERSION 0x01
#define OFP13_VERSION 0x04
#define OFP_HEADER_LEN 8
#define OFP_MAX_MSG_LEN 65535

/* Message types by their OpenFlow 1.3 numbers; 1.0 messages are decoded to
 * the same names (STATS_REQUEST is MULTIPART_REQUEST, and so on). */
enum ofp_type {
    OFPT_HELLO = 0,
    OFPT_ERROR = 1,
    OFPT_ECHO_REQUEST = 2,
    OFPT_ECHO_REPLY = 3,
    OFPT_EXPERIMENTER = 4,
    OFPT_FEATURES_REQUEST = 5,
    OFPT_FEATURES_REPLY = 6,
    OFPT_GET_CONFIG_REQUEST = 7,
    OFPT_GET_CONFIG_REPLY = 8,
    OFPT_SET_CONFIG = 9,
    OFPT_PACKET_IN = 10,
    OFPT_FLOW_REMOVED = 11,
    OFPT_PORT_STATUS = 12,
    OFPT_PACKET_OUT = 13,
    OFPT_FLOW_MOD = 14,
    OFPT_GROUP_MOD = 15,
    OFPT_MULTIPART_REQUEST = 18,
    OFPT_MULTIPART_REPLY = 19,
    OFPT_BARRIER_REQUEST = 20,
    OFPT_BARRIER_REPLY = 21,
    OFPT_ROLE_REQUEST = 24,
    OFPT_ROLE_REPLY = 25,
};

/* OpenFlow errors: type and code in one value (type << 16 | code), with a
 * name table generated from this list. */
#define OFP_ERR_LIST(X)                                                                            \
    X(OFPERR_HELLO_INCOMPATIBLE, 0, 0)                                                             \
    X(OFPERR_BAD_REQUEST_BAD_VERSION, 1, 0)                                                        \
    X(OFPERR_BAD_REQUEST_BAD_TYPE, 1, 1)                                                           \
    X(OFPERR_BAD_REQUEST_BAD_MULTIPART, 1, 2)                                                      \
    X(OFPERR_BAD_REQUEST_BAD_LEN, 1, 6)                                                            \
    X(OFPERR_BAD_ACTION_BAD_TYPE, 2, 0)                                                            \
    X(OFPERR_BAD_ACTION_BAD_LEN, 2, 1)                                                             \
    X(OFPERR_BAD_ACTION_BAD_ARGUMENT, 2, 5)                                                        \
    X(OFPERR_BAD_INSTRUCTION_UNKNOWN_INST, 3, 0)                                                   \
    X(OFPERR_BAD_INSTRUCTION_BAD_LEN, 3, 8)                                                        \
    X(OFPERR_BAD_MATCH_BAD_TYPE, 4, 0)                                                             \
    X(OFPERR_BAD_MATCH_BAD_LEN, 4, 1)                                                              \
    X(OFPERR_BAD_MATCH_BAD_FIELD, 4, 6)                                                            \
    X(OFPERR_BAD_MATCH_DUP_FIELD, 4, 9)

enum ofp_err {
    OFPERR_NONE = 0,
#define OFP_ERR_ENUM(name, type, code) name = ((type) << 16 | (code) | 0x40000000),
    OFP_ERR_LIST(OFP_ERR_ENUM)
#undef OFP_ERR_ENUM
};
const char *ofp_err_name(enum ofp_err e);
uint16_t ofp_err_type(enum ofp_err e);
uint16_t ofp_err_code(enum ofp_err e);

/* Reserved port numbers (1.3; 1.0's 16-bit ones are mapped to these). */
#define OFPP_MAX 0xffffff00u
#define OFPP_IN_PORT 0xfffffff8u
#define OFPP_TABLE 0xfffffff9u
#define OFPP_NORMAL 0xfffffffau
#define OFPP_FLOOD 0xfffffffbu
#define OFPP_ALL 0xfffffffcu
#define OFPP_CONTROLLER 0xfffffffdu
#define OFPP_LOCAL 0xfffffffeu
#define OFPP_ANY 0xffffffffu
#define OFPG_MAX 0xffffff00u /* the last group id a controller may use */
#define OFPG_ANY 0xffffffffu
#define OFPG_ALL 0xfffffffcu
#define OFP_NO_BUFFER 0xffffffffu
#define OFPCML_NO_BUFFER 0xffffu

/* OXM: one match field.  OpenFlow-basic fields (class 0x8000) by number. */
enum ofp_oxm_field {
    OXM_IN_PORT = 0,
    OXM_METADATA = 2,
    OXM_ETH_DST = 3,
    OXM_ETH_SRC = 4,
    OXM_ETH_TYPE = 5,
    OXM_VLAN_VID = 6,
    OXM_VLAN_PCP = 7,
    OXM_IP_DSCP = 8,
    OXM_IP_ECN = 9,
    OXM_IP_PROTO = 10,
    OXM_IPV4_SRC = 11,
    OXM_IPV4_DST = 12,
    OXM_TCP_SRC = 13,
    OXM_TCP_DST = 14,
    OXM_UDP_SRC = 15,
    OXM_UDP_DST = 16,
    OXM_ICMPV4_TYPE = 19,
    OXM_ICMPV4_CODE = 20,
    OXM_ARP_OP = 21,
    OXM_ARP_SPA = 22,
    OXM_ARP_TPA = 23,
    OXM_ARP_SHA = 24,
    OXM_ARP_THA = 25,
};
#define OXM_CLASS_BASIC 0x8000
#define OFP_OXM_MAX_LEN 32 /* value bytes; 1.3 basic fields are at most 16 */

struct ofp_oxm {
    uint16_t oxm_class;
    uint8_t field;
    bool hasmask;
    uint8_t len; /* of the value (the mask has the same length) */
    uint8_t value[OFP_OXM_MAX_LEN];
    uint8_t mask[OFP_OXM_MAX_LEN];
};

#define OFP_MATCH_MAX 48
struct ofp_match {
    size_t n;
    struct ofp_oxm f[OFP_MATCH_MAX];
};

/* Action types by their 1.3 numbers; 1.0 actions map to the nearest
 * (1.0 SET_DL_DST becomes SET_FIELD eth_dst, and so on). */
enum ofp_action_type {
    OFPAT_OUTPUT = 0,
    OFPAT_COPY_TTL_OUT = 11,
    OFPAT_COPY_TTL_IN = 12,
    OFPAT_SET_MPLS_TTL = 15,
    OFPAT_DEC_MPLS_TTL = 16,
    OFPAT_PUSH_VLAN = 17,
    OFPAT_POP_VLAN = 18,
    OFPAT_SET_QUEUE = 21,
    OFPAT_GROUP = 22,
    OFPAT_SET_NW_TTL = 23,
    OFPAT_DEC_NW_TTL = 24,
    OFPAT_SET_FIELD = 25,
};

struct ofp_action {
    uint16_t type;
    uint32_t port;    /* OUTPUT */
    uint16_t max_len; /* OUTPUT */
    uint32_t arg; /* GROUP: group id; SET_QUEUE: queue id; SET_*_TTL: ttl; PUSH_VLAN: ethertype */
    struct ofp_oxm field; /* SET_FIELD */
};

struct ofp_actions {
    size_t n;
    struct ofp_action *a;
};

enum ofp_instruction_type {
    OFPIT_GOTO_TABLE = 1,
    OFPIT_WRITE_METADATA = 2,
    OFPIT_WRITE_ACTIONS = 3,
    OFPIT_APPLY_ACTIONS = 4,
    OFPIT_CLEAR_ACTIONS = 5,
    OFPIT_METER = 6,
};

struct ofp_instruction {
    uint16_t type;
    uint8_t table_id;                 /* GOTO_TABLE */
    uint64_t metadata, metadata_mask; /* WRITE_METADATA */
    uint32_t meter_id;                /* METER */
    struct ofp_actions actions;       /* WRITE_ACTIONS, APPLY_ACTIONS */
};

struct ofp_instructions {
    size_t n;
    struct ofp_instruction *i;
};

struct ofp_port {
    uint32_t port_no;
    uint8_t hw_addr[6];
    char name[17]; /* NUL-terminated (the wire holds up to 16 bytes) */
    uint32_t config, state, curr, advertised, supported, peer, curr_speed, max_speed;
};
#define OFPPC_PORT_DOWN 1u
#define OFPPS_LINK_DOWN 1u

struct ofp_bytes {
    uint8_t *data;
    size_t len;
};

enum ofp_flow_mod_command {
    OFPFC_ADD,
    OFPFC_MODIFY,
    OFPFC_MODIFY_STRICT,
    OFPFC_DELETE,
    OFPFC_DELETE_STRICT
};
#define OFPFF_SEND_FLOW_REM 1u
#define OFPFF_CHECK_OVERLAP 2u
#define OFPFF_RESET_COUNTS 4u

struct ofp_flow_mod {
    uint64_t cookie, cookie_mask;
    uint8_t table_id;
    uint8_t command;
    uint16_t idle_timeout, hard_timeout, priority;
    uint32_t buffer_id, out_port, out_group;
    uint16_t flags;
    struct ofp_match match;
    struct ofp_instructions instructions; /* 1.0: one APPLY_ACTIONS */
};

struct ofp_bucket {
    uint16_t weight;
    uint32_t watch_port, watch_group;
    struct ofp_actions actions;
};

enum ofp_group_type { OFPGT_ALL, OFPGT_SELECT, OFPGT_INDIRECT, OFPGT_FF };
enum ofp_group_mod_command { OFPGC_ADD, OFPGC_MODIFY, OFPGC_DELETE };

struct ofp_group_mod {
    uint16_t command;
    uint8_t type;
    uint32_t group_id;
    size_t n_buckets;
    struct ofp_bucket *buckets;
};

struct ofp_flow_stats {
    uint8_t table_id;
    uint32_t duration_sec, duration_nsec;
    uint16_t priority, idle_timeout, hard_timeout, flags; /* flags: 1.3 */
    uint64_t cookie, packet_count, byte_count;
    struct ofp_match match;
    struct ofp_instructions instructions; /* 1.0: one APPLY_ACTIONS */
};

struct ofp_port_stats {
    uint32_t port_no;
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped, rx_errors,
        tx_errors;
    uint64_t rx_frame_err, rx_over_err, rx_crc_err, collisions;
    uint32_t duration_sec, duration_nsec;
};

struct ofp_group_stats {
    uint32_t group_id, ref_count;
    uint64_t packet_count, byte_count;
    uint32_t duration_sec, duration_nsec;
    size_t n_buckets;
    uint64_t (*bucket_counters)[2]; /* packets, bytes per bucket */
};

struct ofp_group_desc {
    uint8_t type;
    uint32_t group_id;
    size_t n_buckets;
    struct ofp_bucket *buckets;
};

struct ofp_table_stats {
    uint8_t table_id;
    uint32_t active_count;
    uint64_t lookup_count, matched_count;
    char name[33];                   /* 1.0: NUL-terminated (the wire holds up to 32 bytes) */
    uint32_t wildcards, max_entries; /* 1.0 */
};

enum ofp_multipart_type {
    OFPMP_DESC = 0,
    OFPMP_FLOW = 1,
    OFPMP_AGGREGATE = 2,
    OFPMP_TABLE = 3,
    OFPMP_PORT_STATS = 4,
    OFPMP_GROUP = 6,
    OFPMP_GROUP_DESC = 7,
    OFPMP_PORT_DESC = 13,
};
#define OFPMPF_MORE 1u

struct ofp_multipart {
    uint16_t mp_type;
    uint16_t flags;
    /* requests */
    uint8_t table_id;             /* FLOW, AGGREGATE */
    uint32_t out_port, out_group; /* FLOW, AGGREGATE */
    uint64_t cookie, cookie_mask; /* FLOW, AGGREGATE */
    struct ofp_match match;       /* FLOW, AGGREGATE */
    uint32_t port_no;             /* PORT_STATS */
    uint32_t group_id;            /* GROUP */
    /* replies */
    char mfr_desc[257], hw_desc[257], sw_desc[257], serial_num[33], dp_desc[257]; /* DESC */
    uint64_t packet_count, byte_count;                                            /* AGGREGATE */
    uint32_t flow_count;                                                          /* AGGREGATE */
    size_t n; /* entries of the array in use below */
    struct ofp_flow_stats *flows;
    struct ofp_port_stats *port_stats;
    struct ofp_group_stats *groups;
    struct ofp_group_desc *group_descs;
    struct ofp_table_stats *tables;
    struct ofp_port *ports; /* PORT_DESC */
};

struct ofp_msg {
    uint8_t version;
    uint8_t type; /* enum ofp_type */
    uint32_t xid;
    union {
        struct {
            uint32_t bitmap; /* versions offered; 0 when the hello has none */
        } hello;
        struct {
            uint16_t type, code;
            struct ofp_bytes data;
        } error;
        struct ofp_bytes echo; /* ECHO_REQUEST, ECHO_REPLY */
        struct {
            uint64_t datapath_id;
            uint32_t n_buffers;
            uint8_t n_tables, auxiliary_id;
            uint32_t capabilities;
            uint32_t actions; /* 1.0 */
            size_t n_ports;   /* 1.0 */
            struct ofp_port *ports;
        } features;
        struct {
            uint16_t flags, miss_send_len;
        } config; /* GET_CONFIG_REPLY, SET_CONFIG */
        struct {
            uint32_t buffer_id;
            uint16_t total_len;
            uint8_t reason, table_id;
            uint64_t cookie;
            struct ofp_match match; /* 1.0: in_port only */
            struct ofp_bytes data;
        } packet_in;
        struct {
            uint64_t cookie;
            uint16_t priority;
            uint8_t reason, table_id;
            uint32_t duration_sec, duration_nsec;
            uint16_t idle_timeout, hard_timeout;
            uint64_t packet_count, byte_count;
            struct ofp_match match;
        } flow_removed;
        struct {
            uint8_t reason;
            struct ofp_port desc;
        } port_status;
        struct {
            uint32_t buffer_id, in_port;
            struct ofp_actions actions;
            struct ofp_bytes data;
        } packet_out;
        struct ofp_flow_mod flow_mod;
        struct ofp_group_mod group_mod;
        struct ofp_multipart mp; /* MULTIPART_REQUEST, MULTIPART_REPLY */
        struct {
            uint32_t role;
            uint64_t generation_id;
        } role;
    };
};

/* Returns the length in the header of the message at 'data', or 0 when
 * fewer than 8 bytes are there.  Framing: a length below 8 is a protocol
 * error (the peer is dropped). */
size_t ofp_peek_length(const uint8_t *data, size_t len);

/* Decodes the message in data[0..len) (exactly one message).  On success
 * fills '*msg' (caller frees with ofp_msg_free()) and returns 0. */
enum ofp_err ofp_decode(const uint8_t *data, size_t len, struct ofp_msg *msg);

/* Encodes 'msg' (in its 'version').  Returns a new buffer the caller frees,
 * and its length in '*len'; NULL when the message cannot be expressed in that
 * version (a 1.3-only message asked for in 1.0, ...). */
uint8_t *ofp_encode(const struct ofp_msg *msg, size_t *len);

void ofp_msg_free(struct ofp_msg *msg);
void ofp_actions_free(struct ofp_actions *a);
void ofp_instructions_free(struct ofp_instructions *in);

const char *ofp_type_name(uint8_t type);
const char *ofp_oxm_name(uint8_t field);

/* Builders for the messages the controller sends (owned by the caller's msg). */
void ofp_match_add(struct ofp_match *m, uint8_t field, const void *value, size_t len,
                   const void *mask);
void ofp_match_add_u8(struct ofp_match *m, uint8_t field, uint8_t v);
void ofp_match_add_u16(struct ofp_match *m, uint8_t field, uint16_t v);
void ofp_match_add_u32(struct ofp_match *m, uint8_t field, uint32_t v);
/* Returns the field, or NULL. */
const struct ofp_oxm *ofp_match_find(const struct ofp_match *m, uint8_t field);
/* The match's in_port into '*port'; false when it has none. */
bool ofp_match_in_port(const struct ofp_match *m, uint32_t *port);
struct ofp_action *ofp_actions_push(struct ofp_actions *a, uint16_t type);
void ofp_action_output(struct ofp_actions *a, uint32_t port);
void ofp_action_set_field(struct ofp_actions *a, uint8_t field, const void *value, size_t len);
struct ofp_instruction *ofp_instructions_push(struct ofp_instructions *in, uint16_t type);
/* Fills 'm' with a request for the flows of every table whose cookie matches
 * 'cookie' under 'cookie_mask' (0, 0: all flows). */
void ofp_flow_stats_request(struct ofp_msg *m, uint64_t cookie, uint64_t cookie_mask);

#endif
