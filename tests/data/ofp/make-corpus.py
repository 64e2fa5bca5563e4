#!/usr/bin/env python3
"""Records real OpenFlow messages from Open vSwitch into tests/data/ofp/*.hex.

The corpus the codec tests run on comes from an independent implementation:
  - controller-to-switch messages: ovs-ofctl talking to a recording fake switch
    (add-flow, del-flows, add-group, dump-flows, dump-ports, ...);
  - switch-to-controller messages: a real ovs-vswitchd (in a minidc lab)
    talking to a recording fake controller (features, port and table
    descriptions, statistics, packet-ins, port status, errors);
  - OpenFlow 1.0 statistics replies (table, flow): a real ovs-vswitchd on
    Open vSwitch's dummy datapath (--enable-dummy, as its own test suite
    runs it: no kernel datapath, no namespace, only files in a temporary
    directory), with a few flows and packets, asked by a recording client.
Run as root from the repository: tests/data/ofp/make-corpus.py build/minidc
Each output line is "NAME HEX".  Rerun it only to refresh the corpus.

  make-corpus.py --offline    records only what needs no lab (the fake switch
                              and the dummy datapath) and adds the messages
                              the files do not hold yet, named after the
                              last of their kind
"""
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def read_msg(sock, timeout=5.0):
    buf = b""
    end = time.time() + timeout
    while len(buf) < 8 or len(buf) < struct.unpack("!H", buf[2:4])[0]:
        left = end - time.time()
        if left <= 0:
            return None
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return None
        want = 8 - len(buf) if len(buf) < 8 else struct.unpack("!H", buf[2:4])[0] - len(buf)
        chunk = sock.recv(want)
        if not chunk:
            return None
        buf += chunk
    return buf


def hello(version):
    return struct.pack("!BBHI", version, 0, 8, 1)


class FakeSwitch:
    """Answers what ovs-ofctl asks and records what it sends."""

    def __init__(self, version):
        self.version = version
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.got = []

    def serve_one(self):
        self.sock.settimeout(6)
        try:
            c, _ = self.sock.accept()
        except socket.timeout:
            print("make-corpus: ovs-ofctl never connected (did it reject its arguments?)", file=sys.stderr)
            return
        c.sendall(hello(self.version))
        while True:
            m = read_msg(c, 3)
            if m is None:
                break
            v, t, _, xid = struct.unpack("!BBHI", m[:8])
            self.got.append(m)
            barrier_req = 20 if v == 4 else 18
            if t == 5:  # features request
                body = struct.pack("!QIBBxxII", 0x1234, 0, 254, 0, 0, 0)
                c.sendall(struct.pack("!BBHI", v, 6, 8 + len(body), xid) + body)
            elif t == barrier_req:
                c.sendall(struct.pack("!BBHI", v, t + 1, 8, xid))
            elif t == 2:
                c.sendall(struct.pack("!BBHI", v, 3, len(m), xid) + m[8:])
            elif v == 4 and t == 18 and struct.unpack("!H", m[8:10])[0] == 12:
                # table features: one table with no properties
                entry = struct.pack("!HB5x32sQQII", 64, 0, b"t0", 0, 0, 0, 1000)
                body = struct.pack("!HH4x", 12, 0) + entry
                c.sendall(struct.pack("!BBHI", v, 19, 8 + len(body), xid) + body)
            elif (v == 4 and t == 18) or (v == 1 and t == 16):
                # an empty multipart/stats reply of the same type
                mtype = struct.unpack("!H", m[8:10])[0]
                body = struct.pack("!HH4x", mtype, 0) if v == 4 else struct.pack("!HH", mtype, 0)
                c.sendall(struct.pack("!BBHI", v, t + 1, 8 + len(body), xid) + body)
        c.close()

    def run(self, *ofctl_args):
        print("  ovs-ofctl", " ".join(ofctl_args[:1]), file=sys.stderr)
        t = threading.Thread(target=self.serve_one)
        t.start()
        proto = "OpenFlow13" if self.version == 4 else "OpenFlow10"
        subprocess.run(["ovs-ofctl", "-O", proto, "--no-names", "--timeout=5"] + [a.replace("SW", "tcp:127.0.0.1:%d" % self.port)
                                                                    for a in ofctl_args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t.join()
        out = [m for m in self.got if m[1] not in (0, 5, 20, 18 if self.version == 1 else 99)]
        self.got = []
        return out


def controller_side(minidc, version):
    """A real ovs-vswitchd connects to us; we ask and record its answers."""
    lab = "corpus%d" % version
    topo = os.path.join(SRC, "examples", "fig1.yaml")
    subprocess.run([minidc, "lab", "up", "--quiet", "--name", lab, topo], check=True)
    proto = "OpenFlow13" if version == 4 else "OpenFlow10"
    db = "--db=unix:/run/minidc/labs/%s/ovs/db.sock" % lab
    for br in ["ovs1", "ovs2", "ovs3", "ovs5", "ovs6", "ovs7"]:
        subprocess.run(["ovs-vsctl", db, "del-controller", br], check=True)
    subprocess.run(["ovs-vsctl", db, "set", "bridge", "ovs4", "protocols=" + proto], check=True)
    # Everything to the controller, so that traffic makes packet-ins in 1.3 too.
    subprocess.run(["ip", "netns", "exec", lab, "ovs-ofctl", "-O", proto, "add-flow",
                    "unix:/run/minidc/labs/%s/ovs/ovs4.mgmt" % lab, "priority=0,actions=CONTROLLER:128"], check=True)
    out = []
    code = r'''
import socket, struct, sys, time, select
sys.path.insert(0, %r)
from importlib.machinery import SourceFileLoader
mc = SourceFileLoader("mc", %r).load_module()
v = %d
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.254", 6653)); s.listen(1); s.settimeout(20)
c, _ = s.accept()
c.sendall(mc.hello(v))
rec = []
def req(t, body=b"", xid=100):
    c.sendall(struct.pack("!BBHI", v, t, 8 + len(body), xid) + body)
def drain(secs):
    end = time.time() + secs
    while time.time() < end:
        m = mc.read_msg(c, max(0.05, end - time.time()))
        if m is None:
            break
        if m[1] == 2:
            c.sendall(struct.pack("!BBHI", m[0], 3, len(m), struct.unpack("!I", m[4:8])[0]) + m[8:])
        rec.append(m)
drain(0.5)
req(5)
drain(0.5)
if v == 4:
    for mt, body in [(0, b""), (13, b""), (3, b""), (4, struct.pack("!I4x", 0xffffffff)), (7, b""),
                     (6, struct.pack("!I4x", 0xfffffffc)),
                     (1, struct.pack("!B3xII4xQQ", 0xff, 0xffffffff, 0xffffffff, 0, 0) + struct.pack("!HH4x", 1, 4)),
                     (2, struct.pack("!B3xII4xQQ", 0xff, 0xffffffff, 0xffffffff, 0, 0) + struct.pack("!HH4x", 1, 4))]:
        req(18, struct.pack("!HH4x", mt, 0) + body, 200 + mt)
        drain(0.4)
    req(7); drain(0.3)
    req(24, struct.pack("!I4xQ", 2, 7)); drain(0.3)
    req(99); drain(0.3)
else:
    req(16, struct.pack("!HH", 0, 0)); drain(0.4)
    req(16, struct.pack("!HH", 2, 0) + struct.pack("!I", 0x3fffff) + bytes(36) + struct.pack("!BxH", 0xff, 0xffff)); drain(0.4)
    req(7); drain(0.3)
    req(99); drain(0.3)
open(sys.argv[1], "w").write("\n".join(m.hex() for m in rec))
''' % (HERE, os.path.abspath(__file__), version)
    tmp = tempfile.mktemp()
    ctl = subprocess.Popen(["ip", "netns", "exec", lab, sys.executable, "-c", code, tmp])
    time.sleep(2.5)
    # A packet-in: the flow sends everything to the controller; a ping makes traffic.
    subprocess.run(["ip", "netns", "exec", lab + "-server1", "ping", "-c", "1", "-W", "1", "198.51.100.2"],
                   stdout=subprocess.DEVNULL)
    # A port status: a port goes down.
    subprocess.run(["ip", "-n", lab, "link", "set", "ovs4-3", "down"])
    ctl.wait(timeout=30)
    subprocess.run([minidc, "lab", "down", lab], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for line in open(tmp).read().split():
        out.append(bytes.fromhex(line))
    os.unlink(tmp)
    return out


def dummy_switch_side(version):
    """A real ovs-vswitchd on the dummy datapath answers statistics requests."""
    if version != 1:
        return []
    d = tempfile.mkdtemp(prefix="minidc-corpus-")
    env = dict(os.environ, OVS_RUNDIR=d, OVS_LOGDIR=d, OVS_DBDIR=d, OVS_SYSCONFDIR=d)
    db = "--db=unix:%s/db.sock" % d
    mgmt = "unix:%s/br0.mgmt" % d

    def sh(*argv):
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    out = []
    try:
        sh("ovsdb-tool", "create", d + "/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
        sh("ovsdb-server", d + "/conf.db", "--remote=punix:%s/db.sock" % d, "--pidfile=%s/db.pid" % d,
           "--unixctl=%s/db.ctl" % d, "--log-file=%s/db.log" % d, "--detach")
        sh("ovs-vsctl", db, "--no-wait", "init")
        sh("ovs-vswitchd", "--enable-dummy", "--disable-system", "unix:%s/db.sock" % d, "--pidfile=%s/vs.pid" % d,
           "--unixctl=%s/vs.ctl" % d, "--log-file=%s/vs.log" % d, "--detach", "-vconsole:off")
        sh("ovs-vsctl", db, "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy",
           "protocols=OpenFlow10", "fail-mode=secure",
           "--", "add-port", "br0", "p1", "--", "set", "interface", "p1", "type=dummy", "ofport_request=1",
           "--", "add-port", "br0", "p2", "--", "set", "interface", "p2", "type=dummy", "ofport_request=2")
        for f in ["priority=100,ip,nw_dst=198.51.100.1,actions=mod_dl_dst:02:00:00:00:00:01,output:2",
                  "cookie=0x42,idle_timeout=300,priority=200,tcp,in_port=1,nw_src=10.0.0.0/8,tp_dst=80,"
                  "actions=mod_nw_dst:198.18.4.8,output:1",
                  "priority=0,actions=drop"]:
            sh("ovs-ofctl", "-O", "OpenFlow10", "add-flow", mgmt, f)
        # Traffic, so that counters are not all zero: an IPv4 packet to
        # 198.51.100.1 and a TCP packet to port 80 from 10.0.0.1.
        for pkt in ["in_port(1),eth(src=02:00:00:00:00:09,dst=02:00:00:00:00:0a),eth_type(0x0800),"
                    "ipv4(src=198.18.1.1,dst=198.51.100.1,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)",
                    "in_port(1),eth(src=02:00:00:00:00:09,dst=02:00:00:00:00:0a),eth_type(0x0800),"
                    "ipv4(src=10.0.0.1,dst=198.18.1.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)"]:
            sh("ovs-appctl", "-t", d + "/vs.ctl", "netdev-dummy/receive", "p1", pkt)
        c = socket.socket(socket.AF_UNIX)
        c.connect(d + "/br0.mgmt")
        c.sendall(hello(1))
        read_msg(c)
        # OFPST_TABLE, then OFPST_FLOW for every flow (all wildcards, any table and port)
        for xid, body in [(300, struct.pack("!HH", 3, 0)),
                          (301, struct.pack("!HH", 1, 0) + struct.pack("!I", 0x3fffff) + bytes(36)
                           + struct.pack("!BxH", 0xff, 0xffff))]:
            c.sendall(struct.pack("!BBHI", 1, 16, 8 + len(body), xid) + body)
            while True:
                m = read_msg(c)
                if m is None:
                    break
                if m[1] == 17:
                    out.append(m)
                    if not struct.unpack("!H", m[10:12])[0] & 1:  # no more parts
                        break
        c.close()
    finally:
        for ctl in ("vs.ctl", "db.ctl"):
            subprocess.run(["ovs-appctl", "-t", "%s/%s" % (d, ctl), "exit"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(d, ignore_errors=True)
    return out


def fake_switch_offline(version):
    """What ovs-ofctl asks that the lab-less run adds: OpenFlow 1.0 table statistics."""
    if version != 1:
        return []
    return FakeSwitch(version).run("dump-tables", "SW")


def add_offline(version, fname, names):
    """Adds the messages the offline recorders make that the file lacks."""
    path = os.path.join(HERE, fname)
    lines = open(path).read().splitlines()
    have = {l.split()[1] for l in lines if l and not l.startswith("#")}
    last = {}
    for l in lines:
        if l and not l.startswith("#"):
            kind, num = l.split()[0].rsplit("_", 1)
            last[kind] = max(last.get(kind, 0), int(num))
    added = 0
    for m in fake_switch_offline(version) + dummy_switch_side(version):
        if m.hex() in have or m[1] == 4 or (m[1] in (16, 17) and m[8:10] == b"\xff\xff"):
            continue
        n = names.get(m[1], "type%d" % m[1])
        last[n] = last.get(n, 0) + 1
        lines.append("%s_%d %s" % (n, last[n], m.hex()))
        have.add(m.hex())
        added += 1
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d messages added" % (fname, added))


NAMES13 = {0: "hello", 1: "error", 2: "echo_request", 3: "echo_reply", 6: "features_reply", 8: "get_config_reply",
           10: "packet_in", 11: "flow_removed", 12: "port_status", 19: "multipart_reply", 21: "barrier_reply",
           25: "role_reply", 14: "flow_mod", 15: "group_mod", 13: "packet_out", 18: "multipart_request",
           9: "set_config"}
NAMES10 = {0: "hello", 1: "error", 2: "echo_request", 3: "echo_reply", 6: "features_reply", 8: "get_config_reply",
           10: "packet_in", 12: "port_status", 17: "stats_reply", 14: "flow_mod", 13: "packet_out",
           16: "stats_request", 9: "set_config"}


def main():
    if sys.argv[1:] == ["--offline"]:
        add_offline(1, "of10.hex", NAMES10)
        return
    minidc = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "minidc")
    for version, fname in [(4, "of13.hex"), (1, "of10.hex")]:
        msgs = []
        sw = FakeSwitch(version)
        flows13 = [
            "priority=100,ip,nw_dst=198.51.100.1,actions=set_field:02:00:00:00:00:01->eth_dst,output:2",
            "table=1,priority=10,in_port=3,dl_src=02:00:00:00:00:02,arp,arp_tpa=198.51.100.254,actions=CONTROLLER:65535",
            "cookie=0x02000000c6336401,idle_timeout=300,hard_timeout=600,priority=200,ip,nw_src=10.0.0.0/8,actions=dec_ttl,mod_nw_dst:198.18.4.8,output:1",
            "priority=5,tcp,tp_dst=80,actions=group:7",
            "priority=1,actions=goto_table:1",
            "priority=300,dl_vlan=10,actions=strip_vlan,push_vlan:0x8100,set_queue:3,output:IN_PORT",
        ]
        flows10 = [
            "priority=100,ip,nw_dst=198.51.100.1,actions=mod_dl_dst:02:00:00:00:00:01,output:2",
            "in_port=3,dl_src=02:00:00:00:00:02,arp,actions=CONTROLLER:65535",
            "cookie=0x42,idle_timeout=300,priority=200,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=mod_nw_dst:198.18.4.8,output:1",
        ]
        for f in (flows13 if version == 4 else flows10):
            msgs += sw.run("add-flow", "SW", f)
        msgs += sw.run("del-flows", "SW", "cookie=0x200000000000000/0xff00000000000000")
        msgs += sw.run("dump-flows", "SW")
        msgs += sw.run("dump-aggregate", "SW")
        msgs += sw.run("packet-out", "SW", "CONTROLLER", "output:1",
                       "ffffffffffff020000000001080600010800060400010200000000010101010100000000000003030303")
        if version == 4:
            msgs += sw.run("add-group", "SW",
                           "group_id=1,type=select,bucket=weight:50,set_field:198.51.100.3->ip_dst,output:1,"
                           "bucket=weight:50,set_field:198.18.4.9->ip_dst,output:2")
            msgs += sw.run("add-group", "SW", "group_id=2,type=all,bucket=output:1,bucket=output:2")
            msgs += sw.run("add-group", "SW", "group_id=3,type=indirect,bucket=output:3")
            msgs += sw.run("dump-ports", "SW")
            msgs += sw.run("dump-groups", "SW")
            msgs += sw.run("dump-group-stats", "SW")
            msgs += sw.run("dump-tables", "SW")
            msgs += sw.run("dump-ports-desc", "SW")
        msgs += fake_switch_offline(version)
        msgs += controller_side(minidc, version)
        msgs += dummy_switch_side(version)
        names = NAMES13 if version == 4 else NAMES10
        # Vendor extensions (Nicira's: messages of type 4, statistics of type
        # 0xffff) are not OpenFlow 1.0 proper.
        msgs = [m for m in msgs if m[1] != 4 and not (version == 1 and m[1] in (16, 17) and m[8:10] == b"\xff\xff")]
        with open(os.path.join(HERE, fname), "w") as f:
            f.write("# OpenFlow %s messages recorded from Open vSwitch by make-corpus.py: NAME HEX\n"
                    % ("1.3" if version == 4 else "1.0"))
            seen = {}
            for m in msgs:
                n = names.get(m[1], "type%d" % m[1])
                seen[n] = seen.get(n, 0) + 1
                f.write("%s_%d %s\n" % (n, seen[n], m.hex()))
        print("%s: %d messages" % (fname, len(msgs)))


if __name__ == "__main__":
    main()
