// Host-side pass planner: tiles a layer over output-row bands, output-channel groups and
// input-channel groups, so that every pass fits the on-chip capacities read from the
// capability registers. A layer split by input channel (C > C_MAX, or a row too large for the
// IFMAP with all channels) runs each group's partial sums through the RTL; the host adds the
// int32 accumulators (wrapping) and requantises (esc::Accel::run_layer).
#pragma once

#include <vector>

#include "esc/events.hpp"
#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

struct Pass {
  int n0, n1;  // output channels [n0, n1)
  int r0, r1;  // output rows [r0, r1)
  int c0, c1;  // input channels [c0, c1)
};

// Number of input-channel groups in a plan (1: every pass sees all C channels).
int channel_groups(const std::vector<Pass>& passes);

// Input rows that output rows [r0, r1) read (after clipping to the image).
int input_rows_for(const LayerConfig& cfg, int r0, int r1);

// Entries per coefficient lane when output channels [n0, n1) form one pass (lane = (n-n0) % L).
std::vector<int64_t> lane_entries(const CoefT& coef, int n0, int n1, int lanes);

// Row bands outer, output-channel groups, then input-channel groups inner. Throws
// std::invalid_argument naming the capacity if the layer cannot be tiled (W > max_dim,
// M > M_MAX, K > K_MAX, one output row of one input channel too large...).
std::vector<Pass> plan_passes(const IntLayer& layer, const HwCaps& caps, int max_dim);

// The activity events a run of `layer` through esc::Accel should count: predict_events of
// every pass of plan_passes, each sliced as the driver slices it, summed.
EventCounts predict_run_events(const IntLayer& layer, const HwCaps& caps, int max_dim);

}  // namespace esc
