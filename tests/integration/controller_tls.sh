#!/usr/bin/env bash
# Switches reach minidcd over TLS: the lab makes a PKI, Open vSwitch connects
# with ssl: and its certificate, the network works; a client without a
# certificate is turned away.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools
command -v openssl >/dev/null || skip_all "needs openssl"

before=$(machine_footprint)
new_lab L
ok "lab up --tls" "$MINIDC" lab up --quiet --tls --name "$L" "$SRC/examples/fig1.yaml"
is "switches use an ssl: controller target" "$(lab_vsctl "$L" get-controller ovs1)" "ssl:192.0.2.254:6653"
ok "the switches have the lab's certificate" bash -c "lab_vsctl() { ovs-vsctl --db=unix:/run/minidc/labs/$L/ovs/db.sock \"\$@\"; }; lab_vsctl get-ssl | grep -q 'pki/switch.pem'"
"$MINIDC" topology --lab "$L" --json >"$TEST_TMP/view.json"
is "all 7 switches connected over TLS" "$(python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
print(sum(1 for s in d['switches'] if s['connected'] and s['connection'] and s['connection']['tls']))" "$TEST_TMP/view.json")" "7"
"$MINIDC" lab pingall --lab "$L" --json >"$TEST_TMP/ping.json"
is "all 72 pairs answer" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['received'])" "$TEST_TMP/ping.json")" "72"
# A client that speaks plain OpenFlow (no TLS, no certificate) gets nowhere.
if [ -x "$(dirname "$MINIDC")/ofbench" ]; then
    ok "a plain TCP client is turned away" bash -c "! ip netns exec '$L' timeout 20 '$(dirname "$MINIDC")/ofbench' --switches 1 --duration 1 192.0.2.254:6653 >/dev/null 2>&1"
fi
ok "and the switches stay connected" bash -c "'$MINIDC' lab pingall --lab '$L' >/dev/null"
ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
done_testing
