/* Tests of src/util/proc.c: a child run to its end, its output kept; a child
 * started in the background with its stderr in a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/proc.h"
#include "util/strbuf.h"

static void test_run_status_and_output(void **state)
{
    (void)state;
    struct strbuf out, err;
    strbuf_init(&out);
    strbuf_init(&err);
    const char *argv[] = {"sh", "-c", "read x; echo out $x; echo err >&2; exit 3", NULL};
    int rc = proc_run(argv, &(struct proc_opts){.input = "in\n", .out = &out, .err = &err});
    assert_int_equal(rc, 3);
    assert_string_equal(out.s, "out in\n");
    assert_string_equal(err.s, "err\n");
    strbuf_free(&out);
    strbuf_free(&err);
    const char *killed[] = {"sh", "-c", "kill -KILL $$", NULL};
    assert_int_equal(proc_run(killed, NULL), 128 + 9);
}

static int wait_status(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_spawn_err_keeps_stderr(void **state)
{
    (void)state;
    char dir[] = "/tmp/minidc-proc-XXXXXX", path[64], buf[64] = "";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/err", dir);
    const char *argv[] = {"sh", "-c", "echo said; echo why >&2; exit 2", NULL};
    pid_t pid = proc_spawn_err(argv, path);
    assert_true(pid > 0);
    assert_int_equal(wait_status(pid), 2);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "why\n"); /* stdout is not in it */
    /* A file that cannot be made: nothing started. */
    snprintf(path, sizeof path, "%s/no/such/dir", dir);
    assert_true(proc_spawn_err(argv, path) < 0);
    /* Without a file, as proc_spawn: the status still comes back. */
    pid = proc_spawn(argv);
    assert_true(pid > 0);
    assert_int_equal(wait_status(pid), 2);
    snprintf(path, sizeof path, "%s/err", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_status_and_output),
        cmocka_unit_test(test_spawn_err_keeps_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
