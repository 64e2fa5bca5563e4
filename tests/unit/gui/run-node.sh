#!/usr/bin/env bash
# The GUI's JavaScript unit tests (node:test, TAP); skipped without Node.
command -v node >/dev/null || { echo "1..0 # SKIP needs node (Debian's nodejs)"; exit 77; }
cd "$(dirname "$0")" && exec node --test --test-reporter=tap test_*.mjs
