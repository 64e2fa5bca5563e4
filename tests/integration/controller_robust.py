#!/usr/bin/env python3
"""minidcd against peers that break the protocol: it logs them (rate-limited),
drops them, and keeps serving.  Runs minidcd on loopback; prints TAP."""
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

MINIDCD = os.environ.get("MINIDCD") or os.path.join(os.path.dirname(os.environ.get("MINIDC", "minidc")), "minidcd")
SRC = os.environ.get("MINIDC_SRC", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
n = 0
failed = 0


def ok(cond, desc):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    failed += 0 if cond else 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    if not os.access(MINIDCD, os.X_OK):
        print("1..0 # SKIP minidcd not built")
        sys.exit(77)
    of, api = free_port(), free_port()
    tmp = tempfile.mkdtemp()
    log = os.path.join(tmp, "minidcd.log")
    token = os.urandom(16).hex()
    with open(os.path.join(tmp, "api.token"), "w") as f:
        f.write(token + "\n")
    d = subprocess.Popen([MINIDCD, "--topology", os.path.join(SRC, "examples", "fig1.yaml"), "--openflow",
                          "127.0.0.1:%d" % of, "--api", "127.0.0.1:%d" % api, "--log-file", log,
                          "--api-token-file", os.path.join(tmp, "api.token")])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", of), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

        def alive_and_serving():
            if d.poll() is not None:
                return False
            try:
                req = urllib.request.Request("http://127.0.0.1:%d/api/v1/status" % api,
                                             headers={"Authorization": "Bearer " + token})
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status == 200 and "uptime" in json.loads(r.read())
            except OSError:
                return False

        def send_and_close(data, read=True):
            s = socket.create_connection(("127.0.0.1", of), timeout=5)
            try:
                s.sendall(data)
                if read:
                    s.settimeout(2)
                    while s.recv(4096):
                        pass
            except OSError:
                pass
            s.close()
            time.sleep(0.05)

        hello13 = struct.pack("!BBHI", 4, 0, 8, 1)
        send_and_close(struct.pack("!BBHI", 4, 0, 0, 1))
        ok(alive_and_serving(), "a header whose length is 0: dropped, minidcd serves on")
        send_and_close(struct.pack("!BBHI", 4, 0, 5, 1) + b"xx")
        ok(alive_and_serving(), "a header whose length is below 8: dropped, minidcd serves on")
        rnd = random.Random(7)
        send_and_close(bytes(rnd.getrandbits(8) for _ in range(2000)))
        ok(alive_and_serving(), "2000 random bytes: dropped, minidcd serves on")
        send_and_close(hello13 + struct.pack("!BBHI", 4, 10, 65535, 2) + b"\0" * 100, read=False)
        ok(alive_and_serving(), "a message cut short by a close: minidcd serves on")
        # A switch that says hello, then sends a packet-in with a broken match.
        bad_pi = struct.pack("!BBHI", 4, 10, 8 + 16 + 8, 3) + struct.pack("!IHBBQ", 0xffffffff, 0, 0, 0, 0) + \
            struct.pack("!HH", 1, 40) + b"\0" * 4
        send_and_close(hello13 + bad_pi)
        ok(alive_and_serving(), "a packet-in whose match runs past its end: dropped, minidcd serves on")
        send_and_close(struct.pack("!BBHI", 9, 0, 8, 1))
        ok(alive_and_serving(), "a hello with no common version: refused, minidcd serves on")
        send_and_close(hello13 + struct.pack("!BBHI", 4, 0, 8, 5) + struct.pack("!BBHI", 4, 99, 8, 6))
        ok(alive_and_serving(), "an unknown message type: answered with an error, minidcd serves on")
        # A flood of bad peers: the log stays bounded (rate limit).
        for i in range(150):
            send_and_close(struct.pack("!BBHI", 4, 0, 3, i), read=False)
        time.sleep(0.5)
        ok(alive_and_serving(), "150 bad peers in a row: minidcd serves on")
        lines = sum(1 for line in open(log) if "dropping it" in line)
        print("# %d 'dropping it' lines logged for about 157 bad peers" % lines)
        ok(0 < lines <= 60, "warnings about bad peers are rate-limited")
        # And a well-behaved switch still gets its handshake.
        s = socket.create_connection(("127.0.0.1", of), timeout=5)
        s.sendall(hello13)
        got = b""
        end = time.time() + 3
        while time.time() < end and struct.pack("!BB", 4, 5) not in got:
            got += s.recv(4096)
        s.close()
        ok(struct.pack("!BB", 4, 5) in got, "a good switch is still asked for its features")
    finally:
        d.terminate()
        d.wait(timeout=10)
    ok(d.returncode == 0, "minidcd stops cleanly on SIGTERM (exit 0)")
    print("1..%d" % n)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
