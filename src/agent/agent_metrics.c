/* The agent's metrics: what a placement algorithm looks at to decide a move.
 * Server: CPU use (from /proc/stat), load, memory, bytes per interface.
 * VM: CPU of its QEMU threads, QEMU's resident memory, the guest's own memory
 * figures from the balloon, bytes through its tap, bytes read and written on
 * its disk.  Rates (CPU %) are over the interval since the previous call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vm/metrics.h"
#include "vm/qmp.h"

LOG_MODULE("metrics");

static pthread_mutex_t prev_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long prev_busy, prev_total;
static double prev_pct;

static double server_cpu_percent(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[10] = {0};
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 4)
        return 0;
    unsigned long long total = 0, idle = v[3] + v[4];
    for (int i = 0; i < 8; i++)
        total += v[i];
    pthread_mutex_lock(&prev_lock);
    if (prev_total && total > prev_total)
        prev_pct = 100.0 * (double)((total - idle) - prev_busy) / (double)(total - prev_total);
    prev_busy = total - idle;
    prev_total = total;
    double pct = prev_pct;
    pthread_mutex_unlock(&prev_lock);
    return pct;
}

static long long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long long kb = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n) && line[n] == ':') {
            kb = atoll(line + n + 1);
            break;
        }
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

/* Bytes received and sent on each interface of this namespace. */
static json_t *net_dev(void)
{
    json_t *o = json_object();
    FILE *f = fopen("/proc/net/dev", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *name = line + strspn(line, " ");
        unsigned long long rx, rxp, tx, txp, skip;
        if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &rx, &rxp, &skip,
                   &skip, &skip, &skip, &skip, &skip, &tx, &txp) == 10)
            json_object_set_new(
                o, name,
                json_pack("{s:I, s:I}", "rx_bytes", (json_int_t)rx, "tx_bytes", (json_int_t)tx));
    }
    if (f)
        fclose(f);
    return o;
}

/* The id a device was given on QEMU's command line ("vda"), from its QOM
 * path ("/machine/peripheral/vda/virtio-backend"), into 'buf'. */
static const char *device_id(const char *qdev, char *buf, size_t n)
{
    static const char pre[] = "/machine/peripheral/";
    if (!qdev || !*qdev)
        return "?";
    const char *id = strncmp(qdev, pre, sizeof pre - 1) ? qdev : qdev + sizeof pre - 1;
    size_t len = strcspn(id, "/");
    snprintf(buf, n, "%.*s", (int)len, id);
    return buf;
}

/* What QEMU found broken in the VM: a disk whose I/O status is no longer
 * ok, a virtio device it marked broken (it then ignores the guest's
 * requests: the guest's disk or network hangs while the VM runs on).
 * Returns a description (caller frees) or NULL. */
static char *qemu_problem(struct qmp *q, const char *dir)
{
    struct strbuf p;
    strbuf_init(&p);
    json_t *r = NULL;
    char *err = NULL;
    size_t i;
    json_t *b;
    if (qmp_call(q, "query-block", NULL, &r, &err, 1000) == 0)
        json_array_foreach(r, i, b) {
            const char *io = json_string_value(json_object_get(b, "io-status"));
            if (io && strcmp(io, "ok")) {
                char dev[64];
                strbuf_printf(
                    &p, "%sdisk %s: I/O status %s", p.len ? "; " : "",
                    device_id(json_string_value(json_object_get(b, "qdev")), dev, sizeof dev), io);
            }
        }
    json_decref(r), r = NULL;
    free(err), err = NULL;
    /* A disk error QEMU's error policy stops the guest on (a full disk). */
    if (p.len && qmp_call(q, "query-status", NULL, &r, &err, 1000) == 0 &&
        !strcmp(json_string_value(json_object_get(r, "status")) ?: "", "io-error"))
        strbuf_puts(&p, " (QEMU paused the guest on it)");
    json_decref(r), r = NULL;
    free(err), err = NULL;
    if (qmp_call(q, "x-query-virtio", NULL, &r, &err, 1000) == 0)
        json_array_foreach(r, i, b) {
            const char *path = json_string_value(json_object_get(b, "path"));
            json_t *st = NULL;
            if (path &&
                qmp_call(q, "x-query-virtio-status", json_pack("{s:s}", "path", path), &st, &err,
                         1000) == 0 &&
                json_is_true(json_object_get(st, "broken")))
                strbuf_printf(&p, "%s%s marked broken by QEMU", p.len ? "; " : "",
                              json_string_value(json_object_get(b, "name")) ?: path);
            json_decref(st);
            free(err), err = NULL;
        }
    json_decref(r);
    free(err);
    if (!p.len) {
        strbuf_free(&p);
        return NULL;
    }
    char *tail = agent_log_tail(dir, "qemu.log");
    if (*tail)
        strbuf_printf(&p, " (qemu.log: %s)", tail);
    free(tail);
    return p.s;
}

/* What QEMU knows of the guest: balloon memory figures and disk bytes;
 * '*problem' gets what it found broken (see qemu_problem()). */
static void qemu_figures(const char *dir, json_t *o, char **problem)
{
    char *sock = xasprintf("%s/qmp.sock", dir), *err = NULL;
    struct qmp *q = qmp_open(sock, 1000, &err);
    free(sock);
    free(err), err = NULL;
    *problem = NULL;
    if (!q)
        return;
    *problem = qemu_problem(q, dir);
    json_t *r = NULL;
    /* The guest reports its memory every 2 s once asked to. */
    qmp_call(q, "qom-set",
             json_pack("{s:s, s:s, s:i}", "path", "/machine/peripheral/balloon0", "property",
                       "guest-stats-polling-interval", "value", 2),
             NULL, &err, 1000);
    free(err), err = NULL;
    if (qmp_call(q, "qom-get",
                 json_pack("{s:s, s:s}", "path", "/machine/peripheral/balloon0", "property",
                           "guest-stats"),
                 &r, &err, 1000) == 0) {
        json_t *st = json_object_get(r, "stats");
        json_int_t total = json_integer_value(json_object_get(st, "stat-total-memory"));
        json_int_t avail = json_integer_value(json_object_get(st, "stat-available-memory"));
        json_int_t free_ = json_integer_value(json_object_get(st, "stat-free-memory"));
        if (total > 0)
            json_object_set_new(o, "guest_memory",
                                json_pack("{s:I, s:I, s:I, s:I}", "total_bytes", total,
                                          "free_bytes", free_, "available_bytes", avail,
                                          "used_bytes", total - avail));
    }
    json_decref(r), r = NULL;
    free(err), err = NULL;
    if (qmp_call(q, "query-blockstats", NULL, &r, &err, 1000) == 0) {
        json_int_t rd = 0, wr = 0;
        size_t i;
        json_t *b;
        json_array_foreach(r, i, b) {
            json_t *s = json_object_get(b, "stats");
            rd += json_integer_value(json_object_get(s, "rd_bytes"));
            wr += json_integer_value(json_object_get(s, "wr_bytes"));
        }
        json_object_set_new(o, "disk",
                            json_pack("{s:I, s:I}", "read_bytes", rd, "written_bytes", wr));
    }
    json_decref(r);
    free(err);
    qmp_close(q);
}

json_t *agent_metrics_json(struct agent *a)
{
    json_t *ifs = net_dev();
    json_t *server = json_pack(
        "{s:s, s:f, s:I, s:I, s:i, s:i, s:O}", "name", a->server, "cpu_percent",
        server_cpu_percent(), "memory_total_bytes", (json_int_t)meminfo("MemTotal"),
        "memory_available_bytes", (json_int_t)meminfo("MemAvailable"), "vm_capacity_mib",
        (int)a->capacity_mib, "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "interfaces", ifs);
    double load[3];
    if (getloadavg(load, 3) == 3)
        json_object_set_new(server, "load", json_pack("[f, f, f]", load[0], load[1], load[2]));
    /* A snapshot of the VMs, so that QMP is not asked with the lock held. */
    struct snap {
        char *name, *dir, *tap;
        pid_t pid;
        bool busy;
        unsigned mem;
        double alloc; /* host CPUs */
    } * vs;
    pthread_mutex_lock(&a->lock);
    size_t n = a->n_vms;
    vs = xcalloc(n + 1, sizeof *vs);
    unsigned used = 0;
    for (size_t i = 0; i < n; i++) {
        struct avm *v = a->vms[i];
        vs[i] = (struct snap){xstrdup(v->name),
                              xstrdup(v->dir),
                              xstrdup(v->tap),
                              v->pid,
                              v->busy || v->state != AVM_RUNNING,
                              v->memory_mib,
                              avm_allocation(v)};
        used += v->memory_mib;
    }
    pthread_mutex_unlock(&a->lock);
    json_object_set_new(server, "vm_memory_mib", json_integer(used));
    json_t *vms = json_array();
    double used_cpus = 0; /* host CPUs the VMs used since the last sample */
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:i, s:f}", "name", vs[i].name, "memory_mib", (int)vs[i].mem,
                              "cpu_allocation", vs[i].alloc);
        double cpu_s;
        long long rss;
        if (proc_usage(vs[i].pid, &cpu_s, &rss) == 0) {
            /* Its rate is over the time between its own two readings: the
             * QMP calls of the VMs before it (tens of milliseconds, more on
             * a loaded machine) do not count in it. */
            double now = proc_now();
            json_object_set_new(o, "cpu_seconds", json_real(cpu_s));
            json_object_set_new(o, "rss_bytes", json_integer(rss));
            pthread_mutex_lock(&a->lock);
            struct avm *v = agent_find(a, vs[i].name);
            if (v) {
                if (v->cpu_prev_t > 0 && now > v->cpu_prev_t)
                    v->cpu_pct = 100.0 * (cpu_s - v->cpu_prev_s) / (now - v->cpu_prev_t);
                v->cpu_prev_s = cpu_s;
                v->cpu_prev_t = now;
                json_object_set_new(o, "cpu_percent", json_real(v->cpu_pct));
                /* In host CPUs, and as a fraction of what it was allocated. */
                json_object_set_new(o, "cpu_used", json_real(v->cpu_pct / 100));
                json_object_set_new(o, "cpu_utilization",
                                    json_real(v->cpu_pct / 100 / vs[i].alloc));
                used_cpus += v->cpu_pct / 100;
            }
            pthread_mutex_unlock(&a->lock);
        }
        /* The tap's receive is the VM's send. */
        json_t *tap = json_object_get(ifs, vs[i].tap);
        if (tap)
            json_object_set_new(o, "net",
                                json_pack("{s:O, s:O}", "rx_bytes",
                                          json_object_get(tap, "tx_bytes"), "tx_bytes",
                                          json_object_get(tap, "rx_bytes")));
        if (!vs[i].busy) {
            char *problem;
            qemu_figures(vs[i].dir, o, &problem);
            if (problem)
                json_object_set_new(o, "problem", json_string(problem));
            pthread_mutex_lock(&a->lock);
            struct avm *v = agent_find(a, vs[i].name);
            if (v && !v->busy) {
                if (problem && (!v->problem || strcmp(problem, v->problem)))
                    LOG_ERR_("%s: %s", v->name, problem);
                free(v->problem);
                v->problem = problem;
                problem = NULL;
            }
            pthread_mutex_unlock(&a->lock);
            free(problem);
        }
        json_array_append_new(vms, o);
        free(vs[i].name);
        free(vs[i].dir);
        free(vs[i].tap);
    }
    free(vs);
    /* The server's CPU: its capacity (its group's limit; null: the
     * machine's), what its VMs used of it, and how long they were held
     * back by the limit. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double capacity = a->cpu_limit > 0 ? a->cpu_limit : (double)(ncpu > 0 ? ncpu : 1);
    double throttled = agent_cgroup_throttled(a);
    json_object_set_new(server, "cpu_capacity",
                        a->cpu_limit > 0 ? json_real(a->cpu_limit) : json_null());
    json_object_set_new(server, "cpu_used", json_real(used_cpus));
    json_object_set_new(server, "cpu_utilization", json_real(used_cpus / capacity));
    json_object_set_new(server, "cpu_throttled_seconds",
                        throttled >= 0 ? json_real(throttled) : json_null());
    json_decref(ifs); /* the server's and the VMs' figures hold what they need of it */
    return json_pack("{s:o, s:o}", "server", server, "vms", vms);
}

char *agent_metrics_prometheus(struct agent *a)
{
    json_t *m = agent_metrics_json(a);
    json_t *all = json_pack("[o]", m);
    char *text = metrics_prometheus(all);
    json_decref(all);
    return text;
}
