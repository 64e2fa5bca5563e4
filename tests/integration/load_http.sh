#!/usr/bin/env bash
# minidc load http without a lab or VMs: two network namespaces of its own
# joined by a veth pair, a small Python HTTP server in one that answers
# "name=replicaA" and "name=replicaB" in turn (or slowly, or not at all, or
# 503, or without a name), and the load generator in the other (ip netns
# exec, so no --from).  Checks that the counts add up, that a fast server
# answers rate x duration requests, and that timeouts, refusals, resets and
# HTTP errors are counted as such; the per-replica counts, the per-second
# series, a trace's rates, Ctrl-C, and the errors of bad options.
set -u
. "$(dirname "$0")/../lib/tap.sh"
MINIDC=${MINIDC:-minidc}
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
for p in ip python3 timeout; do
    command -v "$p" >/dev/null || skip_all "needs $p"
done
P=ldt$(($$ % 100000))
C=$P-c
S=$P-s
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    ip netns del "$C" 2>/dev/null
    ip netns del "$S" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$C" && ip netns add "$S" &&
    ip link add "${P}a" type veth peer name "${P}b" &&
    ip link set "${P}a" netns "$C" && ip link set "${P}b" netns "$S" &&
    ip -n "$C" addr add 10.254.0.1/30 dev "${P}a" && ip -n "$S" addr add 10.254.0.2/30 dev "${P}b" &&
    ip -n "$C" link set "${P}a" up && ip -n "$S" link set "${P}b" up &&
    ip -n "$C" link set lo up && ip -n "$S" link set lo up || {
    echo "Bail out! cannot make the namespaces"
    exit 1
}

cat >"$TMP/server.py" <<'PY'
# server.py PORT MODE: fast (replicaA, replicaB in turn), slow SECONDS, cut
# (closes without answering), 503, unnamed.
import http.server, itertools, sys, threading, time
port, mode = int(sys.argv[1]), sys.argv[2]
names = itertools.cycle(["replicaA", "replicaB"])
lock = threading.Lock()

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if mode == "cut":
            self.close_connection = True
            return
        if mode == "slow":
            time.sleep(float(sys.argv[3]))
        with lock:
            name = next(names)
        body = (b"hello\n" if mode == "unnamed" else ("name=%s address=10.254.0.2\n" % name).encode())
        self.send_response(503 if mode == "503" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True

Server(("10.254.0.2", port), H).serve_forever()
PY

listening() { ip netns exec "$S" python3 -c "import socket; socket.create_connection(('10.254.0.2', $1), 1)" 2>/dev/null; }
serve() { # serve MODE [ARG]: (re)starts the server on port 8080
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null
    ip netns exec "$S" python3 "$TMP/server.py" 8080 "$@" &
    SERVER_PID=$!
    within 10 listening 8080
}
load() { ip netns exec "$C" "$MINIDC" load http "$@"; }
# j FILE EXPR: a Python expression over the report 'r'
j() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }
adds_up() { [ "$(j "$1" "r['sent'] == r['answered'] + r['failed'] + r['unfinished']")" = True ]; }

# A fast server: every request answered, the replicas in turn.
ok "the server answers" serve fast
load http://10.254.0.2:8080/ --rate 100 --duration 3 --json >"$TMP/fast.json"
is "a run exits 0" "$?" 0
ok "its JSON parses" j "$TMP/fast.json" "r['sent']"
is "100/s for 3 s: 300 sent" "$(j "$TMP/fast.json" "r['sent']")" 300
ok "sent = answered + failed + unfinished" adds_up "$TMP/fast.json"
ok "at least 99% answered ($(j "$TMP/fast.json" "r['answered']"))" \
    test "$(j "$TMP/fast.json" "r['answered'] >= 297")" = True
# Late sends are a figure of the machine (a loaded one starves the
# generator), not of the program: that they are counted, and consistently,
# is what is checked; how many there were is reported.
diag "late sends: $(j "$TMP/fast.json" "r['late']"), the worst $(j "$TMP/fast.json" "r['late_max_ms']") ms behind"
ok "late sends are counted consistently (the total is the per-second sum; any late send is over the threshold)" \
    test "$(j "$TMP/fast.json" "r['late'] == sum(s['late'] for s in r['per_second']) and (r['late'] > 0) == (r['late_max_ms'] > r['late_threshold_ms'])")" = True
ok "answers per replica add up to the answers" \
    test "$(j "$TMP/fast.json" "sum(r['replicas'].values()) == r['answered'] and sorted(r['replicas']) == ['replicaA', 'replicaB']")" = True
ok "the replicas share them ($(j "$TMP/fast.json" "r['replicas']"))" \
    test "$(j "$TMP/fast.json" "abs(r['replicas']['replicaA'] - r['replicas']['replicaB']) <= 2")" = True
ok "latency percentiles are ordered" \
    test "$(j "$TMP/fast.json" "0 < r['latency_ms']['p50'] <= r['latency_ms']['p90'] <= r['latency_ms']['p99'] <= r['latency_ms']['max']")" = True
ok "the handshake's times are there, and within the latency" \
    test "$(j "$TMP/fast.json" "0 < r['connect_ms']['p50'] <= r['latency_ms']['p50'] and r['connect_ms']['max'] <= r['latency_ms']['max']")" = True
ok "the per-second series covers the run and adds up" \
    test "$(j "$TMP/fast.json" "len(r['per_second']) in (3, 4) and sum(s['sent'] for s in r['per_second']) == r['sent'] and sum(s['answered'] for s in r['per_second']) == r['answered'] and r['per_second'][0]['sent'] == 100")" = True
is "each second's keys" "$(j "$TMP/fast.json" "sorted(r['per_second'][1])")" \
    "['answered', 'failed', 'late', 'p50_ms', 'p99_ms', 'sent', 't']"
ok "the longest gap is about the spacing of the requests ($(j "$TMP/fast.json" "r['longest_gap_ms']") ms)" \
    test "$(j "$TMP/fast.json" "r['longest_gap_ms'] < 500")" = True
load http://10.254.0.2:8080/index --rate 50 --duration 1 >"$TMP/fast.txt"
ok "the text summary has the figures" grep -q "^answered    50 (100.0%)" "$TMP/fast.txt" ||
    diag "$(cat "$TMP/fast.txt")"
ok "and latency and replicas" bash -c "grep -q '^latency     p50 .* ms, p90 .* ms, p99 .* ms, max .* ms' '$TMP/fast.txt' && grep -q '^replicas    replica[AB] 25, replica[AB] 25' '$TMP/fast.txt'"

# A trace: 40/s, then nothing, then 20/s, a second each.
printf '100\n0\n50\n' >"$TMP/trace"
load http://10.254.0.2:8080/ --rate 40 --trace "$TMP/trace" --interval 1 --json >"$TMP/trace.json"
is "a trace of 100, 0, 50 at 40/s: sends per second" "$(j "$TMP/trace.json" "[s['sent'] for s in r['per_second'][:3]]")" "[40, 0, 20]"
is "the trace's length is the run's" "$(j "$TMP/trace.json" "r['duration_s']")" 3.0

# Slow: no answer within the timeout.
ok "the server answers slowly" serve slow 2
load http://10.254.0.2:8080/ --rate 20 --duration 1 --timeout 300 --json >"$TMP/slow.json"
is "a slow server: every request timed out" "$(j "$TMP/slow.json" "(r['sent'], r['failures']['timeout'], r['answered'])")" "(20, 20, 0)"
ok "and the counts add up" adds_up "$TMP/slow.json"
ok "the whole run went without an answer" test "$(j "$TMP/slow.json" "r['longest_gap_ms'] == 1000 and r['latency_ms'] is None")" = True

# Closed without an answer: reset.
ok "the server closes without answering" serve cut
load http://10.254.0.2:8080/ --rate 20 --duration 1 --json >"$TMP/cut.json"
is "closed before an answer: reset" "$(j "$TMP/cut.json" "(r['sent'], r['failures']['reset'])")" "(20, 20)"

# 503 and unnamed.
ok "the server answers 503" serve 503
load http://10.254.0.2:8080/ --rate 20 --duration 1 --json >"$TMP/503.json"
is "503: http_error, by status" "$(j "$TMP/503.json" "(r['failures']['http_error'], r['http_errors'])")" "(20, {'503': 20})"
ok "the server names no replica" serve unnamed
load http://10.254.0.2:8080/ --rate 20 --duration 1 --json >"$TMP/unnamed.json"
is "answers without a name: (unnamed)" "$(j "$TMP/unnamed.json" "r['replicas']")" "{'(unnamed)': 20}"

# Nothing listens: refused.
kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
load http://10.254.0.2:8080/ --rate 50 --duration 1 --json >"$TMP/refused.json"
is "nothing listens: every request refused" "$(j "$TMP/refused.json" "(r['sent'], r['failures']['refused'])")" "(50, 50)"
ok "and the counts add up" adds_up "$TMP/refused.json"

# Ctrl-C: stops early and still reports.
ok "the server answers again" serve fast
timeout --preserve-status -s INT 1.5 ip netns exec "$C" "$MINIDC" load http http://10.254.0.2:8080/ --rate 100 --duration 20 --json \
    >"$TMP/int.json"
is "Ctrl-C: exit status 130" "$?" 130
ok "with a report of what was sent before ($(j "$TMP/int.json" "r['sent']"))" \
    test "$(j "$TMP/int.json" "1 <= r['sent'] <= 200 and r['sending_s'] < 2")" = True
ok "whose counts add up" adds_up "$TMP/int.json"

# Bad options: which one, what was expected; exit status 2.  (In the
# client's namespace too: should one be taken, its requests stay here.)
bad() { # bad WANT ARGS...: exits 2 saying WANT
    local want=$1
    shift
    load "$@" >/dev/null 2>"$TMP/err"
    local rc=$?
    [ "$rc" = 2 ] && grep -qF -- "$want" "$TMP/err" || {
        diag "exit $rc: $(cat "$TMP/err")"
        return 1
    }
}
ok "no --rate" bad "--rate R is needed" http://10.254.0.2/
ok "a rate that is no number" bad "--rate 'fast': expected requests a second" http://10.254.0.2/ --rate fast
ok "a rate of 0" bad "--rate '0'" http://10.254.0.2/ --rate 0
ok "a negative duration" bad "--duration '-1': expected seconds" http://10.254.0.2/ --rate 1 --duration -1
ok "a timeout in fractions" bad "--timeout '1.5': expected whole milliseconds" http://10.254.0.2/ --rate 1 --timeout 1.5
ok "--interval without --trace" bad "--interval is the length of a --trace sample" http://10.254.0.2/ --rate 1 --interval 2
ok "no URL" bad "which URL?" --rate 1
ok "an HTTPS URL" bad "HTTPS is not supported" https://10.254.0.2/ --rate 1
ok "a URL with a bad port" bad "the port must be a number 1-65535" http://10.254.0.2:99999/ --rate 1
ok "an unknown option" bad "unknown option '--frobnicate'" http://10.254.0.2/ --frobnicate 1
ok "an option without its value" bad "--trace needs a value" http://10.254.0.2/ --rate 1 --trace
printf '10\nlots\n200\n' >"$TMP/bad.trace"
load http://10.254.0.2/ --rate 1 --trace "$TMP/bad.trace" 2>"$TMP/err"
is "a bad trace exits 1" "$?" 1
ok "naming the first bad line as FILE:LINE" grep -qF "minidc load http: $TMP/bad.trace:2: expected a whole number from 0 to 100 (the CPU utilisation in percent, one a line), not 'lots'" "$TMP/err"
ok "a duration longer than the trace" bad "--duration 20 is longer than the trace (3 samples of 5 s: 15 s)" \
    http://10.254.0.2/ --rate 1 --trace "$TMP/trace" --duration 20
ok "--help" bash -c "'$MINIDC' load http --help | grep -q '^usage: minidc load http URL'"
ok "load --help" bash -c "'$MINIDC' load --help | grep -q '^usage: minidc load http URL'"
done_testing
