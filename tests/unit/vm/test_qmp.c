/* Tests of src/vm/qmp.c against a real QEMU (-machine none: no guest, just
 * the monitor) and against a guest-agent socket nobody answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/proc.h"
#include "vm/qemu.h"
#include "vm/qmp.h"

static char dir[] = "/tmp/minidc-qmp-XXXXXX";
static char sock[256], pidfile[256];

static int start_qemu(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(sock, sizeof sock, "%s/qmp.sock", dir);
    snprintf(pidfile, sizeof pidfile, "%s/qemu.pid", dir);
    char qmp[300];
    snprintf(qmp, sizeof qmp, "unix:%s,server=on,wait=off", sock);
    const char *argv[] = {qemu_binary(), "-machine", "none",  "-nodefaults",
                          "-display",    "none",     "-qmp",  qmp,
                          "-daemonize",  "-pidfile", pidfile, NULL};
    return proc_run(argv, &(struct proc_opts){.timeout_ms = 20000}) == 0 ? 0 : -1;
}

static int stop_qemu(void **state)
{
    (void)state;
    pid_t pid = proc_read_pidfile(pidfile);
    if (pid > 0)
        proc_terminate(pid, 2000);
    unlink(sock);
    unlink(pidfile);
    rmdir(dir);
    return 0;
}

static void test_call(void **state)
{
    (void)state;
    char *err = NULL;
    struct qmp *q = qmp_open(sock, 5000, &err);
    assert_null(err);
    assert_non_null(q);
    json_t *ret;
    assert_int_equal(qmp_call(q, "query-status", NULL, &ret, &err, 5000), 0);
    assert_non_null(json_object_get(ret, "status"));
    json_decref(ret);
    /* Arguments go through; a second call on the same session works. */
    assert_int_equal(
        qmp_call(q, "qom-list", json_pack("{s:s}", "path", "/machine"), &ret, &err, 5000), 0);
    assert_true(json_is_array(ret));
    json_decref(ret);
    qmp_close(q);
}

static void test_errors(void **state)
{
    (void)state;
    char *err = NULL;
    struct qmp *q = qmp_open(sock, 5000, &err);
    assert_non_null(q);
    json_t *ret = (json_t *)1;
    assert_int_equal(qmp_call(q, "no-such-command", NULL, &ret, &err, 5000), -1);
    assert_null(ret);
    assert_non_null(err);
    assert_non_null(strstr(err, "no-such-command"));
    free(err);
    err = NULL;
    /* The session survives an error. */
    assert_int_equal(qmp_call(q, "query-status", NULL, NULL, &err, 5000), 0);
    qmp_close(q);
    /* Nothing listening. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.sock", dir);
    assert_null(qmp_open(missing, 1000, &err));
    assert_non_null(strstr(err, "cannot connect"));
    free(err);
}

/* A guest agent that never answers (a guest still booting): qga_open gives
 * up in time and says so. */
static void test_qga_timeout(void **state)
{
    (void)state;
    char path[100];
    snprintf(path, sizeof path, "%s/qga.sock", dir);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    assert_int_equal(bind(l, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(l, 1), 0);
    char *err = NULL;
    double t0 = proc_now();
    assert_null(qga_open(path, 300, &err));
    assert_true(proc_now() - t0 >= 0.25);
    assert_non_null(strstr(err, "does not answer"));
    free(err);
    close(l);
    unlink(path);
}

/* QEMU 10 sends UINT64_MAX for balloon figures the guest does not give:
 * the line is still read, that integer as a real, the others as they are. */
static void test_parse_big_integers(void **state)
{
    (void)state;
    const char *line =
        "{\"return\": {\"stats\": {\"stat-oom-kills\": 18446744073709551615, "
        "\"stat-total-memory\": 97062912, \"max\": 9223372036854775807, \"neg\": -5, "
        "\"s\": \"18446744073709551615\", \"r\": 1.5e3}}}\n";
    json_t *o = qmp_parse_line(line, strlen(line));
    assert_non_null(o);
    json_t *st = json_object_get(json_object_get(o, "return"), "stats");
    assert_true(json_is_real(json_object_get(st, "stat-oom-kills")));
    assert_true(json_real_value(json_object_get(st, "stat-oom-kills")) > 1.8e19);
    assert_int_equal(json_integer_value(json_object_get(st, "stat-total-memory")), 97062912);
    assert_true(json_integer_value(json_object_get(st, "max")) == INT64_MAX);
    assert_int_equal(json_integer_value(json_object_get(st, "neg")), -5);
    assert_string_equal(json_string_value(json_object_get(st, "s")), "18446744073709551615");
    assert_true(json_real_value(json_object_get(st, "r")) == 1500.0);
    json_decref(o);
    assert_null(qmp_parse_line("{\"a\": ", 7));
    assert_null(qmp_parse_line("garbage\n", 8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_qga_timeout),
        cmocka_unit_test(test_parse_big_integers),
    };
    return cmocka_run_group_tests(tests, start_qemu, stop_qemu);
}
