// Constrained-random layer generator for the top-level regression. Every choice comes from
// one seed (SplitMix64), so ESC_SEED=<seed> reproduces a case exactly.
#pragma once

#include <algorithm>
#include <cstdint>

#include "esc/accel.hpp"
#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

struct RandomCase {
  IntLayer layer;
  double idle_prob = 0.0;
  double backpressure_prob = 0.0;
  const char* flavour = "";  // which corner the case aims at (printed in failures)
};

// Shapes are kept small (fast in simulation) but always within `hw` capacities.
inline RandomCase make_random_case(uint64_t seed, const HwCaps& hw) {
  SplitMix64 r(seed);
  RandomCase rc;
  LayerConfig c;
  c.K = r.uniform(0, 3) == 0 ? 1 : 3;
  if (hw.K_MAX < 3) c.K = 1;
  c.stride = r.uniform(0, 2) == 0 ? 2 : 1;
  auto pad = [&] { return static_cast<int>(r.uniform(0, c.K - 1)); };
  c.pad_t = pad();
  c.pad_b = pad();
  c.pad_l = pad();
  c.pad_r = pad();
  c.M = static_cast<int>(r.uniform(1, std::max(1, hw.M_MAX)));
  c.C = static_cast<int>(r.uniform(1, std::min<int64_t>(r.uniform(0, 3) == 0 ? 24 : 6, hw.C_MAX)));
  c.N = static_cast<int>(r.uniform(1, std::min<int64_t>(r.uniform(0, 3) == 0 ? 40 : 12, hw.N_MAX)));
  // H, W: at least one output pixel; sometimes 1-pixel-wide / tall images.
  const int hmin = std::max(1, c.K - c.pad_t - c.pad_b);
  const int wmin = std::max(1, c.K - c.pad_l - c.pad_r);
  c.H = static_cast<int>(r.uniform(hmin, hmin + (r.uniform(0, 3) == 0 ? 15 : 7)));
  c.W = static_cast<int>(r.uniform(wmin, wmin + (r.uniform(0, 3) == 0 ? 15 : 7)));
  // Keep every case tileable on small configurations (gate-level netlist): K input rows of
  // one output row fit the IFMAP buffer, one output channel fits a coefficient lane.
  while (c.C > 1 &&
         (int64_t{c.C} * c.K * c.W > hw.ifmap_bytes || int64_t{c.C} * c.M > hw.coef_depth))
    --c.C;
  while (c.W > 1 && int64_t{c.C} * c.K * c.W > hw.ifmap_bytes) --c.W;
  while (c.M > 1 && int64_t{c.C} * c.M > hw.coef_depth) --c.M;
  if (c.W + c.pad_l + c.pad_r < c.K) c.pad_l = c.pad_r = c.K - 1;
  const bool coef4 = r.uniform(0, 1) != 0;
  c.coef_w = (coef4 || hw.coef_w < 8) ? 4 : 8;  // a CoefWidth = 4 build takes only 4-bit
  c.relu = r.uniform(0, 1) != 0;
  // Drawn on every build (the stream of draws is the same); used where the store exists.
  c.basis_per_channel = r.uniform(0, 3) == 0 && hw.basis_per_ch != 0;
  // Density: all-zero, very sparse, random, fully dense.
  double density;
  switch (r.uniform(0, 5)) {
    case 0:
      density = 0.0;
      rc.flavour = "all-zero coefficients";
      break;
    case 1:
      density = 1.0;
      rc.flavour = "dense coefficients";
      break;
    case 2:
      density = 0.05;
      rc.flavour = "very sparse";
      break;
    default:
      density = r.uniform01();
      rc.flavour = "random density";
      break;
  }
  rc.layer = make_random_layer(c, density, r.next());
  IntLayer& l = rc.layer;
  // Empty input-channel columns: zero every coefficient of a random input channel.
  if (r.uniform(0, 3) == 0) {
    const int cz = static_cast<int>(r.uniform(0, c.C - 1));
    for (int n = 0; n < c.N; ++n) {
      for (int m = 0; m < c.M; ++m) l.coef(n, cz, m) = 0;
    }
  }
  // Extreme values: every activation / basis / coefficient at +-max.
  if (r.uniform(0, 7) == 0) {
    rc.flavour = "extreme values";
    const int8_t xv = r.uniform(0, 1) ? 127 : -128;
    const int8_t bv = r.uniform(0, 1) ? 127 : -128;
    for (int64_t i = 0; i < l.x.size(); ++i) l.x.data()[i] = xv;
    for (int64_t i = 0; i < l.basis.size(); ++i) l.basis.data()[i] = bv;
    const int8_t av = c.coef_w == 4 ? (r.uniform(0, 1) ? 7 : -8) : (r.uniform(0, 1) ? 127 : -128);
    for (int64_t i = 0; i < l.coef.size(); ++i) {
      if (l.coef.data()[i] != 0) l.coef.data()[i] = av;
    }
    l.cfg.zshift = static_cast<int>(r.uniform(0, 31));
  } else if (r.uniform(0, 5) == 0) {
    l.cfg.zshift = static_cast<int>(r.uniform(0, 31));  // saturation / rounding corners
  }
  rc.idle_prob = r.uniform(0, 2) == 0 ? 0.0 : r.uniform01() * 0.7;
  rc.backpressure_prob = r.uniform(0, 2) == 0 ? 0.0 : r.uniform01() * 0.8;
  // int32 accumulator wrap (two's complement, as golden and docs/semantics.md define it): the
  // generator above raises zshift until nothing overflows, so this flavour builds a layer that
  // must wrap: many channels, every Z slot at +32767 (x = basis = 127, zshift 0) and large
  // positive dense coefficients. Drawn last, so the other cases are unchanged.
  if (r.uniform(0, 15) == 0 && c.coef_w == 8) {
    LayerConfig w = l.cfg;
    w.K = std::min(3, hw.K_MAX);
    w.stride = 1;
    w.pad_t = w.pad_b = w.pad_l = w.pad_r = 0;
    w.M = std::max(1, hw.M_MAX);
    w.N = static_cast<int>(r.uniform(1, std::max(1, hw.L)));  // one entry per (c, m) per lane
    w.H = static_cast<int>(r.uniform(w.K, w.K + 3));
    w.W = static_cast<int>(r.uniform(w.K, w.K + 3));
    w.zshift = 0;
    // Every Z is z = min(32767, K*K * 127 * 127); the sum over C*M of a * z with a >= 90
    // leaves int32 once C*M*90*z > 2^31 (C*M > 729 at K = 3), with 10 % to spare.
    const int64_t z = std::min<int64_t>(32767, int64_t{w.K} * w.K * 127 * 127);
    const int64_t terms = (int64_t{1} << 31) / (90 * z) * 11 / 10 + 1;
    const int64_t want_c =
        std::min<int64_t>({(terms + w.M - 1) / w.M, hw.C_MAX, hw.coef_depth / w.M,
                           hw.ifmap_bytes / (int64_t{w.H} * w.W)});
    if (want_c * w.M * 90 * z > (int64_t{1} << 31)) {  // large enough to wrap on this build
      w.C = static_cast<int>(want_c);
      IntLayer wl = make_random_layer(w, 1.0, r.next());
      for (int64_t i = 0; i < wl.x.size(); ++i) wl.x.data()[i] = 127;
      for (int64_t i = 0; i < wl.basis.size(); ++i) wl.basis.data()[i] = 127;
      for (int64_t i = 0; i < wl.coef.size(); ++i)
        wl.coef.data()[i] = static_cast<int8_t>(r.uniform(90, 127));
      wl.cfg.zshift = 0;
      rc.layer = std::move(wl);
      rc.flavour = "int32 wrap";
    }
  }
  return rc;
}

}  // namespace esc
