#!/usr/bin/env bash
# Loads in the guests (minidc vm load; guest/load.c): on fig1 (no CPU
# limits) one VM, its CPU as the agent measures QEMU's threads (cpu_used of
# `minidc metrics`, host CPUs, one figure a poll of 2 s):
#   idle: the floor of an idle guest under TCG, reported;
#   --cpu 50: about 0.5 (within 0.1), averaged over several polls;
#   --memory 64: the guest's used memory grows by at least 56 MiB;
#   a migration while loaded: still loaded on the destination (CPU and
#     memory), and the move's figures beside an idle one's;
#   a generated trace (a ramp up and down, 12 samples of 4 s): the CPU
#     sampled every second follows it, correlation above 0.9 after the first
#     interval;
#   --stop: idle again (below 0.1);
# and the errors: a bad trace line refused at FILE:LINE before anything is
# sent, a field out of range refused by minidcd, too much memory refused by
# the guest, each in its words.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools qemu-ga
t_start=$SECONDS

vm_lab_up
# 256 MiB: a 128 MiB guest has barely 64 MiB available beside its kernel.
ok "boot vm1 on server8 (256 MiB)" vm boot vm1 --on server8 --memory 256 --quiet

# cpu SECONDS: the mean of vm1's cpu_used over the polls seen in SECONDS
# (each poll once: minidcd's figure changes at each), then its server.
cpu() {
    python3 - "$1" <<'PY'
import json, os, subprocess, sys, time
end = time.time() + float(sys.argv[1])
seen, last = [], None
while time.time() < end:
    m = json.loads(subprocess.run([os.environ["MINIDC"], "metrics", "--lab", os.environ["L"], "--json"],
                                  capture_output=True, text=True).stdout)
    for s in m["servers"]:
        for v in s["vms"]:
            if v["name"] == "vm1" and "cpu_seconds" in v and v["cpu_seconds"] != last:
                if last is not None:
                    seen.append(v.get("cpu_used", 0))
                last, server = v["cpu_seconds"], s["server"]["name"]
    time.sleep(0.5)
print("%.3f %d %s" % (sum(seen) / len(seen) if seen else -1, len(seen), server if seen else "-"))
PY
}
# used: vm1's guest memory in use (total - available), MiB.
used() {
    "$MINIDC" metrics --lab "$L" --json | python3 -c "
import json, sys
for s in json.load(sys.stdin)['servers']:
    for v in s['vms']:
        if v['name'] == 'vm1':
            print(int(v.get('guest_memory', {}).get('used_bytes', 0) / 1048576))"
}
near() { python3 -c "import sys; sys.exit(not abs(float(sys.argv[1]) - float(sys.argv[2])) <= float(sys.argv[3]))" "$@"; }
below() { python3 -c "import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))" "$@"; }
moved() { # moved JSON: QEMU's figures of a `vm migrate --json`
    python3 -c "
import json, sys
q = json.load(open(sys.argv[1]))['result']['qemu']
print('%.1f s in all, QEMU %d ms, downtime %d ms, %.1f MB sent' % (json.load(open(sys.argv[1]))['seconds'],
      q['total_ms'], q['downtime_ms'], q['ram_bytes'] / 1e6))" "$1"
}
export -f used

sleep 4 # the boot's own work settles
read -r idle n _ <<<"$(cpu 8)"
diag "idle: vm1 uses $idle host CPUs (mean of $n polls): the floor of an idle guest under TCG"
mem0=$(used)
diag "idle: the guest uses $mem0 MiB"
ok "an idle move to server7, for comparison" bash -c "vm migrate vm1 --to server7 --json >'$TEST_TMP/idle-move.json'"
diag "idle move: $(moved "$TEST_TMP/idle-move.json")"

# ---- a constant load ----
out=$(vm load vm1 --cpu 50 2>&1)
ok "vm load vm1 --cpu 50" test $? -eq 0 || diag "$out"
diag "$out"
is "minidcd says what it set" "$(vm load vm1 --json | python3 -c "import json,sys; l=json.load(sys.stdin); print(l['kind'], l['cpu_percent'], l['memory_mib'])")" "cpu 50 0"
sleep 3 # the poll that saw it start
read -r c n server <<<"$(cpu 10)"
diag "--cpu 50: vm1 uses $c host CPUs (mean of $n polls; idle $idle)"
ok "--cpu 50: vm1 uses about 0.5 host CPUs (within 0.1)" near "$c" 0.5 0.1

# ---- memory ----
out=$(vm load vm1 --cpu 50 --memory 64 2>&1)
ok "vm load vm1 --cpu 50 --memory 64 replaces it" test $? -eq 0 || diag "$out"
ok "the guest's used memory grows by at least 56 MiB" within 15 bash -c "[ \$(used) -ge $((mem0 + 56)) ]"
mem1=$(used)
diag "--memory 64: the guest uses $mem1 MiB (idle: $mem0)"
ok "one load runs in the guest, the new one" bash -c "vm exec vm1 -- /usr/sbin/minidc-load --status | grep -q 'cpu 50% (1 thread at 50%), memory 64 MiB'"

# ---- a move while loaded ----
ok "vm1 moves to server8 while loaded" bash -c "vm migrate vm1 --to server8 --json >'$TEST_TMP/loaded-move.json'"
diag "loaded move (64 MiB written every second): $(moved "$TEST_TMP/loaded-move.json")"
sleep 3
read -r c n server <<<"$(cpu 8)"
diag "after the move: vm1 uses $c host CPUs on $server (mean of $n polls)"
is "vm1 runs on server8" "$server" server8
ok "and is still loaded there: about 0.5 host CPUs" near "$c" 0.5 0.1
mem2=$(used)
diag "after the move: the guest uses $mem2 MiB"
ok "with its memory still in use" test "$mem2" -ge $((mem0 + 56))
is "minidcd's record went with it" "$(vm load vm1 --json | python3 -c "import json,sys; l=json.load(sys.stdin); print(l['kind'], l['cpu_percent'], l['memory_mib'])")" "cpu 50 64"

# ---- a trace ----
python3 -c "
for v in [10, 24, 38, 52, 66, 80, 94, 80, 66, 52, 38, 24]:
    print(v)" >"$TEST_TMP/ramp.txt"
out=$(vm load vm1 --trace "$TEST_TMP/ramp.txt" --interval 4 2>&1)
ok "vm load vm1 --trace ramp.txt --interval 4" test $? -eq 0 || diag "$out"
diag "$out"
ok "the trace follows its sample: the load stands at its first" bash -c "vm load vm1 | grep -q 'a trace of 12 samples, 4 s each (now sample 1)'"
# cpu_used about every second from the trace's start for its 48 s and 3 s
# more; the figure read at t is the mean over the agent's last poll window
# (2 s) as minidcd last polled it (0 to 2 s before t), so it stands about
# 2 s behind the trace: compared with the sample under way at t - 2 s.
python3 - "$TEST_TMP/ramp.txt" >"$TEST_TMP/trace.out" <<'PY'
import json, math, os, subprocess, sys, time
trace = [int(l) for l in open(sys.argv[1])]
interval, lag = 4.0, 2.0
t0 = time.time()
got = []
while time.time() - t0 < len(trace) * interval + lag + 1:
    m = json.loads(subprocess.run([os.environ["MINIDC"], "metrics", "--lab", os.environ["L"], "--json"],
                                  capture_output=True, text=True).stdout)
    for s in m["servers"]:
        for v in s["vms"]:
            if v["name"] == "vm1" and "cpu_used" in v:
                got.append((time.time() - t0, v["cpu_used"]))
    time.sleep(max(0, 1 - (time.time() - t0) % 1))
pairs = [(trace[int((t - lag) // interval)] / 100, c) for t, c in got if interval <= t - lag < len(trace) * interval]
xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
n, mx, my = len(pairs), sum(xs) / len(xs), sum(ys) / len(ys)
sxy = sum((x - mx) * (y - my) for x, y in pairs)
sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
r = sxy / math.sqrt(sxx * syy) if sxx and syy else 0
slope = sxy / sxx
print("%.3f %d %.3f %.3f" % (r, n, slope, my - slope * mx))
for t, c in got:
    print("# t=%5.1f s  sample %2d (%3d%%)  cpu_used %.3f" % (t, min(int(max(t - lag, 0) // interval), len(trace) - 1),
          trace[min(int(max(t - lag, 0) // interval), len(trace) - 1)], c))
PY
read -r r n slope icpt <"$TEST_TMP/trace.out"
grep '^#' "$TEST_TMP/trace.out"
diag "trace: correlation $r over $n samples after the first interval; cpu_used = $icpt + $slope x sample"
ok "the CPU follows the trace (correlation above 0.9 after the first interval)" below 0.9 "$r"

# ---- stopped ----
out=$(vm load vm1 --stop 2>&1)
ok "vm load vm1 --stop" test $? -eq 0 || diag "$out"
ok "minidcd says there is none, since when" bash -c "vm load vm1 | grep -q '^vm1: no load, since [0-9:]*\$'"
sleep 3
read -r c n _ <<<"$(cpu 6)"
diag "stopped: vm1 uses $c host CPUs (mean of $n polls; idle $idle)"
ok "--stop: vm1 is idle again (below 0.1)" below "$c" 0.1
ok "and nothing runs in the guest" bash -c "vm exec vm1 -- /usr/sbin/minidc-load --status | grep -q 'no load running'"

# ---- errors ----
printf '10\n20\n120\n30\n' >"$TEST_TMP/bad.txt"
since=$(vm load vm1 --json)
out=$(vm load vm1 --trace "$TEST_TMP/bad.txt" 2>&1)
is "a bad trace line is refused" "$?" 2
is "at its FILE:LINE, saying what was expected" "$out" "minidc: $TEST_TMP/bad.txt:3: expected a whole number from 0 to 100 (the CPU utilisation in percent, one a line), not '120'"
is "before anything is sent: minidcd's record is unchanged" "$(vm load vm1 --json)" "$since"
out=$(vm load vm1 --cpu 150 2>&1)
ok "more than the VM's CPUs is refused by minidcd" grep -q "cpu_percent: VM vm1 has 1 CPU: at most 100" <<<"$out" || diag "$out"
out=$(api vms/vm1/load -X POST -d '{"trace": [1, 200], "interval_s": 0}')
ok "the API checks a trace field by field" grep -q 'trace: expected an array of 1 to 8640 whole numbers from 0 to 100 (the CPU utilisation in percent, one a sample) (sample 2 is not); interval_s: expected a number of seconds from 0.1 to 3600' <<<"$out" || diag "$out"
out=$(vm load vm1 --cpu 10 --memory 250 2>&1)
ok "memory the guest does not have is refused in its words" grep -q "minidc-load: --memory 250: the guest has [0-9]* MiB available (8 kept spare)" <<<"$out" || diag "$out"
is "and nothing is set" "$(vm load vm1 --json)" "$since"
diag "vm_load ran for $((SECONDS - t_start)) s"
done_testing
