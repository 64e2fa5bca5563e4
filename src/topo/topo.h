/* topo: the data center's topology, as a topology file describes it.
 *
 * A topology has switches, servers (machines that run VMs), external hosts
 * (the paper's "Internet"), links between them, IP subnets (each served by one
 * switch, which answers its gateway address), a management network and the
 * controller's addresses.  The same file describes an emulated lab and real
 * machines; emulation-only settings sit apart in 'emu'.
 *
 * Addresses are IPv4 in host byte order.  See docs/topology.md for the file. */
#ifndef MINIDC_TOPO_TOPO_H
#define MINIDC_TOPO_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/diag.h"

/* Switch names become bridge names and, with "-NNN" appended, port names:
 * Linux interface names hold at most 15 characters. */
#define TOPO_SWITCH_NAME_MAX 10
#define TOPO_NODE_NAME_MAX 32
#define TOPO_LAB_NAME_MAX 10
/* Ports are numbered 1..TOPO_PORT_MAX on each switch. */
#define TOPO_PORT_MAX 999
/* A server's power model: watts at 0%, 10%, ..., 100% CPU load (a SPECpower
 * table; a linear model is 11 points on its line).  At most TOPO_POWER_MAX_W
 * each. */
#define TOPO_POWER_POINTS 11
#define TOPO_POWER_MAX_W 100000.0

enum topo_kind { TOPO_SWITCH, TOPO_SERVER, TOPO_HOST };

struct topo_prefix {
    uint32_t addr;
    int len;
};

struct topo_subnet {
    char *name;
    struct topo_prefix prefix;
    uint32_t gateway;
    size_t sw; /* index into nodes[] of the switch that serves it */
    struct diag_pos pos;
};

struct topo_node {
    char *name;
    enum topo_kind kind;
    struct diag_pos pos;
    /* switches */
    uint64_t dpid;
    bool dpid_given; /* written in the file (a real switch) rather than derived */
    unsigned next_port;
    /* servers and hosts */
    uint32_t addr;
    size_t subnet;       /* index into subnets[] */
    uint32_t mgmt;       /* management address (servers); 0 when none */
    unsigned memory_mib; /* memory its VMs may use (servers); 0: what the machine has */
    double cpu;          /* host CPUs its VMs may use together (servers); 0: no limit */
    struct diag_pos cpu_pos;
    /* servers: its power model, servers[].power, else topo_power_default;
     * not decreasing, each above 0 and at most TOPO_POWER_MAX_W */
    double power_w[TOPO_POWER_POINTS];
    struct diag_pos power_pos; /* {0, 0}: not written */
    size_t sw;                 /* the switch it hangs on */
    unsigned sw_port;          /* that switch's port number towards it */
};

/* What a link carries: its bandwidth, and the delay and loss the lab adds
 * (each direction alike); 0: none (as fast as the datapath, no delay, no
 * loss).  Where each was written, for messages that depend on the machine
 * (a kernel without sch_netem cannot add delay or loss). */
struct topo_link_props {
    double bandwidth_mbit; /* Mbit/s */
    double delay_ms;
    double loss_pct; /* percent of packets */
    struct diag_pos bandwidth_pos, delay_pos, loss_pos;
};

struct topo_link {
    size_t a, b;                  /* node indices, as written */
    unsigned a_port, b_port;      /* switch port numbers; 0 on a server or host end */
    struct topo_link_props props; /* its own, else 'link-defaults' */
    struct diag_pos pos;
};

/* Where the controller rewrites a VM's address after a move across subnets. */
enum topo_rewrite_at {
    TOPO_REWRITE_ROOT,    /* the topology's center, as in the paper */
    TOPO_REWRITE_NEAREST, /* the switch of the VM's new subnet */
};

/* The network a migration's or a clone's stream takes between servers. */
enum topo_migration_net {
    TOPO_MIGRATION_DATA,       /* the data network, through the switches (the paper's) */
    TOPO_MIGRATION_MANAGEMENT, /* the management network: off the clients' path */
};

struct topo_emu {
    uint32_t switch_mgmt; /* the emulated switches' address on the management network */
};

/* Where the file wrote what the checks may find at fault, for their
 * messages; {0, 0} where it wrote nothing. */
struct topo_where {
    struct diag_pos name;        /* the 'name' value */
    struct diag_pos ctl;         /* the 'controller.openflow' value */
    struct diag_pos switch_mgmt; /* the 'emulation.switch-management' value */
    struct diag_pos switches;    /* the 'switches' key */
};

struct topo {
    char *name;
    char *file;
    struct topo_node *nodes;
    size_t n_nodes;
    struct topo_subnet *subnets;
    size_t n_subnets;
    struct topo_link *links;
    size_t n_links;
    struct topo_prefix mgmt;
    uint32_t ctl_addr; /* controller: address switches connect to */
    uint16_t ctl_of_port;
    uint32_t api_addr; /* controller: HTTP API */
    uint16_t api_port;
    enum topo_rewrite_at rewrite_at;
    enum topo_migration_net migration_net;
    struct topo_emu emu;
    struct topo_where where;
};

/* Reads and checks topology file 'path' (at most TOPO_FILE_MAX bytes).  On
 * success returns the topology (caller frees with topo_free()); on failure
 * returns NULL and appends every problem found to 'diags' (which the caller
 * initialised). */
struct topo *topo_load(const char *path, struct diag_list *diags);
#define TOPO_FILE_MAX (64u << 20)
/* Same from the 'len' bytes at 'data' in memory (any bytes: a NUL is
 * reported like the file's would be); 'name' is the file name to report.  The
 * caller keeps 'data'. */
struct topo *topo_load_buffer(const char *name, const void *data, size_t len,
                              struct diag_list *diags);
/* Same from a C string. */
struct topo *topo_load_string(const char *name, const char *text, struct diag_list *diags);
void topo_free(struct topo *t);

/* Whether 's' can name a lab: a letter, then letters, digits or '_', at most
 * TOPO_LAB_NAME_MAX characters (it prefixes namespace and interface names). */
bool topo_valid_lab_name(const char *s);

/* "root" or "nearest" into '*out'; -1 for anything else. */
int topo_parse_rewrite_at(const char *s, enum topo_rewrite_at *out);
const char *topo_rewrite_at_name(enum topo_rewrite_at at);
/* "data" or "management". */
int topo_parse_migration_net(const char *s, enum topo_migration_net *out);
const char *topo_migration_net_name(enum topo_migration_net n);

/* The named power models of servers[].power, hp-ml110-g4 and hp-ml110-g5:
 * CloudSim's PlanetLab servers (SPECpower_ssj2008 results of the HP
 * ProLiant ML110 G4 and G5). */
struct topo_power_preset {
    const char *name;
    double w[TOPO_POWER_POINTS];
};
/* The preset named 'name', or NULL. */
const struct topo_power_preset *topo_power_preset(const char *name);
/* A server's model when its file says none: hp-ml110-g4. */
const struct topo_power_preset *topo_power_default(void);
/* The 11 points of the linear model from 'idle_w' to 'max_w' into 'w'. */
void topo_power_linear(double idle_w, double max_w, double w[TOPO_POWER_POINTS]);

/* Returns the index of node 'name', or -1. */
long topo_find(const struct topo *t, const char *name);
size_t topo_count(const struct topo *t, enum topo_kind kind);
const char *topo_kind_name(enum topo_kind kind);

/* Number of switches a packet crosses from node 'a' to node 'b' on a shortest
 * path (for a switch endpoint, the switch itself counts); -1 when unreachable. */
int topo_switches_crossed(const struct topo *t, size_t a, size_t b);

/* The datapath id minidc derives for a switch named 'name' (stable, 48 bits). */
uint64_t topo_derive_dpid(const char *name);

/* Link 'l' of 't' by its ends, a switch's with its port: "ovs1:2-ovs2:1",
 * "ovs4:2-server1" (the name the API and the metrics give it); into 'buf'
 * (TOPO_LINK_NAME_MAX bytes hold any), returns buf. */
#define TOPO_LINK_NAME_MAX (2 * TOPO_NODE_NAME_MAX + 12)
char *topo_link_name(const struct topo *t, const struct topo_link *l, char *buf, size_t n);

/* Formats 'addr' (host order) into 'buf' (at least 16 bytes); returns buf. */
char *topo_ip_str(uint32_t addr, char *buf);
bool topo_prefix_contains(struct topo_prefix p, uint32_t addr);
uint32_t topo_prefix_mask(int len);

/* Runs every semantic check on a topology built by the reader; appends
 * problems to 'diags' and returns how many it found.  Derives what the file
 * leaves out (ports, datapath ids, attachments). */
size_t topo_check(struct topo *t, struct diag_list *diags);

/* Writes a topology file for a tree of 'depth' switch levels, each switch
 * with 'fanout' children, and 'per_leaf' servers on each leaf switch, plus an
 * Internet host on the root.  Returns the YAML text (caller frees) or NULL
 * with a message in 'err' when the sizes are out of range. */
struct topo_gen_tree {
    int depth;
    int fanout;
    int per_leaf;
    const char *name;
};
char *topo_gen_tree(const struct topo_gen_tree *p, char **err);

#endif
