// Directed top-level tests: esc_top through the host driver against the golden model.
#include <gtest/gtest.h>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/layer.hpp"
#include "esc/top_fixture.hpp"

namespace esc {
namespace {

LayerConfig cfg_of(int C, int N, int H, int W, int K, int stride, int pad, int M) {
  LayerConfig c;
  c.C = C;
  c.N = N;
  c.H = H;
  c.W = W;
  c.K = K;
  c.stride = stride;
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = pad;
  c.M = M;
  return c;
}

using TopDirected = TopTest;

// 1 input channel, 2 output channels, K = 1, M = 1: y[n] = clamp(rshift(a_n * b * x, ...)).
// Expected values are computed here by hand, not by the golden model.
TEST_F(TopDirected, TinyHandChecked) {
  IntLayer l;
  l.cfg = cfg_of(1, 2, 2, 3, 1, 1, 0, 1);
  l.x = ActT(1, 2, 3);
  const int8_t xs[6] = {1, -2, 3, 100, -128, 127};
  for (int i = 0; i < 6; ++i) l.x.data()[i] = xs[i];
  l.basis = BasisT(1, 1, 1, 1);
  l.basis(0, 0, 0, 0) = 2;
  l.coef = CoefT(2, 1, 1);
  l.coef(0, 0, 0) = 3;
  l.coef(1, 0, 0) = -1;
  l.rq.bias = {1, 0};
  l.rq.mult = {1, 1};
  l.rq.shift = {1, 0};
  // n=0: acc = 6x, y = clamp((6x + 1 + 1) >> 1) ; n=1: acc = -2x, y = clamp(-2x)
  const int acc0[6] = {6, -12, 18, 600, -768, 762};
  const int y0[6] = {4, -5, 10, 127, -128, 127};
  const int y1[6] = {-2, 4, -6, -128, 127, -128};
  const IntResult g = run_int(l);
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(g.acc(0, i / 3, i % 3), acc0[i]) << "golden disagrees with the hand calculation";
    ASSERT_EQ(g.y(0, i / 3, i % 3), y0[i]);
    ASSERT_EQ(g.y(1, i / 3, i % 3), y1[i]);
  }
  check_layer(l, "tiny", options());
}

TEST_F(TopDirected, Conv3x3Stride1Pad1) {
  check_layer(make_random_layer(cfg_of(3, 5, 6, 6, 3, 1, 1, 5), 0.5, seed()), "3x3s1p1", options());
}

TEST_F(TopDirected, Conv3x3Stride2) {
  check_layer(make_random_layer(cfg_of(2, 4, 7, 9, 3, 2, 1, 5), 0.6, seed()), "3x3s2p1", options());
}

TEST_F(TopDirected, Conv3x3NoPad) {
  check_layer(make_random_layer(cfg_of(2, 3, 5, 6, 3, 1, 0, 4), 0.7, seed()), "3x3s1p0", options());
}

TEST_F(TopDirected, AsymmetricPads) {
  LayerConfig c = cfg_of(2, 3, 5, 5, 3, 1, 0, 3);
  c.pad_t = 2;
  c.pad_b = 0;
  c.pad_l = 1;
  c.pad_r = 2;
  check_layer(make_random_layer(c, 0.5, seed()), "pads", options());
}

TEST_F(TopDirected, Pointwise1x1) {
  check_layer(make_random_layer(cfg_of(8, 8, 4, 5, 1, 1, 0, 1), 0.5, seed()), "1x1", options());
}

TEST_F(TopDirected, Pointwise1x1Stride2) {
  check_layer(make_random_layer(cfg_of(4, 6, 6, 6, 1, 2, 0, 1), 0.5, seed()), "1x1s2", options());
}

TEST_F(TopDirected, PerChannelBasis) {
  LayerConfig c = cfg_of(4, 5, 5, 5, 3, 1, 1, 3);
  c.basis_per_channel = true;
  check_layer(make_random_layer(c, 0.5, seed()), "basis_per_channel", options());
}

TEST_F(TopDirected, Coef4Bit) {
  LayerConfig c = cfg_of(3, 6, 5, 5, 3, 1, 1, 5);
  c.coef_w = 4;
  check_layer(make_random_layer(c, 0.5, seed()), "coef4", options());
}

TEST_F(TopDirected, Relu) {
  LayerConfig c = cfg_of(3, 4, 5, 5, 3, 1, 1, 5);
  c.relu = true;
  check_layer(make_random_layer(c, 0.5, seed()), "relu", options());
}

TEST_F(TopDirected, MaxBasesAndAllDense) {
  check_layer(make_random_layer(cfg_of(2, 9, 4, 4, 3, 1, 1, 8), 1.0, seed()), "M8_dense",
              options());
}

TEST_F(TopDirected, AllZeroCoefficients) {
  check_layer(make_random_layer(cfg_of(3, 4, 4, 4, 3, 1, 1, 5), 0.0, seed()), "all_zero",
              options());
}

TEST_F(TopDirected, BackpressureAndIdle) {
  check_layer(make_random_layer(cfg_of(3, 5, 6, 5, 3, 1, 1, 5), 0.4, seed()), "bp_idle",
              options(0.3, 0.5));
}

TEST_F(TopDirected, PerfCountersConsistent) {
  const IntLayer l = make_random_layer(cfg_of(4, 6, 6, 6, 3, 1, 1, 5), 0.3, seed());
  auto r = check_layer(l, "perf", options());
  ASSERT_TRUE(r.has_value());
  const int P = l.cfg.Ho() * l.cfg.Wo();
  Accel probe(options());
  const int T = probe.caps().T;
  const uint64_t tiles = (P + T - 1) / T;
  EXPECT_EQ(r->stats.perf.res_beats, tiles * l.cfg.N);
  EXPECT_EQ(r->stats.perf.ld_beats * 9, r->stats.load_bytes);
  EXPECT_GT(r->stats.perf.total, 0u);
  EXPECT_LE(r->stats.perf.bcu, r->stats.perf.total);
  EXPECT_LE(r->stats.perf.cau, r->stats.perf.total);
  EXPECT_LE(r->stats.perf.stall, r->stats.perf.total);
  EXPECT_EQ(r->stats.passes, 1);
}

// Larger than the IFMAP buffer: the host driver tiles it into row bands.
TEST_F(TopDirected, TiledRowBands) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  ASSERT_GT(hw.ifmap_bytes, 0);
  // Pick C and H so that C*H*W is about 1.6x the IFMAP capacity, W = 16.
  LayerConfig c = cfg_of(8, 4, 0, 16, 3, 1, 1, 2);
  c.H = static_cast<int>(hw.ifmap_bytes * 16 / 10 / (c.C * c.W));
  auto r = check_layer(make_random_layer(c, 0.3, seed()), "tiled_rows", options());
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->stats.passes, 2);
}

TEST_F(TopDirected, SecondLayerOnSameInstance) {
  // Two different layers back to back on one model: no state may leak between layers.
  Accel acc(options());
  const IntLayer a = make_random_layer(cfg_of(3, 7, 5, 5, 3, 1, 1, 5), 0.5, seed());
  const IntLayer b = make_random_layer(cfg_of(2, 3, 4, 6, 1, 1, 0, 1), 0.5, seed() + 1);
  for (const IntLayer* l : {&a, &b, &a}) {
    const IntResult g = run_int(*l);
    AccelResult r;
    ASSERT_NO_THROW(r = acc.run_layer(*l)) << describe(l->cfg);
    const DeviceCaps dc = acc.driver().read_caps();
    auto mm = Scoreboard("back_to_back", seed()).compare(*l, g, r, dc.hw, dc.max_dim);
    EXPECT_FALSE(mm.has_value()) << mm->report;
  }
}

}  // namespace
}  // namespace esc
