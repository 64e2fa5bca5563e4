#!/usr/bin/env python3
"""bench/lab: time to bring up and tear down a lab, minidc against a baseline.

For each topology (fig1, and a generated 64-server tree) it runs, several
times each and interleaved so that both see the same machine:
  - minidc:   `minidc lab up --standalone` then `minidc lab down`
  - baseline: the same namespaces, veth pairs, offload settings, addresses,
              bridges and ports made one command per object, the way a
              hand-written script (or Mininet) does it
and prints the median of each with the ratio.  The baseline checks that it
built the same thing (same bridge and port counts) before it is timed again.

Usage: bench/lab/bench.py [--runs N] [--minidc PATH] [--json FILE]
Needs root, Open vSwitch and iproute2.  Touches only namespaces it names
"bl..." / "bn..." and removes them.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def sh(*argv, ns=None, env=None, check=True):
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r.stdout


class Baseline:
    """One command per object: what minidc's batching is measured against."""

    def __init__(self, topo, name):
        self.t = topo
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="minidc-bench-")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir, OVS_DBDIR=self.dir)
        self.db = "--db=unix:%s/db.sock" % self.dir

    def ns(self, node):
        return self.name if node["kind"] == "switch" else "%s-%s" % (self.name, node["name"])

    def up(self):
        t, nodes = self.t, {n["name"]: n for n in self.t["nodes"]}
        machines = [n for n in t["nodes"] if n["kind"] != "switch"]
        sh("ip", "netns", "add", self.name)
        for m in machines:
            sh("ip", "netns", "add", self.ns(m))
        d = self.dir
        sh("ovsdb-tool", "create", d + "/conf.db", SCHEMA)
        sh("ovsdb-server", d + "/conf.db", "--remote=punix:%s/db.sock" % d, "--pidfile=%s/db.pid" % d,
           "--unixctl=%s/db.ctl" % d, "--log-file=%s/db.log" % d, "--detach", ns=self.name)
        sh("ovs-vsctl", self.db, "--no-wait", "init")
        sh("ovs-vswitchd", "unix:%s/db.sock" % d, "--pidfile=%s/vs.pid" % d, "--unixctl=%s/vs.ctl" % d,
           "--log-file=%s/vs.log" % d, "--detach", ns=self.name, env=self.env)
        sh("ip", "-n", self.name, "link", "add", "_mgmt", "type", "bridge")
        sh("ip", "-n", self.name, "link", "set", "_mgmt", "up")
        veths = []
        for l in t["links"]:
            a, b = nodes[l["a"]], nodes[l["b"]]
            if a["kind"] != "switch":
                a, b, l = b, a, dict(l, a_port=l["b_port"], b_port=l["a_port"])
            pa = "%s-%d" % (a["name"], l["a_port"])
            if b["kind"] == "switch":
                pb = "%s-%d" % (b["name"], l["b_port"])
                sh("ip", "-n", self.name, "link", "add", pa, "type", "veth", "peer", "name", pb)
                veths += [(self.name, pa), (self.name, pb)]
            else:
                sh("ip", "-n", self.name, "link", "add", pa, "type", "veth", "peer", "name", "eth0",
                   "netns", self.ns(b))
                veths += [(self.name, pa), (self.ns(b), "eth0")]
        for i, m in enumerate([m for m in machines if m["kind"] == "server"]):
            sh("ip", "-n", self.name, "link", "add", "_m%d" % i, "type", "veth", "peer", "name", "mgmt0",
               "netns", self.ns(m))
            sh("ip", "-n", self.name, "link", "set", "_m%d" % i, "master", "_mgmt", "up")
            veths += [(self.name, "_m%d" % i), (self.ns(m), "mgmt0")]
        for ns, ifname in veths:
            sh("ethtool", "-K", ifname, "tx", "off", ns=ns)
            if ns == self.name:
                sh("ip", "-n", ns, "link", "set", ifname, "up")
        subnets = {s["name"]: s for s in t["subnets"]}
        for m in machines:
            ns, sn = self.ns(m), subnets[m["subnet"]]
            plen = sn["prefix"].split("/")[1]
            dev = "eth0"
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            if m["kind"] == "server":
                dev = "br0"
                sh("ip", "-n", ns, "link", "add", "br0", "type", "bridge")
                sh("ip", "-n", ns, "link", "set", "eth0", "master", "br0")
                sh("ip", "-n", ns, "link", "set", "br0", "up")
                sh("ip", "-n", ns, "link", "set", "mgmt0", "up")
                sh("ip", "-n", ns, "addr", "add", m["management"] + "/24", "dev", "mgmt0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "addr", "add", "%s/%s" % (m["address"], plen), "dev", dev)
            sh("ip", "-n", ns, "route", "add", "default", "via", sn["gateway"])
        for n in t["nodes"]:
            if n["kind"] == "switch":
                sh("ovs-vsctl", self.db, "add-br", n["name"], "--", "set", "bridge", n["name"],
                   "datapath_type=netdev", "fail_mode=standalone", "other_config:datapath-id=" + n["dpid"])
        for ns, ifname in veths:
            if ns == self.name and not ifname.startswith("_"):
                sh("ovs-vsctl", self.db, "add-port", ifname.rsplit("-", 1)[0], ifname, "--", "set",
                   "interface", ifname, "ofport_request=" + ifname.rsplit("-", 1)[1])
        ports = sum(len(sh("ovs-vsctl", self.db, "list-ports", n["name"]).split())
                    for n in t["nodes"] if n["kind"] == "switch")
        want = sum(n["ports"] for n in t["nodes"] if n["kind"] == "switch")
        if ports != want:
            raise RuntimeError("baseline built %d ports, expected %d" % (ports, want))

    def down(self):
        for pidfile in ("vs.pid", "db.pid"):
            try:
                pid = int(open(os.path.join(self.dir, pidfile)).read())
                os.kill(pid, 15)
                for _ in range(200):
                    st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
                    if st == "Z":
                        break
                    time.sleep(0.01)
            except (OSError, ValueError):
                pass
        for m in self.t["nodes"]:
            if m["kind"] != "switch":
                sh("ip", "netns", "del", self.ns(m), check=False)
        sh("ip", "netns", "del", self.name, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(fn):
    t0 = time.monotonic()
    fn()
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--minidc", default=os.path.join(SRC, "build", "minidc"))
    ap.add_argument("--json", help="write every sample here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/lab: needs root")
    m = args.minidc
    tmp = tempfile.mkdtemp(prefix="minidc-bench-")
    tree = os.path.join(tmp, "tree64.yaml")
    with open(tree, "w") as f:
        f.write(sh(m, "topology", "generate", "tree", "--depth", "3", "--fanout", "4",
                   "--servers-per-leaf", "4", "--name", "tree64"))
    cases = [("fig1 (7 switches, 8 servers)", os.path.join(SRC, "examples", "fig1.yaml")),
             ("tree 3x4x4 (21 switches, 64 servers)", tree)]
    results = {}
    print("bench/lab: %d runs each, medians; machine: %d cores" % (args.runs, os.cpu_count()))
    print("%-38s %10s %10s %10s %10s %8s" % ("topology", "minidc up", "down", "baseline up", "down", "up ratio"))
    for label, path in cases:
        topo = json.loads(sh(m, "topology", "check", "--json", path))
        samples = {"minidc_up": [], "minidc_down": [], "baseline_up": [], "baseline_down": []}
        for i in range(args.runs):
            name = "bn%d" % (os.getpid() % 10000)
            samples["minidc_up"].append(timed(lambda: sh(m, "lab", "up", "--standalone", "--quiet",
                                                         "--name", name, path)))
            samples["minidc_down"].append(timed(lambda: sh(m, "lab", "down", name)))
            b = Baseline(topo, "bl%d" % (os.getpid() % 10000))
            try:
                samples["baseline_up"].append(timed(b.up))
            finally:
                samples["baseline_down"].append(timed(b.down))
        med = {k: statistics.median(v) for k, v in samples.items()}
        results[label] = {"samples": samples, "median": med}
        print("%-38s %9.2fs %9.2fs %10.2fs %9.2fs %7.1fx" % (
            label, med["minidc_up"], med["minidc_down"], med["baseline_up"], med["baseline_down"],
            med["baseline_up"] / med["minidc_up"]))
    shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
