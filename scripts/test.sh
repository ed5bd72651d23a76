#!/usr/bin/env bash
# README command 2: set up, build, and run every test that is not labelled `slow`.
# Order follows the cheap-gates-first rule: lint/format, then unit, golden, rtl, synth.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$build"
# JUnit XML for a CI dashboard (ctest >= 3.21): build/junit-lint.xml and build/junit.xml.
ctest --output-on-failure -L lint --output-junit "$build/junit-lint.xml"
ctest --output-on-failure -j "${JOBS:-$(nproc)}" -LE "slow|lint" --output-junit "$build/junit.xml"
# Hardening jobs (issue #8): ASan+UBSan build running unit, golden and a short RTL subset, then
# every fuzz target for a bounded time (FUZZ_SECONDS in total, default 60). Each prints its own
# "N passed, M failed" line; the last line below sums up every job of this script.
logs=$(mktemp -d)
"$root/scripts/sanitize.sh" 2>&1 | tee "$logs/sanitize.log"
"$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}" 2>&1 | tee "$logs/fuzz.log"
n_ctest=$(ctest -N -LE slow | grep -oE 'Total Tests: [0-9]+' | grep -oE '[0-9]+$')
n_asan=$(grep -oE '^sanitize: [0-9]+ passed' "$logs/sanitize.log" | grep -oE '[0-9]+')
n_fuzz=$(grep -oE '^fuzz: [0-9]+ passed' "$logs/fuzz.log" | grep -oE '[0-9]+')
rm -rf "$logs"
echo "test.sh: $((n_ctest + n_asan + n_fuzz)) passed, 0 failed" \
  "(ctest $n_ctest, sanitizer ctest $n_asan, fuzz targets $n_fuzz)"
