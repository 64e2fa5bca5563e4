/* The agent's firewall (nftables, in the server's network namespace or on
 * the machine): what only minidc may reach.
 *
 *  - The management address (the agent's API) is not reachable from the
 *    data network: a guest on the server's bridge could otherwise reach its
 *    own server's agent.
 *  - The ports a destination opens for a transfer (QEMU's NBD export of the
 *    arriving disk and its incoming migration, on the data or the
 *    management address) accept only the source: each
 *    transfer adds its source's address and port to a set, and everything
 *    else to those ports is dropped, so a stranger can neither write to a
 *    moving VM's disk nor break its move by connecting first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

LOG_MODULE("firewall");

#define TABLE "minidc_agent"

int agent_firewall_init(struct agent *a, const char *mgmt_addr, char **err)
{
    if (!a->firewall) {
        LOG_WRN("no firewall (--no-firewall): the data network reaches the agent's API and the "
                "transfer ports");
        return 0;
    }
    /* Made anew (the first two lines make deleting it safe). */
    /* A transfer listens on the data address or the management one. */
    char *at = strcmp(mgmt_addr, a->data_addr) ? xasprintf("{ %s, %s }", a->data_addr, mgmt_addr)
                                               : xstrdup(a->data_addr);
    char *rules =
        xasprintf("table ip " TABLE " {}\n"
                  "delete table ip " TABLE "\n"
                  "table ip " TABLE " {\n"
                  "  set transfer_peers { type ipv4_addr . inet_service; }\n"
                  "  chain input {\n"
                  "    type filter hook input priority filter; policy accept;\n"
                  "    iifname \"%s\" ip daddr %s drop\n"
                  "    ip daddr %s tcp dport %u-%u"
                  " ip saddr . tcp dport @transfer_peers accept\n"
                  "    ip daddr %s tcp dport %u-%u drop\n"
                  "  }\n"
                  "}\n",
                  a->bridge, mgmt_addr, at, AGENT_TRANSFER_PORT_MIN, AGENT_TRANSFER_PORT_MAX, at,
                  AGENT_TRANSFER_PORT_MIN, AGENT_TRANSFER_PORT_MAX);
    free(at);
    const char *argv[] = {"nft", "-f", "-", NULL};
    struct strbuf e;
    strbuf_init(&e);
    int rc = proc_run(argv, &(struct proc_opts){.input = rules, .err = &e, .timeout_ms = 10000});
    free(rules);
    if (rc != 0) {
        e.s[strcspn(e.s, "\n")] = '\0';
        *err = rc < 0 ? xstrdup("cannot run nft (Debian package nftables)")
                      : xasprintf("nft: %s", e.s);
    }
    strbuf_free(&e);
    return rc == 0 ? 0 : -1;
}

static int peer(const char *op, const char *addr, unsigned port)
{
    char elem[64];
    snprintf(elem, sizeof elem, "{ %s . %u }", addr, port);
    const char *argv[] = {"nft", op, "element", "ip", TABLE, "transfer_peers", elem, NULL};
    return proc_run_logged("firewall", argv, NULL) == 0 ? 0 : -1;
}

/* Lets the source reach the VM's transfer ports, or no longer. */
void agent_firewall_admit_peer(const struct agent *a, struct avm *v, bool on)
{
    for (int i = 0; i < 2 && a->firewall && v->peer; i++)
        if (v->ports[i])
            peer(on ? "add" : "delete", v->peer, v->ports[i]);
}
