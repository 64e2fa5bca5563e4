#!/usr/bin/env bash
# Failures leave nothing behind: bad input touches nothing; a failure at each
# step of `lab up` rolls back; a conflict found before starting changes
# nothing (and spares what is not the lab's); `lab down` after a crash half-way
# cleans up.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools

FIG1="$SRC/examples/fig1.yaml"
before=$(machine_footprint)
footprint_same() { [ "$(machine_footprint)" = "$before" ]; }

# Bad input: every problem reported with its position, nothing touched.
cat >"$TEST_TMP/bad.yaml" <<'YAML'
name: bad
controller: {openflow: 192.0.2.254:6653, api: 192.0.2.254:8080}
management: {subnet: 192.0.2.0/24}
subnets:
  - {name: a, prefix: 198.18.1.0/24, gateway: 198.18.1.254, switch: s1}
switches:
  - {name: s1, colour: blue}
servers:
  - {name: h1, address: 198.18.1.1}
links:
  - [s1, h2]
YAML
out=$("$MINIDC" lab up --name bad "$TEST_TMP/bad.yaml" 2>&1)
rc=$?
ok "lab up on a bad file fails" test "$rc" -ne 0
ok "the unknown key is reported at 7:16" grep -q "bad.yaml:7:16: error: unknown key 'colour'" <<<"$out"
ok "the unknown link end is reported at 11:10" grep -q "bad.yaml:11:10: error: link end 'h2'" <<<"$out"
ok "the server without a link is reported at 9:12" grep -q "bad.yaml:9:12: error: server 'h1' is not linked" <<<"$out"
ok "and nothing was changed" footprint_same

# A failure injected at each step: rolled back entirely.
for step in namespaces ovs links offload addresses switches hosts; do
    new_lab L
    out=$(MINIDC_FAULT="lab-up:$step" "$MINIDC" lab up --standalone --name "$L" "$FIG1" 2>&1)
    rc=$?
    ok "failure at step '$step' makes up fail" test "$rc" -ne 0
    ok "failure at step '$step' says it rolled back" grep -q "rolled back, nothing of it remains" <<<"$out"
    ok "failure at step '$step' leaves nothing behind" footprint_same
done

# A conflict found before anything starts: a namespace that is not the lab's.
new_lab L
ip netns add "$L-server3"
out=$("$MINIDC" lab up --standalone --name "$L" "$FIG1" 2>&1)
rc=$?
ok "an existing namespace of the same name stops up" test "$rc" -ne 0
ok "the error names it" grep -q "namespace $L-server3 exists already" <<<"$out"
ok "the foreign namespace is spared" ip netns exec "$L-server3" true
ip netns del "$L-server3"
ok "and nothing else was made" footprint_same

# A crash half-way (the process ends at once, no rollback): down cleans up.
for step in links switches; do
    new_lab L
    MINIDC_FAULT="lab-crash:$step" "$MINIDC" lab up --standalone --name "$L" --quiet "$FIG1" >/dev/null 2>&1
    ok "a crash before '$step' leaves a half-made lab" test -d "/run/minidc/labs/$L"
    out=$("$MINIDC" lab up --standalone --name "$L" "$FIG1" 2>&1)
    rc=$?
    ok "up on a half-made lab refuses" test "$rc" -ne 0
    ok "and says to run down first" grep -q "is not whole.*lab down $L" <<<"$out"
    ok "down after the crash" "$MINIDC" lab down "$L"
    ok "down after a crash before '$step' leaves nothing behind" footprint_same
done

done_testing
