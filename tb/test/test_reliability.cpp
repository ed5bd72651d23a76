// Reliability: every illegal configuration and bad load returns its esc_pkg::err_code_e code
// within a bounded number of cycles (never a hang), ABORT / START-while-busy, reset in the
// middle of a layer, and the harness watchdog turning a stalled DUT into AccelError(-1).
// After every error the same model instance must run a clean layer bit-exactly.
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/coef_codec.hpp"
#include "esc/load_encoder.hpp"
#include "esc/top_fixture.hpp"

namespace esc {
namespace {

// Error codes: esc::hw::err (generated from rtl/esc_interface.toml).
using namespace hw::err;

// docs/architecture.md, "Register bus": every illegal configuration is reported within 4 cycles
// of START. Counted in clock edges from the one that takes the START write (edge 1) to the
// first one after which error_o is high (the controller needs 3: StChk1, StChk2, error).
constexpr uint64_t kCfgErrorBound = 4;
// docs/architecture.md, "Controller": after an ABORT write the accelerator is idle (busy_o low,
// ld_ready_o high, STATUS.code ABORTED) 3 edges later, counted the same way: the ABORT edge
// (StRun -> StFlush), the abort pulse (every block flushes), the all-idle cycle (-> StIdle).
constexpr uint64_t kAbortIdleBound = 3;

LayerConfig small_cfg() {
  LayerConfig c;
  c.C = 3;
  c.N = 6;
  c.H = 5;
  c.W = 5;
  c.K = 3;
  c.M = 4;
  return c;
}

uint64_t status_code(AccelDriver& d) {
  return hw::status_reg::kCode.get(d.reg_read(reg::kStatus));
}

class Reliability : public TopTest {
 protected:
  // Loads `l` (CLEAR first) through the load driver.
  void load(AccelDriver& d, const IntLayer& l, const DeviceCaps& dc) {
    d.reg_write(reg::kCtrl, kCtrlClear);
    d.queue_load(encode_load(l, dc));
    d.pump_load(100000);
  }

  // A small random layer of this test's seed, loaded and configured (not started).
  IntLayer load_small_layer(AccelDriver& d) {
    const IntLayer l = make_random_layer(small_cfg(), 0.5, seed());
    load(d, l, d.read_caps());
    d.write_config(l.cfg);
    return l;
  }

  // START and count clock edges (the START write is edge 1) until error_o; fails the test on
  // done or when error_o is not high after `bound` edges.
  int start_expect_error(AccelDriver& d, uint64_t bound) {
    d.reg_write(reg::kCtrl, kCtrlStart);
    for (uint64_t edges = 1; edges <= bound; ++edges) {
      if (d.top().error_o) return static_cast<int>(status_code(d));
      if (d.top().done_o && !d.top().busy_o) {
        ADD_FAILURE() << "layer completed, expected an error";
        return 0;
      }
      if (edges < bound) d.cycle();
    }
    ADD_FAILURE() << "no error within " << bound << " cycles of START (busy=" << int(d.top().busy_o)
                  << ")";
    return -1;
  }

  // The layer (every coefficient nonzero) is edited by `edit_layer` before it is loaded and its
  // registers by `edit_cfg` after; the RTL must report `code` while running, then run a clean
  // layer on the same model.
  void runtime_error_case(const std::function<void(IntLayer&)>& edit_layer,
                          const std::function<void(LayerConfig&)>& edit_cfg, int code) {
    Accel acc(options());
    AccelDriver& d = acc.driver();
    const DeviceCaps dc = d.read_caps();
    IntLayer l = make_random_layer(small_cfg(), 1.0, seed());
    edit_layer(l);
    load(d, l, dc);
    LayerConfig bad = l.cfg;
    edit_cfg(bad);
    d.write_config(bad);
    EXPECT_EQ(start_expect_error(d, 100000), code);
    d.wait_idle(1000);
    expect_clean_layer(acc);
  }

  // The instance must still run a clean layer bit-exactly after the error.
  void expect_clean_layer(Accel& acc) {
    const IntLayer l = make_random_layer(small_cfg(), 0.5, seed() ^ 0x5a5a);
    const IntResult g = run_int(l);
    AccelResult r;
    try {
      r = acc.run_layer(l);
    } catch (const AccelError& e) {
      ADD_FAILURE() << "clean layer after the error failed: code " << e.code << ": " << e.what();
      return;
    }
    const DeviceCaps dc = acc.driver().read_caps();
    auto mm = Scoreboard("clean-after-error", seed()).compare(l, g, r, dc.hw, dc.max_dim);
    EXPECT_FALSE(mm.has_value()) << mm->report;
  }

  // A legal layer loaded, then `mutate` breaks the configuration registers.
  void config_error_case(int want,
                         const std::function<void(LayerConfig&, const DeviceCaps&)>& mutate) {
    Accel acc(options());
    AccelDriver& d = acc.driver();
    const DeviceCaps dc = d.read_caps();
    const IntLayer l = make_random_layer(small_cfg(), 0.5, seed());
    load(d, l, dc);
    LayerConfig bad = l.cfg;
    mutate(bad, dc);
    d.write_config(bad);
    EXPECT_EQ(start_expect_error(d, kCfgErrorBound), want) << describe(bad);
    EXPECT_FALSE(d.top().busy_o) << "must return to idle after a configuration error";
    expect_clean_layer(acc);
  }
};

TEST_F(Reliability, BadM) {
  config_error_case(kBadM, [](LayerConfig& c, const DeviceCaps&) { c.M = 0; });
  config_error_case(kBadM, [](LayerConfig& c, const DeviceCaps& dc) { c.M = dc.hw.M_MAX + 1; });
}
TEST_F(Reliability, BadK) {
  for (int k : {0, 2, 5, 7}) {
    config_error_case(kBadK, [k](LayerConfig& c, const DeviceCaps&) {
      c.K = k;
      c.pad_t = c.pad_b = c.pad_l = c.pad_r = 0;
    });
  }
}
TEST_F(Reliability, BadStride) {
  for (int s : {0, 3, 15}) {
    config_error_case(kBadStride, [s](LayerConfig& c, const DeviceCaps&) { c.stride = s; });
  }
}
TEST_F(Reliability, BadPad) {
  config_error_case(kBadPad, [](LayerConfig& c, const DeviceCaps&) { c.pad_r = 3; });
  config_error_case(kBadPad, [](LayerConfig& c, const DeviceCaps&) {
    c.K = 1;
    c.pad_t = 1;
    c.pad_b = c.pad_l = c.pad_r = 0;
  });
}
TEST_F(Reliability, BadDim) {
  config_error_case(kBadDim, [](LayerConfig& c, const DeviceCaps&) { c.C = 0; });
  config_error_case(kBadDim, [](LayerConfig& c, const DeviceCaps&) { c.N = 0; });
  config_error_case(kBadDim, [](LayerConfig& c, const DeviceCaps&) { c.H = 0; });
  config_error_case(kBadDim, [](LayerConfig& c, const DeviceCaps&) { c.W = 0; });
  config_error_case(kBadDim, [](LayerConfig& c, const DeviceCaps&) {  // empty output
    c.H = 1;
    c.pad_t = c.pad_b = 0;
  });
}
TEST_F(Reliability, CapacityC) {
  config_error_case(kCapC, [](LayerConfig& c, const DeviceCaps& dc) {
    c.C = static_cast<int>(dc.hw.C_MAX) + 1;
    c.H = c.W = 1;
  });
}
TEST_F(Reliability, CapacityN) {
  config_error_case(
      kCapN, [](LayerConfig& c, const DeviceCaps& dc) { c.N = static_cast<int>(dc.hw.N_MAX) + 1; });
}
TEST_F(Reliability, CapacityIfmap) {
  config_error_case(kCapIfmap, [](LayerConfig& c, const DeviceCaps& dc) {
    c.C = 2;
    c.H = 64;
    c.W = static_cast<int>(dc.hw.ifmap_bytes / 128) + 1;
    if (c.W > static_cast<int>(dc.max_dim)) c.W = static_cast<int>(dc.max_dim);
    c.H = static_cast<int>(dc.hw.ifmap_bytes / (2 * c.W)) + 1;
  });
  config_error_case(kCapIfmap, [](LayerConfig& c, const DeviceCaps& dc) {
    c.C = 1;
    c.W = 1;
    c.pad_l = c.pad_r = 1;
    c.H = static_cast<int>(dc.max_dim) + 1;
  });
}

// Run-time coefficient errors: legal registers, inconsistent buffer contents.
TEST_F(Reliability, CoefIndexOutOfN) {
  // Entries with n >= 2 are now out of range.
  runtime_error_case([](IntLayer&) {}, [](LayerConfig& c) { c.N = 2; }, kCoefIndex);
}
TEST_F(Reliability, CoefIndexOutOfM) {
  // Entries with m >= 2 are now out of range.
  runtime_error_case([](IntLayer&) {}, [](LayerConfig& c) { c.M = 2; }, kCoefIndex);
}
TEST_F(Reliability, CoefRangeIn4BitMode) {
  runtime_error_case([](IntLayer& l) { l.coef(0, 0, 0) = 100; },  // outside [-8, 7]
                     [](LayerConfig& c) { c.coef_w = 4; }, kCoefRange);
}
TEST_F(Reliability, CoefPointersDecrease) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  IntLayer l = make_random_layer(small_cfg(), 1.0, seed());
  load(d, l, dc);
  // lane 0: column 1 starts before column 0 (word 0 of the lane's pointers)
  d.queue_load({colptr_beat(0, 0, {5, 0}, dc.hw, dc.colptr_stride)});
  d.pump_load(1000);
  d.write_config(l.cfg);
  EXPECT_EQ(start_expect_error(d, 100000), kCoefPtr);
  d.wait_idle(1000);
  expect_clean_layer(acc);
}
TEST_F(Reliability, CoefPointerBeyondDepth) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  IntLayer l = make_random_layer(small_cfg(), 1.0, seed());
  load(d, l, dc);
  // The end pointer (c = C) of lane 0 beyond the depth, the word's other pointers as loaded.
  std::vector<uint32_t> ptrs = encode_coef(l.coef, dc.hw.L).colptr[0];
  ptrs[static_cast<size_t>(l.cfg.C)] = static_cast<uint32_t>(dc.hw.coef_depth) + 1;
  const ColptrLayout cl = colptr_layout(dc.hw);
  const size_t w = static_cast<size_t>(l.cfg.C) / cl.per_beat;
  const std::vector<uint32_t> word(
      ptrs.begin() + static_cast<std::ptrdiff_t>(w * cl.per_beat),
      ptrs.begin() + static_cast<std::ptrdiff_t>(std::min(ptrs.size(), (w + 1) * cl.per_beat)));
  d.queue_load({colptr_beat(0, static_cast<int64_t>(w), word, dc.hw, dc.colptr_stride)});
  d.pump_load(1000);
  d.write_config(l.cfg);
  // The beat itself is legal (lane 0, the word of c = C <= C_MAX): the load path stores the
  // pointer as sent and the lane finds it beyond the depth while running.
  EXPECT_EQ(start_expect_error(d, 100000), kCoefPtr);
  d.wait_idle(1000);
  expect_clean_layer(acc);
}

// The beats of one single-pass layer (tiles in order, n = 0..N-1 within a tile) as y and acc.
AccelResult assemble_results(const IntLayer& l, const std::vector<ResBeat>& beats, int T) {
  const int Ho = l.cfg.Ho(), Wo = l.cfg.Wo(), N = l.cfg.N;
  AccelResult r;
  r.y = OutT(N, Ho, Wo);
  r.acc = AccT(N, Ho, Wo);
  r.y.setZero();
  r.acc.setZero();
  r.stats.passes = 1;
  const int64_t P = static_cast<int64_t>(Ho) * Wo;
  for (size_t i = 0; i < beats.size(); ++i) {
    const ResBeat& b = beats[i];
    EXPECT_EQ(b.tile, i / N) << "beat " << i;
    EXPECT_EQ(b.n, i % N) << "beat " << i;
    for (int t = 0; t < T; ++t) {
      const int64_t px = static_cast<int64_t>(b.tile) * T + t;
      if (px >= P || b.n >= static_cast<uint32_t>(N)) continue;
      r.y(b.n, px / Wo, px % Wo) = b.y[t];
      r.acc(b.n, px / Wo, px % Wo) = b.acc[t];
    }
  }
  return r;
}

// Bad load beats are latched and make the next START fail with their code.
void bad_load_case(uint64_t seed, Accel& acc, const LoadBeat& bad, int want) {
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer l = make_random_layer(small_cfg(), 0.5, seed);
  d.reg_write(reg::kCtrl, kCtrlClear);
  d.queue_load(encode_load(l, dc));
  d.queue_load({bad});
  d.pump_load(100000);
  d.write_config(l.cfg);
  d.reg_write(reg::kCtrl, kCtrlStart);  // edge 1
  int code = -1;
  for (uint64_t edges = 1; edges <= kCfgErrorBound; ++edges) {
    if (d.top().error_o) {
      code = static_cast<int>(status_code(d));
      break;
    }
    if (edges < kCfgErrorBound) d.cycle();
  }
  EXPECT_EQ(code, want) << "bad beat tgt " << int(bad.tgt) << " addr " << bad.addr;
}

// BASIS entries per bank of this build (esc_top's BasisDepth): its first illegal address.
uint32_t basis_bank_entries(const DeviceCaps& dc) {
  return hw::basis_depth(static_cast<uint32_t>(dc.hw.M_MAX), static_cast<uint32_t>(dc.hw.C_MAX),
                         static_cast<uint32_t>(dc.hw.basis_per_ch));
}

TEST_F(Reliability, LoadAddressOutOfRange) {
  Accel acc(options());
  const DeviceCaps dc = acc.driver().read_caps();
  const uint32_t cp_per = colptr_layout(dc.hw).per_beat;
  const std::vector<LoadBeat> bads = {
      {hw::kTgtIfmap, static_cast<uint32_t>(dc.hw.ifmap_bytes / 8), 0, 0},
      // BASIS: M_MAX entries per bank, C_MAX * M_MAX with a per-channel store (CAP_BASISCH)
      {hw::kTgtBasis, basis_bank_entries(dc), 0, 0},
      {hw::kTgtCoef,
       static_cast<uint32_t>(dc.hw.L * dc.hw.coef_depth / coef_entry_layout(dc.hw).per_beat), 0, 0},
      {hw::kTgtBias, static_cast<uint32_t>(dc.hw.N_MAX), 0, 0},
      // COLPTR lane >= L, and lane 0's word after the one holding c = C_MAX
      {hw::kTgtColptr, static_cast<uint32_t>(dc.hw.L) * (dc.colptr_stride / cp_per), 0, 0},
      {hw::kTgtColptr, static_cast<uint32_t>(dc.hw.C_MAX) / cp_per + 1, 0, 0},
      {5, 0, 0, 0},
      {7, 0, 0, 0},
  };
  for (const LoadBeat& b : bads) bad_load_case(seed(), acc, b, kLoadAddr);
  // The same first illegal addresses in bank 1, and the last address of either bank (every
  // bank has the same capacity; ld_addr[LdSpaceW] only selects the bank).
  const uint32_t last = (1u << hw::LdSpaceW) - 1;
  for (size_t i = 0; i < 6; ++i) {
    LoadBeat b = bads[i];
    b.addr = bank_addr(1, b.addr);
    bad_load_case(seed(), acc, b, kLoadAddr);
    for (int bank = 0; bank < 2; ++bank) {
      b.addr = bank_addr(bank, last);
      bad_load_case(seed(), acc, b, kLoadAddr);
    }
  }
  expect_clean_layer(acc);
}

// The other side of LoadAddressOutOfRange: the last legal address of every load target, in
// either bank, is accepted (no LOAD_ADDR at START). The mutation run found no test loading the
// last IFMAP word or the last BASIS entry of the default build (esc_top.sv:212:bound, an IFMAP
// bank one word short, and esc_top.sv:216:lt2le, a BASIS bank one entry long, survived; the
// out-of-range test used C_MAX * M_MAX, which is a bank only with a per-channel store). The
// beat goes first, so the layer's own load overwrites whatever of it the layer reads.
TEST_F(Reliability, LoadLastAddressAccepted) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const uint32_t cp_per = colptr_layout(dc.hw).per_beat;
  const uint32_t lane_words = dc.colptr_stride / cp_per;
  const std::vector<LoadBeat> lasts = {
      {hw::kTgtIfmap, static_cast<uint32_t>(dc.hw.ifmap_bytes / 8) - 1, 0, 0},
      {hw::kTgtBasis, basis_bank_entries(dc) - 1, 0, 0},
      {hw::kTgtCoef,
       static_cast<uint32_t>(dc.hw.L * dc.hw.coef_depth / coef_entry_layout(dc.hw).per_beat) - 1, 0,
       0},
      {hw::kTgtBias, static_cast<uint32_t>(dc.hw.N_MAX) - 1, 0, 0},
      // COLPTR: the word holding c = C_MAX of the last lane
      {hw::kTgtColptr,
       static_cast<uint32_t>(dc.hw.L - 1) * lane_words +
           static_cast<uint32_t>(dc.hw.C_MAX) / cp_per,
       0, 0},
  };
  const IntLayer l = make_random_layer(small_cfg(), 0.5, seed());
  for (const LoadBeat& last : lasts) {
    for (int bank = 0; bank < 2; ++bank) {
      LoadBeat b = last;
      b.addr = bank_addr(bank, last.addr);
      d.reg_write(reg::kCtrl, kCtrlClear);
      d.queue_load({b});
      d.queue_load(encode_load(l, dc));
      d.pump_load(100000);
      d.write_config(l.cfg);
      const AccelDriver::Outcome o = d.start_and_wait(1000000);
      EXPECT_FALSE(o.error) << "beat tgt " << int(b.tgt) << " addr " << b.addr << " (bank " << bank
                            << "): error code " << o.code;
    }
  }
  expect_clean_layer(acc);
}

// An entry naming n >= MaxFilters or m >= MaxBases cannot be written in a COEF word of a
// build whose MaxFilters / L and MaxBases are powers of two (the default): esc_cau's block test
// (tb/test/test_cau.cpp, MaxFilters = 30, MaxBases = 6) checks ERR_LOAD_INDEX, and the matrix
// build M_MAX = 6 checks it at the top, with the first-fault-wins order across the esc_top and
// esc_cau paths (tb/test/test_config.cpp, MatrixConfig.LoadFaultFirstInStreamWins).

// ABORT at many points of a running layer (front end busy, CAU busy, result beat stalled):
// idle again within kAbortIdleBound edges of the ABORT write, loads accepted again, and the
// next layer on the same instance bit-exact.
TEST_F(Reliability, AbortIdleWithinBoundThenBitExact) {
  SplitMix64 r(seed());
  for (int k = 0; k < 6; ++k) {
    const double bp = k % 2 ? 0.6 : 0.0;
    Accel acc(options(0.0, bp));
    AccelDriver& d = acc.driver();
    const DeviceCaps dc = d.read_caps();
    const IntLayer l = make_random_layer(small_cfg(), 0.5, seed() + k);
    load(d, l, dc);
    d.write_config(l.cfg);
    d.clear_results();
    d.reg_write(reg::kCtrl, kCtrlStart);
    const uint64_t at = 5 + static_cast<uint64_t>(r.uniform(0, 150));
    d.cycle(at);
    SCOPED_TRACE("ABORT " + std::to_string(at + 1) + " edges after START, backpressure " +
                 std::to_string(bp));
    if (!d.top().busy_o) continue;        // layer already done: nothing to abort
    d.reg_write(reg::kCtrl, kCtrlAbort);  // edge 1
    uint64_t edges = 1;
    while (d.top().busy_o && edges < 100) {
      d.cycle();
      ++edges;
    }
    EXPECT_LE(edges, kAbortIdleBound) << "busy_o still high " << edges << " edges after ABORT";
    EXPECT_TRUE(d.top().ld_ready_o);
    EXPECT_TRUE(d.top().error_o);
    EXPECT_FALSE(d.top().res_valid_o) << "a result beat offered after the abort";
    EXPECT_EQ(status_code(d), static_cast<uint64_t>(kAborted));
    d.set_stream_probs(0.2, 0.3);
    expect_clean_layer(acc);
  }
}

// CLEAR after a finished layer and after a failed one leaves STATUS all zero (done, error and
// code cleared), and the next layer still runs (the mutation run found no test reading STATUS
// after a CLEAR: esc_ctrl setting DONE on CLEAR survived).
TEST_F(Reliability, ClearLeavesStatusZero) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const IntLayer l = load_small_layer(d);
  const AccelDriver::Outcome o = d.start_and_wait(100000);
  ASSERT_FALSE(o.error) << "code " << o.code;
  ASSERT_EQ(hw::status_reg::kDone.get(d.reg_read(reg::kStatus)), 1u);
  d.reg_write(reg::kCtrl, kCtrlClear);
  EXPECT_EQ(d.reg_read(reg::kStatus), 0u) << "STATUS after CLEAR of a finished layer";
  LayerConfig bad = l.cfg;
  bad.M = 0;
  d.write_config(bad);
  EXPECT_EQ(start_expect_error(d, 8), hw::err::kBadM);
  d.reg_write(reg::kCtrl, kCtrlClear);
  EXPECT_EQ(d.reg_read(reg::kStatus), 0u) << "STATUS after CLEAR of a failed layer";
  expect_clean_layer(acc);
}

TEST_F(Reliability, AbortMidLayer) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const IntLayer l = load_small_layer(d);
  d.reg_write(reg::kCtrl, kCtrlStart);
  d.cycle(20 + seed() % 40);
  ASSERT_TRUE(d.top().busy_o);
  d.reg_write(reg::kCtrl, kCtrlAbort);
  d.wait_idle(64);
  ASSERT_TRUE(d.top().error_o);
  EXPECT_EQ(status_code(d), static_cast<uint64_t>(kAborted));
  expect_clean_layer(acc);
}

// Regression (hardening report): ABORT / reset while a result beat is valid but stalled. The
// flush legitimately withdraws that beat; the result monitor must not report it as a protocol
// error, and the same Accel instance must run a clean layer bit-exactly afterwards.
TEST_F(Reliability, AbortWhileResultStreamStalled) {
  for (int how = 0; how < 2; ++how) {  // 0: ABORT, 1: reset
    SCOPED_TRACE(how == 0 ? "ABORT" : "reset");
    Accel acc(options(0.0, 1.0));  // res_ready_i never high: the first beat stalls
    AccelDriver& d = acc.driver();
    const IntLayer l = load_small_layer(d);
    d.clear_results();
    d.reg_write(reg::kCtrl, kCtrlStart);
    uint64_t n = 0;
    while (!d.top().res_valid_o && ++n < 20000) d.cycle();
    ASSERT_TRUE(d.top().res_valid_o) << "no result beat offered";
    d.cycle(1 + seed() % 8);  // stalled for a few cycles
    ASSERT_TRUE(d.top().res_valid_o);
    ASSERT_FALSE(d.top().res_ready_i);
    if (how == 0) {
      d.reg_write(reg::kCtrl, kCtrlAbort);
      d.wait_idle(64);
      EXPECT_FALSE(d.top().res_valid_o) << "the stalled beat must be flushed by ABORT";
      EXPECT_EQ(status_code(d), static_cast<uint64_t>(kAborted));
    } else {
      acc.reset();
    }
    EXPECT_EQ(d.protocol_error(), "") << "a beat withdrawn by ABORT/reset is not a violation";
    d.set_stream_probs(0.1, 0.5);
    expect_clean_layer(acc);
    EXPECT_EQ(d.protocol_error(), "");
  }
}

// run_layer validates the layer first: inconsistent sizes are a clear std::invalid_argument,
// nothing is indexed out of range and the instance stays usable.
TEST_F(Reliability, RunLayerRejectsInvalidLayer) {
  Accel acc(options());
  IntLayer l = make_random_layer(small_cfg(), 0.5, seed());
  l.cfg.C += 1;  // tensors no longer match the configuration
  try {
    acc.run_layer(l);
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("invalid layer"), std::string::npos) << e.what();
  }
  expect_clean_layer(acc);
}

// ABORT while the configuration is still being checked (the cycles right after START).
TEST_F(Reliability, AbortDuringConfigCheck) {
  for (int delay = 0; delay < 3; ++delay) {
    Accel acc(options());
    AccelDriver& d = acc.driver();
    const IntLayer l = load_small_layer(d);
    d.reg_write(reg::kCtrl, kCtrlStart);
    d.cycle(static_cast<uint64_t>(delay));
    d.reg_write(reg::kCtrl, kCtrlAbort);
    d.wait_idle(64);
    EXPECT_TRUE(d.top().error_o) << "delay " << delay;
    EXPECT_EQ(status_code(d), static_cast<uint64_t>(kAborted)) << "delay " << delay;
    expect_clean_layer(acc);
  }
}

// ABORT and START in one CTRL write while busy (in the check cycles or mid-layer): ABORT wins,
// the layer stops and STATUS says ABORTED, not BUSY (found by the formal ctrl job, #15).
TEST_F(Reliability, AbortWithStartInOneWriteReportsAborted) {
  for (int delay : {0, 1, 30}) {
    Accel acc(options());
    AccelDriver& d = acc.driver();
    const IntLayer l = load_small_layer(d);
    d.reg_write(reg::kCtrl, kCtrlStart);
    d.cycle(static_cast<uint64_t>(delay));
    ASSERT_TRUE(d.top().busy_o) << "delay " << delay;
    d.reg_write(reg::kCtrl, kCtrlAbort | kCtrlStart);
    d.wait_idle(64);
    EXPECT_TRUE(d.top().error_o) << "delay " << delay;
    EXPECT_EQ(status_code(d), static_cast<uint64_t>(kAborted)) << "delay " << delay;
    expect_clean_layer(acc);
  }
}

TEST_F(Reliability, StartWhileBusyLeavesLayerIntact) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer l = load_small_layer(d);
  d.clear_results();
  d.reg_write(reg::kCtrl, kCtrlStart);
  d.cycle(10);
  ASSERT_TRUE(d.top().busy_o);
  // What a host starting the next layer too early does: a new configuration (another zshift,
  // ReLU and basis mode), then START. The running layer must keep its own configuration.
  LayerConfig next = l.cfg;
  next.zshift = (l.cfg.zshift + 3) % 32;
  next.relu = !l.cfg.relu;
  next.basis_per_channel = !l.cfg.basis_per_channel;
  next.M = l.cfg.M - 1;
  d.write_config(next);
  d.reg_write(reg::kCtrl, kCtrlStart);
  uint64_t n = 0;
  while (d.top().busy_o && ++n < 100000) d.cycle();
  ASSERT_FALSE(d.top().busy_o) << "hang after START while busy";
  EXPECT_TRUE(d.top().error_o);
  EXPECT_EQ(status_code(d), static_cast<uint64_t>(kBusy));
  const int P = l.cfg.Ho() * l.cfg.Wo();
  ASSERT_EQ(d.results().size(), static_cast<size_t>((P + dc.hw.T - 1) / dc.hw.T * l.cfg.N))
      << "the running layer must complete";
  // Every value of the running layer, bit for bit: the second START must not disturb it.
  const AccelResult r = assemble_results(l, d.results(), dc.hw.T);
  auto mm = Scoreboard("start_while_busy", seed()).compare(l, run_int(l), r, dc.hw, dc.max_dim);
  EXPECT_FALSE(mm.has_value()) << mm->report;
  EXPECT_EQ(d.reg_read(reg::kZshift), static_cast<uint32_t>(l.cfg.zshift))
      << "configuration written while busy must be ignored";
  EXPECT_EQ(d.reg_read(reg::kMode), mode_word(l.cfg));
  EXPECT_EQ(d.reg_read(reg::kM), static_cast<uint32_t>(l.cfg.M));
  expect_clean_layer(acc);
}

TEST_F(Reliability, ResetMidLayerThenCleanLayer) {
  Accel acc(options(0.2, 0.3));
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer l = make_random_layer(small_cfg(), 0.7, seed());
  load(d, l, dc);
  d.write_config(l.cfg);
  d.reg_write(reg::kCtrl, kCtrlStart);
  d.cycle(5 + seed() % 100);
  acc.reset();
  EXPECT_FALSE(d.top().busy_o);
  EXPECT_FALSE(d.top().error_o);
  EXPECT_FALSE(d.top().res_valid_o);
  EXPECT_EQ(d.reg_read(reg::kCapId), hw::kCapIdValue);
  expect_clean_layer(acc);
}

TEST_F(Reliability, ResetDuringLoadThenCleanLayer) {
  Accel acc(options(0.3, 0.0));
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer l = make_random_layer(small_cfg(), 0.7, seed());
  d.queue_load(encode_load(l, dc));
  d.cycle(17);
  acc.reset();
  expect_clean_layer(acc);
}

// The harness watchdog: a result stream that is never ready must become AccelError(-1).
TEST_F(Reliability, WatchdogReportsHang) {
  AccelOptions o = options(0.0, 1.0);
  o.watchdog_cycles = 3000;
  Accel acc(o);
  const IntLayer l = make_random_layer(small_cfg(), 0.5, seed());
  try {
    acc.run_layer(l);
    ADD_FAILURE() << "expected a watchdog AccelError";
  } catch (const AccelError& e) {
    EXPECT_EQ(e.code, AccelError::kHang) << e.what();
  }
  acc.reset();
  acc.driver().set_stream_probs(0.1, 0.3);
  acc.driver().set_watchdog(0);
  expect_clean_layer(acc);
}

}  // namespace
}  // namespace esc
