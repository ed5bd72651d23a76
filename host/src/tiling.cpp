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

namespace {

// Longest-processing-time first: channel weights w to L lanes, lane l taking positions l,
// l + L, ... < w.size(); each channel goes to the lightest lane that has a position free,
// then exchanges lower the heaviest lane.
// Returns order[position] = channel; `load` receives the entries per lane.
std::vector<int> lpt_order(const std::vector<int64_t>& w, int L, std::vector<int64_t>& load) {
  const int N = static_cast<int>(w.size());
  std::vector<int> by_weight(static_cast<size_t>(N));
  for (int n = 0; n < N; ++n) by_weight[static_cast<size_t>(n)] = n;
  std::stable_sort(by_weight.begin(), by_weight.end(), [&](int a, int b) {
    return w[static_cast<size_t>(a)] > w[static_cast<size_t>(b)];
  });
  load.assign(static_cast<size_t>(L), 0);
  std::vector<int> next(static_cast<size_t>(L), 0);  // next free position of each lane: l + k*L
  std::vector<int> out(static_cast<size_t>(N), -1);
  for (const int n : by_weight) {
    int best = -1;
    for (int l = 0; l < L; ++l) {
      if (l + next[static_cast<size_t>(l)] * L >= N) continue;  // lane full
      if (best < 0 || load[static_cast<size_t>(l)] < load[static_cast<size_t>(best)]) best = l;
    }
    const auto b = static_cast<size_t>(best);
    out[static_cast<size_t>(best + next[b] * L)] = n;
    ++next[b];
    load[b] += w[static_cast<size_t>(n)];
  }
  // Then exchange a channel of the heaviest lane for a lighter one of another lane while that
  // lowers the heavier of the two: LPT leaves the lanes that hold one channel more (N not a
  // multiple of L) heavier than the rest. Bounded: at most 256 exchanges, N <= 2048.
  for (int it = 0; it < 256 && N <= 2048; ++it) {
    const auto h = static_cast<size_t>(std::max_element(load.begin(), load.end()) - load.begin());
    int64_t gain = 0;
    int bp = -1, bq = -1;
    for (int p = static_cast<int>(h); p < N; p += L) {
      const int64_t wp = w[static_cast<size_t>(out[static_cast<size_t>(p)])];
      for (int q = 0; q < N; ++q) {
        const auto l = static_cast<size_t>(q % L);
        const int64_t d = wp - w[static_cast<size_t>(out[static_cast<size_t>(q)])];
        if (l == h || d <= 0) continue;
        const int64_t g = load[h] - std::max(load[h] - d, load[l] + d);
        if (g > gain) {
          gain = g;
          bp = p;
          bq = q;
        }
      }
    }
    if (gain == 0) break;
    const int64_t d = w[static_cast<size_t>(out[static_cast<size_t>(bp)])] -
                      w[static_cast<size_t>(out[static_cast<size_t>(bq)])];
    load[h] -= d;
    load[static_cast<size_t>(bq % L)] += d;
    std::swap(out[static_cast<size_t>(bp)], out[static_cast<size_t>(bq)]);
  }
  return out;
}

// Output-channel groups [n0, n1): at most N_MAX channels, and no lane over the coefficient
// depth in any input-channel group, in the lane order the pass will use (balanced_order when
// `balance`, else lane = (n - n0) mod L). The fewest groups, of near-equal size: every group
// repeats the layer's BCU work, so a group that packs the depth full and leaves a sliver for
// the last one costs a whole BCU pass for a few coefficients (measured on ResNet-18's
// N = 512 layers: 59.4 k cycles as 3 full groups plus a sliver, against a 48.1 k ideal).
std::vector<std::pair<int, int>> output_groups(const IntLayer& layer,
                                               const std::vector<std::pair<int, int>>& chans,
                                               const HwCaps& caps, bool balance) {
  const LayerConfig& cfg = layer.cfg;
  const int N = cfg.N, L = caps.L;
  // w[g][n]: entries of output channel n over input-channel group g
  std::vector<std::vector<int64_t>> w(chans.size(), std::vector<int64_t>(static_cast<size_t>(N)));
  std::vector<int64_t> total(chans.size(), 0), cum(static_cast<size_t>(N) + 1, 0);
  for (int n = 0; n < N; ++n) {
    int64_t all = 0;
    for (size_t g = 0; g < chans.size(); ++g) {
      int64_t k = 0;
      for (int c = chans[g].first; c < chans[g].second; ++c) {
        for (int m = 0; m < cfg.M; ++m) k += layer.coef(n, c, m) != 0;
      }
      if (k > caps.coef_depth) {
        throw std::invalid_argument(
            "layer cannot be tiled onto this accelerator: output channel " + std::to_string(n) +
            " alone has more coefficients than CoefDepth=" + std::to_string(caps.coef_depth));
      }
      w[g][static_cast<size_t>(n)] = k;
      total[g] += k;
      all += k;
    }
    cum[static_cast<size_t>(n) + 1] = cum[static_cast<size_t>(n)] + all;
  }
  auto fits = [&](int n0, int n1) {
    if (n1 <= n0 || n1 > N || n1 - n0 > caps.N_MAX) return false;
    std::vector<int64_t> load;
    for (size_t g = 0; g < chans.size(); ++g) {
      const std::vector<int64_t> sub(w[g].begin() + n0, w[g].begin() + n1);
      if (balance) {
        (void)lpt_order(sub, L, load);
      } else {
        load.assign(static_cast<size_t>(L), 0);
        for (size_t i = 0; i < sub.size(); ++i) load[i % static_cast<size_t>(L)] += sub[i];
      }
      for (const int64_t v : load) {
        if (v > caps.coef_depth) return false;
      }
    }
    return true;
  };
  // Two ways to cut [0, N) into G ranges: equal channel counts, or equal entry counts.
  auto try_cut = [&](int G, bool by_entries, std::vector<std::pair<int, int>>& out) {
    out.clear();
    int n0 = 0;
    for (int k = 1; k <= G; ++k) {
      int n1 = static_cast<int>(int64_t{N} * k / G);
      if (by_entries) {
        const int64_t goal = cum[static_cast<size_t>(N)] * k / G;
        n1 = static_cast<int>(std::lower_bound(cum.begin(), cum.end(), goal) - cum.begin());
        n1 = std::max(n1, n0 + 1);
      }
      if (k == G) n1 = N;
      if (!fits(n0, n1)) return false;
      out.emplace_back(n0, n1);
      n0 = n1;
    }
    return true;
  };
  int64_t lower = (N + caps.N_MAX - 1) / caps.N_MAX;
  for (const int64_t t : total) {
    lower =
        std::max(lower, (t + int64_t{L} * caps.coef_depth - 1) / (int64_t{L} * caps.coef_depth));
  }
  std::vector<std::pair<int, int>> groups;
  for (int G = static_cast<int>(std::max<int64_t>(1, lower)), tries = 0; G <= N && tries < 64;
       ++G, ++tries) {
    if (try_cut(G, false, groups) || try_cut(G, true, groups)) return groups;
  }
  // Pathological weights (a few channels near the depth): pack greedily, which always fits.
  groups.clear();
  for (int n0 = 0; n0 < N;) {
    int n1 = n0 + 1;
    while (n1 < N && fits(n0, n1 + 1)) ++n1;
    groups.emplace_back(n0, n1);
    n0 = n1;
  }
  return groups;
}

}  // namespace

std::vector<Pass> plan_passes(const IntLayer& layer, const HwCaps& caps, int max_dim,
                              bool balance) {
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
  if (cfg.basis_per_channel && caps.basis_per_ch == 0) {
    fail("a per-input-channel basis needs a build with BasisPerChannel = 1 (CAP_BASISCH reads 0)");
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

  // Row bands: the fewest bands whose input rows fit the IFMAP buffer (and MaxDim), found
  // greedily, then evened out: nb bands of ceil(Ho / nb) or one row fewer, so that the last
  // band is not a sliver (it runs while the next pass loads, and hides that load only for as
  // long as it runs).
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
  if (bands.size() > 1) {
    const int nb = static_cast<int>(bands.size());
    std::vector<std::pair<int, int>> even;
    bool fits = true;
    for (int b = 0, r0 = 0; b < nb; ++b) {
      const int r1 = r0 + Ho / nb + (b < Ho % nb ? 1 : 0);
      fits = fits && row_fits(cper, r0, r1);
      even.emplace_back(r0, r1);
      r0 = r1;
    }
    if (fits) bands = even;
  }

  const std::vector<std::pair<int, int>> groups = output_groups(layer, chans, caps, balance);

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

std::vector<int> balanced_order(const CoefT& coef, const HwCaps& caps) {
  const int N = static_cast<int>(coef.dimension(0));
  std::vector<int64_t> w(static_cast<size_t>(N), 0);  // entries of each output channel
  for (int n = 0; n < N; ++n) w[static_cast<size_t>(n)] = lane_entries(coef, n, n + 1, 1)[0];
  std::vector<int64_t> load;
  std::vector<int> out = lpt_order(w, std::max(1, caps.L), load);
  for (const int64_t v : load) {
    if (v > caps.coef_depth) {  // the planner sized the pass for n mod L
      for (int n = 0; n < N; ++n) out[static_cast<size_t>(n)] = n;
      break;
    }
  }
  return out;
}

IntLayer reorder_outputs(const IntLayer& layer, const std::vector<int>& order) {
  IntLayer r = layer;
  const int C = static_cast<int>(layer.coef.dimension(1));
  const int M = static_cast<int>(layer.coef.dimension(2));
  for (size_t i = 0; i < order.size(); ++i) {
    const int n = order[i];
    const auto ni = static_cast<size_t>(n);
    for (int c = 0; c < C; ++c) {
      for (int m = 0; m < M; ++m) r.coef(static_cast<int>(i), c, m) = layer.coef(n, c, m);
    }
    r.rq.bias[i] = layer.rq.bias[ni];
    r.rq.mult[i] = layer.rq.mult[ni];
    r.rq.shift[i] = layer.rq.shift[ni];
  }
  return r;
}

PassLayer prepare_pass(const IntLayer& layer, const Pass& p, bool whole, const HwCaps& caps,
                       bool balance) {
  PassLayer pl;
  pl.layer = whole ? layer : slice_layer(layer, p.n0, p.n1, p.r0, p.r1, p.c0, p.c1);
  const int N = pl.layer.cfg.N;
  if (balance) pl.order = balanced_order(pl.layer.coef, caps);
  if (pl.order.empty()) {
    pl.order.resize(static_cast<size_t>(N));
    for (int n = 0; n < N; ++n) pl.order[static_cast<size_t>(n)] = n;
  } else {
    pl.layer = reorder_outputs(pl.layer, pl.order);
  }
  return pl;
}

int BankTracker::place(Key (&banks)[2], int& last, const Key& k, bool& load) {
  for (int b = 0; b < 2; ++b) {
    if (banks[b] == k) {
      load = false;
      last = b;
      return b;
    }
  }
  load = true;
  last = 1 - last;  // the bank the running (previous) pass does not read
  banks[last] = k;
  return last;
}

PassLoad BankTracker::next(uint64_t layer_id, const Pass& p) {
  PassLoad pl;
  pl.ibank = place(ifmap_, last_i_, Key{true, layer_id, p.c0, p.c1, p.r0, p.r1}, pl.ifmap);
  pl.wbank = place(weights_, last_w_, Key{true, layer_id, p.n0, p.n1, p.c0, p.c1}, pl.weights);
  return pl;
}

void BankTracker::forget() {
  ifmap_[0] = ifmap_[1] = weights_[0] = weights_[1] = Key{};
}

EventCounts predict_run_events(const IntLayer& layer, const HwCaps& caps, int max_dim,
                               bool balance) {
  const std::vector<Pass> passes = plan_passes(layer, caps, max_dim, balance);
  BankTracker banks;
  EventCounts sum;
  for (const Pass& p : passes) {
    const PassLoad pl = banks.next(0, p);
    sum += only_loads_of(
        predict_events(prepare_pass(layer, p, passes.size() == 1, caps, balance).layer, caps),
        pl.ifmap, pl.weights);
  }
  return sum;
}

}  // namespace esc
