#!/usr/bin/env bash
# A switch graph with a loop: fig1 plus a link between ovs2 and ovs3.
# Broadcasts follow a spanning tree (no storm); traffic takes the shortest
# path; when that path's link goes down, traffic moves to the other path, and
# back when it returns.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools

before=$(machine_footprint)
sed 's/^  - \[ovs7, server8\]$/  - [ovs7, server8]\n  - [ovs2, ovs3]/' "$SRC/examples/fig1.yaml" >"$TEST_TMP/loop.yaml"
ok "the loop topology is valid" bash -c "'$MINIDC' topology check '$TEST_TMP/loop.yaml' >/dev/null"
is "server1 <-> server8 now crosses 4 switches" "$("$MINIDC" topology route "$TEST_TMP/loop.yaml" server1 server8 | awk '{print $4}')" "4"
new_lab L
ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$TEST_TMP/loop.yaml"
sleep 2 # LLDP finds the links

packets() { # packets SWITCH DST_IP
    "$MINIDC" lab exec --lab "$L" "$1" -- ovs-ofctl -O OpenFlow13 dump-flows "$1" "ip,nw_dst=$2" |
        grep -o 'n_packets=[0-9]*' | cut -d= -f2 | awk '{n += $1} END {print n + 0}'
}
path() { # path SRC DST_IP: the switches whose flow counted 20 pings
    local sw after_c out=""
    declare -A b4
    for sw in ovs1 ovs2 ovs3 ovs4 ovs5 ovs6 ovs7; do b4[$sw]=$(packets "$sw" "$2"); done
    ip netns exec "$L-$1" ping -n -c 20 -i 0.01 -W 1 "$2" >/dev/null
    sleep 2
    for sw in ovs1 ovs2 ovs3 ovs4 ovs5 ovs6 ovs7; do
        after_c=$(packets "$sw" "$2")
        [ $(( ${after_c:-0} - ${b4[$sw]:-0} )) -ge 20 ] && out="$out$sw "
    done
    echo "$out"
}
S8=198.18.4.8
ok "server1 reaches server8" bash -c "ip netns exec '$L-server1' ping -n -c 2 -W 1 $S8 >/dev/null"
is "the shortest path takes the new link" "$(path server1 $S8)" "ovs2 ovs3 ovs4 ovs7 "

# Broadcast over the loop: a spanning tree carries it once to each switch.
rx0=$(ip netns exec "$L-server8" cat /sys/class/net/eth0/statistics/rx_packets)
ip netns exec "$L-server1" ping -b -n -c 3 -i 0.2 -W 1 255.255.255.255 >/dev/null 2>&1
sleep 1
rx1=$(ip netns exec "$L-server8" cat /sys/class/net/eth0/statistics/rx_packets)
diag "server8 received $((rx1 - rx0)) frames while server1 sent 3 broadcasts"
ok "broadcasts reach the far side" test $((rx1 - rx0)) -ge 3
ok "and do not loop (no storm)" test $((rx1 - rx0)) -le 10

# Cut the ovs2-ovs3 link (the last link of the file: port 4 on both).
ip netns exec "$L-server1" ping -n -i 0.05 -c 100 -W 1 $S8 >"$TEST_TMP/ping-cut" 2>&1 &
pinger=$!
sleep 1
ip -n "$L" link set ovs2-4 down
wait "$pinger"
lost=$(grep -o '[0-9]* received' "$TEST_TMP/ping-cut" | cut -d' ' -f1)
diag "ping every 50 ms across the cut: ${lost:-0} of 100 answered"
ok "traffic goes on across the cut" test "${lost:-0}" -ge 90
is "traffic now goes round through ovs1" "$(path server1 $S8)" "ovs1 ovs2 ovs3 ovs4 ovs7 "
"$MINIDC" topology --lab "$L" --json >"$TEST_TMP/view.json"
is "the controller no longer lists the link" "$(python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
print(sum(1 for l in d['links'] if {l['from'], l['to']} == {'ovs2', 'ovs3'}))" "$TEST_TMP/view.json")" "0"

ip -n "$L" link set ovs2-4 up
sleep 3
is "with the link back, the short path returns" "$(path server1 $S8)" "ovs2 ovs3 ovs4 ovs7 "

ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
done_testing
