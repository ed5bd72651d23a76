// Integer layer description and the bit-exact reference of the decomposed convolution.
// The arithmetic is specified in docs/semantics.md; this file and layer.cpp implement it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "esc/hw_interface.hpp"
#include "esc/tensor.hpp"

namespace esc {

struct LayerConfig {
  int C = 1, N = 1, H = 1, W = 1;
  int K = 3, stride = 1;
  int pad_t = 1, pad_b = 1, pad_l = 1, pad_r = 1;
  int M = 5;
  int zshift = 0;  // 0..31
  int coef_w = 8;  // 8 or 4 (4: every coefficient in [-8, 7])
  bool relu = false;
  bool basis_per_channel = false;
  int Ho() const;  // (H + pad_t + pad_b - K) / stride + 1
  int Wo() const;  // (W + pad_l + pad_r - K) / stride + 1
  int CB() const { return basis_per_channel ? C : 1; }
};

// Per output channel requantisation; every vector has size N, shift in 0..63.
struct Requant {
  std::vector<int32_t> bias;
  std::vector<uint16_t> mult;
  std::vector<uint8_t> shift;
};

struct IntLayer {
  LayerConfig cfg;
  ActT x;
  BasisT basis;
  CoefT coef;
  Requant rq;
};

struct IntResult {
  OutT y;
  AccT acc;
  bool overflow = false;
  std::string overflow_at;  // first overflow, e.g. "acc[n=3][y=0][x=5] after c=17 m=2"
};

// Width of the saturated intermediate Zq (SPEC section 3, MID_W).
constexpr int kMidW = static_cast<int>(hw::MidW);

// Round-half-up arithmetic right shift: (v + 2^(k-1)) >> k for k > 0, v for k = 0.
int64_t rshift(int64_t v, int k);
// Clamp to the signed `bits`-bit range.
int64_t sat_signed(int64_t v, int bits);

// "" if the layer is consistent, else one message naming the field and the fix.
std::string validate(const IntLayer& layer);

// Bit-exact reference (docs/semantics.md). Throws std::invalid_argument if validate() fails.
IntResult run_int(const IntLayer& layer);

// Zq[c][m][y][x] of one input channel c: the quantised basis-stage output (M, Ho, Wo).
Tensor<int32_t, 3> basis_stage(const IntLayer& layer, int c);

// Requantisation of one accumulator value for output channel n (docs/semantics.md).
int8_t requant(int32_t acc, int32_t bias, uint16_t mult, uint8_t shift, bool relu);

// Seeded synthetic layer (deterministic for a given seed on every platform).
IntLayer make_random_layer(const LayerConfig& cfg, double density, uint64_t seed);

// Same layer restricted to output channels [n0, n1) and output rows [r0, r1); the input rows
// are sliced and the pads adjusted so that the results are identical. With an input-channel
// range [c0, c1) (c1 = -1: C) the slice's acc is the partial sum over those channels: the
// wrapped sum of the partial accs of a split of [0, C) equals the layer's acc, and its y is
// requant(acc) of that sum (its own y is not the layer's).
IntLayer slice_layer(const IntLayer& layer, int n0, int n1, int r0, int r1, int c0 = 0,
                     int c1 = -1);

// Portable deterministic PRNG (splitmix64), so seeds replay identically everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t next();
  // Uniform integer in [lo, hi] (inclusive), unbiased.
  int64_t uniform(int64_t lo, int64_t hi);
  // Uniform double in [0, 1).
  double uniform01();

 private:
  uint64_t s_;
};

}  // namespace esc
