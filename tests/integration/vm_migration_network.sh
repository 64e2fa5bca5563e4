#!/usr/bin/env bash
# controller.migration-network: management: a migration's memory and disk go
# between the servers' management addresses, off the switches the clients'
# traffic crosses.  In fig1 with that key, vm1 moves from server8 (net4) to
# server1 (net1) and on to server2 (net1): each operation says it used the
# management network, the destination's management interface takes the
# stream (its data interface a few MB at most), the VM keeps its file and
# its clients reach it.  A client on the Internet host asks the VM's
# original address every 50 ms with a 1 s timeout and no retry: its failed
# requests are reported.  Nothing is left behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools

before=$(machine_footprint)
sed 's|^  api: 192.0.2.254:8080 .*|&\n  migration-network: management|' "$SRC/examples/fig1.yaml" >"$TEST_TMP/fig1-mn.yaml"
ok "the topology says so" grep -q '^  migration-network: management' "$TEST_TMP/fig1-mn.yaml"
vm_lab_up "$TEST_TMP/fig1-mn.yaml"

ok "boot vm1 on server8" bash -c "vm boot vm1 --on server8 --memory 128 -q >/dev/null"
sum=$(vm exec vm1 -- sh -c 'echo kept >/data/f && sync && sha256sum /data/f' | cut -d' ' -f1)
ip netns exec "$L-internet" bash -c 'ok=0 fail=0; while [ ! -f '"$TEST_TMP"'/stop ]; do
    if curl -s -m 1 http://198.18.4.1/ | grep -q "^name=vm1"; then ok=$((ok + 1)); else fail=$((fail + 1)); fi
    sleep 0.05; done; echo $ok $fail >'"$TEST_TMP"'/client' &
client=$!
trap 'touch "$TEST_TMP/stop"; kill $client 2>/dev/null; cleanup_labs' EXIT

# move TO SERVER N: migrates vm1 to TO, checks what carried it.
move() {
    local to=$1 n=$2 m0 d0 m1 d1
    m0=$(ip netns exec "$L-$to" cat /sys/class/net/mgmt0/statistics/rx_bytes)
    d0=$(ip netns exec "$L-$to" cat /sys/class/net/eth0/statistics/rx_bytes)
    ok "migrate vm1 to $to" bash -c "vm migrate vm1 --to $to --json >'$TEST_TMP/m$n' 2>&1"
    m1=$(ip netns exec "$L-$to" cat /sys/class/net/mgmt0/statistics/rx_bytes)
    d1=$(ip netns exec "$L-$to" cat /sys/class/net/eth0/statistics/rx_bytes)
    diag "$to took $(((m1 - m0) / 1000000)) MB on mgmt0, $(((d1 - d0) / 1000000)) MB on eth0 (data); $(python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))['result']
print('QEMU sent %.1f MB, downtime %d ms' % (r['qemu']['ram_bytes'] / 1e6, r['qemu']['downtime_ms']))" "$TEST_TMP/m$n")"
    is "it says the management network carried it" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['result']['network'])" "$TEST_TMP/m$n")" management
    ok "$to's management interface took the memory (over 40 MB)" test $((m1 - m0)) -gt 40000000
    ok "its data interface did not (under 8 MB)" test $((d1 - d0)) -lt 8000000
}
sleep 0.5
move server1 1
ok "vm1 is on server1 with an address of net1" bash -c "test \"\$(field vm1 server) \$(field vm1 current_address)\" = 'server1 198.51.100.3/24'"
move server2 2
is "vm1 is on server2" "$(field vm1 server)" server2
ok "the human report names the network" bash -c "vm migrate vm1 --to server1 | grep -q 'memory sent over the management network'"
sleep 1
touch "$TEST_TMP/stop"
wait $client
read -r got failed <"$TEST_TMP/client"
diag "HTTP client on the Internet host (1 s timeout, no retry), across the three moves: $got answered, $failed failed"
ok "the client was answered" test "$got" -gt 20
is "its file is intact" "$(vm exec vm1 -- sha256sum /data/f | cut -d' ' -f1)" "$sum"
ok "the Internet host reaches it at its original address" bash -c "http internet 198.18.4.1 | grep -q '^name=vm1 '"

ok "lab down" "$MINIDC" lab down "$L"
is "nothing left behind" "$(machine_footprint)" "$before"
done_testing
