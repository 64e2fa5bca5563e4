#!/usr/bin/env python3
"""minidcd's API against what a peer can send: bodies of the wrong types and
ranges (400, one message per field), a connection flood past its descriptor
limit, and clients that send a request one byte a second.  It stays
responsive, its log stays small, and afterwards it serves as before.  Runs
minidcd on loopback in a network namespace of its own; bounded in time and
count; prints TAP."""
import json
import os
import resource
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import minidcd as m  # noqa: E402

m.private_netns()
t = m.Tap()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


def check_input(d):
    def post(path, body):
        st, data = d.request("POST", path, body=body)
        try:
            return st, json.loads(data)
        except ValueError:
            return st, {}

    st, r = post("/api/v1/vms/vm1/clone", '{"to": "server8", "as": 5}')
    t.ok(st == 400 and r.get("errors") == ["as: expected a VM name (a string: a letter, then up to 11 letters, "
                                           "digits, '_' or '-')"], "clone {as: 5}: 400, as named (%s %s)" % (st, r))
    st, r = post("/api/v1/vms/vm1/migrate", '{"to": 7}')
    t.ok(st == 400 and r.get("error") == "to: expected a server name (string)", "migrate {to: 7}: 400 (%s)" % st)
    st, r = post("/api/v1/vms", '{"name": "vm1", "server": "server1", "memory_mib": 16, "cpus": 1000, "gpu": 1}')
    t.ok(st == 400 and len(r.get("errors", [])) == 3, "boot: memory, cpus and an unknown field, three messages")
    st, r = post("/api/v1/vms/vm1/exec", '{"argv": ["id"], "timeout_ms": 0}')
    t.ok(st == 400 and "timeout_ms" in r.get("error", ""), "exec {timeout_ms: 0}: 400 (%s %s)" % (st, r))
    st, r = post("/api/v1/vms", '{"name": "vm1", "server": "nosuch"}')
    t.ok(st == 400 and "no server named 'nosuch'" in r.get("error", ""),
         "boot on a server not in the topology: 400 (%s %s)" % (st, r))
    for path, want in (("abc", 400), ("99999999999999999999", 400), ("0", 400), ("7", 404)):
        st, data = d.request("GET", "/api/v1/operations/" + path)
        t.ok(st == want, "operation %s: %d (%s %s)" % (path, want, st, data[:80]))
    st, _ = d.request("DELETE", "/api/v1/vms/vm1?graceful=yes")
    t.ok(st == 400, "DELETE ?graceful=yes: 400")


class Flood:
    """Keeps about 'n' connections open to each of 'ports' for 'secs' seconds,
    opening a new one for every one minidcd closes; never sends a byte."""

    def __init__(self, ports, n, secs):
        self.ports, self.n, self.secs = ports, n, secs
        self.opened = 0
        self.closed_by_peer = 0
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def connect(self, port):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        self.opened += 1
        return s

    def run(self):
        socks = {}
        p = select.poll()
        end = time.time() + self.secs
        while time.time() < end:
            for port in self.ports:
                have = sum(1 for v in socks.values() if v[1] == port)
                for _ in range(min(self.n - have, 200)):
                    s = self.connect(port)
                    socks[s.fileno()] = (s, port)
                    p.register(s, select.POLLIN)
            for fd, ev in p.poll(100):
                s, port = socks.pop(fd)
                p.unregister(fd)
                s.close()
                self.closed_by_peer += 1
        for s, _ in socks.values():
            s.close()


class Slow:
    """'n' clients sending a request one byte a second, for at most 'secs'."""

    def __init__(self, port, n, secs):
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]
        self.cut = [None] * n
        self.start = time.time()
        self.secs = secs
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        req = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 200
        for i in range(len(req)):
            if time.time() - self.start > self.secs or all(c is not None for c in self.cut):
                break
            for k, s in enumerate(self.socks):
                if self.cut[k] is not None:
                    continue
                try:
                    s.send(req[i:i + 1])
                    r, _, _ = select.select([s], [], [], 0)
                    if r and not s.recv(100):
                        raise OSError("closed")
                except OSError:
                    self.cut[k] = time.time() - self.start
            time.sleep(1)
        for s in self.socks:
            s.close()


def probe(d, during, label):
    """Asks /api/v1/status every 0.5 s while 'during' runs; the times."""
    times, fails = [], 0
    while during():
        t0 = time.time()
        st, _ = d.request("GET", "/api/v1/status", timeout=5)
        if st == 200:
            times.append(time.time() - t0)
        else:
            fails += 1
        time.sleep(0.5)
    t.diag("%s: %d answered, %d not; slowest %.3f s, median %.3f s" % (
        label, len(times), fails, max(times) if times else -1, sorted(times)[len(times) // 2] if times else -1))
    return times, fails


def status(d):
    st, data = d.request("GET", "/api/v1/status")
    return json.loads(data) if st == 200 else {}


def phase_bounded():
    """Default bounds, descriptor limit 256: a flood of 1500 connections."""
    d = m.Minidcd(nofile=256)
    try:
        check_input(d)
        slow = Slow(d.api, 10, 12)
        slow.thread.join()
        cut = [c for c in slow.cut if c is not None]
        t.diag("slow clients cut after %s s" % ", ".join("%.1f" % c for c in cut))
        t.ok(len(cut) == 10 and max(cut) < m_request_s() + 3 and min(cut) >= m_request_s() - 1,
             "clients sending a byte a second are cut off in time")
        cpu0 = d.cpu_seconds()
        flood = Flood([d.api, d.of], 750, 8)
        times, fails = probe(d, flood.thread.is_alive, "during the flood")
        flood.thread.join()
        cpu = d.cpu_seconds() - cpu0
        t.diag("flood: %d connections opened, %d closed by minidcd; minidcd used %.2f s of CPU in about 8 s" % (
            flood.opened, flood.closed_by_peer, cpu))
        t.ok(flood.opened > 256, "the flood went past the descriptor limit (%d connections)" % flood.opened)
        t.ok(times and not fails and max(times) < 3.0, "a normal request is answered while the flood is on")
        s = status(d)
        t.diag("API connections after: %s; OpenFlow: %s" % (s.get("api_connections"), s.get("openflow_connections")))
        t.ok(s.get("api_connections", {}).get("open", 999) <= s.get("api_connections", {}).get("max", 0),
             "afterwards it serves, its connections within bounds")
        lines = d.log_lines()
        t.diag("%d log lines" % len(lines))
        t.ok(len(lines) < 300, "its log stays small (%d lines)" % len(lines))
        t.ok(d.proc.poll() is None, "minidcd runs on")
    finally:
        rc = d.stop()
    t.ok(rc == 0, "and stops cleanly (exit %s)" % rc)


def phase_emfile():
    """Bounds above the descriptor limit (128): accept() fails with EMFILE;
    minidcd backs off instead of spinning."""
    d = m.Minidcd(args=["--max-connections", "5000"], nofile=128)
    try:
        cpu0 = d.cpu_seconds()
        flood = Flood([d.api, d.of], 400, 6)
        times, fails = probe(d, flood.thread.is_alive, "during the flood past EMFILE")
        flood.thread.join()
        cpu = d.cpu_seconds() - cpu0
        s = status(d)
        api, of = s.get("api_connections", {}), s.get("openflow_connections", {})
        t.diag("minidcd used %.2f s of CPU in 6 s; accept errors: API %s, OpenFlow %s" % (
            cpu, api.get("accept_errors"), of.get("accept_errors")))
        t.ok(api.get("accept_errors", 0) + of.get("accept_errors", 0) > 0, "accept() ran out of descriptors")
        t.ok(times and max(times) < 3.0 and fails <= 1, "a normal request is answered (%d of %d)" % (
            len(times), len(times) + fails))
        t.ok(cpu < 4.0, "no busy loop (%.2f s of CPU in 6 s)" % cpu)
        lines = d.log_lines()
        emfile = sum(1 for line in lines if "Too many open files" in line)
        t.diag("%d log lines, %d about EMFILE" % (len(lines), emfile))
        t.ok(emfile <= 4 * 21 and len(lines) < 300, "its log stays small (%d lines)" % len(lines))
        time.sleep(0.5)
        st, _ = d.request("GET", "/api/v1/status")
        t.ok(st == 200, "after the flood it serves")
    finally:
        rc = d.stop()
    t.ok(rc == 0, "and stops cleanly (exit %s)" % rc)


def m_request_s():
    return 5.0  # API_REQUEST_S in src/ctl/api_conns.h


phase_bounded()
phase_emfile()
t.done()
