/* recorder: minidcd's figures into its history (hist/hist.h), a round at
 * each of its polls: every server's and VM's from the agents' metrics (a
 * server whose figures did not change since the last round, not polled
 * again yet, gets a gap rather than the same sample twice), and every
 * link's from the switches' port counters.
 *
 * Series: server/NAME/{cpu_used, cpu_utilization, cpu_throttled_fraction,
 * vm_memory_mib, memory_available_bytes}; vm/NAME/{cpu_used,
 * cpu_utilization, cpu_allocation, memory_used_bytes, rss_bytes,
 * net_rx_bytes_per_second, net_tx_bytes_per_second,
 * disk_read_bytes_per_second, disk_written_bytes_per_second}; and
 * portstats.h's link/...; and each address with current demand (demand.h,
 * its ports summed): service/ADDRESS/{requests_per_second,
 * failed_per_second, p95_ms} (p95_ms only when a report has one; at most
 * 256 addresses, the lowest).  Event loop thread only. */
#ifndef MINIDC_CTL_RECORDER_H
#define MINIDC_CTL_RECORDER_H

#include <jansson.h>

struct demand;
struct hist;
struct portstats;
struct recorder;

struct recorder *recorder_create(struct hist *h);
void recorder_destroy(struct recorder *r);
/* A round at 'now' (wall clock): 'servers' is vmctl_metrics_json()'s
 * array, 'links' and 'demand' may be NULL (all borrowed); 'demand_now' is
 * the time of the demand's clock (demand.h). */
void recorder_round(struct recorder *r, double now, const json_t *servers,
                    const struct portstats *links, const struct demand *demand, double demand_now);

#endif
