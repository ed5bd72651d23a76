// Double-buffered load banks (docs/architecture.md, "Double buffering"): every load-written
// buffer has two banks, a layer reads the banks MODE names, and while it runs the load stream
// may fill the other banks. These tests drive the register and load level directly to check
// each rule of the contract, and run overlapped schedules through Accel::run_layers.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/layer.hpp"
#include "esc/load_encoder.hpp"
#include "esc/tiling.hpp"
#include "esc/top_fixture.hpp"

namespace esc {
namespace {

using Banks = TopTest;

std::vector<LoadBeat> beats_of(const IntLayer& l, const DeviceCaps& dc, int ibank, int wbank) {
  return encode_load(l, dc, LoadPlan{true, true, ibank, wbank});
}

// The result beats of one single-pass run of `l` against the golden model: "" or the first
// differing element with its coordinates.
std::string compare_beats(const IntLayer& l, const std::vector<ResBeat>& res, int T) {
  const IntResult g = run_int(l);
  const LayerConfig& c = l.cfg;
  const int64_t P = int64_t{c.Ho()} * c.Wo();
  const int64_t tiles = (P + T - 1) / T;
  if (static_cast<int64_t>(res.size()) != tiles * c.N) {
    return "expected " + std::to_string(tiles * c.N) + " result beats, got " +
           std::to_string(res.size());
  }
  for (size_t i = 0; i < res.size(); ++i) {
    const int64_t tile = static_cast<int64_t>(i) / c.N;
    const int n = static_cast<int>(static_cast<int64_t>(i) % c.N);
    for (int t = 0; t < T && tile * T + t < P; ++t) {
      const int y = static_cast<int>((tile * T + t) / c.Wo());
      const int x = static_cast<int>((tile * T + t) % c.Wo());
      if (res[i].y[static_cast<size_t>(t)] != g.y(n, y, x) ||
          res[i].acc[static_cast<size_t>(t)] != g.acc(n, y, x)) {
        std::ostringstream m;
        m << "first difference at (n " << n << ", y " << y << ", x " << x << "): RTL y "
          << int(res[i].y[static_cast<size_t>(t)]) << " acc " << res[i].acc[static_cast<size_t>(t)]
          << ", golden y " << int(g.y(n, y, x)) << " acc " << g.acc(n, y, x);
        return m.str();
      }
    }
  }
  return "";
}

// Counts load beats accepted while busy_o is high (the harness's own count, not the RTL's).
struct BusyLoadCounter {
  uint64_t taken_busy = 0, held_busy = 0;
  explicit BusyLoadCounter(AccelDriver& d) {
    d.sim().on_edge([this, &d] {
      const Vesc_top& t = d.top();
      if (t.ld_valid_i && t.busy_o) {
        if (t.ld_ready_o) {
          ++taken_busy;
        } else {
          ++held_busy;
        }
      }
    });
  }
};

void load_config(AccelDriver& d, const IntLayer& l, const DeviceCaps& dc, int ibank, int wbank) {
  d.queue_load(beats_of(l, dc, ibank, wbank));
  d.pump_load(1000000);
  d.write_config(l.cfg, ibank, wbank);
  d.clear_results();
}

// Layer A is loaded into banks 0 and started; B's beats into banks 1 are queued behind the
// START. Returns when A ends (B's beats may still be pending); counts A's and B's beats.
struct OverlapRun {
  size_t a_beats = 0, b_beats = 0;
  AccelDriver::Outcome a;
};
OverlapRun run_a_while_loading_b(AccelDriver& d, const DeviceCaps& dc, const IntLayer& a,
                                 const IntLayer& b) {
  OverlapRun r;
  d.reg_write(reg::kCtrl, kCtrlClear);
  r.a_beats = beats_of(a, dc, 0, 0).size();
  load_config(d, a, dc, 0, 0);
  const uint64_t c0 = d.start();
  const std::vector<LoadBeat> bb = beats_of(b, dc, 1, 1);
  r.b_beats = bb.size();
  d.queue_load(bb);
  r.a = d.wait_done(c0, 1000000);
  return r;
}

// Runs `l` from banks (ibank, wbank), already loaded, and compares it with the golden model:
// "" or what went wrong (an error code, or the first differing element).
std::string run_from_banks(AccelDriver& d, const IntLayer& l, int ibank, int wbank, int T) {
  d.write_config(l.cfg, ibank, wbank);
  d.clear_results();
  const AccelDriver::Outcome o = d.start_and_wait(1000000);
  if (o.error) return "RTL error code " + std::to_string(o.code);
  return compare_beats(l, d.results(), T);
}

// Layer B is loaded into banks 1 while layer A runs from banks 0: every beat of B is taken
// during A, A is exact, B then runs exactly from banks 1, and A runs again exactly from banks 0
// without being reloaded (neither load touched the other's banks).
TEST_F(Banks, NextLayerLoadsWhileThisOneRunsAndBothAreExact) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const int T = dc.hw.T;
  const IntLayer a = make_random_layer(cfg_of(8, 16, 12, 12, 3, 1, 1, 4), 0.3, seed());
  const IntLayer b = make_random_layer(cfg_of(6, 10, 10, 10, 3, 2, 1, 3), 0.4, seed() + 1);
  BusyLoadCounter cnt(d);
  const OverlapRun r = run_a_while_loading_b(d, dc, a, b);
  ASSERT_FALSE(r.a.error) << "code " << r.a.code;
  EXPECT_EQ(compare_beats(a, d.results(), T), "") << "layer A";
  EXPECT_EQ(d.load_pending(), 0u) << "B's beats should all fit inside A's run";
  EXPECT_EQ(cnt.taken_busy, r.b_beats);
  EXPECT_EQ(cnt.held_busy, 2u) << "held only in the two check cycles";
  EXPECT_EQ(d.reg_read(reg::kLdBeats), r.a_beats + r.b_beats);
  EXPECT_EQ(d.reg_read(reg::kLdIdle), r.a_beats) << "only A's beats were taken while idle";

  EXPECT_EQ(run_from_banks(d, b, 1, 1, T), "") << "layer B from banks 1";
  EXPECT_EQ(run_from_banks(d, a, 0, 0, T), "") << "layer A again from banks 0, not reloaded";
}

// A beat into a bank the running layer reads is held (ld_ready_o low) until the layer ends,
// then written: the running layer is exact, and a re-run from the same banks sees the new data.
TEST_F(Banks, BeatIntoBankInUseWaitsForTheLayerToEnd) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const int T = dc.hw.T;
  const IntLayer a = make_random_layer(cfg_of(4, 8, 8, 8, 3, 1, 1, 3), 0.5, seed());
  IntLayer a2 = a;  // the same layer with output channel 0's bias changed
  a2.rq.bias[0] = a.rq.bias[0] + 12345;
  BusyLoadCounter cnt(d);
  d.reg_write(reg::kCtrl, kCtrlClear);
  load_config(d, a, dc, 0, 1);  // weights in bank 1 this time
  const uint64_t c0 = d.start();
  LoadBeat bias0 = bias_beat(0, a2.rq.bias[0], a2.rq.mult[0], a2.rq.shift[0]);
  bias0.addr = bank_addr(1, bias0.addr);
  d.queue_load({bias0});
  const AccelDriver::Outcome o = d.wait_done(c0, 1000000);
  ASSERT_FALSE(o.error) << "code " << o.code;
  EXPECT_EQ(compare_beats(a, d.results(), T), "") << "the held beat changed the running layer";
  EXPECT_EQ(cnt.taken_busy, 0u);
  EXPECT_GT(cnt.held_busy, 0u);
  d.pump_load(100);
  EXPECT_EQ(run_from_banks(d, a2, 0, 1, T), "") << "the held beat was not written afterwards";
}

// Loads into the idle banks are taken only in the run state: a beat presented right after the
// START write waits exactly the two check cycles.
TEST_F(Banks, NoBeatIsTakenInTheTwoCheckCycles) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer a = make_random_layer(cfg_of(4, 8, 8, 8, 3, 1, 1, 3), 0.5, seed());
  BusyLoadCounter cnt(d);
  d.reg_write(reg::kCtrl, kCtrlClear);
  load_config(d, a, dc, 0, 0);
  const uint64_t c0 = d.start();
  LoadBeat w = beats_of(a, dc, 1, 1).front();  // an IFMAP word into bank 1
  d.queue_load({w});
  const AccelDriver::Outcome o = d.wait_done(c0, 1000000);
  ASSERT_FALSE(o.error) << "code " << o.code;
  EXPECT_EQ(cnt.held_busy, 2u) << "held in StChk1 and StChk2";
  EXPECT_EQ(cnt.taken_busy, 1u) << "taken in the first run cycle";
  EXPECT_EQ(compare_beats(a, d.results(), dc.hw.T), "");
}

// A faulty beat taken while a layer runs belongs to the next pass: the running layer ends
// without error and the next START reports the fault.
TEST_F(Banks, FaultOfAnOverlappedBeatIsReportedAtTheNextStart) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer a = make_random_layer(cfg_of(4, 8, 8, 8, 3, 1, 1, 3), 0.5, seed());
  d.reg_write(reg::kCtrl, kCtrlClear);
  load_config(d, a, dc, 0, 0);
  const uint64_t c0 = d.start();
  LoadBeat bad;
  bad.tgt = hw::kTgtIfmap;
  bad.addr = bank_addr(1, static_cast<uint32_t>(dc.hw.ifmap_bytes / 8));  // one word past
  d.queue_load({bad});
  const AccelDriver::Outcome o = d.wait_done(c0, 1000000);
  EXPECT_FALSE(o.error) << "the running layer must not report the next pass's fault";
  EXPECT_EQ(compare_beats(a, d.results(), dc.hw.T), "");
  d.write_config(a.cfg, 1, 0);
  d.clear_results();
  const AccelDriver::Outcome o2 = d.start_and_wait(1000);
  EXPECT_TRUE(o2.error);
  EXPECT_EQ(o2.code, hw::err::kLoadAddr);
}

// When the next load is longer than the running layer, the beats taken while it ran are free
// and the rest count in LD_IDLE: exactly the harness's count of beats taken while idle.
TEST_F(Banks, LdIdleCountsExactlyTheBeatsNoLayerOverlapped) {
  Accel acc(options());
  AccelDriver& d = acc.driver();
  const DeviceCaps dc = d.read_caps();
  const IntLayer a = make_random_layer(cfg_of(1, 2, 8, 8, 3, 1, 1, 2), 0.5, seed());
  const IntLayer b = make_random_layer(cfg_of(16, 32, 16, 16, 3, 1, 1, 5), 0.3, seed() + 1);
  BusyLoadCounter cnt(d);
  const OverlapRun r = run_a_while_loading_b(d, dc, a, b);
  ASSERT_FALSE(r.a.error) << "code " << r.a.code;
  d.pump_load(1000000);
  ASSERT_GT(cnt.taken_busy, 0u);
  ASSERT_LT(cnt.taken_busy, r.b_beats);
  // One beat per StRun cycle of A: all of its busy cycles but the two check cycles.
  EXPECT_EQ(cnt.taken_busy, d.reg_read(reg::kCycTotal) - 2);
  EXPECT_EQ(d.reg_read(reg::kLdIdle), r.a_beats + r.b_beats - cnt.taken_busy);
  EXPECT_EQ(d.reg_read(reg::kLdBeats), r.a_beats + r.b_beats);
  EXPECT_EQ(run_from_banks(d, b, 1, 1, dc.hw.T), "");
}

// Accel::run_layers: a layer tiled into row bands (its weights loaded once, each band's input
// rows loaded while the band before runs), then two more layers whose loads overlap the layer
// before; all exact, event counters as predicted, and most of the load hidden.
TEST_F(Banks, RunLayersOverlapsBandsAndLayers) {
  Accel probe(options());
  const HwCaps hw = probe.caps();
  // Enough rows that the input map is about 2.5 IFMAP banks (three row bands).
  const int C = 16,
            H = static_cast<int>(std::min<int64_t>(1000, hw.ifmap_bytes * 5 / (2 * C * 32)));
  std::vector<IntLayer> layers;
  layers.push_back(make_random_layer(cfg_of(C, 16, H, 32, 3, 1, 1, 4), 0.2, seed()));
  layers.push_back(make_random_layer(cfg_of(16, 24, 12, 12, 3, 2, 1, 5), 0.3, seed() + 1));
  layers.push_back(make_random_layer(cfg_of(24, 16, 6, 6, 1, 1, 0, 1), 0.4, seed() + 2));
  const auto rs = check_layers(layers, options());
  ASSERT_TRUE(rs.has_value());
  const RunStats& s0 = (*rs)[0].stats;
  ASSERT_GE(s0.passes, 2) << "the first layer should need row bands";
  EXPECT_EQ(s0.events.writes(Mem::kBasis), static_cast<uint64_t>(layers[0].cfg.M))
      << "the weights are loaded once for all bands";
  EXPECT_LT(s0.ld_idle, s0.perf.ld_beats) << "later bands load while earlier ones run";
  for (size_t i = 1; i < layers.size(); ++i) {
    EXPECT_LT((*rs)[i].stats.ld_idle, (*rs)[i].stats.perf.ld_beats)
        << "layer " << i << " should load (partly) while layer " << i - 1 << " runs";
    EXPECT_EQ((*rs)[i].stats.e2e_cycles(), (*rs)[i].stats.perf.total + (*rs)[i].stats.ld_idle);
  }
}

}  // namespace
}  // namespace esc
