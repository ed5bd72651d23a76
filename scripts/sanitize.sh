#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer job: configures build-asan (-DESC_SANITIZE=ON;
# the host driver, the golden model, the CLI and the tests are instrumented, the C++ Verilator
# generates from the RTL is not),
# builds the test executables, and runs the unit and golden tests plus a short RTL subset.
# Any sanitizer report aborts the test that triggered it, so "0 failed" means zero reports.
# Env: ASAN_BUILD_DIR (default build-asan), JOBS (default nproc),
#      SANITIZE_RTL_REGEX (ctest -R filter of the RTL subset; '' skips it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ASAN_BUILD_DIR:-$root/build-asan}
jobs=${JOBS:-$(nproc)}
rtl_regex=${SANITIZE_RTL_REGEX-TopDirected\.|Reliability|cli\.|Cli|hardening\.stress\.short}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

t0=$(date +%s)
mkdir -p "$build"
gen=()
command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ] && gen=(-G Ninja)
# -O1, the level the AddressSanitizer documentation suggests: it compiles faster than -O3 and
# keeps stack traces usable. The Verilated models are built without instrumentation
# (cmake/verilated.cmake).
cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DESC_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }

# Every executable except the ones the selected tests never run: the --x-unique model, the
# long random regression, the 4-state replay's recorder (its own Verilator build), benchmarks
# and the libFuzzer mains (they run in their own jobs), and the block-level RTL tests (the RTL
# subset below is top-level only, so building them cost 48 build steps for no test).
skip='_xu$|xunique|esc_tb_random|esc_tb_small|bench|^fuzz_|^synth|coverage'
skip+='|^esc_tb_(bcu|cau|postproc|window_gen|prim_[a-z_]+)$'
targets=()
while read -r t; do targets+=("$t"); done < <(
  cmake --build "$build" --target help 2>/dev/null | sed -nE 's/^(\.\.\. )?([A-Za-z0-9_]+)(: (phony|EXECUTABLE|CUSTOM_COMMAND).*)?$/\2/p' |
  grep -E '(_tests?|^esc_tb_[a-z]+|^escalate|_dump)$' | grep -vE "$skip" | sort -u)
echo "sanitize: building ${targets[*]}"
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
t1=$(date +%s)
echo "sanitize: build took $((t1 - t0)) s"

cd "$build"
# Tests whose executable was not built here show up as *_NOT_BUILT: excluded.
status=0
rm -f "$build"/ctest-*.log
ctest --output-on-failure -j "$jobs" -L "unit|golden" -LE "slow|lint" -E "NOT_BUILT" \
  | tee "$build/ctest-unit.log" || status=1
if [ -n "$rtl_regex" ]; then
  ctest --output-on-failure -j "$jobs" -L rtl -LE slow -R "$rtl_regex" -E "NOT_BUILT" \
    | tee "$build/ctest-rtl.log" || status=1
fi
t2=$(date +%s)
count() { grep -oE "[0-9]+ tests? failed out of [0-9]+" "$1" 2>/dev/null || echo "0 tests failed out of 0"; }
u=$(count "$build/ctest-unit.log"); r=$(count "$build/ctest-rtl.log")
total=$(( $(awk '{print $NF}' <<<"$u") + $(awk '{print $NF}' <<<"$r") ))
failed=$(( $(awk '{print $1}' <<<"$u") + $(awk '{print $1}' <<<"$r") ))
reports=$(cat "$build"/ctest-*.log 2>/dev/null |
          grep -cE '^==[0-9]+==ERROR: (Address|Leak)Sanitizer|runtime error:' || true)
echo "sanitize: $((total - failed)) passed, $failed failed, $reports sanitizer reports" \
     "(build $((t1 - t0)) s, tests $((t2 - t1)) s)"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$reports" -eq 0 ]
