#!/usr/bin/env bash
# Faults around a moving VM.  A destination whose data link goes down in the
# middle of a migration: the move must fail because nothing moves any more
# (not wait for TCP to give up, minutes), the source must run on and answer,
# nothing may be left on the destination, and with the link back the same
# move must go through.  A long command in the guest holds neither the VM
# (it can be moved meanwhile) nor minidcd's view of it.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools qemu-ga ss

vm_lab_up
ok "boot vm1 on server8" vm boot vm1 --on server8 --quiet
(
    end=$((SECONDS + 240))
    while [ $SECONDS -lt $end ] && [ ! -f "$TEST_TMP/stop" ]; do
        if ip netns exec "$L-server1" curl -s -o /dev/null -m 1 http://198.18.4.1/; then echo ok; else echo fail; fi
        sleep 0.1
    done
) >"$TEST_TMP/http" &
client=$!

t0=$SECONDS
vm migrate vm1 --to server7 >"$TEST_TMP/move.out" 2>&1 &
move=$!
# Once server7 listens for the transfer, and the copy has started, its link goes.
for _ in $(seq 500); do
    ip netns exec "$L-server7" ss -ltnH 'sport >= :7100 and sport <= :7163' | grep -q . && break
    sleep 0.01
done
sleep 0.3
ip -n "$L-server7" link set eth0 down
wait $move
is "the move fails" "$?" 1
diag "$(tail -1 "$TEST_TMP/move.out") (after $((SECONDS - t0)) s)"
ok "because nothing moved any more" grep -q "made no progress" "$TEST_TMP/move.out"
ip -n "$L-server7" link set eth0 up
touch "$TEST_TMP/stop"
wait $client
is "vm1 still runs on server8" "$(vm list --json | python3 -c "import json,sys; v=[v for v in json.load(sys.stdin)['vms'] if v['name']=='vm1'][0]; print(v['server'], v['state'])")" "server8 running"
# The source was never frozen: no run of failed requests (1 s timeout, every
# 0.1 s) longer than two; a lone failure is reported (issue 17's bench/follow
# measures those), a frozen source would fail for as long as the move lasts.
streak=$(awk '$1 == "fail" {n++; if (n > m) m = n; next} {n = 0} END {print m + 0}' "$TEST_TMP/http")
diag "HTTP from server1: $(grep -c ok "$TEST_TMP/http") answered, $(grep -c fail "$TEST_TMP/http") failed, at most $streak in a row"
ok "the HTTP client on server1 never went unanswered for long (at most 2 failed requests in a row)" test "$streak" -le 2
is "nothing of it is left on server7" "$(ls "/run/minidc/labs/$L/agents/server7/vms" 2>/dev/null)" ""
is "no transfer connection is left on server8" "$(ip netns exec "$L-server8" ss -tnH 'dport >= :7100 and dport <= :7163' | wc -l)" 0
ok "with the link back the move goes through" vm migrate vm1 --to server7 --quiet
ok "and vm1 answers there" bash -c "ip netns exec $L-internet curl -s -m 3 http://198.18.4.1/ | grep -q '^name=vm1 '"
# A long exec does not hold the VM: a move and a stop go ahead (the
# command, on the copy that goes, is cut short with an error).
vm exec vm1 -- sleep 30 >"$TEST_TMP/exec.out" 2>&1 &
execp=$!
sleep 1
ok "a migration goes ahead while a command runs in the guest" vm migrate vm1 --to server8 --quiet
wait $execp
is "the command, cut short by the move, ends with an error" "$?" 1
vm exec vm1 -- sleep 30 >"$TEST_TMP/exec.out" 2>&1 &
execp=$!
sleep 1
is "vm list shows vm1 running meanwhile" "$(vm list --json | python3 -c "import json,sys; v=[v for v in json.load(sys.stdin)['vms'] if v['name']=='vm1'][0]; print(v['server'], v['state'])")" "server8 running"
ok "and it can be stopped meanwhile" vm stop vm1 --quiet
wait $execp
is "that command ends with an error too" "$?" 1
ok "lab down" "$MINIDC" lab down "$L"
done_testing
