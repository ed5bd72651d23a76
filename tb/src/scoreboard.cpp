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
            << ") rows [" << p.r0 << "," << p.r1 << ")), hw tile " << px / caps.T << " lane "
            << px % caps.T << ", hw n " << mm.n - p.n0;
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
  for (int n = 0; n < N; ++n) {
    for (int r = 0; r < Ho; ++r) {
      for (int x = 0; x < Wo; ++x) {
        if (golden.y(n, r, x) != rtl.y(n, r, x)) {
          Mismatch mm{"y", n, r, x, golden.y(n, r, x), rtl.y(n, r, x), ""};
          locate(mm);
          // Tells a datapath error (acc wrong too) from a post-processing one (acc right).
          mm.report += "; acc there: expected " + std::to_string(golden.acc(n, r, x)) + ", got " +
                       std::to_string(rtl.acc(n, r, x));
          return mm;
        }
        if (golden.acc(n, r, x) != rtl.acc(n, r, x)) {
          Mismatch mm{"acc", n, r, x, golden.acc(n, r, x), rtl.acc(n, r, x), ""};
          locate(mm);
          return mm;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace esc
