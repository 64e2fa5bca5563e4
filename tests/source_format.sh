#!/usr/bin/env bash
# Every C file under src/, tests/, bench/ and include/ is laid out as .clang-format
# says (lines of at most 100 columns among others): one check per folder.
# Layouts differ between clang-format versions: the project's is 14
# (Debian 12's); another version skips.
set -u
. "$(dirname "$0")/lib/tap.sh"
src=${MINIDC_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
command -v clang-format >/dev/null || skip_all "needs clang-format (scripts/install-deps)"
v=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "$v" = 14 ] || skip_all "clang-format $v lays out otherwise than 14, the project's"
cd "$src"
for d in $(find src tests bench include -name '*.[ch]' -not -path 'tests/data/*' -printf '%h\n' | sort -u); do
    bad=$(for f in "$d"/*.[ch]; do
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
    done)
    ok "$d: laid out as .clang-format says${bad:+ (not: $(echo $bad); clang-format -i fixes them)}" test -z "$bad"
done
done_testing
