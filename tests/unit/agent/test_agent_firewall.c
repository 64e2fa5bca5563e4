/* Tests of src/agent/agent_firewall.c with a fake nft first on PATH, which
 * records its arguments (and the rules it is given) instead of touching
 * nftables: an agent with its firewall sets it up and admits and revokes a
 * transfer's source; one without (--no-firewall) runs no nft at all. */
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

#include "agent/agent.h"
#include "util/xalloc.h"

static char dir[64], calls_file[96], rules_file[96];
static char *saved_path;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_agent_firewall.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(calls_file, sizeof calls_file, "%s/calls", dir);
    snprintf(rules_file, sizeof rules_file, "%s/rules", dir);
    char nft[96];
    snprintf(nft, sizeof nft, "%s/nft", dir);
    FILE *f = fopen(nft, "w");
    if (!f)
        return -1;
    fprintf(f,
            "#!/bin/sh\n"
            "echo \"$*\" >>'%s'\n"
            "if [ \"$1\" = -f ]; then cat >'%s'; fi\n",
            calls_file, rules_file);
    fclose(f);
    chmod(nft, 0755);
    const char *path = getenv("PATH");
    saved_path = xstrdup(path ? path : "/usr/bin:/bin");
    char *p = xasprintf("%s:%s", dir, saved_path);
    setenv("PATH", p, 1);
    free(p);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    setenv("PATH", saved_path, 1);
    free(saved_path);
    char nft[96];
    snprintf(nft, sizeof nft, "%s/nft", dir);
    unlink(nft);
    unlink(calls_file);
    unlink(rules_file);
    rmdir(dir);
    return 0;
}

/* What the fake nft was asked since the last call, one line a call (caller
 * frees); the record starts afresh. */
static char *calls(void)
{
    char *s = xstrdup("");
    FILE *f = fopen(calls_file, "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            char *t = xasprintf("%s%s", s, line);
            free(s);
            s = t;
        }
        fclose(f);
    }
    unlink(calls_file);
    return s;
}

static void test_with_firewall(void **state)
{
    (void)state;
    struct agent a = {.bridge = "br0", .data_addr = "10.1.0.2", .firewall = true};
    char *err = NULL;
    assert_int_equal(agent_firewall_init(&a, "192.0.2.2", &err), 0);
    assert_null(err);
    char *c = calls();
    assert_string_equal(c, "-f -\n");
    free(c);
    struct avm v = {.peer = "10.1.0.1", .ports = {7100, 7101}};
    agent_firewall_admit_peer(&a, &v, true);
    agent_firewall_admit_peer(&a, &v, false);
    c = calls();
    assert_string_equal(c, "add element ip minidc_agent transfer_peers { 10.1.0.1 . 7100 }\n"
                           "add element ip minidc_agent transfer_peers { 10.1.0.1 . 7101 }\n"
                           "delete element ip minidc_agent transfer_peers { 10.1.0.1 . 7100 }\n"
                           "delete element ip minidc_agent transfer_peers { 10.1.0.1 . 7101 }\n");
    free(c);
}

/* --no-firewall: no table set up, no source admitted or revoked. */
static void test_without_firewall(void **state)
{
    (void)state;
    struct agent a = {.bridge = "br0", .data_addr = "10.1.0.2", .firewall = false};
    char *err = NULL;
    assert_int_equal(agent_firewall_init(&a, "192.0.2.2", &err), 0);
    assert_null(err);
    struct avm v = {.peer = "10.1.0.1", .ports = {7100, 7101}};
    agent_firewall_admit_peer(&a, &v, true);
    agent_firewall_admit_peer(&a, &v, false);
    char *c = calls();
    assert_string_equal(c, "");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_with_firewall),
        cmocka_unit_test(test_without_firewall),
    };
    return cmocka_run_group_tests_name("agent_firewall", tests, setup, teardown);
}
