#include "vm/qemu.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/proc.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static bool is_arm64(void)
{
    struct utsname u;
    return uname(&u) == 0 && !strcmp(u.machine, "aarch64");
}

const char *qemu_binary(void)
{
    const char *env = getenv("MINIDC_QEMU");
    if (env && *env)
        return env;
    return is_arm64() ? "qemu-system-aarch64" : "qemu-system-x86_64";
}

bool qemu_parse_version(const char *text, int *major, int *minor, int *micro)
{
    const char *p = text ? strstr(text, "QEMU emulator version ") : NULL;
    if (!p)
        return false;
    *micro = 0;
    return sscanf(p, "QEMU emulator version %d.%d.%d", major, minor, micro) >= 2;
}

bool qemu_version(int *major, int *minor, int *micro)
{
    const char *argv[] = {qemu_binary(), "--version", NULL};
    struct strbuf out;
    strbuf_init(&out);
    bool ok = proc_run(argv, &(struct proc_opts){.out = &out, .timeout_ms = 10000}) == 0 &&
              qemu_parse_version(out.s, major, minor, micro);
    strbuf_free(&out);
    return ok;
}

bool qemu_tcg_live_migration_safe(int major, int minor)
{
    (void)minor;
    return major >= 9;
}

int qemu_ram_ranges(unsigned memory_mib, struct qemu_ram_range r[2])
{
    const unsigned long long mib = 1ull << 20, gib = 1ull << 30, size = memory_mib * mib;
    if (is_arm64()) {
        r[0] = (struct qemu_ram_range){gib, size};
        return 1;
    }
    /* q35 keeps RAM below 0xb0000000 when it fits there, else puts 2 GiB
     * below 4 GiB and the rest above (hw/i386/pc_q35.c). */
    if (size < 0xb0000000ull) {
        r[0] = (struct qemu_ram_range){0, size};
        return 1;
    }
    r[0] = (struct qemu_ram_range){0, 2 * gib};
    r[1] = (struct qemu_ram_range){4 * gib, size - 2 * gib};
    return 2;
}

struct args {
    char **v;
    size_t n, cap;
};

static void add(struct args *a, const char *s)
{
    xgrow(&a->v, &a->cap, a->n + 2, sizeof *a->v);
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

static void addf(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    add(a, s);
    free(s);
}

char **qemu_argv(const struct vm_spec *s)
{
    struct args a = {0};
    bool arm = is_arm64(), kvm = !strcmp(s->accel, "kvm");
    add(&a, qemu_binary());
    addf(&a, "-name");
    addf(&a, "%s,process=minidc-vm-%s", s->name, s->name);
    add(&a, "-accel");
    add(&a, s->accel);
    add(&a, "-machine");
    /* q35 booted every time under TCG here; microvm hangs in TSC calibration
     * without tsc_early_khz.  On arm64 the generic "virt" board.  Without
     * the HPET an idle guest costs half: Linux otherwise keeps waking for it
     * (measured under TCG: 1.5% of a host CPU against 2.5-3.1%; docs/vms.md). */
    add(&a, arm ? "virt,gic-version=max" : "q35,hpet=off");
    if (arm || kvm) {
        add(&a, "-cpu");
        add(&a, kvm ? "host" : "max");
    }
    add(&a, "-nodefaults");
    add(&a, "-no-user-config");
    const char *fw = getenv("MINIDC_QEMU_FIRMWARE");
    if (fw && *fw) {
        add(&a, "-L");
        add(&a, fw);
    }
    add(&a, "-m");
    addf(&a, "%u", s->memory_mib);
    add(&a, "-smp");
    addf(&a, "%u", s->cpus);
    add(&a, "-kernel");
    addf(&a, "%s/vmlinuz", s->image_dir);
    add(&a, "-initrd");
    addf(&a, "%s/initrd.img", s->image_dir);
    add(&a, "-append");
    /* tsc=reliable: no clocksource watchdog waking to check the TSC (QEMU's
     * is steady), nowatchdog: no lockup detector's timer; 1.2% against 1.5%
     * idle. */
    /* no_timer_check: Linux checks at boot that the 8254 timer's
     * interrupt arrives through the IO-APIC within a few ticks; a vCPU held
     * to a small CPU share misses that window and the kernel panics ("IO-APIC
     * + timer doesn't work!", seen in CI with two VMs of share 0.15 booting
     * on a server of 0.2). */
    addf(&a,
         "console=%s quiet tsc=reliable nowatchdog no_timer_check minidc.name=%s minidc.ip=%s "
         "minidc.gw=%s",
         arm ? "ttyAMA0" : "ttyS0", s->name, s->ip, s->gw);
    add(&a, "-blockdev");
    addf(&a, "driver=qcow2,node-name=disk0,file.driver=file,file.filename=%s/disk.qcow2", s->dir);
    add(&a, "-device");
    add(&a, "virtio-blk-pci,drive=disk0,id=vda");
    add(&a, "-netdev");
    addf(&a, "tap,id=n0,ifname=%s,script=no,downscript=no", s->tap);
    add(&a, "-device");
    addf(&a, "virtio-net-pci,netdev=n0,id=nic0,mac=%s", s->mac);
    add(&a, "-chardev");
    addf(&a, "socket,id=qmp,path=%s/qmp.sock,server=on,wait=off", s->dir);
    add(&a, "-mon");
    add(&a, "chardev=qmp,mode=control");
    add(&a, "-chardev");
    addf(&a, "socket,id=qga,path=%s/qga.sock,server=on,wait=off", s->dir);
    add(&a, "-device");
    add(&a, "virtio-serial-pci,id=vser0");
    add(&a, "-device");
    add(&a, "virtserialport,chardev=qga,name=org.qemu.guest_agent.0,id=qga0"); /* an id:
                                                                                  VSERPORT_CHANGE */
    add(&a, "-device");
    add(&a, "virtio-balloon-pci,id=balloon0");
    add(&a, "-serial");
    addf(&a, "file:%s/console.log", s->dir);
    add(&a, "-display");
    add(&a, "none");
    /* QEMU's own messages (a device it marks broken, a disk error) go to
     * qemu.log: with -D, -daemonize keeps its stderr there instead of
     * /dev/null. */
    add(&a, "-D");
    addf(&a, "%s/qemu.log", s->dir);
    add(&a, "-msg");
    add(&a, "timestamp=on");
    if (s->incoming) {
        add(&a, "-S");
        add(&a, "-incoming");
        add(&a, "defer");
    }
    add(&a, "-daemonize");
    add(&a, "-pidfile");
    addf(&a, "%s/qemu.pid", s->dir);
    return a.v;
}

void qemu_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

bool qemu_kvm_works(const char *image_dir, int timeout_ms)
{
    if (access("/dev/kvm", R_OK | W_OK) != 0)
        return false;
    char *kernel = xasprintf("%s/vmlinuz", image_dir);
    const char *argv[] = {qemu_binary(),
                          "-accel",
                          "kvm",
                          "-machine",
                          is_arm64() ? "virt,gic-version=max" : "q35",
                          "-cpu",
                          "host",
                          "-nodefaults",
                          "-no-user-config",
                          "-m",
                          "128",
                          "-display",
                          "none",
                          "-no-reboot",
                          "-serial",
                          "stdio",
                          "-kernel",
                          kernel,
                          "-append",
                          is_arm64() ? "console=ttyAMA0 panic=-1 root=/dev/nonexistent"
                                     : "console=ttyS0 panic=-1 root=/dev/nonexistent",
                          NULL};
    struct strbuf out;
    strbuf_init(&out);
    struct proc_opts o = {.out = &out, .timeout_ms = timeout_ms};
    int rc = proc_run(argv, &o);
    /* The kernel ran to its panic (no root disk) and QEMU left on the reboot. */
    bool ok = rc == 0 && strstr(out.s, "Kernel panic");
    strbuf_free(&out);
    free(kernel);
    return ok;
}
