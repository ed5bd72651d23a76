#!/usr/bin/env bash
# README command 1: set up, build, and run the main job on its built-in default
# (ResNet-18/CIFAR-10 through the RTL, checked bit for bit against the golden model,
# with the performance report). Extra arguments go to `escalate run`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
exec "${BUILD_DIR:-$root/build}/tools/escalate" run "$@"
