#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine: installs every dependency from Debian's
# packages (running `apt-get update` first), then checks the versions the project needs.
# Works as root or through sudo. Usage: scripts/setup.sh [--check-only]
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build git pkg-config python3 python3-numpy
  verilator yosys z3
  # The 4-state replay (ctest icarus.replay, docs/verification.md): Icarus Verilog 11.
  iverilog
  libeigen3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
  clang clang-format libclang-rt-14-dev lcov zlib1g-dev
  # The trained network (SPEC 6b, docs/trained.md): escalate reads the ONNX model through the
  # protobuf classes of libonnx-dev (needs libprotobuf-dev's headers), classifies Fashion-MNIST
  # test images from dataset-fashion-mnist's IDX files, and train/'s integer reference and
  # tests read the ONNX file with python3-onnx.
  libonnx-dev libprotobuf-dev dataset-fashion-mnist python3-onnx
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo; install these packages yourself: ${PKGS[*]}" >&2
    exit 1
  fi
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${1:-}" != "--check-only" ] && [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  missing=()
fi

# Version checks: name, command printing the version, minimum version.
fail=0
need() {  # need NAME MIN ACTUAL
  if [ -z "$3" ]; then
    echo "setup: MISSING $1 (need >= $2)" >&2; fail=1
  elif ! printf '%s\n%s\n' "$2" "$3" | sort -V -C; then
    echo "setup: TOO OLD $1 $3 (need >= $2)" >&2; fail=1
  else
    echo "setup: ok $1 $3"
  fi
}
ver() { "$@" 2>/dev/null | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -1 || true; }
need cmake 3.25 "$(ver cmake --version)"
need g++ 12 "$(ver g++ -dumpfullversion)"
need verilator 5.006 "$(ver verilator --version)"
need yosys 0.23 "$(ver yosys -V)"
need iverilog 11.0 "$(ver iverilog -V)"
need clang-format 14 "$(ver clang-format --version)"
# scripts/gen_interface.py reads rtl/esc_interface.toml with tomllib (Python 3.11+).
need python3 3.11 "$(ver python3 --version)"
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | grep -oE '^[0-9]+:?[0-9.]+' | sed 's/^[0-9]*://' || true; }
need eigen3 3.4 "$(pkgver libeigen3-dev)"
need cli11 2.1 "$(pkgver libcli11-dev)"
need gtest 1.12 "$(pkgver libgtest-dev)"
need benchmark 1.7 "$(pkgver libbenchmark-dev)"
need nlohmann-json 3.10 "$(pkgver nlohmann-json3-dev)"
need onnx 1.12 "$(pkgver libonnx-dev)"
need protobuf 3.21 "$(pkgver libprotobuf-dev)"
if [ $fail -ne 0 ]; then
  echo "setup: some dependencies are missing or too old (see above)." >&2
  exit 1
fi
echo "setup: all dependencies present"
