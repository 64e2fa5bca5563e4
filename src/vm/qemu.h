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
    const char *mac;       /* 02:6d:... */
    const char *ip;        /* ADDR/LEN */
    const char *gw;
    unsigned memory_mib;
    unsigned cpus;
    const char *dir;       /* the VM's files: disk.qcow2, qmp.sock, qga.sock, console.log, qemu.pid */
    const char *image_dir; /* vmlinuz, initrd.img, base.qcow2 */
    const char *tap;
    const char *accel;     /* "kvm" or "tcg" */
    bool incoming;         /* wait for a migration (-incoming defer), paused (-S) */
};

/* The QEMU system emulator for this host ("qemu-system-x86_64"). */
const char *qemu_binary(void);
/* NULL-terminated argv (caller frees with qemu_argv_free()). */
char **qemu_argv(const struct vm_spec *s);
void qemu_argv_free(char **argv);

/* Whether KVM can boot this guest kernel here: boots it with -accel kvm and
 * no root disk and waits up to 'timeout_ms' for the kernel to reach its panic
 * (then QEMU exits, -no-reboot).  A KVM that hangs or is absent says no. */
bool qemu_kvm_works(const char *image_dir, int timeout_ms);

#endif
