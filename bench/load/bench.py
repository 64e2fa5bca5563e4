#!/usr/bin/env python3
"""bench/load: `minidc load http` against wrk, on the same target.

Two network namespaces of the bench's own ("lb<pid>-c", "lb<pid>-s") joined
by a veth pair; the target is build/load_target (bench/load/target.c: one
thread, epoll, answers as the guest's HTTP service does and closes) in the
server namespace, the load generators in the client one.  Every request is
a connection of its own for both: the target answers HTTP/1.0 and closes,
and wrk then reconnects.  Each run, interleaved so that both see the same
machine:

  1. wrk -t1 (one thread, as minidc load's one event loop) with -c C for
     each C of --connections, --seconds long: requests/s and latency;
  2. minidc load's highest sustained rate: the rate doubled from --start
     until one is not sustained, then halved intervals down to 5%; a rate is
     sustained when no send left more than 10 ms late and at least 99% of
     the requests were answered (a rate that fails is tried once more: the
     machine is shared); its latency and requests under way there;
  3. minidc load at 1,000 requests/s for --cpu-seconds: its own CPU
     (getrusage of the child, and the figure it reports) and latency;
  4. wrk -c 8's CPU per request, for comparison.

Prints medians over --runs; --json FILE keeps every sample.  Needs root,
wrk (apt-get install wrk) and a build (BUILD, default build).  The sysctls
it sets (wider local port range, longer accept queues) are set inside its
own namespaces only, and removed with them.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
PREFIX = "lb%d" % (os.getpid() % 100000)
C, S = PREFIX + "-c", PREFIX + "-s"
CLIENT, SERVER, PORT = "10.254.3.1", "10.254.3.2", 8080
URL = "http://%s:%d/" % (SERVER, PORT)


def sh(*argv, ns=None, check=True):
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r.stdout


def setup(build):
    sh("ip", "netns", "add", C)
    sh("ip", "netns", "add", S)
    sh("ip", "link", "add", PREFIX + "a", "type", "veth", "peer", "name", PREFIX + "b")
    for ns, dev, addr in ((C, PREFIX + "a", CLIENT), (S, PREFIX + "b", SERVER)):
        sh("ip", "link", "set", dev, "netns", ns)
        sh("ip", "-n", ns, "addr", "add", addr + "/30", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65535", ns=C)
    sh("sysctl", "-qw", "net.core.somaxconn=65535", "net.ipv4.tcp_max_syn_backlog=65535", ns=S)
    target = subprocess.Popen(["ip", "netns", "exec", S, os.path.join(build, "load_target"),
                               SERVER, str(PORT), "target"])
    for _ in range(50):
        if subprocess.run(["ip", "netns", "exec", C, "bash", "-c",
                           "exec 3<>/dev/tcp/%s/%d" % (SERVER, PORT)],
                          stderr=subprocess.DEVNULL).returncode == 0:
            return target
        time.sleep(0.1)
    raise RuntimeError("the target does not answer")


def cleanup(target):
    if target:
        target.kill()
        target.wait()
    for ns in (C, S):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def child_cpu(argv):
    """Runs argv; returns (stdout, CPU seconds of the child: user + system)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = sh(*argv)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def wrk_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]


def wrk(conns, secs):
    out, cpu = child_cpu(["ip", "netns", "exec", C, "wrk", "-t1", "-c%d" % conns, "-d%ds" % secs,
                          "--latency", URL])
    n = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict((p, wrk_ms(v)) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Socket errors: (.*)", out)
    return {"connections": conns, "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)",
                                                                    out).group(1)),
            "requests": n, "p50_ms": lat["50"], "p90_ms": lat["90"], "p99_ms": lat["99"],
            "errors": errors.group(1) if errors else "", "cpu_s": cpu,
            "cpu_us_per_request": cpu / n * 1e6 if n else None}


def minidc(m, rate, secs):
    out, cpu = child_cpu(["ip", "netns", "exec", C, m, "load", "http", URL, "--rate", str(rate),
                          "--duration", str(secs), "--json"])
    r = json.loads(out)
    lat = r["latency_ms"] or {}
    conn = r["connect_ms"] or {}
    return {"connect_p50_ms": conn.get("p50"), "connect_p99_ms": conn.get("p99"),"rate": rate, "sent": r["sent"], "answered": r["answered"], "failed": r["failed"],
            "late": r["late"], "late_max_ms": r["late_max_ms"],
            "answered_per_s": r["answered_per_s"], "p50_ms": lat.get("p50"),
            "p90_ms": lat.get("p90"), "p99_ms": lat.get("p99"), "max_ms": lat.get("max"),
            "in_flight_max": r["in_flight_max"], "cpu_s": cpu,
            "cpu_reported_s": r["cpu_s"]["user"] + r["cpu_s"]["system"],
            "sustained": r["late"] == 0 and r["answered"] >= 0.99 * r["sent"]}


def highest_sustained(m, start, secs, probes):
    def probe(rate):
        for _ in range(2):
            p = minidc(m, rate, secs)
            probes.append(p)
            if p["sustained"]:
                return p
        return None

    good, bad, rate = None, None, start
    while bad is None and rate <= 1000000:
        p = probe(rate)
        if p:
            good, rate = p, rate * 2
        else:
            bad = rate
    if good is None:
        return None
    lo, hi = good["rate"], bad or good["rate"]
    while hi > lo * 1.05:
        mid = int(round((lo + hi) / 2 / 100.0)) * 100
        p = probe(mid)
        if p:
            good, lo = p, mid
        else:
            hi = mid
    return good


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=3, help="of each wrk run and rate probe (3)")
    ap.add_argument("--cpu-seconds", type=int, default=10, help="of the run at 1,000/s (10)")
    ap.add_argument("--connections", default="1,8,32,128", help="wrk's -c values (1,8,32,128)")
    ap.add_argument("--start", type=int, default=2000, help="first rate probed (2000)")
    ap.add_argument("--json", help="write every sample here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/load: needs root (network namespaces)")
    build = os.path.join(SRC, os.environ.get("BUILD", "build"))
    m = os.path.join(build, "minidc")
    if not os.path.exists(os.path.join(build, "load_target")):
        subprocess.run([os.path.join(SRC, "scripts", "build"), build], check=True,
                       stdout=subprocess.DEVNULL)
    if subprocess.run(["which", "wrk"], stdout=subprocess.DEVNULL).returncode != 0:
        sys.exit("bench/load: needs wrk (apt-get install wrk)")
    conns = [int(c) for c in a.connections.split(",")]
    runs = []
    target = None
    try:
        target = setup(build)
        for i in range(a.runs):
            run = {"wrk": [wrk(c, a.seconds) for c in conns], "probes": []}
            run["wrk_cpu"] = wrk(8, a.seconds)
            run["minidc_best"] = highest_sustained(m, a.start, a.seconds, run["probes"])
            run["minidc_1000"] = minidc(m, 1000, a.cpu_seconds)
            best = max(run["wrk"], key=lambda w: w["requests_per_s"])
            run["ratio"] = (run["minidc_best"]["rate"] / best["requests_per_s"]
                            if run["minidc_best"] else None)
            runs.append(run)
            print("run %d: wrk %s; minidc load sustains %s/s (%.2fx wrk's best), "
                  "CPU at 1,000/s %.3f s in %d s" % (
                      i + 1, ", ".join("-c%d %.0f/s" % (w["connections"], w["requests_per_s"])
                                       for w in run["wrk"]),
                      run["minidc_best"]["rate"] if run["minidc_best"] else "none",
                      run["ratio"] or 0, run["minidc_1000"]["cpu_s"], a.cpu_seconds),
                  flush=True)
    finally:
        cleanup(target)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": runs, "cores": os.cpu_count(), "connections": conns,
                       "seconds": a.seconds}, f, indent=2)

    def med(f):
        return median([f(r) for r in runs])

    print("\nbench/load: medians of %d runs; %d cores; wrk %s; target build/load_target" % (
        a.runs, os.cpu_count(), sh("dpkg-query", "-W", "-f=${Version}", "wrk", check=False)))
    print("%-34s %12s %9s %9s %9s %16s" % ("", "requests/s", "p50 ms", "p90 ms", "p99 ms",
                                           "handshake p50"))
    for j, c in enumerate(conns):
        print("%-34s %12.0f %9.3f %9.3f %9.3f %16s" % (
            "wrk -t1 -c%d" % c, med(lambda r: r["wrk"][j]["requests_per_s"]),
            med(lambda r: r["wrk"][j]["p50_ms"]), med(lambda r: r["wrk"][j]["p90_ms"]),
            med(lambda r: r["wrk"][j]["p99_ms"]), "(not in wrk's)"))
    for name, k in (("minidc load, highest sustained", "minidc_best"),
                    ("minidc load at 1,000/s", "minidc_1000")):
        print("%-34s %12.0f %9.3f %9.3f %9.3f %16.3f" % (
            name, med(lambda r: r[k]["rate"]), med(lambda r: r[k]["p50_ms"]),
            med(lambda r: r[k]["p90_ms"]), med(lambda r: r[k]["p99_ms"]),
            med(lambda r: r[k]["connect_p50_ms"])))
    print("\nhighest sustained rate / wrk's best: %.2fx (per run: %s)" % (
        med(lambda r: r["ratio"]), ", ".join("%.2f" % (r["ratio"] or 0) for r in runs)))
    print("requests under way at minidc load's highest sustained rate: at most %.0f" %
          med(lambda r: r["minidc_best"]["in_flight_max"]))
    cpu = med(lambda r: r["minidc_1000"]["cpu_s"])
    print("minidc load's CPU at 1,000/s: %.3f s a second (%.0f%% of a core; %.0f us a request; "
          "its own report %.3f s a second)" % (
              cpu / a.cpu_seconds, 100 * cpu / a.cpu_seconds, cpu / a.cpu_seconds / 1000 * 1e6,
              med(lambda r: r["minidc_1000"]["cpu_reported_s"]) / a.cpu_seconds))
    print("wrk -c8's CPU: %.0f us a request at %.0f requests/s" % (
        med(lambda r: r["wrk_cpu"]["cpu_us_per_request"]),
        med(lambda r: r["wrk_cpu"]["requests_per_s"])))


if __name__ == "__main__":
    main()
