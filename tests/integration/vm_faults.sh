#!/usr/bin/env bash
# Faults around a moving VM.  A destination whose data link goes down in the
# middle of a migration: the move must fail because nothing moves any more
# (not wait for TCP to give up, minutes), the source must run on and answer,
# nothing may be left on the destination, and with the link back the same
# move must go through.  A long command in the guest holds neither the VM
# (it can be moved meanwhile) nor minidcd's view of it.  A VM whose disk
# QEMU found failing shows as broken, says why, and is not moved.  Without
# a guest image a boot says what is missing.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools qemu-ga ss

vm_lab_up
ok "boot vm1 on server8" vm boot vm1 --on server8 --quiet
# A client on server1: 10 requests a second, each its own connection with a
# 1 s timeout, on schedule whatever became of the earlier ones (minidc load).
"$MINIDC" load http http://198.18.4.1/ --lab "$L" --from server1 --rate 10 --duration 240 \
    --timeout 1000 --json >"$TEST_TMP/http.json" &
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
kill -INT $client # it stops sending and reports
wait $client
is "vm1 still runs on server8" "$(vm list --json | python3 -c "import json,sys; v=[v for v in json.load(sys.stdin)['vms'] if v['name']=='vm1'][0]; print(v['server'], v['state'])")" "server8 running"
# The source was never frozen: the longest time without an answer stays
# within 2.5 s (two timed-out requests' worth); lone failures are reported
# (issue 17's bench/follow measures those), a frozen source would go
# unanswered for as long as the move lasts.
read -r answered failed gap <<<"$(python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(r['answered'], r['failed'], r['longest_gap_ms'])" "$TEST_TMP/http.json")"
diag "HTTP from server1: $answered answered, $failed failed, longest without an answer $gap ms"
ok "the HTTP client on server1 was answered throughout" test "$answered" -gt 0
ok "and never went unanswered for long (at most 2.5 s)" python3 -c "import sys; sys.exit(not $gap <= 2500)"
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

# A disk that fails: QEMU's disk node gets a blkdebug layer (blockdev-reopen)
# that answers every write with ENOSPC, as a full host file system would;
# the guest's next write stops the VM (QEMU's werror=enospc) with the disk's
# I/O status "nospace".
ok "boot vm2 on server2" vm boot vm2 --on server2 --quiet
QMP=/run/minidc/labs/$L/agents/server2/vms/vm2/qmp.sock
ok "its disk fails every write from now on" python3 - "$QMP" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
f = s.makefile("rw")
def call(cmd, **args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
    f.flush()
    while True:
        m = json.loads(f.readline())
        if "event" not in m:
            if "error" in m:
                sys.exit("%s: %s" % (cmd, m["error"]))
            return m["return"]
f.readline()
call("qmp_capabilities")
disk = [b for b in call("query-block") if b["qdev"].endswith("vda/virtio-backend") or b["qdev"] == "vda"][0]
node = disk["inserted"]["node-name"]
path = disk["inserted"]["image"]["filename"]
call("blockdev-add", **{"driver": "blkdebug", "node-name": "failing",
                        "image": {"driver": "file", "filename": path, "locking": "off"},
                        "inject-error": [{"event": "pwritev", "errno": 28, "immediately": True}]})
# The reopened node keeps its backing image (the lab's base), by node name.
backing = disk["inserted"].get("backing_file")
opts = {"driver": "qcow2", "node-name": node, "file": "failing"}
if backing:
    opts["backing"] = [n["node-name"] for n in call("query-named-block-nodes")
                       if n["file"] == backing and n["drv"] != "file"][0]
call("blockdev-reopen", options=[opts])
PY
timeout 20 "$MINIDC" vm exec vm2 --lab "$L" -- dd if=/dev/urandom of=/var/tmp/fill bs=64k count=64 oflag=direct >/dev/null 2>&1 &
writer=$!
state=
for _ in $(seq 40); do
    state=$(field vm2 state)
    [ "$state" = broken ] && break
    sleep 0.5
done
is "minidc shows vm2 broken" "$state" broken
problem=$(field vm2 problem)
diag "problem: $problem"
ok "and why: the disk's I/O status, and that QEMU paused it" grep -q "^disk vda: I/O status nospace (QEMU paused the guest on it)" <<<"$problem"
ok "vm list says it under the VM" bash -c "'$MINIDC' vm list --lab '$L' | grep -A1 '^vm2 ' | grep -q 'I/O status nospace'"
out=$(vm migrate vm2 --to server3 2>&1)
ok "a migration is refused: it would carry the damage" grep -q "VM vm2 is broken (disk .*nospace.*): a migration would carry the damage" <<<"$out"
out=$(vm clone vm2 --to server3 2>&1)
ok "a clone too" grep -q "a clone would carry the damage" <<<"$out"
is "nothing went to server3" "$(ls "/run/minidc/labs/$L/agents/server3/vms" 2>/dev/null)" ""
ok "it can be stopped" vm stop vm2 --quiet
wait $writer
is "and is gone from server2" "$(ls "/run/minidc/labs/$L/agents/server2/vms" 2>/dev/null)" ""
ok "lab down" "$MINIDC" lab down "$L"

# No guest image where the agents look for it: the boot says which file is
# missing and how to make it, and leaves nothing.
new_lab L2
mkdir -p "$TEST_TMP/noguest"
ok "a lab whose guest directory is empty" env MINIDC_GUEST_DIR="$TEST_TMP/noguest" \
    "$MINIDC" lab up --quiet --name "$L2" "$SRC/examples/policy.yaml"
out=$("$MINIDC" vm boot vm9 --on server1 --quiet --lab "$L2" 2>&1)
is "boot fails" "$?" 1
diag "$out"
ok "naming the missing image and guest/build" grep -q "the guest image $TEST_TMP/noguest/base.qcow2 is missing (No such file or directory): build it with guest/build $TEST_TMP/noguest" <<<"$out"
is "nothing of it is left on server1" "$(ls "/run/minidc/labs/$L2/agents/server1/vms" 2>/dev/null)" ""
ok "lab down" "$MINIDC" lab down "$L2"
done_testing
