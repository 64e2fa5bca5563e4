#!/usr/bin/env python3
"""minidcd against peers that break the protocol: it logs them (rate-limited),
drops them, and keeps serving.  Runs minidcd on loopback in a network
namespace of its own; prints TAP."""
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import minidcd as md  # noqa: E402

md.private_netns()
t = md.Tap()
ok = t.ok


def main():
    d = md.Minidcd()
    of, log = d.of, d.log
    try:
        def alive_and_serving():
            if d.proc.poll() is not None:
                return False
            st, body = d.request("GET", "/api/v1/status")
            return st == 200 and "uptime" in json.loads(body)

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
        rc = d.stop()
    ok(rc == 0, "minidcd stops cleanly on SIGTERM (exit 0)")
    t.done()


if __name__ == "__main__":
    main()
