#!/usr/bin/env bash
# Live migration never corrupts a guest: a VM under traffic (HTTP every 20 ms
# and an iperf3 stream of 20 Mbit/s into it, which is what made QEMU 7.2
# under TCG lose pages) moves back and forth between server8 and server7
# MEMCHECK_MOVES times (default 10) with --verify-memory: each side dumps the
# guest's RAM while it is paused and the destination compares it page by
# page before the copy runs.  Every move must compare every page and find
# none differing, and the guest must still answer at the end.  Then a
# destination that finds a page differing (a fault injected into its agent)
# must refuse the copy: the move fails, the source runs on, nothing is left.
# bench/memcheck runs the same for 200 moves.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools qemu-ga iperf3
moves=${MEMCHECK_MOVES:-10}

vm_lab_up
ok "boot vm1 on server8" vm boot vm1 --on server8 --quiet
pages=$(( $(vm list --json | python3 -c "import json,sys; print([v for v in json.load(sys.stdin)['vms'] if v['name']=='vm1'][0]['memory_mib'])") * 256 ))

# Traffic into the guest for the whole run, bounded in time.
vm exec vm1 -- iperf3 -s -D >/dev/null 2>&1
ip netns exec "$L-internet" timeout $((moves * 20 + 60)) iperf3 -c 198.18.4.1 -t $((moves * 20 + 30)) -b 20M \
    >"$TEST_TMP/iperf.log" 2>&1 &
iperf=$!
(
    end=$((SECONDS + moves * 20 + 60))
    while [ $SECONDS -lt $end ]; do
        ip netns exec "$L-internet" curl -s -o /dev/null -m 2 http://198.18.4.1/ && echo ok || echo fail
        sleep 0.02
    done
) >"$TEST_TMP/http.log" 2>&1 &
client=$!
sleep 1

ran=0 checked=0 clean=0 differing=0
where=server8
for i in $(seq 1 "$moves"); do
    to=$([ $where = server8 ] && echo server7 || echo server8)
    if vm migrate vm1 --to "$to" --verify-memory --json >"$TEST_TMP/move.json" 2>"$TEST_TMP/move.err"; then
        ran=$((ran + 1))
        where=$to
        read -r p d < <(python3 -c "
import json; m=json.load(open('$TEST_TMP/move.json'))['result'].get('memory_check') or {}
print(m.get('pages', 0), m.get('differing', -1))")
        [ "$p" = "$pages" ] && checked=$((checked + 1))
        [ "$d" = 0 ] && clean=$((clean + 1)) || differing=$((differing + 1))
    else
        diag "move $i to $to failed: $(tail -1 "$TEST_TMP/move.err")"
        grep -q "pages of guest memory differ" "$TEST_TMP/move.err" && differing=$((differing + 1))
    fi
done
is "all $moves moves under traffic went through" "$ran" "$moves"
is "each compared all $pages pages of the guest's memory" "$checked" "$moves"
is "no move lost or garbled a page" "$differing" 0
ok "the guest still runs commands" vm exec vm1 -- true
ok "and answers HTTP" bash -c "ip netns exec $L-internet curl -s -m 3 http://198.18.4.1/ | grep -q '^name=vm1 '"
kill $client $iperf 2>/dev/null
wait $client $iperf 2>/dev/null
diag "HTTP every 20 ms during the moves: $(grep -c ok "$TEST_TMP/http.log") answered, $(grep -c fail "$TEST_TMP/http.log") failed (not counted here: bench/follow measures them)"

# A destination that finds a page differing refuses the copy.
dest=$([ $where = server8 ] && echo server7 || echo server8)
kill "$(cat "/run/minidc/labs/$L/agents/$dest.pid")"
for _ in $(seq 50); do [ -e "/run/minidc/labs/$L/agents/$dest.pid" ] || break; sleep 0.1; done
ok "the agent of $dest restarts with a fault: one page arrives garbled" \
    env MINIDC_FAULT=agent:memory-differs "$MINIDC" lab up --quiet --name "$L" "$SRC/examples/fig1.yaml"
vm migrate vm1 --to "$dest" --verify-memory >"$TEST_TMP/bad.out" 2>&1
is "the move fails" "$?" 1
ok "saying that pages differ" grep -q "1 of $pages pages of guest memory differ" "$TEST_TMP/bad.out"
is "vm1 is still on $where, running" "$(vm list --json | python3 -c "import json,sys; v=[v for v in json.load(sys.stdin)['vms'] if v['name']=='vm1'][0]; print(v['server'], v['state'])")" "$where running"
ok "and answers" vm exec vm1 -- true
is "nothing of it is left on $dest" "$(ls "/run/minidc/labs/$L/agents/$dest/vms" 2>/dev/null)" ""
ok "vm stop" vm stop vm1 --quiet
ok "lab down" "$MINIDC" lab down "$L"
done_testing
