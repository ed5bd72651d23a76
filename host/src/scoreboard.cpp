// Scoreboard: first bit-level mismatch between golden and RTL, with its coordinates.
#include "esc/scoreboard.hpp"

#include <sstream>

#include "esc/tiling.hpp"

namespace esc {

std::string describe(const LayerConfig& c) {
  std::ostringstream s;
  s << "C=" << c.C << " N=" << c.N << " H=" << c.H << " W=" << c.W << " K=" << c.K
    << " s=" << c.stride << " pad(t,b,l,r)=(" << c.pad_t << "," << c.pad_b << "," << c.pad_l << ","
    << c.pad_r << ") M=" << c.M << " zshift=" << c.zshift << " coef_w=" << c.coef_w
    << " relu=" << c.relu << " basis=" << (c.basis_per_channel ? "per-channel" : "shared")
    << " Ho=" << c.Ho() << " Wo=" << c.Wo();
  return s.str();
}

std::optional<Mismatch> Scoreboard::compare(const IntLayer& layer, const IntResult& golden,
                                            const AccelResult& rtl, const HwCaps& caps,
                                            int max_dim) const {
  const LayerConfig& cfg = layer.cfg;
  const int N = cfg.N, Ho = cfg.Ho(), Wo = cfg.Wo();
  auto locate = [&](Mismatch& mm) {
    std::ostringstream s;
    s << "FIRST MISMATCH in layer '" << name_ << "' [" << describe(cfg) << "]: " << mm.what
      << "[n=" << mm.n << "][row=" << mm.row << "][col=" << mm.col << "] expected " << mm.expected
      << ", got " << mm.got;
    try {
      const auto passes = plan_passes(layer, caps, max_dim);
      for (size_t i = 0; i < passes.size(); ++i) {
        const Pass& p = passes[i];
        if (mm.n >= p.n0 && mm.n < p.n1 && mm.row >= p.r0 && mm.row < p.r1) {
          const int64_t px = static_cast<int64_t>(mm.row - p.r0) * Wo + mm.col;
          s << "; pass " << i << "/" << passes.size() << " (n [" << p.n0 << "," << p.n1
            << ") rows [" << p.r0 << "," << p.r1 << ") c [" << p.c0 << "," << p.c1 << ")), hw tile "
            << px / caps.T << " lane " << px % caps.T << ", hw n " << mm.n - p.n0;
        }
      }
    } catch (const std::exception&) {
    }
    s << "; seed " << seed_ << " (replay: ESC_SEED=" << seed_ << ")";
    mm.report = s.str();
  };
  if (rtl.y.dimension(0) != N || rtl.y.dimension(1) != Ho || rtl.y.dimension(2) != Wo) {
    Mismatch mm;
    mm.what = "shape";
    std::ostringstream s;
    s << "RTL output shape (" << rtl.y.dimension(0) << "," << rtl.y.dimension(1) << ","
      << rtl.y.dimension(2) << ") != (" << N << "," << Ho << "," << Wo << "); seed " << seed_;
    mm.report = s.str();
    return mm;
  }
  if (rtl.acc.dimensions() != rtl.y.dimensions()) {
    Mismatch mm;
    mm.what = "shape";
    mm.report = "RTL accumulators missing or mis-shaped (" + std::to_string(rtl.acc.size()) +
                " values for " + std::to_string(rtl.y.size()) + " outputs); seed " +
                std::to_string(seed_);
    return mm;
  }
  // A layer split by input channel has its y requantised on the host from the summed RTL
  // accumulators: acc is the RTL's result there, so it is checked first.
  const bool acc_first = rtl.stats.channel_groups > 1;
  std::optional<Mismatch> first;
  int64_t bad = 0;
  for (int n = 0; n < N; ++n) {
    for (int r = 0; r < Ho; ++r) {
      for (int x = 0; x < Wo; ++x) {
        const bool ybad = golden.y(n, r, x) != rtl.y(n, r, x);
        const bool abad = golden.acc(n, r, x) != rtl.acc(n, r, x);
        if (!ybad && !abad) continue;
        if (bad++ > 0) continue;
        if (abad && (acc_first || !ybad)) {
          first = Mismatch{"acc", n, r, x, golden.acc(n, r, x), rtl.acc(n, r, x), "", 0};
          locate(*first);
        } else {
          first = Mismatch{"y", n, r, x, golden.y(n, r, x), rtl.y(n, r, x), "", 0};
          locate(*first);
          // Tells a datapath error (acc wrong too) from a post-processing one (acc right).
          first->report += "; acc there: expected " + std::to_string(golden.acc(n, r, x)) +
                           ", got " + std::to_string(rtl.acc(n, r, x));
        }
      }
    }
  }
  if (first) {
    first->count = bad;
    first->report +=
        "; " + std::to_string(bad) + " of " + std::to_string(golden.y.size()) + " outputs differ";
    if (acc_first) {
      first->report += " (split into " + std::to_string(rtl.stats.channel_groups) +
                       " input-channel groups: y requantised on the host)";
    }
  }
  return first;
}

}  // namespace esc
