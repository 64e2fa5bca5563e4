#!/usr/bin/env bash
# The fig1 lab, built for real: structure through ovs-vsctl and ip netns,
# same-subnet reachability with standalone switches, TCP through the
# userspace datapath, idempotent up, two labs side by side, secure mode, and a
# down that leaves nothing behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools

FIG1="$SRC/examples/fig1.yaml"
before=$(machine_footprint)
new_lab L

ok "lab up --standalone fig1 as $L" "$MINIDC" lab up --standalone --name "$L" --quiet "$FIG1"

# Switches: one bridge each, userspace datapath, stable datapath ids.
is "seven bridges" "$(lab_vsctl "$L" list-br | tr '\n' ' ')" "ovs1 ovs2 ovs3 ovs4 ovs5 ovs6 ovs7 "
"$MINIDC" topology check --json "$FIG1" >"$TEST_TMP/topo.json"
for sw in ovs1 ovs4 ovs7; do
    want=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([n['dpid'] for n in d['nodes'] if n['name']==sys.argv[2]][0])" "$TEST_TMP/topo.json" "$sw")
    is "$sw datapath id derived from its name" "$(lab_vsctl "$L" get bridge "$sw" other_config:datapath-id | tr -d '"')" "$want"
    is "$sw userspace datapath" "$(lab_vsctl "$L" get bridge "$sw" datapath_type)" "netdev"
    is "$sw standalone" "$(lab_vsctl "$L" get bridge "$sw" fail_mode)" "standalone"
    is "$sw speaks OpenFlow 1.3 and 1.0" "$(lab_vsctl "$L" get bridge "$sw" protocols)" '[OpenFlow10, OpenFlow13]'
done
is "ovs1 ports: internet, ovs2, ovs3" "$(lab_vsctl "$L" list-ports ovs1 | tr '\n' ' ')" "ovs1-1 ovs1-2 ovs1-3 "
is "ovs4 port 2 leads to server1" "$(lab_vsctl "$L" get interface ovs4-2 external_ids:minidc-peer | tr -d '"')" "server1"
is "ovs4-2 is OpenFlow port 2" "$(lab_vsctl "$L" get interface ovs4-2 ofport)" "2"

# Namespaces: the fabric plus one per server and host.
ns=$(ip netns list | awk '{print $1}' | grep -E "^$L(-|$)" | sort | tr '\n' ' ')
is "namespaces of the lab" "$ns" "$L $L-internet $L-server1 $L-server2 $L-server3 $L-server4 $L-server5 $L-server6 $L-server7 $L-server8 "

# Inside a server: uplink in a Linux bridge that holds the address, route via the gateway.
is "server1 uplink in br0" "$(ip -n "$L-server1" -o link show eth0 | grep -o 'master br0')" "master br0"
is "server1 address on br0" "$(ip -n "$L-server1" -o -4 addr show br0 | awk '{print $4}')" "198.51.100.1/24"
is "server1 default route" "$(ip -n "$L-server1" route show default | awk '{print $3}')" "198.51.100.254"
is "server1 management address" "$(ip -n "$L-server1" -o -4 addr show mgmt0 | awk '{print $4}')" "192.0.2.1/24"
is "internet address" "$(ip -n "$L-internet" -o -4 addr show eth0 | awk '{print $4}')" "203.0.113.1/24"
if command -v ethtool >/dev/null; then
    is "TX checksum offload off in a server" "$(ip netns exec "$L-server1" ethtool -k eth0 | awk '/^tx-checksumming:/{print $2}')" "off"
    is "TX checksum offload off on a switch port" "$(ip netns exec "$L" ethtool -k ovs4-2 | awk '/^tx-checksumming:/{print $2}')" "off"
fi
is "the root namespace holds nothing of the lab" "$(ip -o link | grep -c "$L")" "0"

# Reachability in standalone mode: same-subnet pairs.
ok "pingall: every same-subnet pair answers" bash -c "'$MINIDC' lab pingall --lab '$L' >/dev/null"
"$MINIDC" lab pingall --lab "$L" --json >"$TEST_TMP/ping.json"
is "pingall checked the 8 same-subnet pairs" "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['sent'], d['received'])" "$TEST_TMP/ping.json")" "8 8"
ok "names resolve inside the lab (server1 ping server2)" bash -c "'$MINIDC' lab exec --lab '$L' server1 -- ping -c 1 -W 2 server2 >/dev/null"
ok "no route between subnets without a controller" \
    bash -c "! '$MINIDC' lab exec --lab '$L' server1 -- ping -c 1 -W 1 server3 >/dev/null"
ok "lab exec on a switch reaches the lab's Open vSwitch" bash -c "'$MINIDC' lab exec --lab '$L' ovs1 -- ovs-ofctl -O OpenFlow13 show ovs1 | grep -q 'ovs1-1'"

# TCP through the userspace datapath (stalls unless TX checksum offload is off).
if command -v iperf3 >/dev/null; then
    ip netns exec "$L-server2" iperf3 -s -1 -D >/dev/null 2>&1
    sleep 0.3
    bps=$(ip netns exec "$L-server1" iperf3 -c 198.51.100.2 -t 1 -J 2>/dev/null | python3 -c "import json,sys; print(int(json.load(sys.stdin)['end']['sum_received']['bits_per_second']))" 2>/dev/null)
    diag "iperf3 server1 -> server2: ${bps:-0} bit/s"
    ok "TCP between servers through OVS moves data" test "${bps:-0}" -gt 10000000
fi

# Status.
"$MINIDC" lab status "$L" --json >"$TEST_TMP/status.json"
is "status --json: 9 nodes, 7 switches, up" "$(python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
print(len(d['nodes']), len(d['switches']), d['phase'], all(n['present'] for n in d['nodes']), sorted(n['kind'] for n in d['nodes'])[0])" "$TEST_TMP/status.json")" "9 7 up True host"
is "status --json: server1's namespace and addresses" "$(python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); n=[n for n in d['nodes'] if n['name']=='server1'][0]
print(n['namespace'], n['addresses'][0], n['management'])" "$TEST_TMP/status.json")" "$L-server1 198.51.100.1/24 192.0.2.1/24"

# Up twice: nothing duplicated.
n_before=$(ip netns list | wc -l)
ok "a second up on a running lab succeeds" "$MINIDC" lab up --standalone --name "$L" --quiet "$FIG1"
is "a second up makes no namespace" "$(ip netns list | wc -l)" "$n_before"
is "a second up makes no bridge" "$(lab_vsctl "$L" list-br | wc -l)" "7"

# A second lab from the same file, side by side, with the same addresses,
# this one with its controller.
new_lab L2
ok "a second lab comes up beside the first" "$MINIDC" lab up --name "$L2" --quiet "$FIG1"
is "second lab: switches wait for a controller (secure)" "$(lab_vsctl "$L2" get bridge ovs1 fail_mode)" "secure"
is "second lab: controller target from the file" "$(lab_vsctl "$L2" get-controller ovs1)" "tcp:192.0.2.254:6653"
ok "second lab: the controller address is on its management network" \
    bash -c "ip -n '$L2' -o -4 addr show | grep -q '192.0.2.254/24'"
ok "second lab: a server reaches the controller's address over management" \
    bash -c "ip netns exec '$L2-server3' ping -c 1 -W 2 192.0.2.254 >/dev/null"
ok "second lab: its own minidcd routes between subnets" \
    bash -c "ip netns exec '$L2-server1' ping -c 2 -W 2 198.18.4.8 >/dev/null"
ok "first lab (standalone) still has no route between subnets" \
    bash -c "! ip netns exec '$L-server1' ping -c 1 -W 1 198.18.4.8 >/dev/null"
ok "down the second lab" bash -c "'$MINIDC' lab down '$L2' 2>/dev/null"
ok "the first lab still works after the second went" bash -c "'$MINIDC' lab pingall --lab '$L' >/dev/null"

ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
ok "down twice is harmless" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind (namespaces, links, daemons, state, /etc/netns)" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
is "no namespace of the lab" "$(ip netns list | grep -c "^$L")" "0"

done_testing
