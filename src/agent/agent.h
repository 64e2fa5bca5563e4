/* minidc-agent: runs one server's VMs.
 *
 * Each VM is its own QEMU process (daemonized, so VMs outlive the agent) with
 * its files in DIR/vms/NAME/: disk.qcow2 (overlay over the shared base),
 * qmp.sock, qga.sock, console.log, qemu.pid and vm.json (what the agent needs
 * to adopt it again after a restart).  The agent serves an HTTP/JSON API on
 * the management network (agentproto/agent_proto.h); each request runs in a
 * thread of its own, and a VM is busy while an operation holds it. */
#ifndef MINIDC_AGENT_AGENT_H
#define MINIDC_AGENT_AGENT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum avm_state {
    AVM_BOOTING,  /* QEMU started, guest not ready yet */
    AVM_RUNNING,
    AVM_INCOMING, /* waiting for a migration or clone */
    AVM_PAUSED,   /* paused by an operation (migration sent, not yet committed) */
};

struct avm {
    char *name, *mac, *ip, *gw;
    unsigned memory_mib, cpus;
    char *dir, *tap;
    pid_t pid;
    enum avm_state state;
    bool busy;           /* an operation holds it */
    const char *op;      /* which, for messages */
    double created;
    bool incoming;       /* arrived, not yet started: an agent that finds it at
                          * start removes it (the transfer was cut short) */
    bool arrived;        /* incoming, and all of the VM is here (its incoming
                          * migration completed): it could be started */
    char *problem;       /* what QEMU reported broken (a device, the disk); NULL: none */
    char *peer;          /* incoming: the source's data address, admitted to... */
    unsigned ports[2];   /* ...its NBD and migration ports (0: none) */
    /* metrics: previous sample, for rates */
    double cpu_prev_s, cpu_prev_t, cpu_pct;
};

struct agent {
    char *server;        /* this server's name */
    char *dir;           /* state directory */
    char *image_dir;     /* guest image: vmlinuz, initrd.img, base.qcow2 */
    char *bridge;        /* the server's bridge VMs' taps join */
    char *data_addr;     /* this server's address on the data network (migrations) */
    char *token;         /* shared with minidcd; NULL: no authentication */
    char *accel;         /* "kvm" or "tcg" */
    char qemu_version[16]; /* "10.0.2"; "" when unknown */
    bool live_migration; /* false: the guest is paused while its memory is sent
                          * (TCG with a QEMU before 9.0 loses pages otherwise) */
    unsigned capacity_mib; /* memory VMs may use */
    pthread_mutex_t lock;  /* guards vms[] and every avm's fields */
    struct avm **vms;
    size_t n_vms, cap_vms;
    bool firewall;       /* agent_firewall_init() succeeded */
};

/* The ports a destination opens for transfers (NBD and incoming migration),
 * on its data address; only the source of each transfer may reach them. */
#define AGENT_TRANSFER_PORT_MIN 7100u
#define AGENT_TRANSFER_PORT_MAX 7163u

/* Operations (agent_vm.c).  Each returns an HTTP status and fills '*out'
 * with the reply (an object with "error" on failure). */
int agent_boot(struct agent *a, json_t *req, json_t **out);
int agent_prepare_incoming(struct agent *a, json_t *req, json_t **out);
int agent_send(struct agent *a, const char *name, json_t *req, json_t **out);
int agent_finish_incoming(struct agent *a, const char *name, json_t *req, json_t **out);
int agent_resume(struct agent *a, const char *name, json_t **out);
int agent_destroy(struct agent *a, const char *name, bool graceful, json_t **out);
int agent_exec(struct agent *a, const char *name, json_t *req, json_t **out);
int agent_list(struct agent *a, json_t **out);
int agent_get(struct agent *a, const char *name, json_t **out);
int agent_info(struct agent *a, json_t **out);
/* Finds VMs left by an earlier agent: adopts those whose QEMU still answers
 * (a source whose send it cut short is put back running; one whose
 * migration completed stays paused), removes arrivals and what is left of
 * the others. */
void agent_adopt(struct agent *a);

/* Firewall (agent_firewall.c, nftables): the management address is not
 * reachable from the data network (--bridge), and the transfer ports only
 * from the source admitted for each. */
int agent_firewall_init(struct agent *a, const char *mgmt_addr, char **err);
int agent_firewall_admit(const char *addr, unsigned port);
void agent_firewall_revoke(const char *addr, unsigned port);

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

#endif
