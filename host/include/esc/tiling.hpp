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

// Row bands outer, output-channel groups, then input-channel groups inner. Output-channel
// groups are the fewest that fit N_MAX and CoefDepth in the lane order the pass will use
// (balanced_order when `balance`, as esc::Accel does by default), cut near-equal. Throws
// std::invalid_argument naming the capacity if the layer cannot be tiled (W > max_dim,
// M > M_MAX, K > K_MAX, one output row of one input channel too large...).
std::vector<Pass> plan_passes(const IntLayer& layer, const HwCaps& caps, int max_dim,
                              bool balance = true);

// Output-channel order that balances the coefficient lanes of a pass (lane = position mod L):
// channels by decreasing entry count, each to the lane with the fewest entries so far that
// still has a position free (longest-processing-time first), then exchanges between the
// heaviest lane and another while they lower the heavier of the two. order[i] is the layer's
// channel at device position i. The identity if it would put more than coef_depth entries in a
// lane.
std::vector<int> balanced_order(const CoefT& coef, const HwCaps& caps);
// The layer with its output channels in `order` (coefficients and requantisation permuted).
IntLayer reorder_outputs(const IntLayer& layer, const std::vector<int>& order);

// What a pass sends: the slice of the layer, its output channels reordered to balance the
// lanes when `balance` is set (Accel does; AccelOptions::balance_lanes), and that order.
struct PassLayer {
  IntLayer layer;
  std::vector<int> order;  // device position -> output channel of the slice
};
PassLayer prepare_pass(const IntLayer& layer, const Pass& p, bool whole, const HwCaps& caps,
                       bool balance);

// What a pass loads and which banks it reads. Every load-written buffer has two banks; a pass
// reads one IFMAP bank and one weight bank (BASIS, COEF, COLPTR, BIAS), and the host loads the
// next pass into the other banks while it runs (docs/architecture.md, "Double buffering").
struct PassLoad {
  bool ifmap = true, weights = true;  // false: the data is already in the bank (no beats)
  int ibank = 0, wbank = 0;
};

// Which data each bank holds, pass after pass: a pass reuses a bank that already holds its
// input rows/channels (IFMAP) or its output/input channels (weights), otherwise it loads into
// the bank the previous pass does not read. Keys name a layer by the caller's id.
class BankTracker {
 public:
  PassLoad next(uint64_t layer_id, const Pass& p);
  void forget();  // nothing is known to be in any bank (e.g. after an error)

 private:
  struct Key {
    bool valid = false;
    uint64_t layer = 0;
    int a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    bool operator==(const Key& o) const {
      return valid && o.valid && layer == o.layer && a0 == o.a0 && a1 == o.a1 && b0 == o.b0 &&
             b1 == o.b1;
    }
  };
  static int place(Key (&banks)[2], int& last, const Key& k, bool& load);
  Key ifmap_[2], weights_[2];
  int last_i_ = 1, last_w_ = 1;  // banks of the previous pass (the first load goes to bank 0)
};

// The activity events a run of `layer` through esc::Accel should count: predict_events of
// every pass of plan_passes, each sliced as the driver slices it, with the buffer writes of
// the data a pass finds already loaded (BankTracker) left out, summed.
EventCounts predict_run_events(const IntLayer& layer, const HwCaps& caps, int max_dim,
                               bool balance = true);

}  // namespace esc
