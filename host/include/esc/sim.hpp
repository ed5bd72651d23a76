// Cycle-level simulation wrapper around one Verilated model: owns the VerilatedContext and the
// model, the clock and reset, optional FST tracing and the per-run coverage file.
//
// Cycle phases (see docs/verification.md):
//   1. drive hooks  -- drivers set inputs for the coming edge (clk low)
//   2. eval()       -- combinational settle; outputs now reflect the driven inputs
//   3. edge hooks   -- monitors observe handshakes (valid & ready) that fire at this edge
//   4. posedge      -- clk_i = 1, eval(); registers update
//   5. negedge      -- clk_i = 0, eval()
//   6. sample hooks -- sample registered outputs (e.g. reg_rdata_o, status levels)
#pragma once

#include <verilated.h>
#include <verilated_cov.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace esc {

// An RTL assertion ($error / $fatal) fired, or the model called $finish.
struct SimError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SimOptions {
  uint64_t seed = 1;     // VerilatedContext::randSeed (only matters with --x-initial unique)
  int rand_reset = 0;    // 0 = zeros, 1 = ones, 2 = random initial values / X assignment
  std::string fst_path;  // non-empty: dump FST waves there
  std::string cov_path;  // non-empty (and a coverage build): write coverage data there at end
};

template <class Vtop>
class Sim {
 public:
  using Hook = std::function<void()>;

  explicit Sim(const SimOptions& opt = {}) : opt_(opt), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(false);  // assertion failures become SimError, not abort()
    ctx_->randReset(opt.rand_reset);
    // randSeed is an int; fold the 64-bit seed, and never pass 0 (0 means "pick at random").
    int s = static_cast<int>((opt.seed ^ (opt.seed >> 31)) & 0x3fffffff);
    ctx_->randSeed(s == 0 ? 1 : s);
    if (!opt.fst_path.empty()) ctx_->traceEverOn(true);
    Verilated::threadContextp(ctx_.get());  // scopes register in the thread's context
    top_ = std::make_unique<Vtop>(ctx_.get(), "TOP");
    if (!opt.fst_path.empty()) {
      fst_ = std::make_unique<VerilatedFstC>();
      top_->trace(fst_.get(), 99);
      fst_->open(opt.fst_path.c_str());
    }
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->eval();
    dump();
  }

  ~Sim() {
    // Verilator 5.006 scopes register in / erase from the THREAD's current context, which is
    // the last one created; point it at ours or a second Sim's teardown is a use-after-free.
    Verilated::threadContextp(ctx_.get());
    top_->final();
    if (fst_) fst_->close();
#if ESC_COVERAGE_BUILD
    if (!opt_.cov_path.empty()) ctx_->coveragep()->write(opt_.cov_path.c_str());
#endif
  }

  Sim(const Sim&) = delete;
  Sim& operator=(const Sim&) = delete;

  Vtop& top() {
    return *top_;
  }
  const Vtop& top() const {
    return *top_;
  }
  VerilatedContext& ctx() {
    return *ctx_;
  }
  uint64_t cycles() const {
    return cycles_;
  }
  bool tracing() const {
    return fst_ != nullptr;
  }

  void on_drive(Hook h) {
    drive_.push_back(std::move(h));
  }
  void on_edge(Hook h) {
    edge_.push_back(std::move(h));
  }
  void on_sample(Hook h) {
    sample_.push_back(std::move(h));
  }

  // Settle combinational logic after inputs were changed outside a hook.
  void settle() {
    top_->eval();
  }

  void cycle(uint64_t n = 1) {
    for (uint64_t i = 0; i < n; ++i) one_cycle();
  }

  // Asynchronous active-low reset held for `n` clock cycles, released while the clock is low.
  void reset(uint64_t n = 4) {
    top_->rst_ni = 0;
    top_->eval();
    for (uint64_t i = 0; i < n; ++i) one_cycle();
    top_->rst_ni = 1;
    top_->eval();
  }

 private:
  void dump() {
    if (fst_) fst_->dump(ctx_->time());
  }
  void check_errors() {
    if (ctx_->gotError() || ctx_->gotFinish()) {
      if (fst_) fst_->flush();
      throw SimError("RTL assertion/$error/$finish at sim time " + std::to_string(ctx_->time()) +
                     " (cycle " + std::to_string(cycles_) + "); see the simulator message above");
    }
  }
  void one_cycle() {
    Verilated::threadContextp(ctx_.get());  // $error/$stop report to the thread's context
    for (auto& h : drive_) h();
    top_->eval();
    for (auto& h : edge_) h();
    ctx_->timeInc(1);
    top_->clk_i = 1;
    top_->eval();
    dump();
    ctx_->timeInc(1);
    top_->clk_i = 0;
    top_->eval();
    dump();
    ++cycles_;
    check_errors();
    for (auto& h : sample_) h();
  }

  SimOptions opt_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vtop> top_;
  std::unique_ptr<VerilatedFstC> fst_;
  std::vector<Hook> drive_, edge_, sample_;
  uint64_t cycles_ = 0;
};

// Bit access helpers that work for Verilator's CData/SData/IData/QData and VlWide<N> ports.
template <class S>
inline uint64_t get_bits(const S& s, int lsb, int width) {
  if constexpr (std::is_integral_v<S>) {
    uint64_t v = static_cast<uint64_t>(s) >> lsb;
    return width >= 64 ? v : (v & ((uint64_t{1} << width) - 1));
  } else {
    uint64_t v = 0;
    for (int b = 0; b < width; ++b) {
      int bit = lsb + b;
      if ((s[bit / 32] >> (bit % 32)) & 1u) v |= uint64_t{1} << b;
    }
    return v;
  }
}

template <class S>
inline void set_bits(S& s, int lsb, int width, uint64_t v) {
  if constexpr (std::is_integral_v<S>) {
    uint64_t mask = (width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1)) << lsb;
    uint64_t cur = static_cast<uint64_t>(s);
    cur = (cur & ~mask) | ((v << lsb) & mask);
    s = static_cast<S>(cur);
  } else {
    for (int b = 0; b < width; ++b) {
      int bit = lsb + b;
      uint32_t m = 1u << (bit % 32);
      if ((v >> b) & 1u) {
        s[bit / 32] |= m;
      } else {
        s[bit / 32] &= ~m;
      }
    }
  }
}

template <class S>
inline void clear_bits(S& s) {
  if constexpr (std::is_integral_v<S>) {
    s = 0;
  } else {
    for (auto& w : s.m_storage) w = 0;
  }
}

}  // namespace esc
