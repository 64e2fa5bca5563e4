/* qemu: how minidc starts QEMU for a VM (pure: builds the command line), and
 * which accelerator this host can use.
 *
 * A VM is one QEMU process of the host's own architecture: the guest kernel
 * and initramfs from the image directory, its disk a qcow2 overlay over the
 * shared base image (a -blockdev node "disk0", so it can be exported over NBD
 * for a migration), a virtio NIC on a tap QEMU creates (gone when QEMU goes),
 * a QMP socket, the guest agent's virtio-serial channel and a balloon for the
 * guest's memory statistics. */
#ifndef MINIDC_VM_QEMU_H
#define MINIDC_VM_QEMU_H

#include <stdbool.h>

struct vm_spec {
    const char *name;
    const char *mac; /* 02:6d:... */
    const char *ip;  /* ADDR/LEN */
    const char *gw;
    unsigned memory_mib;
    unsigned cpus;
    const char
        *dir; /* the VM's files: disk.qcow2, qmp.sock, qga.sock, console.log, qemu.log, qemu.pid */
    const char *image_dir; /* vmlinuz, initrd.img, base.qcow2 */
    const char *tap;
    const char *accel; /* "kvm" or "tcg" */
    bool incoming;     /* wait for a migration (-incoming defer), paused (-S) */
};

/* The QEMU system emulator for this host ("qemu-system-x86_64"), or the
 * program named by the environment variable MINIDC_QEMU (another build of
 * QEMU; MINIDC_QEMU_FIRMWARE then names its firmware directory, QEMU's -L). */
const char *qemu_binary(void);

/* QEMU's version as "QEMU emulator version X.Y.Z ..." in 'text' (what
 * `qemu-system-* --version` prints); false when 'text' says none. */
bool qemu_parse_version(const char *text, int *major, int *minor, int *micro);
/* Asks qemu_binary() for its version; false when it cannot be run. */
bool qemu_version(int *major, int *minor, int *micro);

/* Whether live migration of a guest under TCG keeps every page: QEMU before
 * 9.0 loses guest RAM writes while it migrates (its dirty bitmap is cleared
 * without flushing TCG's TLB; fixed by upstream commit 03bfc2188f). */
bool qemu_tcg_live_migration_safe(int major, int minor);

/* The guest-physical ranges holding a VM's RAM of 'memory_mib' on the
 * machine qemu_argv() makes (q35: below 2 GiB, the rest above 4 GiB, when
 * it does not fit under the PCI hole; arm64 virt: from 1 GiB).  Fills up to
 * two ranges and returns how many. */
struct qemu_ram_range {
    unsigned long long start, size;
};
int qemu_ram_ranges(unsigned memory_mib, struct qemu_ram_range r[2]);
/* NULL-terminated argv (caller frees with qemu_argv_free()). */
char **qemu_argv(const struct vm_spec *s);
void qemu_argv_free(char **argv);

/* Whether KVM can boot this guest kernel here: boots it with -accel kvm and
 * no root disk and waits up to 'timeout_ms' for the kernel to reach its panic
 * (then QEMU exits, -no-reboot).  A KVM that hangs or is absent says no. */
bool qemu_kvm_works(const char *image_dir, int timeout_ms);

#endif
