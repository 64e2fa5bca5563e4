/* l2switch: the reactive learning switch minidcd gives OpenFlow 1.0 switches
 * (the classic controller benchmarks speak 1.0; minidc's network logic is
 * 1.3), and every switch with --app l2.
 *
 * Each switch has a table of where each source MAC address was last seen;
 * a packet-in is answered with a flow to where its destination was seen, or
 * with a packet-out that floods it.  Pure: messages in, messages out. */
#ifndef MINIDC_L2_L2SWITCH_H
#define MINIDC_L2_L2SWITCH_H

#include <stdbool.h>

#include "ofp/ofp.h"

#define L2_TABLE_SIZE                                                                              \
    256 /* entries per switch (see l2switch.c); a newer address takes an older one's place */
#define L2_IDLE_TIMEOUT 60 /* seconds a flow it installs lives unused */
#define L2_PRIORITY 100

struct l2_table;

struct l2_table *l2_table_create(void);
void l2_table_destroy(struct l2_table *t);

/* Learns from the packet-in 'pin' and fills 'reply' with the answer (a
 * flow-mod or a packet-out); false, and nothing to send, when 'pin' has no
 * in_port or too short a frame.  l2_reply_free() frees what 'reply' holds. */
bool l2_packet_in(struct l2_table *t, const struct ofp_msg *pin, struct ofp_msg *reply);
void l2_reply_free(struct ofp_msg *reply);

#endif
