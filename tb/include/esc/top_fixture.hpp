// GoogleTest fixture for top-level tests through the host driver (esc::Accel).
//
// check_layer() runs a layer on the RTL and on the golden model and compares them with the
// Scoreboard, and the RTL's event counters with the golden prediction (predict_run_events). On any
// failure (mismatch, RTL error, hang, assertion) it re-runs the same layer, with the same seed,
// with FST tracing into <build>/waves/<Suite>.<Test>[_k].fst, so every failure comes with waves;
// ESC_TRACE=1 traces the first run already.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esc/accel.hpp"
#include "esc/accel_driver.hpp"
#include "esc/fixture.hpp"
#include "esc/layer.hpp"
#include "esc/scoreboard.hpp"
#include "esc/tiling.hpp"

namespace esc {

// A configuration with equal pads on all four sides (the other fields at their defaults).
inline LayerConfig cfg_of(int C, int N, int H, int W, int K, int stride, int pad, int M) {
  LayerConfig c;
  c.C = C;
  c.N = N;
  c.H = H;
  c.W = W;
  c.K = K;
  c.stride = stride;
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = pad;
  c.M = M;
  return c;
}

class TopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = current_test_name();
    seed_ = env_seed(default_seed_for(name_));
    trace_ = std::make_unique<::testing::ScopedTrace>(
        __FILE__, __LINE__,
        "test " + name_ + " seed " + std::to_string(seed_) +
            " (replay: ESC_SEED=" + std::to_string(seed_) + ")");
  }
  void TearDown() override { trace_.reset(); }

  uint64_t seed() const { return seed_; }
  const std::string& test_name() const { return name_; }

  // Options for one Accel instance of this test (unique coverage / wave file names).
  AccelOptions options(double idle_prob = 0.0, double bp_prob = 0.0) {
    AccelOptions o;
    o.seed = seed_ + runs_;
    o.idle_prob = idle_prob;
    o.backpressure_prob = bp_prob;
    const std::string tag = name_ + (runs_ ? "_" + std::to_string(runs_) : "");
    o.cov_path = cov_path_for(tag);
    if (env_trace() == 1) o.fst_path = waves_dir() + "/" + tag + ".fst";
    // ESC_RECORD=<dir>: record every port of this Accel, cycle by cycle, into <dir>/<tag>.rec
    // for the 4-state replay (docs/verification.md, "4-state replay (Icarus)").
    if (const char* dir = std::getenv("ESC_RECORD"); dir != nullptr && *dir != '\0') {
      std::string file = tag;
      for (char& ch : file) {
        if (ch == '/') ch = '.';
      }
      o.record_path = std::string(dir) + "/" + file + ".rec";
      o.record_tag = "test " + name_ + " seed " + std::to_string(seed_) +
                     " (replay: ESC_SEED=" + std::to_string(seed_) + ")";
    }
    ++runs_;
    return o;
  }

  // Runs `layer` on a fresh Accel with `opt` and on the golden model; EXPECTs bit equality.
  // Returns the RTL result if the run completed.
  std::optional<AccelResult> check_layer(const IntLayer& layer, const std::string& layer_name,
                                         AccelOptions opt) {
    const std::string v = validate(layer);
    EXPECT_EQ(v, "") << "test generated an invalid layer: " << describe(layer.cfg);
    if (!v.empty()) return std::nullopt;
    const IntResult gold = run_int(layer);
    std::string failure;
    std::optional<AccelResult> out;
    auto attempt = [&](const AccelOptions& o) -> std::string {
      try {
        Accel acc(o);
        const DeviceCaps dc = acc.driver().read_caps();
        const HwCaps hw = dc.hw;
        const int max_dim = static_cast<int>(dc.max_dim);
        AccelResult r = acc.run_layer(layer);
        Scoreboard sb(layer_name, seed_);  // the test seed: ESC_SEED=<it> replays
        if (std::getenv("ESC_VERBOSE") != nullptr) {
          std::printf(
              "[ layer    ] %s [%s]: %d pass(es), %llu cycles total (bcu %llu, cau %llu, "
              "stall %llu), %llu result beats, %llu load bytes, sim cycles %llu\n",
              layer_name.c_str(), describe(layer.cfg).c_str(), r.stats.passes,
              (unsigned long long)r.stats.perf.total, (unsigned long long)r.stats.perf.bcu,
              (unsigned long long)r.stats.perf.cau, (unsigned long long)r.stats.perf.stall,
              (unsigned long long)r.stats.perf.res_beats, (unsigned long long)r.stats.load_bytes,
              (unsigned long long)acc.cycle());
        }
        if (auto mm = sb.compare(layer, gold, r, hw, max_dim)) return mm->report;
        // The activity counters (energy model) against the golden prediction, exactly.
        const EventCounts want = predict_run_events(layer, hw, max_dim);
        if (r.stats.events != want) {
          return "EVENT COUNTERS of layer '" + layer_name + "' [" + describe(layer.cfg) +
                 "] differ from the golden prediction, first: " +
                 first_difference(want, r.stats.events) + " (predicted vs RTL); seed " +
                 std::to_string(seed_) + " (replay: ESC_SEED=" + std::to_string(seed_) + ")";
        }
        out = std::move(r);
        return "";
      } catch (const AccelError& e) {
        return "layer '" + layer_name + "' [" + describe(layer.cfg) + "]: AccelError code " +
               std::to_string(e.code) + ": " + e.what() + "; seed " + std::to_string(seed_) +
               " (replay: ESC_SEED=" + std::to_string(seed_) + ")";
      } catch (const std::exception& e) {
        return "layer '" + layer_name + "' [" + describe(layer.cfg) + "]: " + e.what() + "; seed " +
               std::to_string(seed_) + " (replay: ESC_SEED=" + std::to_string(seed_) + ")";
      }
    };
    failure = attempt(opt);
    if (!failure.empty() && opt.fst_path.empty() && env_trace() != 0) {
      AccelOptions o2 = opt;
      o2.fst_path = waves_dir() + "/" + name_ + "_" + std::to_string(runs_) + ".fst";
      o2.cov_path.clear();
      o2.record_path.clear();  // the re-run for waves must not overwrite the recording
      ++runs_;
      attempt(o2);
      failure += "\n  waves of the re-run: " + o2.fst_path;
    }
    EXPECT_EQ(failure, "");
    return failure.empty() ? out : std::nullopt;
  }

  // Runs `layers` as one overlapped schedule (Accel::run_layers: each pass's loads go into the
  // banks the pass before it does not read, while it runs) and checks every layer as
  // check_layer does: bit for bit against the golden model and its event counters exactly.
  // Returns the RTL results if every layer matched.
  std::optional<std::vector<AccelResult>> check_layers(const std::vector<IntLayer>& layers,
                                                       AccelOptions opt) {
    std::vector<const IntLayer*> ptrs;
    for (const IntLayer& l : layers) {
      const std::string v = validate(l);
      EXPECT_EQ(v, "") << "test generated an invalid layer: " << describe(l.cfg);
      if (!v.empty()) return std::nullopt;
      ptrs.push_back(&l);
    }
    std::string failure;
    std::vector<AccelResult> rs;
    try {
      Accel acc(opt);
      const DeviceCaps dc = acc.driver().read_caps();
      const int max_dim = static_cast<int>(dc.max_dim);
      rs = acc.run_layers(ptrs);
      for (size_t i = 0; i < layers.size() && failure.empty(); ++i) {
        const std::string name =
            "layer " + std::to_string(i) + " of " + std::to_string(layers.size());
        Scoreboard sb(name, seed_);
        if (auto mm = sb.compare(layers[i], run_int(layers[i]), rs[i], dc.hw, max_dim)) {
          failure = mm->report;
        } else if (const EventCounts want = predict_run_events(layers[i], dc.hw, max_dim);
                   rs[i].stats.events != want) {
          failure = "EVENT COUNTERS of " + name + " [" + describe(layers[i].cfg) +
                    "] differ from the golden prediction, first: " +
                    first_difference(want, rs[i].stats.events) + " (predicted vs RTL); seed " +
                    std::to_string(seed_) + " (replay: ESC_SEED=" + std::to_string(seed_) + ")";
        }
      }
    } catch (const std::exception& e) {
      failure = std::string("run_layers: ") + e.what() + "; seed " + std::to_string(seed_) +
                " (replay: ESC_SEED=" + std::to_string(seed_) + ")";
    }
    if (!failure.empty() && opt.fst_path.empty() && env_trace() != 0) {
      AccelOptions o2 = opt;
      o2.fst_path = waves_dir() + "/" + name_ + "_" + std::to_string(runs_) + ".fst";
      o2.cov_path.clear();
      o2.record_path.clear();  // the re-run for waves must not overwrite the recording
      ++runs_;
      try {
        Accel acc(o2);
        (void)acc.run_layers(ptrs);
      } catch (const std::exception&) {
      }
      failure += "\n  waves of the re-run: " + o2.fst_path;
    }
    EXPECT_EQ(failure, "");
    if (!failure.empty()) return std::nullopt;
    return rs;
  }

 private:
  std::string name_;
  uint64_t seed_ = 1;
  int runs_ = 0;
  std::unique_ptr<::testing::ScopedTrace> trace_;
};

}  // namespace esc
