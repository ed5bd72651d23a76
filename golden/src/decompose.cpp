// PENNI decomposition (float) and quantisation into the integer semantics.
#include "esc/decompose.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace esc {

namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// (N*C) x K^2 kernel matrix, row n*C + c.
MatD kernel_matrix(const WeightT& w) {
  const Eigen::Index rows = w.dimension(0) * w.dimension(1);
  const Eigen::Index k2 = w.dimension(2) * w.dimension(3);
  MatD m(rows, k2);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index t = 0; t < k2; ++t) m(r, t) = w.data()[r * k2 + t];
  return m;
}

MatD basis_matrix(const Decomposition& d) {  // M x K^2
  const Eigen::Index M = d.basis.dimension(0), k2 = d.basis.dimension(1) * d.basis.dimension(2);
  MatD b(M, k2);
  for (Eigen::Index m = 0; m < M; ++m)
    for (Eigen::Index t = 0; t < k2; ++t) b(m, t) = d.basis.data()[m * k2 + t];
  return b;
}

MatD coef_matrix(const Decomposition& d) {  // (N*C) x M
  const Eigen::Index rows = d.coef.dimension(0) * d.coef.dimension(1), M = d.coef.dimension(2);
  MatD a(rows, M);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index m = 0; m < M; ++m) a(r, m) = d.coef.data()[r * M + m];
  return a;
}

void check_shapes(const Decomposition& d, const WeightT& w) {
  if (d.coef.dimension(0) != w.dimension(0) || d.coef.dimension(1) != w.dimension(1) ||
      d.basis.dimension(1) != w.dimension(2) || d.basis.dimension(2) != w.dimension(3) ||
      d.coef.dimension(2) != d.basis.dimension(0))
    throw std::invalid_argument("decomposition and weights have inconsistent shapes");
}

}  // namespace

Decomposition svd_init(const WeightT& w, int M) {
  const int K = static_cast<int>(w.dimension(2));
  if (w.dimension(3) != K) throw std::invalid_argument("svd_init: kernels must be square");
  const int k2 = K * K;
  if (M < 1 || M > k2) throw std::invalid_argument("svd_init: need 1 <= M <= K*K");
  const Eigen::Index N = w.dimension(0), C = w.dimension(1);
  Decomposition d;
  d.basis = Tensor<float, 3>(M, K, K);
  d.coef = Tensor<float, 3>(N, C, M);
  const MatD wm = kernel_matrix(w);
  MatD b(M, k2);
  if (K == 1) {
    b.setOnes();  // M == 1: 1x1 layers are not decomposed, the coefficients are the weights
  } else {
    // Right singular vectors = eigenvectors of the K^2 x K^2 Gram matrix (cheap for any N*C).
    const Eigen::MatrixXd gram = wm.transpose() * wm;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(gram);
    for (int m = 0; m < M; ++m) {  // eigenvalues ascending: take the last M, largest first
      Eigen::VectorXd v = es.eigenvectors().col(k2 - 1 - m);
      // Sign convention: largest-magnitude element positive, so the result is deterministic.
      Eigen::Index imax;
      v.cwiseAbs().maxCoeff(&imax);
      if (v(imax) < 0) v = -v;
      b.row(m) = v.transpose();
    }
  }
  const MatD a = wm * b.transpose();  // orthonormal rows: projection = least squares
  for (int m = 0; m < M; ++m)
    for (int t = 0; t < k2; ++t) d.basis.data()[m * k2 + t] = static_cast<float>(b(m, t));
  for (Eigen::Index r = 0; r < N * C; ++r)
    for (int m = 0; m < M; ++m) d.coef.data()[r * M + m] = static_cast<float>(a(r, m));
  return d;
}

void prune_to_density(Decomposition& d, double density) {
  const Eigen::Index n = d.coef.size();
  const Eigen::Index keep =
      std::clamp<Eigen::Index>(std::llround(std::clamp(density, 0.0, 1.0) * double(n)), 0, n);
  std::vector<Eigen::Index> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  float* a = d.coef.data();
  std::stable_sort(idx.begin(), idx.end(),
                   [a](Eigen::Index i, Eigen::Index j) { return std::abs(a[i]) > std::abs(a[j]); });
  for (Eigen::Index i = keep; i < n; ++i) a[idx[i]] = 0.0f;
}

void prune_by_std(Decomposition& d, double factor) {
  const Eigen::Index n = d.coef.size();
  if (n == 0) return;
  double mean = 0, sq = 0;
  for (Eigen::Index i = 0; i < n; ++i) mean += d.coef.data()[i];
  mean /= double(n);
  for (Eigen::Index i = 0; i < n; ++i) sq += (d.coef.data()[i] - mean) * (d.coef.data()[i] - mean);
  const double thr = factor * std::sqrt(sq / double(n));
  for (Eigen::Index i = 0; i < n; ++i)
    if (std::abs(d.coef.data()[i]) < thr) d.coef.data()[i] = 0.0f;
}

void refit_coef(Decomposition& d, const WeightT& w) {
  check_shapes(d, w);
  const MatD wm = kernel_matrix(w), b = basis_matrix(d);
  const int M = d.M();
  const MatD gram = b * b.transpose();  // M x M
  const MatD bw = wm * b.transpose();   // (N*C) x M: <w_r, b_m>
  std::vector<int> sup;
  for (Eigen::Index r = 0; r < wm.rows(); ++r) {
    float* a = d.coef.data() + r * M;
    sup.clear();
    for (int m = 0; m < M; ++m)
      if (a[m] != 0.0f) sup.push_back(m);
    if (sup.empty()) continue;
    const int s = static_cast<int>(sup.size());
    Eigen::MatrixXd g(s, s);
    Eigen::VectorXd rhs(s);
    for (int i = 0; i < s; ++i) {
      rhs(i) = bw(r, sup[i]);
      for (int j = 0; j < s; ++j) g(i, j) = gram(sup[i], sup[j]);
    }
    const Eigen::VectorXd sol = g.completeOrthogonalDecomposition().solve(rhs);
    for (int i = 0; i < s; ++i) {
      // Keep the pattern: a refit value that is exactly 0 would silently unprune/prune.
      const float v = static_cast<float>(sol(i));
      a[sup[i]] = v != 0.0f ? v : std::numeric_limits<float>::min();
    }
  }
}

void refit_basis(Decomposition& d, const WeightT& w) {
  check_shapes(d, w);
  const MatD wm = kernel_matrix(w), a = coef_matrix(d);
  const Eigen::MatrixXd ata = a.transpose() * a;
  const Eigen::MatrixXd atw = a.transpose() * wm;
  const Eigen::MatrixXd b = ata.completeOrthogonalDecomposition().solve(atw);  // M x K^2
  const Eigen::Index k2 = b.cols();
  for (Eigen::Index m = 0; m < b.rows(); ++m)
    for (Eigen::Index t = 0; t < k2; ++t) d.basis.data()[m * k2 + t] = static_cast<float>(b(m, t));
}

WeightT compose(const Decomposition& d) {
  const Eigen::Index N = d.coef.dimension(0), C = d.coef.dimension(1), M = d.coef.dimension(2);
  const Eigen::Index K = d.basis.dimension(1);
  const MatD wm = coef_matrix(d) * basis_matrix(d);
  WeightT w(N, C, K, K);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(wm.data()[i]);
  (void)M;
  return w;
}

double relative_error(const Decomposition& d, const WeightT& w) {
  check_shapes(d, w);
  const MatD wm = kernel_matrix(w);
  const double norm = wm.norm();
  const MatD diff = wm - coef_matrix(d) * basis_matrix(d);
  return norm > 0 ? diff.norm() / norm : diff.norm();
}

void fit_coef_dense(Decomposition& d, const WeightT& w) {
  check_shapes(d, w);
  const MatD wm = kernel_matrix(w), b = basis_matrix(d);
  const Eigen::MatrixXd gram = b * b.transpose();                // M x M
  const Eigen::MatrixXd rhs = (wm * b.transpose()).transpose();  // M x (N*C)
  const Eigen::MatrixXd a = gram.completeOrthogonalDecomposition().solve(rhs);
  const Eigen::Index M = a.rows();
  for (Eigen::Index r = 0; r < a.cols(); ++r)
    for (Eigen::Index m = 0; m < M; ++m) d.coef.data()[r * M + m] = static_cast<float>(a(m, r));
}

void normalize_basis(Decomposition& d) {
  const Eigen::Index M = d.basis.dimension(0), k2 = d.basis.dimension(1) * d.basis.dimension(2);
  const Eigen::Index rows = d.coef.dimension(0) * d.coef.dimension(1);
  for (Eigen::Index m = 0; m < M; ++m) {
    double norm = 0;
    for (Eigen::Index t = 0; t < k2; ++t)
      norm += double(d.basis.data()[m * k2 + t]) * d.basis.data()[m * k2 + t];
    norm = std::sqrt(norm);
    if (norm == 0) continue;
    for (Eigen::Index t = 0; t < k2; ++t)
      d.basis.data()[m * k2 + t] = static_cast<float>(d.basis.data()[m * k2 + t] / norm);
    for (Eigen::Index r = 0; r < rows; ++r)
      d.coef.data()[r * M + m] = static_cast<float>(d.coef.data()[r * M + m] * norm);
  }
}

Decomposition decompose(const WeightT& w, const DecomposeParams& p) {
  Decomposition d = svd_init(w, p.M);
  auto prune = [&p](Decomposition& x) {
    if (p.std_factor > 0.0) {
      prune_by_std(x, p.std_factor);
    } else {
      prune_to_density(x, p.density);
    }
  };
  prune(d);
  refit_coef(d, w);
  Decomposition best = d;
  double best_err = relative_error(d, w);
  for (int i = 0; i < p.iters; ++i) {
    if (p.support == Support::kIht) {
      normalize_basis(d);
      fit_coef_dense(d, w);
      prune(d);
      refit_coef(d, w);
    }
    refit_basis(d, w);
    refit_coef(d, w);
    const double err = relative_error(d, w);
    if (err < best_err) {
      best = d;
      best_err = err;
    }
  }
  return best;
}

Decomposition decompose(const WeightT& w, int M, double density, int iters) {
  Decomposition d = svd_init(w, M);
  prune_to_density(d, density);
  for (int i = 0; i < iters; ++i) {
    refit_coef(d, w);
    refit_basis(d, w);
  }
  refit_coef(d, w);
  return d;
}

Tensor<float, 3> conv_float(const WeightT& w, const std::vector<float>& bias,
                            const Tensor<float, 3>& x, const LayerConfig& cfg) {
  const int Ho = cfg.Ho(), Wo = cfg.Wo(), K = cfg.K;
  Tensor<float, 3> y(cfg.N, Ho, Wo);
  for (int n = 0; n < cfg.N; ++n)
    for (int oy = 0; oy < Ho; ++oy)
      for (int ox = 0; ox < Wo; ++ox) {
        double s = bias.empty() ? 0.0 : bias[n];
        for (int c = 0; c < cfg.C; ++c)
          for (int i = 0; i < K; ++i) {
            const int iy = cfg.stride * oy + i - cfg.pad_t;
            if (iy < 0 || iy >= cfg.H) continue;
            for (int j = 0; j < K; ++j) {
              const int ix = cfg.stride * ox + j - cfg.pad_l;
              if (ix < 0 || ix >= cfg.W) continue;
              s += double(w(n, c, i, j)) * double(x(c, iy, ix));
            }
          }
        y(n, oy, ox) = static_cast<float>(cfg.relu ? std::max(0.0, s) : s);
      }
  return y;
}

namespace {

void check_float_layer(const Tensor<float, 4>& basis, const Tensor<float, 3>& coef,
                       const std::vector<float>& bias, const Tensor<float, 3>& x,
                       const LayerConfig& cfg, const char* who) {
  const std::string w = who;
  if (cfg.C < 1 || cfg.N < 1 || cfg.M < 1 || cfg.K < 1 || cfg.stride < 1 || cfg.Ho() < 1 ||
      cfg.Wo() < 1)
    throw std::invalid_argument(w + ": bad geometry in cfg (C, N, M, K, stride, H/W vs pads)");
  if (basis.dimension(0) != cfg.CB() || basis.dimension(1) != cfg.M ||
      basis.dimension(2) != cfg.K || basis.dimension(3) != cfg.K)
    throw std::invalid_argument(
        w + ": basis must be (CB, M, K, K) with CB = " + std::to_string(cfg.CB()));
  if (coef.dimension(0) != cfg.N || coef.dimension(1) != cfg.C || coef.dimension(2) != cfg.M)
    throw std::invalid_argument(w + ": coef must be (N, C, M)");
  if (x.dimension(0) != cfg.C || x.dimension(1) != cfg.H || x.dimension(2) != cfg.W)
    throw std::invalid_argument(w + ": x must be (C, H, W)");
  if (!bias.empty() && static_cast<int>(bias.size()) != cfg.N)
    throw std::invalid_argument(w + ": bias must be empty or have N entries");
}

// One basis-stage value Z[c][m] at output pixel (oy, ox), zero padding, in double.
double basis_value(const Tensor<float, 4>& basis, const Tensor<float, 3>& x, const LayerConfig& cfg,
                   int c, int m, int oy, int ox) {
  const int cb = cfg.basis_per_channel ? c : 0;
  double z = 0;
  for (int i = 0; i < cfg.K; ++i) {
    const int iy = cfg.stride * oy + i - cfg.pad_t;
    if (iy < 0 || iy >= cfg.H) continue;
    for (int j = 0; j < cfg.K; ++j) {
      const int ix = cfg.stride * ox + j - cfg.pad_l;
      if (ix < 0 || ix >= cfg.W) continue;
      z += double(basis(cb, m, i, j)) * double(x(c, iy, ix));
    }
  }
  return z;
}

float finish(double v, const std::vector<float>& bias, int n, bool relu) {
  const double s = v + (bias.empty() ? 0.0 : double(bias[n]));
  return static_cast<float>(relu ? std::max(0.0, s) : s);
}

Tensor<float, 4> as_layer_basis(const Decomposition& d) {
  Tensor<float, 4> b(1, d.basis.dimension(0), d.basis.dimension(1), d.basis.dimension(2));
  std::copy(d.basis.data(), d.basis.data() + d.basis.size(), b.data());
  return b;
}

LayerConfig with_decomposition(LayerConfig cfg, const Decomposition& d) {
  cfg.M = d.M();
  cfg.basis_per_channel = false;
  return cfg;
}

}  // namespace

Tensor<float, 3> conv_decomposed_stages(const Tensor<float, 4>& basis, const Tensor<float, 3>& coef,
                                        const std::vector<float>& bias, const Tensor<float, 3>& x,
                                        const LayerConfig& cfg) {
  check_float_layer(basis, coef, bias, x, cfg, "conv_decomposed_stages");
  const int Ho = cfg.Ho(), Wo = cfg.Wo(), M = cfg.M;
  // Basis stage over the whole map: Z (C, M, Ho, Wo), stored.
  Tensor<double, 4> z(cfg.C, M, Ho, Wo);
  for (int c = 0; c < cfg.C; ++c)
    for (int m = 0; m < M; ++m)
      for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox) z(c, m, oy, ox) = basis_value(basis, x, cfg, c, m, oy, ox);
  // Coefficient stage.
  Tensor<float, 3> y(cfg.N, Ho, Wo);
  for (int n = 0; n < cfg.N; ++n)
    for (int oy = 0; oy < Ho; ++oy)
      for (int ox = 0; ox < Wo; ++ox) {
        double s = 0;
        for (int c = 0; c < cfg.C; ++c)
          for (int m = 0; m < M; ++m) s += double(coef(n, c, m)) * z(c, m, oy, ox);
        y(n, oy, ox) = finish(s, bias, n, cfg.relu);
      }
  return y;
}

Tensor<float, 3> conv_basis_first(const Tensor<float, 4>& basis, const Tensor<float, 3>& coef,
                                  const std::vector<float>& bias, const Tensor<float, 3>& x,
                                  const LayerConfig& cfg, int tile) {
  check_float_layer(basis, coef, bias, x, cfg, "conv_basis_first");
  if (tile < 1) throw std::invalid_argument("conv_basis_first: tile must be >= 1");
  const int Ho = cfg.Ho(), Wo = cfg.Wo(), M = cfg.M, P = Ho * Wo;
  // Column c of A as its nonzeros (n, m, a): the sparse stream the CAU reads.
  struct Nz {
    int n, m;
    double a;
  };
  std::vector<std::vector<Nz>> col(cfg.C);
  for (int c = 0; c < cfg.C; ++c)
    for (int n = 0; n < cfg.N; ++n)
      for (int m = 0; m < M; ++m)
        if (coef(n, c, m) != 0.0f) col[c].push_back({n, m, double(coef(n, c, m))});
  Tensor<float, 3> y(cfg.N, Ho, Wo);
  std::vector<double> psum, zt;
  for (int t0 = 0; t0 < P; t0 += tile) {
    const int T = std::min(tile, P - t0);
    psum.assign(static_cast<size_t>(cfg.N) * T, 0.0);
    for (int c = 0; c < cfg.C; ++c) {  // stream input channels
      zt.assign(static_cast<size_t>(M) * T, 0.0);
      for (int m = 0; m < M; ++m)  // basis stage for this tile only
        for (int t = 0; t < T; ++t)
          zt[size_t(m) * T + t] = basis_value(basis, x, cfg, c, m, (t0 + t) / Wo, (t0 + t) % Wo);
      for (const Nz& e : col[c])  // coefficient stage: vector op along the tile
        for (int t = 0; t < T; ++t) psum[size_t(e.n) * T + t] += e.a * zt[size_t(e.m) * T + t];
    }
    for (int n = 0; n < cfg.N; ++n)
      for (int t = 0; t < T; ++t)
        y.data()[int64_t{n} * P + t0 + t] = finish(psum[size_t(n) * T + t], bias, n, cfg.relu);
  }
  return y;
}

Tensor<float, 3> conv_decomposed_stages(const Decomposition& d, const std::vector<float>& bias,
                                        const Tensor<float, 3>& x, const LayerConfig& cfg) {
  return conv_decomposed_stages(as_layer_basis(d), d.coef, bias, x, with_decomposition(cfg, d));
}

Tensor<float, 3> conv_basis_first(const Decomposition& d, const std::vector<float>& bias,
                                  const Tensor<float, 3>& x, const LayerConfig& cfg, int tile) {
  return conv_basis_first(as_layer_basis(d), d.coef, bias, x, with_decomposition(cfg, d), tile);
}

Decomposition dequantize(const IntLayer& layer, const QuantScales& scales) {
  const LayerConfig& c = layer.cfg;
  if (c.basis_per_channel) throw std::invalid_argument("dequantize: layer-shared basis only");
  if (static_cast<int>(scales.coef.size()) != c.N)
    throw std::invalid_argument("dequantize: scales.coef must have N entries");
  Decomposition d;
  d.basis = Tensor<float, 3>(c.M, c.K, c.K);
  for (Eigen::Index i = 0; i < d.basis.size(); ++i)
    d.basis.data()[i] = static_cast<float>(scales.basis * layer.basis.data()[i]);
  d.coef = Tensor<float, 3>(c.N, c.C, c.M);
  for (int n = 0; n < c.N; ++n)
    for (int ch = 0; ch < c.C; ++ch)
      for (int m = 0; m < c.M; ++m)
        d.coef(n, ch, m) = static_cast<float>(scales.coef[n] * layer.coef(n, ch, m));
  return d;
}

DecompositionReport decomposition_report(const Decomposition& d, const WeightT& w, int coef_w,
                                         int lanes) {
  check_shapes(d, w);
  if (coef_w != 8 && coef_w != 4)
    throw std::invalid_argument("decomposition_report: coef_w 8 or 4");
  DecompositionReport r;
  const MatD wm = kernel_matrix(w);
  const double sig = wm.squaredNorm();
  const double noise = (wm - coef_matrix(d) * basis_matrix(d)).squaredNorm();
  r.rel_error = sig > 0 ? std::sqrt(noise / sig) : std::sqrt(noise);
  r.sqnr_db = noise > 0 ? 10.0 * std::log10(sig / noise) : std::numeric_limits<double>::infinity();
  // Only the nonzero pattern matters for the storage accounting.
  CoefT pattern(d.coef.dimension(0), d.coef.dimension(1), d.coef.dimension(2));
  for (Eigen::Index i = 0; i < d.coef.size(); ++i) {
    const bool nz = d.coef.data()[i] != 0.0f;
    pattern.data()[i] = nz ? 1 : 0;
    r.nnz += nz;
  }
  r.coef_slots = d.coef.size();
  r.density = r.coef_slots ? double(r.nnz) / double(r.coef_slots) : 0.0;
  LayerConfig cfg;
  cfg.N = static_cast<int>(w.dimension(0));
  cfg.C = static_cast<int>(w.dimension(1));
  cfg.K = static_cast<int>(w.dimension(2));
  cfg.M = d.M();
  cfg.coef_w = coef_w;
  cfg.basis_per_channel = false;
  r.bits = storage_bits(cfg, encode_coef(pattern, lanes));
  const int64_t dense = int64_t{cfg.N} * cfg.C * cfg.K * cfg.K;
  r.dense_fp32_bits = dense * 32;
  r.dense_int8_bits = dense * 8;
  r.compression_fp32 = r.bits.total ? double(r.dense_fp32_bits) / double(r.bits.total) : 0.0;
  r.compression_int8 = r.bits.total ? double(r.dense_int8_bits) / double(r.bits.total) : 0.0;
  return r;
}

IntLayer quantize(const Decomposition& d, const std::vector<float>& bias, const LayerConfig& cfg,
                  const ActT& x, const QuantOptions& opt, QuantScales* scales) {
  if (opt.coef_w != 8 && opt.coef_w != 4) throw std::invalid_argument("quantize: coef_w 8 or 4");
  if (!(opt.x_scale > 0) || !(opt.y_scale > 0))
    throw std::invalid_argument("quantize: x_scale and y_scale must be > 0");
  IntLayer L;
  L.cfg = cfg;
  L.cfg.M = d.M();
  L.cfg.coef_w = opt.coef_w;
  L.cfg.basis_per_channel = false;
  L.cfg.zshift = 0;
  const int M = d.M(), K = cfg.K, N = cfg.N, C = cfg.C;
  if (d.basis.dimension(1) != K || d.coef.dimension(0) != N || d.coef.dimension(1) != C)
    throw std::invalid_argument("quantize: decomposition does not match cfg (K, N, C)");
  // Basis: one symmetric scale per layer.
  double bmax = 0;
  for (Eigen::Index i = 0; i < d.basis.size(); ++i)
    bmax = std::max(bmax, std::abs(double(d.basis.data()[i])));
  const double sb = bmax > 0 ? bmax / 127.0 : 1.0;
  L.basis = BasisT(1, M, K, K);
  for (Eigen::Index i = 0; i < d.basis.size(); ++i)
    L.basis.data()[i] =
        static_cast<int8_t>(std::clamp<long>(std::lround(d.basis.data()[i] / sb), -127, 127));
  // Coefficients: symmetric scale per output channel; a pruned entry stays 0, and a kept entry
  // that would round to 0 is dropped too (it cannot be represented).
  const int qmax = opt.coef_w == 4 ? 7 : 127;
  std::vector<double> sa(N, 1.0);
  L.coef = CoefT(N, C, M);
  for (int n = 0; n < N; ++n) {
    double amax = 0;
    for (int c = 0; c < C; ++c)
      for (int m = 0; m < M; ++m) amax = std::max(amax, std::abs(double(d.coef(n, c, m))));
    sa[n] = amax > 0 ? amax / qmax : 1.0;
    for (int c = 0; c < C; ++c)
      for (int m = 0; m < M; ++m)
        L.coef(n, c, m) = static_cast<int8_t>(
            std::clamp<long>(std::lround(d.coef(n, c, m) / sa[n]), -qmax, qmax));
  }
  L.x = x;
  L.rq.bias.assign(N, 0);
  L.rq.mult.assign(N, 1);
  L.rq.shift.assign(N, 0);
  // zshift from the calibration input: Zq of the basis stage before saturation.
  int64_t zmax = 0;
  {
    IntLayer probe = L;
    probe.cfg.zshift = 0;
    for (int c = 0; c < C; ++c) {
      const Tensor<int32_t, 3> z = basis_stage(probe, c);  // saturated at 16 bits
      for (Eigen::Index i = 0; i < z.size(); ++i)
        zmax = std::max<int64_t>(zmax, std::abs(int64_t{z.data()[i]}));
    }
  }
  // basis_stage saturates at zshift 0, so grow zshift while the probe is at the rail.
  int zs = 0;
  while (zs < 31 && zmax >= (int64_t{1} << (kMidW - 1)) - 1) {
    ++zs;
    IntLayer probe = L;
    probe.cfg.zshift = zs;
    zmax = 0;
    for (int c = 0; c < C; ++c) {
      const Tensor<int32_t, 3> z = basis_stage(probe, c);
      for (Eigen::Index i = 0; i < z.size(); ++i)
        zmax = std::max<int64_t>(zmax, std::abs(int64_t{z.data()[i]}));
    }
  }
  L.cfg.zshift = zs;
  if (scales) {
    scales->basis = sb;
    scales->coef = sa;
    scales->acc_unit.assign(N, 0.0);
  }
  // Requantisation: real y / y_scale = acc * r[n], r[n] = sa[n] * sb * x_scale * 2^zshift /
  // y_scale.
  for (int n = 0; n < N; ++n) {
    const double unit = sa[n] * sb * opt.x_scale * std::ldexp(1.0, zs);  // real value of acc LSB
    if (scales) scales->acc_unit[n] = unit;
    const double r = unit / opt.y_scale;
    int sh = 0;
    while (sh < 63 && std::ldexp(r, sh + 1) <= 65535.0) ++sh;
    const double mult = std::round(std::ldexp(r, sh));
    L.rq.mult[n] = static_cast<uint16_t>(std::clamp(mult, 1.0, 65535.0));
    L.rq.shift[n] = static_cast<uint8_t>(sh);
    const double b = bias.empty() ? 0.0 : bias[n] / unit;
    L.rq.bias[n] = static_cast<int32_t>(std::clamp(std::round(b), -2147483648.0, 2147483647.0));
  }
  return L;
}

}  // namespace esc
