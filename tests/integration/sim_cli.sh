#!/usr/bin/env bash
# minidc sim: every built-in policy on the PlanetLab preset (800 servers,
# 1,040 VMs) with a generated workload, two hours each; the whole day of
# thr-mmt twice gives the same results; none moves nothing; the JSON has its
# fixed keys, in range; bad input is refused saying what was expected.
set -u
. "$(dirname "$0")/../lib/tap.sh"
MINIDC=${MINIDC:-minidc}
SRC=${MINIDC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok "minidc sim --help" bash -c "'$MINIDC' sim --help | grep -q '^usage: minidc sim'"

# Every metric under its fixed key, in range.
check_json() {
    python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("energy_kwh", "migrations", "slatah", "pdm", "slav", "overload_time_fraction",
          "active_servers_mean", "decision_ms_mean", "seconds"):
    assert k in r and r[k] >= 0, (k, r.get(k))
for k in ("slatah", "pdm", "slav", "overload_time_fraction"):
    assert r[k] <= 1, (k, r[k])
assert r["hosts"] == 800 and r["vms"] == 1040 and r["rounds"] == int(sys.argv[2]), r
assert 0 < r["active_servers_mean"] <= 800, r
# 800 servers at 86 to 135 W for the run's hours
hours = (r["rounds"] - 1) * 300 / 3600
assert 800 * 86 * hours / 1000 * 0.2 < r["energy_kwh"] < 800 * 135 * hours / 1000, r
assert r["decisions"]["n"] + r["decisions"]["skipped"] == r["rounds"] - 1, r
PY
}

# The simulator's list: every built-in policy but autoscale (it needs
# services' demand), no lab needed.
policies=$("$MINIDC" sim --list --json | python3 -c "
import json, sys
print(' '.join(p['name'] for p in json.load(sys.stdin)['policies']))")
ok "sim --list has the 42 built-in policies that need no services" \
    bash -c "[ $(wc -w <<<"$policies") = 42 ] && ! grep -qw autoscale <<<'$policies' && grep -qw lrr-mu-subnet <<<'$policies'"
n=0
for p in $policies; do
    "$MINIDC" sim --preset planetlab --workload synthetic:7 --policy "$p" --duration 7200 --json \
        >"$TMP/$p.json" 2>"$TMP/$p.err" && check_json "$TMP/$p.json" 25 >"$TMP/$p.check" 2>&1 ||
        { diag "$p: $(tail -2 "$TMP/$p.err" "$TMP/$p.check")"; continue; }
    n=$((n + 1))
done
is "every built-in policy but autoscale runs on the preset, its metrics in range" "$n" "$(wc -w <<<"$policies")"
python3 -c "
import json, sys
for p in sys.argv[1:]:
    r = json.load(open('$TMP/%s.json' % p))
    print('%-15s %8.1f kWh %5d migrations %6.1f active SLATAH %.4f %.2f ms' % (p, r['energy_kwh'], r['migrations'], r['active_servers_mean'], r['slatah'], r['decision_ms_mean']))
" none thr-mmt iqr-mc lrr-mu mad-rs-subnet consolidate | while read -r l; do diag "$l"; done
is "none moves nothing" "$(python3 -c "import json; r = json.load(open('$TMP/none.json')); print(r['migrations'], r['sleeps'])")" "0 0"
ok "thr-mmt consolidates: fewer active servers than none" python3 -c "
import json; a = json.load(open('$TMP/none.json')); b = json.load(open('$TMP/thr-mmt.json'))
assert b['active_servers_mean'] < a['active_servers_mean'] and b['migrations'] > 0 and b['energy_kwh'] < a['energy_kwh'], (a, b)"

# A whole day, twice: the same results (but for the clock's figures).
for i in 1 2; do
    "$MINIDC" sim --preset planetlab --workload synthetic:7 --policy thr-mmt --json >"$TMP/day$i.json"
done
ok "a day of thr-mmt gives the same results twice" python3 -c "
import json
a, b = (json.load(open('$TMP/day%d.json' % i)) for i in (1, 2))
for r in (a, b):
    for k in ('decision_ms_mean', 'seconds', 'max_rss_mib'): r.pop(k)
    r['decisions'].pop('ms_max')
assert a == b, (a, b)"
ok "with 289 rounds" check_json "$TMP/day1.json" 289
ok "the text summary names the policy and the metrics" bash -c "
    '$MINIDC' sim --preset planetlab --workload synthetic --policy thr-mmt --duration 3600 |
    grep -q '^minidc sim: thr-mmt on 800 servers and 1040 VMs, 13 rounds' "

# --out: the report, results and plots of experiment policy.
D=$TMP/simout
ok "--out DIR writes a report, results and plots" "$MINIDC" sim --hosts 8 --vms 10 --vm-type micro:5 \
    --vm-type small --workload synthetic:3 --policy thr-mmt --duration 21600 --out "$D"
ok "the report: a row per metric, the run's figures" bash -c "
    grep -q '^# minidc sim' '$D/report.md' && grep -q '^| metric | thr-mmt |' '$D/report.md' &&
    grep -q '^| migrations | [1-9]' '$D/report.md' && grep -q '8 servers and 10 VMs' '$D/report.md'"
ok "results: the metrics, the energy series ending at the run's energy, the events" python3 - "$D/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["experiment"] == "sim" and r["config"]["hosts"] == 8, r["config"]
row = r["policy"][0]
m, s = row["metrics"], row["series"]
assert len(s["t"]) == 73 and s["t"][-1] == 21600, len(s["t"])
assert abs(s["energy_j"][-1] - m["energy_j"]) < 1e-6 * m["energy_j"], (s["energy_j"][-1], m["energy_j"])
assert sorted(s["util"]) == ["host%d" % i for i in range(1, 9)] or len(s["util"]) == 8
moves = [e for e in row["events"] if e["type"] == "vm.migrated"]
assert len(moves) == m["migrations"] > 0 and all(e["seconds"] > 0 for e in moves), moves
assert row["decide_ms"]["n"] == len(row["decide_ms"]["values"]) > 0
PY
ok "plots: valid PNG and SVG" python3 - "$D" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
r = json.load(open(d + "/results.json"))
names = [p["name"] for p in r["plots"]]
assert names == ["policy-active", "policy-energy", "policy-util-thr-mmt", "policy-migrations", "policy-metrics"], names
for p in r["plots"]:
    assert open(d + "/" + p["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n", p["png"]
    assert ET.parse(d + "/" + p["svg"]).getroot().tag.endswith("svg"), p["svg"]
PY
cp "$D/report.md" "$TMP/report.md"
rm "$D/report.md"
ok "experiment report DIR writes them again" bash -c "'$MINIDC' experiment report '$D' 2>/dev/null && cmp -s '$D/report.md' '$TMP/report.md'"

# --hosts with types in blocks.
ok "--hosts 10 with types and VMs in blocks" bash -c "
    '$MINIDC' sim --hosts 10 --host-type hp-ml110-g4:4 --host-type hp-ml110-g5 --vm-type micro:6 \
        --vm-type small --vms 12 --workload synthetic --policy thr-mmt --duration 3600 --json |
    python3 -c 'import json, sys; r = json.load(sys.stdin); assert r[\"hosts\"] == 10 and r[\"vms\"] == 12, r'"

# A lab's topology: fig1-raspi's 8 servers of 0.2 CPU and 1 GiB, with VMs of
# 0.05 CPU and 128 MiB as a lab boots them; the servers' subnets and switches
# crossed reach the policy (subnet placement keeps moves in their subnet
# while it can).
"$MINIDC" sim --topology "$SRC/examples/fig1-raspi.yaml" --vm-type 0.05x128 --vms 12 --workload synthetic:5 \
    --policy thr-mmt --param placement=subnet --duration 7200 --json --out "$TMP/raspi" >"$TMP/raspi.json" 2>"$TMP/raspi.err"
ok "--topology runs on the file's servers" python3 -c "
import json, sys
r = json.load(open('$TMP/raspi.json'))
assert r['hosts'] == 8 and r['vms'] == 12 and r['migrations'] > 0, r
" || diag "$(cat "$TMP/raspi.err")"
ok "the results name the topology file" python3 -c "
import json
r = json.load(open('$TMP/raspi/results.json'))
assert r['config']['topology'].endswith('examples/fig1-raspi.yaml') and r['config']['hosts'] == 8, r['config']
"

# Bad input.
refused() { # DESCRIPTION PATTERN ARGS...
    local d=$1 pat=$2
    shift 2
    "$MINIDC" sim "$@" >"$TMP/out" 2>&1
    local rc=$?
    ok "$d" bash -c "[ $rc -ne 0 ] && grep -q -- \"$pat\" '$TMP/out'" || diag "rc $rc: $(cat "$TMP/out")"
}
refused "no --preset, --hosts nor --topology" "give --preset planetlab, --hosts N or --topology FILE" --workload synthetic --policy none
refused "--hosts and --topology at once" "one of them" --hosts 2 --topology "$SRC/examples/fig1-raspi.yaml" --workload synthetic --policy none
refused "a topology whose servers have no cpu: which file, which line" "examples/fig1.yaml:42:12: server server1: the simulator needs its cpu" --topology "$SRC/examples/fig1.yaml" --workload synthetic --policy none
refused "a topology file that is not there" "cannot read the file" --topology "$TMP/none.yaml" --workload synthetic --policy none
refused "a VM type neither named nor CPUxMIB" "or CPUxMIB, as 0.1x128" --hosts 2 --vm-type 0.1y128 --workload synthetic --policy none
refused "an unknown preset" "--preset: expected planetlab, got 'cloudsim'" --preset cloudsim --workload synthetic --policy none
refused "an unknown host type, naming those there are" "no type 'g7' (there are: hp-ml110-g4, hp-ml110-g5, ibm-x3250-x3470" --hosts 2 --host-type g7 --workload synthetic --policy none
refused "type counts that do not add up" "the counts (3) do not make the 2 there are" --hosts 2 --host-type hp-ml110-g4:3 --workload synthetic --policy none
refused "an unknown policy" "no policy 'thr-xyz'" --preset planetlab --workload synthetic --policy thr-xyz
refused "a parameter the policy does not take" "has no parameter 'bogus'" --preset planetlab --workload synthetic --policy thr-mmt --param bogus=1
refused "autoscale: the simulator has no services" "needs the request rates of services" --preset planetlab --workload synthetic --policy autoscale
refused "a workload that is neither" "expected planetlab:DIR or synthetic\[:SEED\]" --preset planetlab --workload trace --policy none
refused "a missing trace directory" "cannot read $TMP/nothing" --preset planetlab --workload "planetlab:$TMP/nothing" --policy none
mkdir "$TMP/traces"
printf '10\n20\nabc\n' >"$TMP/traces/a"
refused "a bad trace file: which file, which line" "$TMP/traces/a:3:" --hosts 2 --workload "planetlab:$TMP/traces" --policy none
refused "more VMs than trace files" "has 1 trace files, fewer than the 5 VMs" --hosts 2 --vms 5 --workload "planetlab:$TMP/traces" --policy none
refused "VMs that fit on no server" "fits on no server" --hosts 1 --vms 9 --vm-type small --workload synthetic --policy none
refused "a duration under one interval" "is shorter than one --interval" --preset planetlab --workload synthetic --policy none --duration 100
done_testing
