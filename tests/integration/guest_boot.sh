#!/usr/bin/env bash
# The guest image (guest/build): a VM boots under QEMU (TCG) from its own
# copy-on-write overlay over the shared base image, on a tap in server8's
# bridge, takes its address from the kernel command line, answers HTTP from
# the Internet host through minidcd's routes, and runs commands through
# qemu-guest-agent; what it writes lands in its overlay, never in the base.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lab.sh"
need_lab_tools
for p in qemu-system-x86_64 qemu-img qemu-ga curl; do command -v $p >/dev/null || skip_all "needs $p"; done

G=$(dirname "$MINIDC")/guest
ok "the guest image builds (or is up to date)" bash -c "'$SRC/guest/build' '$G' >'$TEST_TMP/build.log' 2>&1"
ok "kernel, initramfs and base image are there" test -s "$G/vmlinuz" -a -s "$G/initrd.img" -a -s "$G/base.qcow2"
ok "a second build is a no-op (cached)" bash -c "'$SRC/guest/build' '$G' | grep -q 'up to date'"

before=$(machine_footprint)
base_sum=$(sha256sum "$G/base.qcow2" | cut -d' ' -f1)
new_lab L
ok "lab up" "$MINIDC" lab up --quiet --name "$L" "$SRC/examples/fig1.yaml"
ip -n "$L-server8" tuntap add vm1t mode tap
ip -n "$L-server8" link set vm1t master br0 up
qemu-img create -q -f qcow2 -b "$G/base.qcow2" -F qcow2 "$TEST_TMP/vm1.qcow2"
vm_stop() { # stop QEMU and wait until it is gone
    local pid
    [ -f "$TEST_TMP/vm1.pid" ] || return 0
    pid=$(cat "$TEST_TMP/vm1.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid")" != Z ] || break; sleep 0.1; done
    rm -f "$TEST_TMP/vm1.pid"
}
trap 'vm_stop; cleanup_labs' EXIT
ip netns exec "$L-server8" qemu-system-x86_64 -accel tcg -machine q35 -nodefaults -m 128 \
    -kernel "$G/vmlinuz" -initrd "$G/initrd.img" \
    -append "console=ttyS0 minidc.name=vm1 minidc.ip=198.18.4.50/24 minidc.gw=198.18.4.254" \
    -drive "file=$TEST_TMP/vm1.qcow2,if=virtio,format=qcow2" \
    -netdev tap,id=n0,ifname=vm1t,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=02:6d:00:00:00:50 \
    -chardev "socket,path=$TEST_TMP/qga.sock,server=on,wait=off,id=qga" -device virtio-serial \
    -device virtserialport,chardev=qga,name=org.qemu.guest_agent.0 \
    -serial "file:$TEST_TMP/console.log" -display none -daemonize -pidfile "$TEST_TMP/vm1.pid"
ok "QEMU started" test -s "$TEST_TMP/vm1.pid"
t0=$(date +%s.%N)
body=""
for _ in $(seq 120); do
    body=$(ip netns exec "$L-internet" curl -s -m 1 http://198.18.4.50/) && break
    sleep 0.5
done
diag "first HTTP answer $(echo "$(date +%s.%N) - $t0" | bc) s after QEMU started: $body"
ok "the VM answers HTTP from the Internet host, with its name and address" grep -q "^name=vm1 address=198.18.4.50 requests=" <<<"$body"
second=$(ip netns exec "$L-internet" curl -s -m 2 http://198.18.4.50/)
ok "its request counter counts" grep -q "requests=2" <<<"$second"
# A connection that never sends its request (a clone starts with copies of
# its source's open connections, whose clients went on with the source)
# holds up only itself, and is closed without an answer.
ip netns exec "$L-internet" python3 - "$TEST_TMP/idle" <<'PY' &
import socket, sys
s = socket.create_connection(("198.18.4.50", 80), timeout=5)
open(sys.argv[1] + ".up", "w").close()
s.settimeout(20)
try:
    got = s.recv(100)
    print("closed" if got == b"" else "answered", file=open(sys.argv[1], "w"))
except OSError as e:
    print("error %s" % e, file=open(sys.argv[1], "w"))
PY
IDLE=$!
for _ in $(seq 50); do [ -e "$TEST_TMP/idle.up" ] && break; sleep 0.1; done
third=$(ip netns exec "$L-internet" curl -s -m 2 http://198.18.4.50/)
ok "it answers while another connection sits idle" grep -q "requests=3" <<<"$third"
wait $IDLE
is "and closes the idle one without an answer" "$(cat "$TEST_TMP/idle" 2>/dev/null)" closed

qga() { # qga JSON...: one command per line to the guest agent, prints the answers
    python3 - "$TEST_TMP/qga.sock" "$@" <<'PY'
import json, socket, sys, time, base64
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
f = s.makefile("rb")
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b"\n")
    print(f.readline().decode().strip())
PY
}
ok "qemu-guest-agent answers" bash -c "$(declare -f qga); TEST_TMP='$TEST_TMP'; qga '{\"execute\":\"guest-sync\",\"arguments\":{\"id\":7}}' | grep -q '\"return\": 7'"
pid=$(qga '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","echo minidc >/data/f && sync && sha256sum /data/f"],"capture-output":true}}' |
    python3 -c "import json,sys; print(json.load(sys.stdin)['return']['pid'])")
sleep 1
out=$(qga "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" |
    python3 -c "import json,sys,base64; r=json.load(sys.stdin)['return']; print(r['exitcode'], base64.b64decode(r.get('out-data','')).decode().split()[0])")
is "a command in the guest writes a file and reports its checksum" "$out" "0 $(echo minidc | sha256sum | cut -d' ' -f1)"
vm_stop
sleep 0.5
is "the shared base image is untouched" "$(sha256sum "$G/base.qcow2" | cut -d' ' -f1)" "$base_sum"
ok "the write went to the VM's overlay" bash -c "qemu-img info '$TEST_TMP/vm1.qcow2' | grep -q 'backing file: $G/base.qcow2'"

ok "lab down" bash -c "'$MINIDC' lab down '$L' 2>/dev/null"
is "nothing left behind" "$(machine_footprint | tr '\n' ' ')" "$(echo "$before" | tr '\n' ' ')"
is "no QEMU left running" "$(pgrep -fc "qemu-system-x86_64 .*$TEST_TMP")" "0"
done_testing
