/* exp_clients: the clients of a policy run's VMs.  Each VM gets a `minidc
 * load http` of its own, from a host of the lab to the VM's address (the one
 * clients keep when it moves), at a steady rate, each request its own
 * connection with a 1 s timeout and no retry: what a user of the VM's service
 * sees while the policy moves it.  What they saw is put together here:
 * requests sent, answered and failed, and the latency percentiles of all
 * their answers (from each report's histogram buckets, so exact to the
 * histogram's 0.4%, not an average of percentiles). */
#ifndef MINIDC_EXP_EXP_CLIENTS_H
#define MINIDC_EXP_EXP_CLIENTS_H

#include <jansson.h>

struct exp;
struct exp_clients;

#define EXP_CLIENTS_TIMEOUT_MS 1000

/* Starts a client of each VM of 'targets' ([{"vm", "address"}...]) in lab
 * 'lab', sending from node 'from' at 'rate' requests a second for 'seconds';
 * their reports go to files of directory 'dir' named after 'tag'.  NULL (with
 * why on stderr) when one could not start: those started are stopped. */
struct exp_clients *exp_clients_start(struct exp *e, const char *lab, const char *from,
                                      const json_t *targets, double rate, double seconds,
                                      const char *dir, const char *tag);
/* Waits for the clients to end (those still running 'grace_s' after their
 * time are stopped: they report what they saw), and returns {"rate", "from",
 * "timeout_ms", "vms": {VM: report}, "pooled": exp_clients_pool()'s} (new
 * reference); a client whose report cannot be read is said on stderr and
 * left out of "vms" but counted in "pooled"'s "missing".  Frees 'c'. */
json_t *exp_clients_finish(struct exp_clients *c, double grace_s);

/* Pure: the figures of the reports of 'vms' ({VM: load http --json's
 * report}) together: {"clients", "sent", "answered", "failed",
 * "failed_fraction" (of those sent; 0 when none), "unfinished",
 * "latency_ms": {"p50", "p95", "p99", "max"} (null when nothing answered),
 * "longest_gap_ms" (the longest a client went without an answer)}.  A report
 * without its histogram buckets is counted but its latencies are not. */
json_t *exp_clients_pool(const json_t *vms);

#endif
