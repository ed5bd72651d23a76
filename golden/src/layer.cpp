// Bit-exact reference of the decomposed convolution (docs/semantics.md).
#include "esc/layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace esc {

int LayerConfig::Ho() const {
  return (H + pad_t + pad_b - K) / stride + 1;
}
int LayerConfig::Wo() const {
  return (W + pad_l + pad_r - K) / stride + 1;
}

int64_t rshift(int64_t v, int k) {
  if (k <= 0) return v;
  if (k >= 64) return 0;  // |v| <= 2^63 <= 2^(k-1): rounds to 0 (and avoids a shift UB)
  // Equals (v + 2^(k-1)) >> k (arithmetic shift) without the overflow of the addition: the
  // rounding increment is bit k-1 of v. The tests pin this down on negative values.
  return (v >> k) + ((v >> (k - 1)) & 1);
}

int64_t sat_signed(int64_t v, int bits) {
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1;
  const int64_t lo = -(int64_t{1} << (bits - 1));
  return std::clamp(v, lo, hi);
}

int8_t requant(int32_t acc, int32_t bias, uint16_t mult, uint8_t shift, bool relu) {
  const int64_t sum = int64_t{acc} + int64_t{bias};  // |sum| < 2^32
  const int64_t prod = sum * int64_t{mult};          // |prod| < 2^48
  const int64_t r = rshift(prod, shift);
  return static_cast<int8_t>(std::clamp<int64_t>(r, relu ? 0 : -128, 127));
}

namespace {

std::string dims_str(const Eigen::Index* d, int r) {
  std::ostringstream s;
  s << "(";
  for (int i = 0; i < r; ++i) s << (i ? ", " : "") << d[i];
  s << ")";
  return s.str();
}

template <typename TensorT>
std::string check_dims(const std::string& name, const TensorT& t,
                       std::initializer_list<Eigen::Index> want) {
  constexpr int R = TensorT::NumDimensions;
  std::vector<Eigen::Index> w(want);
  bool ok = true;
  for (int i = 0; i < R; ++i) ok = ok && t.dimension(i) == w[i];
  if (ok) return "";
  return name + " has shape " + dims_str(t.dimensions().data(), R) + " but the config needs " +
         dims_str(w.data(), R) + "; fix the tensor or the config";
}

}  // namespace

std::string validate(const IntLayer& layer) {
  const LayerConfig& c = layer.cfg;
  auto bad = [](const std::string& field, const std::string& msg) { return field + ": " + msg; };
  if (c.C < 1) return bad("C", "must be >= 1, got " + std::to_string(c.C));
  if (c.N < 1) return bad("N", "must be >= 1, got " + std::to_string(c.N));
  if (c.N > 65536) return bad("N", "must be <= 65536 (16-bit n index), split the layer");
  if (c.H < 1) return bad("H", "must be >= 1, got " + std::to_string(c.H));
  if (c.W < 1) return bad("W", "must be >= 1, got " + std::to_string(c.W));
  // Size limits keep every index and element count of the reference inside int / int32.
  constexpr int kMaxSide = 1 << 16;
  if (c.C > kMaxSide) return bad("C", "must be <= 65536, got " + std::to_string(c.C));
  if (c.H > kMaxSide) return bad("H", "must be <= 65536, got " + std::to_string(c.H));
  if (c.W > kMaxSide) return bad("W", "must be <= 65536, got " + std::to_string(c.W));
  if (int64_t{c.H} * c.W > (int64_t{1} << 30))
    return bad("H", "H * W must be <= 2^30; split the image into row bands (slice_layer)");
  if (c.K != 1 && c.K != 3 && c.K != 5 && c.K != 7)
    return bad("K", "must be 1, 3, 5 or 7, got " + std::to_string(c.K));
  if (c.stride != 1 && c.stride != 2)
    return bad("stride", "must be 1 or 2, got " + std::to_string(c.stride));
  const int pads[4] = {c.pad_t, c.pad_b, c.pad_l, c.pad_r};
  const char* pad_names[4] = {"pad_t", "pad_b", "pad_l", "pad_r"};
  for (int i = 0; i < 4; ++i) {
    if (pads[i] < 0 || pads[i] > c.K - 1)
      return bad(pad_names[i], "must be in 0..K-1 = 0.." + std::to_string(c.K - 1) + ", got " +
                                   std::to_string(pads[i]));
  }
  if (int64_t{c.H} + c.pad_t + c.pad_b < c.K)
    return bad("H", "padded height " + std::to_string(int64_t{c.H} + c.pad_t + c.pad_b) +
                        " is smaller than K; enlarge H or the pads");
  if (int64_t{c.W} + c.pad_l + c.pad_r < c.K)
    return bad("W", "padded width " + std::to_string(int64_t{c.W} + c.pad_l + c.pad_r) +
                        " is smaller than K; enlarge W or the pads");
  if (c.M < 1) return bad("M", "must be >= 1, got " + std::to_string(c.M));
  if (c.M > 256) return bad("M", "must be <= 256 (8-bit m index), got " + std::to_string(c.M));
  if (c.zshift < 0 || c.zshift > 31)
    return bad("zshift", "must be in 0..31, got " + std::to_string(c.zshift));
  if (c.coef_w != 8 && c.coef_w != 4)
    return bad("coef_w", "must be 8 or 4, got " + std::to_string(c.coef_w));

  std::string e;
  if (!(e = check_dims("x", layer.x, {c.C, c.H, c.W})).empty()) return e;
  if (!(e = check_dims("basis", layer.basis, {c.CB(), c.M, c.K, c.K})).empty()) {
    return e + (c.basis_per_channel ? " (basis_per_channel: CB = C)" : " (layer-shared: CB = 1)");
  }
  if (!(e = check_dims("coef", layer.coef, {c.N, c.C, c.M})).empty()) return e;
  if (c.coef_w == 4) {
    for (Eigen::Index i = 0; i < layer.coef.size(); ++i) {
      const int v = layer.coef.data()[i];
      if (v < -8 || v > 7) {
        const Eigen::Index m = i % c.M, cc = (i / c.M) % c.C, n = i / (c.M * c.C);
        return bad("coef", "coef[" + std::to_string(n) + "][" + std::to_string(cc) + "][" +
                               std::to_string(m) + "] = " + std::to_string(v) +
                               " does not fit coef_w = 4 ([-8, 7]); requantise or use coef_w 8");
      }
    }
  }
  const size_t n = static_cast<size_t>(c.N);
  if (layer.rq.bias.size() != n)
    return bad("rq.bias", "has " + std::to_string(layer.rq.bias.size()) +
                              " entries, need N = " + std::to_string(n));
  if (layer.rq.mult.size() != n)
    return bad("rq.mult", "has " + std::to_string(layer.rq.mult.size()) +
                              " entries, need N = " + std::to_string(n));
  if (layer.rq.shift.size() != n)
    return bad("rq.shift", "has " + std::to_string(layer.rq.shift.size()) +
                               " entries, need N = " + std::to_string(n));
  for (size_t i = 0; i < n; ++i) {
    if (layer.rq.shift[i] > 63)
      return bad("rq.shift", "shift[" + std::to_string(i) +
                                 "] = " + std::to_string(layer.rq.shift[i]) + " must be <= 63");
  }
  return "";
}

Tensor<int32_t, 3> basis_stage(const IntLayer& layer, int c) {
  const LayerConfig& cfg = layer.cfg;
  const int Ho = cfg.Ho(), Wo = cfg.Wo(), K = cfg.K, s = cfg.stride, M = cfg.M;
  const int cb = cfg.basis_per_channel ? c : 0;
  Tensor<int32_t, 3> zq(M, Ho, Wo);
  // The K*K window of output pixel (y, x), zero where it hangs over the padding, is gathered
  // once and multiplied with each of the M bases: the same sums as a loop per basis.
  std::vector<int32_t> win(static_cast<size_t>(K * K));
  for (int y = 0; y < Ho; ++y) {
    for (int x = 0; x < Wo; ++x) {
      for (int i = 0; i < K; ++i) {
        const int iy = s * y + i - cfg.pad_t;
        for (int j = 0; j < K; ++j) {
          const int ix = s * x + j - cfg.pad_l;
          const bool inside = iy >= 0 && iy < cfg.H && ix >= 0 && ix < cfg.W;
          win[static_cast<size_t>(i * K + j)] = inside ? layer.x(c, iy, ix) : 0;  // zero padding
        }
      }
      for (int m = 0; m < M; ++m) {
        int64_t z = 0;  // exact: |z| <= 49 * 128 * 128 < 2^20
        for (int i = 0; i < K; ++i) {
          for (int j = 0; j < K; ++j) {
            z += int64_t{layer.basis(cb, m, i, j)} * win[static_cast<size_t>(i * K + j)];
          }
        }
        zq(m, y, x) = static_cast<int32_t>(sat_signed(rshift(z, cfg.zshift), kMidW));
      }
    }
  }
  return zq;
}

IntResult run_int(const IntLayer& layer) {
  const std::string err = validate(layer);
  if (!err.empty()) throw std::invalid_argument("run_int: " + err);
  const LayerConfig& cfg = layer.cfg;
  const int Ho = cfg.Ho(), Wo = cfg.Wo(), P = Ho * Wo;
  IntResult res;
  res.acc = AccT(cfg.N, Ho, Wo);
  res.acc.setZero();
  res.y = OutT(cfg.N, Ho, Wo);
  for (int c = 0; c < cfg.C; ++c) {
    const Tensor<int32_t, 3> zq = basis_stage(layer, c);
    for (int n = 0; n < cfg.N; ++n) {
      int32_t* acc = res.acc.data() + static_cast<int64_t>(n) * P;
      for (int m = 0; m < cfg.M; ++m) {
        const int32_t a = layer.coef(n, c, m);
        if (a == 0) continue;  // pruned: contributes nothing, order does not matter
        const int32_t* z = zq.data() + static_cast<int64_t>(m) * P;
        bool wrapped = false;
        for (int p = 0; p < P; ++p) {
          const int64_t t = int64_t{acc[p]} + int64_t{a} * int64_t{z[p]};
          wrapped |= t != static_cast<int32_t>(t);
          acc[p] = static_cast<int32_t>(static_cast<uint32_t>(t));  // two's complement wrap
        }
        if (wrapped && !res.overflow) {
          // Locate the first wrap: undo the (invertible) wrapped addition to get the old value.
          for (int p = 0; p < P; ++p) {
            const auto prod = static_cast<uint32_t>(int64_t{a} * int64_t{z[p]});
            const auto old = static_cast<int32_t>(static_cast<uint32_t>(acc[p]) - prod);
            const int64_t t = int64_t{old} + int64_t{a} * int64_t{z[p]};
            if (t != static_cast<int32_t>(t)) {
              res.overflow = true;
              res.overflow_at = "acc[n=" + std::to_string(n) + "][y=" + std::to_string(p / Wo) +
                                "][x=" + std::to_string(p % Wo) + "] after c=" + std::to_string(c) +
                                " m=" + std::to_string(m);
              break;
            }
          }
        }
      }
    }
  }
  for (int n = 0; n < cfg.N; ++n) {
    for (int p = 0; p < P; ++p) {
      res.y.data()[static_cast<int64_t>(n) * P + p] =
          requant(res.acc.data()[static_cast<int64_t>(n) * P + p], layer.rq.bias[n],
                  layer.rq.mult[n], layer.rq.shift[n], cfg.relu);
    }
  }
  return res;
}

uint64_t SplitMix64::next() {
  uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t SplitMix64::uniform(int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;  // 0 means the full 2^64
  if (range == 0) return static_cast<int64_t>(next());
  const uint64_t limit = (~uint64_t{0} / range) * range;  // reject the biased tail
  uint64_t v;
  do {
    v = next();
  } while (v >= limit);
  return lo + static_cast<int64_t>(v % range);
}

double SplitMix64::uniform01() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

IntLayer make_random_layer(const LayerConfig& cfg, double density, uint64_t seed) {
  SplitMix64 rng(seed);
  IntLayer L;
  L.cfg = cfg;
  L.x = ActT(cfg.C, cfg.H, cfg.W);
  for (Eigen::Index i = 0; i < L.x.size(); ++i) L.x.data()[i] = int8_t(rng.uniform(-128, 127));
  L.basis = BasisT(cfg.CB(), cfg.M, cfg.K, cfg.K);
  for (Eigen::Index i = 0; i < L.basis.size(); ++i)
    L.basis.data()[i] = int8_t(rng.uniform(-128, 127));
  L.coef = CoefT(cfg.N, cfg.C, cfg.M);
  const int amax = cfg.coef_w == 4 ? 7 : 127, amin = cfg.coef_w == 4 ? -8 : -128;
  for (Eigen::Index i = 0; i < L.coef.size(); ++i) {
    int8_t a = 0;
    if (rng.uniform01() < density) {
      int64_t v = rng.uniform(amin, amax - 1);  // nonzero: skip 0 by shifting up
      if (v >= 0) ++v;
      a = static_cast<int8_t>(v);
    }
    L.coef.data()[i] = a;
  }
  L.rq.bias.assign(cfg.N, 0);
  L.rq.mult.assign(cfg.N, 1);
  L.rq.shift.assign(cfg.N, 0);
  const std::string err = validate(L);
  if (!err.empty()) throw std::invalid_argument("make_random_layer: " + err);

  // zshift: the smallest shift that lets the largest |Z| exceed the Zq range by at most 1.5x,
  // so saturation is exercised now and then but Zq is not dominated by it.
  int64_t zmax = 0;  // exact max |Z| before shift and clamp
  {
    const int Ho = cfg.Ho(), Wo = cfg.Wo();
    for (int c = 0; c < cfg.C; ++c) {
      const int cb = cfg.basis_per_channel ? c : 0;
      for (int m = 0; m < cfg.M; ++m) {
        for (int y = 0; y < Ho; ++y) {
          for (int x = 0; x < Wo; ++x) {
            int64_t z = 0;
            for (int i = 0; i < cfg.K; ++i) {
              const int iy = cfg.stride * y + i - cfg.pad_t;
              if (iy < 0 || iy >= cfg.H) continue;
              for (int j = 0; j < cfg.K; ++j) {
                const int ix = cfg.stride * x + j - cfg.pad_l;
                if (ix < 0 || ix >= cfg.W) continue;
                z += int64_t{L.basis(cb, m, i, j)} * L.x(c, iy, ix);
              }
            }
            zmax = std::max<int64_t>(zmax, std::abs(z));
          }
        }
      }
    }
  }
  const int64_t zlimit = (int64_t{1} << (kMidW - 1)) + (int64_t{1} << (kMidW - 2));
  int zshift = 0;
  while (zshift < 31 && std::abs(rshift(zmax, zshift)) > zlimit) ++zshift;
  L.cfg.zshift = zshift;
  IntResult r = run_int(L);
  while (r.overflow && L.cfg.zshift < 31) {  // keep the accumulator in range
    ++L.cfg.zshift;
    r = run_int(L);
  }

  // Requantisation: per output channel, map the largest |acc + bias| to about 160, so most
  // outputs land inside int8 and only the tails saturate.
  const int P = L.cfg.Ho() * L.cfg.Wo();
  for (int n = 0; n < cfg.N; ++n) {
    int64_t amax_n = 0;
    for (int p = 0; p < P; ++p)
      amax_n = std::max<int64_t>(amax_n, std::abs(int64_t{r.acc.data()[int64_t{n} * P + p]}));
    const int64_t b = amax_n > 0 ? rng.uniform(-(amax_n / 4), amax_n / 4) : rng.uniform(-100, 100);
    const uint16_t mult = amax_n > 0 ? static_cast<uint16_t>(rng.uniform(16384, 65535)) : 1;
    const int64_t span = (amax_n + std::abs(b)) * mult;
    int sh = 0;
    while (sh < 63 && rshift(span, sh) > 160) ++sh;
    L.rq.bias[n] = static_cast<int32_t>(b);
    L.rq.mult[n] = mult;
    L.rq.shift[n] = static_cast<uint8_t>(sh);
  }
  return L;
}

IntLayer slice_layer(const IntLayer& layer, int n0, int n1, int r0, int r1, int c0, int c1) {
  const std::string err = validate(layer);
  if (!err.empty()) throw std::invalid_argument("slice_layer: " + err);
  const LayerConfig& c = layer.cfg;
  if (n0 < 0 || n1 > c.N || n0 >= n1)
    throw std::invalid_argument("slice_layer: need 0 <= n0 < n1 <= N");
  if (r0 < 0 || r1 > c.Ho() || r0 >= r1)
    throw std::invalid_argument("slice_layer: need 0 <= r0 < r1 <= Ho");
  if (c1 < 0) c1 = c.C;
  if (c0 < 0 || c1 > c.C || c0 >= c1)
    throw std::invalid_argument("slice_layer: need 0 <= c0 < c1 <= C");
  IntLayer s;
  s.cfg = c;
  s.cfg.N = n1 - n0;
  s.cfg.C = c1 - c0;
  // Input rows touched by output rows [r0, r1): [y_lo, y_hi] in padded coordinates.
  const int y_lo = r0 * c.stride - c.pad_t;
  const int y_hi = (r1 - 1) * c.stride - c.pad_t + c.K - 1;
  const int first = std::max(y_lo, 0), last = std::min(y_hi, c.H - 1);
  s.cfg.pad_t = first - y_lo;
  s.cfg.pad_b = y_hi - last;
  s.cfg.H = last - first + 1;
  s.x = ActT(s.cfg.C, s.cfg.H, c.W);
  for (int ch = 0; ch < s.cfg.C; ++ch)
    for (int y = 0; y < s.cfg.H; ++y)
      for (int x = 0; x < c.W; ++x) s.x(ch, y, x) = layer.x(c0 + ch, first + y, x);
  if (c.basis_per_channel) {
    s.basis = BasisT(s.cfg.C, c.M, c.K, c.K);
    for (int ch = 0; ch < s.cfg.C; ++ch)
      for (int m = 0; m < c.M; ++m)
        for (int i = 0; i < c.K; ++i)
          for (int j = 0; j < c.K; ++j) s.basis(ch, m, i, j) = layer.basis(c0 + ch, m, i, j);
  } else {
    s.basis = layer.basis;
  }
  s.coef = CoefT(s.cfg.N, s.cfg.C, c.M);
  for (int n = 0; n < s.cfg.N; ++n)
    for (int ch = 0; ch < s.cfg.C; ++ch)
      for (int m = 0; m < c.M; ++m) s.coef(n, ch, m) = layer.coef(n0 + n, c0 + ch, m);
  s.rq.bias.assign(layer.rq.bias.begin() + n0, layer.rq.bias.begin() + n1);
  s.rq.mult.assign(layer.rq.mult.begin() + n0, layer.rq.mult.begin() + n1);
  s.rq.shift.assign(layer.rq.shift.begin() + n0, layer.rq.shift.begin() + n1);
  return s;
}

}  // namespace esc
