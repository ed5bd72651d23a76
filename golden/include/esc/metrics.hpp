// Metric definitions of SPEC section 5, shared by every report.
#pragma once

#include <cstdint>

#include "esc/hw_interface.hpp"
#include "esc/layer.hpp"

namespace esc {

// Capacities of an accelerator build. The defaults are the interface's default parameters
// (rtl/esc_interface.toml); a run reads the device's own from its capability registers.
struct HwCaps {
  int T = hw::NumPixLanes, L = hw::NumCoefLanes, M_MAX = hw::MaxBases, K_MAX = hw::MaxKernel;
  int64_t C_MAX = hw::MaxChannels, N_MAX = hw::MaxFilters, ifmap_bytes = hw::IfmapBytes,
          coef_depth = hw::CoefDepth;
  int coef_w = hw::CoefWidth;  // 8: both coefficient modes; 4: 4-bit mode only
  int basis_per_ch = static_cast<int>(hw::BasisPerChannel);  // 1: a per-channel basis store
};

// Multipliers of a build: the BCU computes one basis for T pixels per cycle (T * K_MAX^2), the
// CAU has L lanes of T MACs.
inline int64_t bcu_multipliers(const HwCaps& hw) {
  return int64_t{hw.T} * hw.K_MAX * hw.K_MAX;
}
inline int64_t cau_multipliers(const HwCaps& hw) {
  return int64_t{hw.L} * hw.T;
}
inline int64_t multipliers(const HwCaps& hw) {
  return bcu_multipliers(hw) + cau_multipliers(hw);
}

// I/O ports of SPEC section 5b: load-stream bytes per cycle (one LdDataW beat) and result-stream
// bytes per cycle (one beat of T int8 outputs).
inline double port_in_bytes(const HwCaps&) {
  return hw::LdDataW / 8.0;
}
inline double port_out_bytes(const HwCaps& hw) {
  return hw.T * (hw::ActW / 8.0);
}

struct LayerMetrics {
  int64_t useful_macs, bcu_macs, cau_macs, dense_macs;
  double ideal_cycles, dense_cycles;
  int64_t bcu_mults, cau_mults;
  // SPEC 5b dense reference engine, end to end: same multipliers, int8 weights, every weight,
  // input and output byte moved once through ports of the same widths, transfers and compute
  // perfectly overlapped: max(dense MACs / P, (N*C*K*K + C*H*W) / B_in, N*Ho*Wo / B_out).
  double dense_e2e_cycles;
  int64_t dense_in_bytes, dense_out_bytes;
};

// bcu_macs = C*M*K*K*Ho*Wo, cau_macs = nnz*Ho*Wo, useful = bcu + cau,
// dense_macs = N*C*K*K*Ho*Wo, bcu_mults = T*K_MAX^2, cau_mults = L*T,
// ideal = max(bcu_macs/bcu_mults, cau_macs/cau_mults), dense = dense_macs/(bcu_mults+cau_mults),
// dense_e2e as above.
LayerMetrics layer_metrics(const LayerConfig& cfg, int64_t nnz, const HwCaps& hw);

}  // namespace esc
