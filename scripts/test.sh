#!/usr/bin/env bash
# README command 2: set up, build, and run every test that is not labelled `slow`.
# Order follows the cheap-gates-first rule: lint/format, then unit, golden, rtl, synth.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -L lint
ctest --output-on-failure -j "${JOBS:-$(nproc)}" -LE "slow|lint"
