// Tests of the bit-exact integer reference. The main checks compare run_int against references
// written independently here: a per-output-pixel formula and a direct convolution with the
// composed weights A*B.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "esc/layer.hpp"
#include "test_util.hpp"

namespace esc {
namespace {

// Straight from docs/semantics.md, one output element at a time (no shared code with run_int
// except rshift/sat_signed/requant, which have their own tests below).
int64_t naive_acc_exact(const IntLayer& L, int n, int y, int x) {
  const LayerConfig& c = L.cfg;
  int64_t acc = 0;
  for (int ch = 0; ch < c.C; ++ch) {
    for (int m = 0; m < c.M; ++m) {
      int64_t z = 0;
      for (int i = 0; i < c.K; ++i) {
        for (int j = 0; j < c.K; ++j) {
          const int iy = c.stride * y + i - c.pad_t, ix = c.stride * x + j - c.pad_l;
          const int xv = (iy >= 0 && iy < c.H && ix >= 0 && ix < c.W) ? L.x(ch, iy, ix) : 0;
          z += int64_t{L.basis(c.basis_per_channel ? ch : 0, m, i, j)} * xv;
        }
      }
      int64_t zq = c.zshift ? (z + (int64_t{1} << (c.zshift - 1))) >> c.zshift : z;
      zq = std::min<int64_t>(32767, std::max<int64_t>(-32768, zq));
      acc += int64_t{L.coef(n, ch, m)} * zq;
    }
  }
  return acc;
}

LayerConfig random_cfg(SplitMix64& rng) {
  LayerConfig c = test::random_geometry(rng, 6, 9, 6);
  c.M = static_cast<int>(rng.uniform(1, 8));
  c.coef_w = rng.uniform(0, 1) ? 8 : 4;
  c.relu = rng.uniform(0, 1) != 0;
  c.basis_per_channel = rng.uniform(0, 3) == 0;
  return c;
}

TEST(Rounding, RshiftRoundsHalfUpArithmetic) {
  EXPECT_EQ(rshift(5, 0), 5);
  EXPECT_EQ(rshift(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(rshift(-5, 1), -2);  // -2.5 -> -2 (half up, not away from zero)
  EXPECT_EQ(rshift(-6, 2), -1);  // -1.5 -> -1
  EXPECT_EQ(rshift(-7, 2), -2);  // -1.75 -> -2
  EXPECT_EQ(rshift(7, 2), 2);    // 1.75 -> 2
  EXPECT_EQ(rshift(6, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(rshift(int64_t{1} << 62, 63), 1);
  EXPECT_EQ(rshift(std::numeric_limits<int64_t>::min(), 63), -1);
  EXPECT_EQ(rshift(std::numeric_limits<int64_t>::min(), 64), 0);
  EXPECT_EQ(rshift(std::numeric_limits<int64_t>::max(), 70), 0);
  EXPECT_EQ(sat_signed(40000, 16), 32767);
  EXPECT_EQ(sat_signed(-40000, 16), -32768);
  EXPECT_EQ(sat_signed(-5, 16), -5);
}

TEST(Requant, HandComputedValues) {
  EXPECT_EQ(requant(100, 27, 3, 2, false), 95);  // (127*3 + 2) >> 2 = 95
  EXPECT_EQ(requant(-5, 0, 1, 1, false), -2);
  EXPECT_EQ(requant(-5, 0, 1, 1, true), 0);
  EXPECT_EQ(requant(1000, 0, 1, 0, false), 127);
  EXPECT_EQ(requant(-1000, 0, 1, 0, false), -128);
  // Sum and product in 64 bits: no int32 wrap of acc + bias.
  EXPECT_EQ(requant(std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::max(), 65535,
                    63, false),
            0);
  EXPECT_EQ(requant(std::numeric_limits<int32_t>::max(), 1, 65535, 47, false), 1);
  EXPECT_EQ(requant(std::numeric_limits<int32_t>::min(), -1, 65535, 40, false), -128);
}

TEST(RunInt, HandComputedBoxFilter) {
  // 1 channel 3x3 image 1..9, one all-ones basis, coefficient 2: acc = 2 * 3x3 box sum.
  IntLayer L;
  L.cfg.C = 1;
  L.cfg.N = 1;
  L.cfg.H = 3;
  L.cfg.W = 3;
  L.cfg.M = 1;
  L.x = ActT(1, 3, 3);
  for (int i = 0; i < 9; ++i) L.x.data()[i] = static_cast<int8_t>(i + 1);
  L.basis = BasisT(1, 1, 3, 3);
  L.basis.setConstant(1);
  L.coef = CoefT(1, 1, 1);
  L.coef.setConstant(2);
  L.rq = {{-10}, {1}, {1}};
  const IntResult r = run_int(L);
  const int box[3][3] = {{12, 21, 16}, {27, 45, 33}, {24, 39, 28}};
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) {
      EXPECT_EQ(r.acc(0, y, x), 2 * box[y][x]);
      EXPECT_EQ(r.y(0, y, x), std::min(127, (2 * box[y][x] - 10 + 1) >> 1));
    }
  EXPECT_FALSE(r.overflow);
}

TEST(RunInt, MatchesPerPixelFormulaOnRandomConfigs) {
  const uint64_t seed = test::test_seed(0x5eed0001);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 60; ++iter) {
    const LayerConfig cfg = random_cfg(rng);
    IntLayer L = make_random_layer(cfg, rng.uniform01(), rng.next());
    // Also exercise Zq saturation and other shifts than the generator picks.
    if (iter % 3 == 0) L.cfg.zshift = static_cast<int>(rng.uniform(0, 12));
    ASSERT_EQ(validate(L), "");
    const IntResult r = run_int(L);
    for (int n = 0; n < L.cfg.N; ++n)
      for (int y = 0; y < L.cfg.Ho(); ++y)
        for (int x = 0; x < L.cfg.Wo(); ++x) {
          const int64_t exact = naive_acc_exact(L, n, y, x);
          const int32_t wrapped = static_cast<int32_t>(static_cast<uint32_t>(exact));
          ASSERT_EQ(r.acc(n, y, x), wrapped)
              << "iter " << iter << " n" << n << " y" << y << " x" << x;
          ASSERT_EQ(r.y(n, y, x),
                    requant(wrapped, L.rq.bias[n], L.rq.mult[n], L.rq.shift[n], L.cfg.relu));
        }
  }
}

TEST(RunInt, EqualsDirectConvolutionWithComposedWeights) {
  // With zshift = 0 and no Zq saturation, the decomposed layer is exactly a convolution with
  // W[n][c] = sum_m A[n][c][m] * B[m] (linearity, SPEC section 1).
  const uint64_t seed = test::test_seed(0x5eed0002);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 20; ++iter) {
    LayerConfig cfg = random_cfg(rng);
    IntLayer L = make_random_layer(cfg, 0.5, rng.next());
    for (Eigen::Index i = 0; i < L.x.size(); ++i) L.x.data()[i] = int8_t(rng.uniform(-20, 20));
    for (Eigen::Index i = 0; i < L.basis.size(); ++i)
      L.basis.data()[i] = int8_t(rng.uniform(-12, 12));
    L.cfg.zshift = 0;  // |Z| <= 49*20*12 < 32768: no saturation
    const IntResult r = run_int(L);
    const LayerConfig& c = L.cfg;
    for (int n = 0; n < c.N; ++n)
      for (int y = 0; y < c.Ho(); ++y)
        for (int x = 0; x < c.Wo(); ++x) {
          int64_t direct = 0;
          for (int ch = 0; ch < c.C; ++ch)
            for (int i = 0; i < c.K; ++i)
              for (int j = 0; j < c.K; ++j) {
                int64_t w = 0;
                for (int m = 0; m < c.M; ++m)
                  w += int64_t{L.coef(n, ch, m)} * L.basis(c.basis_per_channel ? ch : 0, m, i, j);
                const int iy = c.stride * y + i - c.pad_t, ix = c.stride * x + j - c.pad_l;
                if (iy >= 0 && iy < c.H && ix >= 0 && ix < c.W) direct += w * L.x(ch, iy, ix);
              }
          ASSERT_EQ(r.acc(n, y, x), direct) << "iter " << iter;
        }
  }
}

TEST(RunInt, ReportsAndWrapsAccumulatorOverflow) {
  LayerConfig cfg;
  cfg.C = 200;
  cfg.N = 2;
  cfg.H = cfg.W = 3;
  cfg.M = 5;
  IntLayer L = make_random_layer(cfg, 1.0, 7);
  L.x.setConstant(127);
  L.basis.setConstant(127);
  L.coef.setConstant(127);
  L.coef.chip(1, 0).setConstant(0);  // channel 1 stays at zero
  L.cfg.zshift = 0;                  // Z = 9*127*127 saturates to 32767
  const IntResult r = run_int(L);
  EXPECT_TRUE(r.overflow);
  EXPECT_NE(r.overflow_at.find("n=0"), std::string::npos) << r.overflow_at;
  // The first wrap in accumulation order (c, n, m, pixel), found by a plain int64 loop.
  std::string first;
  std::vector<int64_t> acc(2 * 9, 0);
  for (int c = 0; c < cfg.C && first.empty(); ++c) {
    const Tensor<int32_t, 3> zq = basis_stage(L, c);
    for (int n = 0; n < 2 && first.empty(); ++n)
      for (int m = 0; m < 5 && first.empty(); ++m)
        for (int p = 0; p < 9 && first.empty(); ++p) {
          int64_t& a = acc[static_cast<size_t>(n * 9 + p)];
          a += int64_t{L.coef(n, c, m)} * zq(m, p / 3, p % 3);
          if (a != static_cast<int32_t>(a)) {
            first = "acc[n=" + std::to_string(n) + "][y=" + std::to_string(p / 3) +
                    "][x=" + std::to_string(p % 3) + "] after c=" + std::to_string(c) +
                    " m=" + std::to_string(m);
          }
        }
  }
  EXPECT_EQ(r.overflow_at, first);
  const int64_t exact = int64_t{200} * 5 * 127 * 32767;  // centre pixel: full window
  EXPECT_EQ(r.acc(0, 1, 1), static_cast<int32_t>(static_cast<uint32_t>(exact)));
  EXPECT_EQ(r.acc(1, 1, 1), 0);
  L.coef.setConstant(1);
  EXPECT_FALSE(run_int(L).overflow);
}

TEST(Validate, NamesTheBadField) {
  const IntLayer good = make_random_layer(LayerConfig{}, 0.5, 1);
  ASSERT_EQ(validate(good), "");
  struct Case {
    const char* field;
    void (*mutate)(IntLayer&);
  };
  const Case cases[] = {
      {"K", [](IntLayer& l) { l.cfg.K = 2; }},
      {"stride", [](IntLayer& l) { l.cfg.stride = 3; }},
      {"pad_t", [](IntLayer& l) { l.cfg.pad_t = 3; }},
      {"pad_r", [](IntLayer& l) { l.cfg.pad_r = -1; }},
      {"M", [](IntLayer& l) { l.cfg.M = 0; }},
      {"zshift", [](IntLayer& l) { l.cfg.zshift = 32; }},
      {"coef_w", [](IntLayer& l) { l.cfg.coef_w = 6; }},
      {"coef",
       [](IntLayer& l) {
         l.cfg.coef_w = 4;
         l.coef(0, 0, 0) = 8;
       }},
      {"x", [](IntLayer& l) { l.cfg.H = 2; }},
      {"basis", [](IntLayer& l) { l.basis = BasisT(2, 5, 3, 3); }},
      {"coef", [](IntLayer& l) { l.cfg.N = 2; }},
      {"rq.shift", [](IntLayer& l) { l.rq.shift[0] = 64; }},
      {"H", [](IntLayer& l) { l.cfg.H = std::numeric_limits<int>::max(); }},
      {"C", [](IntLayer& l) { l.cfg.C = std::numeric_limits<int>::max(); }},
      {"rq.bias", [](IntLayer& l) { l.rq.bias.push_back(0); }},
  };
  for (const Case& c : cases) {
    IntLayer l = good;
    c.mutate(l);
    const std::string msg = validate(l);
    EXPECT_EQ(msg.rfind(c.field, 0), 0u)
        << "expected a message about " << c.field << ", got '" << msg << "'";
    EXPECT_THROW(run_int(l), std::invalid_argument);
  }
}

TEST(RandomLayer, DeterministicDenseEnoughAndNotSaturated) {
  const uint64_t seed = test::test_seed(0x5eed0003);
  LayerConfig cfg;
  cfg.C = 16;
  cfg.N = 16;
  cfg.H = cfg.W = 8;
  const IntLayer a = make_random_layer(cfg, 0.25, seed);
  const IntLayer b = make_random_layer(cfg, 0.25, seed);
  const IntLayer c = make_random_layer(cfg, 0.25, seed + 1);
  const Eigen::Tensor<bool, 0, Eigen::RowMajor> same = (a.coef == b.coef).all();
  const Eigen::Tensor<bool, 0, Eigen::RowMajor> diff = (a.x == c.x).all();
  EXPECT_TRUE(same());
  EXPECT_EQ(a.rq.mult, b.rq.mult);
  EXPECT_EQ(a.cfg.zshift, b.cfg.zshift);
  EXPECT_FALSE(diff());
  int64_t nnz = 0;
  for (Eigen::Index i = 0; i < a.coef.size(); ++i) nnz += a.coef.data()[i] != 0;
  const double density = static_cast<double>(nnz) / static_cast<double>(a.coef.size());
  EXPECT_NEAR(density, 0.25, 0.05);
  const IntResult r = run_int(a);
  EXPECT_FALSE(r.overflow);
  int64_t sat = 0, zero = 0;
  for (Eigen::Index i = 0; i < r.y.size(); ++i) {
    sat += r.y.data()[i] == 127 || r.y.data()[i] == -128;
    zero += r.y.data()[i] == 0;
  }
  EXPECT_LT(sat, r.y.size() / 4) << "too many saturated outputs";
  EXPECT_LT(zero, r.y.size() / 4) << "too many zero outputs";
  // 4-bit coefficients stay in range.
  cfg.coef_w = 4;
  EXPECT_EQ(validate(make_random_layer(cfg, 0.5, seed)), "");
}

TEST(SliceLayer, SlicesGiveIdenticalResults) {
  const uint64_t seed = test::test_seed(0x5eed0004);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 40; ++iter) {
    const LayerConfig cfg = random_cfg(rng);
    const IntLayer L = make_random_layer(cfg, 0.4, rng.next());
    const IntResult full = run_int(L);
    const int n0 = static_cast<int>(rng.uniform(0, cfg.N - 1));
    const int n1 = static_cast<int>(rng.uniform(n0 + 1, cfg.N));
    const int r0 = static_cast<int>(rng.uniform(0, cfg.Ho() - 1));
    const int r1 = static_cast<int>(rng.uniform(r0 + 1, cfg.Ho()));
    const IntLayer S = slice_layer(L, n0, n1, r0, r1);
    ASSERT_EQ(validate(S), "") << "iter " << iter;
    ASSERT_EQ(S.cfg.Ho(), r1 - r0);
    ASSERT_EQ(S.cfg.Wo(), cfg.Wo());
    const IntResult part = run_int(S);
    for (int n = n0; n < n1; ++n)
      for (int y = r0; y < r1; ++y)
        for (int x = 0; x < cfg.Wo(); ++x) {
          ASSERT_EQ(part.acc(n - n0, y - r0, x), full.acc(n, y, x)) << "iter " << iter;
          ASSERT_EQ(part.y(n - n0, y - r0, x), full.y(n, y, x)) << "iter " << iter;
        }
  }
  const IntLayer L = make_random_layer(LayerConfig{}, 0.5, 3);
  EXPECT_THROW(slice_layer(L, 0, 2, 0, 1), std::invalid_argument);  // N = 1
  EXPECT_THROW(slice_layer(L, 0, 1, 1, 1), std::invalid_argument);  // empty row band
}

}  // namespace
}  // namespace esc
