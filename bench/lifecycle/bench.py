#!/usr/bin/env python3
"""bench/lifecycle: the paper's Table 1 (VM boot, clone and migration times),
through minidc and, as the floor, with bare QEMU commands doing the same work.

In a fig1 lab (its own, named "blc"), several runs of each, interleaved so
that both see the same machine:
  - minidc: `minidc vm boot vm1 --on server8`, `minidc vm migrate` to server7
    and back, `minidc vm clone` to server7, `minidc vm stop`; wall time of
    each command (what a user waits for), and QEMU's own figures.
  - bare QEMU: the same QEMU command line started by hand in server8's
    namespace, readiness by the same test (guest agent answers, then HTTP);
    migration as the agents do it (destination QEMU -incoming with an NBD
    export of a fresh overlay; drive-mirror of the top layer, memory migration
    paused before switch-over, mirror completed, destination continued);
    clone the same with the source continued and the clone given its own
    identity through the guest agent.  No HTTP API, no orchestration: the
    floor minidc's overhead is measured against.
Prints medians (and min-max) as a table beside the paper's Raspberry Pi
figures, with minidc's overhead over bare QEMU.

Usage: bench/lifecycle/bench.py [--runs N] [--minidc PATH] [--json FILE]
Needs root, QEMU, Open vSwitch and the guest image (guest/build).
"""
import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = "blc"
PAPER = {"boot": 47.25, "clone": 40.79, "migrate": 32.28}  # Raspberry Pi 3, seconds (the paper's Table 1)


def sh(*argv, check=True):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip() or r.stdout.strip()))
    return r.stdout


class Qmp:
    """A QMP (or guest agent, qga=True) session on a unix socket."""

    def __init__(self, path, qga=False, timeout=10):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.n = 0
        if qga:
            # Asked again every 0.1 s: a guest still booting loses what is sent.
            end, buf = time.time() + timeout, b""
            while True:
                self.s.sendall(b'\xff{"execute":"guest-sync-delimited","arguments":{"id":4242}}\n')
                self.s.settimeout(0.1)
                try:
                    buf += self.s.recv(4096)
                except socket.timeout:
                    if time.time() > end:
                        raise
                    continue
                if b"\xff" in buf and b"4242" in buf.split(b"\xff")[-1]:
                    break
            # Answers to the other queued questions may follow: one last
            # question, and everything up to its answer is dropped.
            self.s.settimeout(timeout)
            self.s.sendall(b'\xff{"execute":"guest-sync-delimited","arguments":{"id":4343}}\n')
            buf = b""
            while not (b"\xff" in buf and b"4343}" in buf.split(b"\xff")[-1].replace(b" ", b"")):
                buf += self.s.recv(4096)
        else:
            self.f.readline()
            self.call("qmp_capabilities")

    def call(self, cmd, **args):
        self.n += 1
        msg = {"execute": cmd, "id": self.n}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = json.loads(self.f.readline())
            if "event" in r or r.get("id") not in (None, self.n):
                continue
            if "error" in r:
                raise RuntimeError("%s: %s" % (cmd, r["error"]["desc"]))
            return r.get("return")

    def close(self):
        self.f.close()
        self.s.close()


class BareVM:
    """A VM made with bare QEMU commands, as minidc's agent would make it."""

    def __init__(self, name, server, ip, mac, image, accel, incoming=False):
        self.name, self.server, self.ip, self.mac = name, server, ip, mac
        self.ns = "%s-%s" % (LAB, server)
        self.dir = tempfile.mkdtemp(prefix="minidc-bare-")
        self.tap = "b-" + name
        base = os.path.join(image, "base.qcow2")
        sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", self.dir + "/disk.qcow2")
        argv = ["qemu-system-x86_64", "-name", "%s,process=bare-%s" % (name, name), "-accel", accel,
                "-machine", "q35", "-nodefaults", "-no-user-config", "-m", "128", "-smp", "1",
                "-kernel", image + "/vmlinuz", "-initrd", image + "/initrd.img",
                "-append", "console=ttyS0 quiet minidc.name=%s minidc.ip=%s/24 minidc.gw=198.18.4.254" % (name, ip),
                "-blockdev", "driver=qcow2,node-name=disk0,file.driver=file,file.filename=%s/disk.qcow2" % self.dir,
                "-device", "virtio-blk-pci,drive=disk0,id=vda",
                "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % self.tap,
                "-device", "virtio-net-pci,netdev=n0,id=nic0,mac=%s" % mac,
                "-chardev", "socket,id=qmp,path=%s/qmp.sock,server=on,wait=off" % self.dir,
                "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=qga,path=%s/qga.sock,server=on,wait=off" % self.dir,
                "-device", "virtio-serial-pci,id=vser0",
                "-device", "virtserialport,chardev=qga,name=org.qemu.guest_agent.0,id=qga0",
                "-device", "virtio-balloon-pci,id=balloon0",
                "-serial", "file:%s/console.log" % self.dir, "-display", "none",
                "-daemonize", "-pidfile", self.dir + "/qemu.pid"]
        if incoming:
            argv += ["-S", "-incoming", "defer"]
        sh("ip", "netns", "exec", self.ns, *argv)
        sh("ip", "-n", self.ns, "link", "set", "dev", self.tap, "master", "br0", "up")
        self.pid = int(open(self.dir + "/qemu.pid").read())

    def qmp(self):
        return Qmp(self.dir + "/qmp.sock")

    def wait_ready(self):
        end = time.time() + 90
        while True:
            try:
                Qmp(self.dir + "/qga.sock", qga=True, timeout=2).close()
                break
            except (OSError, ValueError):
                if time.time() > end:
                    raise RuntimeError("bare %s: guest agent did not answer" % self.name)
        while subprocess.run(["ip", "netns", "exec", self.ns, "curl", "-sf", "-m", "0.5", "http://%s/" % self.ip],
                             stdout=subprocess.DEVNULL).returncode != 0:
            if time.time() > end:
                raise RuntimeError("bare %s: HTTP did not answer" % self.name)
            time.sleep(0.02)

    def alive(self):
        try:
            return open("/proc/%d/stat" % self.pid).read().split(")")[1].split()[0] != "Z"
        except OSError:
            return False

    def destroy(self):
        try:
            q = self.qmp()
            q.call("quit")
            q.close()
        except (OSError, RuntimeError, ValueError) as e:
            print("bare %s: quit: %s" % (self.name, e), file=sys.stderr)
        for _ in range(100):
            if not self.alive():
                break
            time.sleep(0.02)
        if self.alive():
            os.kill(self.pid, 9)
            while self.alive():
                time.sleep(0.01)
        shutil.rmtree(self.dir, ignore_errors=True)


def bare_transfer(src, dst_name, dst_server, ip, mac, image, accel, copy):
    """Migration (copy=False) or clone (copy=True) with bare QMP commands."""
    dst = BareVM(dst_name, dst_server, ip, mac, image, accel, incoming=True)
    addr = {"server7": "198.18.4.7", "server8": "198.18.4.8"}[dst_server]
    d = dst.qmp()
    d.call("nbd-server-start", addr={"type": "inet", "data": {"host": addr, "port": "10809"}})
    d.call("block-export-add", type="nbd", id="exp0", **{"node-name": "disk0"}, writable=True, name="disk0")
    d.call("migrate-incoming", uri="tcp:%s:4444" % addr)
    s = src.qmp()
    s.call("drive-mirror", **{"job-id": "m"}, device="disk0", target="nbd:%s:10809:exportname=disk0" % addr,
           format="raw", sync="top", mode="existing")
    while not any(j["device"] == "m" and j["ready"] for j in s.call("query-block-jobs")):
        time.sleep(0.005)
    s.call("migrate-set-capabilities", capabilities=[{"capability": "pause-before-switchover", "state": True},
                                                     {"capability": "auto-converge", "state": True}])
    s.call("migrate-set-parameters", **{"max-bandwidth": 10 << 30, "downtime-limit": 10})
    s.call("migrate", uri="tcp:%s:4444" % addr)
    while s.call("query-migrate")["status"] != "pre-switchover":
        time.sleep(0.002)
    s.call("block-job-cancel", device="m")
    while s.call("query-block-jobs"):
        time.sleep(0.005)
    s.call("migrate-continue", state="pre-switchover")
    while True:
        info = s.call("query-migrate")
        if info["status"] == "completed":
            break
        time.sleep(0.002)
    s.call("migrate-set-capabilities", capabilities=[{"capability": "pause-before-switchover", "state": False}])
    if copy:
        s.call("cont")
    while d.call("query-migrate")["status"] != "completed":
        time.sleep(0.002)
    d.call("block-export-del", id="exp0", mode="hard")
    d.call("nbd-server-stop")
    if copy:
        d.call("set_link", name="n0", up=False)
    d.call("cont")
    if not copy:
        # As minidc's agent does: the guest agent asked once on the new host
        # (a guest moved on before anyone spoke to its agent may come out
        # with an agent that never answers; seen with bare QEMU too).
        Qmp(dst.dir + "/qga.sock", qga=True).close()
    if copy:
        g = Qmp(dst.dir + "/qga.sock", qga=True)
        pid = g.call("guest-exec", path="/sbin/minidc-identity", arg=[dst_name, mac, ip + "/24", "198.18.4.254"],
                     **{"capture-output": True})["pid"]
        while not g.call("guest-exec-status", pid=pid)["exited"]:
            time.sleep(0.005)
        g.close()
        d.call("set_link", name="n0", up=True)
    d.close()
    s.close()
    if not copy:
        src.destroy()
    return dst, info


def minidc(mdc, *args):
    t0 = time.time()
    r = subprocess.run([mdc, *args, "--lab", LAB, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    dt = time.time() - t0
    if r.returncode != 0:
        raise RuntimeError("minidc %s: %s" % (" ".join(args), r.stderr.strip()))
    return dt, json.loads(r.stdout)


def summary(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": len(xs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--minidc", default=os.path.join(SRC, "build", "minidc"))
    ap.add_argument("--json", help="write the raw samples here")
    a = ap.parse_args()
    mdc = os.path.abspath(a.minidc)
    image = os.environ.get("MINIDC_GUEST_DIR") or os.path.join(os.path.dirname(mdc), "guest")
    if not os.path.exists(image + "/base.qcow2"):
        sys.exit("bench/lifecycle: no guest image in %s (run guest/build %s)" % (image, image))
    accel = "tcg"
    try:
        accel = open("/run/minidc/accel").read().split()[-1]
    except OSError:
        pass
    subprocess.run([mdc, "lab", "down", LAB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sh(mdc, "lab", "up", "--quiet", "--name", LAB, os.path.join(SRC, "examples", "fig1.yaml"))
    s = {k: [] for k in ("boot", "clone", "migrate", "bare_boot", "bare_clone", "bare_migrate",
                         "downtime_ms", "bare_downtime_ms", "qemu_total_ms")}
    try:
        for run in range(a.runs):
            print("run %d/%d" % (run + 1, a.runs), file=sys.stderr, flush=True)
            # minidc
            dt, _ = minidc(mdc, "vm", "boot", "vm1", "--on", "server8")
            s["boot"].append(dt)
            for to in ("server7", "server8"):
                dt, op = minidc(mdc, "vm", "migrate", "vm1", "--to", to)
                s["migrate"].append(dt)
                s["downtime_ms"].append(op["result"]["qemu"]["downtime_ms"])
                s["qemu_total_ms"].append(op["result"]["qemu"]["total_ms"])
            dt, op = minidc(mdc, "vm", "clone", "vm1", "--to", "server7", "--as", "vm2")
            s["clone"].append(dt)
            minidc(mdc, "vm", "stop", "vm1", "--force")
            minidc(mdc, "vm", "stop", "vm2", "--force")
            # bare QEMU
            t0 = time.time()
            vm = BareVM("b1", "server8", "198.18.4.101", "02:6d:00:00:01:01", image, accel)
            vm.wait_ready()
            s["bare_boot"].append(time.time() - t0)
            for to in ("server7", "server8"):
                t0 = time.time()
                vm, info = bare_transfer(vm, "b1", to, "198.18.4.101", "02:6d:00:00:01:01", image, accel, False)
                s["bare_migrate"].append(time.time() - t0)
                s["bare_downtime_ms"].append(info["downtime"])
            t0 = time.time()
            c, _ = bare_transfer(vm, "b2", "server7", "198.18.4.102", "02:6d:00:00:01:02", image, accel, True)
            s["bare_clone"].append(time.time() - t0)
            vm.destroy()
            c.destroy()
    finally:
        subprocess.run([mdc, "lab", "down", LAB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {k: summary(v) for k, v in s.items() if v}
    qemu = sh("qemu-system-x86_64", "--version").splitlines()[0]
    print("\nVM lifecycle in the fig1 lab (%s, %s, 128 MiB, 1 vCPU), %d runs, medians (min-max):" % (qemu, accel, a.runs))
    print("%-26s %-20s %-20s %9s %14s" % ("operation", "minidc", "bare QEMU", "overhead", "paper (RPi 3)"))
    for op in ("boot", "clone", "migrate"):
        m, b = res[op], res["bare_" + op]
        print("%-26s %5.2f s (%.2f-%.2f)  %5.2f s (%.2f-%.2f)  %+8.1f%% %12.2f s" % (
            op + (" (same subnet)" if op == "migrate" else ""), m["median"], m["min"], m["max"],
            b["median"], b["min"], b["max"], 100 * (m["median"] / b["median"] - 1), PAPER[op]))
    print("migration downtime (QEMU): minidc %d ms (%d-%d), bare %d ms (%d-%d); QEMU's total %d ms" % (
        res["downtime_ms"]["median"], res["downtime_ms"]["min"], res["downtime_ms"]["max"],
        res["bare_downtime_ms"]["median"], res["bare_downtime_ms"]["min"], res["bare_downtime_ms"]["max"],
        res["qemu_total_ms"]["median"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"samples": s, "summary": res, "qemu": qemu, "accel": accel}, f, indent=2)


if __name__ == "__main__":
    main()
