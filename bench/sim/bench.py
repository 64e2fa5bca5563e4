#!/usr/bin/env python3
"""bench/sim: how fast and how small minidc's simulator runs.

For each policy, `minidc sim --preset planetlab` on a day of PlanetLab
traces (800 servers, one VM per file: 1,052 for 20110303), --runs times; the
median of the run's own `seconds` (the simulation, not the loading of the
traces) and of the process's largest resident memory, beside `none` (the
simulator alone, no policy work) in the same run.  Then the scale cases:
generated workloads of --scale HOSTSxVMS (default 10000x13000: the
preset's 1.3 VMs a server; its server types hold about 3 VMs each by memory,
so 10 a server does not place), a day of
thr-mmt each.

  bench/sim/bench.py --minidc build-rel/minidc --traces DIR [--runs 5]
"""
import argparse
import json
import statistics
import subprocess
import sys

POLICIES = ["none", "thr-mmt", "iqr-mmt", "mad-mmt", "lr-mmt", "lrr-mmt", "thr-mc", "thr-rs",
            "thr-mu", "consolidate"]


def sim(minidc, args):
    out = subprocess.run([minidc, "sim", *args, "--json"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minidc", default="build/minidc")
    ap.add_argument("--traces", required=True, help="a day of PlanetLab traces (one file a VM)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scale", default="10000x13000", help="HOSTSxVMS[,HOSTSxVMS...]; empty: none")
    ap.add_argument("--scale-runs", type=int, default=3)
    a = ap.parse_args()
    print("| policy | simulated day | largest RSS | migrations | energy | mean decide |")
    print("|---|---|---|---|---|---|")
    for p in POLICIES:
        rs = [sim(a.minidc, ["--preset", "planetlab", "--workload", "planetlab:" + a.traces,
                             "--policy", p]) for _ in range(a.runs)]
        r = rs[0]
        print("| %s | %.3f s | %.1f MiB | %d | %.1f kWh | %.2f ms |" % (
            p, statistics.median(x["seconds"] for x in rs),
            statistics.median(x["max_rss_mib"] for x in rs), r["migrations"], r["energy_kwh"],
            statistics.median(x["decision_ms_mean"] for x in rs)), flush=True)
    for case in filter(None, a.scale.split(",")):
        hosts, vms = case.split("x")
        rs = [sim(a.minidc, ["--hosts", hosts, "--vms", vms, "--workload", "synthetic:1",
                             "--policy", "thr-mmt"]) for _ in range(a.scale_runs)]
        print("| thr-mmt, %s servers / %s VMs (generated) | %.2f s | %.1f MiB | %d | %.1f kWh | "
              "%.2f ms |" % (hosts, vms, statistics.median(x["seconds"] for x in rs),
                             statistics.median(x["max_rss_mib"] for x in rs), rs[0]["migrations"],
                             rs[0]["energy_kwh"],
                             statistics.median(x["decision_ms_mean"] for x in rs)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
