#!/usr/bin/env bash
# Configure and build the project into ${BUILD_DIR:-build} (Release, -j${JOBS:-nproc}).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
gen=()
command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ] && gen=(-G Ninja)
cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j "${JOBS:-$(nproc)}"
