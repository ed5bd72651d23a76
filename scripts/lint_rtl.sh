#!/usr/bin/env bash
# verilator --lint-only -Wall on one RTL module (argument) or on all of them (no argument):
# every rtl/esc_*.sv and rtl/prim/esc_*.sv except the package.
# Waivers live only in lint/verilator_waiver.vlt, each scoped to files and a message.
# ESC_LINT_ARGS adds Verilator arguments, e.g. ESC_LINT_ARGS="-GCoefWidth=4" for one entry of
# the configuration matrix (rtl/esc_configs.json; ctest lint.config.*).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mods=("$@")
shopt -s nullglob
if [ ${#mods[@]} -eq 0 ]; then
  for f in rtl/esc_*.sv rtl/prim/esc_*.sv; do
    case "$f" in *_pkg.sv) continue ;; esac
    mods+=("$(basename "$f" .sv)")
  done
fi
fail=0
for mod in "${mods[@]}"; do
  src=rtl/${mod}.sv
  [ -f "$src" ] || src=rtl/prim/${mod}.sv
  # shellcheck disable=SC2086  # ESC_LINT_ARGS is a list of arguments
  if verilator --lint-only -Wall --assert lint/verilator_waiver.vlt rtl/esc_pkg.sv \
      -Irtl/prim -y rtl -y rtl/prim ${ESC_LINT_ARGS:-} "$src" --top-module "$mod"; then
    echo "lint ok: $mod"
  else
    echo "LINT FAILED: $mod" >&2
    fail=1
  fi
done
exit $fail
