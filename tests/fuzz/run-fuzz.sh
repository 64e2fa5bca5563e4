#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time, seeded with the OpenFlow corpus
# (hex lines in tests/data/ofp/*.hex) or with the files of SEED_DIR, with the
# dictionary tests/fuzz/NAME.dict when the target NAME has one; prints TAP.
# Longer runs by hand: tests/fuzz/run-fuzz.sh BIN 3600 [SEED_DIR]
#   run-fuzz.sh FUZZER_BINARY SECONDS [SEED_DIR]
set -u
bin=$1
secs=${2:-60}
seeds=${3:-}
what=$(basename "$bin")
src=${MINIDC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/corpus"
if [ -n "$seeds" ]; then
    cp "$seeds"/* "$dir/corpus/"
else
    for f in "$src"/tests/data/ofp/*.hex; do
        grep -v '^#' "$f" | while read -r _ hex; do
            echo -n "$hex" | xxd -r -p >"$dir/corpus/$(basename "$f" .hex)-$RANDOM$RANDOM"
        done
    done
fi
opts=()
[ -f "$src/tests/fuzz/$what.dict" ] && opts=(-dict="$src/tests/fuzz/$what.dict")
"$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 "${opts[@]}" \
    -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
echo "# ${runs:-0} inputs in ${secs} s"
if [ $rc -eq 0 ]; then
    echo "ok 1 - $what for ${secs} s: no crash, leak or sanitizer report"
else
    echo "not ok 1 - $what found a problem"
    grep -E "ERROR|SUMMARY|runtime error|broken promise|==[0-9]+==" "$dir/log" | head -20 | sed 's/^/#   /'
    for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-*; do
        [ -f "$a" ] && echo "#   input: $(xxd -p "$a" | tr -d '\n')"
    done
fi
echo "1..1"
exit $rc
