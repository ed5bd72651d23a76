#include "esc/workload.hpp"

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

IntLayer make_model_layer(const ModelLayer& l, uint64_t seed, size_t index) {
  return make_random_layer(to_config(l), l.density, layer_seed(seed, index));
}

}  // namespace esc
