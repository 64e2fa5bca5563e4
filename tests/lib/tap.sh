# TAP output for the integration scripts (sourced).
#   ok DESC CMD...      passes when CMD succeeds (ok and is return 1 on failure: `ok ... || diag ...`)
#   within S CMD...     runs CMD every 0.1 s until it succeeds, for up to S seconds (for ok)
#   is DESC GOT WANT    passes when the two strings are equal
#   skip_all REASON     the whole script is skipped (exit 77, which CTest counts as skipped)
#   done_testing        prints the plan and exits 0 only if every check passed
TAP_N=0
TAP_FAILED=0

ok() {
    local desc=$1
    shift
    TAP_N=$((TAP_N + 1))
    if "$@"; then
        echo "ok $TAP_N - $desc"
    else
        echo "not ok $TAP_N - $desc"
        TAP_FAILED=$((TAP_FAILED + 1))
        return 1
    fi
}

is() {
    TAP_N=$((TAP_N + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $TAP_N - $1"
    else
        echo "not ok $TAP_N - $1"
        echo "#   got:  '$2'"
        echo "#   want: '$3'"
        TAP_FAILED=$((TAP_FAILED + 1))
        return 1
    fi
}

diag() { echo "# $*"; }

within() {
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}

skip_all() {
    echo "1..0 # SKIP $1"
    exit 77
}

done_testing() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
    exit $?
}
