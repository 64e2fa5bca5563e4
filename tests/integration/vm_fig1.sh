#!/usr/bin/env bash
# VMs in the fig1 lab, through minidcd and the agents: boot on server8, HTTP
# from the Internet host, live migration to server7 (same subnet: same
# address and MAC, a file written before intact, an HTTP client on another
# server never fails, an iperf3 connection lives through it), clone to server8 (both answer with their own names,
# disks diverge), agents killed and restarted (VMs run on and are listed),
# metrics, and each failure case: not enough memory, an unreachable or dying
# destination.  Nothing may be left behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools qemu-ga

before=$(machine_footprint)
new_lab L
export L
ok "lab up (with an agent on every server)" "$MINIDC" lab up --quiet --name "$L" "$SRC/examples/fig1.yaml"
agent_dir() { echo "/run/minidc/labs/$L/agents/$1/vms"; }
vms_on() { ls "$(agent_dir "$1")" 2>/dev/null | sort | tr '\n' ' '; }
qemus_in() { # live QEMU processes in a server's namespace
    local n=0 p
    for p in $(ip netns pids "$L-$1" 2>/dev/null); do
        [ "$(cat /proc/$p/comm 2>/dev/null)" != "${2:-}" ] && [ -n "${2:-}" ] && continue
        grep -q "^State:.*[RSD]" /proc/$p/status 2>/dev/null && grep -qa qemu-system /proc/$p/cmdline && n=$((n + 1))
    done
    echo $n
}

timeout 600 "$MINIDC" events --lab "$L" --json >"$TEST_TMP/events.json" 2>/dev/null &
events_pid=$!

# --- boot ---
ok "boot vm1 on server8" bash -c "vm boot vm1 --on server8 >'$TEST_TMP/boot.out' 2>&1"
diag "$(cat "$TEST_TMP/boot.out" | tr '\n' ' ')"
is "vm1 runs on server8 with the subnet's first free address" "$(field vm1 server) $(field vm1 current_address) $(field vm1 state)" \
    "server8 198.18.4.1/24 running"
mac=$(field vm1 mac)
is "its MAC is minidc's, made from its address" "$mac" "02:6d:c6:12:04:01"
ok "vm1 answers HTTP from the Internet host" bash -c "http internet 198.18.4.1 | grep -q '^name=vm1 address=198.18.4.1 '"
sum=$(vm exec vm1 -- sh -c 'dd if=/dev/urandom of=/data/before bs=1k count=2048 2>/dev/null && sync && sha256sum /data/before' | cut -d' ' -f1)
ok "a 2 MiB file of random bytes is written in the guest" test ${#sum} = 64
is "exec passes the command's exit status" "$(vm exec vm1 -- sh -c 'exit 3'; echo $?)" "3"

# --- live migration within the subnet, with a client running ---
ip netns exec "$L-server1" bash -c 'ok=0 fail=0; end=$((SECONDS + 60)); while [ ! -f '"$TEST_TMP"'/stop ] && [ $SECONDS -lt $end ]; do
    if curl -s -m 3 http://198.18.4.1/ | grep -q "^name=vm1"; then ok=$((ok + 1)); else fail=$((fail + 1)); fi
    [ -f '"$TEST_TMP"'/migrated ] && echo $ok $fail >'"$TEST_TMP"'/after-count
    sleep 0.02; done; echo $ok $fail >'"$TEST_TMP"'/client' &
client=$!
# And one long-lived TCP connection (iperf3, 20 Mbit/s) from the Internet host.
vm exec vm1 -- iperf3 -s -1 -D >/dev/null 2>&1
sleep 0.3
ip netns exec "$L-internet" timeout 40 iperf3 -c 198.18.4.1 -t 6 -b 20M -i 0.5 -J >"$TEST_TMP/iperf.json" 2>&1 &
iperf=$!
sleep 1
ok "migrate vm1 to server7" bash -c "vm migrate vm1 --to server7 --json >'$TEST_TMP/mig.out' 2>&1"
diag "$(python3 -c "
import json
d = json.load(open('$TEST_TMP/mig.out'))
print(' '.join('%s %.2f s' % (p['phase'], p['seconds']) for p in d['phases']), d['result'].get('qemu'))")"
attempts=$(python3 -c "import json; print(json.load(open('$TEST_TMP/mig.out')).get('result', {}).get('attempts', 1))")
touch "$TEST_TMP/migrated"
sleep 1
touch "$TEST_TMP/stop"
wait $client
read -r got failed <"$TEST_TMP/client"
diag "HTTP client on server1 during the migration: $got answered, $failed failed"
# A move that had to be tried again (its guest silent on the new host,
# docs/vms.md) leaves a gap of seconds: requests in it may time out.  That is
# reported; a move that went through the first time must lose nothing.
if [ "$attempts" = 1 ]; then
    is "the client from another server never failed" "$failed" "0"
else
    diag "the move needed $attempts attempts: $failed requests failed in its gap (not counted)"
fi
ok "the iperf3 connection lived through the migration" wait $iperf
diag "iperf3 across the migration: $(python3 -c "
import json
d = json.load(open('$TEST_TMP/iperf.json'))
iv = [i['sum']['bytes'] for i in d['intervals']]
print('%d bytes received, %.1f Mbit/s, %d of %d half-second intervals without a byte' % (
    d['end']['sum_received']['bytes'], d['end']['sum_received']['bits_per_second'] / 1e6,
    sum(1 for b in iv if b == 0), len(iv)))" 2>&1)"
# After a retried move's gap (seconds) TCP's backed-off retransmission may
# come after the end of the run: only a move that went through at once must
# carry data to the end.
[ "$attempts" = 1 ] && ok "and carried data to the end" python3 -c "
import json
d = json.load(open('$TEST_TMP/iperf.json'))
assert 'error' not in d and d['end']['sum_received']['bytes'] > 1000000, d.get('error')
assert d['intervals'][-1]['sum']['bytes'] > 0"
ok "and it was answered after the move too" test "$got" -gt "$(cut -d' ' -f1 "$TEST_TMP/after-count" 2>/dev/null || echo 0)" -o "$got" -gt 20
is "vm1 now runs on server7, same address and MAC" "$(field vm1 server) $(field vm1 current_address) $(field vm1 mac)" "server7 198.18.4.1/24 $mac"
is "the file written before is intact" "$(vm exec vm1 -- sha256sum /data/before | cut -d' ' -f1)" "$sum"
is "server8 kept nothing of it" "$(vms_on server8)/$(qemus_in server8)" "/0"
ok "the controller saw the host move to server7's port" bash -c "'$MINIDC' topology --lab $L | grep -q '^198.18.4.1 .*ovs7:2$'"
ok "the migration reported QEMU's figures" grep -q "downtime" "$TEST_TMP/mig.out"

# --- clone ---
ok "clone vm1 to server8 as vm2" bash -c "vm clone vm1 --to server8 --as vm2 >'$TEST_TMP/clone.out' 2>&1"
diag "$(cat "$TEST_TMP/clone.out" | tr '\n' ' ')"
is "vm2 has its own address and MAC" "$(field vm2 server) $(field vm2 current_address) $(field vm2 mac)" "server8 198.18.4.2/24 02:6d:c6:12:04:02"
ok "vm1 answers with its name" bash -c "http internet 198.18.4.1 | grep -q '^name=vm1 address=198.18.4.1 '"
ok "vm2 answers with its own name and address" bash -c "http internet 198.18.4.2 | grep -q '^name=vm2 address=198.18.4.2 '"
is "the clone has the source's file" "$(vm exec vm2 -- sha256sum /data/before | cut -d' ' -f1)" "$sum"
vm exec vm2 -- sh -c 'echo clone >/data/only-clone && sync' >/dev/null
ok "after the clone their disks diverge" bash -c "! vm exec vm1 -- test -e /data/only-clone && vm exec vm2 -- test -e /data/only-clone"

# --- metrics ---
# vm1 writes through to its disk on its new server: its QEMU there counts
# from the move on, and the guest's own writes alone come when they come.
vm exec vm1 -- sh -c 'echo moved >/data/after-move && sync' >/dev/null
sleep 2.5
ok "metrics list every server and both VMs" bash -c "'$MINIDC' metrics --lab $L --json | python3 -c '
import json,sys
m=json.load(sys.stdin)[\"servers\"]
assert len(m)==8, len(m)
vms={v[\"name\"]:v for s in m for v in s[\"vms\"]}
assert set(vms)=={\"vm1\",\"vm2\"}, vms.keys()
v=vms[\"vm1\"]
assert v[\"cpu_seconds\"]>0 and v[\"rss_bytes\"]>0 and v[\"net\"][\"rx_bytes\"]>0 and v[\"disk\"][\"written_bytes\"]>0, v
assert v[\"guest_memory\"][\"total_bytes\"]>0, v
'"
ok "minidcd serves them for Prometheus" bash -c "ip netns exec $L curl -s http://192.0.2.254:8080/metrics | grep -q '^minidc_vm_cpu_seconds_total{server=\"server7\",vm=\"vm1\"}'"

# --- agents killed and restarted ---
for s in server7 server8; do kill -9 "$(cat /run/minidc/labs/$L/agents/$s.pid)"; done
sleep 0.3
ok "VMs run on without their agents" bash -c "http internet 198.18.4.1 | grep -q name=vm1 && http internet 198.18.4.2 | grep -q name=vm2"
ok "lab up restarts the missing agents" bash -c "'$MINIDC' lab up --name $L '$SRC/examples/fig1.yaml' 2>&1 | grep -q 'agents were not running'"
sleep 2.5
is "the new agents adopted the VMs: both listed, running" "$(field vm1 state)/$(field vm1 server) $(field vm2 state)/$(field vm2 server)" \
    "running/server7 running/server8"
is "vm1 still runs commands after its agent's restart" "$(vm exec vm1 -- sha256sum /data/before | cut -d' ' -f1)" "$sum"

# --- failures ---
out=$(vm boot big --on server8 --memory 2048 2>&1)
ok "a VM bigger than the server's memory is refused, saying why" grep -q "MiB" <<<"$out"
is "and nothing of it is made" "$(vms_on server8)" "vm2 "
ok "an 800 MiB VM fits on server8" bash -c "vm boot big --on server8 --memory 800 -q >/dev/null"
out=$(vm migrate vm1 --to server8 2>&1)
diag "$out"
ok "migrating vm1 there is refused (not enough memory), saying why" grep -q "MiB free" <<<"$out"
is "vm1 still runs on server7, nothing new on server8" "$(field vm1 server) $(field vm1 state) $(vms_on server8)" \
    "server7 running big vm2 "
ok "stop big" bash -c "vm stop big -q"

kill "$(cat /run/minidc/labs/$L/agents/server8.pid)"
sleep 0.3
out=$(vm migrate vm1 --to server8 2>&1)
diag "$out"
ok "migration to a server whose agent is down fails, saying so" grep -q "unreachable" <<<"$out"
ok "vm1 answers on" bash -c "http internet 198.18.4.1 | grep -q name=vm1"
"$MINIDC" lab up --name "$L" "$SRC/examples/fig1.yaml" >/dev/null 2>&1
sleep 2.5

ip -n "$L-server8" link set eth0 down
out=$(vm migrate vm1 --to server8 2>&1)
diag "$out"
ip -n "$L-server8" link set eth0 up
ok "migration over a cut data network fails, saying the destination is unreachable" grep -q "unreachable" <<<"$out"
is "no half-made VM on server8" "$(vms_on server8)/$(qemus_in server8)" "vm2 /1"
is "vm1 keeps running on server7 with its file" "$(field vm1 server) $(vm exec vm1 -- sha256sum /data/before | cut -d' ' -f1)" "server7 $sum"

for what in migrate clone; do
    # The destination's QEMU (the one in server8 for the arriving VM) dies
    # 0.4 s after it appears: while memory is on its way.
    target=$([ $what = migrate ] && echo vm1 || echo vm3)
    bash -c 'find() { for p in $(ip netns pids '"$L-server8"'); do
            [ "$(cat /proc/$p/comm 2>/dev/null)" = minidc-vm-'"$target"' ] && echo $p; done; }
        for i in $(seq 2000); do [ -n "$(find)" ] && break; sleep 0.002; done
        sleep 0.4; p=$(find); [ -n "$p" ] && kill -9 $p' &
    killer=$!
    if [ $what = migrate ]; then out=$(vm migrate vm1 --to server8 2>&1); else out=$(vm clone vm1 --to server8 --as vm3 2>&1); fi
    diag "$out"
    wait $killer
    ok "the destination's QEMU was killed during the $what" test $? = 0
    ok "$what to a dying destination fails" grep -q "failed" <<<"$out"
    is "after the failed $what, server8 has only vm2 (no process, no files)" "$(vms_on server8)/$(qemus_in server8)" "vm2 /1"
    is "vm1 runs on at server7, listed once, file intact" \
        "$(field vm1 server) $(field vm1 state) $(vm list | grep -c '^vm[13] ') $(vm exec vm1 -- sha256sum /data/before | cut -d' ' -f1)" \
        "server7 running 1 $sum"
    ok "vm1 answers HTTP" bash -c "http internet 198.18.4.1 | grep -q name=vm1"
done

# --- stop: nothing left ---
ok "stop vm1 and vm2" bash -c "vm stop vm1 -q && vm stop vm2 --force -q"
is "no VM listed" "$(vm list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["vms"]))')" "0"
is "no QEMU, no VM files, no taps on either server" \
    "$(qemus_in server7)$(qemus_in server8) $(vms_on server7)$(vms_on server8) $(ip -n $L-server7 -o link | grep -c ' t-')$(ip -n $L-server8 -o link | grep -c ' t-')" "00  00"

sleep 0.3
kill $events_pid 2>/dev/null
ok "the event stream told each operation as it ended" python3 -c "
import json
ev=[json.loads(l) for l in open('$TEST_TMP/events.json')]
vm=[(e['type'], e.get('vm'), e.get('target')) for e in ev if e['type'].startswith('vm.')]
want=[('vm.booted','vm1','server8'), ('vm.migrated','vm1','server7'), ('vm.cloned','vm1','server8')]
assert vm[:3]==want, vm[:3]
assert ('vm.destroyed','vm1',None) in vm and ('vm.destroyed','vm2',None) in vm, vm
assert sum(1 for t,_,_ in vm if t=='vm.failed')>=4, vm
moved=[e for e in ev if e['type']=='host.moved' and e['ip']=='198.18.4.1']
assert moved and moved[0]['to_port']==2, moved
"
ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
is "no QEMU of this lab left running" "$(ps -eo stat=,args= | awk '$1 !~ /^Z/' | grep -c "[q]emu-system.*minidc-vm.*/labs/$L/")" "0"
done_testing
