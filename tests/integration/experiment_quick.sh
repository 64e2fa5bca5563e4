#!/usr/bin/env bash
# `minidc experiment`, the short versions (--quick): paper (Table 1 and
# Figure 2 on fig1, with both baselines), scale (8 and 16 servers) and
# controller (against ovs-testcontroller).  Checks the reports and results for
# content (every route and MSS, positive numbers), the plots for valid PNG and
# SVG, bad input for clear errors, and that an interrupted experiment leaves
# nothing behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools
for p in qemu-system-x86_64 qemu-img iperf3 gnuplot python3; do command -v $p >/dev/null || skip_all "needs $p"; done
G=$(dirname "$MINIDC")/guest
"$SRC/guest/build" "$G" >"$TEST_TMP/build.log" 2>&1 || skip_all "the guest image does not build"
# An experiment names what it makes x[psc]TAG / xbTAG-*: removed here too if
# a check fails half-way.
leftovers() {
    ls /run/minidc/labs 2>/dev/null | grep -E '^x[psc][0-9]{5}$'
    ip netns list | awk '{print $1}' | grep -E '^xb[0-9]{5}-'
}
cleanup_experiments() {
    local l
    for l in $(ls /run/minidc/labs 2>/dev/null | grep -E '^x[psc][0-9]{5}$'); do "$MINIDC" lab down "$l" >/dev/null 2>&1; done
    for l in $(ip netns list | awk '{print $1}' | grep -E '^xb[0-9]{5}-'); do ip netns del "$l"; done
    cleanup_labs
}
trap cleanup_experiments EXIT
cd "$SRC"
before=$(machine_footprint)

# --- input errors ---
"$MINIDC" experiment nosuch >"$TEST_TMP/nosuch" 2>&1; rc=$?
ok "an unknown experiment is refused, with the list" bash -c "[ $rc = 2 ] && grep -q \"no experiment 'nosuch'\" '$TEST_TMP/nosuch' && grep -q '^paper ' '$TEST_TMP/nosuch'"
out=$("$MINIDC" experiment paper --runs 0 2>&1); rc=$?
ok "--runs 0 is refused" bash -c "[ $rc = 2 ] && grep -q -- '--runs: expected a number from 1' <<<'$out'"
out=$("$MINIDC" experiment paper --lab /nonexistent.yaml 2>&1); rc=$?
ok "a missing topology is named" bash -c "[ $rc = 1 ] && grep -q '/nonexistent.yaml' <<<'$out'"
ok "experiment list names all four" bash -c "'$MINIDC' experiment list | awk '{print \$1}' | tr '\n' ' ' | grep -q '^paper scale controller policy $'"

# --- validity of what an experiment wrote into $1 ---
plots_valid() {
    python3 - "$1" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
r = json.load(open(d + "/results.json"))
assert r["plots"], "no plots"
for p in r["plots"]:
    assert open(d + "/" + p["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n", p["png"] + " is not a PNG"
    root = ET.parse(d + "/" + p["svg"]).getroot()
    assert root.tag.endswith("svg"), p["svg"] + " is not an SVG"
    assert len(list(root.iter())) > 20, p["svg"] + " is empty"
PY
}

# --- paper ---
ok "experiment paper --quick" bash -c "'$MINIDC' experiment paper --quick --out '$TEST_TMP/paper' 2>'$TEST_TMP/paper.err'" ||
    diag "$(grep -v '^\[' "$TEST_TMP/paper.err" | tail -5)"
diag "$(tail -3 "$TEST_TMP/paper.err" | tr '\n' ' ')"
ok "it showed progress" grep -q '\[64/64\] run 1: ' "$TEST_TMP/paper.err"
ok "results: every mode, route and MSS measured, all positive" python3 - "$TEST_TMP/paper/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cells = {(c["mode"], c["route"], c["mss"]): c["bps"] for c in r["throughput"]}
for mode in ("minidcd", "standalone", "linux-bridge"):
    for route in (1, 2, 3, 4):
        for mss in (128, 256, 512, 1024, 1400):
            b = cells[(mode, route, mss)]
            assert len(b) == 1 and b[0] > 1e6, (mode, route, mss, b)
routes = [(x["from"], x["to"], x["switches"]) for x in r["config"]["routes"]]
assert routes == [("server1", "server2", 1), ("internet", "server1", 3), ("server1", "server3", 3),
                  ("server1", "server8", 5)], routes
for op in ("boot", "clone", "migrate_same_subnet", "migrate_across_subnets"):
    assert r["lifecycle"][op]["seconds"][0] > 0, op
assert r["lifecycle"]["migrate_same_subnet"]["downtime_ms"][0] > 0
assert r["machine"]["qemu"].startswith("QEMU") and "Open vSwitch" in r["machine"]["openvswitch"]
assert any(c.startswith("minidc lab up --quiet --name xp") for c in r["commands"]), r["commands"][:3]
PY
ok "report: Table 1 beside the paper, Figure 2 tables for the three networks" bash -c "
    r='$TEST_TMP/paper/report.md'
    grep -q '^| boot | [0-9.]* s |.* 47.25 s |\$' \$r && grep -q '^| migrate within a subnet | ' \$r &&
    for m in minidcd standalone linux-bridge; do grep -q \"^### \$m\$\" \$r || exit 1; done &&
    [ \$(grep -c '^| [1-4]: [a-z0-9]* - [a-z0-9]* | [135] |\( [0-9]* ([0-9]*%) |\)\{5\}\$' \$r) = 12 ] &&
    grep -q '^| route | switches | MSS 128 | MSS 256 | MSS 512 | MSS 1024 | MSS 1400 |\$' \$r &&
    grep -q '^## Commands' \$r && grep -q '^## Machine' \$r && grep -q '^- seed: 1 ' \$r && grep -q '^\`\`\`yaml' \$r"
ok "plots: Figure 2, the baselines, Table 1, as valid PNG and SVG" bash -c "$(declare -f plots_valid); plots_valid '$TEST_TMP/paper' &&
    ls '$TEST_TMP/paper' | tr '\n' ' ' | grep -q 'fig2-baselines.png.*fig2-throughput.png.*table1-lifecycle.png'"
is "the paper experiment left nothing behind" "$(machine_footprint)" "$before"

# --- scale ---
ok "experiment scale --quick" bash -c "'$MINIDC' experiment scale --quick --out '$TEST_TMP/scale' 2>'$TEST_TMP/scale.err'" ||
    diag "$(grep -v '^\[' "$TEST_TMP/scale.err" | tail -5)"
ok "8 and 16 servers: every pair answered, positive times, memory and flows" python3 - "$TEST_TMP/scale/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = {x["servers"]: x for x in r["scale"]}
assert sorted(rows) == [8, 16], rows.keys()
for n, x in rows.items():
    assert x["answered"] == x["pairs"] == (n + 1) * n, x
    assert x["lab_up_s"] > 0 and x["controller_rss_mib"] > 0 and x["flows_total"] > x["flows_largest_switch"] > 0, x
PY
ok "scale report and plot" bash -c "grep -q '^| 16 | 7 | ' '$TEST_TMP/scale/report.md' && $(declare -f plots_valid); plots_valid '$TEST_TMP/scale'"
cp "$TEST_TMP/scale/report.md" "$TEST_TMP/scale-report.md"
rm "$TEST_TMP/scale/report.md" "$TEST_TMP/scale/scale.png"
ok "experiment report DIR writes report and plots again from results.json" bash -c "
    '$MINIDC' experiment report '$TEST_TMP/scale' 2>/dev/null && cmp -s '$TEST_TMP/scale/report.md' '$TEST_TMP/scale-report.md' &&
    $(declare -f plots_valid); plots_valid '$TEST_TMP/scale'"
"$MINIDC" experiment report "$TEST_TMP" >"$TEST_TMP/noresults" 2>&1; rc=$?
ok "experiment report of a directory without results says so" bash -c "[ $rc = 1 ] && grep -q 'results.json' '$TEST_TMP/noresults'"

# --- controller ---
if command -v ovs-testcontroller >/dev/null; then
    ok "experiment controller --quick" bash -c "'$MINIDC' experiment controller --quick --out '$TEST_TMP/ctl' 2>'$TEST_TMP/ctl.err'" ||
        diag "$(grep -v '^\[' "$TEST_TMP/ctl.err" | tail -5)"
    ok "both controllers, both modes, both OpenFlow versions" python3 - "$TEST_TMP/ctl/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
got = {(x["controller"], x["mode"], x["of"]) for x in r["controller"] if x["per_second"][0] > 0}
assert len(got) == 8, got
PY
    ok "controller report and plot" bash -c "grep -q '^| throughput | 1.3 | [0-9]*/s' '$TEST_TMP/ctl/report.md' && $(declare -f plots_valid); plots_valid '$TEST_TMP/ctl'"
else
    diag "ovs-testcontroller is not installed: the controller experiment is not run"
fi

# --- interrupted: nothing left ---
"$MINIDC" experiment paper --quick --out "$TEST_TMP/int" 2>"$TEST_TMP/int.err" &
exp=$!
for _ in $(seq 600); do grep -q 'run 1: ' "$TEST_TMP/int.err" && break; sleep 0.1; done
kill -INT $exp
wait $exp
rc=$?
is "an interrupted experiment exits 130" "$rc" "130"
ok "and says so" grep -q 'interrupted; what it made is removed' "$TEST_TMP/int.err"
ok "without a report" test ! -e "$TEST_TMP/int/report.md"
is "nothing of it is left: labs, namespaces, daemons" "$(leftovers | wc -l) $(machine_footprint)" "0 $before"
done_testing
