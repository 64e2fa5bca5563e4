/* Tests of src/gui/gui.c: the page's files are built in, found by their URL
 * paths only, with their types and hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gui/gui.h"

static void test_index(void **state)
{
    const struct gui_asset *a = gui_asset_find("/");
    assert_non_null(a);
    assert_ptr_equal(a, gui_asset_find("/index.html"));
    assert_string_equal(a->path, "/index.html");
    assert_non_null(strstr((const char *)a->data, "/js/main.js"));
    assert_string_equal(gui_content_type(a->path), "text/html; charset=utf-8");
    assert_true(a->etag[0] == '"' && a->etag[strlen(a->etag) - 1] == '"');
}

/* Every file under gui/ the page loads is there, with the bytes on disk. */
static void test_same_as_source(void **state)
{
    const char *src = getenv("MINIDC_SRC");
    const char *files[] = {"/index.html",   "/app.css",     "/js/main.js", "/js/view.js",
                           "/js/layout.js", "/js/model.js", "/js/api.js",  "/js/panels.js",
                           "/js/chart.js",  "/favicon.svg"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        const struct gui_asset *a = gui_asset_find(files[i]);
        assert_non_null(a);
        char path[1024];
        snprintf(path, sizeof path, "%s/gui%s", src ? src : ".", files[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *buf = malloc(a->len + 1);
        size_t n = fread(buf, 1, a->len + 1, f);
        fclose(f);
        assert_int_equal(n, a->len);
        assert_memory_equal(buf, a->data, a->len);
        free(buf);
    }
}

static void test_only_files(void **state)
{
    const char *no[] = {"",
                        "/js",
                        "/js/",
                        "/../CMakeLists.txt",
                        "/js/../index.html",
                        "/index.html?x=1",
                        "/INDEX.HTML",
                        "/package.json",
                        "//index.html"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_null(gui_asset_find(no[i]));
}

static void test_sorted_and_typed(void **state)
{
    size_t n;
    const struct gui_asset *all = gui_assets(&n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        if (i)
            assert_true(strcmp(all[i - 1].path, all[i].path) < 0);
        assert_ptr_equal(gui_asset_find(all[i].path), &all[i]);
        assert_string_not_equal(gui_content_type(all[i].path), "application/octet-stream");
    }
    assert_string_equal(gui_content_type("/js/main.js"), "text/javascript; charset=utf-8");
    assert_string_equal(gui_content_type("/app.css"), "text/css; charset=utf-8");
    assert_string_equal(gui_content_type("/x.svg"), "image/svg+xml");
    assert_string_equal(gui_content_type("/a.b/c"), "application/octet-stream");
    assert_string_equal(gui_content_type("/noext"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_same_as_source),
        cmocka_unit_test(test_only_files),
        cmocka_unit_test(test_sorted_and_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
