// Constrained-random top-level regression: random layers within capacity, random idle cycles
// on the load stream and random backpressure on the result stream, RTL vs golden bit for bit.
// Each case has its own seed (printed on failure); ESC_SEED=<seed> replays a case exactly.
// ESC_RANDOM_CASES is the number of cases and ESC_RANDOM_SUITE the instantiation name (defined
// by CMake per executable). The name is part of every test name and so of every seed: the CI
// run, the slow run and each configuration of the matrix have distinct names and seeds.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "esc/random_layer.hpp"
#include "esc/scoreboard.hpp"
#include "esc/top_fixture.hpp"

#ifndef ESC_RANDOM_CASES
#define ESC_RANDOM_CASES 300
#endif
#ifndef ESC_RANDOM_SUITE
#define ESC_RANDOM_SUITE Regression
#endif

namespace esc {
namespace {

class RandomLayer : public TopTest, public ::testing::WithParamInterface<int> {
 protected:
  static HwCaps device_caps() {
    static const HwCaps caps = [] {
      Accel probe{AccelOptions{}};
      return probe.caps();
    }();
    return caps;
  }
};

TEST_P(RandomLayer, MatchesGolden) {
  // Capacities read once per process from the capability registers of the model under test
  // (default RTL, or the small gate-level netlist), so every case is tileable on it.
  const RandomCase rc = make_random_case(seed(), device_caps());
  SCOPED_TRACE(std::string("case: ") + rc.flavour + ", " + describe(rc.layer.cfg) + ", idle " +
               std::to_string(rc.idle_prob) + ", backpressure " +
               std::to_string(rc.backpressure_prob));
  check_layer(rc.layer, "random", options(rc.idle_prob, rc.backpressure_prob));
}

INSTANTIATE_TEST_SUITE_P(ESC_RANDOM_SUITE, RandomLayer, ::testing::Range(0, ESC_RANDOM_CASES));

// Overlapped schedules (Accel::run_layers): 2 to 4 random layers run back to back, each pass
// loaded into the banks the pass before it does not read while that pass runs, with the random
// idle cycles and backpressure of the first layer's case. One schedule per 10 layer cases.
using RandomSchedule = RandomLayer;

TEST_P(RandomSchedule, MatchesGolden) {
  SplitMix64 g(seed());
  const int n = 2 + static_cast<int>(g.next() % 3);
  std::vector<IntLayer> layers;
  std::string what;
  RandomCase first;
  for (int i = 0; i < n; ++i) {
    RandomCase rc = make_random_case(g.next(), device_caps());
    what += (i ? " | " : "") + std::string(rc.flavour) + " " + describe(rc.layer.cfg);
    layers.push_back(rc.layer);
    if (i == 0) first = rc;
  }
  SCOPED_TRACE("schedule: " + what + ", idle " + std::to_string(first.idle_prob) +
               ", backpressure " + std::to_string(first.backpressure_prob));
  check_layers(layers, options(first.idle_prob, first.backpressure_prob));
}

INSTANTIATE_TEST_SUITE_P(ESC_RANDOM_SUITE, RandomSchedule,
                         ::testing::Range(0, (ESC_RANDOM_CASES + 9) / 10));

}  // namespace
}  // namespace esc
