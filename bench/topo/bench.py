#!/usr/bin/env python3
"""bench/topo: time of `minidc topology check` on trees of growing size.

For each size it writes a topology file of a tree of switches (FANOUT
children each, SERVERS servers on every leaf switch, a /24 subnet per leaf, an
Internet host on the root), then times `minidc topology check FILE` RUNS
times and reports the median, min and max, and the scaling between
successive sizes: the exponent k of time ~ size^k (1 is linear, 2
quadratic).  With --baseline it times a second minidc (an older build) on the
same files, runs interleaved, checks that both print the same, and gives the
ratio; a baseline slower than --baseline-limit seconds on one size is not
run on the larger ones.

The generator of minidc itself (`minidc topology generate tree`) stops at
512 leaf switches (one /24 of 198.18.0.0/15 each), so the files are written
here, in its format, with leaf subnets in 10.0.0.0/8.

Usage: bench/topo/bench.py [--minidc PATH] [--baseline PATH] [--runs N]
                           [--sizes N,N,...] [--fanout F] [--servers S] [--json FILE]
Needs nothing but a built minidc; starts no lab.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))


def tree_yaml(n, fanout, servers):
    """A tree of n switches s1..sN in breadth-first order: sI's parent is s((I-2)//F+1)."""
    leaves = [i for i in range(1, n + 1) if (i - 1) * fanout + 2 > n]
    if len(leaves) > 65536:
        raise SystemExit("bench/topo: %d leaves do not fit in 10.0.0.0/8 as /24s" % len(leaves))
    o = ["# bench/topo: a tree of %d switches, fanout %d, %d servers per leaf" % (n, fanout, servers),
         "name: bench",
         "controller: {openflow: 100.127.255.254:6653, api: 100.127.255.254:8080}",
         "management: {subnet: 100.64.0.0/10}",
         "subnets:",
         "  - {name: internet, prefix: 203.0.113.0/24, gateway: 203.0.113.254, switch: s1}"]
    for k, s in enumerate(leaves):
        o.append("  - {name: net%d, prefix: 10.%d.%d.0/24, gateway: 10.%d.%d.254, switch: s%d}"
                 % (k + 1, k // 256, k % 256, k // 256, k % 256, s))
    o.append("switches:")
    o += ["  - {name: s%d}" % i for i in range(1, n + 1)]
    machines = []
    if servers:
        o.append("servers:")
        for k, s in enumerate(leaves):
            for j in range(1, servers + 1):
                name = "server%d" % (len(machines) + 1)
                machines.append((s, name))
                o.append("  - {name: %s, address: 10.%d.%d.%d}" % (name, k // 256, k % 256, j))
    o += ["hosts:", "  - {name: internet, address: 203.0.113.1}", "links:", "  - [s1, internet]"]
    o += ["  - [s%d, s%d]" % ((i - 2) // fanout + 1, i) for i in range(2, n + 1)]
    o += ["  - [s%d, %s]" % m for m in machines]
    return "\n".join(o) + "\n", len(machines) + 1 + n, n + len(machines)


def check(minidc, path):
    """Seconds one `minidc topology check` took, and what it printed."""
    t0 = time.monotonic()
    r = subprocess.run([minidc, "topology", "check", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit("bench/topo: %s rejected %s:\n%s" % (minidc, path, r.stdout[-2000:]))
    return dt, r.stdout


def exponent(prev, cur):
    """k in t ~ n^k between two (size, seconds) points."""
    (n1, t1), (n2, t2) = prev, cur
    if t1 <= 0 or t2 <= 0 or n1 == n2:
        return float("nan")
    return math.log(t2 / t1) / math.log(n2 / n1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minidc", default=os.path.join(SRC, "build", "minidc"))
    ap.add_argument("--baseline", help="another minidc to time on the same files (an older build)")
    ap.add_argument("--baseline-limit", type=float, default=120.0,
                    help="stop timing the baseline after a size it took longer than this (seconds)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="250,500,1000,2000,4000,8000,16000,32000,64000",
                    help="switch counts, comma-separated")
    ap.add_argument("--fanout", type=int, default=4)
    ap.add_argument("--servers", type=int, default=1, help="servers per leaf switch")
    ap.add_argument("--json", help="write every sample here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bins = {"minidc": args.minidc}
    if args.baseline:
        bins["baseline"] = args.baseline
    for b in bins.values():
        if not os.access(b, os.X_OK):
            raise SystemExit("bench/topo: no minidc at %s (scripts/build first)" % b)

    print("bench/topo: minidc topology check, %d runs each, medians (min-max); trees of fanout %d, %d server%s per "
          "leaf; machine: %d cores" % (args.runs, args.fanout, args.servers, "" if args.servers == 1 else "s",
                                       os.cpu_count()))
    head = "%8s %8s %8s  %-24s %6s" % ("switches", "nodes", "links", "minidc", "k")
    if args.baseline:
        head += "  %-24s %6s %9s" % ("baseline", "k", "ratio")
    print(head)
    results, last = [], {}
    baseline_on = bool(args.baseline)
    with tempfile.TemporaryDirectory(prefix="minidc-bench-topo-") as tmp:
        for n in sizes:
            text, nodes, links = tree_yaml(n, args.fanout, args.servers)
            path = os.path.join(tmp, "tree%d.yaml" % n)
            with open(path, "w") as f:
                f.write(text)
            samples = {k: [] for k in bins}
            outputs = {}
            for _ in range(args.runs):
                for k, b in bins.items():
                    if k == "baseline" and not baseline_on:
                        continue
                    dt, out = check(b, path)
                    samples[k].append(dt)
                    outputs[k] = out.replace(b, "MINIDC")
            if len(outputs) == 2 and outputs["minidc"] != outputs["baseline"]:
                raise SystemExit("bench/topo: the two builds print different things for %d switches" % n)
            row = {"switches": n, "nodes": nodes, "links": links, "samples": samples}
            line = "%8d %8d %8d" % (n, nodes, links)
            for k in bins:
                if not samples[k]:
                    line += "  %-24s %6s" % ("(not run)", "")
                    continue
                med = statistics.median(samples[k])
                row[k] = med
                kexp = exponent(last[k], (n, med)) if k in last else float("nan")
                row[k + "_exponent"] = None if math.isnan(kexp) else kexp
                last[k] = (n, med)
                line += "  %-24s %6s" % ("%.3fs (%.3f-%.3f)" % (med, min(samples[k]), max(samples[k])),
                                         "" if math.isnan(kexp) else "%.2f" % kexp)
            if args.baseline:
                line += " %9s" % ("%.0fx" % (row["baseline"] / row["minidc"]) if samples["baseline"] else "")
                if samples["baseline"] and statistics.median(samples["baseline"]) > args.baseline_limit:
                    baseline_on = False
            print(line, flush=True)
            results.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "fanout": args.fanout, "servers": args.servers, "results": results}, f,
                      indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
