// Shared by the golden tests: seed handling (ESC_SEED overrides, the seed is always printed)
// and a random layer geometry.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "esc/layer.hpp"

namespace esc::test {

inline uint64_t test_seed(uint64_t fallback) {
  uint64_t seed = fallback;
  if (const char* env = std::getenv("ESC_SEED")) seed = std::strtoull(env, nullptr, 0);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::cout << "[ seed     ] " << (info ? info->name() : "?") << " ESC_SEED=" << seed << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

// K in {1, 3, 5, 7}, stride 1..2, each pad 0..K-1, C in [1, max_c], N in [1, max_n], H and W
// in [K, K + extra]; the rest of the configuration keeps its defaults.
inline LayerConfig random_geometry(SplitMix64& rng, int max_c, int max_n, int extra) {
  LayerConfig c;
  const int ks[4] = {1, 3, 5, 7};
  c.K = ks[rng.uniform(0, 3)];
  c.stride = static_cast<int>(rng.uniform(1, 2));
  c.pad_t = static_cast<int>(rng.uniform(0, c.K - 1));
  c.pad_b = static_cast<int>(rng.uniform(0, c.K - 1));
  c.pad_l = static_cast<int>(rng.uniform(0, c.K - 1));
  c.pad_r = static_cast<int>(rng.uniform(0, c.K - 1));
  c.C = static_cast<int>(rng.uniform(1, max_c));
  c.N = static_cast<int>(rng.uniform(1, max_n));
  c.H = static_cast<int>(rng.uniform(c.K, c.K + extra));
  c.W = static_cast<int>(rng.uniform(c.K, c.K + extra));
  return c;
}

}  // namespace esc::test
