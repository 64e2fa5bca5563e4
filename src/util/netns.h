/* netns: network namespaces by name (as `ip netns` keeps them under
 * /run/netns) and what the lab must do inside them without a helper program.
 *
 * Errors: negative errno. */
#ifndef MINIDC_UTIL_NETNS_H
#define MINIDC_UTIL_NETNS_H

#include <stdbool.h>
#include <stddef.h>

bool netns_exists(const char *name);

/* Moves this thread into namespace 'ns'; '*saved' gets what to come back to
 * with netns_leave().  0 or a negative errno (nothing changed then). */
int netns_enter(const char *ns, int *saved);
/* Comes back; aborts if it cannot, rather than go on in the wrong namespace. */
void netns_leave(int saved);
/* Moves this thread into a new, unnamed namespace holding only loopback (up):
 * what it and its children start talks to nothing but itself.  '*saved' as
 * for netns_enter(). */
int netns_enter_private(int *saved);

/* Turns TX checksum offload off on each of 'ifnames' inside namespace 'ns'
 * (NULL: the current one), as `ethtool -K IF tx off` does.  Without it, TCP
 * through Open vSwitch's userspace datapath stalls on veth pairs. */
int netns_tx_checksum_off(const char *ns, const char *const *ifnames, size_t n);

/* Fills 'pids' (caller frees) with the processes whose network namespace is
 * 'name'; returns how many, or a negative errno. */
long netns_pids(const char *name, int **pids);

/* Starts argv inside namespace 'ns' (setns in the child; no mount changes),
 * stdio on /dev/null.  Returns the pid or a negative errno. */
int netns_spawn(const char *ns, const char *const argv[]);

#endif
