// Tiling planner: output-channel groups and output-row bands that fit on-chip capacities.
#include "esc/tiling.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace esc {

int input_rows_for(const LayerConfig& cfg, int r0, int r1) {
  const int lo = std::max(0, r0 * cfg.stride - cfg.pad_t);
  const int hi = std::min(cfg.H, (r1 - 1) * cfg.stride - cfg.pad_t + cfg.K);
  return std::max(0, hi - lo);
}

std::vector<int64_t> lane_entries(const CoefT& coef, int n0, int n1, int lanes) {
  std::vector<int64_t> cnt(static_cast<size_t>(std::max(1, lanes)), 0);
  const int C = static_cast<int>(coef.dimension(1));
  const int M = static_cast<int>(coef.dimension(2));
  for (int n = n0; n < n1; ++n) {
    int64_t k = 0;
    for (int c = 0; c < C; ++c) {
      for (int m = 0; m < M; ++m) k += coef(n, c, m) != 0;
    }
    cnt[static_cast<size_t>((n - n0) % lanes)] += k;
  }
  return cnt;
}

int channel_groups(const std::vector<Pass>& passes) {
  int g = 0;
  for (const Pass& p : passes) {
    if (p.c0 == 0) ++g;
  }
  return passes.empty() ? 0 : static_cast<int>(passes.size()) / std::max(1, g);
}

std::vector<Pass> plan_passes(const IntLayer& layer, const HwCaps& caps, int max_dim) {
  const LayerConfig& cfg = layer.cfg;
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("layer cannot be tiled onto this accelerator: " + what);
  };
  if (cfg.M > caps.M_MAX)
    fail("M=" + std::to_string(cfg.M) + " exceeds M_MAX=" + std::to_string(caps.M_MAX));
  if (cfg.K > caps.K_MAX)
    fail("K=" + std::to_string(cfg.K) + " exceeds K_MAX=" + std::to_string(caps.K_MAX));
  if (max_dim > 0 && cfg.W > max_dim) {
    fail("W=" + std::to_string(cfg.W) + " exceeds MaxDim=" + std::to_string(max_dim));
  }
  if (cfg.coef_w > caps.coef_w) {
    fail("coef_w=" + std::to_string(cfg.coef_w) + " but this build stores " +
         std::to_string(caps.coef_w) + "-bit coefficients (CoefWidth)");
  }
  if (caps.T <= 0 || caps.L <= 0 || caps.N_MAX <= 0 || caps.C_MAX <= 0 || caps.ifmap_bytes <= 0) {
    fail("capability registers read zero");
  }
  const int Ho = cfg.Ho();
  if (Ho <= 0 || cfg.Wo() <= 0) fail("empty output");

  // Input-channel groups: the fewest equal groups of at most C_MAX channels such that one
  // output row of one group fits the IFMAP buffer.
  auto row_fits = [&](int64_t chans, int a, int b) {
    const int rows = input_rows_for(cfg, a, b);
    return chans * rows * cfg.W <= caps.ifmap_bytes && (max_dim <= 0 || rows <= max_dim);
  };
  int groups_c = static_cast<int>((cfg.C + caps.C_MAX - 1) / caps.C_MAX);
  auto per_group = [&](int g) { return (cfg.C + g - 1) / g; };
  for (; groups_c < cfg.C; ++groups_c) {
    bool all = true;
    for (int r = 0; r < Ho && all; ++r) all = row_fits(per_group(groups_c), r, r + 1);
    if (all) break;
  }
  const int cper = per_group(groups_c);
  std::vector<std::pair<int, int>> chans;
  for (int c0 = 0; c0 < cfg.C; c0 += cper) chans.emplace_back(c0, std::min(cfg.C, c0 + cper));

  // Row bands: as many output rows as fit the IFMAP buffer (and MaxDim input rows).
  std::vector<std::pair<int, int>> bands;
  for (int r0 = 0; r0 < Ho;) {
    int r1 = r0 + 1;
    if (!row_fits(cper, r0, r1)) {
      fail("one output row needs " + std::to_string(input_rows_for(cfg, r0, r1)) + "x" +
           std::to_string(cfg.W) + "x" + std::to_string(cper) + " input bytes > IFMAP " +
           std::to_string(caps.ifmap_bytes));
    }
    while (r1 < Ho && row_fits(cper, r0, r1 + 1)) ++r1;
    bands.emplace_back(r0, r1);
    r0 = r1;
  }

  // Output-channel groups: at most N_MAX channels, and no lane over the coefficient depth in
  // any input-channel group.
  std::vector<std::pair<int, int>> groups;
  for (int n0 = 0; n0 < cfg.N;) {
    int n1 = n0;
    std::vector<int64_t> cnt(static_cast<size_t>(caps.L) * chans.size(), 0);
    bool full = false;
    while (!full && n1 < cfg.N && n1 - n0 < caps.N_MAX) {
      const size_t lane = static_cast<size_t>((n1 - n0) % caps.L);
      std::vector<int64_t> k(chans.size(), 0);
      for (size_t g = 0; g < chans.size(); ++g) {
        for (int c = chans[g].first; c < chans[g].second; ++c) {
          for (int m = 0; m < cfg.M; ++m) k[g] += layer.coef(n1, c, m) != 0;
        }
        full = full || cnt[g * caps.L + lane] + k[g] > caps.coef_depth;
      }
      if (full) break;
      for (size_t g = 0; g < chans.size(); ++g) cnt[g * caps.L + lane] += k[g];
      ++n1;
    }
    if (n1 == n0) {
      fail("output channel " + std::to_string(n0) +
           " alone has more coefficients than CoefDepth=" + std::to_string(caps.coef_depth));
    }
    groups.emplace_back(n0, n1);
    n0 = n1;
  }

  std::vector<Pass> passes;
  for (const auto& b : bands) {
    for (const auto& g : groups) {
      for (const auto& c : chans) {
        passes.push_back(Pass{g.first, g.second, b.first, b.second, c.first, c.second});
      }
    }
  }
  return passes;
}

EventCounts predict_run_events(const IntLayer& layer, const HwCaps& caps, int max_dim) {
  const std::vector<Pass> passes = plan_passes(layer, caps, max_dim);
  EventCounts sum;
  for (const Pass& p : passes) {
    sum += passes.size() == 1
               ? predict_events(layer, caps)
               : predict_events(slice_layer(layer, p.n0, p.n1, p.r0, p.r1, p.c0, p.c1), caps);
  }
  return sum;
}

}  // namespace esc
