/* Tests of src/vm/memcheck.c: page digests, their text form, and the
 * comparison that tells which pages a migration lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/memcheck.h"

#define PAGES 64

static unsigned char *ram(void)
{
    unsigned char *m = malloc(PAGES * MEMCHECK_PAGE);
    for (size_t i = 0; i < PAGES * MEMCHECK_PAGE; i++)
        m[i] = (unsigned char)(i * 2654435761u >> 13);
    return m;
}

static void test_same_and_different(void **state)
{
    (void)state;
    unsigned char *a = ram(), *b = ram();
    struct memdigest da, db;
    memdigest_init(&da), memdigest_init(&db);
    memdigest_add(&da, a, PAGES * MEMCHECK_PAGE);
    memdigest_add(&db, b, PAGES * MEMCHECK_PAGE);
    assert_int_equal(da.n, PAGES);
    size_t first = 99;
    assert_int_equal(memdigest_diff(&da, &db, &first), 0);
    /* One byte in page 5 and one in the last byte of page 40: two pages. */
    b[5 * MEMCHECK_PAGE + 100] ^= 1;
    b[41 * MEMCHECK_PAGE - 1] ^= 0x80;
    memdigest_free(&db);
    memdigest_init(&db);
    memdigest_add(&db, b, PAGES * MEMCHECK_PAGE);
    assert_int_equal(memdigest_diff(&da, &db, &first), 2);
    assert_int_equal(first, 5);
    /* A page swapped for another (the same bytes elsewhere) differs too. */
    memcpy(b, a, PAGES * MEMCHECK_PAGE);
    memcpy(b + 7 * MEMCHECK_PAGE, a + 8 * MEMCHECK_PAGE, MEMCHECK_PAGE);
    memdigest_free(&db);
    memdigest_init(&db);
    memdigest_add(&db, b, PAGES * MEMCHECK_PAGE);
    assert_int_equal(memdigest_diff(&da, &db, &first), 1);
    assert_int_equal(first, 7);
    memdigest_free(&da), memdigest_free(&db);
    free(a), free(b);
}

static void test_in_parts_and_sizes(void **state)
{
    (void)state;
    unsigned char *a = ram();
    struct memdigest whole, parts;
    memdigest_init(&whole), memdigest_init(&parts);
    memdigest_add(&whole, a, PAGES * MEMCHECK_PAGE);
    /* Two ranges dumped one after the other give the same digest. */
    memdigest_add(&parts, a, 10 * MEMCHECK_PAGE);
    memdigest_add(&parts, a + 10 * MEMCHECK_PAGE, (PAGES - 10) * MEMCHECK_PAGE);
    size_t first;
    assert_int_equal(memdigest_diff(&whole, &parts, &first), 0);
    /* A shorter side: its missing pages differ. */
    struct memdigest short_;
    memdigest_init(&short_);
    memdigest_add(&short_, a, (PAGES - 3) * MEMCHECK_PAGE);
    assert_int_equal(memdigest_diff(&whole, &short_, &first), 3);
    assert_int_equal(first, PAGES - 3);
    memdigest_free(&whole), memdigest_free(&parts), memdigest_free(&short_);
    free(a);
}

static void test_text_form(void **state)
{
    (void)state;
    unsigned char *a = ram();
    struct memdigest d, back;
    memdigest_init(&d);
    memdigest_add(&d, a, PAGES * MEMCHECK_PAGE);
    char *text = memdigest_encode(&d);
    assert_int_equal(strlen(text), (PAGES * 8 + 2) / 3 * 4);
    assert_int_equal(memdigest_decode(text, &back), 0);
    assert_int_equal(back.n, d.n);
    assert_memory_equal(back.hash, d.hash, d.n * sizeof *d.hash);
    memdigest_free(&back);
    assert_int_equal(memdigest_decode("", &back), -1);
    assert_int_equal(memdigest_decode(NULL, &back), -1);
    assert_int_equal(memdigest_decode("AAAA", &back), -1); /* 3 bytes: not whole hashes */
    memdigest_free(&back);
    free(text);
    memdigest_free(&d);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_and_different),
        cmocka_unit_test(test_in_parts_and_sizes),
        cmocka_unit_test(test_text_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
