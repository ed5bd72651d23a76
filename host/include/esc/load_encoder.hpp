// Load-stream encoder: the beats that write one layer into the accelerator's buffers, and the
// words of the configuration registers. Every address, target and field comes from the one
// interface description (esc/hw_interface.hpp, generated from rtl/esc_interface.toml);
// capacities come from the device's capability registers (DeviceCaps).
#pragma once

#include <cstdint>
#include <vector>

#include "esc/coef_codec.hpp"
#include "esc/hw_interface.hpp"
#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

// One load-stream beat: ld_tgt_i, ld_addr_i and the LdDataW-bit ld_data_i as {hi, lo}.
struct LoadBeat {
  uint8_t tgt = 0;
  uint32_t addr = 0;
  uint64_t lo = 0;  // ld_data_i[63:0]
  uint8_t hi = 0;   // ld_data_i[71:64]
};
static_assert(hw::LdDataW == 72, "LoadBeat holds a 72-bit beat as {hi, lo}");

// Capabilities of the device (HwCaps) plus the values HwCaps has no field for.
struct DeviceCaps {
  HwCaps hw;
  uint32_t colptr_stride = 0, max_dim = 0, id = 0;
};

// Which buffers a load writes, and into which bank (rtl/esc_interface.toml: every
// load-written buffer has two banks, ld_addr[LdSpaceW] selects one). IFMAP is the input map;
// the weights are BASIS, COEF, COLPTR and BIAS.
struct LoadPlan {
  bool ifmap = true, weights = true;
  int ibank = 0, wbank = 0;
};

// Beats of one (already capacity-checked) layer, in this order: IFMAP, BASIS, COEF, COLPTR,
// BIAS; `plan` selects the buffers and banks.
std::vector<LoadBeat> encode_load(const IntLayer& layer, const DeviceCaps& caps,
                                  const LoadPlan& plan = {});
// The load address of `addr` within bank `bank`.
uint32_t bank_addr(int bank, uint32_t addr);

// A build's stored coefficient entry {n / L, m, a} (a in the low bits) and how many of them
// one COEF beat carries (rtl/esc_interface.toml: coef_entry_width, fields_per_beat).
struct CoefEntryLayout {
  uint32_t nl_w = 0, m_w = 0, a_w = 0;  // field widths, a lowest
  uint32_t width = 0;                   // nl_w + m_w + a_w
  uint32_t per_beat = 0;                // entries per beat (a power of two)
};
CoefEntryLayout coef_entry_layout(const HwCaps& hw);

// The COEF beat of word `word` of `lane`: entries[0..size) (at most per_beat; the rest of the
// word is zero), n of each entry the global output channel (n mod L must be `lane`).
LoadBeat coef_beat(int lane, int64_t word, const std::vector<CoefEntry>& entries, const HwCaps& hw);
// A build's column pointers: width and how many one COLPTR beat carries (coef_ptr_width,
// fields_per_beat); a lane's pointer words sit colptr_stride / per_beat apart.
struct ColptrLayout {
  uint32_t width = 0;     // bits of one pointer
  uint32_t per_beat = 0;  // pointers per beat (a power of two)
};
ColptrLayout colptr_layout(const HwCaps& hw);
// The COLPTR beat of word `word` of `lane`: pointers c = per_beat*word + k at slot k (at most
// per_beat; the rest zero). Throws if a pointer does not fit the pointer width.
LoadBeat colptr_beat(int lane, int64_t word, const std::vector<uint32_t>& ptrs, const HwCaps& hw,
                     uint32_t colptr_stride);
// The BIAS beat of one output channel (also used by block-level tests).
LoadBeat bias_beat(int n, int32_t bias, uint16_t mult, uint8_t shift);

// REG_KSP / REG_MODE words of a configuration; MODE also names the banks the layer reads.
uint32_t ksp_word(const LayerConfig& cfg);
uint32_t mode_word(const LayerConfig& cfg, int ibank = 0, int wbank = 0);

}  // namespace esc
