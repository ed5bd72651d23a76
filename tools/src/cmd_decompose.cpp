// escalate decompose: dense weights -> PENNI basis + sparse coefficients (golden decompose.hpp),
// quantised for the integer path, with a quality report.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "cli.hpp"
#include "esc/coef_codec.hpp"
#include "esc/decompose.hpp"
#include "esc/metrics.hpp"
#include "esc/npy.hpp"
#include "esc/report.hpp"

namespace esc::cli {

namespace {

WeightT read_weights(const std::string& path) {
  const NpyArray a = read_npy(path);
  if (a.shape.size() != 4) {
    throw InputError(path + ": --weights must have rank 4 (N,C,K,K), got rank " +
                     std::to_string(a.shape.size()) +
                     "; for PyTorch conv weights use scripts/export_torch.py");
  }
  if (a.shape[2] != a.shape[3]) {
    throw InputError(path + ": kernel is " + std::to_string(a.shape[2]) + "x" +
                     std::to_string(a.shape[3]) + ", only square K x K kernels are supported");
  }
  if (a.dtype == "float32") return to_tensor<float, 4>(a, path);
  if (a.dtype == "float64") {
    const Tensor<double, 4> d = to_tensor<double, 4>(a, path);
    return d.cast<float>();
  }
  throw InputError(
      path + ": dtype " + a.dtype +
      " not supported for --weights; save float32 or float64 (arr.astype(np.float32))");
}

double sqnr_db(double rel_err) {
  return rel_err > 0 ? -20.0 * std::log10(rel_err) : std::numeric_limits<double>::infinity();
}

}  // namespace

int cmd_decompose(const DecomposeOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.coef_w != 8 && o.coef_w != 4) throw InputError("--coef-w must be 8 or 4");
  check_output_path(o.out_basis, "--out-basis");
  check_output_path(o.out_coef, "--out-coef");
  check_output_path(o.out_scales, "--out-scales");
  check_output_path(o.json, "--json");
  if (o.std_factor <= 0.0 && !(o.density > 0.0 && o.density <= 1.0)) {
    throw InputError("--density must be in (0, 1], e.g. 0.1");
  }
  if (o.iters < 0 || o.iters > 100) throw InputError("--iters must be in 0..100");
  const WeightT w = read_weights(o.weights);
  const int N = static_cast<int>(w.dimension(0)), C = static_cast<int>(w.dimension(1)),
            K = static_cast<int>(w.dimension(2));
  if (K % 2 == 0 || K > 7)
    throw InputError(o.weights + ": K = " + std::to_string(K) + ", expected 1, 3, 5 or 7");
  if (o.M < 1 || o.M > K * K) {
    throw InputError("--M " + std::to_string(o.M) + " is outside 1..K*K = 1.." +
                     std::to_string(K * K) + " for K = " + std::to_string(K) +
                     (K == 1 ? " (1x1 layers are not decomposed: use --M 1)" : ""));
  }
  if (o.support != "iht" && o.support != "fixed") {
    throw InputError("--support " + o.support + ": must be iht or fixed");
  }
  DecomposeParams params;
  params.M = o.M;
  params.density = o.density;
  params.std_factor = o.std_factor;
  params.iters = o.iters;
  params.support = o.support == "iht" ? Support::kIht : Support::kFixed;
  const Decomposition d = decompose(w, params);
  const double err_float = relative_error(d, w);

  LayerConfig cfg;
  cfg.C = C;
  cfg.N = N;
  cfg.H = cfg.W = K;
  cfg.K = K;
  cfg.pad_t = cfg.pad_b = cfg.pad_l = cfg.pad_r = 0;
  ActT x(C, K, K);
  x.setZero();
  QuantOptions qo;
  qo.coef_w = o.coef_w;
  const IntLayer q = quantize(d, std::vector<float>(static_cast<size_t>(N), 0.0f), cfg, x, qo);

  // Dequantise with the scales quantize() uses (basis: max|B|/127; coef: max|A[n]|/qmax).
  const int M = d.M(), qmax = o.coef_w == 4 ? 7 : 127;
  double bmax = 0;
  for (Eigen::Index i = 0; i < d.basis.size(); ++i)
    bmax = std::max(bmax, std::abs(double(d.basis.data()[i])));
  const double sb = bmax > 0 ? bmax / 127.0 : 1.0;
  std::vector<float> scales(static_cast<size_t>(N) + 1);
  scales[0] = static_cast<float>(sb);
  Decomposition dq;
  dq.basis = Tensor<float, 3>(M, K, K);
  dq.coef = Tensor<float, 3>(N, C, M);
  for (Eigen::Index i = 0; i < dq.basis.size(); ++i)
    dq.basis.data()[i] = static_cast<float>(q.basis.data()[i] * sb);
  for (int n = 0; n < N; ++n) {
    double amax = 0;
    for (int c = 0; c < C; ++c)
      for (int m = 0; m < M; ++m) amax = std::max(amax, std::abs(double(d.coef(n, c, m))));
    const double sa = amax > 0 ? amax / qmax : 1.0;
    scales[static_cast<size_t>(n) + 1] = static_cast<float>(sa);
    for (int c = 0; c < C; ++c)
      for (int m = 0; m < M; ++m) dq.coef(n, c, m) = static_cast<float>(q.coef(n, c, m) * sa);
  }
  const double err_q = relative_error(dq, w);

  const EncodedCoef enc = encode_coef(q.coef, HwCaps{}.L);
  const StorageBits bits = storage_bits(q.cfg, enc);
  const double dense_w = static_cast<double>(N) * C * K * K;
  const double density = static_cast<double>(enc.nnz()) / (static_cast<double>(N) * C * M);

  Tensor<int8_t, 3> basis3(M, K, K);
  for (Eigen::Index i = 0; i < basis3.size(); ++i) basis3.data()[i] = q.basis.data()[i];
  write_npy(o.out_basis, from_tensor(basis3));
  write_npy(o.out_coef, from_tensor(q.coef));
  if (!o.out_scales.empty()) write_npy(o.out_scales, from_vector(scales));

  std::printf("decompose %s: W (%d,%d,%d,%d) -> basis (%d,%d,%d) int8 + coef (%d,%d,%d) int%d\n",
              o.weights.c_str(), N, C, K, K, M, K, K, N, C, M, o.coef_w);
  std::printf("  pruning            %s, %d refit rounds, support %s\n",
              o.std_factor > 0 ? ("|a| < " + std::to_string(o.std_factor) +
                                  " * std (population std, ddof 0, of all N*C*M coefficients)")
                                     .c_str()
                               : ("to density " + std::to_string(o.density)).c_str(),
              o.iters,
              o.support == "iht" ? "re-selected every round (iterative hard thresholding)"
                                 : "fixed after the first prune");
  std::printf("  density            %.4f (%lld of %lld coefficients nonzero after quantisation)\n",
              density, static_cast<long long>(enc.nnz()), static_cast<long long>(N) * C * M);
  std::printf("  rel. error (float) %.5f   SQNR %.2f dB   ||W - B*A||_F / ||W||_F\n", err_float,
              sqnr_db(err_float));
  std::printf("  rel. error (int)   %.5f   SQNR %.2f dB   after int8 basis / int%d coef\n", err_q,
              sqnr_db(err_q), o.coef_w);
  std::printf(
      "  storage            %lld bits (basis %lld, values %lld, indices %lld, pointers %lld)\n",
      static_cast<long long>(bits.total), static_cast<long long>(bits.basis),
      static_cast<long long>(bits.values), static_cast<long long>(bits.indices),
      static_cast<long long>(bits.pointers));
  std::printf("  compression        %.1fx vs fp32, %.1fx vs int8 dense\n",
              32.0 * dense_w / static_cast<double>(bits.total),
              8.0 * dense_w / static_cast<double>(bits.total));
  std::printf("  wrote              %s, %s%s%s (%.2f s)\n", o.out_basis.c_str(), o.out_coef.c_str(),
              o.out_scales.empty() ? "" : ", ", o.out_scales.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!o.json.empty()) {
    nlohmann::json j = {{"weights", o.weights},
                        {"N", N},
                        {"C", C},
                        {"K", K},
                        {"M", M},
                        {"coef_w", o.coef_w},
                        {"density_target", o.std_factor > 0 ? 0.0 : o.density},
                        {"std_factor", o.std_factor},
                        {"iters", o.iters},
                        {"support", o.support},
                        {"density", density},
                        {"nnz", enc.nnz()},
                        {"rel_error_float", err_float},
                        {"sqnr_db_float", sqnr_db(err_float)},
                        {"rel_error_int", err_q},
                        {"sqnr_db_int", sqnr_db(err_q)},
                        {"storage_bits", bits.total},
                        {"compression_vs_fp32", 32.0 * dense_w / static_cast<double>(bits.total)},
                        {"compression_vs_int8", 8.0 * dense_w / static_cast<double>(bits.total)}};
    write_file_atomic(o.json, j.dump(2) + "\n");
  }
  return kExitOk;
}

}  // namespace esc::cli
