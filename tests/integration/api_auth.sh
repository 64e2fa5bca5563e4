#!/usr/bin/env bash
# minidcd's API wants its token: without it, or with a wrong one (the agents'
# one included), every request but /metrics gets 401; with it, 200.  From a
# server's namespace nothing can be driven without the token.  The CLI finds
# the lab's token by itself, or takes --token-file / $MINIDC_API_TOKEN_FILE.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools
command -v curl >/dev/null || skip_all "needs curl"

API=http://192.0.2.254:8080
new_lab L
ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$SRC/examples/fig1.yaml"
RUN=/run/minidc/labs/$L
ok "the lab made an API token only root reads" bash -c "[ \"\$(stat -c %a '$RUN/api.token')\" = 600 ] && [ -s '$RUN/api.token' ]"
ok "it is not the agents' token" bash -c "! cmp -s '$RUN/api.token' '$RUN/agent.token'"
TOKEN=$(cat "$RUN/api.token")
AGENT_TOKEN=$(cat "$RUN/agent.token")

# code NS METHOD PATH [CURL_ARGS...]: the HTTP status minidcd answers from namespace NS.
code() {
    local ns=$1 method=$2 path=$3
    shift 3
    ip netns exec "$ns" curl -s -m 5 -o /dev/null -w '%{http_code}' -X "$method" "$@" "$API$path"
}
is "no token: 401" "$(code "$L" GET /api/v1/status)" 401
ip netns exec "$L" curl -s -m 5 -D "$TEST_TMP/h" -o "$TEST_TMP/b" "$API/api/v1/status"
ok "with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$TEST_TMP/h"
ok "and a JSON error" python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['error']" "$TEST_TMP/b"
is "a wrong token: 401" "$(code "$L" GET /api/v1/status -H "Authorization: Bearer x$TOKEN")" 401
is "the token cut short: 401" "$(code "$L" GET /api/v1/status -H "Authorization: Bearer ${TOKEN%?}")" 401
is "the agents' token: 401" "$(code "$L" GET /api/v1/status -H "Authorization: Bearer $AGENT_TOKEN")" 401
is "another scheme: 401" "$(code "$L" GET /api/v1/status -H "Authorization: Basic $TOKEN")" 401
is "the right token: 200" "$(code "$L" GET /api/v1/status -H "Authorization: Bearer $TOKEN")" 200
is "/metrics is open (Prometheus)" "$(code "$L" GET /metrics)" 200
is "the event stream wants it too" "$(code "$L" GET /api/v1/events)" 401

# From a server: the API is reachable (/metrics answers), but nothing can be driven.
S=$L-server1
is "server1 reaches minidcd (/metrics)" "$(code "$S" GET /metrics)" 200
is "server1: POST /api/v1/vms/vm1/exec without the token: 401" \
    "$(code "$S" POST /api/v1/vms/vm1/exec -d '{"argv": ["id"]}')" 401
is "server1: exec with the agents' token: 401" \
    "$(code "$S" POST /api/v1/vms/vm1/exec -H "Authorization: Bearer $AGENT_TOKEN" -d '{"argv": ["id"]}')" 401
is "server1: boot: 401" "$(code "$S" POST /api/v1/vms -d '{"name": "x", "server": "nosuch"}')" 401
is "server1: migrate: 401" "$(code "$S" POST /api/v1/vms/vm1/migrate -d '{"to": "server2"}')" 401
is "server1: clone: 401" "$(code "$S" POST /api/v1/vms/vm1/clone -d '{"to": "server2"}')" 401
is "server1: DELETE: 401" "$(code "$S" DELETE /api/v1/vms/vm1)" 401
is "server1: the VM list: 401" "$(code "$S" GET /api/v1/vms)" 401
is "server1: events: 401" "$(code "$S" GET /api/v1/events)" 401
ok "nothing was started" bash -c "$(declare -f lab_api); lab_api $L /api/v1/vms | grep -q '\"vms\": \[\]'"

# The CLI.
ok "minidc topology finds the lab's token" bash -c "'$MINIDC' topology --lab $L --json | grep -q '\"name\": \"ovs1\"'"
ok "minidc vm list too" bash -c "'$MINIDC' vm list --lab $L | grep -q '^VM  *SERVER'"
ok "minidc events too" bash -c "timeout 10 '$MINIDC' events --lab $L --since 0 --count 1 --json | grep -q '\"type\"'"
ok "minidc shell too" bash -c "printf 'vm list\n' | '$MINIDC' shell --lab $L 2>&1 | grep -q '^VM  *SERVER'"
out=$(ip netns exec "$L" "$MINIDC" vm list --api 192.0.2.254:8080 2>&1)
ok "--api without a token: refused, and told how to give one" grep -q "token-file" <<<"$out"
ok "--api with --token-file" bash -c "ip netns exec $L '$MINIDC' vm list --api 192.0.2.254:8080 --token-file $RUN/api.token | grep -q '^VM  *SERVER'"
ok "--api with \$MINIDC_API_TOKEN_FILE" bash -c "MINIDC_API_TOKEN_FILE=$RUN/api.token ip netns exec $L '$MINIDC' topology --api 192.0.2.254:8080 >/dev/null"
ok "--api with the agents' token: refused" bash -c "! ip netns exec $L '$MINIDC' vm list --api 192.0.2.254:8080 --token-file $RUN/agent.token 2>/dev/null"
ok "events with a wrong token: refused" bash -c "! ip netns exec $L '$MINIDC' events --api 192.0.2.254:8080 --token-file $RUN/agent.token --count 1 2>/dev/null"
ok "401s are logged" grep -q ": 401" "$RUN/minidcd.log"

# minidcd has no open mode.
"$(dirname "$MINIDC")/minidcd" --topology "$SRC/examples/fig1.yaml" >/dev/null 2>"$TEST_TMP/err"
is "minidcd without --api-token-file refuses to start" "$?" 2
ok "and says why" grep -q -- "--api-token-file" "$TEST_TMP/err"
ok "lab down" bash -c "'$MINIDC' lab down '$L' >/dev/null 2>&1"
done_testing
