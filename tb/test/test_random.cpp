// Constrained-random top-level regression: random layers within capacity, random idle cycles
// on the load stream and random backpressure on the result stream, RTL vs golden bit for bit.
// Each case has its own seed (printed on failure); ESC_SEED=<seed> replays a case exactly.
// ESC_RANDOM_CASES is the number of cases and ESC_RANDOM_SUITE the instantiation name (defined
// by CMake per executable). The name is part of every test name and so of every seed: the CI
// run, the slow run and each configuration of the matrix have distinct names and seeds.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace esc
