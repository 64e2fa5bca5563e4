#!/usr/bin/env python3
"""A threshold placement policy for minidc, over its HTTP API (standard library only).

Every INTERVAL seconds it reads the data center (GET /api/v1/state); when a server's CPU
utilisation passes THRESHOLD it moves that server's VMs, the smallest in memory first, to
the awake servers with the most room, until the server would be below the threshold; it
posts the moves as a plan (POST /api/v1/plans) and follows the plan to its end
(GET /api/v1/plans/ID).  This is the kind of policy a user writes: copy it and change
decide().

In a lab, the API is reached from the lab's fabric namespace:

  minidc lab exec ovs1 -- python3 examples/policies/threshold.py \\
      --api http://192.0.2.254:8080 --token-file /run/minidc/labs/fig1raspi/api.token

Exit status: 0 (after --once, or Ctrl-C), 1 when minidcd cannot be reached or refuses.
"""
import argparse
import json
import ssl
import sys
import time
import urllib.error
import urllib.request


class Api:
    def __init__(self, base, token, ca=None):
        self.base = base.rstrip("/")
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ca) if ca else None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.ctx) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.loads(e.read() or b"null")
            except ValueError:
                return e.code, None


def latest(history):
    return history[-1] if history else 0.0


def decide(state, threshold):
    """The plan's actions: moves off every server above the threshold."""
    servers = {s["name"]: s for s in state["servers"]}
    vms = [v for v in state["vms"]]
    # What each server would hold once the plan is done (CPU used, memory allocated).
    cpu = {n: s["cpu_used"] for n, s in servers.items()}
    mem = {n: s["memory_used_mib"] for n, s in servers.items()}
    actions = []
    for name, s in sorted(servers.items()):
        if s["asleep"] or not s["reachable"]:
            continue
        cap = s["cpu_capacity"]
        if latest(s["cpu_utilization"]) <= threshold:
            continue
        movable = sorted((v for v in vms if v["server"] == name and v["movable"]),
                         key=lambda v: (v["memory_mib"], v["name"]))
        for v in movable:
            if cpu[name] / cap <= threshold:
                break
            # The awake server with the most CPU room that stays below the threshold.
            best, room = None, -1.0
            for d, t in servers.items():
                if d == name or t["asleep"] or not t["reachable"]:
                    continue
                after = (cpu[d] + v["cpu_used"]) / t["cpu_capacity"]
                fits = mem[d] + v["memory_mib"] <= t["memory_mib"]
                if fits and after <= threshold and 1 - after > room:
                    best, room = d, 1 - after
            if best is None:
                continue
            cpu[name] -= v["cpu_used"]
            cpu[best] += v["cpu_used"]
            mem[name] -= v["memory_mib"]
            mem[best] += v["memory_mib"]
            actions.append({"action": "migrate", "vm": v["name"], "to": best,
                            "why": "%s at %.2f > %.2f (threshold.py)"
                                   % (name, latest(s["cpu_utilization"]), threshold)})
    return actions


def follow(api, plan_id):
    while True:
        st, p = api.call("GET", "/api/v1/plans/%d" % plan_id)
        if st != 200:
            print("threshold.py: plan %d: %s" % (plan_id, (p or {}).get("error")), file=sys.stderr)
            return False
        if p["state"] != "running":
            for a in p["actions"]:
                print("  %s %s -> %s: %s%s" % (a["action"], a.get("vm"), a.get("to"), a["state"],
                                              " (%s)" % a["error"] if a.get("error") else ""))
            return p["state"] == "done"
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--api", required=True, help="minidcd's API: http://ADDR:PORT")
    ap.add_argument("--token-file", required=True, help="the file holding the API token")
    ap.add_argument("--ca", help="the CA file of an HTTPS API")
    ap.add_argument("--threshold", type=float, default=0.8,
                    help="CPU utilisation above which a server is overloaded (default 0.8)")
    ap.add_argument("--interval", type=float, default=10, help="seconds between decisions")
    ap.add_argument("--once", action="store_true", help="decide once, carry it out, exit")
    ap.add_argument("--dry-run", action="store_true", help="print the plan, do not post it")
    a = ap.parse_args()
    if not 0 < a.threshold <= 1:
        ap.error("--threshold: expected a number above 0 and at most 1")
    with open(a.token_file) as f:
        api = Api(a.api, f.read().strip(), a.ca)
    try:
        while True:
            st, state = api.call("GET", "/api/v1/state")
            if st != 200:
                print("threshold.py: GET /api/v1/state: %d %s" % (st, state), file=sys.stderr)
                return 1
            actions = decide(state, a.threshold)
            print("threshold.py: %d server(s), %d VM(s): %d move(s)"
                  % (len(state["servers"]), len(state["vms"]), len(actions)), flush=True)
            for x in actions:
                print("  migrate %s -> %s: %s" % (x["vm"], x["to"], x["why"]), flush=True)
            if actions and not a.dry_run:
                st, r = api.call("POST", "/api/v1/plans", {"actions": actions})
                if st != 201:
                    print("threshold.py: POST /api/v1/plans: %d %s" % (st, r), file=sys.stderr)
                    if st != 409:  # 409: another plan runs; try at the next interval
                        return 1
                elif not follow(api, r["id"]) and a.once:
                    return 1
            if a.once:
                return 0
            time.sleep(a.interval)
    except KeyboardInterrupt:
        return 0
    except (urllib.error.URLError, OSError) as e:
        print("threshold.py: cannot reach minidcd at %s: %s" % (a.api, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
