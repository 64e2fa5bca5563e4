#!/usr/bin/env bash
# `minidc experiment policy --quick`: none and thr-mmt, three VMs packed two
# to a server on its default lab (examples/policy.yaml: four servers of half
# a CPU), a synthetic
# workload whose two VMs overload their server, a minute each.  Checks the
# results and report for every metric of every policy, in range; thr-mmt
# moves a VM and has fewer overloaded intervals than none; every VM's HTTP
# client is reported, its requests and latencies pooled; the plots are
# valid PNG and SVG; `experiment report DIR` writes them again; bad options
# are refused clearly; nothing is left behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools
for p in qemu-system-x86_64 qemu-img gnuplot python3 curl; do command -v $p >/dev/null || skip_all "needs $p"; done
G=$(dirname "$MINIDC")/guest
"$SRC/guest/build" "$G" >"$TEST_TMP/build.log" 2>&1 || skip_all "the guest image does not build"
# The experiment's labs are xoTAG: removed here too if a check fails half-way.
cleanup_experiments() {
    local l
    for l in $(ls /run/minidc/labs 2>/dev/null | grep -E '^xo[0-9]{5}$'); do "$MINIDC" lab down "$l" >/dev/null 2>&1; done
    cleanup_labs
}
trap cleanup_experiments EXIT
cd "$SRC"
before=$(machine_footprint)

# --- input errors ---
out=$("$MINIDC" experiment policy --param thr-mmt 2>&1); rc=$?
ok "a --param without POLICY:KEY=VALUE is refused" bash -c "[ $rc = 2 ] && grep -q 'expected POLICY:KEY=VALUE' <<<'$out'"
out=$("$MINIDC" experiment policy --workload bogus --out "$TEST_TMP/bad" 2>&1); rc=$?
ok "an unknown workload is refused" bash -c "[ $rc = 2 ] && grep -q 'planetlab:DIR or synthetic' <<<'$out'"
grep -v 'internet, address\|^hosts:\|\[ovs1, internet\]' examples/policy.yaml >"$TEST_TMP/nohost.yaml"
"$MINIDC" experiment policy --lab "$TEST_TMP/nohost.yaml" --out "$TEST_TMP/bad2" >"$TEST_TMP/nohost.out" 2>&1
is "clients without a host to send from are refused" "$?" 2
ok "saying why" grep -q "has no host (hosts:) for the VMs' clients to send from; give one, or --http-rate 0" "$TEST_TMP/nohost.out"
ok "and the output directory it made is gone" test ! -e "$TEST_TMP/bad2"
ok "--help names the policy options" bash -c "'$MINIDC' experiment --help | grep -q -- '--policies A,B'"
ok "experiment list has policy" bash -c "'$MINIDC' experiment list | grep -q '^policy '"

# --- the run ---
D=$TEST_TMP/pol
ok "experiment policy --quick (none, thr-mmt)" bash -c "'$MINIDC' experiment policy --quick \
    --policies none,thr-mmt --param thr-mmt:consolidate=0 --interval 5 --out '$D' 2>'$TEST_TMP/pol.err'" ||
    diag "$(grep -v '^\[' "$TEST_TMP/pol.err" | tail -5)"
diag "$(grep '\[[12]/2\]' "$TEST_TMP/pol.err" | tr '\n' ' ')"
ok "it showed progress" grep -q '\[2/2\] run 1: thr-mmt: energy ' "$TEST_TMP/pol.err"
ok "results: every metric of every policy, in range; thr-mmt overloaded less and moved" python3 - "$D/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = {x["policy"]: x for x in r["policy"]}
assert sorted(rows) == ["none", "thr-mmt"], rows.keys()
keys = ["energy_j", "energy_kwh", "slatah", "slatah_pooled", "pdm", "pdm_pooled", "slav",
        "overload_fraction", "overloaded_intervals", "mean_active", "migrations", "clones", "sleeps", "wakes"]
for p, x in rows.items():
    m = x["metrics"]
    for k in keys:
        assert k in m and m[k] >= 0, (p, k, m)
    for k in ("slatah", "slatah_pooled", "pdm", "pdm_pooled", "slav", "overload_fraction"):
        assert m[k] <= 1, (p, k, m[k])
    # four servers at 86 to 117 W for about a minute
    assert 4 * 86 * 40 < m["energy_j"] < 4 * 117 * 80, (p, m["energy_j"])
    assert 0 < m["mean_active"] <= 4, (p, m)
    assert x["decide_ms"]["n"] >= 3 and 0 <= x["decide_ms"]["p50"] <= x["decide_ms"]["max"] < 1000, (p, x["decide_ms"])
    s = x["series"]
    assert len(s["t"]) > 20 and len(s["t"]) == len(s["active"]) == len(s["energy_j"]), p
    assert s["energy_j"] == sorted(s["energy_j"]), p
    assert sorted(s["util"]) == ["server1", "server2", "server3", "server4"], s["util"].keys()
    assert x["history"]["series"] and x["events"], p
    # every VM's client, from the lab's host, at 2 requests a second for the minute
    c = x["clients"]
    assert c["from"] == "internet" and c["rate"] == 2 and c["timeout_ms"] == 1000, c
    assert sorted(c["vms"]) == ["vm1", "vm2", "vm3"], c["vms"].keys()
    pl = c["pooled"]
    assert pl["clients"] == 3 and pl["missing"] == 0, pl
    assert 3 * 2 * 50 <= pl["sent"] <= 3 * 2 * 62, pl
    assert pl["sent"] == sum(v["sent"] for v in c["vms"].values()), pl
    assert pl["answered"] + pl["failed"] + pl["unfinished"] == pl["sent"], pl
    assert pl["answered"] >= 0.5 * pl["sent"], pl  # overloaded guests answer late, not never
    assert abs(pl["failed_fraction"] - pl["failed"] / pl["sent"]) < 1e-9, pl
    lat = pl["latency_ms"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"] <= 1000, lat
    assert lat["max"] == max(v["latency_ms"]["max"] for v in c["vms"].values()), lat
n, t = rows["none"]["metrics"], rows["thr-mmt"]["metrics"]
assert n["overloaded_intervals"] > 10, n
assert t["overloaded_intervals"] < n["overloaded_intervals"], (t, n)
assert n["migrations"] == 0 and t["migrations"] >= 1, (n, t)
assert r["config"]["clients"] == {"rate": 2, "from": "internet", "timeout_ms": 1000}, r["config"]["clients"]
assert r["config"]["policies"] == ["none", "thr-mmt"] and r["config"]["params"] == ["thr-mmt:consolidate=0"]
vms = r["workloads"][0]["vms"]
assert len(vms) == 3 and len({v["server"] for v in vms}) == 2, vms
assert any(c.startswith("minidc policy run thr-mmt --interval 5 --param consolidate=0") for c in r["commands"]), r["commands"]
assert not any("Bearer " in c and "api.token" not in c for c in r["commands"])
PY
diag "$(python3 -c "
import json; r = json.load(open('$D/results.json'))
print('; '.join('%s: %d overloaded intervals, %d migrations, %.0f J' % (x['policy'], x['metrics']['overloaded_intervals'], x['metrics']['migrations'], x['metrics']['energy_j']) for x in r['policy']))")"
ok "the traces are in the output" bash -c "ls '$D/traces' | grep -c '^run1-vm[123].txt$' | grep -q 3"
ok "report: a row per metric, a column per policy" bash -c "
    r='$D/report.md'
    grep -q '^| metric | none | thr-mmt |\$' \$r &&
    for m in 'energy (kJ)' SLATAH PDM 'SLAV (SLATAH x PDM)' 'overload time fraction (u > 0.8)' \
        'overloaded (server, interval) pairs' 'mean active servers' migrations clones sleeps wakes \
        'decision time, median (ms)' 'decision time, largest (ms)' 'client requests sent' \
        'client requests failed (%)' 'client latency p95 (ms)' 'longest a client went unanswered (ms)'; do
        grep -qF \"| \$m | \" \$r || { echo \"no \$m\"; exit 1; }
    done &&
    grep -q '^### Workload' \$r && grep -q '^## Commands' \$r && grep -q '^## Machine' \$r && grep -q '^\`\`\`yaml' \$r"
plots_valid() {
    python3 - "$1" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
r = json.load(open(d + "/results.json"))
names = [p["name"] for p in r["plots"]]
for n in ("policy-active", "policy-energy", "policy-util-none", "policy-util-thr-mmt", "policy-migrations", "policy-metrics"):
    assert n in names, (n, names)
for p in r["plots"]:
    assert open(d + "/" + p["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n", p["png"] + " is not a PNG"
    root = ET.parse(d + "/" + p["svg"]).getroot()
    assert root.tag.endswith("svg"), p["svg"] + " is not an SVG"
    assert len(list(root.iter())) > 20, p["svg"] + " is empty"
PY
}
ok "plots: active servers, energy, heat maps, migrations, bars; valid PNG and SVG" plots_valid "$D"
cp "$D/report.md" "$TEST_TMP/report.md"
rm "$D/report.md" "$D/policy-active.png"
ok "experiment report DIR writes report and plots again" bash -c "
    '$MINIDC' experiment report '$D' 2>/dev/null && cmp -s '$D/report.md' '$TEST_TMP/report.md' && $(declare -f plots_valid); plots_valid '$D'"

# --- interrupted while the VMs boot: nothing left ---
"$MINIDC" experiment policy --quick --out "$TEST_TMP/int" 2>"$TEST_TMP/int.err" &
exp=$!
for _ in $(seq 600); do grep -q 'run 1: none: lab xo[0-9]* up' "$TEST_TMP/int.err" && break; sleep 0.1; done
sleep 2
kill -INT $exp
wait $exp
is "an interrupted experiment exits 130" "$?" "130"
ok "without a report or traces" bash -c "test ! -e '$TEST_TMP/int/report.md' && test ! -e '$TEST_TMP/int/traces'"
is "nothing is left behind: labs, namespaces, daemons" "$(ls /run/minidc/labs 2>/dev/null | grep -cE '^xo[0-9]{5}$') $(machine_footprint)" "0 $before"
done_testing
