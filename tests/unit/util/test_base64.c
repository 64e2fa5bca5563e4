/* Tests of src/util/base64.c against RFC 4648's vectors, and binary data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/base64.h"

static void test_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = {{"", ""},
                                       {"f", "Zg=="},
                                       {"fo", "Zm8="},
                                       {"foo", "Zm9v"},
                                       {"foob", "Zm9vYg=="},
                                       {"fooba", "Zm9vYmE="},
                                       {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char *e = base64_encode(v[i][0], strlen(v[i][0]));
        assert_string_equal(e, v[i][1]);
        size_t n;
        char *d = base64_decode(e, &n);
        assert_int_equal(n, strlen(v[i][0]));
        assert_string_equal(d, v[i][0]);
        free(e), free(d);
    }
    /* Line breaks are skipped, as the guest agent may send them. */
    char *d = base64_decode("Zm9v\nYmFy\n", NULL);
    assert_string_equal(d, "foobar");
    free(d);
}

static void test_binary(void **state)
{
    (void)state;
    unsigned char b[256];
    for (int i = 0; i < 256; i++)
        b[i] = (unsigned char)(255 - i);
    char *e = base64_encode(b, sizeof b);
    size_t n;
    unsigned char *d = base64_decode(e, &n);
    assert_int_equal(n, sizeof b);
    assert_memory_equal(d, b, sizeof b);
    free(e), free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
