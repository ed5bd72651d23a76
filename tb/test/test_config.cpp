// One entry of the configuration matrix (rtl/esc_configs.json), built with ESC_CFG_PARAM set to
// ESC_CFG_VALUE: the capability registers report the build, and a CoefWidth = 4 build refuses
// what it cannot store (8-bit mode: ERR_BAD_MODE at START; a coefficient outside [-8, 7]:
// ERR_COEF_RANGE latched at load). The random golden-vs-RTL regression of the same build is
// test_random.cpp, linked into the same executable.
#include <gtest/gtest.h>

#include <string>

#include "esc/accel_driver.hpp"
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
  EXPECT_EQ(dc.hw.C_MAX, hw::MaxChannels);
  EXPECT_EQ(dc.colptr_stride, hw::colptr_stride(hw::MaxChannels));
  EXPECT_EQ(dc.id, hw::kCapIdValue);
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
  // A coefficient that does not fit 4 bits is refused at load (the beat writes nothing) and
  // reported at the next START.
  d.reg_write(reg::kCtrl, kCtrlClear);
  d.queue_load({coef_beat(0, 0, 0, 0, 100, dc.hw.coef_depth)});
  d.pump_load(1000);
  d.write_config(l.cfg);
  EXPECT_EQ(error_after_start(d, 4), hw::err::kCoefRange);
  // The same instance then runs the layer bit-exactly (run_layer clears and reloads).
  const AccelResult r = acc.run_layer(l);
  const auto mm = Scoreboard("after-refusals", seed())
                      .compare(l, run_int(l), r, dc.hw, static_cast<int>(dc.max_dim));
  EXPECT_FALSE(mm.has_value()) << mm->report;
}

}  // namespace
}  // namespace esc
