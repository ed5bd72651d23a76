#!/usr/bin/env bash
# Build the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) into build-fuzz and
# run each for a bounded time. Usage: scripts/fuzz.sh [TOTAL_SECONDS] [TARGET...]
#   TOTAL_SECONDS  budget split evenly over the targets (default 60)
#   TARGET         npy coef layer model (default: every target the build has)
# Env: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (parallel fuzzers, default 1),
#      JOBS (build parallelism, default nproc).
# New inputs go to $FUZZ_BUILD_DIR/corpus/<target> (not checked in); a crash is saved under
# $FUZZ_BUILD_DIR/crashes/<target>/ and fails the script -- check it into
# fuzz/regressions/<target>/ so esc_fuzz_replay_tests replays it in every build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
total=${1:-60}
shift || true
cxx=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$cxx" ] || { echo "fuzz: clang++ not found (scripts/setup.sh installs clang)" >&2; exit 1; }


# A compiler change makes CMake drop the cache together with our -D options: start clean.
if [ -f "$build/CMakeCache.txt" ] &&
   ! grep -qx "CMAKE_CXX_COMPILER:[A-Z]*=$cxx" "$build/CMakeCache.txt"; then
  rm -f "$build/CMakeCache.txt"
fi
mkdir -p "$build"
gen=()
command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ] && gen=(-G Ninja)
t0=$(date +%s)
cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESC_FUZZ=ON -DESC_SANITIZE=ON >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
grep -qx 'ESC_FUZZ:BOOL=ON' "$build/CMakeCache.txt" ||
  { echo "fuzz: $build is not configured with ESC_FUZZ=ON; remove it and retry" >&2; exit 1; }
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target fuzzers
t1=$(date +%s)
echo "fuzz: build took $((t1 - t0)) s"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for t in npy coef layer model; do [ -x "$build/fuzz/fuzz_$t" ] && targets+=("$t"); done
fi
per=$(( total / ${#targets[@]} ))
[ "$per" -ge 1 ] || per=1

run_one() {  # run_one TARGET -> writes $build/fuzz-logs/TARGET.log, returns the fuzzer's status
  local t=$1 work="$build/corpus/$1" crash="$build/crashes/$1"
  mkdir -p "$work" "$crash" "$build/fuzz-logs"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$build/fuzz/fuzz_$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -print_final_stats=1 -artifact_prefix="$crash/" "$work" "$root/fuzz/corpus/$t" \
      >"$build/fuzz-logs/$t.log" 2>&1
}

pass=0 fail=0 execs_all=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge "${FUZZ_JOBS:-1}" ]; then wait "${pids[0]}" || true; pids=("${pids[@]:1}"); fi
done
wait || true

printf '%-8s %8s %12s %10s %s\n' target seconds executions exec/s result
for t in "${targets[@]}"; do
  log="$build/fuzz-logs/$t.log"
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  crashes=$(find "$build/crashes/$t" -type f | wc -l)
  if grep -qE '^==[0-9]+==ERROR|runtime error|SUMMARY: |deadly signal|Test unit written' "$log" ||
     [ "$crashes" -gt 0 ]; then
    res="FAILED (see $log; inputs in $build/crashes/$t)"
    fail=$((fail + 1))
    grep -E 'ERROR|runtime error|what\(\)|SUMMARY|Test unit written' "$log" | head -8 >&2
  else
    res=ok
    pass=$((pass + 1))
  fi
  execs_all=$((execs_all + execs))
  printf '%-8s %8s %12s %10s %s\n' "$t" "$per" "$execs" "$rate" "$res"
done
echo "fuzz: $pass passed, $fail failed ($execs_all executions in $(( $(date +%s) - t1 )) s)"
[ "$fail" -eq 0 ]
