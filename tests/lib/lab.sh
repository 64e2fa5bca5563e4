# Helpers for tests that build labs (sourced after tap.sh).
# Every lab a test makes is named t<pid><n> and removed on exit, even on failure.
MINIDC=${MINIDC:-minidc}
SRC=${MINIDC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_LABS=()
TEST_TMP=$(mktemp -d)

need_lab_tools() {
    [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
    local p
    for p in ip ovsdb-server ovs-vswitchd ovs-vsctl ping; do
        command -v "$p" >/dev/null || skip_all "needs $p"
    done
}

# new_lab VAR: sets VAR to a lab name unique to this run (at most 10
# characters) and registers it for removal on exit.  A test killed before
# its trap runs (CTest's timeout kills with SIGKILL) leaves its name in
# TEST_OWNERS with its PID: tests/run removes such labs after CTest.
TEST_OWNERS=${MINIDC_RUN_DIR:-/run/minidc}/test-labs
new_lab() {
    local name="t$(($$ % 100000))x${#TEST_LABS[@]}"
    TEST_LABS+=("$name")
    mkdir -p "$TEST_OWNERS" && echo $$ >"$TEST_OWNERS/$name"
    printf -v "$1" '%s' "$name"
}

cleanup_labs() {
    local l
    for l in "${TEST_LABS[@]}"; do
        "$MINIDC" lab down "$l" >/dev/null 2>&1
        rm -f "$TEST_OWNERS/$l"
    done
    rm -rf "$TEST_TMP"
}
trap cleanup_labs EXIT

# What a lab leaves on the machine, counted: namespaces, interfaces in the root
# namespace, live Open vSwitch daemons, lab state, /etc/netns entries.
machine_footprint() {
    echo "netns=$(ip netns list | wc -l)"
    echo "links=$(ip -o link | wc -l)"
    echo "ovs=$(ps -eo stat=,comm= | awk '$1 !~ /^Z/ && ($2 == "ovs-vswitchd" || $2 == "ovsdb-server")' | wc -l)"
    echo "labs=$(ls /run/minidc/labs 2>/dev/null | wc -l)"
    echo "etc=$(ls /etc/netns 2>/dev/null | wc -l)"
    # minidc's CPU groups in any cgroup hierarchy (v1's controllers and v2;
    # the machine's other groups come and go with other work), and mounts.
    echo "cgroups=$(find /sys/fs/cgroup -path '*minidc*' -type d 2>/dev/null | wc -l)"
    echo "mounts=$(wc -l </proc/self/mounts)"
    echo "qdiscs=$(tc qdisc show 2>/dev/null | wc -l)"
}

# lab_api LAB PATH [CURL_ARGS...]: asks minidcd's API in lab LAB (at fig1's
# controller.api address) with the lab's API token.  Inside `bash -c` strings:
# "$(declare -f lab_api); lab_api ...".
lab_api() {
    local lab=$1 path=$2
    shift 2
    ip netns exec "$lab" curl -s -m 5 -H "Authorization: Bearer $(cat "/run/minidc/labs/$lab/api.token")" "$@" \
        "http://192.0.2.254:8080$path"
}

# lab_kill_minidcd LAB: kill -9 of the lab's minidcd, waiting until it is
# gone (or a zombie): `lab up` right after would still see it alive and
# start nothing.
lab_kill_minidcd() {
    local p st
    p=$(cat "/run/minidc/labs/$1/minidcd.pid")
    kill -9 "$p"
    for _ in $(seq 100); do
        st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
        [ -z "$st" ] || [ "$st" = Z ] && return 0
        sleep 0.02
    done
}

lab_vsctl() { # lab_vsctl LAB ARGS...
    local lab=$1
    shift
    ovs-vsctl --db="unix:/run/minidc/labs/$lab/ovs/db.sock" "$@"
}
