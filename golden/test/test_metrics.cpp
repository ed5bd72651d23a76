// SPEC section 5 metric definitions, checked on hand-computed layers.
#include <gtest/gtest.h>

#include "esc/metrics.hpp"

namespace esc {
namespace {

TEST(Metrics, HandComputedResNetLayer) {
  LayerConfig cfg;  // ResNet-18 CIFAR conv: 64 -> 64, 32x32, 3x3, pad 1
  cfg.C = 64;
  cfg.N = 64;
  cfg.H = cfg.W = 32;
  cfg.M = 5;
  HwCaps hw;  // T = 4, L = 8, K_MAX = 3
  const LayerMetrics m = layer_metrics(cfg, 1000, hw);
  EXPECT_EQ(m.bcu_macs, 64LL * 5 * 9 * 1024);
  EXPECT_EQ(m.cau_macs, 1000LL * 1024);
  EXPECT_EQ(m.useful_macs, m.bcu_macs + m.cau_macs);
  EXPECT_EQ(m.dense_macs, 64LL * 64 * 9 * 1024);
  EXPECT_EQ(m.bcu_mults, 36);
  EXPECT_EQ(m.cau_mults, 32);
  EXPECT_DOUBLE_EQ(m.ideal_cycles, 64.0 * 5 * 9 * 1024 / 36);  // BCU-bound
  EXPECT_DOUBLE_EQ(m.dense_cycles, 64.0 * 64 * 9 * 1024 / 68);
  const LayerMetrics cau_bound = layer_metrics(cfg, 100000, hw);
  EXPECT_DOUBLE_EQ(cau_bound.ideal_cycles, 100000.0 * 1024 / 32);
  // SPEC 5b: 36,864 weights + 65,536 input bytes through a 9-byte port (11,378 cycles), 65,536
  // output bytes through a 4-byte port (16,384): compute (34,695) bounds the dense engine.
  EXPECT_EQ(m.dense_in_bytes, 64LL * 64 * 9 + 64LL * 32 * 32);
  EXPECT_EQ(m.dense_out_bytes, 64LL * 1024);
  EXPECT_DOUBLE_EQ(m.dense_e2e_cycles, m.dense_cycles);
}

TEST(Metrics, DenseEndToEndIsBoundByThePortsOnPointwiseLayers) {
  LayerConfig cfg;  // 1x1, 256 -> 512 on one pixel: one MAC per weight byte moved
  cfg.C = 256;
  cfg.N = 512;
  cfg.H = cfg.W = 1;
  cfg.K = 1;
  cfg.M = 1;
  cfg.pad_t = cfg.pad_b = cfg.pad_l = cfg.pad_r = 0;
  const LayerMetrics m = layer_metrics(cfg, 100, HwCaps{});
  const double in_cycles = (512.0 * 256 + 256.0) / 9.0;  // 72-bit load beats
  EXPECT_GT(in_cycles, m.dense_cycles);
  EXPECT_DOUBLE_EQ(m.dense_e2e_cycles, in_cycles);
}

TEST(Metrics, StrideAndPointwise) {
  LayerConfig cfg;
  cfg.C = 3;
  cfg.N = 4;
  cfg.H = 9;
  cfg.W = 7;
  cfg.K = 1;
  cfg.stride = 2;
  cfg.pad_t = cfg.pad_b = cfg.pad_l = cfg.pad_r = 0;
  cfg.M = 1;
  const LayerMetrics m = layer_metrics(cfg, 6, HwCaps{});
  EXPECT_EQ(cfg.Ho(), 5);
  EXPECT_EQ(cfg.Wo(), 4);
  EXPECT_EQ(m.bcu_macs, 3 * 20);
  EXPECT_EQ(m.cau_macs, 6 * 20);
  EXPECT_EQ(m.dense_macs, 12 * 20);
}

}  // namespace
}  // namespace esc
