#!/usr/bin/env python3
"""minidc ofp-print against ovs-ofctl ofp-print, an independent decoder.

For every message of the corpus (tests/data/ofp), the fields minidc decodes
(its --json output) must be the ones Open vSwitch reads: each field becomes
the string ovs-ofctl prints for it, and that string must be in its output.
Also: text and JSON carry the same fields, and malformed input is an error.
Prints TAP.
"""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys

MINIDC = os.environ.get("MINIDC", "minidc")
SRC = os.environ.get("MINIDC_SRC", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
n = 0
failed = 0


def ok(cond, desc, detail=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond:
        failed += 1
        for line in detail.splitlines():
            print("#   " + line)


OVS_FIELD = {"eth_dst": "dl_dst", "eth_src": "dl_src", "ipv4_src": "nw_src", "ipv4_dst": "nw_dst",
             "tcp_src": "tp_src", "tcp_dst": "tp_dst", "arp_tpa": "arp_tpa", "arp_spa": "arp_spa",
             "in_port": "in_port"}


def match_facts(match):
    facts = []
    for k, v in match.items():
        if k not in OVS_FIELD and k != "vlan_vid":
            continue  # eth_type and ip_proto print as "ip", "tcp", "arp"
        if k == "vlan_vid":
            facts.append("dl_vlan=%d" % (int(v) & 0xfff))
            continue
        if "/" in v and k.startswith("ipv4"):
            addr, mask = v.split("/")
            v = "%s/%d" % (addr, ipaddress.IPv4Network("0.0.0.0/" + mask).prefixlen)
        facts.append("%s=%s" % (OVS_FIELD[k], v))
    return facts


def action_facts(actions):
    facts = []
    for a in actions:
        if a.startswith("output:"):
            port = a.split(":")[1]
            facts.append(re.compile(r"(output:)?%s\b" % re.escape(port)))
        elif a.startswith("set_field:"):
            # 1.3 prints set_field:V->F, 1.0 mod_dl_dst:V and the like
            facts.append(re.compile(r"(set_field|mod_\w+):%s\b" % re.escape(a[len("set_field:"):].split("->")[0])))
        else:
            facts.append(a)
    return facts


def facts_of(j, raw):
    t = j["type"]
    f = ["xid=0x%x" % j["xid"]]
    if not t.startswith("MULTIPART"):
        f.append("OFPT_" + t)
    if t == "HELLO":
        bits = {"1.0": "0x01", "1.3": "0x04"}
        f += [bits[v] for v in j["versions"] if v in bits]
    elif t == "ERROR":
        f.append(j.get("error", "").split("_")[-1] if "error" in j else "type")
    elif t == "FEATURES_REPLY":
        f += ["dpid:" + j["datapath_id"], "n_tables:%d" % j["n_tables"], "n_buffers:%d" % j["n_buffers"]]
        f += ["%s(%s)" % (p["port_no"], p["name"]) for p in j.get("ports", [])]
    elif t in ("GET_CONFIG_REPLY", "SET_CONFIG"):
        f.append("miss_send_len=%d" % j["miss_send_len"])
    elif t == "PACKET_IN":
        f += ["total_len=%d" % j["total_len"]] + match_facts(j["match"])
        if j.get("cookie", "0x0") != "0x0":
            f.append("cookie=" + j["cookie"])
    elif t == "PORT_STATUS":
        f += ["%s(%s)" % (j["port"]["port_no"], j["port"]["name"]), "addr:" + j["port"]["hw_addr"]]
    elif t == "PACKET_OUT":
        f += ["in_port=" + j["in_port"], "data_len=%d" % j["data_len"]] + action_facts(j["actions"])
    elif t == "FLOW_MOD":
        if j["priority"] != 32768:
            f.append("priority=%d" % j["priority"])
        if j["cookie"] != "0x0":
            f.append("cookie:" + j["cookie"])
        if j["idle_timeout"]:
            f.append("idle:%d" % j["idle_timeout"])
        if j["hard_timeout"]:
            f.append("hard:%d" % j["hard_timeout"])
        if j.get("table_id"):
            f.append("table:%d" % j["table_id"])
        f += match_facts(j["match"])
        for ins in j["instructions"]:
            if ins["type"] == "goto_table":
                f.append("goto_table:%d" % ins["table_id"])
            elif "actions" in ins:
                f += action_facts(ins["actions"])
    elif t == "GROUP_MOD":
        f.append("group_id=%d,type=%s" % (j["group_id"], j["group_type"]))
        for b in j["buckets"]:
            if b["weight"]:
                f.append("weight:%d" % b["weight"])
            f += action_facts(b["actions"])
    elif t in ("MULTIPART_REQUEST", "MULTIPART_REPLY"):
        mp = j["multipart"]
        name = {"PORT_STATS": "PORT", "PORT_DESC": "PORT_DESC"}.get(mp, mp)
        f.append("OFPST_%s %s" % (name, "request" if t.endswith("REQUEST") else "reply"))
        if mp == "DESC" and t.endswith("REPLY"):
            f.append("Manufacturer: " + j["mfr_desc"])
        if mp == "AGGREGATE" and t.endswith("REPLY"):
            f += ["packet_count=%d" % j["packet_count"], "byte_count=%d" % j["byte_count"],
                  "flow_count=%d" % j["flow_count"]]
        if mp == "PORT_DESC" and t.endswith("REPLY"):
            f += ["%s(%s)" % (p["port_no"], p["name"]) for p in j["ports"]]
        if mp == "PORT_STATS" and t.endswith("REPLY"):
            f += ["pkts=%d" % p["rx_packets"] for p in j["ports"]]
        if mp == "GROUP_DESC" and t.endswith("REPLY"):
            f += ["group_id=%d,type=%s" % (g["group_id"], g["group_type"]) for g in j["groups"]]
        if mp == "GROUP" and t.endswith("REPLY"):
            f += ["group_id=%d" % g["group_id"] for g in j["groups"]]
        if mp == "TABLE" and t.endswith("REPLY"):
            f += ["active=%d, lookup=%d, matched=%d" % (x["active_count"], x["lookup_count"], x["matched_count"])
                  for x in j["tables"]]
            f += ["max_entries=%d" % x["max_entries"] for x in j["tables"] if "max_entries" in x]
        if mp == "FLOW" and t.endswith("REPLY"):
            for fl in j["flows"]:
                f += ["cookie=%s, duration=%d." % (fl["cookie"], fl["duration_sec"]),
                      "n_packets=%d, n_bytes=%d" % (fl["packet_count"], fl["byte_count"])]
                f += match_facts(fl["match"])
                for ins in fl["instructions"]:
                    f += action_facts(ins.get("actions", []))
    elif t in ("ROLE_REQUEST", "ROLE_REPLY"):
        # Open vSwitch 3 says primary/secondary where the 1.3 specification says master/slave.
        role = {"master": "primary", "slave": "secondary"}.get(j["role"], j["role"])
        f += ["role=" + role, "generation_id=%d" % int(j["generation_id"], 16)]
    return f


def main():
    if not shutil.which("ovs-ofctl"):
        print("1..0 # SKIP needs ovs-ofctl (openvswitch-common)")
        sys.exit(77)
    corpus = []
    for fname in ("of13.hex", "of10.hex"):
        for line in open(os.path.join(SRC, "tests", "data", "ofp", fname)):
            if line.startswith("#") or not line.strip():
                continue
            name, hexs = line.split()
            corpus.append((fname + ":" + name, hexs))
    types = set()
    for name, hexs in corpus:
        ours = subprocess.run([MINIDC, "ofp-print", "--json", hexs], capture_output=True, text=True)
        theirs = subprocess.run(["ovs-ofctl", "ofp-print", hexs], capture_output=True, text=True).stdout
        if ours.returncode != 0:
            ok(False, "%s decodes" % name, ours.stdout + ours.stderr)
            continue
        j = json.loads(ours.stdout)
        types.add(j["type"])
        facts = facts_of(j, hexs)
        missing = [str(x.pattern if hasattr(x, "pattern") else x) for x in facts
                   if not (x.search(theirs) if hasattr(x, "search") else x in theirs)]
        ok(not missing and len(facts) >= 2, "%s (%s): %d fields read alike by ovs-ofctl" % (name, j["type"], len(facts)),
           "missing in ovs-ofctl's output: %s\novs-ofctl: %s\nminidc: %s" % (missing, theirs, ours.stdout))
        # Text and JSON: every scalar of the JSON appears in the text.
        text = subprocess.run([MINIDC, "ofp-print", hexs], capture_output=True, text=True).stdout
        scalars = [str(v) for k, v in j.items() if isinstance(v, (str, int)) and k not in ("type", "version", "xid")]
        ok(all(s in text for s in scalars), "%s: text carries the JSON's fields" % name)
    ok(len(types) >= 12, "the corpus covers %d message types" % len(types))
    # Malformed input: an error with the OpenFlow error named, exit 1.
    bad = subprocess.run([MINIDC, "ofp-print", "04000007000000"], capture_output=True, text=True)
    ok(bad.returncode == 1, "a truncated message exits 1")
    bad = subprocess.run([MINIDC, "ofp-print", "040e00100000000100000000000000ff"], capture_output=True, text=True)
    ok(bad.returncode == 1 and "OFPERR_BAD_REQUEST_BAD_LEN" in bad.stdout, "a short flow-mod names BAD_LEN",
       bad.stdout)
    bad = subprocess.run([MINIDC, "ofp-print", "zz"], capture_output=True, text=True)
    ok(bad.returncode == 2, "input that is not hex exits 2")
    two = corpus[0][1] + corpus[1][1]
    both = subprocess.run([MINIDC, "ofp-print", "-"], input=two, capture_output=True, text=True)
    ok(both.returncode == 0 and both.stdout.count("\n") >= 2, "two messages from standard input print both")
    print("1..%d" % n)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
