/* Tests of src/util/token.c: made, read back, compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/token.h"

static void test_make_and_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/minidc-token-XXXXXX", path[64], a[TOKEN_MAX], b[TOKEN_MAX];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t", dir);
    assert_int_equal(token_read_file(path, a, sizeof a), -2 /* -ENOENT */);
    assert_int_equal(token_make_file(path), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(token_read_file(path, a, sizeof a), 0);
    assert_int_equal(strlen(a), TOKEN_LEN);
    assert_int_equal(strspn(a, "0123456789abcdef"), TOKEN_LEN);
    /* Made again: kept. */
    assert_int_equal(token_make_file(path), 0);
    assert_int_equal(token_read_file(path, b, sizeof b), 0);
    assert_string_equal(a, b);
    /* An empty file holds no token. */
    FILE *f = fopen(path, "w");
    fputs("\n", f);
    fclose(f);
    assert_int_equal(token_read_file(path, a, sizeof a), -22 /* -EINVAL */);
    unlink(path);
    rmdir(dir);
}

static void test_equal(void **state)
{
    (void)state;
    assert_true(token_equal("abc", "abc"));
    assert_false(token_equal("abd", "abc"));
    assert_false(token_equal("ab", "abc"));
    assert_false(token_equal("abcd", "abc"));
    assert_false(token_equal("", "abc"));
    assert_false(token_equal(NULL, "abc"));
    assert_true(token_bearer_ok("Bearer abc", "abc"));
    assert_true(token_bearer_ok("bearer abc", "abc"));
    assert_false(token_bearer_ok("Bearer abc ", "abc"));
    assert_false(token_bearer_ok("Basic abc", "abc"));
    assert_false(token_bearer_ok("Bearerabc", "abc"));
    assert_false(token_bearer_ok("Bearer ", "abc"));
    assert_false(token_bearer_ok(NULL, "abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_and_read),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
