// Randomised-initialisation runs: esc_top verilated with --x-assign unique --x-initial unique
// (target esc_top_model_xu); every flop/memory starts from a seed-dependent random value
// (VerilatedContext::randReset(2) + randSeed(seed)). Reset must bring the design to a known
// state regardless, so results must stay bit-exact for every seed.
#include <gtest/gtest.h>

#include "esc/accel_driver.hpp"
#include "esc/random_layer.hpp"
#include "esc/top_fixture.hpp"

namespace esc {
namespace {

class XUnique : public TopTest, public ::testing::WithParamInterface<int> {
 protected:
  AccelOptions xopt(double idle = 0.0, double bp = 0.0) {
    AccelOptions o = options(idle, bp);
    o.rand_reset = 2;
    return o;
  }
};

TEST_P(XUnique, DirectedConv3x3) {
  LayerConfig c;
  c.C = 3;
  c.N = 9;
  c.H = 6;
  c.W = 7;
  c.M = 5;
  check_layer(make_random_layer(c, 0.5, seed()), "xu-3x3", xopt());
}

TEST_P(XUnique, RandomLayers) {
  for (int i = 0; i < 4; ++i) {
    const RandomCase rc = make_random_case(seed() * 7 + i, HwCaps{});
    check_layer(rc.layer, std::string("xu-random ") + rc.flavour,
                xopt(rc.idle_prob, rc.backpressure_prob));
  }
}

TEST_P(XUnique, CapabilitiesAndIdleAfterReset) {
  AccelOptions o = xopt();
  Accel acc(o);
  AccelDriver& d = acc.driver();
  EXPECT_FALSE(d.top().busy_o);
  EXPECT_FALSE(d.top().error_o);
  EXPECT_FALSE(d.top().done_o);
  EXPECT_FALSE(d.top().res_valid_o);
  EXPECT_EQ(d.reg_read(reg::kCapId), hw::kCapIdValue);
  EXPECT_EQ(d.reg_read(reg::kStatus) & 0x7u, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, XUnique, ::testing::Range(0, 8));

}  // namespace
}  // namespace esc
