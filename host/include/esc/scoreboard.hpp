// The one bit-exact comparison of RTL results against the golden model (tests, escalate, fuzz):
// the FIRST mismatch with its coordinates (layer, pass, hardware tile/lane, n, row, column),
// values and seed, and how many outputs differ. y and acc are always both checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "esc/accel.hpp"
#include "esc/layer.hpp"

namespace esc {

struct Mismatch {
  std::string what;  // "y" or "acc"
  int n = 0, row = 0, col = 0;
  int64_t expected = 0, got = 0;
  std::string report;  // full human-readable message
  int64_t count = 0;   // outputs that differ in all
};

class Scoreboard {
 public:
  Scoreboard(std::string layer_name, uint64_t seed) : name_(std::move(layer_name)), seed_(seed) {}
  // Compares y, then acc (raw int32 accumulator before bias). `caps` locates the pass and the
  // hardware tile of the mismatch. Returns the first mismatch (raster order n, row, col).
  std::optional<Mismatch> compare(const IntLayer& layer, const IntResult& golden,
                                  const AccelResult& rtl, const HwCaps& caps, int max_dim) const;

 private:
  std::string name_;
  uint64_t seed_;
};

// One-line description of a layer configuration, used in every failure message.
std::string describe(const LayerConfig& cfg);

}  // namespace esc
