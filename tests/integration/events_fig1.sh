#!/usr/bin/env bash
# minidcd's event stream (Server-Sent Events at /api/v1/events) and
# `minidc events`: switches and links coming up, a link cut and restored,
# catching up from an id, the raw SSE framing.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools
command -v curl >/dev/null || skip_all "needs curl"

new_lab L
ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$SRC/examples/fig1.yaml"
ev="$TEST_TMP/events.json"
timeout 20 "$MINIDC" events --lab "$L" --json --since 0 >"$ev" 2>"$TEST_TMP/events.err" &
follower=$!
sleep 1
count() { python3 -c "import json,sys; print(sum(1 for l in open('$ev') if json.loads(l)['type']=='$1'))"; }
is "every switch came up (replayed from the start)" "$(count switch.up)" "7"
is "every link was found, both directions" "$(count link.up)" "12"
ok "ids increase one by one" python3 -c "
import json
ids=[json.loads(l)['id'] for l in open('$ev')]
assert ids==list(range(ids[0], ids[0]+len(ids))), ids"
last=$(python3 -c "import json; print([json.loads(l)['id'] for l in open('$ev')][-1])")

ip -n "$L" link set ovs2-1 down
sleep 1.5
ip -n "$L" link set ovs2-1 up
sleep 2
ok "cutting ovs1-ovs2 is two link.down events" python3 -c "
import json
d=[json.loads(l) for l in open('$ev') if json.loads(l)['type']=='link.down']
assert sorted((x['from'],x['to']) for x in d)==[('ovs1','ovs2'),('ovs2','ovs1')], d"
ok "and restoring it brings two more link.up" test "$(count link.up)" = 14

out=$("$MINIDC" events --lab "$L" --json --since "$last" --count 4)
is "--since replays what came after an id" "$(python3 -c "
import json,sys
print(' '.join(json.loads(l)['type'] for l in sys.stdin.read().splitlines()))" <<<"$out")" "link.down link.down link.up link.up"
raw=$(lab_api "$L" "/api/v1/events?since=$last" -m 2 -H 'Accept: text/event-stream' | head -4)
ok "the stream is SSE: id, event and data lines" bash -c "grep -q '^id: $((last + 1))$' <<<'$raw' && grep -q '^event: link.down$' <<<'$raw' && grep -q '^data: {' <<<'$raw'"
kill $follower 2>/dev/null
wait $follower 2>/dev/null
ok "lab down" bash -c "'$MINIDC' lab down '$L' >/dev/null 2>&1"
done_testing
