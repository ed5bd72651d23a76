#!/usr/bin/env bash
# README command 1: set up, build, and run the main job on its built-in default
# (ResNet-18/CIFAR-10 through the RTL, checked bit for bit against the golden model,
# with the performance report), then the trained network (SPEC 6b): `escalate classify` on
# the first 100 Fashion-MNIST test images, every conv layer on the RTL, and the golden
# model's accuracy on all 10,000 (docs/trained.md). Extra arguments go to `escalate run`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
escalate="${BUILD_DIR:-$root/build}/tools/escalate"
"$escalate" run "$@"
# `run --help` / `run --list` only print: no classification after them.
for a in "$@"; do
  case "$a" in -h | --help | --list) exit 0 ;; esac
done
echo
exec "$escalate" classify --images 100 --quiet
