#!/usr/bin/env bash
# The command line: --help everywhere, topology check/route/generate, and
# errors that name the file, line and column.
set -u
. "$(dirname "$0")/../lib/tap.sh"
MINIDC=${MINIDC:-minidc}
SRC=${MINIDC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for args in "--help" "lab --help" "lab up --help" "lab down --help" "lab status --help" "lab exec --help" \
    "lab pingall --help" "topology --help" "topology check --help" "topology generate --help"; do
    # shellcheck disable=SC2086
    ok "minidc $args prints usage and exits 0" bash -c "'$MINIDC' $args | grep -q '^usage: minidc'"
done
out=$("$MINIDC" frobnicate 2>&1)
is "an unknown command exits 2" "$?" "2"
ok "and prints usage" grep -q "unknown command 'frobnicate'" <<<"$out"

ok "fig1 is valid" "$MINIDC" topology check "$SRC/examples/fig1.yaml"
# The paper's Table 2.
for route in "server1 server2 1" "server1 server3 3" "internet server1 3" "server1 server8 5"; do
    set -- $route
    is "$1 <-> $2 crosses $3 switches" "$("$MINIDC" topology route "$SRC/examples/fig1.yaml" "$1" "$2" | awk '{print $4}')" "$3"
done

"$MINIDC" topology generate tree --depth 3 --fanout 4 --servers-per-leaf 4 >"$TMP/t64.yaml"
ok "a generated 64-server tree is valid" "$MINIDC" topology check "$TMP/t64.yaml"
is "it has 21 switches and 64 servers" "$("$MINIDC" topology check "$TMP/t64.yaml" | grep -o '21 switches, 64 servers')" "21 switches, 64 servers"
"$MINIDC" topology generate tree --depth 9 --fanout 2 --servers-per-leaf 1 >/dev/null 2>"$TMP/err"
is "an impossible tree exits 2" "$?" "2"
ok "and says what is allowed" grep -q "depth 1..8" "$TMP/err"

# Errors: all of them, each with file:line:column.
sed -e 's/  - \[ovs4, server2\]/  - [ovs5, server2]/' -e 's/  - {name: server4, address: 198.18.2.4, /  - {name: server4, address: 198.18.9.4, /' \
    -e 's/^  - name: ovs7$/  - name: ovs7\n    port: 3/' "$SRC/examples/fig1.yaml" >"$TMP/broken.yaml"
"$MINIDC" topology check "$TMP/broken.yaml" >"$TMP/out" 2>&1
is "a broken file exits 1" "$?" "1"
ok "unknown key with its position" grep -q "broken.yaml:40:5: error: unknown key 'port'" "$TMP/out"
ok "server on the wrong switch with its position" grep -q "broken.yaml:44:12: error: server 'server2' is in subnet net1" "$TMP/out"
ok "address outside every subnet with its position" grep -q "broken.yaml:46:12: error: server 'server4': address 198.18.9.4 is in no subnet" "$TMP/out"
ok "and a count" grep -q "broken.yaml: 3 problems" "$TMP/out"

# What YAML allows and a topology file does not: each where it is.
{ head -c 400 "$SRC/examples/fig1.yaml"; printf '\0'; tail -c +401 "$SRC/examples/fig1.yaml"; } >"$TMP/nul.yaml"
"$MINIDC" topology check "$TMP/nul.yaml" >"$TMP/out" 2>&1
is "a file with a NUL byte exits 1" "$?" "1"
ok "the NUL byte with its position" grep -q "nul.yaml:$(head -c 400 "$SRC/examples/fig1.yaml" | wc -l | awk '{print $1 + 1}'):[0-9]*: error: a NUL byte" "$TMP/out"
sed -e 's/^  - name: ovs1$/  - \&first {name: ovs1}/' -e 's/^  - name: ovs7$/  - *first/' "$SRC/examples/fig1.yaml" >"$TMP/alias.yaml"
"$MINIDC" topology check "$TMP/alias.yaml" >"$TMP/out" 2>&1
is "a file with an alias exits 1" "$?" "1"
ok "the alias with its position" grep -q "alias.yaml:39:5: error: YAML alias '\*first'" "$TMP/out"
{ cat "$SRC/examples/fig1.yaml"; printf -- '---\nname: two\n'; } >"$TMP/two.yaml"
"$MINIDC" topology check "$TMP/two.yaml" >"$TMP/out" 2>&1
is "a file with two documents exits 1" "$?" "1"
ok "the second document with its position" grep -q "two.yaml:$(($(wc -l <"$SRC/examples/fig1.yaml") + 1)):1: error: a second YAML document" "$TMP/out"

done_testing
