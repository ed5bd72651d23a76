// Float reference paths and decomposition identities: direct conv2d (hand-computed cases), the
// decomposed conv in stage order and in the Basis-First streaming order agreeing with it, the
// integer path equal to the float paths wherever nothing is rounded, the Eckart-Young energy
// identity of the SVD initialisation, monotone ALS refits over many seeds, and the report.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>

#include "esc/coef_codec.hpp"
#include "esc/decompose.hpp"
#include "test_util.hpp"

namespace esc {
namespace {

double gauss(SplitMix64& rng) {  // Box-Muller, deterministic
  const double u = std::max(rng.uniform01(), 1e-300), v = rng.uniform01();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
}

LayerConfig random_geometry(SplitMix64& rng) {
  LayerConfig c = test::random_geometry(rng, 5, 7, 7);
  c.M = c.K == 1 ? 1 : static_cast<int>(rng.uniform(1, std::min(8, c.K * c.K)));
  c.relu = rng.uniform(0, 1) != 0;
  return c;
}

Tensor<float, 3> random_map(SplitMix64& rng, int C, int H, int W) {
  Tensor<float, 3> x(C, H, W);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = float(gauss(rng));
  return x;
}

// Independent composition W[n][c] = sum_m A[n][c][m] B[cb][m] for a (CB, M, K, K) basis.
WeightT compose4(const Tensor<float, 4>& b, const Tensor<float, 3>& a, bool per_channel) {
  const int N = int(a.dimension(0)), C = int(a.dimension(1)), M = int(a.dimension(2));
  const int K = int(b.dimension(2));
  WeightT w(N, C, K, K);
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int i = 0; i < K; ++i)
        for (int j = 0; j < K; ++j) {
          double s = 0;
          for (int m = 0; m < M; ++m) s += double(a(n, c, m)) * b(per_channel ? c : 0, m, i, j);
          w(n, c, i, j) = float(s);
        }
  return w;
}

double max_abs(const Tensor<float, 3>& t) {
  double m = 0;
  for (Eigen::Index i = 0; i < t.size(); ++i) m = std::max(m, std::abs(double(t.data()[i])));
  return m;
}

void expect_close(const Tensor<float, 3>& got, const Tensor<float, 3>& want, double tol,
                  const std::string& what) {
  ASSERT_EQ(got.dimensions(), want.dimensions()) << what;
  for (Eigen::Index i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got.data()[i], want.data()[i], tol) << what << " at flat index " << i;
}

TEST(FloatConv, HandComputedStrideTwoPadded) {
  // x = 0..15 in a 4x4 map, kernel [[1,0,0],[0,2,0],[0,0,0]], stride 2, pad 1: each output is
  // x(2y-1, 2x-1) + 2 x(2y, 2x) with zero padding -> [[0, 4], [16, 25]].
  LayerConfig cfg;
  cfg.C = cfg.N = 1;
  cfg.H = cfg.W = 4;
  cfg.stride = 2;
  Tensor<float, 3> x(1, 4, 4);
  for (int i = 0; i < 16; ++i) x.data()[i] = float(i);
  WeightT w(1, 1, 3, 3);
  w.setZero();
  w(0, 0, 0, 0) = 1;
  w(0, 0, 1, 1) = 2;
  ASSERT_EQ(cfg.Ho(), 2);
  const float want[4] = {0, 4, 16, 25};
  Tensor<float, 3> y = conv_float(w, {0.5f}, x, cfg);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y.data()[i], want[i] + 0.5f) << i;
  cfg.relu = true;
  y = conv_float(w, {-5.0f}, x, cfg);
  const float want_relu[4] = {0, 0, 11, 20};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y.data()[i], want_relu[i]) << i;
}

TEST(FloatConv, HandComputedPointwiseStrideTwo) {
  // 1x1 kernel [1, -1] over two channels, stride 2, no pad: y = x0 - x1 at even positions.
  LayerConfig cfg;
  cfg.C = 2;
  cfg.N = 1;
  cfg.H = cfg.W = 3;
  cfg.K = 1;
  cfg.stride = 2;
  cfg.pad_t = cfg.pad_b = cfg.pad_l = cfg.pad_r = 0;
  Tensor<float, 3> x(2, 3, 3);
  for (int i = 0; i < 9; ++i) {
    x.data()[i] = float(i * i);
    x.data()[9 + i] = float(3 * i);
  }
  WeightT w(1, 2, 1, 1);
  w(0, 0, 0, 0) = 1;
  w(0, 1, 0, 0) = -1;
  const Tensor<float, 3> y = conv_float(w, {}, x, cfg);
  ASSERT_EQ(y.dimension(1), 2);
  const int pos[4] = {0, 2, 6, 8};
  for (int k = 0; k < 4; ++k) EXPECT_EQ(y.data()[k], float(pos[k] * pos[k] - 3 * pos[k])) << pos[k];
}

TEST(FloatConv, DecomposedOrdersEqualDirectForExactRankM) {
  const uint64_t seed = test::test_seed(0xf10a0001);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 40; ++iter) {
    LayerConfig cfg = random_geometry(rng);
    cfg.basis_per_channel = iter % 4 == 3;
    Tensor<float, 4> b(cfg.CB(), cfg.M, cfg.K, cfg.K);
    for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = float(gauss(rng));
    Tensor<float, 3> a(cfg.N, cfg.C, cfg.M);
    for (Eigen::Index i = 0; i < a.size(); ++i)
      a.data()[i] = rng.uniform01() < 0.6 ? float(gauss(rng)) : 0.0f;
    const WeightT w = compose4(b, a, cfg.basis_per_channel);  // exactly rank <= M
    const Tensor<float, 3> x = random_map(rng, cfg.C, cfg.H, cfg.W);
    std::vector<float> bias(cfg.N);
    for (float& v : bias) v = float(gauss(rng));
    const Tensor<float, 3> direct = conv_float(w, bias, x, cfg);
    const double tol = 1e-4 * (1.0 + max_abs(direct));
    const std::string tag = "iter " + std::to_string(iter) + " K=" + std::to_string(cfg.K) +
                            " s=" + std::to_string(cfg.stride);
    expect_close(conv_decomposed_stages(b, a, bias, x, cfg), direct, tol, "stages " + tag);
    const int tile = static_cast<int>(rng.uniform(1, 13));
    expect_close(conv_basis_first(b, a, bias, x, cfg, tile), direct, tol,
                 "basis-first tile " + std::to_string(tile) + " " + tag);
    if (cfg.basis_per_channel) continue;
    // The SVD of an exactly rank-M layer recovers it: its decomposed conv equals the direct one.
    const Decomposition d = svd_init(w, cfg.M);
    expect_close(conv_decomposed_stages(d, bias, x, cfg), direct, tol, "svd stages " + tag);
    expect_close(conv_basis_first(d, bias, x, cfg), direct, tol, "svd basis-first " + tag);
  }
}

TEST(FloatConv, RejectsInconsistentShapes) {
  LayerConfig cfg;
  cfg.C = 2;
  cfg.N = 3;
  cfg.H = cfg.W = 4;
  cfg.M = 2;
  Tensor<float, 4> b(1, 2, 3, 3);
  Tensor<float, 3> a(3, 2, 2), x(2, 4, 4);
  b.setZero();
  a.setZero();
  x.setZero();
  EXPECT_NO_THROW(conv_basis_first(b, a, {}, x, cfg));
  Tensor<float, 3> bad_a(3, 2, 3);
  EXPECT_THROW(conv_basis_first(b, bad_a, {}, x, cfg), std::invalid_argument);
  EXPECT_THROW(conv_decomposed_stages(b, bad_a, {}, x, cfg), std::invalid_argument);
  EXPECT_THROW(conv_decomposed_stages(b, a, {1.0f}, x, cfg), std::invalid_argument);
  EXPECT_THROW(conv_basis_first(b, a, {}, x, cfg, 0), std::invalid_argument);
  cfg.basis_per_channel = true;  // now the basis must be (C, M, K, K)
  EXPECT_THROW(conv_basis_first(b, a, {}, x, cfg), std::invalid_argument);
}

TEST(FloatConv, IntegerPathEqualsFloatPathsWithoutRounding) {
  // zshift = 0 and no Zq saturation, mult = 1, shift = 0: nothing in run_int rounds, so acc is
  // the float decomposed conv of the same integers and y is that value clamped to int8. Values
  // are kept below 2^24 so the float results are exact integers.
  const uint64_t seed = test::test_seed(0xf10a0002);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 30; ++iter) {
    LayerConfig cfg = random_geometry(rng);
    cfg.M = static_cast<int>(rng.uniform(1, 8));
    cfg.coef_w = 4;
    cfg.basis_per_channel = iter % 3 == 2;
    IntLayer L = make_random_layer(cfg, 0.5, rng.next());
    for (Eigen::Index i = 0; i < L.x.size(); ++i) L.x.data()[i] = int8_t(rng.uniform(-20, 20));
    for (Eigen::Index i = 0; i < L.basis.size(); ++i)
      L.basis.data()[i] = int8_t(rng.uniform(-12, 12));  // |Z| <= 49*20*12 < 2^15
    L.cfg.zshift = 0;
    for (int n = 0; n < cfg.N; ++n) {
      L.rq.bias[n] = static_cast<int32_t>(rng.uniform(-300, 300));
      L.rq.mult[n] = 1;
      L.rq.shift[n] = 0;
    }
    const IntResult r = run_int(L);
    ASSERT_FALSE(r.overflow);
    Tensor<float, 4> b(L.basis.dimension(0), cfg.M, cfg.K, cfg.K);
    for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = float(L.basis.data()[i]);
    Tensor<float, 3> a(cfg.N, cfg.C, cfg.M), x(cfg.C, cfg.H, cfg.W);
    for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = float(L.coef.data()[i]);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = float(L.x.data()[i]);
    LayerConfig lin = L.cfg;
    lin.relu = false;
    const Tensor<float, 3> stages = conv_decomposed_stages(b, a, {}, x, lin);
    const Tensor<float, 3> bf = conv_basis_first(b, a, {}, x, lin, 5);
    const Tensor<float, 3> direct = conv_float(compose4(b, a, cfg.basis_per_channel), {}, x, lin);
    std::vector<float> fbias(L.rq.bias.begin(), L.rq.bias.end());
    const Tensor<float, 3> yf = conv_basis_first(b, a, fbias, x, L.cfg, 3);
    for (Eigen::Index i = 0; i < r.acc.size(); ++i) {
      ASSERT_EQ(double(r.acc.data()[i]), double(stages.data()[i])) << "iter " << iter << " i" << i;
      ASSERT_EQ(double(r.acc.data()[i]), double(bf.data()[i])) << "iter " << iter << " i" << i;
      ASSERT_EQ(double(r.acc.data()[i]), double(direct.data()[i])) << "iter " << iter << " i" << i;
      const double want = std::clamp(double(yf.data()[i]), L.cfg.relu ? 0.0 : -128.0, 127.0);
      ASSERT_EQ(double(r.y.data()[i]), want) << "iter " << iter << " i" << i;
    }
  }
}

TEST(RunInt, HandComputedRoundingFourBitCoefficients) {
  // 1x1 pixel, K = 1, M = 2, basis {127, -3}, x = 100, zshift 2:
  //   Z = {12700, -300}; Zq = {(12700+2)>>2, (-300+2)>>2} = {3175, -75}
  //   coef {3, -7} (4-bit): acc = 9525 + 525 = 10050; bias -50 -> 10000
  //   mult 3, shift 8: (30000 + 128) >> 8 = 117.
  IntLayer L;
  L.cfg.C = L.cfg.N = 1;
  L.cfg.H = L.cfg.W = 1;
  L.cfg.K = 1;
  L.cfg.pad_t = L.cfg.pad_b = L.cfg.pad_l = L.cfg.pad_r = 0;
  L.cfg.M = 2;
  L.cfg.zshift = 2;
  L.cfg.coef_w = 4;
  L.x = ActT(1, 1, 1);
  L.x.setConstant(100);
  L.basis = BasisT(1, 2, 1, 1);
  L.basis(0, 0, 0, 0) = 127;
  L.basis(0, 1, 0, 0) = -3;
  L.coef = CoefT(1, 1, 2);
  L.coef(0, 0, 0) = 3;
  L.coef(0, 0, 1) = -7;
  L.rq = {{-50}, {3}, {8}};
  const IntResult r = run_int(L);
  EXPECT_EQ(r.acc(0, 0, 0), 10050);
  EXPECT_EQ(r.y(0, 0, 0), 117);
  L.cfg.relu = true;
  L.rq.bias[0] = -20000;  // (10050 - 20000) * 3 < 0 -> ReLU clamps to 0
  EXPECT_EQ(run_int(L).y(0, 0, 0), 0);
}

TEST(RunInt, HandComputedZSaturation) {
  // 3x3 map, K = 3, no pad (one output). basis all 127.
  //   x all 127:  Z = 9*127*127 = 145161 -> zshift 0: sat to 32767; zshift 3: 18145
  //   x all -128: Z = -146304          -> zshift 0: sat to -32768; zshift 3: -18288
  // coef 2, mult 1, shift 9: y = clamp((2 Zq + 256) >> 9).
  IntLayer L;
  L.cfg.C = L.cfg.N = 1;
  L.cfg.H = L.cfg.W = 3;
  L.cfg.pad_t = L.cfg.pad_b = L.cfg.pad_l = L.cfg.pad_r = 0;
  L.cfg.M = 1;
  L.x = ActT(1, 3, 3);
  L.basis = BasisT(1, 1, 3, 3);
  L.basis.setConstant(127);
  L.coef = CoefT(1, 1, 1);
  L.coef.setConstant(2);
  L.rq = {{0}, {1}, {9}};
  struct Case {
    int8_t x;
    int zshift;
    int32_t acc;
    int8_t y;
  };
  const Case cases[] = {{127, 0, 2 * 32767, 127},     // (65534 + 256) >> 9 = 128 -> 127
                        {127, 3, 2 * 18145, 71},      // (36290 + 256) >> 9 = 71
                        {-128, 0, 2 * -32768, -128},  // (-65536 + 256) >> 9 = -128
                        {-128, 3, 2 * -18288, -71}};  // (-36576 + 256) >> 9 = -71 (floor)
  for (const Case& k : cases) {
    L.x.setConstant(k.x);
    L.cfg.zshift = k.zshift;
    const IntResult r = run_int(L);
    EXPECT_EQ(r.acc(0, 0, 0), k.acc) << int(k.x) << " zshift " << k.zshift;
    EXPECT_EQ(r.y(0, 0, 0), k.y) << int(k.x) << " zshift " << k.zshift;
  }
}

TEST(Decompose, SvdErrorEqualsDiscardedSingularValueEnergy) {
  // Eckart-Young: ||W - W_M||_F^2 = sum of the squared singular values past the first M of the
  // (N*C) x K^2 kernel matrix. Singular values from an independent Jacobi SVD.
  const uint64_t seed = test::test_seed(0xf10a0003);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 6; ++iter) {
    const int K = iter % 2 ? 5 : 3, N = static_cast<int>(rng.uniform(2, 12));
    const int C = static_cast<int>(rng.uniform(2, 12));
    WeightT w(N, C, K, K);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = float(gauss(rng));
    Eigen::MatrixXd wm(N * C, K * K);
    for (int r = 0; r < N * C; ++r)
      for (int t = 0; t < K * K; ++t) wm(r, t) = w.data()[r * K * K + t];
    const Eigen::VectorXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(wm).singularValues();
    const double total = wm.squaredNorm();
    for (int M = 1; M <= K * K; ++M) {
      double discarded = 0;
      for (Eigen::Index k = M; k < sv.size(); ++k) discarded += sv(k) * sv(k);
      const double e = relative_error(svd_init(w, M), w);
      EXPECT_NEAR(e * e * total, discarded, 1e-5 * total)
          << "iter " << iter << " N=" << N << " C=" << C << " K=" << K << " M=" << M;
    }
  }
}

TEST(Decompose, RefitsNeverIncreaseTheErrorAcrossSeeds) {
  const uint64_t base = test::test_seed(0xf10a0004);
  for (int s = 0; s < 6; ++s) {
    SplitMix64 rng(base + s);
    const int K = s % 3 == 2 ? 5 : 3, M = static_cast<int>(rng.uniform(2, 6));
    const int N = static_cast<int>(rng.uniform(4, 24)), C = static_cast<int>(rng.uniform(4, 24));
    WeightT w(N, C, K, K);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = float(gauss(rng));
    const double densities[3] = {0.1, 0.3, 0.6};
    for (double density : densities) {
      Decomposition d = svd_init(w, M);
      s % 2 ? prune_by_std(d, 1.0) : prune_to_density(d, density);
      const double start = relative_error(d, w);
      double err = start;
      for (int it = 0; it < 8; ++it) {
        refit_coef(d, w);
        const double e1 = relative_error(d, w);
        ASSERT_LE(e1, err + 1e-6) << "seed " << base + s << " density " << density
                                  << " refit_coef iteration " << it;
        refit_basis(d, w);
        const double e2 = relative_error(d, w);
        ASSERT_LE(e2, e1 + 1e-6) << "seed " << base + s << " density " << density
                                 << " refit_basis iteration " << it;
        err = e2;
      }
      EXPECT_LT(err, start) << "seed " << base + s << ": refits did not improve a pruned SVD";
    }
  }
}

TEST(Decompose, ReportHandComputedStorageAndCompression) {
  // N = 4, C = 2, K = 3, M = 2, 5 nonzeros, lanes = 2: lane 0 (n = 0, 2) holds 3, lane 1 holds 2.
  //   basis 1*2*9*8 = 144; values 5*8 = 40; indices 5*(bits(1) + bits(1)) = 10;
  //   pointers 2 lanes * 3 * bits(3) = 12; total 206 bits.
  //   dense: 72 weights -> 2304 fp32 bits (11.18x), 576 int8 bits (2.80x).
  Decomposition d;
  d.basis = Tensor<float, 3>(2, 3, 3);
  d.basis.setZero();
  d.basis(0, 1, 1) = 1;
  d.basis(1, 0, 0) = 1;
  d.coef = Tensor<float, 3>(4, 2, 2);
  d.coef.setZero();
  d.coef(0, 0, 0) = 1;
  d.coef(0, 1, 1) = 2;
  d.coef(2, 1, 0) = -1;
  d.coef(1, 0, 1) = 3;
  d.coef(3, 1, 1) = 4;
  WeightT w = compose(d);
  DecompositionReport r = decomposition_report(d, w, 8, 2);
  EXPECT_EQ(r.nnz, 5);
  EXPECT_EQ(r.coef_slots, 16);
  EXPECT_DOUBLE_EQ(r.density, 5.0 / 16.0);
  EXPECT_EQ(r.bits.basis, 144);
  EXPECT_EQ(r.bits.values, 40);
  EXPECT_EQ(r.bits.indices, 10);
  EXPECT_EQ(r.bits.pointers, 12);
  EXPECT_EQ(r.bits.total, 206);
  EXPECT_EQ(r.dense_fp32_bits, 2304);
  EXPECT_EQ(r.dense_int8_bits, 576);
  EXPECT_DOUBLE_EQ(r.compression_fp32, 2304.0 / 206.0);
  EXPECT_DOUBLE_EQ(r.compression_int8, 576.0 / 206.0);
  EXPECT_EQ(r.rel_error, 0.0);
  EXPECT_EQ(r.sqnr_db, std::numeric_limits<double>::infinity());
  // Perturb one weight: ||W||^2 = 1+4+1+9+16 = 31, error^2 = 0.25 -> SQNR = 10 log10(124).
  w(0, 0, 2, 2) = 0.5f;
  r = decomposition_report(d, w, 4, 2);
  EXPECT_NEAR(r.sqnr_db, 10.0 * std::log10(31.25 / 0.25), 1e-9);
  EXPECT_NEAR(r.rel_error, std::sqrt(0.25 / 31.25), 1e-12);
  EXPECT_EQ(r.bits.values, 20);  // 4-bit coefficients
}

TEST(Decompose, ReportOfTheHybridQuantisedLayer) {
  // The quantised layer, mapped back to real units, stays close to the float decomposition;
  // 4-bit coefficients cost SQNR against 8-bit ones.
  SplitMix64 rng(test::test_seed(0xf10a0005));
  LayerConfig cfg;
  cfg.C = 16;
  cfg.N = 16;
  cfg.H = cfg.W = 6;
  WeightT w(cfg.N, cfg.C, 3, 3);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = float(gauss(rng));
  const Decomposition d = decompose(w, 5, 0.3, 3);
  const WeightT wd = compose(d);
  ActT x(cfg.C, cfg.H, cfg.W);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = int8_t(rng.uniform(-128, 127));
  double sqnr[2];
  for (int k = 0; k < 2; ++k) {
    QuantOptions opt;
    opt.coef_w = k ? 4 : 8;
    QuantScales sc;
    const IntLayer L = quantize(d, {}, cfg, x, opt, &sc);
    const DecompositionReport r = decomposition_report(dequantize(L, sc), wd, opt.coef_w);
    sqnr[k] = r.sqnr_db;
    std::cout << "[ report   ] coef_w " << opt.coef_w << ": SQNR " << r.sqnr_db
              << " dB vs the float decomposition, density " << r.density << ", compression "
              << r.compression_fp32 << "x fp32 / " << r.compression_int8 << "x int8" << std::endl;
    EXPECT_LE(r.nnz, decomposition_report(d, w).nnz);  // quantisation never adds nonzeros
  }
  EXPECT_GT(sqnr[0], 30.0);
  EXPECT_GT(sqnr[1], 10.0);
  EXPECT_GT(sqnr[0], sqnr[1] + 6.0);
  const DecompositionReport f = decomposition_report(d, w);
  EXPECT_NEAR(f.rel_error, relative_error(d, w), 1e-9);
  EXPECT_NEAR(f.sqnr_db, -20.0 * std::log10(f.rel_error), 1e-9);
  EXPECT_NEAR(f.density, 0.3, 0.01);
}

}  // namespace
}  // namespace esc
