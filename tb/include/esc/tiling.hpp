// Host-side tiling of a layer over output-channel groups and output-row bands, so that every
// pass fits the on-chip capacities read from the capability registers.
#pragma once

#include <vector>

#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

struct Pass {
  int n0, n1;  // output channels [n0, n1)
  int r0, r1;  // output rows [r0, r1)
};

// Input rows that output rows [r0, r1) read (after clipping to the image).
int input_rows_for(const LayerConfig& cfg, int r0, int r1);

// Entries per coefficient lane when output channels [n0, n1) form one pass (lane = (n-n0) % L).
std::vector<int64_t> lane_entries(const CoefT& coef, int n0, int n1, int lanes);

// Row bands outer, channel groups inner. Throws std::invalid_argument naming the capacity if
// the layer cannot be tiled (C > C_MAX, W > max_dim, M > M_MAX, one output row too large...).
std::vector<Pass> plan_passes(const IntLayer& layer, const HwCaps& caps, int max_dim);

}  // namespace esc
