#!/usr/bin/env python3
"""bench/follow: how closely the network follows the VMs (issue: the network
follows the VMs).

In a fig1 lab of its own ("bfo"), with a client on the Internet host that
sends an HTTP request to VM1's original address every 5 ms (each on a new
connection, a 1 s timeout and no retry: a refused, reset or unanswered
request is a failure), one at a time, and logs every answer with its time
and the replica that gave it:
  - for each operation of the paper's scenario (same-subnet migration,
    migration across subnets, clone with a balancer, removal of the replica),
    the longest time without an answer, beside QEMU's own downtime;
  - for the migrations, the time from the end of the memory migration (the
    operation's events) to the first answer from the new place;
  - with two replicas behind the balancer, 10,000 requests from 20 client
    threads, and the share each replica got.
Several runs; medians.  Once for each network migrations may take
(controller.migration-network: data, through the switches, and management),
in the same run.

Usage: bench/follow/bench.py [--runs N] [--timeout S] [--networks data,management]
                             [--minidc PATH] [--json FILE]
Needs root, QEMU, Open vSwitch and the guest image (guest/build).
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = "bfo"
VIP = "198.18.4.1"


def get(addr, timeout):
    """One HTTP request on a new connection, not retried, answered within
    'timeout' seconds all told; the answer's first line, or None (refused,
    reset, timed out)."""
    t0 = time.time()
    left = lambda: max(0.001, timeout - (time.time() - t0))
    try:
        s = socket.create_connection((addr, 80), timeout=timeout)
        s.settimeout(left())
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            s.settimeout(left())
            d = s.recv(4096)
            if not d:
                break
            data += d
        s.close()
        body = data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace").strip()
        return body or None
    except OSError:
        return None


def client(out, stop_file, period, timeout):
    """Runs in the Internet host's namespace: answers with times, one per line."""
    with open(out, "w") as f:
        while not os.path.exists(stop_file):
            t = time.time()
            a = get(VIP, timeout)
            f.write("%.4f %s\n" % (t, a.split()[0] + " " + a.split()[1] if a else "-"))
            f.flush()
            time.sleep(max(0, period - (time.time() - t)))


def many(n, threads, timeout):
    """Runs in the Internet host's namespace: n requests from many threads; counts per replica."""
    counts, lock, left = {}, threading.Lock(), [n]

    def work():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            a = get(VIP, timeout)
            k = a.split()[0] if a else "failed"
            with lock:
                counts[k] = counts.get(k, 0) + 1

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps(counts))


def sh(*argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r.stdout


def gaps(lines, t0, t1):
    """Longest stretch without an answer between t0 and t1 (seconds, by the
    times the requests were sent), and how many requests failed."""
    pts = [(t, a) for t, a in lines if t0 <= t <= t1]
    longest, last_ok, failed = 0.0, t0, 0
    for t, a in pts:
        if a == "-":
            failed += 1
            continue
        longest = max(longest, t - last_ok)
        last_ok = t
    return max(longest, t1 - last_ok), failed


def topology(net, tmp):
    """fig1, its migrations over network 'net'."""
    lines = []
    for l in open(os.path.join(SRC, "examples", "fig1.yaml")):
        lines.append(l)
        if l.startswith("  api: "):
            lines.append("  migration-network: %s\n" % net)
    path = "%s.%s.yaml" % (tmp, net)
    with open(path, "w") as f:
        f.write("".join(lines))
    return path


def measure(mdc, topo, runs, requests, timeout, tmp):
    subprocess.run([mdc, "lab", "down", LAB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sh(mdc, "lab", "up", "--quiet", "--name", LAB, topo)
    res = {"same": [], "across": [], "clone": [], "remove": [], "downtime_same": [], "downtime_across": [],
           "follow_same": [], "follow_across": [], "failed": [], "sent": [], "share": []}
    try:
        for run in range(runs):
            print("run %d/%d" % (run + 1, runs), file=sys.stderr, flush=True)
            vm = lambda *args: json.loads(sh(mdc, "vm", *args, "--lab", LAB, "--json") or "{}")
            vm("boot", "vm1", "--on", "server8")
            stop = tmp + ".stop"
            if os.path.exists(stop):
                os.unlink(stop)
            cl = subprocess.Popen(["ip", "netns", "exec", LAB + "-internet", sys.executable, __file__, "_client",
                                   tmp + ".log", stop, "0.005", str(timeout)])
            time.sleep(1)
            marks = []
            for name, args in (("same", ("migrate", "vm1", "--to", "server7")),
                               ("across", ("migrate", "vm1", "--to", "server1")),
                               ("clone", ("clone", "vm1", "--to", "server8", "--as", "vm2", "--balance")),
                               ("remove", ("stop", "vm2", "--force"))):
                t0 = time.time()
                op = vm(*args)
                t1 = time.time()
                marks.append((name, t0, t1, op))
                time.sleep(1.5)
            open(stop, "w").close()
            cl.wait()
            lines = []
            for l in open(tmp + ".log"):
                t, rest = l.split(" ", 1)
                lines.append((float(t), rest.strip()))
            failed = sent = 0
            for name, t0, t1, op in marks:
                g, f = gaps(lines, t0, t1 + 1.0)
                failed += f
                sent += sum(1 for t, _ in lines if t0 <= t <= t1 + 1.0)
                res[name].append(g)
                q = (op.get("result") or {}).get("qemu")
                if name in ("same", "across") and q:
                    res["downtime_" + name].append(q["downtime_ms"] / 1000)
                    # First answer from the new place after the operation's switch-over.
                    new = "address=198.18.4.1" if name == "same" else "address=198.51.100.3"
                    src = {p["phase"]: p["seconds"] for p in op["result"]["source"]["phases"]}
                    t_switch = t0 + sum(p["seconds"] for p in op["phases"][:2]) + src.get("disk", 0) + \
                        src.get("memory", 0) + src.get("disk-sync", 0) + src.get("device-state", 0)
                    firsts = [t for t, ans in lines if t >= t_switch and ans.endswith(new) and
                              (name == "across" or t > t_switch)]
                    if firsts:
                        res["follow_" + name].append(firsts[0] - t_switch)
                    res.setdefault("operations", []).append({"op": name, "t0": t0, "t_switch": t_switch, "op_json": op,
                        "lines": [(t, ans) for t, ans in lines if t0 - 0.5 <= t <= t1 + 1.5]})
            res["failed"].append(failed)
            res["sent"].append(sent)
            # Balance: clone again behind the balancer, 10,000 requests.
            vm("clone", "vm1", "--to", "server8", "--as", "vm2", "--balance")
            time.sleep(0.5)
            counts = json.loads(sh("ip", "netns", "exec", LAB + "-internet", sys.executable, __file__, "_many",
                                   str(requests), "20", str(timeout)))
            tot = sum(v for k, v in counts.items() if k != "failed")
            res["share"].append({k: v / tot for k, v in counts.items() if k != "failed"} | {"failed": counts.get("failed", 0)})
            vm("stop", "vm2", "--force")
            vm("stop", "vm1", "--force")
    finally:
        subprocess.run([mdc, "lab", "down", LAB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for ext in (".log", ".stop"):
            if os.path.exists(tmp + ext):
                os.unlink(tmp + ext)
    return res


def report(net, res, runs, requests, timeout):
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    print("\nMigrations over the %s network: fig1 lab, %d runs, medians (max), %.1f s client timeout, no retry:" %
          (net, runs, timeout))
    print("%-34s %10s %10s" % ("operation", "longest gap", "QEMU downtime"))
    for name, label in (("same", "migrate within net4"), ("across", "migrate net4 -> net1 (rewrite)"),
                        ("clone", "clone with balancer"), ("remove", "replica removed")):
        d = res.get("downtime_" + name)
        print("%-34s %7.0f ms (%.0f) %8s" % (label, 1000 * med(res[name]), 1000 * max(res[name]),
                                            "%.0f ms" % (1000 * med(d)) if d else "-"))
    for name in ("same", "across"):
        print("first answer from the new place after the switch-over (%s): %.0f ms" %
              (name, 1000 * med(res["follow_" + name])))
    print("failed requests over the four operations, per run: %s (of %s sent)" % (res["failed"], res["sent"]))
    for s in res["share"]:
        print("balance over %d requests: %s" % (requests, ", ".join("%s %.1f%%" % (k, 100 * v) if k != "failed"
                                                                    else "failed %d" % v for k, v in sorted(s.items()))))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_client":
        return client(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    if len(sys.argv) > 1 and sys.argv[1] == "_many":
        return many(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds a request has (default 1)")
    ap.add_argument("--networks", default="data,management",
                    help="the migration networks to measure, in turn (default data,management)")
    ap.add_argument("--minidc", default=os.path.join(SRC, "build", "minidc"))
    ap.add_argument("--json")
    a = ap.parse_args()
    nets = a.networks.split(",")
    for n in nets:
        if n not in ("data", "management"):
            ap.error("--networks: data or management, not '%s'" % n)
    mdc = os.path.abspath(a.minidc)
    tmp = "/tmp/minidc-follow-%d" % os.getpid()
    out = {}
    try:
        for n in nets:
            print("migration network: %s" % n, file=sys.stderr, flush=True)
            out[n] = measure(mdc, topology(n, tmp), a.runs, a.requests, a.timeout, tmp)
    finally:
        for n in nets:
            if os.path.exists("%s.%s.yaml" % (tmp, n)):
                os.unlink("%s.%s.yaml" % (tmp, n))
    for n in nets:
        report(n, out[n], a.runs, a.requests, a.timeout)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
