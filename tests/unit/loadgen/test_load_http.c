/* Tests of src/loadgen/load_http.c: URLs, the request, and the answer parser
 * fed whole, a byte at a time, cut short, without a length, and broken; the
 * replica's name from the body's first line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loadgen/load_http.h"
#include "util/xalloc.h"

static void test_url(void **state)
{
    (void)state;
    struct load_url u;
    char err[256];
    assert_int_equal(load_http_url_parse("http://198.51.100.2", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "198.51.100.2");
    assert_int_equal(u.port, 80);
    assert_string_equal(u.path, "/");
    load_url_free(&u);
    assert_int_equal(load_http_url_parse("http://server8:8080/a/b?x=1#frag", &u, err, sizeof err),
                     0);
    assert_string_equal(u.host, "server8");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/a/b?x=1");
    load_url_free(&u);
    assert_int_equal(load_http_url_parse("HTTP://10.0.0.1:1?q", &u, err, sizeof err), 0);
    assert_string_equal(u.path, "/?q");
    load_url_free(&u);

    static const char *const bad[][2] = {
        {"https://10.0.0.1/", "HTTPS is not supported"},
        {"ftp://10.0.0.1/", "expected http://ADDRESS[:PORT][/PATH]"},
        {"10.0.0.1", "expected http://"},
        {"http:///x", "no host"},
        {"http://10.0.0.1:0/", "the port must be a number 1-65535"},
        {"http://10.0.0.1:65536/", "the port must be a number 1-65535"},
        {"http://10.0.0.1:80x/", "the port must be a number 1-65535"},
        {"http://10.0.0.1:/", "the port must be a number 1-65535"},
        {"http://user@10.0.0.1/", "IPv4 address or a node name"},
        {"http://[::1]/", "IPv4 address or a node name"},
        {"http://10.0.0.1/a b", "spaces and control characters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (load_http_url_parse(bad[i][0], &u, err, sizeof err) != -1)
            fail_msg("'%s' was taken", bad[i][0]);
        if (!strstr(err, bad[i][1]) || !strstr(err, bad[i][0]))
            fail_msg("'%s': %s", bad[i][0], err);
    }
}

static void test_request(void **state)
{
    (void)state;
    struct load_url u;
    char err[64];
    size_t n;
    assert_int_equal(load_http_url_parse("http://vm1/x", &u, err, sizeof err), 0);
    char *r = load_http_request(&u, &n);
    assert_string_equal(r, "GET /x HTTP/1.0\r\nHost: vm1\r\nUser-Agent: minidc-load\r\n"
                           "Connection: close\r\n\r\n");
    assert_int_equal(n, strlen(r));
    free(r);
    load_url_free(&u);
    assert_int_equal(load_http_url_parse("http://10.1.2.3:8080", &u, err, sizeof err), 0);
    r = load_http_request(&u, &n);
    assert_non_null(strstr(r, "\r\nHost: 10.1.2.3:8080\r\n"));
    free(r);
    load_url_free(&u);
}

static const char guest[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 39\r\n"
                            "Connection: close\r\n\r\nname=vm1 address=198.18.4.2 requests=7\n";

static void test_parse_whole_and_bytewise(void **state)
{
    (void)state;
    struct load_http_parser *p = xmalloc(sizeof *p);
    char buf[LOAD_HTTP_LINE_MAX + 1];
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, guest, strlen(guest)), LOAD_HTTP_DONE);
    assert_int_equal(p->status, 200);
    assert_int_equal(p->length, 39);
    assert_string_equal(load_http_replica(p, buf), "vm1");
    /* Anything after a whole answer changes nothing. */
    assert_int_equal(load_http_feed(p, "junk", 4), LOAD_HTTP_DONE);
    assert_int_equal(load_http_eof(p), LOAD_HTTP_DONE);

    load_http_parser_init(p);
    for (size_t i = 0; i + 1 < strlen(guest); i++)
        assert_int_equal(load_http_feed(p, guest + i, 1), LOAD_HTTP_MORE);
    assert_int_equal(load_http_feed(p, guest + strlen(guest) - 1, 1), LOAD_HTTP_DONE);
    assert_string_equal(load_http_replica(p, buf), "vm1");
    /* Cut one byte short. */
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, guest, strlen(guest) - 1), LOAD_HTTP_MORE);
    assert_int_equal(load_http_eof(p), LOAD_HTTP_CUT);
    /* Closed in the head. */
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, guest, 20), LOAD_HTTP_MORE);
    assert_int_equal(load_http_eof(p), LOAD_HTTP_CUT);
    load_http_parser_init(p);
    assert_int_equal(load_http_eof(p), LOAD_HTTP_CUT);
    free(p);
}

static void test_parse_kinds(void **state)
{
    (void)state;
    struct load_http_parser *p = xmalloc(sizeof *p);
    char buf[LOAD_HTTP_LINE_MAX + 1];
    /* No length: the body runs until the server closes (python's http.server). */
    const char *a = "HTTP/1.0 200 OK\nServer: x\n\nname=replicaB\nmore\n";
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, a, strlen(a)), LOAD_HTTP_MORE);
    assert_int_equal(load_http_eof(p), LOAD_HTTP_DONE);
    assert_string_equal(load_http_replica(p, buf), "replicaB");
    /* A body that names nobody. */
    a = "HTTP/1.1 200 OK\r\ncontent-length:  5\r\n\r\nhello";
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, a, strlen(a)), LOAD_HTTP_DONE);
    assert_string_equal(load_http_replica(p, buf), LOAD_HTTP_UNNAMED);
    /* Not 2xx, and no body by its status. */
    a = "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, a, strlen(a)), LOAD_HTTP_DONE);
    assert_int_equal(p->status, 503);
    a = "HTTP/1.1 204 No Content\r\n\r\n";
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, a, strlen(a)), LOAD_HTTP_DONE);
    assert_int_equal(p->status, 204);
    /* A long first line: the name is still read, the line kept short. */
    char big[400];
    int n = snprintf(big, sizeof big, "HTTP/1.0 200 OK\r\n\r\nname=vm-%0300d", 7);
    load_http_parser_init(p);
    assert_int_equal(load_http_feed(p, big, (size_t)n), LOAD_HTTP_MORE);
    assert_int_equal(load_http_eof(p), LOAD_HTTP_DONE);
    assert_int_equal(strlen(p->line), LOAD_HTTP_LINE_MAX);
    assert_int_equal(strncmp(load_http_replica(p, buf), "vm-000", 6), 0);
    /* Broken answers. */
    static const char *const bad[] = {
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.0 20 OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 5 6\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        load_http_parser_init(p);
        if (load_http_feed(p, bad[i], strlen(bad[i])) != LOAD_HTTP_BAD)
            fail_msg("taken: %s", bad[i]);
        assert_non_null(p->bad);
    }
    /* A head past 16 KiB. */
    load_http_parser_init(p);
    const char *h = "HTTP/1.0 200 OK\r\n";
    assert_int_equal(load_http_feed(p, h, strlen(h)), LOAD_HTTP_MORE);
    char *junk = xmalloc(LOAD_HTTP_HEAD_MAX);
    memset(junk, 'x', LOAD_HTTP_HEAD_MAX);
    assert_int_equal(load_http_feed(p, junk, LOAD_HTTP_HEAD_MAX), LOAD_HTTP_BAD);
    free(junk);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_parse_whole_and_bytewise),
        cmocka_unit_test(test_parse_kinds),
    };
    return cmocka_run_group_tests_name("load_http", tests, NULL, NULL);
}
