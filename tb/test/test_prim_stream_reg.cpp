// Unit test of rtl/prim/esc_prim_stream_reg (Width = 8) against a one-entry reference model:
// reset state, hold under backpressure, full throughput (a new entry is taken in the cycle the
// old one leaves), flush (drops the entry and a same-cycle load), and random traffic.
#include <gtest/gtest.h>

#include <cstdint>

#include "Vesc_prim_stream_reg.h"
#include "esc/layer.hpp"
#include "prim_fixture.hpp"

namespace esc {
namespace {

struct RegModel {
  bool valid = false;
  uint8_t data = 0;
  bool in_ready(bool out_ready) const { return !valid || out_ready; }
  void step(bool in_valid, uint8_t in_data, bool out_ready, bool flush) {
    const bool load = in_valid && in_ready(out_ready);
    if (load) {
      valid = true;
      data = in_data;
    } else if (out_ready) {
      valid = false;
    }
    if (flush) valid = false;
  }
  void check(const Vesc_prim_stream_reg& d, bool out_ready, const std::string& where) const {
    ASSERT_EQ(d.in_ready_o, in_ready(out_ready)) << where;
    ASSERT_EQ(d.out_valid_o, valid) << where;
    if (valid) {
      ASSERT_EQ(d.out_data_o, data) << where;
    }
  }
};

using PrimStreamReg = PrimTest<Vesc_prim_stream_reg, RegModel>;

TEST_F(PrimStreamReg, EmptyAfterReset) {
  sim().settle();
  EXPECT_EQ(dut().out_valid_o, 0u);
  EXPECT_EQ(dut().in_ready_o, 1u);
}

TEST_F(PrimStreamReg, HoldsUnderBackpressure) {
  step(true, 0x3c, false);  // load
  for (int i = 0; i < 5; ++i) {
    step(true, static_cast<uint8_t>(0x40 + i), false);  // refused: full and not ready
    ASSERT_EQ(dut().out_valid_o, 1u);
    ASSERT_EQ(dut().out_data_o, 0x3cu);
  }
  step(false, 0, true);  // taken
  ASSERT_EQ(dut().out_valid_o, 0u);
}

TEST_F(PrimStreamReg, FullThroughput) {
  // With out_ready high, one entry per cycle goes through with one cycle of latency.
  for (int i = 0; i < 16; ++i) {
    step(true, static_cast<uint8_t>(i), true);
    ASSERT_EQ(dut().out_valid_o, 1u);
    ASSERT_EQ(dut().out_data_o, static_cast<unsigned>(i));
  }
}

TEST_F(PrimStreamReg, FlushDropsEntryAndSameCycleLoad) {
  step(true, 0x11, false);
  ASSERT_EQ(dut().out_valid_o, 1u);
  step(true, 0x22, true, /*flush=*/true);  // would replace the entry, but flush wins
  ASSERT_EQ(dut().out_valid_o, 0u);
  step(true, 0x33, false);
  ASSERT_EQ(dut().out_data_o, 0x33u);
}

TEST_F(PrimStreamReg, RandomTrafficMatchesModel) {
  SplitMix64 r(seed());
  for (int i = 0; i < 20000 && !HasFatalFailure(); ++i) {
    step(r.uniform(0, 3) != 0, static_cast<uint8_t>(r.next()), r.uniform(0, 2) != 0,
         r.uniform(0, 99) == 0);
  }
}

}  // namespace
}  // namespace esc
