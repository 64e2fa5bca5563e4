#!/usr/bin/env bash
# minidc shell: commands read from standard input run as after "minidc",
# in the lab --lab names; errors do not end the session; exit does.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools

new_lab L
ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$SRC/examples/fig1.yaml"
out=$(printf 'help\ntopology --json\nvm list\nvm frob\nflows "ovs1\nflows ovs7\nexit\nvm list\n' |
    "$MINIDC" shell --lab "$L" 2>&1)
ok "help names the commands" grep -q "lab, topology, flows, vm" <<<"$out"
ok "topology runs in the lab named by --lab" grep -q '"name": "ovs7"' <<<"$out"
ok "vm list runs (an empty table)" grep -q "^VM  *SERVER  *ADDRESS" <<<"$out"
ok "a bad subcommand is reported" grep -q "unknown subcommand 'frob'" <<<"$out"
ok "with its exit status, and the session goes on" grep -q '(exit status 2)' <<<"$out"
ok "an open quote is reported" grep -q 'is not closed' <<<"$out"
ok "flows after the errors still run" grep -q "cookie=0x6d01" <<<"$out"
is "exit ends the session (vm list after it did not run)" "$(grep -c '^VM  *SERVER' <<<"$out")" "1"
ok "shell --help" bash -c "'$MINIDC' shell --help | grep -q 'usage: minidc shell'"
ok "lab down" bash -c "'$MINIDC' lab down '$L' >/dev/null 2>&1"
done_testing
