// Unit test of rtl/prim/esc_prim_fifo at Depth = ESC_PRIM_FIFO_DEPTH (3: not a power of two,
// so the pointer wrap is exercised), Width = 8, against a std::deque reference model:
// reset state, fill to full and drain (not fall-through, in_ready low when full, fill count),
// flush (with a push and a pop in the same cycle), and random traffic with backpressure
// compared cycle by cycle (which also checks that a stalled head holds).
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>

#include "Vesc_prim_fifo.h"
#include "esc/layer.hpp"
#include "prim_fixture.hpp"

namespace esc {
namespace {

constexpr unsigned kDepth = ESC_PRIM_FIFO_DEPTH;

// Reference model of one cycle, evaluated with the inputs applied before the clock edge.
struct FifoModel {
  std::deque<uint8_t> q;
  bool in_ready() const { return q.size() < kDepth; }
  bool out_valid() const { return !q.empty(); }
  void step(bool in_valid, uint8_t in_data, bool out_ready, bool flush) {
    const bool push = in_valid && in_ready() && !flush;
    const bool pop = out_valid() && out_ready && !flush;
    if (flush) {
      q.clear();
      return;
    }
    if (pop) q.pop_front();
    if (push) q.push_back(in_data);
  }
  void check(const Vesc_prim_fifo& d, bool /*out_ready*/, const std::string& where) const {
    ASSERT_EQ(d.fill_o, q.size()) << where;
    ASSERT_EQ(d.in_ready_o, in_ready()) << where;
    ASSERT_EQ(d.out_valid_o, out_valid()) << where;
    if (out_valid()) {
      ASSERT_EQ(d.out_data_o, q.front()) << where;
    }
  }
};

using PrimFifo = PrimTest<Vesc_prim_fifo, FifoModel>;

TEST_F(PrimFifo, EmptyAfterReset) {
  sim().settle();
  EXPECT_EQ(dut().fill_o, 0u);
  EXPECT_EQ(dut().out_valid_o, 0u);
  EXPECT_EQ(dut().in_ready_o, 1u);
}

TEST_F(PrimFifo, FillToFullThenDrainInOrder) {
  Vesc_prim_fifo& d = dut();
  // Not fall-through: the first entry shows up the cycle after its push.
  for (unsigned i = 0; i < kDepth; ++i) {
    d.in_valid_i = 1;
    d.in_data_i = static_cast<uint8_t>(0x10 + i);
    d.out_ready_i = 0;
    sim().settle();
    ASSERT_EQ(d.in_ready_o, 1u) << "push " << i;
    ASSERT_EQ(d.out_valid_o, i != 0) << "push " << i;
    cycle();
    ASSERT_EQ(d.fill_o, i + 1) << "push " << i;
  }
  // Full: in_ready low, a further push is refused and changes nothing.
  d.in_valid_i = 1;
  d.in_data_i = 0xee;
  sim().settle();
  ASSERT_EQ(d.in_ready_o, 0u);
  cycle(3);
  ASSERT_EQ(d.fill_o, kDepth);
  ASSERT_EQ(d.out_data_o, 0x10u) << "head must hold while out_ready is low";
  // Drain in order.
  d.in_valid_i = 0;
  d.out_ready_i = 1;
  for (unsigned i = 0; i < kDepth; ++i) {
    sim().settle();
    ASSERT_EQ(d.out_valid_o, 1u) << "pop " << i;
    ASSERT_EQ(d.out_data_o, 0x10u + i) << "pop " << i;
    cycle();
    ASSERT_EQ(d.fill_o, kDepth - 1 - i) << "pop " << i;
  }
  ASSERT_EQ(d.out_valid_o, 0u);
  ASSERT_EQ(d.in_ready_o, 1u);
}

TEST_F(PrimFifo, FlushEmptiesAndIgnoresSameCyclePushPop) {
  // Move both pointers away from zero first, so a flush that forgets one of them shows.
  step(true, 0x01, false);
  step(true, 0x02, true);
  step(true, 0x03, false);
  ASSERT_EQ(dut().fill_o, 2u);
  step(true, 0x55, true, /*flush=*/true);
  ASSERT_EQ(dut().fill_o, 0u);
  ASSERT_EQ(dut().out_valid_o, 0u);
  // Usable again right away, pointers back in step with the count.
  for (unsigned i = 0; i < 2 * kDepth + 1; ++i) step(true, static_cast<uint8_t>(0xa0 + i), i % 2);
  for (unsigned i = 0; i < 2 * kDepth; ++i) step(false, 0, true);
  ASSERT_EQ(dut().fill_o, 0u);
}

TEST_F(PrimFifo, RandomTrafficMatchesModel) {
  SplitMix64 r(seed());
  bool saw_full = false, saw_stall = false, saw_both = false;
  for (int i = 0; i < 20000 && !HasFatalFailure(); ++i) {
    // Phases of mostly-push and mostly-pop traffic so the FIFO reaches full and empty often.
    const bool push_heavy = (i / 64) % 2 == 0;
    const bool in_valid = r.uniform(0, 9) < (push_heavy ? 8 : 3);
    const bool out_ready = r.uniform(0, 9) < (push_heavy ? 3 : 8);
    const bool flush = r.uniform(0, 199) == 0;
    saw_full |= !m_.in_ready();
    saw_stall |= m_.out_valid() && !out_ready;
    saw_both |= in_valid && out_ready && m_.in_ready() && m_.out_valid();
    step(in_valid, static_cast<uint8_t>(r.next()), out_ready, flush);
  }
  EXPECT_TRUE(saw_full && saw_stall && saw_both);
}

}  // namespace
}  // namespace esc
