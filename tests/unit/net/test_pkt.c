/* Tests of src/net/pkt.c: the frames the controller writes read back, and
 * short or foreign frames are refused or ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/pkt.h"

static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 0xa}, mac_b[6] = {2, 0, 0, 0, 0, 0xb};

static void test_arp_round_trip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = pkt_build_arp(ARP_REQUEST, mac_a, 0xc6336401, NULL, 0xc63364fe, NULL, &len);
    assert_int_equal(len, 60);
    struct pkt k;
    assert_true(pkt_parse(f, len, &k));
    assert_int_equal(k.eth_type, ETH_TYPE_ARP);
    assert_true(pkt_mac_is_broadcast(k.eth_dst));
    assert_memory_equal(k.eth_src, mac_a, 6);
    assert_int_equal(k.arp_op, ARP_REQUEST);
    assert_int_equal(k.arp_spa, 0xc6336401);
    assert_int_equal(k.arp_tpa, 0xc63364fe);
    free(f);
    f = pkt_build_arp(ARP_REPLY, mac_b, 0xc63364fe, mac_a, 0xc6336401, mac_a, &len);
    assert_true(pkt_parse(f, len, &k));
    assert_int_equal(k.arp_op, ARP_REPLY);
    assert_memory_equal(k.eth_dst, mac_a, 6);
    assert_memory_equal(k.arp_sha, mac_b, 6);
    assert_memory_equal(k.arp_tha, mac_a, 6);
    /* Short: refused. */
    assert_false(pkt_parse(f, 14 + 27, &k));
    assert_false(pkt_parse(f, 13, &k));
    free(f);
}

static void test_lldp_round_trip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = pkt_build_lldp(0x000042b44420b086ull, 3, mac_a, &len);
    struct pkt k;
    assert_true(pkt_parse(f, len, &k));
    assert_int_equal(k.eth_type, ETH_TYPE_LLDP);
    assert_true(k.lldp_ours);
    assert_true(k.lldp_dpid == 0x000042b44420b086ull);
    assert_int_equal(k.lldp_port, 3);
    /* Cut inside the port TLV: not ours any more, and no read past the end. */
    for (size_t cut = 14; cut < 14 + 30; cut++) {
        assert_true(pkt_parse(f, cut, &k));
        if (cut < 14 + 2 + 22 + 2 + 2)
            assert_false(k.lldp_ours);
    }
    /* Someone else's LLDP (a MAC address as chassis id): not ours. */
    f[16] = 4;
    assert_true(pkt_parse(f, len, &k));
    assert_false(k.lldp_ours);
    free(f);
}

static void test_ipv4_and_vlan(void **state)
{
    (void)state;
    uint8_t f[64] = {0};
    memcpy(f, mac_b, 6), memcpy(f + 6, mac_a, 6);
    f[12] = 0x81, f[13] = 0x00, f[14] = 0, f[15] = 10, f[16] = 0x08,
    f[17] = 0x00; /* VLAN 10, IPv4 */
    uint8_t *ip = f + 18;
    ip[0] = 0x45, ip[8] = 64, ip[9] = 6;
    ip[12] = 198, ip[13] = 51, ip[14] = 100, ip[15] = 1;
    ip[16] = 198, ip[17] = 18, ip[18] = 4, ip[19] = 8;
    struct pkt k;
    assert_true(pkt_parse(f, sizeof f, &k));
    assert_int_equal(k.eth_type, ETH_TYPE_IPV4);
    assert_int_equal(k.ip_src, 0xc6336401);
    assert_int_equal(k.ip_dst, 0xc6120408);
    assert_int_equal(k.ip_ttl, 64);
    ip[0] = 0x4f; /* header length 60 bytes: more than the frame holds */
    assert_false(pkt_parse(f, 18 + 40, &k));
    ip[0] = 0x65; /* not version 4 */
    assert_false(pkt_parse(f, sizeof f, &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_round_trip),
        cmocka_unit_test(test_lldp_round_trip),
        cmocka_unit_test(test_ipv4_and_vlan),
    };
    return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
