/* Tests of src/vm/qemu.c: the QEMU command line of a VM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/qemu.h"

static const struct vm_spec spec = {
    .name = "vm1",
    .mac = "02:6d:c6:12:04:01",
    .ip = "198.18.4.1/24",
    .gw = "198.18.4.254",
    .memory_mib = 256,
    .cpus = 2,
    .dir = "/run/vms/vm1",
    .image_dir = "/img",
    .tap = "t-vm1",
    .accel = "tcg",
};

/* The value that follows option 'opt' (the n-th occurrence), or NULL. */
static const char *after(char **argv, const char *opt, int n)
{
    for (size_t i = 0; argv[i]; i++)
        if (!strcmp(argv[i], opt) && n-- == 0)
            return argv[i + 1];
    return NULL;
}

static bool has(char **argv, const char *opt, const char *value_part)
{
    for (int n = 0; after(argv, opt, n); n++)
        if (strstr(after(argv, opt, n), value_part))
            return true;
    return false;
}

static void test_boot_line(void **state)
{
    (void)state;
    char **argv = qemu_argv(&spec);
    assert_string_equal(argv[0], qemu_binary());
    assert_string_equal(after(argv, "-accel", 0), "tcg");
    assert_string_equal(after(argv, "-m", 0), "256");
    assert_string_equal(after(argv, "-smp", 0), "2");
    assert_string_equal(after(argv, "-kernel", 0), "/img/vmlinuz");
    assert_string_equal(after(argv, "-initrd", 0), "/img/initrd.img");
    /* The guest learns its identity from the kernel command line. */
    const char *append = after(argv, "-append", 0);
    assert_non_null(strstr(append, "minidc.name=vm1 "));
    assert_non_null(strstr(append, "minidc.ip=198.18.4.1/24 "));
    assert_non_null(strstr(append, "minidc.gw=198.18.4.254"));
    /* What an idle guest wakes for, cut (docs/vms.md: the idle cost). */
    assert_non_null(strstr(append, " tsc=reliable nowatchdog "));
    assert_string_equal(after(argv, "-machine", 0), "q35,hpet=off");
    /* The overlay is node "disk0" (what a migration exports over NBD). */
    assert_true(has(argv, "-blockdev", "node-name=disk0"));
    assert_true(has(argv, "-blockdev", "file.filename=/run/vms/vm1/disk.qcow2"));
    assert_true(has(argv, "-netdev", "ifname=t-vm1"));
    assert_true(has(argv, "-device", "mac=02:6d:c6:12:04:01"));
    assert_true(has(argv, "-chardev", "path=/run/vms/vm1/qmp.sock"));
    assert_true(has(argv, "-chardev", "path=/run/vms/vm1/qga.sock"));
    assert_true(has(argv, "-device", "name=org.qemu.guest_agent.0"));
    assert_true(has(argv, "-device", "virtio-balloon"));
    assert_string_equal(after(argv, "-pidfile", 0), "/run/vms/vm1/qemu.pid");
    assert_null(after(argv, "-incoming", 0));
    for (size_t i = 0; argv[i]; i++)
        assert_string_not_equal(argv[i], "-S");
    qemu_argv_free(argv);
}

static void test_incoming_line(void **state)
{
    (void)state;
    struct vm_spec s = spec;
    s.incoming = true;
    s.accel = "kvm";
    char **argv = qemu_argv(&s);
    assert_string_equal(after(argv, "-incoming", 0), "defer");
    bool paused = false;
    for (size_t i = 0; argv[i]; i++)
        paused |= !strcmp(argv[i], "-S");
    assert_true(paused);
    /* Under KVM the guest gets the host's CPU. */
    assert_string_equal(after(argv, "-cpu", 0), "host");
    qemu_argv_free(argv);
}

static void test_version(void **state)
{
    (void)state;
    int ma, mi, mc;
    assert_true(qemu_parse_version(
        "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)\n"
        "Copyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers\n",
        &ma, &mi, &mc));
    assert_int_equal(ma, 10), assert_int_equal(mi, 0), assert_int_equal(mc, 2);
    assert_true(qemu_parse_version("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)",
                                   &ma, &mi, &mc));
    assert_int_equal(ma, 7), assert_int_equal(mi, 2), assert_int_equal(mc, 22);
    assert_true(qemu_parse_version("QEMU emulator version 9.0", &ma, &mi, &mc));
    assert_int_equal(mc, 0);
    assert_false(qemu_parse_version("qemu-system-x86_64: not found", &ma, &mi, &mc));
    assert_false(qemu_parse_version(NULL, &ma, &mi, &mc));
    /* The dirty-bitmap fix (03bfc2188f) is in 9.0. */
    assert_false(qemu_tcg_live_migration_safe(7, 2));
    assert_false(qemu_tcg_live_migration_safe(8, 2));
    assert_true(qemu_tcg_live_migration_safe(9, 0));
    assert_true(qemu_tcg_live_migration_safe(10, 0));
    /* The machine's own version is one of them. */
    assert_true(qemu_version(&ma, &mi, &mc));
    assert_true(ma >= 2);
}

static void test_ram_ranges(void **state)
{
    (void)state;
    struct qemu_ram_range r[2];
#ifdef __x86_64__
    assert_int_equal(qemu_ram_ranges(128, r), 1);
    assert_true(r[0].start == 0 && r[0].size == 128ull << 20);
    assert_int_equal(qemu_ram_ranges(2815, r), 1);
    /* 2.75 GiB and more: 2 GiB under the PCI hole, the rest from 4 GiB. */
    assert_int_equal(qemu_ram_ranges(4096, r), 2);
    assert_true(r[0].start == 0 && r[0].size == 2ull << 30);
    assert_true(r[1].start == 4ull << 30 && r[1].size == 2ull << 30);
#else
    assert_int_equal(qemu_ram_ranges(128, r), 1);
    assert_true(r[0].size == 128ull << 20);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_line),
        cmocka_unit_test(test_incoming_line),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_ram_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
