#include "esc/workload.hpp"

#include <algorithm>
#include <cmath>

namespace esc {

LayerConfig to_config(const ModelLayer& l) {
  LayerConfig c;
  c.C = l.C;
  c.N = l.N;
  c.H = l.H;
  c.W = l.W;
  c.K = l.K;
  c.stride = l.stride;
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = l.pad;
  c.M = l.M;
  return c;
}

uint64_t layer_seed(uint64_t seed, size_t index) {
  SplitMix64 g(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(index) + 1);
  return g.next();
}

const char* density_mode_name(DensityMode m) {
  switch (m) {
    case DensityMode::kTuned:
      return "tuned";
    case DensityMode::kUniform:
      return "uniform";
    case DensityMode::kSpread:
      return "spread";
  }
  return "?";
}

double uniform_density(const Model& model) {
  double kept = 0.0, all = 0.0;
  for (const ModelLayer& l : model.layers) {
    const LayerConfig c = to_config(l);
    const double w = double{1} * c.N * c.C * c.M * c.Ho() * c.Wo();
    kept += l.density * w;
    all += w;
  }
  return all > 0.0 ? kept / all : 0.0;
}

IntLayer make_model_layer(const ModelLayer& l, uint64_t seed, size_t index, DensityMode mode,
                          double uniform) {
  const uint64_t s = layer_seed(seed, index);
  if (mode == DensityMode::kTuned) return make_random_layer(to_config(l), l.density, s);
  if (mode == DensityMode::kUniform) return make_random_layer(to_config(l), uniform, s);
  // Spread: every coefficient drawn nonzero, then filter n keeps each with its own probability.
  IntLayer r = make_random_layer(to_config(l), 1.0, s);
  SplitMix64 rng(s ^ 0x5DEECE66Dull);
  const int N = r.cfg.N, C = r.cfg.C, M = r.cfg.M;
  constexpr double kSigma = 0.5, kPi = 3.14159265358979323846;
  for (int n = 0; n < N; ++n) {
    const double u1 = std::max(1e-12, rng.uniform01()), u2 = rng.uniform01();
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
    const double p = std::min(1.0, uniform * std::exp(kSigma * z - kSigma * kSigma / 2));
    for (int c = 0; c < C; ++c) {
      for (int m = 0; m < M; ++m) {
        if (rng.uniform01() >= p) r.coef(n, c, m) = 0;
      }
    }
  }
  return r;
}

}  // namespace esc
