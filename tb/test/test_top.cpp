// Directed top-level tests: esc_top through the host driver against the golden model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/layer.hpp"
#include "esc/tiling.hpp"
#include "esc/top_fixture.hpp"

namespace esc {
namespace {

using TopDirected = TopTest;

// docs/architecture.md, "Cycle model": the fill constant and the stated accuracy of the total
// (3 % or 12 cycles, whichever is larger).
constexpr uint64_t kCycleModelFill = 18;
constexpr double kCycleModelTolerance = 0.03;
constexpr double kCycleModelSlack = 12.0;

// 1 input channel, 2 output channels, K = 1, M = 1: y[n] = clamp(rshift(a_n * b * x, ...)).
// Expected values are computed here by hand, not by the golden model.
TEST_F(TopDirected, TinyHandChecked) {
  IntLayer l;
  l.cfg = cfg_of(1, 2, 2, 3, 1, 1, 0, 1);
  l.x = ActT(1, 2, 3);
  const int8_t xs[6] = {1, -2, 3, 100, -128, 127};
  for (int i = 0; i < 6; ++i) l.x.data()[i] = xs[i];
  l.basis = BasisT(1, 1, 1, 1);
  l.basis(0, 0, 0, 0) = 2;
  l.coef = CoefT(2, 1, 1);
  l.coef(0, 0, 0) = 3;
  l.coef(1, 0, 0) = -1;
  l.rq.bias = {1, 0};
  l.rq.mult = {1, 1};
  l.rq.shift = {1, 0};
  // n=0: acc = 6x, y = clamp((6x + 1 + 1) >> 1) ; n=1: acc = -2x, y = clamp(-2x)
  const int acc0[6] = {6, -12, 18, 600, -768, 762};
  const int y0[6] = {4, -5, 10, 127, -128, 127};
  const int y1[6] = {-2, 4, -6, -128, 127, -128};
  const IntResult g = run_int(l);
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(g.acc(0, i / 3, i % 3), acc0[i]) << "golden disagrees with the hand calculation";
    ASSERT_EQ(g.y(0, i / 3, i % 3), y0[i]);
    ASSERT_EQ(g.y(1, i / 3, i % 3), y1[i]);
  }
  check_layer(l, "tiny", options());
}

TEST_F(TopDirected, Conv3x3Stride1Pad1) {
  check_layer(make_random_layer(cfg_of(3, 5, 6, 6, 3, 1, 1, 5), 0.5, seed()), "3x3s1p1", options());
}

TEST_F(TopDirected, Conv3x3Stride2) {
  check_layer(make_random_layer(cfg_of(2, 4, 7, 9, 3, 2, 1, 5), 0.6, seed()), "3x3s2p1", options());
}

TEST_F(TopDirected, Conv3x3NoPad) {
  check_layer(make_random_layer(cfg_of(2, 3, 5, 6, 3, 1, 0, 4), 0.7, seed()), "3x3s1p0", options());
}

TEST_F(TopDirected, AsymmetricPads) {
  LayerConfig c = cfg_of(2, 3, 5, 5, 3, 1, 0, 3);
  c.pad_t = 2;
  c.pad_b = 0;
  c.pad_l = 1;
  c.pad_r = 2;
  check_layer(make_random_layer(c, 0.5, seed()), "pads", options());
}

TEST_F(TopDirected, Pointwise1x1) {
  check_layer(make_random_layer(cfg_of(8, 8, 4, 5, 1, 1, 0, 1), 0.5, seed()), "1x1", options());
}

TEST_F(TopDirected, Pointwise1x1Stride2) {
  check_layer(make_random_layer(cfg_of(4, 6, 6, 6, 1, 2, 0, 1), 0.5, seed()), "1x1s2", options());
}

// The default build has no per-channel basis store (BasisPerChannel = 0): a layer in that mode
// is refused at START with BAD_MODE within the configuration-error bound, and the next legal
// layer runs. The mode itself is tested on the basisch1 build (test_config.cpp).
TEST_F(TopDirected, PerChannelBasisRefusedWithoutTheStore) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  if (d.read_caps().hw.basis_per_ch != 0) GTEST_SKIP() << "this build has the store";
  LayerConfig c = cfg_of(4, 5, 5, 5, 3, 1, 1, 3);
  c.basis_per_channel = true;
  d.reg_write(reg::kCtrl, kCtrlClear);
  d.write_config(c);
  d.reg_write(reg::kCtrl, kCtrlStart);
  int edges = 1;
  while (!d.top().error_o && edges < 4) {
    d.cycle();
    ++edges;
  }
  ASSERT_TRUE(d.top().error_o) << "no error within 4 cycles of START";
  EXPECT_EQ(static_cast<int>(hw::status_reg::kCode.get(d.reg_read(reg::kStatus))),
            hw::err::kBadMode);
  EXPECT_THROW((void)acc.run_layer(make_random_layer(c, 0.5, seed())), std::invalid_argument)
      << "the host refuses it before sending anything";
  c.basis_per_channel = false;
  check_layer(make_random_layer(c, 0.5, seed()), "shared_after_refusal", options());
}

TEST_F(TopDirected, Coef4Bit) {
  LayerConfig c = cfg_of(3, 6, 5, 5, 3, 1, 1, 5);
  c.coef_w = 4;
  check_layer(make_random_layer(c, 0.5, seed()), "coef4", options());
}

TEST_F(TopDirected, Relu) {
  LayerConfig c = cfg_of(3, 4, 5, 5, 3, 1, 1, 5);
  c.relu = true;
  check_layer(make_random_layer(c, 0.5, seed()), "relu", options());
}

TEST_F(TopDirected, MaxBasesAndAllDense) {
  check_layer(make_random_layer(cfg_of(2, 9, 4, 4, 3, 1, 1, 8), 1.0, seed()), "M8_dense",
              options());
}

TEST_F(TopDirected, AllZeroCoefficients) {
  check_layer(make_random_layer(cfg_of(3, 4, 4, 4, 3, 1, 1, 5), 0.0, seed()), "all_zero",
              options());
}

TEST_F(TopDirected, BackpressureAndIdle) {
  check_layer(make_random_layer(cfg_of(3, 5, 6, 5, 3, 1, 1, 5), 0.4, seed()), "bp_idle",
              options(0.3, 0.5));
}

// Counters of one single-pass layer run through the driver, with the busy cycles counted
// independently by the harness (busy_o sampled at every edge).
struct MeasuredRun {
  PerfCounters perf;
  uint64_t busy_edges = 0, beats = 0, load_beats = 0;
  AccelResult r;
};

// A fresh Accel per run: the edge hook below lives as long as the instance.
MeasuredRun run_measured(const AccelOptions& opt, const IntLayer& l) {
  Accel acc(opt);
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  MeasuredRun m;
  bool counting = false;
  d.sim().on_edge([&] {
    if (counting && d.top().busy_o) ++m.busy_edges;
  });
  d.reg_write(reg::kCtrl, kCtrlClear);
  const std::vector<LoadBeat> beats = encode_load(l, dc);
  m.load_beats = beats.size();
  d.queue_load(beats);
  d.pump_load(1000000);
  d.write_config(l.cfg);
  d.clear_results();
  counting = true;
  const AccelDriver::Outcome o = d.start_and_wait(10000000);
  d.cycle(2);  // busy_o is low from here on: nothing more to count
  counting = false;
  EXPECT_FALSE(o.error) << "code " << o.code;
  m.perf.total = d.reg_read(reg::kCycTotal);
  m.perf.bcu = d.reg_read(reg::kCycBcu);
  m.perf.cau = d.reg_read(reg::kCycCau);
  m.perf.stall = d.reg_read(reg::kCycStall);
  m.perf.res_beats = d.reg_read(reg::kResBeats);
  m.perf.ld_beats = d.reg_read(reg::kLdBeats);
  m.beats = d.results().size();
  return m;
}

// Output rows touched by each tile of T consecutive raster pixels.
std::vector<int> rows_per_tile(const LayerConfig& c, int T) {
  const int64_t P = int64_t{c.Ho()} * c.Wo();
  std::vector<int> rows;
  for (int64_t p0 = 0; p0 < P; p0 += T) {
    const int64_t p1 = std::min<int64_t>(P, p0 + T) - 1;
    rows.push_back(static_cast<int>(p1 / c.Wo() - p0 / c.Wo() + 1));
  }
  return rows;
}

// The counters the architecture defines exactly (docs/architecture.md, "Controller" and the
// register map): CYC_TOTAL = busy cycles; RES_BEATS = result beats = tiles * N; LD_BEATS =
// load beats since CLEAR; CYC_BCU = basis steps = tiles * C * M; CYC_STALL = busy cycles with
// neither the BCU nor a CAU lane active, so total - stall is the size of the union of the BCU
// and CAU cycles: between max(bcu, cau) and bcu + cau.
TEST_F(TopDirected, PerfCountersConsistent) {
  const IntLayer l = make_random_layer(cfg_of(4, 6, 6, 6, 3, 1, 1, 5), 0.3, seed());
  auto r = check_layer(l, "perf", options());
  ASSERT_TRUE(r.has_value());
  const int P = l.cfg.Ho() * l.cfg.Wo();
  Accel probe(options());
  const int T = probe.caps().T;
  const uint64_t tiles = (P + T - 1) / T;
  EXPECT_EQ(r->stats.perf.res_beats, tiles * l.cfg.N);
  EXPECT_EQ(r->stats.perf.ld_beats * 9, r->stats.load_bytes);
  EXPECT_GT(r->stats.perf.total, 0u);
  EXPECT_LE(r->stats.perf.bcu, r->stats.perf.total);
  EXPECT_LE(r->stats.perf.cau, r->stats.perf.total);
  EXPECT_LE(r->stats.perf.stall, r->stats.perf.total);
  EXPECT_EQ(r->stats.passes, 1);

  // Exact, on the probe instance: the same layer through the driver with the busy cycles
  // counted by the harness.
  const MeasuredRun m = run_measured(options(), l);
  EXPECT_EQ(m.perf.total, m.busy_edges) << "CYC_TOTAL is the number of busy cycles";
  EXPECT_EQ(m.perf.res_beats, m.beats);
  EXPECT_EQ(m.perf.res_beats, tiles * l.cfg.N);
  EXPECT_EQ(m.perf.ld_beats, m.load_beats);
  EXPECT_EQ(m.perf.bcu, tiles * l.cfg.C * l.cfg.M) << "one basis step per (tile, c, m)";
  const uint64_t active = m.perf.total - m.perf.stall;
  EXPECT_GE(active, std::max(m.perf.bcu, m.perf.cau));
  EXPECT_LE(active, m.perf.bcu + m.perf.cau);
  // The two runs of the same layer without backpressure take the same cycles.
  EXPECT_EQ(m.perf.total, r->stats.perf.total);
  EXPECT_EQ(m.perf.bcu, r->stats.perf.bcu);
  EXPECT_EQ(m.perf.cau, r->stats.perf.cau);
  EXPECT_EQ(m.perf.stall, r->stats.perf.stall);
}

// docs/architecture.md, "Cycle model": measured CYC_TOTAL of directed layers (no backpressure,
// no idle cycles) against the model, within the bound the document states.
struct CycleModel {
  uint64_t tiles = 0, bcu = 0, cau = 0, total = 0;
};

CycleModel cycle_model(const IntLayer& l, const HwCaps& hw) {
  const LayerConfig& c = l.cfg;
  CycleModel m;
  uint64_t worst_lane = 0;  // max over lanes of sum_c max(1, nnz_l(c)): CAU cycles per tile
  for (int lane = 0; lane < hw.L; ++lane) {
    uint64_t sum = 0;
    for (int ch = 0; ch < c.C; ++ch) {
      uint64_t nnz = 0;
      for (int n = lane; n < c.N; n += hw.L) {
        for (int mm = 0; mm < c.M; ++mm) nnz += l.coef(n, ch, mm) != 0;
      }
      sum += std::max<uint64_t>(1, nnz);
    }
    worst_lane = std::max(worst_lane, sum);
  }
  uint64_t busiest = 0;  // sum over tiles of the slower of BCU and CAU in that tile
  for (int r : rows_per_tile(c, hw.T)) {
    const uint64_t bcu_tile = static_cast<uint64_t>(c.C) * std::max(c.M, c.K * r);
    m.bcu += bcu_tile;
    m.cau += worst_lane;
    busiest += std::max(bcu_tile, worst_lane);
    ++m.tiles;
  }
  m.total = busiest + static_cast<uint64_t>(c.N) + kCycleModelFill;
  return m;
}

TEST_F(TopDirected, CycleModelMatchesMeasured) {
  HwCaps hw;
  {
    Accel probe(options());
    hw = probe.caps();
  }
  struct Case {
    const char* name;
    LayerConfig cfg;
    bool empty_column;
  };
  const Case cases[] = {
      {"K3_s1", cfg_of(8, 16, 8, 8, 3, 1, 1, 4), false},
      {"K3_s1_M2", cfg_of(8, 16, 8, 8, 3, 1, 1, 2), false},
      {"K3_s2", cfg_of(8, 16, 9, 9, 3, 2, 1, 4), false},
      {"K1", cfg_of(16, 16, 8, 8, 1, 1, 0, 1), false},
      {"K3_s1_empty_column", cfg_of(8, 16, 8, 8, 3, 1, 1, 4), true},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    IntLayer l = make_random_layer(k.cfg, 0.5, seed());
    if (k.empty_column) {
      for (int n = 0; n < l.cfg.N; ++n)
        for (int m = 0; m < l.cfg.M; ++m) l.coef(n, 2, m) = 0;
    }
    const MeasuredRun r = run_measured(options(), l);
    const CycleModel m = cycle_model(l, hw);
    const double diff = static_cast<double>(r.perf.total) - static_cast<double>(m.total);
    std::printf(
        "  %-20s CYC_TOTAL %5llu model %5llu (%+4.0f)  CYC_BCU %5llu (BCU time %5llu)  "
        "CYC_CAU %5llu (model %5llu)\n",
        k.name, static_cast<unsigned long long>(r.perf.total),
        static_cast<unsigned long long>(m.total), diff, static_cast<unsigned long long>(r.perf.bcu),
        static_cast<unsigned long long>(m.bcu), static_cast<unsigned long long>(r.perf.cau),
        static_cast<unsigned long long>(m.cau));
    EXPECT_EQ(r.perf.total, r.busy_edges);
    EXPECT_EQ(r.perf.bcu, m.tiles * l.cfg.C * l.cfg.M)
        << "CYC_BCU: one basis step per (tile, c, m)";
    const double bound = std::max(kCycleModelSlack, kCycleModelTolerance * m.total);
    EXPECT_LE(std::abs(diff), bound) << "measured CYC_TOTAL " << r.perf.total
                                     << " vs docs/architecture.md cycle model " << m.total;
  }
}

// Reads have no side effects: with random data on reg_wdata_i, reading every register (the
// CTRL address included) leaves the configuration, STATUS and the counters unchanged.
TEST_F(TopDirected, RegisterReadsHaveNoSideEffects) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  SplitMix64 rng(seed());
  // A layer first, so that STATUS (done) and every counter hold nonzero values.
  const IntLayer l = make_random_layer(cfg_of(3, 5, 5, 5, 3, 1, 1, 4), 0.5, seed());
  ASSERT_NO_THROW(acc.run_layer(l));
  const uint32_t cfg_regs[] = {reg::kC,   reg::kN, reg::kH,      reg::kW,
                               reg::kKsp, reg::kM, reg::kZshift, reg::kMode};
  for (uint32_t a : cfg_regs) d.reg_write(a, static_cast<uint32_t>(rng.next()));
  std::vector<uint32_t> all;
  for (uint32_t a = 0; a < (1u << hw::RegAddrW); ++a) all.push_back(a);
  const auto snapshot = [&] {
    std::vector<uint32_t> v;
    for (uint32_t a : all) {
      d.top().reg_wdata_i = 0;
      v.push_back(d.reg_read(a));
    }
    return v;
  };
  const std::vector<uint32_t> before = snapshot();
  EXPECT_NE(before[reg::kStatus] & (1u << hw::status_reg::kDone.lsb), 0u);
  EXPECT_NE(before[reg::kCycTotal], 0u);
  EXPECT_NE(before[reg::kLdBeats], 0u);
  for (int pass = 0; pass < 4; ++pass) {
    for (uint32_t a : all) {
      // All ones in pass 0 (every CTRL command bit), random data after.
      d.top().reg_wdata_i = pass == 0 ? 0xffffffffu : static_cast<uint32_t>(rng.next());
      d.reg_read(a);
      ASSERT_FALSE(d.top().busy_o) << "reading register " << a << " started a layer";
    }
  }
  const std::vector<uint32_t> after = snapshot();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(after[i], before[i])
        << "register 0x" << std::hex << all[i] << " changed by reads with data on reg_wdata_i";
  }
}

// Capacity corners on the default model, each bit-exact against golden: N = N_MAX in one pass,
// N > N_MAX (output-channel groups: passes with n0 > 0), C > C_MAX (input-channel groups, acc
// summed on the host), W and H at MaxDim.
TEST_F(TopDirected, OutputChannelsAtCapacity) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  const int n = static_cast<int>(hw.N_MAX);
  auto r = check_layer(make_random_layer(cfg_of(2, n, 3, 3, 1, 1, 0, 2), 0.5, seed()), "n_max",
                       options());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stats.passes, 1);
}

TEST_F(TopDirected, OutputChannelGroups) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  const int n = static_cast<int>(hw.N_MAX) + hw.L + 3;
  auto r = check_layer(make_random_layer(cfg_of(2, n, 3, 3, 1, 1, 0, 2), 0.5, seed()), "n_groups",
                       options(0.1, 0.2));
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->stats.passes, 2) << "N > N_MAX must be split into output-channel groups";
}

TEST_F(TopDirected, InputChannelGroups) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  const int c = static_cast<int>(hw.C_MAX) + 5;
  auto r = check_layer(make_random_layer(cfg_of(c, 3, 3, 3, 3, 1, 1, 2), 0.5, seed()), "c_groups",
                       options());
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->stats.channel_groups, 2) << "C > C_MAX must be split into input-channel groups";
}

TEST_F(TopDirected, WidthAndHeightAtMaxDim) {
  Accel probe(options());
  const int d = probe.max_dim();
  const HwCaps hw = probe.caps();
  check_layer(make_random_layer(cfg_of(1, 2, d, 3, 3, 2, 1, 2), 0.5, seed() + 1), "h_max",
              options());
  const IntLayer w = make_random_layer(cfg_of(1, 2, 3, d, 3, 1, 1, 2), 0.5, seed());
  if (int64_t{w.cfg.K} * d <= hw.ifmap_bytes) {
    check_layer(w, "w_max", options());
  } else {
    // A small build (esc_tb_small): one output row at W = MaxDim needs K input rows, more than
    // the IFMAP holds, and the host tiles rows, not columns. The planner must refuse it by name.
    try {
      (void)plan_passes(w, hw, d);
      ADD_FAILURE() << "W = MaxDim = " << d << " accepted with IFMAP " << hw.ifmap_bytes;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("> IFMAP " + std::to_string(hw.ifmap_bytes)),
                std::string::npos)
          << e.what();
    }
  }
}

// int32 accumulator wrap (two's complement, docs/semantics.md): every Z slot is +32767 and 800
// products of at least 90 * 32767 are summed, so acc leaves the int32 range; RTL and golden
// must wrap identically.
TEST_F(TopDirected, AccumulatorWraps) {
  Accel probe(options());
  if (probe.caps().coef_depth < 800 || probe.caps().C_MAX < 100) {
    // int32 wraps in one pass only after about 730 products of one output channel; a build
    // whose lane holds fewer entries (esc_tb_small: 64) splits the sum over passes, on the host.
    GTEST_SKIP() << "CoefDepth " << probe.caps().coef_depth << " / C_MAX " << probe.caps().C_MAX
                 << ": an accumulator cannot wrap inside one pass of this build";
  }
  IntLayer l = make_random_layer(cfg_of(100, 4, 4, 4, 3, 1, 0, 8), 1.0, seed());
  SplitMix64 r(seed());
  for (int64_t i = 0; i < l.x.size(); ++i) l.x.data()[i] = 127;
  for (int64_t i = 0; i < l.basis.size(); ++i) l.basis.data()[i] = 127;
  for (int64_t i = 0; i < l.coef.size(); ++i)
    l.coef.data()[i] = static_cast<int8_t>(r.uniform(90, 127));
  l.cfg.zshift = 0;
  ASSERT_TRUE(run_int(l).overflow) << "the layer must make the int32 accumulator wrap";
  check_layer(l, "acc_wrap", options());
}

// Larger than the IFMAP buffer: the host driver tiles it into row bands.
TEST_F(TopDirected, TiledRowBands) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  ASSERT_GT(hw.ifmap_bytes, 0);
  // Pick C and H so that C*H*W is about 1.6x the IFMAP capacity, W = 16.
  LayerConfig c = cfg_of(8, 4, 0, 16, 3, 1, 1, 2);
  c.H = static_cast<int>(hw.ifmap_bytes * 16 / 10 / (c.C * c.W));
  auto r = check_layer(make_random_layer(c, 0.3, seed()), "tiled_rows", options());
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->stats.passes, 2);
}

TEST_F(TopDirected, SecondLayerOnSameInstance) {
  // Two different layers back to back on one model: no state may leak between layers.
  Accel acc(options());
  const IntLayer a = make_random_layer(cfg_of(3, 7, 5, 5, 3, 1, 1, 5), 0.5, seed());
  const IntLayer b = make_random_layer(cfg_of(2, 3, 4, 6, 1, 1, 0, 1), 0.5, seed() + 1);
  for (const IntLayer* l : {&a, &b, &a}) {
    const IntResult g = run_int(*l);
    AccelResult r;
    ASSERT_NO_THROW(r = acc.run_layer(*l)) << describe(l->cfg);
    const DeviceCaps dc = acc.driver().read_caps();
    auto mm = Scoreboard("back_to_back", seed()).compare(*l, g, r, dc.hw, dc.max_dim);
    EXPECT_FALSE(mm.has_value()) << mm->report;
  }
}

}  // namespace
}  // namespace esc
