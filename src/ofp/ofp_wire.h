/* OpenFlow wire layouts, as the OpenFlow 1.3.x (wire version 0x04) and 1.0
 * (0x01) specifications define them.  Only the codec (src/ofp) includes this
 * file; everything else sees the host-order model in ofp.h.
 *
 * Every field is in network byte order.  Every size is checked at compile
 * time against the specification. */
#ifndef MINIDC_OFP_OFP_WIRE_H
#define MINIDC_OFP_OFP_WIRE_H

#include <stdint.h>

#define OFPW_ASSERT_SIZE(type, size) _Static_assert(sizeof(struct type) == (size), #type " size")

struct ofpw_header {
    uint8_t version;
    uint8_t type;
    uint16_t length;
    uint32_t xid;
};
OFPW_ASSERT_SIZE(ofpw_header, 8);

struct ofpw_hello_elem {
    uint16_t type; /* 1: version bitmap */
    uint16_t length;
};
OFPW_ASSERT_SIZE(ofpw_hello_elem, 4);

struct ofpw_error {
    uint16_t type;
    uint16_t code;
};
OFPW_ASSERT_SIZE(ofpw_error, 4);

/* 1.3 */
struct ofpw13_features_reply {
    uint64_t datapath_id;
    uint32_t n_buffers;
    uint8_t n_tables;
    uint8_t auxiliary_id;
    uint8_t pad[2];
    uint32_t capabilities;
    uint32_t reserved;
};
OFPW_ASSERT_SIZE(ofpw13_features_reply, 24);

/* 1.0: followed by ports */
struct ofpw10_features_reply {
    uint64_t datapath_id;
    uint32_t n_buffers;
    uint8_t n_tables;
    uint8_t pad[3];
    uint32_t capabilities;
    uint32_t actions;
};
OFPW_ASSERT_SIZE(ofpw10_features_reply, 24);

struct ofpw_switch_config {
    uint16_t flags;
    uint16_t miss_send_len;
};
OFPW_ASSERT_SIZE(ofpw_switch_config, 4);

struct ofpw13_port {
    uint32_t port_no;
    uint8_t pad[4];
    uint8_t hw_addr[6];
    uint8_t pad2[2];
    char name[16];
    uint32_t config;
    uint32_t state;
    uint32_t curr;
    uint32_t advertised;
    uint32_t supported;
    uint32_t peer;
    uint32_t curr_speed;
    uint32_t max_speed;
};
OFPW_ASSERT_SIZE(ofpw13_port, 64);

struct ofpw10_port {
    uint16_t port_no;
    uint8_t hw_addr[6];
    char name[16];
    uint32_t config;
    uint32_t state;
    uint32_t curr;
    uint32_t advertised;
    uint32_t supported;
    uint32_t peer;
};
OFPW_ASSERT_SIZE(ofpw10_port, 48);

struct ofpw_port_status {
    uint8_t reason;
    uint8_t pad[7];
};
OFPW_ASSERT_SIZE(ofpw_port_status, 8);

/* 1.3: followed by a match, 2 bytes of pad, the frame */
struct ofpw13_packet_in {
    uint32_t buffer_id;
    uint16_t total_len;
    uint8_t reason;
    uint8_t table_id;
    uint64_t cookie;
};
OFPW_ASSERT_SIZE(ofpw13_packet_in, 16);

/* 1.0: followed by the frame.  Packed: 10 bytes, which natural alignment
 * would round up to 12. */
struct __attribute__((packed)) ofpw10_packet_in {
    uint32_t buffer_id;
    uint16_t total_len;
    uint16_t in_port;
    uint8_t reason;
    uint8_t pad;
};
OFPW_ASSERT_SIZE(ofpw10_packet_in, 10);

struct ofpw13_packet_out {
    uint32_t buffer_id;
    uint32_t in_port;
    uint16_t actions_len;
    uint8_t pad[6];
};
OFPW_ASSERT_SIZE(ofpw13_packet_out, 16);

struct ofpw10_packet_out {
    uint32_t buffer_id;
    uint16_t in_port;
    uint16_t actions_len;
};
OFPW_ASSERT_SIZE(ofpw10_packet_out, 8);

/* 1.3: followed by a match, then instructions */
struct ofpw13_flow_mod {
    uint64_t cookie;
    uint64_t cookie_mask;
    uint8_t table_id;
    uint8_t command;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t priority;
    uint32_t buffer_id;
    uint32_t out_port;
    uint32_t out_group;
    uint16_t flags;
    uint8_t pad[2];
};
OFPW_ASSERT_SIZE(ofpw13_flow_mod, 40);

struct ofpw10_match {
    uint32_t wildcards;
    uint16_t in_port;
    uint8_t dl_src[6];
    uint8_t dl_dst[6];
    uint16_t dl_vlan;
    uint8_t dl_vlan_pcp;
    uint8_t pad1;
    uint16_t dl_type;
    uint8_t nw_tos;
    uint8_t nw_proto;
    uint8_t pad2[2];
    uint32_t nw_src;
    uint32_t nw_dst;
    uint16_t tp_src;
    uint16_t tp_dst;
};
OFPW_ASSERT_SIZE(ofpw10_match, 40);

/* 1.0: preceded by a match, followed by actions */
struct ofpw10_flow_mod {
    uint64_t cookie;
    uint16_t command;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t priority;
    uint32_t buffer_id;
    uint16_t out_port;
    uint16_t flags;
};
OFPW_ASSERT_SIZE(ofpw10_flow_mod, 24);

/* 1.3: followed by a match */
struct ofpw13_flow_removed {
    uint64_t cookie;
    uint16_t priority;
    uint8_t reason;
    uint8_t table_id;
    uint32_t duration_sec;
    uint32_t duration_nsec;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint64_t packet_count;
    uint64_t byte_count;
};
OFPW_ASSERT_SIZE(ofpw13_flow_removed, 40);

struct ofpw13_group_mod {
    uint16_t command;
    uint8_t type;
    uint8_t pad;
    uint32_t group_id;
};
OFPW_ASSERT_SIZE(ofpw13_group_mod, 8);

struct ofpw13_bucket {
    uint16_t len;
    uint16_t weight;
    uint32_t watch_port;
    uint32_t watch_group;
    uint8_t pad[4];
};
OFPW_ASSERT_SIZE(ofpw13_bucket, 16);

struct ofpw13_match_header {
    uint16_t type;   /* 1: OXM */
    uint16_t length; /* without the padding */
};
OFPW_ASSERT_SIZE(ofpw13_match_header, 4);

struct ofpw_action_header {
    uint16_t type;
    uint16_t len;
};
OFPW_ASSERT_SIZE(ofpw_action_header, 4);

struct ofpw13_action_output {
    uint16_t type;
    uint16_t len;
    uint32_t port;
    uint16_t max_len;
    uint8_t pad[6];
};
OFPW_ASSERT_SIZE(ofpw13_action_output, 16);

struct ofpw10_action_output {
    uint16_t type;
    uint16_t len;
    uint16_t port;
    uint16_t max_len;
};
OFPW_ASSERT_SIZE(ofpw10_action_output, 8);

struct ofpw_instruction_header {
    uint16_t type;
    uint16_t len;
};
OFPW_ASSERT_SIZE(ofpw_instruction_header, 4);

struct ofpw13_multipart {
    uint16_t type;
    uint16_t flags;
    uint8_t pad[4];
};
OFPW_ASSERT_SIZE(ofpw13_multipart, 8);

struct ofpw10_stats {
    uint16_t type;
    uint16_t flags;
};
OFPW_ASSERT_SIZE(ofpw10_stats, 4);

struct ofpw_desc {
    char mfr_desc[256];
    char hw_desc[256];
    char sw_desc[256];
    char serial_num[32];
    char dp_desc[256];
};
OFPW_ASSERT_SIZE(ofpw_desc, 1056);

/* 1.3 flow and aggregate requests: followed by a match */
struct ofpw13_flow_stats_request {
    uint8_t table_id;
    uint8_t pad[3];
    uint32_t out_port;
    uint32_t out_group;
    uint8_t pad2[4];
    uint64_t cookie;
    uint64_t cookie_mask;
};
OFPW_ASSERT_SIZE(ofpw13_flow_stats_request, 32);

/* 1.0 flow and aggregate requests: preceded by a match */
struct ofpw10_flow_stats_request {
    uint8_t table_id;
    uint8_t pad;
    uint16_t out_port;
};
OFPW_ASSERT_SIZE(ofpw10_flow_stats_request, 4);

/* 1.3: followed by a match, then instructions */
struct ofpw13_flow_stats {
    uint16_t length;
    uint8_t table_id;
    uint8_t pad;
    uint32_t duration_sec;
    uint32_t duration_nsec;
    uint16_t priority;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t flags;
    uint8_t pad2[4];
    uint64_t cookie;
    uint64_t packet_count;
    uint64_t byte_count;
};
OFPW_ASSERT_SIZE(ofpw13_flow_stats, 48);

/* 1.0: followed by actions */
struct ofpw10_flow_stats {
    uint16_t length;
    uint8_t table_id;
    uint8_t pad;
    struct ofpw10_match match;
    uint32_t duration_sec;
    uint32_t duration_nsec;
    uint16_t priority;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint8_t pad2[6];
    uint64_t cookie;
    uint64_t packet_count;
    uint64_t byte_count;
};
OFPW_ASSERT_SIZE(ofpw10_flow_stats, 88);

struct ofpw13_aggregate_reply {
    uint64_t packet_count;
    uint64_t byte_count;
    uint32_t flow_count;
    uint8_t pad[4];
};
OFPW_ASSERT_SIZE(ofpw13_aggregate_reply, 24);

struct ofpw13_table_stats {
    uint8_t table_id;
    uint8_t pad[3];
    uint32_t active_count;
    uint64_t lookup_count;
    uint64_t matched_count;
};
OFPW_ASSERT_SIZE(ofpw13_table_stats, 24);

#define OFPW10_MAX_TABLE_NAME_LEN 32
struct ofpw10_table_stats {
    uint8_t table_id;
    uint8_t pad[3];
    char name[OFPW10_MAX_TABLE_NAME_LEN];
    uint32_t wildcards;
    uint32_t max_entries;
    uint32_t active_count;
    uint64_t lookup_count;
    uint64_t matched_count;
};
OFPW_ASSERT_SIZE(ofpw10_table_stats, 64);

struct ofpw13_port_stats_request {
    uint32_t port_no;
    uint8_t pad[4];
};
OFPW_ASSERT_SIZE(ofpw13_port_stats_request, 8);

struct ofpw13_port_stats {
    uint32_t port_no;
    uint8_t pad[4];
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped, rx_errors,
        tx_errors;
    uint64_t rx_frame_err, rx_over_err, rx_crc_err, collisions;
    uint32_t duration_sec;
    uint32_t duration_nsec;
};
OFPW_ASSERT_SIZE(ofpw13_port_stats, 112);

struct ofpw13_group_stats_request {
    uint32_t group_id;
    uint8_t pad[4];
};
OFPW_ASSERT_SIZE(ofpw13_group_stats_request, 8);

/* followed by bucket counters */
struct ofpw13_group_stats {
    uint16_t length;
    uint8_t pad[2];
    uint32_t group_id;
    uint32_t ref_count;
    uint8_t pad2[4];
    uint64_t packet_count;
    uint64_t byte_count;
    uint32_t duration_sec;
    uint32_t duration_nsec;
};
OFPW_ASSERT_SIZE(ofpw13_group_stats, 40);

struct ofpw13_bucket_counter {
    uint64_t packet_count;
    uint64_t byte_count;
};
OFPW_ASSERT_SIZE(ofpw13_bucket_counter, 16);

/* followed by buckets */
struct ofpw13_group_desc {
    uint16_t length;
    uint8_t type;
    uint8_t pad;
    uint32_t group_id;
};
OFPW_ASSERT_SIZE(ofpw13_group_desc, 8);

struct ofpw13_role_request {
    uint32_t role;
    uint8_t pad[4];
    uint64_t generation_id;
};
OFPW_ASSERT_SIZE(ofpw13_role_request, 16);

#endif
