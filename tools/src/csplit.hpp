// Input-channel splitting for layers with C > C_MAX, which the host driver does not tile.
#pragma once

#include "esc/accel.hpp"

namespace esc::cli {

// Run `layer` as ceil(C / C_MAX) input-channel groups through Accel::run_layer (which still
// tiles each group over row bands and output-channel groups). The RTL's raw int32 accumulators
// (res_acc, before bias) of the groups are summed on the host with two's-complement wrap, as
// one long accumulation would, and the output is requantised on the host with the golden
// requant(). Counters and bytes are summed over the groups; *groups receives the group count.
AccelResult run_layer_csplit(Accel& accel, const IntLayer& layer, const HwCaps& hw, int* groups);

}  // namespace esc::cli
