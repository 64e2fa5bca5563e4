#!/usr/bin/env bash
# The paper's scenario (sections 2.2 and 2.3) in the fig1 lab, with an HTTP
# client on the Internet host addressing VM1's original address throughout:
# boot VM1 on server8; migrate it to server1 (new address 198.51.100.3, a
# rewrite on the root switch OVS1); clone it back to server8 with a balancer
# (a select group on OVS1, the switch joining net1 and net4) over which the
# client's connections are spread; remove the replica (the balancer goes, the
# rewrite comes back).  No request may fail.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools

vm_lab_up
export OVS_RUNDIR=/run/minidc/labs/$L/ovs
groups() { ovs-ofctl -O OpenFlow13 dump-groups "$1" 2>/dev/null | grep -c "type=select"; }
buckets() { ovs-ofctl -O OpenFlow13 dump-groups "$1" 2>/dev/null | grep "type=select" | head -1 | grep -o "bucket=" | wc -l; }

ok "boot VM1 on server8" bash -c "vm boot vm1 --on server8 -q >/dev/null"
# The client: one request every 20 ms, each on a new connection, for the whole scenario.
ip netns exec "$L-internet" bash -c 'ok=0 fail=0; : >'"$TEST_TMP"'/answers; while [ ! -f '"$TEST_TMP"'/stop ]; do
    t=$(date +%s.%N)
    if a=$(curl -s -m 3 http://198.18.4.1/) && [ -n "$a" ]; then ok=$((ok + 1)); echo "$a" >>'"$TEST_TMP"'/answers
    else fail=$((fail + 1)); echo "$t $(date +%s.%N)" >>'"$TEST_TMP"'/failures; fi
    sleep 0.02; done; echo $ok $fail >'"$TEST_TMP"'/client' &
client=$!
sleep 1
date +%s.%N >"$TEST_TMP/mark-a-migrate-start"
ok "migrate VM1 to server1 (another subnet)" bash -c "vm migrate vm1 --to server1 --json >'$TEST_TMP/m1'"
date +%s.%N >"$TEST_TMP/mark-a-migrate-end"
ok "rewrite 198.18.4.1 <-> 198.51.100.3 on ovs1" bash -c "api rewrites | grep -q '\"switch\": \"ovs1\"'"
sleep 1
mark() { date +%s.%N >"$TEST_TMP/mark-$1"; }
mark clone-start
ok "clone VM1 back to server8 with a balancer" bash -c "vm clone vm1 --to server8 --as vm2 --balance --json >'$TEST_TMP/clone' 2>&1"
mark clone-end
diag "$(tr '\n' ' ' <"$TEST_TMP/clone")"
ok "the balancer is on ovs1, the switch joining net1 and net4" bash -c "api balancers | grep -q '\"switch\": \"ovs1\"'"
# The clone's bucket comes once the network has seen it (right after it starts).
for _ in $(seq 40); do [ "$(buckets ovs1)" = 2 ] && break; sleep 0.05; done
is "ovs1 has select groups with two buckets; the rewrite made way" "$(buckets ovs1) $(api rewrites | grep -c '\"old\"')" "2 0"
ok "no other switch has a group" test "$(groups ovs2)$(groups ovs4)$(groups ovs7)" = "000"
before=$(wc -l <"$TEST_TMP/answers")
sleep 3
spread=$(tail -n +$((before + 1)) "$TEST_TMP/answers" | cut -d' ' -f1 | sort | uniq -c | tr '\n' ' ')
diag "answers while balanced: $spread"
ok "both replicas answered clients of the original address" bash -c "grep -q 'name=vm1' <<<'$spread' && grep -q 'name=vm2' <<<'$spread'"
ok "from other servers too" bash -c "for h in server2 server3 server7; do ip netns exec $L-\$h curl -s -m 3 http://198.18.4.1/ | grep -q '^name=vm[12] ' || exit 1; done"
mark stop-start
ok "stop the replica" bash -c "vm stop vm2 -q"
mark stop-end
is "the balancer is gone, the rewrite is back" "$(groups ovs1) $(api rewrites | grep -c '\"new\": \"198.51.100.3\"')" "0 1"
sleep 1
touch "$TEST_TMP/stop"
wait $client
read -r got failed <"$TEST_TMP/client"
diag "the Internet client across the whole scenario: $got answered, $failed failed"
# Two instants break connections under way, and minidc cannot keep them
# (docs/vms.md, "What clients see"):
# - a balancer made or taken away: a connection may be hashed to the other
#   replica, which knows nothing of it and resets it (minidc does not track
#   connections; OVS conntrack would);
# - the switch-over of a move across subnets: the guest drops its old
#   address for the new one, so a connection it had accepted on the old one
#   is reset, and what is sent between the source's pause and the rewrite
#   is lost (a SYN then waits TCP's retransmission).  The window runs from
#   the end of the memory copy to the end of the move.
# A failed request that overlaps one of these instants is told apart and
# reported; any other is an error.
switch_at=$(python3 -c "
import json
ph=json.load(open('$TEST_TMP/m1'))['phases']
n=[p['phase'] for p in ph].index('start')
print(float(open('$TEST_TMP/mark-a-migrate-start').read()) + sum(p['seconds'] for p in ph[:n]))" 2>/dev/null || echo 0)
echo "$switch_at" >"$TEST_TMP/mark-a-switch-over"
outside=0 at_change=0
while read -r t0 t1; do
    if python3 -c "
import sys
t0,t1=float('$t0'),float('$t1')
m={k: float(open('$TEST_TMP/mark-'+k).read()) for k in ('a-switch-over','a-migrate-end','clone-end','stop-start','stop-end')}
near=lambda a,b: t0 <= b + 0.2 and t1 >= a - 0.2
sys.exit(0 if near(m['a-switch-over'], m['a-migrate-end']) or near(m['clone-end'] - 0.5, m['clone-end'])
            or near(m['stop-start'], m['stop-end']) else 1)"; then
        at_change=$((at_change + 1))
        diag "a failed request from $t0 to $t1, under way at a switch-over or a balancer change"
    else
        outside=$((outside + 1))
        diag "a failed request from $t0 to $t1; marks: $(cat "$TEST_TMP"/mark-* | tr '\n' ' ')"
    fi
done < <(cat "$TEST_TMP/failures" 2>/dev/null)
diag "failed requests under way at a switch-over or a balancer change: $at_change; elsewhere: $outside"
# A transfer that had to be tried again (its guest agent silent on the new
# host, docs/vms.md) leaves a gap of seconds: reported, not counted.
retried=$(python3 -c "
import json
n=0
for f in ('$TEST_TMP/m1', '$TEST_TMP/clone'):
    n += json.load(open(f)).get('result', {}).get('attempts', 1) > 1
print(n)")
if [ "$retried" = 0 ]; then
    is "no request to the original address failed (but those under way at a switch-over or a balancer change)" "$outside" "0"
else
    diag "$retried transfer(s) needed another attempt: $outside failed requests outside balancer changes (not counted)"
fi
ok "after the replica's removal VM1 answers alone" bash -c "tail -3 '$TEST_TMP/answers' | grep -vq vm2"
ev=$(timeout 2 "$MINIDC" events --lab "$L" --json --since 0 2>/dev/null | python3 -c "
import json,sys
t=[json.loads(l)['type'] for l in sys.stdin]
print(' '.join(x for x in t if x.startswith(('rewrite','balancer','vm.'))))")
is "events: boot, migrate, rewrite, clone, balancer, removal" "$ev" \
    "vm.booted rewrite.installed vm.migrated rewrite.removed balancer.created vm.cloned balancer.removed rewrite.installed vm.destroyed"
ok "lab down" bash -c "'$MINIDC' lab down '$L' >/dev/null 2>&1"
done_testing
