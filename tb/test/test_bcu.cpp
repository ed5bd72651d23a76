// Unit test of esc_bcu: random groups of T windows and a behavioural basis buffer (synchronous
// read, data the cycle after basis_re_o), every Z slot against Zq = sat16(rshift(Z, zshift))
// computed here from the golden rshift/sat_signed; random backpressure on the z stream.
#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "Vesc_bcu.h"
#include "esc/fixture.hpp"
#include "esc/layer.hpp"

namespace esc {
namespace {

constexpr int kT = 4;         // esc_pkg::NumPixLanes
constexpr int kMaxBases = 8;  // esc_pkg::MaxBases
constexpr int kMidW = 16;

struct Group {
  std::vector<int8_t> win;  // T*9
  int c;
};

class Bcu : public RtlFixture<Vesc_bcu>, public ::testing::WithParamInterface<int> {};

TEST_P(Bcu, SlotsMatchReference) {
  SplitMix64 r(seed());
  const int M = static_cast<int>(r.uniform(1, kMaxBases));
  const int C = static_cast<int>(r.uniform(1, 6));
  const bool per_ch = r.uniform(0, 1) != 0;
  const int zshift = static_cast<int>(r.uniform(0, 3) == 0 ? r.uniform(0, 31) : r.uniform(0, 6));
  const bool extreme = r.uniform(0, 4) == 0;
  const double bp = r.uniform01() * 0.7, gap = r.uniform01() * 0.5;
  SCOPED_TRACE("M=" + std::to_string(M) + " C=" + std::to_string(C) +
               " per_ch=" + std::to_string(per_ch) + " zshift=" + std::to_string(zshift));
  // basis[cb][m][tap]
  std::vector<int8_t> basis(static_cast<size_t>(C) * kMaxBases * 9);
  for (auto& b : basis) b = extreme ? -128 : static_cast<int8_t>(r.uniform(-128, 127));
  std::vector<Group> groups;
  const int tiles = static_cast<int>(r.uniform(1, 5));
  for (int k = 0; k < tiles; ++k) {
    for (int c = 0; c < C; ++c) {
      Group g;
      g.c = c;
      g.win.resize(kT * 9);
      for (auto& w : g.win) w = extreme ? -128 : static_cast<int8_t>(r.uniform(-128, 127));
      groups.push_back(g);
    }
  }
  Vesc_bcu& d = dut();
  d.start_i = 0;
  d.abort_i = 0;
  d.grp_valid_i = 0;
  d.z_ready_i = 0;
  reset();
  d.cfg_m_i = M;
  d.cfg_zshift_i = zshift;
  d.cfg_basis_per_ch_i = per_ch;
  d.start_i = 1;
  cycle();
  d.start_i = 0;

  size_t next = 0;
  bool presenting = false;
  bool rd_pending = false;
  uint32_t rd_addr = 0;
  std::vector<std::vector<int32_t>> slots;  // [slot][m*T + t]
  sim().on_drive([&] {
    // Like esc_ram_1r1w: read data changes only the cycle after a read, else it holds.
    if (rd_pending) {
      clear_bits(d.basis_rdata_i);
      const uint32_t cb = rd_addr / kMaxBases, m = rd_addr % kMaxBases;
      for (int tap = 0; tap < 9; ++tap) {
        const size_t i = (static_cast<size_t>(cb) * kMaxBases + m) * 9 + tap;
        set_bits(d.basis_rdata_i, 8 * tap, 8, i < basis.size() ? uint8_t(basis[i]) : 0u);
      }
      rd_pending = false;
    }
    if (!presenting && next < groups.size() && r.uniform01() >= gap) presenting = true;
    d.grp_valid_i = presenting;
    if (presenting) {
      for (int k = 0; k < kT * 9; ++k)
        set_bits(d.grp_win_i, 8 * k, 8, uint8_t(groups[next].win[k]));
      d.grp_c_i = groups[next].c;
    }
    d.z_ready_i = r.uniform01() >= bp;
  });
  sim().on_edge([&] {
    if (presenting && d.grp_ready_o) {
      presenting = false;
      ++next;
    }
    if (d.z_valid_o && d.z_ready_i) {
      std::vector<int32_t> s(kMaxBases * kT);
      for (int i = 0; i < kMaxBases * kT; ++i) {
        s[i] = static_cast<int16_t>(get_bits(d.z_data_o, i * kMidW, kMidW));
      }
      slots.push_back(s);
    }
    if (d.basis_re_o) {
      rd_pending = true;
      rd_addr = d.basis_raddr_o;
    }
  });
  for (int i = 0; i < 100000 && slots.size() < groups.size(); ++i) cycle();
  cycle(20);
  ASSERT_EQ(slots.size(), groups.size());
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const Group& g = groups[gi];
    const int cb = per_ch ? g.c : 0;
    for (int m = 0; m < kMaxBases; ++m) {
      for (int t = 0; t < kT; ++t) {
        int64_t want = 0;
        if (m < M) {
          int64_t z = 0;
          for (int tap = 0; tap < 9; ++tap) {
            z += int64_t{basis[(static_cast<size_t>(cb) * kMaxBases + m) * 9 + tap]} *
                 g.win[t * 9 + tap];
          }
          want = sat_signed(rshift(z, zshift), kMidW);
        }
        ASSERT_EQ(slots[gi][m * kT + t], want)
            << "slot " << gi << " (channel " << g.c << ") m " << m << " lane " << t;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Random, Bcu, ::testing::Range(0, 40));

}  // namespace
}  // namespace esc
