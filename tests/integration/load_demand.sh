#!/usr/bin/env bash
# minidc load http reporting its figures to minidcd (POST /api/v1/demand),
# without a lab: three network namespaces of the test's own, a client
# joined by veth pairs to a server (a small Python HTTP server) and to a
# minidcd (the small test topology, no switches, no agents: the
# management addresses it polls route nowhere in its namespace, so those
# polls fail at once and nothing leaves it).  The generator reaches the
# API with --api and --token-file.  Checks that GET /api/v1/demand shows
# the rate sent while it runs (the answered rate within what the schedule
# allows), that two generators add up as two sources, that the history has
# the service/ADDRESS/ series, that a report goes stale after 3 s, that
# --no-report posts nothing, and that a minidcd that never answers, or
# refuses the token, costs one warning and no late sends.
set -u
. "$(dirname "$0")/../lib/tap.sh"
MINIDC=${MINIDC:-minidc}
MINIDCD=${MINIDCD:-$(dirname "$MINIDC")/minidcd}
SRC=${MINIDC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
for p in ip python3 timeout; do
    command -v "$p" >/dev/null || skip_all "needs $p"
done
[ -x "$MINIDCD" ] || skip_all "minidcd not built"
P=ldd$(($$ % 100000))
C=$P-c
S=$P-s
D=$P-d
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
    ip netns del "$C" 2>/dev/null
    ip netns del "$S" 2>/dev/null
    ip netns del "$D" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$C" && ip netns add "$S" && ip netns add "$D" &&
    ip link add "${P}a" type veth peer name "${P}b" &&
    ip link set "${P}a" netns "$C" && ip link set "${P}b" netns "$S" &&
    ip link add "${P}c" type veth peer name "${P}d" &&
    ip link set "${P}c" netns "$C" && ip link set "${P}d" netns "$D" &&
    ip -n "$C" addr add 10.254.0.1/30 dev "${P}a" && ip -n "$S" addr add 10.254.0.2/30 dev "${P}b" &&
    ip -n "$C" addr add 10.254.1.1/30 dev "${P}c" && ip -n "$D" addr add 10.254.1.2/30 dev "${P}d" &&
    ip -n "$C" link set "${P}a" up && ip -n "$S" link set "${P}b" up &&
    ip -n "$C" link set "${P}c" up && ip -n "$D" link set "${P}d" up &&
    ip -n "$C" link set lo up && ip -n "$S" link set lo up && ip -n "$D" link set lo up || {
    echo "Bail out! cannot make the namespaces"
    exit 1
}

cat >"$TMP/server.py" <<'PY'
import http.server, sys

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"name=replicaA address=10.254.0.2\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True

Server(("10.254.0.2", 8080), H).serve_forever()
PY
# A minidcd that never answers: it listens and accepts nothing.
cat >"$TMP/mute.py" <<'PY'
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.254.1.2", 9090))
s.listen(64)
time.sleep(3600)
PY
# get PATH: minidcd's answer (inside its namespace), with the token.
cat >"$TMP/get.py" <<'PY'
import sys, urllib.request
req = urllib.request.Request("http://10.254.1.2:8080" + sys.argv[1],
                             headers={"Authorization": "Bearer " + open(sys.argv[2]).read().strip()})
import json
print(json.dumps(json.load(urllib.request.urlopen(req, timeout=5))))
PY
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/api.token"
chmod 600 "$TMP/api.token"
get() { ip netns exec "$D" python3 "$TMP/get.py" "$1" "$TMP/api.token"; }
listening() { ip netns exec "$1" python3 -c "import socket; socket.create_connection(('$2', $3), 1)" 2>/dev/null; }
# j FILE EXPR: a Python expression over the JSON of FILE, 'r'
j() { python3 -c "import json, math, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }
load() { ip netns exec "$C" "$MINIDC" load http http://10.254.0.2:8080/ "$@"; }
API=(--api 10.254.1.2:8080 --token-file "$TMP/api.token")

ip netns exec "$S" python3 "$TMP/server.py" &
PIDS+=($!)
ip netns exec "$D" python3 "$TMP/mute.py" &
PIDS+=($!)
ip netns exec "$D" "$MINIDCD" --topology "$SRC/tests/data/topo/small.yaml" --openflow 127.0.0.1:6653 \
    --api 10.254.1.2:8080 --api-token-file "$TMP/api.token" --state-file "$TMP/state.json" \
    --log-file "$TMP/minidcd.log" &
PIDS+=($!)
ok "the HTTP server listens" within 10 listening "$S" 10.254.0.2 8080
ok "minidcd's API listens" within 10 listening "$D" 10.254.1.2 8080
ok "the mute one too" within 10 listening "$D" 10.254.1.2 9090
get /api/v1/demand >"$TMP/empty.json"
is "no demand before any generator" "$(j "$TMP/empty.json" "r")" "{'demand': []}"

# 100/s for 6 s, reporting; minidcd asked while it runs (at about 3.5 s).
R=100
load --rate $R --duration 6 --json "${API[@]}" >"$TMP/run.json" 2>"$TMP/run.err" &
LOAD=$!
sleep 3.5
get /api/v1/demand >"$TMP/during.json"
wait $LOAD
is "the run exits 0" "$?" 0
diag "minidcd said: $(j "$TMP/during.json" "r['demand']")"
is "one service, the one loaded, from one source" \
    "$(j "$TMP/during.json" "[(d['address'], d['port'], d['sources']) for d in r['demand']]")" \
    "[('10.254.0.2', 8080, 1)]"
# A constant rate sends exactly R requests in each whole second, so a
# second's sent figure is R (a late send may move to the next second: at
# most the run's late count off).  Its answers are those sent in the second
# before their latency: requests near either end of it may cross into the
# next one, at most R x (the latency's spread) + 1 at each end.
LATE=$(j "$TMP/run.json" "r['late']")
TOL=$(j "$TMP/run.json" "2 + 2 * math.ceil($R * (r['latency_ms']['max'] - r['latency_ms']['min']) / 1000)")
diag "run: sent $(j "$TMP/run.json" "r['sent']"), answered $(j "$TMP/run.json" "r['answered']"), late $LATE, latency $(j "$TMP/run.json" "r['latency_ms']['min']")-$(j "$TMP/run.json" "r['latency_ms']['max']") ms: answered a second within $TOL of $R"
ok "every request answered" test "$(j "$TMP/run.json" "r['answered'] == r['sent'] == 6 * $R")" = True
ok "sent a second: $R" test "$(j "$TMP/during.json" "abs(r['demand'][0]['sent_per_second'] - $R) <= $LATE")" = True
ok "answered a second: $R within $TOL" \
    test "$(j "$TMP/during.json" "abs(r['demand'][0]['requests_per_second'] - $R) <= $TOL")" = True
ok "none failed" test "$(j "$TMP/during.json" "r['demand'][0]['failed_per_second']")" = 0.0
ok "it is one of the run's own seconds" \
    test "$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['demand'][0]
r = json.load(open(sys.argv[2]))
print(any((s['answered'], s['sent'], s['failed']) == (d['requests_per_second'], d['sent_per_second'], d['failed_per_second']) for s in r['per_second']))" "$TMP/during.json" "$TMP/run.json")" = True
ok "its p95 is a latency of the run" \
    test "$(j "$TMP/during.json" "0 < r['demand'][0]['p95_ms'] <= $(j "$TMP/run.json" "r['latency_ms']['max']") * 1.01")" = True
ok "and fresh (reported in the last second)" test "$(j "$TMP/during.json" "r['demand'][0]['age_s'] <= 1.5")" = True
ok "the run says what it reported" \
    test "$(j "$TMP/run.json" "r['report']['to'] == '10.254.1.2:8080' and r['report']['posted'] >= 5 and r['report']['failed'] == 0 and '@' in r['report']['source']")" = True ||
    diag "$(j "$TMP/run.json" "r['report']")"
ok "and nothing on stderr" test ! -s "$TMP/run.err" || diag "$(cat "$TMP/run.err")"

# The history: rounds every 2 s took the reports as they came.
get "/api/v1/metrics/history?prefix=service/" >"$TMP/list.json"
is "the history has the service's series" "$(j "$TMP/list.json" "sorted(s['name'] for s in r['series'])")" \
    "['service/10.254.0.2/failed_per_second', 'service/10.254.0.2/p95_ms', 'service/10.254.0.2/requests_per_second']"
get "/api/v1/metrics/history?series=service/10.254.0.2/requests_per_second" >"$TMP/hist.json"
diag "requests_per_second in the history: $(j "$TMP/hist.json" "[v for t, v in r['series']['service/10.254.0.2/requests_per_second']]")"
ok "with the rate sent" test "$(j "$TMP/hist.json" "(lambda v: len(v) >= 2 and all(abs(x - $R) <= $TOL for x in v))([v for t, v in r['series']['service/10.254.0.2/requests_per_second']])")" = True

# Stale after 3 intervals (of 1 s) without a report.
sleep 3.2
get /api/v1/demand >"$TMP/stale.json"
is "3 s after the run's last report, nothing is current" "$(j "$TMP/stale.json" "r")" "{'demand': []}"

# Two generators at once: two sources, their rates summed.
load --rate 30 --duration 5 --json "${API[@]}" >"$TMP/one.json" 2>&1 &
A=$!
load --rate 50 --duration 5 --json "${API[@]}" >"$TMP/two.json" 2>&1 &
B=$!
sleep 3.5
get /api/v1/demand >"$TMP/both.json"
wait $A $B
diag "minidcd said: $(j "$TMP/both.json" "r['demand']")"
ok "two generators: two sources of one service" \
    test "$(j "$TMP/both.json" "[(d['address'], d['sources']) for d in r['demand']]")" = "[('10.254.0.2', 2)]"
ok "their rates summed (80 within $TOL)" \
    test "$(j "$TMP/both.json" "abs(r['demand'][0]['requests_per_second'] - 80) <= $TOL and abs(r['demand'][0]['sent_per_second'] - 80) <= 2")" = True
sleep 3.2

# --no-report: nothing posted, whatever else is said.
load --rate $R --duration 4 --json "${API[@]}" --no-report >"$TMP/quiet.json" 2>"$TMP/quiet.err" &
LOAD=$!
: >"$TMP/quiet-seen"
for _ in 1 2 3; do
    sleep 1
    get /api/v1/demand >>"$TMP/quiet-seen"
done
wait $LOAD
is "--no-report: the run exits 0" "$?" 0
is "minidcd saw nothing while it ran" \
    "$(python3 -c "import json, sys; print([json.loads(l) for l in open(sys.argv[1])])" "$TMP/quiet-seen")" \
    "[{'demand': []}, {'demand': []}, {'demand': []}]"
is "and the run reported nothing" "$(j "$TMP/quiet.json" "r['report']")" "None"

# A minidcd that never answers: every POST blocks until its timeout; the
# sends keep their schedule (a reporter that held the loop would make about
# every send of each second late), one warning, the failures counted.
load --rate 200 --duration 5 --json --api 10.254.1.2:9090 --token-file "$TMP/api.token" \
    >"$TMP/mute.json" 2>"$TMP/mute.err"
is "a mute minidcd: the run exits 0" "$?" 0
diag "late: $(j "$TMP/mute.json" "r['late']") of $(j "$TMP/mute.json" "r['sent']"), the worst $(j "$TMP/mute.json" "r['late_max_ms']") ms; report $(j "$TMP/mute.json" "r['report']")"
ok "every request sent and answered" test "$(j "$TMP/mute.json" "r['sent'] == r['answered'] == 1000")" = True
ok "the schedule kept (fewer than 5% late)" test "$(j "$TMP/mute.json" "r['late'] < 50")" = True
ok "the reports failed, counted" test "$(j "$TMP/mute.json" "r['report']['failed'] >= 2 and r['report']['posted'] == 0")" = True
is "one warning" "$(grep -c "a report to minidcd at 10.254.1.2:9090 failed: " "$TMP/mute.err")" 1
diag "$(cat "$TMP/mute.err")"

# A wrong token: 401, said once, the run goes on.
echo wrong >"$TMP/wrong.token"
load --rate 50 --duration 3 --json --api 10.254.1.2:8080 --token-file "$TMP/wrong.token" \
    >"$TMP/401.json" 2>"$TMP/401.err"
is "a wrong token: the run exits 0" "$?" 0
ok "one warning, saying 401" bash -c "[ \"\$(grep -c 'a report to minidcd at 10.254.1.2:8080 failed: minidcd answered 401' '$TMP/401.err')\" = 1 ]" ||
    diag "$(cat "$TMP/401.err")"
ok "the failures counted" test "$(j "$TMP/401.json" "r['report']['failed'] >= 2 and r['report']['posted'] == 0 and r['sent'] == 150")" = True
get /api/v1/demand >"$TMP/after401.json"
is "and minidcd kept nothing of them" "$(j "$TMP/after401.json" "r")" "{'demand': []}"

ok "--help says what is reported" bash -c "'$MINIDC' load http --help | grep -q 'POST /api/v1/demand'"
ok "and how not to" bash -c "'$MINIDC' load http --help | grep -q -- '^--no-report'"
ok "minidcd ran throughout" kill -0 "${PIDS[2]}"
done_testing
