// Port recorder of esc_top: one text line per clock cycle with every input and output port, for
// the 4-state replay in Icarus Verilog (docs/verification.md, "4-state replay (Icarus)").
//
// Sampling point: an edge hook of Sim (phase 3 in esc/sim.hpp), i.e. after the drive hooks and
// eval(), just before the rising edge. At that point the inputs are exactly the values the
// flops see at this edge (also those set outside a hook, e.g. by reg_write(), and rst_ni, which
// Sim::reset() changes while the clock is low), and the outputs are the settled function of the
// state after the previous edge and these inputs. A simulator that applies the same inputs with
// the clock low and compares the outputs before raising the clock must therefore see identical
// outputs, every cycle, if the two models agree (tb/icarus/esc_replay_tb.v does exactly that).
//
// Format (hex without 0x; VlWide ports as one number, most significant word first):
//   # esc_top port recording v1 ...       header lines start with '#'
//   # tag <free text: test name, seed>
//   <cycle> <rst_ni> <reg_valid_i> ... <res_ready_i> <reg_rdata_o> ... <error_o>
// in the order of kRecordedPorts below (inputs first, then outputs).
#pragma once

#include <cinttypes>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace esc {

// Column order of a recording after the cycle number (the replay testbench reads this order).
inline constexpr const char* kRecordedPorts =
    "rst_ni reg_valid_i reg_write_i reg_addr_i reg_wdata_i ld_valid_i ld_tgt_i ld_addr_i "
    "ld_data_i res_ready_i | reg_rdata_o ld_ready_o res_valid_o res_data_o res_acc_o res_n_o "
    "res_tile_o res_last_o busy_o done_o error_o";

template <class Vtop>
class PortRecorder {
 public:
  PortRecorder(const std::string& path, const std::string& tag) : path_(path) {
    f_ = std::fopen(path.c_str(), "w");
    if (f_ == nullptr) throw std::runtime_error("cannot write port recording " + path);
    std::fprintf(f_,
                 "# esc_top port recording v1: one line per clock cycle, sampled just before the "
                 "rising edge (inputs applied, outputs settled)\n# tag %s\n# cycle %s\n",
                 tag.c_str(), kRecordedPorts);
  }
  ~PortRecorder() {
    if (f_ != nullptr) std::fclose(f_);
  }
  PortRecorder(const PortRecorder&) = delete;
  PortRecorder& operator=(const PortRecorder&) = delete;

  const std::string& path() const { return path_; }

  // Call once per cycle from an edge hook (after inputs are driven and eval() has settled).
  void record(const Vtop& t) {
    std::fprintf(f_, "%" PRIu64, cycle_++);
    // Inputs, as the coming edge sees them.
    put(t.rst_ni);
    put(t.reg_valid_i);
    put(t.reg_write_i);
    put(t.reg_addr_i);
    put(t.reg_wdata_i);
    put(t.ld_valid_i);
    put(t.ld_tgt_i);
    put(t.ld_addr_i);
    put(t.ld_data_i);
    put(t.res_ready_i);
    // Outputs, settled for these inputs.
    put(t.reg_rdata_o);
    put(t.ld_ready_o);
    put(t.res_valid_o);
    put(t.res_data_o);
    put(t.res_acc_o);
    put(t.res_n_o);
    put(t.res_tile_o);
    put(t.res_last_o);
    put(t.busy_o);
    put(t.done_o);
    put(t.error_o);
    std::fputc('\n', f_);
  }

 private:
  template <class S>
  void put(const S& s) {
    if constexpr (std::is_integral_v<S>) {
      std::fprintf(f_, " %" PRIx64, static_cast<uint64_t>(s));
    } else {
      // VlWide<N>: words most significant first; leading zero words skipped (all 0: "0").
      int w = static_cast<int>(sizeof(s.m_storage) / sizeof(s.m_storage[0])) - 1;
      while (w > 0 && s.m_storage[w] == 0) --w;
      std::fprintf(f_, " %" PRIx32, static_cast<uint32_t>(s.m_storage[w]));
      for (--w; w >= 0; --w) std::fprintf(f_, "%08" PRIx32, static_cast<uint32_t>(s.m_storage[w]));
    }
  }

  std::string path_;
  std::FILE* f_ = nullptr;
  uint64_t cycle_ = 0;
};

}  // namespace esc
