#!/usr/bin/env bash
# Switches reach minidcd over TLS: the lab makes a PKI, Open vSwitch connects
# with ssl: and its certificate, the network works; a client without a
# certificate is turned away.  The API speaks HTTPS only, with a certificate
# issued for its address: the CLI finds the lab's CA, a client that does not
# trust it or speaks plain HTTP gets nothing.
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

# The API over HTTPS.
RUN=/run/minidc/labs/$L
TOKEN=$(cat "$RUN/api.token")
API=192.0.2.254:8080
ok "the API's certificate is issued for its address" bash -c "openssl x509 -in '$RUN/pki/api.pem' -noout -ext subjectAltName | grep -q 'IP Address:192.0.2.254'"
ok "and signed by the lab's CA" openssl verify -CAfile "$RUN/pki/ca.pem" "$RUN/pki/api.pem"
is "HTTPS with the lab's CA and the token: 200" "$(ip netns exec "$L" curl -s -m 5 -o /dev/null -w '%{http_code}' --cacert "$RUN/pki/ca.pem" -H "Authorization: Bearer $TOKEN" "https://$API/api/v1/status")" 200
is "HTTPS without the token: 401" "$(ip netns exec "$L" curl -s -m 5 -o /dev/null -w '%{http_code}' --cacert "$RUN/pki/ca.pem" "https://$API/api/v1/status")" 401
ok "plain HTTP gets no answer, not even /metrics" bash -c "! ip netns exec '$L' curl -s -m 5 -o /dev/null 'http://$API/metrics'"
ok "a client that does not trust the lab's CA is refused" bash -c "! ip netns exec '$L' curl -s -m 5 -o /dev/null 'https://$API/metrics'"
ok "the CLI finds the lab's CA (vm list)" bash -c "'$MINIDC' vm list --lab '$L' | grep -q '^VM  *SERVER'"
ok "and follows the events over HTTPS" bash -c "timeout 10 '$MINIDC' events --lab '$L' --since 0 --count 1 --json | grep -q '\"type\"'"
ok "--api with --api-ca" bash -c "ip netns exec '$L' '$MINIDC' topology --api $API --token-file '$RUN/api.token' --api-ca '$RUN/pki/ca.pem' --json | grep -q '\"name\": \"ovs1\"'"
out=$(ip netns exec "$L" "$MINIDC" vm list --api $API --token-file "$RUN/api.token" 2>&1)
ok "--api without a CA: told to give one" grep -q -- "--api-ca FILE" <<<"$out"
out=$(ip netns exec "$L" "$MINIDC" vm list --api $API --token-file "$RUN/api.token" --api-ca "$RUN/pki/switch.pem" 2>&1)
ok "--api with a CA that did not sign it: refused, and said why" grep -q "the server's certificate: unable to get local issuer certificate" <<<"$out"
ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
done_testing
