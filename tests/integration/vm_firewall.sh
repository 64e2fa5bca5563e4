#!/usr/bin/env bash
# Nothing of a server is open to strangers: a guest cannot reach its own
# server's agent through the server's bridge, and the ports a destination
# opens for a migration (QEMU's NBD export of the arriving disk, its incoming
# migration) take connections from the source alone: the Internet host and
# another server trying them all through a migration get nothing, and the
# migration goes through.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools qemu-ga nft

vm_lab_up
ok "boot vm1 on server8" vm boot vm1 --on server8 --quiet
# tcp_try NS ADDR PORT: whether a TCP connection from namespace NS is accepted within 1 s.
tcp_try() { ip netns exec "$L-$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
touch "$TEST_TMP/strangers"

# The guest reaches its server's bridge address, and with a route of its
# own the server's management address on that bridge: the agent must not
# answer there.
listen_once() { # listen_once NS ADDR PORT: accepts one connection within 20 s
    ip netns exec "$L-$1" timeout 20 python3 -c "
import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$2', $3)); s.listen(); s.accept()" &
    sleep 0.5
}
guest_tcp() { vm exec vm1 -- sh -c "nc -w 2 $1 $2 </dev/null >/dev/null 2>&1 && echo open || echo closed"; }
listen_once server8 198.18.4.8 9999
is "the guest reaches a port of server8's data address" "$(guest_tcp 198.18.4.8 9999)" "open"
vm exec vm1 -- ip route add 192.0.2.8/32 dev eth0 >/dev/null 2>&1
listen_once server8 192.0.2.8 9999
is "but nothing on its management address (a listener there)" "$(guest_tcp 192.0.2.8 9999)" "closed"
is "so not its server's agent (192.0.2.8:7070)" "$(guest_tcp 192.0.2.8 7070)" "closed"
ok "while the fabric reaches that listener" bash -c "ip netns exec $L timeout 2 bash -c 'exec 3<>/dev/tcp/192.0.2.8/9999'"
ok "minidcd still reaches the agents (management network)" bash -c "'$MINIDC' vm list --lab $L | grep -q vm1"

# Through a migration to server7, strangers try every transfer port it opens.
vm migrate vm1 --to server7 --quiet >"$TEST_TMP/move.out" 2>&1 &
move=$!
ports=
while kill -0 $move 2>/dev/null && [ -z "$ports" ]; do
    ports=$(ip netns exec "$L-server7" ss -ltnH 'sport >= :7100 and sport <= :7163' | awk '{sub(/.*:/, "", $4); print $4}')
    sleep 0.02
done
tries=0
for port in $ports; do
    for from in internet server6; do
        tries=$((tries + 1))
        (tcp_try "$from" 198.18.4.7 "$port" && echo accepted) >>"$TEST_TMP/strangers" &
    done
done
wait $move
is "the migration went through" "$?" 0
wait
diag "$(cat "$TEST_TMP/move.out")"
is "server7 listened on two transfer ports during it" "$(echo $ports | wc -w)" 2
is "none of the $tries connections from the Internet host and server6 to them was accepted" \
    "$(grep -c accepted "$TEST_TMP/strangers")" 0
ok "the firewall is in server7's namespace" bash -c "ip netns exec $L-server7 nft list table ip minidc_agent | grep -q transfer_peers"
is "and admits no one once the move is done" \
    "$(ip netns exec "$L-server7" nft -j list set ip minidc_agent transfer_peers | python3 -c "import json,sys; print(sum(1 for x in json.load(sys.stdin)['nftables'] if 'set' in x and x['set'].get('elem')))")" "0"
ok "vm1 answers on server7" bash -c "ip netns exec $L-internet curl -s -m 3 http://198.18.4.1/ | grep -q '^name=vm1 '"
ok "lab down" "$MINIDC" lab down "$L"
done_testing
