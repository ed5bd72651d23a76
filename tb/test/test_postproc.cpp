// Unit test of esc_postproc: every lane against the golden requant() (SPEC section 3), with
// random and corner operands (shift 0 and 63, mult 0 and 65535, int32 extremes), relu on/off.
#include <gtest/gtest.h>

#include <deque>
#include <limits>

#include "Vesc_postproc.h"
#include "esc/fixture.hpp"
#include "esc/layer.hpp"

namespace esc {
namespace {

constexpr int kT = 4;  // esc_pkg::NumPixLanes

struct In {
  int32_t acc[kT];
  int32_t bias;
  uint16_t mult;
  uint8_t shift;
  bool relu;
  uint8_t tag;
};

class Postproc : public RtlFixture<Vesc_postproc> {};

TEST_F(Postproc, MatchesGoldenRequant) {
  SplitMix64 r(seed());
  const int32_t imin = std::numeric_limits<int32_t>::min(),
                imax = std::numeric_limits<int32_t>::max();
  auto pick32 = [&]() -> int32_t {
    switch (r.uniform(0, 5)) {
      case 0:
        return imin;
      case 1:
        return imax;
      case 2:
        return static_cast<int32_t>(r.uniform(-300, 300));
      default:
        return static_cast<int32_t>(static_cast<uint32_t>(r.next()));
    }
  };
  std::vector<In> ins;
  for (int i = 0; i < 5000; ++i) {
    In in{};
    for (int t = 0; t < kT; ++t) in.acc[t] = pick32();
    in.bias = pick32();
    const int mk = static_cast<int>(r.uniform(0, 4));
    in.mult = mk == 0 ? 0 : mk == 1 ? 65535 : static_cast<uint16_t>(r.uniform(0, 65535));
    const int sk = static_cast<int>(r.uniform(0, 4));
    in.shift = sk == 0 ? 0 : sk == 1 ? 63 : static_cast<uint8_t>(r.uniform(0, 63));
    in.relu = r.uniform(0, 1) != 0;
    in.tag = static_cast<uint8_t>(i);
    ins.push_back(in);
  }
  Vesc_postproc& d = dut();
  d.flush_i = 0;
  d.in_valid_i = 0;
  reset();
  size_t next = 0, checked = 0;
  std::deque<const In*> inflight;
  sim().on_drive([&] {
    d.in_valid_i = 0;
    if (next < ins.size() && r.uniform(0, 3) != 0) {
      const In& in = ins[next++];
      d.in_valid_i = 1;
      for (int t = 0; t < kT; ++t)
        set_bits(d.in_acc_i, 32 * t, 32, static_cast<uint32_t>(in.acc[t]));
      d.in_bias_i = static_cast<uint32_t>(in.bias);
      d.in_mult_i = in.mult;
      d.in_shift_i = in.shift;
      d.in_relu_i = in.relu;
      d.in_tag_i = in.tag;
      inflight.push_back(&in);
    }
  });
  sim().on_sample([&] {
    if (!d.out_valid_o) return;
    ASSERT_FALSE(inflight.empty()) << "output without input";
    const In& in = *inflight.front();
    inflight.pop_front();
    ASSERT_EQ(d.out_tag_o, in.tag);
    for (int t = 0; t < kT; ++t) {
      const int8_t want = requant(in.acc[t], in.bias, in.mult, in.shift, in.relu);
      const auto got = static_cast<int8_t>(get_bits(d.out_data_o, 8 * t, 8));
      ASSERT_EQ(got, want) << "acc " << in.acc[t] << " bias " << in.bias << " mult " << in.mult
                           << " shift " << int(in.shift) << " relu " << in.relu;
      ASSERT_EQ(static_cast<int32_t>(get_bits(d.out_acc_o, 32 * t, 32)), in.acc[t]);
    }
    ++checked;
  });
  for (int i = 0; i < 20000 && checked < ins.size(); ++i) {
    cycle();
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(checked, ins.size());
}

// flush_i drops the beat entering the stage in the same cycle (the one in flight): a stream of
// beats with flush in random cycles, where every beat presented without flush must come out
// (with its tag, one cycle later) and every beat presented with flush must not. A flush that
// did nothing would let the flushed beats through.
TEST_F(Postproc, FlushDropsInFlight) {
  SplitMix64 r(seed());
  Vesc_postproc& d = dut();
  d.flush_i = 0;
  d.in_valid_i = 0;
  reset();
  std::deque<uint8_t> want;  // tags expected at the output, in order
  int flushed = 0, passed = 0, cyc = 0;
  bool presented = false, was_flushed = false;
  uint8_t tag = 0;
  sim().on_drive([&] {
    d.in_valid_i = 0;
    d.flush_i = 0;
    presented = false;
    if (cyc < 400 && r.uniform(0, 3) != 0) {
      d.in_valid_i = 1;
      for (int t = 0; t < kT; ++t)
        set_bits(d.in_acc_i, 32 * t, 32, static_cast<uint32_t>(r.next()));
      d.in_bias_i = 0;
      d.in_mult_i = 1;
      d.in_shift_i = 0;
      d.in_relu_i = 0;
      d.in_tag_i = ++tag;
      presented = true;
    }
    was_flushed = r.uniform(0, 2) == 0;
    d.flush_i = was_flushed ? 1 : 0;
  });
  sim().on_edge([&] {
    if (!presented) return;
    if (was_flushed) {
      ++flushed;
    } else {
      want.push_back(tag);
      ++passed;
    }
  });
  sim().on_sample([&] {
    if (!d.out_valid_o) {
      ASSERT_TRUE(want.empty()) << "beat with tag " << int(want.front()) << " lost (cycle " << cyc
                                << ")";
      return;
    }
    ASSERT_FALSE(want.empty()) << "beat with tag " << int(d.out_tag_o)
                               << " came out although it was flushed (cycle " << cyc << ")";
    ASSERT_EQ(d.out_tag_o, want.front()) << "cycle " << cyc;
    want.pop_front();
  });
  for (cyc = 0; cyc < 420; ++cyc) {
    cycle();
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(flushed, 50);
  EXPECT_GT(passed, 50);
  EXPECT_TRUE(want.empty());
}

}  // namespace
}  // namespace esc
