/* minidc-agent: runs one server's VMs.
 *
 * Each VM is its own QEMU process (daemonized, so VMs outlive the agent) with
 * its files in DIR/vms/NAME/: disk.qcow2 (overlay over the shared base),
 * qmp.sock, qga.sock, console.log, qemu.log (QEMU's own messages), qemu.pid,
 * vm.json (what the agent needs to adopt it again after a restart) and,
 * while its memory's digest is made, memory.dump.  The agent serves an
 * HTTP/JSON API on the management network (agentproto/agent_proto.h); each
 * request runs in a thread of its own, and a VM is busy while an operation
 * holds it. */
#ifndef MINIDC_AGENT_AGENT_H
#define MINIDC_AGENT_AGENT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct qmp;

enum avm_state {
    AVM_BOOTING, /* QEMU started, guest not ready yet */
    AVM_RUNNING,
    AVM_INCOMING, /* waiting for a migration or clone */
    AVM_PAUSED,   /* paused by an operation (migration sent, not yet committed) */
};

struct avm {
    char *name, *mac, *ip, *gw;
    unsigned memory_mib, cpus;
    double cpu_share; /* host CPUs allocated to it (its limit); 0: its vCPUs' worth, unlimited */
    char *dir, *tap;
    pid_t pid;
    enum avm_state state;
    bool busy;      /* an operation holds it */
    const char *op; /* which, for messages */
    double created;
    bool incoming;     /* arrived, not yet started: an agent that finds it at
                        * start removes it (the transfer was cut short) */
    bool arrived;      /* incoming, and all of the VM is here (its incoming
                        * migration completed): it could be started */
    char *problem;     /* what QEMU reported broken (a device, the disk); NULL: none */
    char *peer;        /* incoming: the source's address, admitted to... */
    unsigned ports[2]; /* ...its NBD and migration ports (0: none) */
    /* metrics: previous sample, for rates */
    double cpu_prev_s, cpu_prev_t, cpu_pct;
};

struct agent {
    char *server;          /* this server's name */
    char *dir;             /* state directory */
    char *image_dir;       /* guest image: vmlinuz, initrd.img, base.qcow2 */
    char *bridge;          /* the server's bridge VMs' taps join */
    char *data_addr;       /* this server's address on the data network (migrations) */
    char *mgmt_addr;       /* on the management network (the API's; migrations too) */
    char *token;           /* shared with minidcd; NULL: no authentication */
    char *accel;           /* "kvm" or "tcg" */
    char qemu_version[16]; /* "10.0.2"; "" when unknown */
    bool live_migration;   /* false: the guest is paused while its memory is sent
                            * (TCG with a QEMU before 9.0 loses pages otherwise) */
    unsigned capacity_mib; /* memory VMs may use */
    pthread_mutex_t lock;  /* guards vms[] and every avm's fields */
    struct avm **vms;
    size_t n_vms, cap_vms;
    bool firewall; /* nftables guards it (not --no-firewall): only then is nft run */
    /* --cgroup: the group its VMs' QEMUs go under, one group each
     * (agent_cgroup.c); NULL: none, VMs cannot be given a CPU share. */
    char *cgroup;
    bool cgroup_v2;
    double cpu_limit; /* the group's limit, in host CPUs; 0: none */
};

/* The ports a destination opens for transfers (NBD and incoming migration),
 * on its data address; only the source of each transfer may reach them. */
#define AGENT_TRANSFER_PORT_MIN 7100u
#define AGENT_TRANSFER_PORT_MAX 7163u

/* Operations.  Each returns an HTTP status and fills '*out' with the reply
 * (an object with "error" on failure). */
/* agent_vm.c */
int agent_boot(struct agent *a, json_t *req, json_t **out);
int agent_destroy(struct agent *a, const char *name, bool graceful, json_t **out);
int agent_list(struct agent *a, json_t **out);
int agent_get(struct agent *a, const char *name, json_t **out);
int agent_info(struct agent *a, json_t **out);
/* agent_send.c */
int agent_send(struct agent *a, const char *name, json_t *req, json_t **out);
int agent_resume(struct agent *a, const char *name, json_t **out);
/* agent_incoming.c */
int agent_prepare_incoming(struct agent *a, json_t *req, json_t **out);
int agent_finish_incoming(struct agent *a, const char *name, json_t *req, json_t **out);
/* agent_exec.c */
int agent_exec(struct agent *a, const char *name, json_t *req, json_t **out);
/* Finds VMs left by an earlier agent: adopts those whose QEMU still answers
 * (a source whose send it cut short is put back running; one whose
 * migration completed stays paused), removes arrivals and what is left of
 * the others (agent_adopt.c). */
void agent_adopt(struct agent *a);

/* Firewall (agent_firewall.c, nftables): the management address is not
 * reachable from the data network (--bridge), and the transfer ports only
 * from the source admitted for each.  Without 'a->firewall' these do
 * nothing (no nft is run). */
int agent_firewall_init(struct agent *a, const char *mgmt_addr, char **err);
/* Admits VM 'v''s peer to its transfer ports ('on'), or no longer. */
void agent_firewall_admit_peer(const struct agent *a, struct avm *v, bool on);

/* CPU (agent_cgroup.c): each VM's QEMU in a group of its own under the
 * agent's --cgroup, limited to its share (cpu_share) and weighted by it, so
 * that a busy VM gets its share unless the server is saturated (then they
 * share in proportion).  A VM's allocation: its share, else its vCPUs. */
int agent_cgroup_init(struct agent *a, const char *path, char **err);
int agent_cgroup_place(struct agent *a, const struct avm *v, char **err);
void agent_cgroup_remove(const struct agent *a, const struct avm *v);
double avm_allocation(const struct avm *v);
/* What the server's group was held back (seconds); -1 without a group. */
double agent_cgroup_throttled(const struct agent *a);

/* Metrics (agent_metrics.c): server and per-VM figures. */
json_t *agent_metrics_json(struct agent *a);
char *agent_metrics_prometheus(struct agent *a);

/* Helpers shared by the agent's files. */
struct avm *agent_find(struct agent *a, const char *name); /* lock held */
const char *avm_state_name(enum avm_state s);
json_t *avm_json(const struct avm *v);
/* The last non-empty line of log 'file' in VM directory 'dir' (console.log,
 * qemu.log), "" when none; caller frees. */
char *agent_log_tail(const char *dir, const char *file);

/* What the agent's files share besides.  Each file calls only files listed
 * before it, so that none depends on one that depends on it
 * (scripts/measure --cycles):
 *   agent_firewall.c  the firewall, a VM's peer admitted to its ports
 *   agent_cgroup.c    the VMs' CPU groups
 *   agent_vm.c        the VM table, phases, a VM's files and QEMU; boot,
 *                     destroy, list, get, info
 *   agent_metrics.c   the server's and the VMs' figures
 *   agent_transfer.c  what both halves of a transfer watch
 *   agent_send.c      the source half; resume
 *   agent_incoming.c  the destination half: prepare, finish
 *   agent_exec.c      commands in a guest
 *   agent_adopt.c     an earlier agent's VMs, at start
 *   agent_main.c      options, the HTTP server, requests to operations */

/* How long a QMP call may take unless it says otherwise. */
#define AGENT_QMP_TIMEOUT_MS 5000

/* agent_vm.c: the table (called without the lock) */
void avm_free(struct avm *v); /* NULL: nothing */
/* Marks VM 'name' busy with operation 'op' in '*vp'; when it is not there or
 * busy, fills '*out' and returns the status (else 200). */
int agent_take(struct agent *a, const char *name, const char *op, struct avm **vp, json_t **out);
/* Ends the operation on 'v', which is left in 'state'. */
void agent_give_back(struct agent *a, struct avm *v, enum avm_state state);
/* A new VM, not in the table yet, from request 'req'; NULL with '*out' set
 * when 'req' is not a valid VM. */
struct avm *agent_parse_vm(struct agent *a, json_t *req, json_t **out);
/* Lists 'v' (taken: freed on failure), busy with 'op', in 'state'; fails
 * with the status and '*out' when its name is taken or its memory does not
 * fit. */
int agent_admit(struct agent *a, struct avm *v, enum avm_state state, const char *op, json_t **out);
/* An IPv4 address, with "/LENGTH" when 'with_len' and only then. */
bool agent_valid_ip(const char *s, bool with_len);

/* agent_vm.c: what an operation did and how long each step took, for its
 * reply ("timing") */
struct agent_phases {
    json_t *list;
    double t0, last;
};
void agent_phases_start(struct agent_phases *p);
void agent_phase_done(struct agent_phases *p, const char *name);
json_t *agent_phases_json(struct agent_phases *p); /* hands over p->list */

/* agent_vm.c: a VM's files and QEMU */
char *avm_path(const struct avm *v, const char *file); /* in its directory; caller frees */
int avm_save(const struct avm *v);                     /* vm.json */
void avm_remove_files(const char *dir);
bool agent_qemu_gone(pid_t pid);
void avm_kill_qemu(struct avm *v);
struct qmp *avm_qmp(const struct avm *v, char **err);
/* Has the guest tell the network where it is (gratuitous ARP / RARP, as
 * after a migration), over QMP session 'q'; a failure is only logged. */
void avm_announce(const struct avm *v, struct qmp *q);
/* Makes the VM's overlay, starts its QEMU (waiting for a migration when
 * 'incoming'), records it in vm.json and puts its tap in the bridge. */
int agent_start_qemu(struct agent *a, struct avm *v, bool incoming, char **err);
/* Stops its QEMU and removes all of 'v': tap, admission, files, its place
 * in the table; frees it. */
void agent_teardown(struct agent *a, struct avm *v);

/* agent_transfer.c */
struct memdigest;
int agent_wait_migration(struct qmp *q, const char *until, double timeout_s, double stall_s,
                         bool *stalled, json_t **info, char **err);
int avm_memory_digest(const struct avm *v, struct qmp *q, struct memdigest *d, char **err);

/* agent_send.c: puts a source an earlier agent's send left behind back as
 * it was, when no destination can have all of it. */
void agent_settle_cut_send(struct avm *v, struct qmp *q);

#endif
