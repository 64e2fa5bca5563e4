#!/usr/bin/env bash
# A VM moved across subnets keeps its address for clients: migrated from
# server8 (net4) to server1 (net1) it gets 198.51.100.3 (the paper's
# example), the root switch rewrites 198.18.4.1 <-> 198.51.100.3, and clients
# anywhere (but on the VM's own server) reach it at 198.18.4.1; a restarted
# minidcd puts the rewrite back (and with --rewrite-at nearest puts it on
# net1's switch); a move onward updates the rewrite instead of stacking one;
# a move home removes it; a balancer survives a minidcd restart; a VM stopped
# away from home leaves no rewrite for the next VM given its address.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools

vm_lab_up
flows() { ovs-ofctl -O OpenFlow13 dump-flows "$1" 2>/dev/null | grep -c "cookie=0x6d04"; }
export OVS_RUNDIR=/run/minidc/labs/$L/ovs

ok "boot vm1 on server8" bash -c "vm boot vm1 --on server8 -q >/dev/null"
sum=$(vm exec vm1 -- sh -c 'echo kept >/data/f && sync && sha256sum /data/f' | cut -d' ' -f1)
ip netns exec "$L-internet" bash -c 'ok=0 fail=0; while [ ! -f '"$TEST_TMP"'/stop ]; do
    t=$(date +%s.%N)
    if curl -s -m 3 http://198.18.4.1/ | grep -q "^name=vm1"; then ok=$((ok + 1));
    else fail=$((fail + 1)); echo "$t $(date +%s.%N)" >>'"$TEST_TMP"'/failures; fi
    sleep 0.05; done; echo $ok $fail >'"$TEST_TMP"'/client' &
client=$!
sleep 0.5
m_start=$(date +%s.%N)
d0=$(ip netns exec "$L-server1" cat /sys/class/net/eth0/statistics/rx_bytes)
ok "migrate vm1 to server1 (another subnet)" bash -c "vm migrate vm1 --to server1 --json >'$TEST_TMP/m1' 2>&1"
m_end=$(date +%s.%N)
d1=$(ip netns exec "$L-server1" cat /sys/class/net/eth0/statistics/rx_bytes)
diag "$(tr '\n' ' ' <"$TEST_TMP/m1")"
# The default, as in the paper: through the switches (tests/integration/
# vm_migration_network.sh has the management network).
is "the data network carried it" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['result']['network'])" "$TEST_TMP/m1")" data
ok "server1's data interface took the memory (over 40 MB)" test $((d1 - d0)) -gt 40000000
sleep 1
touch "$TEST_TMP/stop"
wait $client
read -r got failed <"$TEST_TMP/client"
diag "HTTP client on the Internet host, old address, across the move: $got answered, $failed failed"
# A request under way at the switch-over may fail (the guest drops its old
# address; docs/vms.md, "What clients see"): reported, not counted.  Any
# other failed request is an error.
is "no request to the old address failed (but those under way at the switch-over)" \
    "$(failed_outside_switch_over "$TEST_TMP/m1" "$m_start" "$m_end" "$TEST_TMP/failures")" "0"
is "vm1 has an address of net1 now (the paper's 198.51.100.3)" "$(field vm1 server) $(field vm1 current_address) $(field vm1 home_address)" \
    "server1 198.51.100.3/24 198.18.4.1"
ok "the guest itself has it" bash -c "vm exec vm1 -- ip addr show eth0 | grep -q 'inet 198.51.100.3/24'"
is "its file is intact" "$(vm exec vm1 -- sha256sum /data/f | cut -d' ' -f1)" "$sum"
for h in internet server7 server8 server3 server2; do
    ok "$h reaches vm1 at its old address, answered from the new one" \
        bash -c "http $h 198.18.4.1 | grep -q '^name=vm1 address=198.51.100.3 '"
done
is "the rewrite is on the root switch: 4 flows on ovs1" "$(flows ovs1)" "4"
ok "and steering flows elsewhere (to the root)" test "$(flows ovs4)" -ge 3
ok "minidcd lists the rewrite" bash -c "lab_api $L /api/v1/rewrites | grep -q '\"new\": \"198.51.100.3\"'"
ok "ARP for the old address was answered with the VM's MAC (server7, its old subnet)" \
    bash -c "ip -n $L-server7 neigh show 198.18.4.1 | grep -q '02:6d:c6:12:04:01'"

# --- minidcd restarted: the rewrite comes back from its state file ---
api() { lab_api "$L" "/api/v1/$1" -m 3; }
# Waits until the rewrite of 198.18.4.1 is at switch $1 (minidcd asks the
# agents where the VMs are, then puts it back).
rewrite_at() { for _ in $(seq 100); do api rewrites | grep -q "\"switch\": \"$1\"" && return 0; sleep 0.1; done; return 1; }
export -f api rewrite_at
pidf=/run/minidc/labs/$L/minidcd.pid
lab_kill_minidcd "$L"
ok "lab up restarts minidcd" bash -c "'$MINIDC' lab up --quiet --name $L '$SRC/examples/fig1.yaml'"
ok "the restarted minidcd puts the rewrite back on ovs1" rewrite_at ovs1
is "with its 4 flows there; vm1 keeps 198.18.4.1 for clients" "$(flows ovs1) $(field vm1 home_address)" "4 198.18.4.1"
ok "the Internet host reaches vm1 at its old address" bash -c "http internet 198.18.4.1 | grep -q '^name=vm1 address=198.51.100.3 '"

# --- the rewrite nearest the VM (minidcd --rewrite-at nearest) ---
export to_new='set_field:198.51.100.3->ip_dst|mod_nw_dst:198.51.100.3'
ok "ovs1 rewrites the destination" bash -c "ovs-ofctl -O OpenFlow13 dump-flows ovs1 | grep -Eq \"\$to_new\""
mapfile -d '' args </proc/"$(cat "$pidf")"/cmdline
kill "$(cat "$pidf")"
for _ in $(seq 50); do [ -f "$pidf" ] || break; sleep 0.1; done
setsid ip netns exec "$L" "${args[@]}" --rewrite-at nearest </dev/null >/dev/null 2>&1 &
ok "restarted with --rewrite-at nearest, the rewrite goes to ovs4 (net1's switch)" rewrite_at ovs4
ok "ovs4 rewrites the destination, ovs1 only steers" within 5 \
    bash -c "ovs-ofctl -O OpenFlow13 dump-flows ovs4 | grep -Eq \"\$to_new\" && ! ovs-ofctl -O OpenFlow13 dump-flows ovs1 | grep -Eq \"\$to_new\""
for h in internet server7 server3 server2; do
    ok "nearest: $h reaches vm1 at its old address" \
        bash -c "http $h 198.18.4.1 | grep -q '^name=vm1 address=198.51.100.3 '"
done
lab_kill_minidcd "$L"
ok "back to the default (lab up): the rewrite returns to ovs1" \
    bash -c "'$MINIDC' lab up --quiet --name $L '$SRC/examples/fig1.yaml' && rewrite_at ovs1"
ok "and leaves nothing on ovs4 but its steering" within 5 \
    bash -c "! ovs-ofctl -O OpenFlow13 dump-flows ovs4 | grep -Eq \"\$to_new\""

ok "migrate onward to server3 (net2)" bash -c "vm migrate vm1 --to server3 -q >/dev/null"
is "the rewrite was updated, not stacked" "$(flows ovs1) $(lab_api $L /api/v1/rewrites | grep -c '\"old\"')" "4 1"
ok "the old address reaches it at 198.18.2.1" bash -c "http internet 198.18.4.1 | grep -q 'address=198.18.2.1 '"
ok "the net1 address it had is free again" bash -c "vm boot vm2 --on server2 -q && vm list | grep -q '^vm2 .*198.51.100.3/24'"

ok "migrate home to server7 (net4)" bash -c "vm migrate vm1 --to server7 -q >/dev/null"
is "home: its own address again, and no rewrite left anywhere" \
    "$(field vm1 current_address) $(flows ovs1)$(flows ovs2)$(flows ovs3)$(flows ovs4)$(flows ovs5)$(flows ovs6)$(flows ovs7)" "198.18.4.1/24 0000000"
ok "the Internet host reaches it directly" bash -c "http internet 198.18.4.1 | grep -q 'address=198.18.4.1 '"
is "its file is intact after three moves" "$(vm exec vm1 -- sha256sum /data/f | cut -d' ' -f1)" "$sum"

# --- a balancer survives a minidcd restart too ---
ok "clone vm1 to server2 (net1) with a balancer" bash -c "vm clone vm1 --to server2 --as vm3 --balance -q >/dev/null"
buckets() { ovs-ofctl -O OpenFlow13 dump-groups ovs1 2>/dev/null | grep "type=select" | head -1 | grep -o "bucket=" | wc -l; }
lab_kill_minidcd "$L"
ok "lab up restarts minidcd" bash -c "'$MINIDC' lab up --quiet --name $L '$SRC/examples/fig1.yaml'"
for _ in $(seq 200); do api balancers | grep -q '"switch": "ovs1"' && [ "$(buckets)" = 2 ] && break; sleep 0.1; done
is "the balancer is back on ovs1 with both replicas" "$(api balancers | grep -c '"ip"') $(buckets)" "2 2" ||
    diag "$(ovs-ofctl -O OpenFlow13 dump-groups ovs1 | head -3; api hosts | tr -d ' \n' | head -c 600; grep -E 'balancer|host|link' /run/minidc/labs/$L/minidcd.log | tail -15)"
ok "both replicas answer the Internet host at 198.18.4.1" bash -c "
    for i in \$(seq 40); do ip netns exec $L-internet curl -s -m 3 http://198.18.4.1/; done | cut -d' ' -f1 | sort -u | tr '\n' ' ' | grep -q 'name=vm1 name=vm3'"
is "vm3 still serves 198.18.4.1 in minidcd's list" "$(field vm3 serves)" "198.18.4.1"

# --- a VM stopped away from home leaves no rewrite behind ---
ok "boot vmr on server7 (net4)" bash -c "vm boot vmr --on server7 -q >/dev/null"
vmr_ip=$(field vmr current_address)
ok "migrate vmr to server2 (net1), then stop it" bash -c "vm migrate vmr --to server2 -q >/dev/null && vm stop vmr -q >/dev/null"
is "no rewrite of ${vmr_ip%/*} is left" "$(lab_api $L /api/v1/rewrites | grep -c "\"${vmr_ip%/*}\"")" "0"
ok "the next VM booted on server7 gets that address" bash -c "vm boot vms --on server7 -q >/dev/null && vm list | grep -q '^vms .*${vmr_ip}'"
ok "and the Internet host reaches it there" bash -c "http internet ${vmr_ip%/*} | grep -q '^name=vms '"
ok "lab down" bash -c "'$MINIDC' lab down '$L' >/dev/null 2>&1"
done_testing
