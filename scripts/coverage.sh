#!/usr/bin/env bash
# Coverage build of the verification harness: Verilator line + toggle + user (cover property)
# coverage, one .dat per test, merged with verilator_coverage, HTML report via lcov's genhtml.
#
#   scripts/coverage.sh [build-dir]      (default: build-cov)
#
# Outputs: <build>/coverage/merged.dat, merged.info, html/index.html, annotated/ (source
# annotated with hit counts) and a summary line "rtl line coverage: NN.N%".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-cov}
jobs=${ESC_JOBS:-2}
cmake -S "$root" -B "$build" -G Ninja -DESC_COVERAGE=ON >/dev/null
# Only the harness targets (each verilate() is rebuilt with --coverage).
cmake --build "$build" -j "$jobs" --target esc_tb_top esc_tb_random esc_tb_window_gen esc_tb_bcu esc_tb_postproc esc_tb_cau
cov="$build/coverage"
rm -f "$cov"/*.dat "$cov"/merged.*
export ESC_TRACE=0
for t in esc_tb_top esc_tb_random esc_tb_window_gen esc_tb_bcu esc_tb_postproc esc_tb_cau; do
  echo "== $t"
  "$build/tb/$t" --gtest_brief=1 || echo "WARNING: $t had failures (coverage still merged)"
done
shopt -s nullglob
dats=("$cov"/*.dat)
echo "merging ${#dats[@]} coverage files"
verilator_coverage --write "$cov/merged.dat" "${dats[@]}"
verilator_coverage --write-info "$cov/merged.info" "$cov/merged.dat"
rm -rf "$cov/annotated"
verilator_coverage --annotate "$cov/annotated" --annotate-min 1 "$cov/merged.dat" >/dev/null
# Keep only rtl/ sources in the report.
lcov --quiet --extract "$cov/merged.info" "*/rtl/*" -o "$cov/rtl.info" 2>/dev/null || cp "$cov/merged.info" "$cov/rtl.info"
genhtml --quiet "$cov/rtl.info" -o "$cov/html" >/dev/null 2>&1 || genhtml "$cov/rtl.info" -o "$cov/html"
lcov --summary "$cov/rtl.info" 2>&1 | tee "$cov/summary.txt"
pct=$(grep -m1 "lines" "$cov/summary.txt" | sed -E 's/.*: *([0-9.]+)%.*/\1/')
echo "rtl line coverage: ${pct}%  (html: $cov/html/index.html)"
