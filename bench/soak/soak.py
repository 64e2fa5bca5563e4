#!/usr/bin/env python3
"""bench/soak: random migrations, clones and stops on the fig1 lab for a while,
with an HTTP client on every VM's address, and what minidcd and the agents
hold at the start and at the end.

    bench/soak/soak.py [--build DIR] [--minutes M] [--vms N] [--seed S] [--json FILE]

Each step picks, by the seed, one of: migrate a VM to another server (any
subnet: address rewrites keep its address for clients), clone a VM behind a
balancer (clients of its address are spread over both), stop a clone.  An
HTTP client on the Internet host asks every VM's client-facing address every
0.2 s with a 1 s timeout and no retry; every failed request counts.  At the
start and the end the memory (VmRSS) and open file descriptors of minidcd and
of every agent are read from /proc.  Nothing is left behind: the lab goes
at the end, also on Ctrl-C."""
import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = "soak"
SERVERS = ["server%d" % i for i in range(1, 9)]


def sh(*argv, check=True, timeout=300):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()[-300:]))
    return r


def vm(minidc, *args, check=True):
    return sh(minidc, "vm", *args, "--lab", LAB, check=check)


def vms(minidc):
    return json.loads(vm(minidc, "list", "--json").stdout)["vms"]


def footprint():
    """minidcd's and the agents' VmRSS (KiB) and open descriptors."""
    run = "/run/minidc/labs/%s" % LAB
    pids = {"minidcd": run + "/minidcd.pid"}
    for s in SERVERS:
        pids["agent " + s] = "%s/agents/%s.pid" % (run, s)
    out = {}
    for name, f in pids.items():
        try:
            pid = int(open(f).read())
            rss = [l for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS:")][0].split()[1]
            out[name] = {"rss_kib": int(rss), "fds": len(os.listdir("/proc/%d/fd" % pid))}
        except (OSError, ValueError, IndexError):
            out[name] = None
    return out


class Client(threading.Thread):
    """Asks each address every 0.2 s (1 s timeout, no retry)."""

    def __init__(self, addrs):
        super().__init__(daemon=True)
        self.addrs, self.stop, self.ok, self.failed, self.failures = addrs, False, 0, 0, []

    def run(self):
        while not self.stop:
            for a in list(self.addrs):
                r = subprocess.run(["ip", "netns", "exec", LAB + "-internet", "curl", "-s", "-o", "/dev/null",
                                    "-m", "1", "-w", "%{http_code}", "http://%s/" % a], capture_output=True, text=True)
                if r.stdout == "200":
                    self.ok += 1
                else:
                    self.failed += 1
                    self.failures.append((time.time(), a))
            time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--vms", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write every step and figure here")
    o = ap.parse_args()
    minidc = os.path.join(SRC, o.build, "minidc")
    rnd = random.Random(o.seed)
    sh(minidc, "lab", "up", "--quiet", "--name", LAB, os.path.join(SRC, "examples", "fig1.yaml"))
    client = None
    steps = []
    try:
        for i in range(o.vms):
            vm(minidc, "boot", "s%d" % i, "--on", SERVERS[(i * 3) % 8], "--quiet")
        home = {v["name"]: v["home_address"] for v in vms(minidc)}
        client = Client(list(home.values()))
        start = {"time": time.time(), "footprint": footprint()}
        client.start()
        end = time.time() + o.minutes * 60
        n = 0
        while time.time() < end:
            n += 1
            now = vms(minidc)
            clones = [v["name"] for v in now if v["name"] not in home]
            kind = rnd.choice(["migrate", "migrate", "clone", "stop"] if clones else ["migrate", "migrate", "clone"])
            if kind == "clone" and len(clones) >= o.vms:
                kind = "stop"
            if kind == "migrate":
                v = rnd.choice(now)
                to = rnd.choice([s for s in SERVERS if s != v["server"]])
                args = ("migrate", v["name"], "--to", to)
            elif kind == "clone":
                v = rnd.choice([v for v in now if v["name"] in home])
                to = rnd.choice([s for s in SERVERS if s != v["server"]])
                args = ("clone", v["name"], "--to", to, "--as", "c%d" % n, "--balance")
            else:
                args = ("stop", rnd.choice(clones))
            t0 = time.time()
            r = vm(minidc, *args, "--quiet", check=False)
            steps.append({"step": n, "args": list(args), "ok": r.returncode == 0, "seconds": time.time() - t0,
                          "error": r.stderr.strip()[-300:] if r.returncode else None})
            if o.json:
                # Written after every step: a run cut short keeps what it measured.
                with open(o.json, "w") as f:
                    json.dump({"minutes": o.minutes, "seed": o.seed, "vms": o.vms, "steps": steps, "start": start,
                               "partial": True, "requests": {"answered": client.ok, "failed": client.failed,
                                                             "failures": client.failures}}, f)
            print("[%5.0f s] %-40s %s" % (time.time() - start["time"], " ".join(args),
                                          "ok" if r.returncode == 0 else "FAILED: " + r.stderr.strip()[-200:]),
                  file=sys.stderr, flush=True)
        client.stop = True
        client.join()
        finish = {"time": time.time(), "footprint": footprint()}
        done = sum(1 for s in steps if s["ok"])
        res = {"minutes": o.minutes, "seed": o.seed, "vms": o.vms, "steps": steps, "start": start, "end": finish,
               "requests": {"answered": client.ok, "failed": client.failed, "failures": client.failures}}
        print("| steps | done | failed | requests answered | requests failed |")
        print("|---|---|---|---|---|")
        print("| %d | %d | %d | %d | %d |" % (len(steps), done, len(steps) - done, client.ok, client.failed))
        print()
        print("| process | RSS start | RSS end | fds start | fds end |")
        print("|---|---|---|---|---|")
        for name in start["footprint"]:
            a, b = start["footprint"][name], finish["footprint"][name]
            if a and b:
                print("| %s | %d KiB | %d KiB | %d | %d |" % (name, a["rss_kib"], b["rss_kib"], a["fds"], b["fds"]))
        if o.json:
            with open(o.json, "w") as f:
                json.dump(res, f, indent=1)
    finally:
        if client:
            client.stop = True
        sh(minidc, "lab", "down", LAB, check=False)


if __name__ == "__main__":
    main()
