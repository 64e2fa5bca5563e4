#!/usr/bin/env python3
"""A stand-in for minidcd's API, for bench/gui/run: a data center of any
size, answering the GUI's requests with the shapes minidcd gives (the
topology, switches, LLDP links, servers, VMs, balancers, metrics each
second, history, events), and a VM migrated every --move-every seconds,
so that the page has what a busy lab gives it.  It serves the page's files
from gui/ in the source tree, the bytes minidcd builds in.

Only for measuring the browser: 256 real VMs do not fit on one machine
(about 250 MB of QEMU each), and the page cannot tell the difference.
Listens on 127.0.0.1 only.

  fakeapi.py --servers 64 --vms 256 --port P --token T"""
import argparse
import json
import math
import mimetypes
import os
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SRC = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GUI = os.path.join(SRC, "gui")


def link(a, ap, b, bp, mbit=None):
    n = lambda x, p: "%s:%d" % (x, p) if p else x  # noqa: E731
    return {"name": "%s-%s" % (n(a, ap), n(b, bp)), "a": a, "a_port": ap, "b": b, "b_port": bp, "bandwidth_mbit": mbit}


class DataCenter:
    """A tree of switches: 'fanout' children each, 'per_leaf' servers on
    each leaf, enough levels for 'servers' servers; VMs spread over them."""

    def __init__(self, servers, vms, fanout=4, per_leaf=4, seed=1):
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        leaves = max(1, math.ceil(servers / per_leaf))
        depth = 1
        while fanout ** (depth - 1) < leaves:
            depth += 1
        self.switches, self.servers, self.links, self.subnets = [], [], [], []
        ports = {}

        def port(s):
            ports[s] = ports.get(s, 0) + 1
            return ports[s]

        count = [0]

        def make(level):
            name = "s%d" % count[0]
            count[0] += 1
            self.switches.append(name)
            if level == depth - 1:
                net = "net%d" % (len(self.subnets) + 1)
                self.subnets.append({"name": net, "prefix": "10.%d.0.0/24" % len(self.subnets), "gateway": "10.%d.0.254" % len(self.subnets), "switch": name})
                for i in range(per_leaf):
                    if len(self.servers) >= servers:
                        break
                    sv = "server%d" % (len(self.servers) + 1)
                    p = port(name)
                    self.servers.append({"name": sv, "address": "10.%d.0.%d" % (len(self.subnets) - 1, i + 1), "subnet": net,
                                         "switch": name, "port": p, "memory_mib": 4096, "cpu": None})
                    self.links.append(link(name, p, sv, None, 1000))
            else:
                for _ in range(fanout):
                    if len(self.servers) >= servers:
                        break
                    c = make(level + 1)
                    self.links.append(link(name, port(name), c, port(c), 10000))
            return name

        make(0)
        p = port("s0")
        self.links.append(link("s0", p, "internet", None, 1000))
        self.hosts = [{"name": "internet", "address": "203.0.113.1", "subnet": "internet", "switch": "s0", "port": p}]
        self.vms = []
        for i in range(vms):
            s = self.servers[i % len(self.servers)]
            self.vms.append({"name": "vm%d" % (i + 1), "server": s["name"], "current_address": "%s.%d/24" % (s["address"].rsplit(".", 1)[0], 10 + i // len(self.servers)),
                             "home_address": None, "mac": "02:00:00:00:%02x:%02x" % (i >> 8, i & 255), "memory_mib": 128, "cpus": 1,
                             "state": "running", "cpu_share": None, "serves": None})
        for v in self.vms:
            v["home_address"] = v["serves"] = v["current_address"].split("/")[0]
        self.events, self.next_id = [], 1
        self.cond = threading.Condition(self.lock)
        self.ops = {}
        self.cpu = {v["name"]: self.rng.random() * 0.5 for v in self.vms}
        self.bytes = {l["name"]: [0, 0] for l in self.links}
        self.t0 = time.time()

    def topology(self):
        return {"name": "bench%d" % len(self.servers), "root": "s0", "subnets": self.subnets,
                "switches": [{"name": s, "dpid": "%016x" % (i + 1)} for i, s in enumerate(self.switches)],
                "servers": self.servers, "hosts": self.hosts, "links": self.links}

    def switches_json(self):
        per = {s: [] for s in self.switches}
        for l in self.links:
            for n, p in ((l["a"], l["a_port"]), (l["b"], l["b_port"])):
                if n in per:
                    per[n].append({"port": p, "name": "%s-%d" % (n, p), "up": True, "link": True})
        return {"switches": [{"name": s, "dpid": "%016x" % (i + 1), "connected": True, "ports": per[s],
                              "connection": {"openflow": "1.3", "tls": False}} for i, s in enumerate(self.switches)]}

    def lldp(self):
        out = []
        for l in self.links:
            if l["a_port"] and l["b_port"]:
                out.append({"from": l["a"], "from_port": l["a_port"], "to": l["b"], "to_port": l["b_port"], "age": 1.0})
                out.append({"from": l["b"], "from_port": l["b_port"], "to": l["a"], "to_port": l["a_port"], "age": 1.0})
        return {"links": out}

    def servers_json(self):
        with self.lock:
            used = {}
            for v in self.vms:
                used[v["server"]] = used.get(v["server"], 0) + v["memory_mib"]
        return {"servers": {s["name"]: {"server": s["name"], "qemu_version": "10.0.2", "accel": "tcg", "migration": "live",
                                        "data_addr": s["address"], "capacity_mib": 4096, "used_mib": used.get(s["name"], 0),
                                        "free_mib": 4096 - used.get(s["name"], 0), "vms": 0, "reachable": True, "asleep": False}
                            for s in self.servers}}

    def metrics(self):
        now = time.time()
        with self.lock:
            by = {}
            for v in self.vms:
                c = self.cpu[v["name"]] = min(1.0, max(0.0, self.cpu[v["name"]] + self.rng.uniform(-0.05, 0.05)))
                by.setdefault(v["server"], []).append({"name": v["name"], "memory_mib": 128, "cpu_allocation": 1.0, "cpu_used": c,
                                                       "cpu_utilization": c, "rss_bytes": 200 << 20, "net": {"rx_bytes": 0, "tx_bytes": 0}})
            servers = [{"server": {"name": s["name"], "cpus": 8, "cpu_capacity": None, "cpu_used": sum(x["cpu_used"] for x in by.get(s["name"], [])),
                                   "cpu_utilization": sum(x["cpu_used"] for x in by.get(s["name"], [])) / 8, "vm_memory_mib": 128 * len(by.get(s["name"], [])),
                                   "vm_capacity_mib": 4096}, "vms": by.get(s["name"], []), "sampled_at": now} for s in self.servers]
            links = []
            for l in self.links:
                r = [self.rng.random() * 5e8, self.rng.random() * 5e7]
                links.append({"name": l["name"], "a": l["a"], "b": l["b"], "bandwidth_mbit": l["bandwidth_mbit"],
                              "ab": {"bits_per_second": r[0], "utilization": r[0] / (l["bandwidth_mbit"] * 1e6)},
                              "ba": {"bits_per_second": r[1], "utilization": r[1] / (l["bandwidth_mbit"] * 1e6)}})
        return {"servers": servers, "links": links}

    def publish(self, type_, **data):
        with self.cond:
            ev = dict(data, type=type_, time=time.time(), id=self.next_id)
            self.next_id += 1
            self.events.append(ev)
            self.events = self.events[-1024:]
            self.cond.notify_all()

    def move_one(self):
        with self.lock:
            v = self.rng.choice(self.vms)
            to = self.rng.choice([s for s in self.servers if s["name"] != v["server"]])
            v["server"] = to["name"]
        self.publish("vm.migrated", kind="migrate", vm=v["name"], target=to["name"], seconds=2.1,
                     phases=[{"phase": "migrate", "seconds": 1.5}], result={"qemu": {"downtime_ms": 40}})

    def history(self, q):
        names = q.get("series", [""])[0].split(",")
        now = time.time()
        return {"series": {n: [[now - 300 + i * 2, self.rng.random()] for i in range(150)] for n in names if n}, "from": now - 300, "to": now}


def handler_for(dc, token):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send_json(self, code, obj):
            b = (json.dumps(obj) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            u = urlparse(self.path)
            p = u.path
            if not p.startswith("/api/"):
                f = os.path.normpath(os.path.join(GUI, "." + ("/index.html" if p == "/" else p)))
                if not f.startswith(GUI) or not os.path.isfile(f):
                    return self.send_json(404, {"error": "no such file"})
                b = open(f, "rb").read()
                self.send_response(200)
                self.send_header("Content-Type", mimetypes.guess_type(f)[0] or "text/javascript")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                return self.wfile.write(b)
            if self.headers.get("Authorization") != "Bearer " + token:
                return self.send_json(401, {"error": "wrong API token"})
            routes = {
                "/api/v1/topology": dc.topology, "/api/v1/switches": dc.switches_json, "/api/v1/links": dc.lldp,
                "/api/v1/servers": dc.servers_json, "/api/v1/metrics": dc.metrics,
                "/api/v1/vms": lambda: {"vms": [dict(v) for v in dc.vms]},
                "/api/v1/balancers": lambda: {"balancers": []}, "/api/v1/rewrites": lambda: {"rewrites": []},
                "/api/v1/policy": lambda: {"running": False}, "/api/v1/policies": lambda: {"policies": [{"name": "none"}]},
            }
            if p in routes:
                return self.send_json(200, routes[p]())
            if p == "/api/v1/metrics/history":
                return self.send_json(200, dc.history(parse_qs(u.query)))
            if p == "/api/v1/events":
                return self.stream(int(parse_qs(u.query).get("since", ["0"])[0]))
            return self.send_json(404, {"error": "no such resource"})

        def stream(self, since):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.close_connection = True
            last = since
            try:
                while True:
                    with dc.cond:
                        evs = [e for e in dc.events if e["id"] > last]
                        if not evs:
                            dc.cond.wait(5)
                            evs = [e for e in dc.events if e["id"] > last]
                    if not evs:
                        self.wfile.write(b": keep-alive\n\n")
                    for e in evs:
                        self.wfile.write(("id: %d\nevent: %s\ndata: %s\n\n" % (e["id"], e["type"], json.dumps(e))).encode())
                        last = e["id"]
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return H


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", type=int, default=64)
    ap.add_argument("--vms", type=int, default=256)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default="bench")
    ap.add_argument("--move-every", type=float, default=2.0, help="seconds between VM moves (0: none)")
    a = ap.parse_args()
    dc = DataCenter(a.servers, a.vms)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), handler_for(dc, a.token))
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    if a.move_every > 0:
        def mover():
            while True:
                time.sleep(a.move_every)
                dc.move_one()
        threading.Thread(target=mover, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
