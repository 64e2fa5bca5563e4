/* Tests of src/cli/shell_words.c: how the shell splits a line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/shell_words.h"

static void check(const char *line, const char *const *want)
{
    size_t n = 0, k = 0;
    const char *err = NULL;
    char **w = shell_words(line, &n, &err);
    assert_non_null(w);
    assert_null(err);
    while (want[k])
        k++;
    assert_int_equal(n, k);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(w[i], want[i]);
    assert_null(w[n]);
    shell_words_free(w);
}

static void test_plain(void **state)
{
    (void)state;
    check("vm boot vm1 --on server8",
          (const char *[]){"vm", "boot", "vm1", "--on", "server8", NULL});
    check("  \tvm   list \n", (const char *[]){"vm", "list", NULL});
    check("", (const char *[]){NULL});
}

static void test_quotes(void **state)
{
    (void)state;
    check("vm exec vm1 -- sh -c 'echo a  b > /data/f'",
          (const char *[]){"vm", "exec", "vm1", "--", "sh", "-c", "echo a  b > /data/f", NULL});
    check("x \"a \\\"quoted\\\" \\\\ word\"", (const char *[]){"x", "a \"quoted\" \\ word", NULL});
    check("a'b'\"c\"d", (const char *[]){"abcd", NULL});
    check("''", (const char *[]){"", NULL});
    check("a\\ b c", (const char *[]){"a b", "c", NULL});
}

static void test_open_quote(void **state)
{
    (void)state;
    size_t n;
    const char *err = NULL;
    assert_null(shell_words("flows 'ovs1", &n, &err));
    assert_non_null(strstr(err, "not closed"));
    assert_null(shell_words("x \"y", &n, &err));
    assert_non_null(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_open_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
