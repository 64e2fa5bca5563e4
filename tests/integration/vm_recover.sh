#!/usr/bin/env bash
# Faults in the middle of a migration or a clone, in the fig1 lab (issue 11):
# minidcd killed (kill -9) at several phases and restarted with `lab up`,
# also with its state file lost, with the source's agent stopped meanwhile,
# and together with the source's agent (at cleanup, and while the memory
# goes over); the destination's agent, the source's agent and the source's
# QEMU killed while minidcd lives.  After each: the VM runs
# in exactly one place, which `vm list` names (and `vm list` never said
# "running" elsewhere while it was being recovered), it answers (exec, HTTP
# from the Internet host), no agent holds a paused or incoming copy, the
# other server keeps no file, tap or QEMU of it, and the next migration
# works.  Each recovery is timed from the restart.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/vm.sh"
need_vm_tools python3

FIG1=$SRC/examples/fig1.yaml
before=$(machine_footprint)
new_lab L
export L
LD=/run/minidc/labs/$L
STOPPED=() # agents this test stopped (SIGSTOP): let go whatever happens
trap 'for p in "${STOPPED[@]}"; do kill -CONT "$p" 2>/dev/null; done; cleanup_labs' EXIT
ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$FIG1"

listed() { # listed VM: "COUNT STATE@SERVER" of VM in `vm list`
    vm list --json 2>/dev/null | python3 -c "
import json,sys
v=[x for x in json.load(sys.stdin)['vms'] if x['name']=='$1']
print(len(v), ' '.join(x['state']+'@'+x['server'] for x in v))" 2>/dev/null
}
answers() { http "$1" "$2" | grep -q "^name=$3 ${4:+address=$4 }"; } # answers FROM ADDRESS VM [ITS_ADDRESS]
agent_vms() { # agent_vms SERVER: NAME:STATE[:OPERATION] of each VM its agent holds
    ip netns exec "$L" curl -s -m 3 -H "Authorization: Bearer $(cat "$LD/agent.token")" \
        "http://192.0.2.${1#server}:7070/v1/vms" | python3 -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("unreachable"); sys.exit()
print(" ".join(sorted(v["name"]+":"+v["state"]+(":"+v["operation"] if "operation" in v else "") for v in d["vms"])))'
}
leftovers() { # leftovers SERVER VM: files, taps and QEMU processes of VM on SERVER
    local p n=0
    for p in $(ip netns pids "$L-$1" 2>/dev/null); do
        [ "$(cat /proc/$p/comm 2>/dev/null)" = "minidc-vm-$2" ] && n=$((n + 1))
    done
    echo "files=$(ls "$LD/agents/$1/vms/$2" 2>/dev/null | wc -l) taps=$(ip -n "$L-$1" -o link | grep -c " t-$2[@:]") qemu=$n"
}
nothing_of() { [ "$(leftovers "$1" "$2")" = "files=0 taps=0 qemu=0" ]; }
agent_pid() { cat "$LD/agents/$1.pid"; }
other() { [ "$1" = server8 ] && echo server7 || echo server8; }
now() { date +%s.%N; }

# start_op VERB VM BODY: starts an operation through the API; prints its id.
start_op() {
    lab_api "$L" "/api/v1/vms/$2/$1" -X POST -H 'Content-Type: application/json' -d "$3" |
        sed -n 's/.*"operation": *\([0-9]*\).*/\1/p'
}
op_json() { lab_api "$L" "/api/v1/operations/$1" -m 2; }
# wait_phase ID PHASE: until operation ID is in PHASE (fails when it ends
# first, or after 60 s).
wait_phase() {
    local end=$((SECONDS + 60)) o
    while [ $SECONDS -lt $end ]; do
        o=$(op_json "$1")
        grep -q "\"current\": *\"$2\"" <<<"$o" && return 0
        grep -q '"state": *"running"' <<<"$o" || { diag "operation $1 ended before $2: $o"; return 1; }
        sleep 0.01
    done
    return 1
}
wait_op_end() { # wait_op_end ID: until it ended; prints its state
    local o
    for _ in $(seq 600); do
        o=$(op_json "$1")
        grep -q '"state": *"running"' <<<"$o" || { sed -n 's/.*"state": *"\([a-z]*\)".*/\1/p' <<<"$o" | head -1; return; }
        sleep 0.1
    done
    echo timeout
}
# The VM is settled when `vm list` shows it once, running, and no agent of
# the two servers holds a copy of it that is not running.
settled() { # settled VM
    [ "$(listed "$1" | cut -d' ' -f2 | cut -d@ -f1)" = running ] || return 1
    [ "$(listed "$1" | cut -d' ' -f1)" = 1 ] || return 1
    ! { agent_vms server7; agent_vms server8; agent_vms server1; } | tr ' ' '\n' | grep "^$1:" | grep -qv "^$1:running$"
}
# sample_list VM FILE: writes what `vm list` says of VM every 0.1 s into
# FILE until FILE.stop exists.
sample_list() {
    (while [ ! -e "$2.stop" ]; do
        s=$(listed "$1")
        echo "${s:-?}" >>"$2"
        sleep 0.1
    done) &
}
# restart_and_settle CASE VM [--lost-state]: restarts minidcd (lab up
# starts what is missing), waits until VM is settled, and checks that `vm
# list` said "running" only at the place the VM ends up at.
restart_and_settle() {
    local case=$1 name=$2 t0 t1 at bad
    rm -f "$TEST_TMP/samples" "$TEST_TMP/samples.stop"
    t0=$(now)
    ok "$case: lab up restarts what is missing" "$MINIDC" lab up --quiet --name "$L" "$FIG1"
    sample_list "$name" "$TEST_TMP/samples"
    sampler=$!
    ok "$case: $name is settled within 60 s" within 60 settled "$name"
    t1=$(now)
    touch "$TEST_TMP/samples.stop"
    wait $sampler
    at=$(field "$name" server)
    diag "$case: settled on $at $(python3 -c "print('%.2f' % ($t1 - $t0))") s after the restart began;" \
        "vm list said: $(uniq "$TEST_TMP/samples" | tr '\n' ',' | sed 's/,$//')"
    echo "$t0 $t1" >>"$TEST_TMP/recovery-times"
    # While it was recovered, vm list said "recovering", or "running" only
    # where it runs now (never on the other server, never a paused copy).
    bad=$(grep -v "^1 recovering@\|^1 running@$at\$" "$TEST_TMP/samples" | { [ "${3:-}" = --lost-state ] && grep -v "^0 *$" || cat; } | head -1)
    is "$case: vm list never said anything but recovering or running@$at" "$bad" ""
}
# check_vm CASE VM: runs in one place, answers, nothing of it elsewhere.
check_vm() {
    local case=$1 name=$2 at addr s
    at=$(field "$name" server)
    addr=$(field "$name" home_address) # the address clients use (its first, kept across subnets)
    is "$case: $name listed once, running" "$(listed "$name")" "1 running@$at"
    is "$case: the agent of $at holds it running, no one else holds it" \
        "$(for s in server1 server7 server8; do agent_vms $s | tr ' ' '\n' | grep "^$name:" | sed "s/^/$s:/"; done | tr '\n' ' ')" \
        "$at:$name:running "
    ok "$case: $name runs commands" vm exec "$name" -- true
    ok "$case: $name answers HTTP from the Internet host at $addr" answers internet "$addr" "$name"
    for s in server1 server7 server8; do
        [ "$s" = "$at" ] && continue
        is "$case: $s keeps nothing of $name" "$(leftovers "$s" "$name")" "files=0 taps=0 qemu=0"
    done
}
# What minidcd did, from its events since the case began (CASE_T0): each
# recovery's decision, how long it took, and when it ended after minidcd
# started.
recovered() { # recovered VM
    local started
    started=$(stat -c %.3Y "$LD/minidcd.pid")
    lab_api "$L" "/api/v1/events?since=0" -m 1 2>/dev/null | sed -n 's/^data: //p' | python3 -c "
import json,sys
for l in sys.stdin:
    e=json.loads(l)
    if e['type']=='vm.recovered' and e.get('vm')=='$1' and e['time'] >= $CASE_T0:
        r=e.get('result',{})
        print('%s (%s) in %.2f s, done %.2f s after minidcd started' % (r.get('action','?'), r.get('why','?'),
              e.get('seconds',0), e['time'] - $started))"
}
note_recovery() { # note_recovery CASE VM
    local r
    r=$(recovered "$2" | tr '\n' ';')
    diag "$1: minidcd's recovery: ${r:-none recorded}"
    echo "$r" >>"$TEST_TMP/actions"
}
# start CASE VERB PHASE [TO [FIELDS]]: a case begins: VERB (migrate or
# clone) of vm1 from where it is to TO (default: the other of server7 and
# server8; FIELDS: more of the request's body), followed until it is in
# PHASE; sets src, dst and id.
start() {
    CASE_T0=$(now)
    src=$(field vm1 server)
    dst=${4:-$(other "$src")}
    id=$(start_op "$2" vm1 "{\"to\": \"$dst\"${5:+, $5}}")
    ok "$1: $2 vm1 $src -> $dst${5:+ ($5)} reaches the $3 phase" wait_phase "$id" "$3"
}
# kill_both_at_cleanup CASE: with the move in its start phase, the source's
# agent is stopped (its copy cannot go), and once minidcd is at cleanup,
# both are killed.
kill_both_at_cleanup() {
    local sa
    sa=$(agent_pid "$src")
    kill -STOP "$sa" && STOPPED+=("$sa")
    ok "$1: and the cleanup phase (the source's agent stopped: its copy stays)" wait_phase "$id" cleanup
    lab_kill_minidcd "$L"
    kill -9 "$sa"
}
# after_restart CASE [--lost-state]: minidcd restarted, vm1 is settled and
# whole.
after_restart() {
    restart_and_settle "$1" vm1 "${2:-}"
    note_recovery "$1" vm1
    check_vm "$1" vm1
    intact "$1"
}

ok "boot vm1 on server8" vm boot vm1 --on server8 -q
sum=$(vm exec vm1 -- sh -c 'dd if=/dev/urandom of=/data/f bs=1k count=512 2>/dev/null && sync && sha256sum /data/f' | cut -d' ' -f1)
ok "a file of random bytes is written in the guest" test ${#sum} = 64
intact() { is "$1: vm1's file is intact" "$(vm exec vm1 -- sha256sum /data/f | cut -d' ' -f1)" "$sum"; }

# --- A. minidcd killed while the memory goes over ---
start A migrate migrate
lab_kill_minidcd "$L"
after_restart A

# --- B. minidcd killed while the destination starts its copy ---
start B migrate start
lab_kill_minidcd "$L"
after_restart B

# --- C. minidcd killed at cleanup, and the source's agent with it: the
# destination runs, the source's paused copy is left to remove ---
start C migrate start
kill_both_at_cleanup C
after_restart C
is "C: the destination's copy was kept" "$(field vm1 server)" "$dst"

# --- D. a clone, minidcd killed while it copies ---
start D clone copy "" '"as": "vm2"'
lab_kill_minidcd "$L"
after_restart D
is "D: the half-made clone is gone from vm list" "$(listed vm2)" "0 "
is "D: and from $dst" "$(leftovers "$dst" vm2)" "files=0 taps=0 qemu=0"

# --- E. a clone, minidcd killed while the clone starts ---
start E clone start "" '"as": "vm2"'
lab_kill_minidcd "$L"
after_restart E
if [ "$(listed vm2 | cut -d' ' -f1)" = 0 ]; then
    diag "E: the clone had not started: removed"
    is "E: nothing of vm2 on $dst" "$(leftovers "$dst" vm2)" "files=0 taps=0 qemu=0"
else
    diag "E: the clone had started: kept"
    ok "E: the kept clone settles" within 30 settled vm2
    check_vm E vm2
    ok "E: stop the kept clone" vm stop vm2 --force -q
fi

# --- F. minidcd killed while the memory goes over, its state file lost:
# the agents' copies alone tell what to do ---
start F migrate migrate
lab_kill_minidcd "$L"
rm -f "$LD/minidcd.state.json"
after_restart F --lost-state

# --- G. minidcd killed, the source's agent stopped: until it answers
# nothing can be decided, and vm list says so ---
start G migrate migrate
sa=$(agent_pid "$src")
kill -STOP "$sa" && STOPPED+=("$sa")
lab_kill_minidcd "$L"
ok "G: lab up restarts minidcd" "$MINIDC" lab up --quiet --name "$L" "$FIG1"
sleep 6
is "G: with the source's agent silent, vm list says recovering" "$(listed vm1 | cut -d' ' -f1-2 | sed 's/@.*//')" "1 recovering"
ok "G: and names the cause" bash -c "'$MINIDC' vm list --lab $L --json | grep -q '\"recovery\": .*$src'"
kill -CONT "$sa"
after_restart G

# --- H. across subnets: minidcd and the source's agent killed at cleanup;
# the recovery puts the rewrite in, clients keep the home address ---
start H migrate start server1
kill_both_at_cleanup H
after_restart H
is "H: vm1 is on server1 with an address of net1, home address kept" "$(field vm1 server) $(field vm1 current_address) $(field vm1 home_address)" \
    "server1 198.51.100.3/24 198.18.4.1"
ok "H: the Internet host reaches it at its home address" within 10 answers internet 198.18.4.1 vm1 198.51.100.3
ok "H: a later migration home works" vm migrate vm1 --to server8 -q
check_vm "H, home" vm1

# --- I. the destination's agent killed while the memory goes over
# (minidcd lives): the source runs on within seconds ---
start I migrate migrate
t0=$(now)
kill -9 "$(agent_pid "$dst")"
is "I: the migration fails" "$(wait_op_end "$id")" "failed"
ok "I: vm1 is settled on $src" within 30 settled vm1
diag "I: vm1 ran again on $src $(python3 -c "print('%.2f' % ($(now) - $t0))") s after the agent's kill; $(op_json "$id" | sed -n 's/.*"error": *"\([^"]*\)".*/\1/p')"
is "I: on $src" "$(field vm1 server)" "$src"
ok "I: lab up restarts the agent" "$MINIDC" lab up --quiet --name "$L" "$FIG1"
ok "I: the new agent keeps nothing of the cut arrival" within 10 nothing_of "$dst" vm1
check_vm I vm1
intact I

# --- J. the source's agent killed while the memory goes over (minidcd
# lives): until it is back no one can tell whether the source is paused ---
start J migrate migrate
kill -9 "$(agent_pid "$src")"
is "J: the migration fails" "$(wait_op_end "$id")" "failed"
is "J: vm list says recovering while the source's agent is down" "$(listed vm1 | cut -d' ' -f1-2 | sed 's/@.*//')" "1 recovering"
after_restart J

# --- K. minidcd and the source's agent killed while the memory goes over:
# the source's QEMU goes on alone to the switch-over and stops there, the
# guest paused, waiting for an agent that is gone; the new agent puts it
# back running, and minidcd removes the arrival ---
start K migrate migrate
lab_kill_minidcd "$L"
kill -9 "$(agent_pid "$src")"
sleep 3
after_restart K
ok "K: the new agent of $src put back the send it found cut short" grep -q "send cut short" "$LD/agents/$src.log"

# --- after all that: ordinary moves work, and nothing is left ---
src=$(field vm1 server) dst=$(other "$src")
ok "a migration $src -> $dst works" vm migrate vm1 --to "$dst" -q
ok "and a clone back" vm clone vm1 --to "$src" --as vm3 -q
check_vm "after" vm1
check_vm "after" vm3
ok "both decisions were taken over the cases (finish and undo)" \
    bash -c "grep -q finish '$TEST_TMP/actions' && grep -q undo '$TEST_TMP/actions'"
diag "recoveries, from the restart's start to settled: $(python3 -c "
import sys
t=[float(b)-float(a) for a,b in (l.split() for l in open('$TEST_TMP/recovery-times'))]
t.sort()
print('%d, median %.2f s, %.2f-%.2f s' % (len(t), t[len(t)//2], t[0], t[-1]))")"

# --- L. the source's QEMU killed while its memory goes over (minidcd
# lives): the move fails, and vm list says the VM crashed ---
start L migrate migrate
kill -9 "$(cat "$LD/agents/$src/vms/vm1/qemu.pid")"
is "L: the migration fails" "$(wait_op_end "$id")" "failed"
diag "L: $(op_json "$id" | sed -n 's/.*"error": *"\([^"]*\)".*/\1/p')"
is "L: vm list says vm1 crashed, on $src" "$(listed vm1)" "1 crashed@$src"
is "L: $dst keeps nothing of vm1" "$(leftovers "$dst" vm1)" "files=0 taps=0 qemu=0"
ok "stop vm1" vm stop vm1 --force -q
is "L: nor does $src, once stopped" "$(leftovers "$src" vm1)" "files=0 taps=0 qemu=0"
ok "stop vm3" vm stop vm3 --force -q
is "no VM listed" "$(vm list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["vms"]))')" "0"
for s in server1 server7 server8; do
    is "$s holds no VM" "$(agent_vms $s)" ""
done
ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
is "no QEMU of this lab left running" "$(ps -eo stat=,args= | awk '$1 !~ /^Z/' | grep -c "[q]emu-system.*minidc-vm.*/labs/$L/")" "0"
done_testing
