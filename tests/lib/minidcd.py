"""Helpers for tests that run minidcd alone (no lab): TAP lines, a network
namespace of the test's own, minidcd started in it on loopback with an API
token, and HTTP requests to it.

minidcd polls the servers' agents at the topology's management addresses;
outside a lab those are not this test's, so every test that uses this module
runs in a new network namespace with only loopback (private_netns()), where
such polls fail at once and nothing leaves the machine."""
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time

MINIDCD = os.environ.get("MINIDCD") or os.path.join(os.path.dirname(os.environ.get("MINIDC", "minidc")), "minidcd")
SRC = os.environ.get("MINIDC_SRC", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc), flush=True)
        self.failed += 0 if cond else 1
        return cond

    def diag(self, msg):
        print("# " + msg, flush=True)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def skip_all(why):
    print("1..0 # SKIP " + why)
    sys.exit(77)


def private_netns():
    """Runs the calling script again in a new network namespace (loopback
    only, up); returns there."""
    if os.environ.get("MINIDC_TEST_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    if not os.access(MINIDCD, os.X_OK):
        skip_all("minidcd not built")
    if os.geteuid() != 0:
        skip_all("needs root (a network namespace of its own)")
    env = dict(os.environ, MINIDC_TEST_NETNS="1", MINIDCD=MINIDCD)
    os.execvpe("unshare", ["unshare", "--net", sys.executable, os.path.abspath(sys.argv[0])] + sys.argv[1:], env)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Minidcd:
    """minidcd on 127.0.0.1 with the fig1 topology and a token of its own.
    'nofile' lowers its descriptor limit; 'args' are added."""

    def __init__(self, args=(), nofile=None):
        self.tmp = tempfile.mkdtemp()
        self.log = os.path.join(self.tmp, "minidcd.log")
        self.token = os.urandom(16).hex()
        self.token_file = os.path.join(self.tmp, "api.token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        self.of, self.api = free_port(), free_port()
        argv = [MINIDCD, "--topology", os.path.join(SRC, "examples", "fig1.yaml"), "--openflow",
                "127.0.0.1:%d" % self.of, "--api", "127.0.0.1:%d" % self.api, "--log-file", self.log,
                "--api-token-file", self.token_file] + list(args)
        if nofile:
            argv = ["prlimit", "--nofile=%d:%d" % (nofile, nofile), "--"] + argv
        self.proc = subprocess.Popen(argv)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.api), timeout=1).close()
                socket.create_connection(("127.0.0.1", self.of), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

    def request(self, method, path, body=None, token=True, timeout=5):
        """(status, body bytes) or (None, error text)."""
        headers = {"Authorization": "Bearer " + self.token} if token is True else \
            ({"Authorization": "Bearer " + token} if token else {})
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.api, timeout=timeout)
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            c.close()
            return r.status, data
        except (OSError, http.client.HTTPException) as e:
            return None, str(e)

    def log_lines(self):
        with open(self.log, errors="replace") as f:
            return f.read().splitlines()

    def cpu_seconds(self):
        """User and system CPU time minidcd has used."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode
