/* metrics: server and VM figures as an agent reports them in JSON:
 *   {"server": {"name", "cpu_percent", "memory_total_bytes",
 *               "memory_available_bytes", "vm_memory_mib", "vm_capacity_mib",
 *               "interfaces": {IF: {"rx_bytes", "tx_bytes"}}, "load": [..]},
 *    "vms": [{"name", "memory_mib", "cpu_seconds", "cpu_percent", "rss_bytes",
 *             "guest_memory": {...}, "net": {...}, "disk": {...}}]}
 * rendered in the Prometheus text exposition format. */
#ifndef MINIDC_VM_METRICS_H
#define MINIDC_VM_METRICS_H

#include <jansson.h>

/* 'servers' is an array of per-server objects as above; caller frees. */
char *metrics_prometheus(const json_t *servers);

#endif
