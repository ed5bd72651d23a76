#include "csplit.hpp"

#include <algorithm>

namespace esc::cli {

namespace {

IntLayer slice_channels(const IntLayer& L, int c0, int c1) {
  IntLayer s;
  s.cfg = L.cfg;
  s.cfg.C = c1 - c0;
  s.rq = L.rq;
  const int H = L.cfg.H, W = L.cfg.W, N = L.cfg.N, M = L.cfg.M, K = L.cfg.K;
  s.x = ActT(c1 - c0, H, W);
  for (int c = c0; c < c1; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) s.x(c - c0, y, x) = L.x(c, y, x);
  s.coef = CoefT(N, c1 - c0, M);
  for (int n = 0; n < N; ++n)
    for (int c = c0; c < c1; ++c)
      for (int m = 0; m < M; ++m) s.coef(n, c - c0, m) = L.coef(n, c, m);
  if (L.cfg.basis_per_channel) {
    s.basis = BasisT(c1 - c0, M, K, K);
    for (int c = c0; c < c1; ++c)
      for (int m = 0; m < M; ++m)
        for (int i = 0; i < K; ++i)
          for (int j = 0; j < K; ++j) s.basis(c - c0, m, i, j) = L.basis(c, m, i, j);
  } else {
    s.basis = L.basis;
  }
  return s;
}

}  // namespace

AccelResult run_layer_csplit(Accel& accel, const IntLayer& layer, const HwCaps& hw, int* groups) {
  const int C = layer.cfg.C;
  const int cmax = static_cast<int>(std::max<int64_t>(1, hw.C_MAX));
  const int g = (C + cmax - 1) / cmax;
  const int per = (C + g - 1) / g;
  AccelResult r;
  const int N = layer.cfg.N, Ho = layer.cfg.Ho(), Wo = layer.cfg.Wo();
  r.acc = AccT(N, Ho, Wo);
  r.acc.setZero();
  for (int c0 = 0; c0 < C; c0 += per) {
    const int c1 = std::min(C, c0 + per);
    const AccelResult part = accel.run_layer(slice_channels(layer, c0, c1));
    for (Eigen::Index i = 0; i < r.acc.size(); ++i) {
      r.acc.data()[i] = static_cast<int32_t>(static_cast<uint32_t>(r.acc.data()[i]) +
                                             static_cast<uint32_t>(part.acc.data()[i]));
    }
    const PerfCounters& p = part.stats.perf;
    r.stats.perf.total += p.total;
    r.stats.perf.bcu += p.bcu;
    r.stats.perf.cau += p.cau;
    r.stats.perf.stall += p.stall;
    r.stats.perf.res_beats += p.res_beats;
    r.stats.perf.ld_beats += p.ld_beats;
    r.stats.load_bytes += part.stats.load_bytes;
    r.stats.result_bytes += part.stats.result_bytes;
    r.stats.passes += part.stats.passes;
  }
  r.y = OutT(N, Ho, Wo);
  for (int n = 0; n < N; ++n)
    for (int y = 0; y < Ho; ++y)
      for (int x = 0; x < Wo; ++x)
        r.y(n, y, x) = requant(r.acc(n, y, x), layer.rq.bias[n], layer.rq.mult[n],
                               layer.rq.shift[n], layer.cfg.relu);
  if (groups != nullptr) *groups = g;
  return r;
}

}  // namespace esc::cli
