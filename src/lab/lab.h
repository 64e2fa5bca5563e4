/* lab: the emulated data center on one machine.
 *
 * A lab is built from a topology: one network namespace per server and per
 * external host, and one namespace named after the lab itself (the "fabric")
 * that holds the lab's private ovsdb-server and ovs-vswitchd, one Open vSwitch
 * bridge (userspace datapath) per switch, the switch ends of every link (veth
 * pairs) and the management network (a Linux bridge holding the controller's
 * and the switches' management addresses: the controller runs there).  The
 * root namespace is not touched.
 *
 * Every kernel object is named after the lab ("fig1", "fig1-server1") and
 * recorded in the lab's state before it is made, so that a
 * failure half-way, or `lab down` after a crash, removes exactly what the lab
 * made and nothing else.  State lives in /run/minidc/labs/NAME/.
 *
 * Errors: functions return 0 on success, non-zero after printing what failed
 * (to stderr) and what state things are in. */
#ifndef MINIDC_LAB_LAB_H
#define MINIDC_LAB_LAB_H

#include <stdbool.h>

struct lab_up_opts {
    const char *file; /* topology file */
    const char *name; /* lab name; NULL: the topology's name */
    bool standalone;  /* fail_mode=standalone, no controller */
    bool tls;         /* switches reach the controller over TLS, clients the API over HTTPS,
                         with a lab PKI */
    bool quiet;       /* no progress lines */
    /* shared objects of placement policies minidcd loads (--policy-path);
     * kept with the lab, so a minidcd restarted by `up` loads them too */
    const char *const *policy_paths;
    size_t n_policy_paths;
};

int lab_up(const struct lab_up_opts *opts);
/* Removes lab 'name' entirely; succeeds when there is nothing to remove. */
int lab_down(const char *name, bool quiet);
/* Prints lab 'name' (NULL: every lab) as text or JSON. */
int lab_status(const char *name, bool json);
/* Runs argv inside node 'node' of lab 'name' (switch names run in the fabric,
 * with the lab's Open vSwitch tools pointed at its private daemons).
 * Returns the command's exit status. */
int lab_exec(const char *name, const char *node, char *const argv[]);
/* Node 'node' of lab 'name', as lab_exec() finds it: the namespace it runs
 * in (caller frees; the fabric for a switch) and its data address in 'addr'
 * (16 bytes: dotted IPv4; "" for a switch or the fabric).  0, or non-zero
 * after saying why. */
int lab_node_find(const char *name, const char *node, char **netns, char *addr);
/* Whether this process's network namespace is one of lab 'name''s (a
 * node's or the fabric): where the lab's addresses are reached. */
bool lab_in_netns(const char *name);
/* Pings between every ordered pair of servers and hosts that should reach
 * each other in the lab's mode; prints a matrix.  0 when all answered. */
int lab_pingall(const char *name, bool all_pairs, bool json);

/* Where lab 'name''s controller API listens: namespace (caller frees),
 * address (16 bytes) and port, the file of the token its requests carry
 * (caller frees), and the CA its HTTPS certificate is signed by (caller
 * frees; NULL when it speaks plain HTTP).  0, or non-zero after saying why. */
int lab_api_endpoint(const char *name, char **netns, char *addr, unsigned short *port,
                     char **token_file, char **tls_ca);

/* The tc batch lines ("qdisc replace dev DEV ...") that give a veth end
 * 'dev' a link's bandwidth, delay and loss on its egress (one direction):
 * a tbf at the rate (a 2 ms bucket, at least ten full frames, a 50 ms
 * queue), netem below it for delay and loss; nothing for a link with none.
 * The lab shapes both ends of every link so; experiments shape their
 * baselines alike. */
struct strbuf;
struct topo_link_props;
void lab_link_qdiscs(struct strbuf *cmds, const char *dev, const struct topo_link_props *p);

/* The lab name to use when none is given: $MINIDC_LAB, else the only lab
 * that is up, else NULL (with a message) when there are none or several. */
char *lab_default_name(void);

#endif
