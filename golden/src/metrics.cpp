// SPEC section 5 metric definitions.
#include "esc/metrics.hpp"

#include <algorithm>

namespace esc {

LayerMetrics layer_metrics(const LayerConfig& cfg, int64_t nnz, const HwCaps& hw) {
  LayerMetrics r{};
  const int64_t P = int64_t{cfg.Ho()} * cfg.Wo();
  const int64_t k2 = int64_t{cfg.K} * cfg.K;
  r.bcu_macs = int64_t{cfg.C} * cfg.M * k2 * P;
  r.cau_macs = nnz * P;
  r.useful_macs = r.bcu_macs + r.cau_macs;
  r.dense_macs = int64_t{cfg.N} * cfg.C * k2 * P;
  r.bcu_mults = bcu_multipliers(hw);
  r.cau_mults = cau_multipliers(hw);
  r.ideal_cycles = std::max(static_cast<double>(r.bcu_macs) / static_cast<double>(r.bcu_mults),
                            static_cast<double>(r.cau_macs) / static_cast<double>(r.cau_mults));
  r.dense_cycles =
      static_cast<double>(r.dense_macs) / static_cast<double>(r.bcu_mults + r.cau_mults);
  r.dense_in_bytes = int64_t{cfg.N} * cfg.C * k2 + int64_t{cfg.C} * cfg.H * cfg.W;
  r.dense_out_bytes = int64_t{cfg.N} * P;
  r.dense_e2e_cycles =
      std::max({r.dense_cycles, static_cast<double>(r.dense_in_bytes) / port_in_bytes(hw),
                static_cast<double>(r.dense_out_bytes) / port_out_bytes(hw)});
  return r;
}

}  // namespace esc
