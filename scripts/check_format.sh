#!/usr/bin/env bash
# Fails if any checked-in C++ file differs from .clang-format; --fix rewrites them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cf=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
[ ${#files[@]} -eq 0 ] && { echo "no C++ files"; exit 0; }
if [ "${1:-}" = "--fix" ]; then
  "$cf" -i "${files[@]}"; exit 0
fi
if "$cf" --dry-run --Werror "${files[@]}"; then
  echo "format ok: ${#files[@]} files"
else
  echo "FORMAT CHECK FAILED: run 'cmake --build build --target format' (or scripts/check_format.sh --fix)" >&2
  exit 1
fi
