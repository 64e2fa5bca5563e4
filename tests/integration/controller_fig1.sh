#!/usr/bin/env bash
# minidcd on the fig1 lab: every node reaches every other (72 ordered pairs,
# no loss after the first packet), TCP across subnets, the paper's four
# routes cross 1, 3, 3 and 5 switches (counted from the flows' packet
# counters), the API, and a controller killed and restarted: traffic goes on
# while it is down and no stale flow remains after.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools

FIG1="$SRC/examples/fig1.yaml"
before=$(machine_footprint)
new_lab L
ok "lab up with minidcd" "$MINIDC" lab up --quiet --name "$L" "$FIG1"
ok "minidcd runs in the fabric" test -n "$(ip netns pids "$L" | xargs -r ps -o comm= -p | grep -x minidcd)"

addr() { # addr NODE
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([n['address'] for n in d['nodes'] if n['name']==sys.argv[2]][0])" "$TEST_TMP/topo.json" "$1"
}
"$MINIDC" topology check --json "$FIG1" >"$TEST_TMP/topo.json"
nodes="server1 server2 server3 server4 server5 server6 server7 server8 internet"

# 72 ordered pairs, three pings each: the first may go while the controller
# learns; none after it may be lost.
for a in $nodes; do for b in $nodes; do [ "$a" != "$b" ] && echo "$a $b $(addr "$b")"; done; done >"$TEST_TMP/pairs"
is "72 ordered pairs" "$(wc -l <"$TEST_TMP/pairs")" "72"
xargs -P 12 -L 1 bash -c '
    out=$(ip netns exec "'"$L"'-$0" ping -n -c 3 -i 0.2 -W 1 "$2" 2>&1)
    got=$(echo "$out" | sed -n "s/.* \([0-9]*\) received.*/\1/p")
    seq=$(echo "$out" | grep -o "icmp_seq=[0-9]*" | tr "\n" " ")
    echo "$0 $1 ${got:-0} $seq"' <"$TEST_TMP/pairs" >"$TEST_TMP/results"
all3=$(awk '$3 == 3' "$TEST_TMP/results" | wc -l)
lossy=$(awk '$3 < 2 || ($3 == 2 && $0 !~ /icmp_seq=2 icmp_seq=3/)' "$TEST_TMP/results")
diag "pairs with all 3 replies: $all3 of 72"
is "every pair answers, no loss after the first packet" "$lossy" ""

# TCP across subnets (server1 in 198.51.100.0/24, server8 in 198.18.4.0/24).
if command -v iperf3 >/dev/null; then
    ip netns exec "$L-server8" iperf3 -s -1 -D >/dev/null 2>&1
    sleep 0.3
    bps=$(ip netns exec "$L-server1" iperf3 -c "$(addr server8)" -t 1 -J 2>/dev/null |
        python3 -c "import json,sys; print(int(json.load(sys.stdin)['end']['sum_received']['bits_per_second']))" 2>/dev/null)
    diag "TCP server1 -> server8 (routed, 5 switches): ${bps:-0} bit/s"
    ok "TCP between subnets moves data" test "${bps:-0}" -gt 10000000
fi

# The paper's routes: switches whose flow towards the destination counted
# the pings are the switches crossed.
packets() { # packets SWITCH DST_IP
    "$MINIDC" lab exec --lab "$L" "$1" -- ovs-ofctl -O OpenFlow13 dump-flows "$1" "ip,nw_dst=$2" |
        grep -o 'n_packets=[0-9]*' | cut -d= -f2 | awk '{n += $1} END {print n + 0}'
}
crossed() { # crossed SRC DST
    local dst sw before_c after_c n=0
    dst=$(addr "$2")
    declare -A b4
    for sw in ovs1 ovs2 ovs3 ovs4 ovs5 ovs6 ovs7; do b4[$sw]=$(packets "$sw" "$dst"); done
    ip netns exec "$L-$1" ping -n -c 20 -i 0.01 -W 1 "$dst" >/dev/null
    sleep 2 # the userspace datapath reports flow counters to OpenFlow a little later
    for sw in ovs1 ovs2 ovs3 ovs4 ovs5 ovs6 ovs7; do
        after_c=$(packets "$sw" "$dst")
        [ $(( ${after_c:-0} - ${b4[$sw]:-0} )) -ge 20 ] && n=$((n + 1))
    done
    echo "$n"
}
is "route 1: server1 <-> server2 crosses 1 switch" "$(crossed server1 server2)" "1"
is "route 2: internet <-> server1 crosses 3 switches" "$(crossed internet server1)" "3"
is "route 3: server1 <-> server3 crosses 3 switches" "$(crossed server1 server3)" "3"
is "route 4: server1 <-> server8 crosses 5 switches" "$(crossed server1 server8)" "5"
is "and back: server8 -> server1 crosses 5 switches" "$(crossed server8 server1)" "5"

# Routed packets: the gateway rewrite and a TTL decrement, seen by the receiver.
ttl=$(ip netns exec "$L-server1" ping -n -c 1 "$(addr server8)" | grep -o 'ttl=[0-9]*' | cut -d= -f2)
is "a routed packet arrives with its TTL decremented once" "$ttl" "63"
ttl=$(ip netns exec "$L-server1" ping -n -c 1 "$(addr server2)" | grep -o 'ttl=[0-9]*' | cut -d= -f2)
is "a packet within a subnet keeps its TTL" "$ttl" "64"

# The API and the commands on it.
"$MINIDC" topology --lab "$L" --json >"$TEST_TMP/view.json"
is "topology --json: 7 connected switches, 12 link directions, 9 hosts" "$(python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
print(sum(s['connected'] for s in d['switches']), len(d['links']), len(d['hosts']))" "$TEST_TMP/view.json")" "7 12 9"
is "server1 learned on ovs4 port 2" "$(python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
print([h['switch']+':'+str(h['port']) for h in d['hosts'] if h['ip']=='198.51.100.1'][0])" "$TEST_TMP/view.json")" "ovs4:2"
ok "minidc flows shows the switch's table" bash -c "'$MINIDC' flows --lab '$L' ovs4 | grep -q 'cookie=0x6d020000c6336401.*ipv4_dst=198.51.100.1'"
out=$("$MINIDC" flows --lab "$L" nosuchswitch 2>&1)
ok "minidc flows on an unknown switch says so" grep -q "no such switch" <<<"$out"

# Controller killed: traffic between talking nodes goes on; on restart the
# controller sweeps what it does not want and keeps what it does.
ip netns exec "$L-server1" ping -n -i 0.1 -c 60 "$(addr server8)" >"$TEST_TMP/ping-during" 2>&1 &
pinger=$!
sleep 1
pkill -9 -f "minidcd --topology /run/minidc/labs/$L/" || kill -9 "$(cat "/run/minidc/labs/$L/minidcd.pid")"
sleep 1
vs() { "$MINIDC" lab exec --lab "$L" "$1" -- ovs-ofctl -O OpenFlow13 "${@:2}"; }
# Stale: a host route for a host that does not exist, a flow of an owner
# this controller does not run; and a flow that is not minidc's at all.
vs ovs2 add-flow ovs2 "table=1,cookie=0x6d020000c6336463,priority=100,ip,nw_dst=198.51.100.99,actions=output:1"
vs ovs2 add-flow ovs2 "table=0,cookie=0x6d05000000000001,priority=700,ip,nw_dst=198.51.100.98,actions=drop"
vs ovs2 add-flow ovs2 "table=0,cookie=0x1234,priority=1,arp,arp_tpa=198.51.100.97,actions=drop"
sleep 2
ok "lab up restarts the controller" "$MINIDC" lab up --quiet --name "$L" "$FIG1"
wait "$pinger"
lost=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' "$TEST_TMP/ping-during")
diag "ping server1 -> server8 every 0.1 s across the restart: ${lost:-?}% lost"
ok "pings went on while the controller was down" test "${lost:-100}" -le 5
sleep 3
flows2=$(vs ovs2 dump-flows ovs2)
ok "the stale host route was swept" bash -c "! grep -q 198.51.100.99 <<<'$flows2'"
ok "the flow of an owner no longer running was swept" bash -c "! grep -q 198.51.100.98 <<<'$flows2'"
ok "a flow that is not minidc's is left alone" grep -q "198.51.100.97" <<<"$flows2"
ok "wanted host routes are still there" grep -q "nw_dst=198.18.4.8" <<<"$flows2"
"$MINIDC" lab pingall --lab "$L" --json >"$TEST_TMP/ping.json"
is "after the restart all 72 pairs answer" "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['received'])" "$TEST_TMP/ping.json")" "72"

ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
done_testing
