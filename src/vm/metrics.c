/* metrics: the Prometheus text form of the agents' figures (the agent serves
 * its own server's; minidcd serves every server's).  Each family's samples
 * for all servers form one group, as the format requires. */
#include "vm/metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/strbuf.h"

enum fam {
    F_CPU,
    F_MEM_TOTAL,
    F_MEM_AVAIL,
    F_VM_MEM,
    F_NET,
    F_VM_CPU_S,
    F_VM_CPU,
    F_VM_MEMORY,
    F_VM_NET,
    F_VM_DISK,
    F_CPU_CAP,
    F_CPU_USED,
    F_CPU_UTIL,
    F_CPU_THROTTLED,
    F_VM_CPU_USED,
    F_VM_CPU_ALLOC,
    F_VM_CPU_UTIL,
    F_N
};

static const struct {
    const char *name, *type, *help;
} fams[F_N] = {
    [F_CPU] = {"minidc_server_cpu_percent", "gauge",
               "CPU in use on the server, percent of all CPUs"},
    [F_MEM_TOTAL] = {"minidc_server_memory_total_bytes", "gauge", "Memory of the server"},
    [F_MEM_AVAIL] = {"minidc_server_memory_available_bytes", "gauge",
                     "Memory available on the server"},
    [F_VM_MEM] = {"minidc_server_vm_memory_bytes", "gauge",
                  "Memory given to VMs (used) and the most VMs may have"},
    [F_NET] = {"minidc_server_network_bytes_total", "counter",
               "Bytes through each interface of the server"},
    [F_VM_CPU_S] = {"minidc_vm_cpu_seconds_total", "counter", "CPU time of the VM's QEMU threads"},
    [F_VM_CPU] = {"minidc_vm_cpu_percent", "gauge",
                  "CPU of the VM's QEMU threads, percent of one CPU"},
    [F_VM_MEMORY] = {"minidc_vm_memory_bytes", "gauge",
                     "Guest memory (balloon statistics) and QEMU's resident memory"},
    [F_VM_NET] = {"minidc_vm_network_bytes_total", "counter", "Bytes the VM received and sent"},
    [F_VM_DISK] = {"minidc_vm_disk_bytes_total", "counter",
                   "Bytes the VM read from and wrote to its disk"},
    [F_CPU_CAP] = {"minidc_server_cpu_capacity", "gauge",
                   "Host CPUs the server's VMs may use together (its limit)"},
    [F_CPU_USED] = {"minidc_server_cpu_used", "gauge", "Host CPUs the server's VMs use"},
    [F_CPU_UTIL] = {"minidc_server_cpu_utilization", "gauge",
                    "The server's VMs' CPU as a fraction of its capacity (of the machine's CPUs "
                    "when it has no limit)"},
    [F_CPU_THROTTLED] = {"minidc_server_cpu_throttled_seconds_total", "counter",
                         "Time the server's VMs were held back by its CPU limit"},
    [F_VM_CPU_USED] = {"minidc_vm_cpu_used", "gauge", "Host CPUs the VM uses"},
    [F_VM_CPU_ALLOC] = {"minidc_vm_cpu_allocation", "gauge",
                        "Host CPUs allocated to the VM (its cpu_share, else its vCPUs)"},
    [F_VM_CPU_UTIL] = {"minidc_vm_cpu_utilization", "gauge",
                       "The VM's CPU as a fraction of its allocation"},
};

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* 'decimals': 2 for rates and seconds, 0 for bytes. */
static void line(struct strbuf *f, enum fam which, const char *labels, double v, int decimals)
{
    strbuf_printf(&f[which], "%s{%s} %.*f\n", fams[which].name, labels, decimals, v);
}

static void server_lines(struct strbuf *f, const json_t *m)
{
    const json_t *s = json_object_get(m, "server"), *vms = json_object_get(m, "vms");
    const char *srv = json_string_value(json_object_get(s, "name")) ?: "?";
    char l[256];
    snprintf(l, sizeof l, "server=\"%s\"", srv);
    line(f, F_CPU, l, num(s, "cpu_percent"), 2);
    if (json_is_number(json_object_get(s, "cpu_capacity")))
        line(f, F_CPU_CAP, l, num(s, "cpu_capacity"), 3);
    if (json_object_get(s, "cpu_used")) {
        line(f, F_CPU_USED, l, num(s, "cpu_used"), 3);
        line(f, F_CPU_UTIL, l, num(s, "cpu_utilization"), 3);
    }
    if (json_is_number(json_object_get(s, "cpu_throttled_seconds")))
        line(f, F_CPU_THROTTLED, l, num(s, "cpu_throttled_seconds"), 3);
    line(f, F_MEM_TOTAL, l, num(s, "memory_total_bytes"), 0);
    line(f, F_MEM_AVAIL, l, num(s, "memory_available_bytes"), 0);
    snprintf(l, sizeof l, "server=\"%s\",kind=\"used\"", srv);
    line(f, F_VM_MEM, l, num(s, "vm_memory_mib") * 1048576, 0);
    snprintf(l, sizeof l, "server=\"%s\",kind=\"capacity\"", srv);
    line(f, F_VM_MEM, l, num(s, "vm_capacity_mib") * 1048576, 0);
    const char *ifname;
    json_t *ifo;
    json_object_foreach((json_t *)json_object_get(s, "interfaces"), ifname, ifo) {
        snprintf(l, sizeof l, "server=\"%s\",interface=\"%s\",direction=\"rx\"", srv, ifname);
        line(f, F_NET, l, num(ifo, "rx_bytes"), 0);
        snprintf(l, sizeof l, "server=\"%s\",interface=\"%s\",direction=\"tx\"", srv, ifname);
        line(f, F_NET, l, num(ifo, "tx_bytes"), 0);
    }
    size_t i;
    json_t *v;
    json_array_foreach(vms, i, v) {
        const char *vn = json_string_value(json_object_get(v, "name")) ?: "?";
        char base[160];
        snprintf(base, sizeof base, "server=\"%s\",vm=\"%s\"", srv, vn);
        if (json_object_get(v, "cpu_seconds"))
            line(f, F_VM_CPU_S, base, num(v, "cpu_seconds"), 2);
        if (json_object_get(v, "cpu_percent"))
            line(f, F_VM_CPU, base, num(v, "cpu_percent"), 2);
        if (json_object_get(v, "cpu_allocation"))
            line(f, F_VM_CPU_ALLOC, base, num(v, "cpu_allocation"), 3);
        if (json_object_get(v, "cpu_used")) {
            line(f, F_VM_CPU_USED, base, num(v, "cpu_used"), 3);
            line(f, F_VM_CPU_UTIL, base, num(v, "cpu_utilization"), 3);
        }
        const json_t *gm = json_object_get(v, "guest_memory");
        static const char *const kinds[] = {"total", "used", "available"};
        for (size_t k = 0; gm && k < 3; k++) {
            char key[32];
            snprintf(key, sizeof key, "%s_bytes", kinds[k]);
            snprintf(l, sizeof l, "%s,kind=\"%s\"", base, kinds[k]);
            line(f, F_VM_MEMORY, l, num(gm, key), 0);
        }
        if (json_object_get(v, "rss_bytes")) {
            snprintf(l, sizeof l, "%s,kind=\"qemu_rss\"", base);
            line(f, F_VM_MEMORY, l, num(v, "rss_bytes"), 0);
        }
        const json_t *n = json_object_get(v, "net");
        if (n) {
            snprintf(l, sizeof l, "%s,direction=\"rx\"", base);
            line(f, F_VM_NET, l, num(n, "rx_bytes"), 0);
            snprintf(l, sizeof l, "%s,direction=\"tx\"", base);
            line(f, F_VM_NET, l, num(n, "tx_bytes"), 0);
        }
        const json_t *d = json_object_get(v, "disk");
        if (d) {
            snprintf(l, sizeof l, "%s,direction=\"read\"", base);
            line(f, F_VM_DISK, l, num(d, "read_bytes"), 0);
            snprintf(l, sizeof l, "%s,direction=\"written\"", base);
            line(f, F_VM_DISK, l, num(d, "written_bytes"), 0);
        }
    }
}

char *metrics_prometheus(const json_t *servers)
{
    struct strbuf f[F_N], out;
    for (int i = 0; i < F_N; i++)
        strbuf_init(&f[i]);
    size_t i;
    json_t *m;
    json_array_foreach(servers, i, m)
        server_lines(f, m);
    strbuf_init(&out);
    for (int k = 0; k < F_N; k++) {
        if (f[k].len)
            strbuf_printf(&out, "# HELP %s %s\n# TYPE %s %s\n%s", fams[k].name, fams[k].help,
                          fams[k].name, fams[k].type, f[k].s);
        strbuf_free(&f[k]);
    }
    return strbuf_steal(&out);
}
