// Metric definitions of SPEC section 5, shared by every report.
#pragma once

#include <cstdint>

#include "esc/layer.hpp"

namespace esc {

struct HwCaps {
  int T = 4, L = 8, M_MAX = 8, K_MAX = 3;
  int64_t C_MAX = 512, N_MAX = 512, ifmap_bytes = 65536, coef_depth = 32768;
};

struct LayerMetrics {
  int64_t useful_macs, bcu_macs, cau_macs, dense_macs;
  double ideal_cycles, dense_cycles;
  int64_t bcu_mults, cau_mults;
};

// bcu_macs = C*M*K*K*Ho*Wo, cau_macs = nnz*Ho*Wo, useful = bcu + cau,
// dense_macs = N*C*K*K*Ho*Wo, bcu_mults = T*K_MAX^2, cau_mults = L*T,
// ideal = max(bcu_macs/bcu_mults, cau_macs/cau_mults), dense = dense_macs/(bcu_mults+cau_mults).
LayerMetrics layer_metrics(const LayerConfig& cfg, int64_t nnz, const HwCaps& hw);

}  // namespace esc
