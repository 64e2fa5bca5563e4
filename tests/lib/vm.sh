# Helpers for tests that run VMs in a lab (sourced after tap.sh and lab.sh).
#
#   need_vm_tools [TOOL...]   skips the test unless root, the lab's tools,
#                             QEMU, curl and each TOOL are there and the guest
#                             image builds (into $G, beside the minidc binary)
#   vm_lab_up [FILE] [ARGS]   makes lab $L (examples/fig1.yaml by default),
#                             a check of its own; ARGS go to `lab up`
#   vm CMD ARGS...            minidc vm CMD --lab $L ARGS...
#   field VM KEY              KEY of VM in `vm list --json` ('' when no VM)
#   http SERVER ADDR          GET http://ADDR/ from SERVER's namespace (3 s)
#   api PATH [CURL_ARGS...]   minidcd's /api/v1/PATH in lab $L, with its token
#
# The functions and $L, $MINIDC, $SRC and $TEST_TMP are exported, so that a
# check can run them in a shell of its own: ok "..." bash -c "vm boot ... >f".

need_vm_tools() {
    need_lab_tools
    local p
    for p in qemu-system-x86_64 qemu-img curl "$@"; do
        command -v "$p" >/dev/null || skip_all "needs $p"
    done
    G=$(dirname "$MINIDC")/guest
    "$SRC/guest/build" "$G" >"$TEST_TMP/build.log" 2>&1 ||
        skip_all "the guest image does not build: $(tail -1 "$TEST_TMP/build.log")"
}

vm_lab_up() {
    local file=${1:-$SRC/examples/fig1.yaml}
    shift || true
    new_lab L
    export L
    ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$file" "$@"
}

vm() { "$MINIDC" vm "$1" --lab "$L" "${@:2}"; }

field() {
    vm list --json | python3 -c "
import json, sys
v = [x for x in json.load(sys.stdin)['vms'] if x['name'] == sys.argv[1]]
print(v[0].get(sys.argv[2], '') if v else '')" "$1" "$2"
}

http() { ip netns exec "$L-$1" curl -s -m 3 "http://$2/"; }

api() { lab_api "$L" "/api/v1/$1" "${@:2}"; }

export MINIDC SRC TEST_TMP
export -f vm field http api lab_api

# failed_outside_switch_over OP_JSON T_START T_END FAILURES: how many of the
# failed requests in FAILURES (lines "T0 T1": sent at T0, given up at T1)
# did not overlap the switch-over of the move across subnets whose
# `vm migrate --json` output is OP_JSON, run from T_START to T_END (epoch
# seconds).  The switch-over runs from the end of the memory copy to the end
# of the move: the guest drops its old address there, and what is sent
# until the rewrite is in is lost (docs/vms.md, "What clients see").  Each
# failed request is reported.
failed_outside_switch_over() {
    python3 - "$@" <<'PY'
import json, sys
op, t_start, t_end, failures = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ph = json.load(open(op))["phases"]
names = [p["phase"] for p in ph]
switch = t_start + sum(p["seconds"] for p in ph[:names.index("start")]) if "start" in names else t_end
outside = 0
try:
    lines = open(failures).read().split("\n")
except OSError:
    lines = []
for l in lines:
    if not l.strip():
        continue
    t0, t1 = map(float, l.split()[:2])
    under_way = t0 <= t_end + 0.2 and t1 >= switch - 0.2
    outside += not under_way
    print("# a failed request from %.2f s to %.2f s of the move (switch-over from %.2f s): %s" %
          (t0 - t_start, t1 - t_start, switch - t_start, "under way at the switch-over" if under_way else "OUTSIDE IT"),
          file=sys.stderr)
print(outside)
PY
}
