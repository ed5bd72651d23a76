#!/usr/bin/env bash
# verilator --lint-only -Wall on one RTL module (argument) or on all of them (no argument).
# Waivers live only in lint/verilator_waiver.vlt, each scoped to a file and a message.
# ESC_LINT_ARGS adds Verilator arguments, e.g. ESC_LINT_ARGS="-GCoefWidth=4" for one entry of
# the configuration matrix (rtl/esc_configs.json; ctest lint.config.*).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mods=("$@")
if [ ${#mods[@]} -eq 0 ]; then
  for f in rtl/esc_*.sv; do
    case "$f" in *_pkg.sv) continue ;; esac
    mods+=("$(basename "$f" .sv)")
  done
fi
fail=0
for mod in "${mods[@]}"; do
  # shellcheck disable=SC2086  # ESC_LINT_ARGS is a list of arguments
  if verilator --lint-only -Wall --assert lint/verilator_waiver.vlt rtl/esc_pkg.sv \
      -Irtl -y rtl ${ESC_LINT_ARGS:-} "rtl/${mod}.sv" --top-module "$mod"; then
    echo "lint ok: $mod"
  else
    echo "LINT FAILED: $mod" >&2
    fail=1
  fi
done
exit $fail
