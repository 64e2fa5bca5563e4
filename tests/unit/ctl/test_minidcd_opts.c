/* Tests of src/ctl/minidcd_opts.c: what minidcd's command line gives, and
 * each way it is refused with its own message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/minidcd_opts.h"

/* Parses the NULL-terminated words after "minidcd"; what went to stdout
 * and stderr comes back in 'out' and 'err' (each 4 KiB). */
static int parse(struct minidcd_opts *o, char *out, char *err, ...)
{
    char *argv[32] = {"minidcd"};
    int argc = 1;
    va_list ap;
    va_start(ap, err);
    for (char *w; (w = va_arg(ap, char *)) && argc < 31;)
        argv[argc++] = w;
    va_end(ap);
    FILE *fo = fmemopen(out, 4096, "w"), *fe = fmemopen(err, 4096, "w");
    memset(out, 0, 4096), memset(err, 0, 4096);
    int rc = minidcd_opts_parse(argc, argv, o, fo, fe);
    fclose(fo), fclose(fe);
    return rc;
}

static char out[4096], err[4096];

static void test_defaults_and_values(void **state)
{
    (void)state;
    struct minidcd_opts o;
    assert_int_equal(parse(&o, out, err, "--topology", "t.yaml", "--api-token-file", "k", NULL),
                     -1);
    assert_string_equal(o.topology, "t.yaml");
    assert_string_equal(o.api_token_file, "k");
    assert_int_equal(o.agent_port, 7070);
    assert_int_equal(o.max_conns, 0);
    assert_int_equal(o.of_busy_poll_us, 50);
    assert_false(o.app_l2);
    assert_null(o.openflow);
    assert_null(o.rewrite_at);
    assert_int_equal(parse(&o, out, err, "-t", "t.yaml", "--api-token-file", "k", "--app", "l2",
                           "--agent-port", "7171", "--max-connections", "9", "--rewrite-at",
                           "nearest", "--openflow", "1.2.3.4:6653", "-v", "--tls-key", "a",
                           "--tls-cert", "b", "--tls-ca", "c", "--openflow-busy-poll", "0", NULL),
                     -1);
    assert_int_equal(o.of_busy_poll_us, 0);
    assert_true(o.app_l2);
    assert_true(o.verbose);
    assert_int_equal(o.agent_port, 7171);
    assert_int_equal(o.max_conns, 9);
    assert_string_equal(o.rewrite_at, "nearest");
    assert_string_equal(o.openflow, "1.2.3.4:6653");
    assert_string_equal(o.tls_ca, "c");
    assert_null(o.api_tls_key);
    assert_string_equal(err, "");
    assert_int_equal(parse(&o, out, err, "-t", "t.yaml", "--api-token-file", "k", "--api-tls-key",
                           "ak", "--api-tls-cert", "ac", NULL),
                     -1);
    assert_string_equal(o.api_tls_key, "ak");
    assert_string_equal(o.api_tls_cert, "ac");
    assert_null(o.tls_key);
    assert_null(o.migration_net);
    assert_int_equal(parse(&o, out, err, "-t", "t.yaml", "--api-token-file", "k",
                           "--migration-network", "management", NULL),
                     -1);
    assert_string_equal(o.migration_net, "management");
}

static void test_help(void **state)
{
    (void)state;
    struct minidcd_opts o;
    assert_int_equal(parse(&o, out, err, "--help", NULL), 0);
    assert_non_null(strstr(out, "usage: minidcd --topology FILE"));
    assert_string_equal(err, "");
}

/* Each refusal exits 2 and says what was wrong. */
static void test_refused(void **state)
{
    (void)state;
    struct minidcd_opts o;
    static const struct {
        const char *a, *b, *says;
    } bad[] = {
        {"--app", "ryu", "--app is net (the default) or l2"},
        {"--agent-port", "0", "--agent-port is a port number"},
        {"--agent-port", "70000", "--agent-port is a port number"},
        {"--agent-port", "7x", "--agent-port is a port number"},
        {"--max-connections", "0", "--max-connections is 1 to 1000000"},
        {"--rewrite-at", "leaf", "--rewrite-at is root or nearest"},
        {"--migration-network", "san", "--migration-network is data or management"},
        {"--openflow-busy-poll", "-1", "--openflow-busy-poll is 0 to 100000 microseconds"},
        {"--openflow-busy-poll", "100001", "--openflow-busy-poll is 0 to 100000 microseconds"},
        {"--openflow-busy-poll", "5us", "--openflow-busy-poll is 0 to 100000 microseconds"},
        {"--tls-key", "only-one", "TLS needs all three"},
        {"--api-tls-key", "k.pem", "needs both --api-tls-key and --api-tls-cert"},
        {"--api-tls-cert", "c.pem", "needs both --api-tls-key and --api-tls-cert"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(
            parse(&o, out, err, "-t", "t.yaml", "--api-token-file", "k", bad[i].a, bad[i].b, NULL),
            2);
        if (!strstr(err, bad[i].says))
            fail_msg("%s %s: said \"%s\", not \"%s\"", bad[i].a, bad[i].b, err, bad[i].says);
    }
    assert_int_equal(parse(&o, out, err, "-t", "t.yaml", NULL), 2);
    assert_non_null(strstr(err, "--api-token-file is needed"));
    assert_int_equal(parse(&o, out, err, "--api-token-file", "k", NULL), 2);
    assert_non_null(strstr(err, "usage: minidcd"));
    assert_int_equal(parse(&o, out, err, "-t", "t.yaml", "--api-token-file", "k", "stray", NULL),
                     2);
    assert_non_null(strstr(err, "usage: minidcd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_values),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
