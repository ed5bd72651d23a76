// One entry of the configuration matrix (rtl/esc_configs.json), built with ESC_CFG_PARAM set to
// ESC_CFG_VALUE: the capability registers report the build, and a CoefWidth = 4 build refuses
// what it cannot store (8-bit mode: ERR_BAD_MODE at START; a coefficient outside [-8, 7]:
// ERR_COEF_RANGE latched at load). The random golden-vs-RTL regression of the same build is
// test_random.cpp, linked into the same executable.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "esc/accel_driver.hpp"
#include "esc/load_encoder.hpp"
#include "esc/scoreboard.hpp"
#include "esc/top_fixture.hpp"

#ifndef ESC_CFG_PARAM
#error "ESC_CFG_PARAM / ESC_CFG_VALUE name the parameter this build changes"
#endif

namespace esc {
namespace {

class MatrixConfig : public TopTest {
 protected:
  // START, then the STATUS code once error_o rises (within `bound` cycles), or -1.
  static int error_after_start(AccelDriver& d, uint64_t bound) {
    d.reg_write(reg::kCtrl, kCtrlStart);
    for (uint64_t i = 0; i < bound && !d.top().error_o; ++i) d.cycle();
    if (!d.top().error_o) return -1;
    return static_cast<int>(hw::status_reg::kCode.get(d.reg_read(reg::kStatus)));
  }
  static LayerConfig small() {
    LayerConfig c;
    c.C = 3;
    c.N = 5;
    c.H = c.W = 5;
    c.M = 3;
    c.coef_w = 4;
    return c;
  }
};

TEST_F(MatrixConfig, CapabilityRegistersReportTheBuild) {
  Accel acc(options());
  const DeviceCaps dc = acc.driver().read_caps();
  const std::string p = ESC_CFG_PARAM;
  const int v = ESC_CFG_VALUE;
  auto expect = [&](const char* name, int64_t got, int64_t dflt) {
    EXPECT_EQ(got, p == name ? v : dflt) << name << " (this build sets " << p << " = " << v << ")";
  };
  expect("NumPixLanes", dc.hw.T, hw::NumPixLanes);
  expect("NumCoefLanes", dc.hw.L, hw::NumCoefLanes);
  expect("MaxBases", dc.hw.M_MAX, hw::MaxBases);
  expect("CoefWidth", dc.hw.coef_w, hw::CoefWidth);
  expect("BasisPerChannel", dc.hw.basis_per_ch, hw::BasisPerChannel);
  EXPECT_EQ(dc.hw.C_MAX, hw::MaxChannels);
  EXPECT_EQ(dc.colptr_stride, hw::colptr_stride(hw::MaxChannels));
  EXPECT_EQ(dc.id, hw::kCapIdValue);
}

// Per-channel basis (the BasisPerChannel = 1 build; skipped elsewhere): a layer with a basis
// per input channel runs bit-exactly, including the last channel's basis at C = C_MAX.
TEST_F(MatrixConfig, PerChannelBasis) {
  Accel probe(options());
  if (probe.caps().basis_per_ch == 0) GTEST_SKIP() << "no per-channel basis store on this build";
  LayerConfig c = cfg_of(4, 5, 5, 5, 3, 1, 1, 3);
  c.basis_per_channel = true;
  check_layer(make_random_layer(c, 0.5, seed()), "basis_per_channel", options());
}

// Per-channel basis at the capacity C = C_MAX: the basis of the last channel (cb = C_MAX - 1)
// is loaded and used. Only channel C_MAX - 1 has nonzero activations, so every output depends
// on that basis alone and a lost or aliased last basis entry changes every result.
TEST_F(MatrixConfig, PerChannelBasisLastChannel) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  if (hw.basis_per_ch == 0) GTEST_SKIP() << "no per-channel basis store on this build";
  LayerConfig c = cfg_of(static_cast<int>(hw.C_MAX), 4, 3, 3, 3, 1, 1, std::min(2, hw.M_MAX));
  c.basis_per_channel = true;
  IntLayer l = make_random_layer(c, 0.5, seed());
  for (int ch = 0; ch + 1 < c.C; ++ch)
    for (int y = 0; y < c.H; ++y)
      for (int x = 0; x < c.W; ++x) l.x(ch, y, x) = 0;
  for (int n = 0; n < c.N; ++n) l.coef(n, c.C - 1, 0) = static_cast<int8_t>(n % 2 ? -37 : 53);
  const IntResult g = run_int(l);
  int nonzero = 0;
  for (int64_t i = 0; i < g.acc.size(); ++i) nonzero += g.acc.data()[i] != 0;
  ASSERT_GT(nonzero, static_cast<int>(g.acc.size() / 2)) << "the test needs nonzero outputs";
  auto r = check_layer(l, "basis_last_channel", options());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stats.passes, 1) << "C = C_MAX must run in one pass";
}

TEST_F(MatrixConfig, NarrowCoefficientStoreRefusesWhatItCannotHold) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  if (dc.hw.coef_w == 8) GTEST_SKIP() << "this build stores 8-bit coefficients";
  ASSERT_EQ(dc.hw.coef_w, 4);
  const IntLayer l = make_random_layer(small(), 0.5, seed());
  // 8-bit mode on a 4-bit store: a configuration error within 4 cycles of START.
  d.reg_write(reg::kCtrl, kCtrlClear);
  d.queue_load(encode_load(l, dc));
  d.pump_load(100000);
  LayerConfig wide = l.cfg;
  wide.coef_w = 8;
  d.write_config(wide);
  EXPECT_EQ(error_after_start(d, 4), hw::err::kBadMode);
  // The host cannot even encode a coefficient a 4-bit store cannot hold.
  EXPECT_THROW(coef_beat(0, 0, {CoefEntry{0, 0, 100}}, dc.hw), std::invalid_argument);
  // The same instance then runs the layer bit-exactly (run_layer clears and reloads).
  const AccelResult r = acc.run_layer(l);
  const auto mm = Scoreboard("after-refusals", seed())
                      .compare(l, run_int(l), r, dc.hw, static_cast<int>(dc.max_dim));
  EXPECT_FALSE(mm.has_value()) << mm->report;
}

// First load fault wins in stream order: esc_cau registers its faults (COEF/COLPTR/BIAS) a cycle
// after the beat, and the esc_top decode (IFMAP/BASIS/unknown target) registers its own to
// match, so neither path overtakes the other. The two paths must raise different codes to tell
// them apart: the esc_cau beat is a COEF word with an entry naming m >= MaxBases (LOAD_INDEX),
// which a build can express only where MaxBases is not a power of two (matrix entry M_MAX = 6;
// elsewhere every esc_cau-path load fault is LOAD_ADDR, like the esc_top ones).
TEST_F(MatrixConfig, LoadFaultFirstInStreamWins) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const CoefEntryLayout el = coef_entry_layout(dc.hw);
  if ((uint32_t{1} << el.m_w) <= static_cast<uint32_t>(dc.hw.M_MAX)) {
    GTEST_SKIP() << "every m a COEF word can hold is < MaxBases = " << dc.hw.M_MAX;
  }
  constexpr uint64_t kBound = 4;  // configuration / load-fault errors within 4 cycles of START
  const uint64_t bad_m = static_cast<uint64_t>(dc.hw.M_MAX) << el.a_w;  // entry 0: m = M_MAX
  const LoadBeat bad_coef{hw::kTgtCoef, 0, bad_m, 0};
  const LoadBeat bad_ifmap{hw::kTgtIfmap, static_cast<uint32_t>(dc.hw.ifmap_bytes / 8), 0, 0};
  const LoadBeat bad_basis{hw::kTgtBasis, static_cast<uint32_t>(dc.hw.M_MAX * dc.hw.C_MAX), 0, 0};
  LayerConfig c = small();
  c.coef_w = dc.hw.coef_w;
  const IntLayer l = make_random_layer(c, 0.5, seed());
  const int kIndex = static_cast<int>(hw::err::kLoadIndex);
  const int kAddr = static_cast<int>(hw::err::kLoadAddr);
  struct Pair {
    LoadBeat first, second;
    int want;
  };
  for (const Pair& p : {Pair{bad_coef, bad_ifmap, kIndex}, Pair{bad_ifmap, bad_coef, kAddr},
                        Pair{bad_coef, bad_basis, kIndex}, Pair{bad_basis, bad_coef, kAddr}}) {
    d.reg_write(reg::kCtrl, kCtrlClear);
    d.queue_load(encode_load(l, dc));
    d.pump_load(100000);
    // Both beats on consecutive edges: the load driver (idle_prob 0) presents the second in the
    // cycle after the first is accepted, and ld_ready_o stays high while idle.
    const uint64_t before = d.ld_accepted();
    uint64_t first_edge = 0, second_edge = 0;
    d.queue_load({p.first, p.second});
    for (uint64_t i = 1; d.load_pending() > 0 && i < 100; ++i) {
      d.cycle();
      if (d.ld_accepted() == before + 1 && first_edge == 0) first_edge = i;
      if (d.ld_accepted() == before + 2 && second_edge == 0) second_edge = i;
    }
    ASSERT_EQ(second_edge, first_edge + 1) << "the two beats must be on consecutive cycles";
    d.cycle(2);
    d.write_config(l.cfg);
    EXPECT_EQ(error_after_start(d, kBound), p.want)
        << "first beat tgt " << int(p.first.tgt) << " addr " << p.first.addr << ", then tgt "
        << int(p.second.tgt) << " addr " << p.second.addr;
  }
}

}  // namespace
}  // namespace esc
