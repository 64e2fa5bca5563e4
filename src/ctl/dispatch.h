/* dispatch: where what the switches say goes, in minidcd.
 *
 * OpenFlow 1.3 switches go to the network logic (src/net), unless minidcd
 * runs with --app l2; OpenFlow 1.0 switches, and every switch with --app l2,
 * get the reactive learning switch (src/l2), a table each.  Flow tables the
 * API asked a switch for go back to the API, port counters to portstats; a
 * switch that goes away ends the API's requests waiting for it.  This is the
 * one place that knows them all; ofconn knows none of them.  Event loop
 * thread only. */
#ifndef MINIDC_CTL_DISPATCH_H
#define MINIDC_CTL_DISPATCH_H

#include <stdbool.h>

#include "ctl/ofconn.h"

struct api;
struct net;
struct portstats;
struct dispatch;

struct dispatch *dispatch_create(struct net *net, bool app_l2);
/* Frees the learning switch's tables too. */
void dispatch_destroy(struct dispatch *d);
/* The io for ofconns_create(). */
struct ofconn_io dispatch_io(struct dispatch *d);
/* What it answers through and reports to, once they exist (the API needs
 * the connections, which need the io). */
void dispatch_attach(struct dispatch *d, struct ofconns *switches, struct api *api,
                     struct portstats *ports);

#endif
