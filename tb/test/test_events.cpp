// Activity event counters (EVT_*, LD_BYTES, RES_BYTES; rtl/esc_events.sv) against the golden
// prediction (golden/include/esc/events.hpp), exactly. Every check_layer() run compares them
// too; the tests here cover the cases issue #13 names (hand-counted layer, K = 1, stride 2 with
// tiles crossing rows, an empty coefficient column and an empty lane, a multi-pass layer) and
// when each counter restarts.
#include <gtest/gtest.h>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/coef_codec.hpp"
#include "esc/events.hpp"
#include "esc/layer.hpp"
#include "esc/load_encoder.hpp"
#include "esc/tiling.hpp"
#include "esc/top_fixture.hpp"

namespace esc {
namespace {

using EventCounters = TopTest;

// Counted by hand for the default build (T = 4, L = 8, 4 pointers per COLPTR word), not by
// predict_events: C = 2, N = 3, 4x4 output (4 tiles, each inside one output row), K = 3,
// M = 2, three coefficients: n = 0 at (c 0, m 0) and (c 1, m 1), none for n = 1, n = 2 at
// (c 1, m 0).
TEST_F(EventCounters, HandCountedTinyLayer) {
  Accel acc(options());
  const HwCaps hw = acc.caps();
  if (hw.T != 4 || hw.L != 8 || colptr_layout(hw).per_beat != 4) {
    GTEST_SKIP() << "hand counts are for T = 4, L = 8, 4 pointers per word";
  }
  IntLayer l = make_random_layer(cfg_of(2, 3, 4, 4, 3, 1, 1, 2), 0.5, seed());
  l.coef.setZero();
  l.coef(0, 0, 0) = 1;
  l.coef(0, 1, 1) = -2;
  l.coef(2, 1, 0) = 3;
  const AccelResult r = acc.run_layer(l);
  const EventCounts& e = r.stats.events;
  EXPECT_EQ(e.bcu_macs, 4u * 2 * 2 * 4 * 9);    // tiles * C * M * T * K^2
  EXPECT_EQ(e.cau_macs, 4u * 3 * 4);            // tiles * entries * T
  EXPECT_EQ(e.reads(Mem::kIfmap), 2u * 3 * 4);  // C * K reads per tile, one row per tile
  EXPECT_EQ(e.writes(Mem::kIfmap), 4u);         // 32 bytes in 8-byte words
  EXPECT_EQ(e.reads(Mem::kBasis), 4u * 2 * 2);
  EXPECT_EQ(e.writes(Mem::kBasis), 2u);
  EXPECT_EQ(e.reads(Mem::kCoef), 4u * 3);    // one word per column with entries, per lane
  EXPECT_EQ(e.writes(Mem::kCoef), 2u);       // lane 0: 2 entries in 1 word; lane 2: 1 word
  EXPECT_EQ(e.reads(Mem::kColptr), 8u * 4);  // every lane, one word (3 pointers) per tile
  EXPECT_EQ(e.writes(Mem::kColptr), 8u);
  EXPECT_EQ(e.reads(Mem::kZfifo), 4u * 3);
  EXPECT_EQ(e.writes(Mem::kZfifo), 8u * 4 * 2 * 2);  // L copies of M words per slot
  EXPECT_EQ(e.reads(Mem::kPsum), 4u * (3 + 3));      // accumulate + drain of N channels
  EXPECT_EQ(e.writes(Mem::kPsum), 4u * 3);
  EXPECT_EQ(e.reads(Mem::kBias), 4u * 3);
  EXPECT_EQ(e.writes(Mem::kBias), 3u);
  EXPECT_EQ(e.ld_bytes, (4u + 2 + 2 + 8 + 3) * 9);
  EXPECT_EQ(e.res_bytes, 4u * 3 * 4);
}

// One lane, one column with 11 entries (default build: 4 entries per coefficient word, so
// words 0..2 are read once per tile each), and a second column starting inside word 2: it
// reads that word again (a column's first entry always reads).
TEST_F(EventCounters, CoefficientWordsReadOncePerWord) {
  AccelOptions o = options();
  o.balance_lanes = false;  // every entry on lane 0, as placed below
  Accel acc(o);
  const HwCaps hw = acc.caps();
  const int L = hw.L;
  IntLayer l = make_random_layer(cfg_of(2, 11 * L, 4, 4, 3, 1, 1, 1), 0.5, seed());
  l.coef.setZero();
  for (int k = 0; k < 11; ++k) l.coef(k * L, 0, 0) = static_cast<int8_t>(k + 1);  // lane 0
  l.coef(0, 1, 0) = 5;  // lane 0, column 1: entry 11 (word 2 again with 4 per word)
  const AccelResult r = acc.run_layer(l);
  const EncodedCoef enc = encode_coef(l.coef, L);
  ASSERT_EQ(enc.entries[0].size(), 12u);
  const uint64_t tiles = 4;  // 16 pixels, T = 4
  if (hw.T == 4 && hw::fields_per_beat(hw::coef_entry_width(
                       static_cast<uint32_t>(hw.N_MAX), static_cast<uint32_t>(hw.L),
                       static_cast<uint32_t>(hw.M_MAX), static_cast<uint32_t>(hw.coef_w))) == 4) {
    EXPECT_EQ(r.stats.events.reads(Mem::kCoef), tiles * (3 + 1));
    EXPECT_EQ(r.stats.events.writes(Mem::kCoef), 3u);
  }
  EXPECT_EQ(r.stats.events.cau_macs, tiles * 12 * static_cast<uint64_t>(hw.T));
  EXPECT_EQ(r.stats.events, predict_events(l, hw))
      << first_difference(predict_events(l, hw), r.stats.events);
}

TEST_F(EventCounters, Pointwise) {
  check_layer(make_random_layer(cfg_of(20, 11, 6, 8, 1, 1, 0, 1), 0.4, seed()), "k1", options());
}

TEST_F(EventCounters, Stride2TilesCrossRows) {
  // Wo = 5 is not a multiple of T: tiles span two output rows and cost 2 K reads per channel.
  const IntLayer l = make_random_layer(cfg_of(3, 9, 10, 10, 3, 2, 1, 4), 0.5, seed());
  ASSERT_EQ(l.cfg.Wo() % 4, 1);
  check_layer(l, "stride2", options());
}

TEST_F(EventCounters, EmptyColumnAndEmptyLane) {
  IntLayer l = make_random_layer(cfg_of(4, 12, 5, 7, 3, 1, 1, 3), 0.6, seed());
  for (int n = 0; n < l.cfg.N; ++n) {
    for (int m = 0; m < l.cfg.M; ++m) {
      l.coef(n, 2, m) = 0;  // input channel 2: an empty column in every lane
      if (n % 8 == 3) {
        for (int c = 0; c < l.cfg.C; ++c) l.coef(n, c, m) = 0;  // lane 3 holds nothing
      }
    }
  }
  const EncodedCoef enc = encode_coef(l.coef, 8);
  ASSERT_EQ(enc.colptr[0][2], enc.colptr[0][3]);
  ASSERT_TRUE(enc.entries[3].empty());
  check_layer(l, "empty_column", options());
}

TEST_F(EventCounters, MultiPassLayerSumsPasses) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  LayerConfig c = cfg_of(8, 4, 0, 16, 3, 1, 1, 2);
  c.H = static_cast<int>(hw.ifmap_bytes * 16 / 10 / (c.C * c.W));  // ~1.6x the IFMAP
  const IntLayer l = make_random_layer(c, 0.3, seed());
  auto r = check_layer(l, "multi_pass", options());
  ASSERT_TRUE(r.has_value());
  ASSERT_GE(r->stats.passes, 2);
  // The sum over passes is not one pass's prediction: the halo rows are loaded and computed
  // twice, so a check that ignored the passes would differ.
  EXPECT_NE(r->stats.events.writes(Mem::kIfmap), predict_events(l, hw).writes(Mem::kIfmap));
}

// The event counters agree with the cycle counters where both see the same thing: a basis read
// per BCU step (CYC_BCU), LdDataW / 8 bytes per load beat, T bytes per result beat, and between
// one and L entries issued in every cycle CYC_CAU counts.
TEST_F(EventCounters, ConsistentWithPerfCounters) {
  Accel acc(options());
  const HwCaps hw = acc.caps();
  const IntLayer l = make_random_layer(cfg_of(6, 21, 9, 7, 3, 1, 1, 5), 0.3, seed());
  const AccelResult r = acc.run_layer(l);
  ASSERT_EQ(r.stats.passes, 1);
  const EventCounts& e = r.stats.events;
  const PerfCounters& p = r.stats.perf;
  EXPECT_EQ(e.reads(Mem::kBasis), p.bcu);
  EXPECT_EQ(e.ld_bytes, p.ld_beats * (hw::LdDataW / 8));
  EXPECT_EQ(e.res_bytes, p.res_beats * static_cast<uint64_t>(hw.T));
  const uint64_t issued = e.cau_macs / static_cast<uint64_t>(hw.T);
  EXPECT_GE(issued, p.cau);
  EXPECT_LE(issued, p.cau * static_cast<uint64_t>(hw.L));
  EXPECT_EQ(e.reads(Mem::kZfifo), issued);  // one Z word per entry issued
}

// Load-side counters (the *_WR of the load-written buffers, LD_BYTES) restart on CLEAR only;
// the others restart when a layer is accepted, so a second START without a reload counts one
// pass of compute again and keeps the load counts.
TEST_F(EventCounters, RestartRules) {
  Accel acc(options());
  const IntLayer l = make_random_layer(cfg_of(3, 5, 6, 6, 3, 1, 1, 3), 0.5, seed());
  const AccelResult first = acc.run_layer(l);
  ASSERT_EQ(first.stats.passes, 1);
  const EventCounts one = first.stats.events;
  ASSERT_GT(one.writes(Mem::kCoef), 0u);
  AccelDriver& d = acc.driver();
  d.clear_results();
  const AccelDriver::Outcome o = d.start_and_wait(1000000);
  ASSERT_FALSE(o.error) << "code " << o.code;
  EXPECT_EQ(d.read_events(), one) << first_difference(one, d.read_events());
  d.reg_write(hw::reg::kCtrl, kCtrlClear);
  const EventCounts cleared = d.read_events();
  for (int m = 0; m < kNumMems; ++m) {
    const Mem mem = static_cast<Mem>(m);
    const bool loaded = mem == Mem::kIfmap || mem == Mem::kBasis || mem == Mem::kCoef ||
                        mem == Mem::kColptr || mem == Mem::kBias;
    EXPECT_EQ(cleared.writes(mem), loaded ? 0u : one.writes(mem)) << mem_name(mem);
    EXPECT_EQ(cleared.reads(mem), one.reads(mem)) << mem_name(mem);
  }
  EXPECT_EQ(cleared.ld_bytes, 0u);
  EXPECT_EQ(cleared.res_bytes, one.res_bytes);
  EXPECT_EQ(cleared.bcu_macs, one.bcu_macs);
}

}  // namespace
}  // namespace esc
