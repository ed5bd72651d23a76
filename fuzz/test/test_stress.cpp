// Stress run: thousands of random layers back to back on ONE esc::Accel instance, with random
// resets (between layers and in the middle of a running layer), random aborts, random load
// idle cycles and random result backpressure. Every layer must match the golden model bit for
// bit (so no result beat was lost, duplicated or reordered -- the driver also checks the beat
// order) and the performance counters must stay consistent.
//
// ESC_STRESS_LAYERS (default 2000) sets the number of layers, ESC_SEED replays a run,
// ESC_STRESS_EVENTS limits the disturbances (triage).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/layer.hpp"
#include "esc/tiling.hpp"

namespace esc {
namespace {

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* s = std::getenv(name);
  return (s != nullptr && *s != '\0') ? std::strtoull(s, nullptr, 0) : dflt;
}

std::string cfg_str(const LayerConfig& c) {
  return "C=" + std::to_string(c.C) + " N=" + std::to_string(c.N) + " H=" + std::to_string(c.H) +
         " W=" + std::to_string(c.W) + " K=" + std::to_string(c.K) +
         " s=" + std::to_string(c.stride) + " pad=" + std::to_string(c.pad_t) + "," +
         std::to_string(c.pad_b) + "," + std::to_string(c.pad_l) + "," + std::to_string(c.pad_r) +
         " M=" + std::to_string(c.M) + " zshift=" + std::to_string(c.zshift) +
         " coef_w=" + std::to_string(c.coef_w) + " relu=" + std::to_string(c.relu) +
         " per_ch=" + std::to_string(c.basis_per_channel);
}

LayerConfig random_cfg(SplitMix64& rng, const HwCaps& hw) {
  LayerConfig c;
  if (rng.uniform(0, 99) == 0) {  // now and then a layer over the IFMAP capacity: row bands
    c.C = static_cast<int>(rng.uniform(64, 80));
    c.N = static_cast<int>(rng.uniform(1, 3));
    c.H = static_cast<int>(rng.uniform(32, 40));
    c.W = static_cast<int>(rng.uniform(32, 40));
    c.K = std::min(hw.K_MAX, 3);
    c.pad_t = c.pad_b = c.pad_l = c.pad_r = (c.K - 1) / 2;
    c.M = static_cast<int>(rng.uniform(1, std::min(hw.M_MAX, 3)));
    c.zshift = 4;
    return c;
  }
  const bool big = rng.uniform(0, 19) == 0;  // now and then a larger layer
  c.C = static_cast<int>(rng.uniform(1, big ? 24 : 8));
  c.N = static_cast<int>(rng.uniform(1, big ? 40 : 12));
  c.H = static_cast<int>(rng.uniform(1, big ? 20 : 8));
  c.W = static_cast<int>(rng.uniform(1, big ? 20 : 8));
  c.K = std::min(hw.K_MAX, rng.uniform(0, 3) == 0 ? 1 : 3);
  c.stride = static_cast<int>(rng.uniform(1, 2));
  int* pads[4] = {&c.pad_t, &c.pad_b, &c.pad_l, &c.pad_r};
  const bool same = rng.uniform(0, 1) == 0;
  const int p0 = static_cast<int>(rng.uniform(0, c.K - 1));
  for (int* p : pads) *p = same ? p0 : static_cast<int>(rng.uniform(0, c.K - 1));
  c.H = std::max(c.H, c.K - c.pad_t - c.pad_b);
  c.W = std::max(c.W, c.K - c.pad_l - c.pad_r);
  c.M = static_cast<int>(rng.uniform(1, hw.M_MAX));
  c.zshift = static_cast<int>(rng.uniform(0, 10));
  c.coef_w = rng.uniform(0, 3) == 0 ? 4 : 8;
  c.relu = rng.uniform(0, 1) == 1;
  c.basis_per_channel = rng.uniform(0, 4) == 0 && hw.basis_per_ch != 0;
  return c;
}

// ESC_STRESS_EVENTS: comma-separated subset of reset,midreset,abort (default all), for triage.
bool allow(const std::string& ev) {
  const char* s = std::getenv("ESC_STRESS_EVENTS");
  if (s == nullptr) return true;
  return ("," + std::string(s) + ",").find("," + ev + ",") != std::string::npos;
}

TEST(Stress, ThousandsOfLayersOnOneInstance) {
  const uint64_t seed = env_u64("ESC_SEED", 20261128);
  const uint64_t layers = env_u64("ESC_STRESS_LAYERS", 2000);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay: ESC_SEED=" + std::to_string(seed) +
               " ESC_STRESS_LAYERS=" + std::to_string(layers) + ")");
  std::printf("stress: seed %llu, %llu layers\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(layers));
  SplitMix64 rng(seed);
  AccelOptions opt;
  opt.seed = seed;
  opt.idle_prob = 0.05 * static_cast<double>(rng.uniform(0, 6));           // 0 .. 0.3
  opt.backpressure_prob = 0.05 * static_cast<double>(rng.uniform(0, 10));  // 0 .. 0.5
  Accel accel(opt);
  const HwCaps hw = accel.caps();
  const DeviceCaps dcaps = accel.driver().read_caps();
  uint64_t resets = 0, mid_resets = 0, aborts = 0, multi_pass = 0, sim_cycles = 0;
  const double densities[] = {0.0, 0.05, 0.3, 0.7, 1.0};
  for (uint64_t i = 0; i < layers; ++i) {
    const LayerConfig cfg = random_cfg(rng, hw);
    const double density = densities[rng.uniform(0, 4)];
    const IntLayer layer = make_random_layer(cfg, density, rng.next());
    SCOPED_TRACE("layer " + std::to_string(i) + ": " + cfg_str(cfg) +
                 " density=" + std::to_string(density));
    ASSERT_EQ(validate(layer), "");

    // Random disturbances before the layer.
    int64_t ev = rng.uniform(0, 99);
    if ((ev < 4 && !allow("reset")) || (ev >= 4 && ev < 7 && !allow("midreset")) ||
        (ev >= 7 && ev < 10 && !allow("abort")))
      ev = 99;
    std::string before = "nothing";
    if (ev < 4) {  // plain reset between layers
      accel.reset();
      before = "reset";
      ++resets;
    } else if (ev < 10) {  // start another layer, then reset or abort it part-way through
      const IntLayer victim = make_random_layer(random_cfg(rng, hw), 0.5, rng.next());
      const std::vector<Pass> vp = plan_passes(victim, hw, static_cast<int>(dcaps.max_dim));
      const IntLayer sl =
          vp.size() == 1 ? victim : slice_layer(victim, vp[0].n0, vp[0].n1, vp[0].r0, vp[0].r1);
      AccelDriver& d = accel.driver();
      if (d.top().busy_o) {
        d.reg_write(reg::kCtrl, kCtrlAbort);
        d.wait_idle(100000);
      }
      d.reg_write(reg::kCtrl, kCtrlClear);
      d.queue_load(encode_load(sl, dcaps));
      d.pump_load(1000000);
      d.write_config(sl.cfg);
      d.clear_results();  // the monitor checks beat order per layer, like run_layer does
      d.reg_write(reg::kCtrl, kCtrlStart);
      // Resets and aborts land anywhere in the layer, including while a result beat is stalled.
      const uint64_t run_for = static_cast<uint64_t>(rng.uniform(1, 400));
      d.cycle(run_for);
      before = std::string(ev < 7 ? "reset" : "abort") + " of " + cfg_str(sl.cfg) + " after " +
               std::to_string(run_for) + " cycles";
      if (ev < 7) {
        accel.reset();
        ++mid_resets;
      } else {
        d.reg_write(reg::kCtrl, kCtrlAbort);  // run_layer must recover from this state
        ++aborts;
      }
    }

    SCOPED_TRACE("before it: " + before);
    const uint64_t c0 = accel.cycle();
    AccelResult r;
    try {
      r = accel.run_layer(layer);
    } catch (const std::exception& e) {
      FAIL() << "run_layer threw: " << e.what();
    }
    const uint64_t c1 = accel.cycle();
    sim_cycles += c1 - c0;
    const IntResult g = run_int(layer);
    // Bit-exact results: a lost, duplicated or reordered beat changes y or acc somewhere.
    ASSERT_EQ(r.y.dimensions(), g.y.dimensions());
    for (Eigen::Index k = 0; k < g.y.size(); ++k) {
      ASSERT_EQ(r.acc.data()[k], g.acc.data()[k]) << "acc element " << k;
      ASSERT_EQ(r.y.data()[k], g.y.data()[k]) << "y element " << k;
    }
    // Counter consistency, summed over the passes of this layer.
    const std::vector<Pass> passes = plan_passes(layer, hw, static_cast<int>(dcaps.max_dim));
    uint64_t want_beats = 0;
    for (const Pass& p : passes) {
      const uint64_t P = static_cast<uint64_t>(p.r1 - p.r0) * static_cast<uint64_t>(cfg.Wo());
      want_beats += (P + hw.T - 1) / hw.T * static_cast<uint64_t>(p.n1 - p.n0);
    }
    const PerfCounters& pc = r.stats.perf;
    ASSERT_EQ(r.stats.passes, static_cast<int>(passes.size()));
    ASSERT_EQ(pc.res_beats, want_beats) << "result beats != tiles * N over the passes";
    ASSERT_EQ(r.stats.result_bytes, want_beats * static_cast<uint64_t>(hw.T));
    ASSERT_EQ(r.stats.load_bytes, pc.ld_beats * 9) << "load-beat counter";
    ASSERT_GE(pc.total, pc.bcu);
    ASSERT_GE(pc.total, pc.cau);
    ASSERT_GE(pc.total, pc.stall);
    ASSERT_GT(pc.total, 0u);
    ASSERT_LE(pc.total, c1 - c0) << "the RTL counted more cycles than were simulated";
    if (passes.size() > 1) ++multi_pass;
  }
  std::printf(
      "stress: %llu layers ok (%llu multi-pass), %llu resets between layers, %llu mid-layer "
      "resets, %llu aborts, %llu simulated cycles, idle %.2f, backpressure %.2f\n",
      static_cast<unsigned long long>(layers), static_cast<unsigned long long>(multi_pass),
      static_cast<unsigned long long>(resets), static_cast<unsigned long long>(mid_resets),
      static_cast<unsigned long long>(aborts), static_cast<unsigned long long>(sim_cycles),
      opt.idle_prob, opt.backpressure_prob);
}

}  // namespace
}  // namespace esc
