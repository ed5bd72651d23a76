// Unit test of esc_window_gen against a C++ reference of the KxK windows, with a behavioural
// IFMAP memory like esc_ifmap_buf (synchronous segment read: one cycle after rd_en_o,
// rd_data_i byte b = X[(rd_addr_o & ~7) + b] for b < 8*SegWords, addresses wrap; the data holds
// until the next read) and random backpressure on the group stream.
#include <gtest/gtest.h>

#include <vector>

#include "Vesc_window_gen.h"
#include "esc/fixture.hpp"
#include "esc/hw_interface.hpp"
#include "esc/layer.hpp"

namespace esc {
namespace {

constexpr int kT = 4;  // esc_pkg::NumPixLanes (default build of this block)
constexpr int kBytes = static_cast<int>(hw::IfmapBytes);  // the block is built at the default
constexpr int kSegBytes = 16;                             // 8 * SegWords at T = 4

class WindowGen : public RtlFixture<Vesc_window_gen>, public ::testing::WithParamInterface<int> {};

TEST_P(WindowGen, WindowsMatchReference) {
  SplitMix64 r(seed());
  LayerConfig c;
  c.K = r.uniform(0, 2) == 0 ? 1 : 3;
  c.stride = r.uniform(0, 1) ? 2 : 1;
  c.pad_t = static_cast<int>(r.uniform(0, c.K - 1));
  c.pad_b = static_cast<int>(r.uniform(0, c.K - 1));
  c.pad_l = static_cast<int>(r.uniform(0, c.K - 1));
  c.pad_r = static_cast<int>(r.uniform(0, c.K - 1));
  c.C = static_cast<int>(r.uniform(1, 4));
  c.H = static_cast<int>(r.uniform(std::max(1, c.K - c.pad_t - c.pad_b), 12));
  c.W = static_cast<int>(r.uniform(std::max(1, c.K - c.pad_l - c.pad_r), 12));
  SCOPED_TRACE("C=" + std::to_string(c.C) + " H=" + std::to_string(c.H) +
               " W=" + std::to_string(c.W) + " K=" + std::to_string(c.K) +
               " s=" + std::to_string(c.stride) + " pad_t=" + std::to_string(c.pad_t) +
               " pad_l=" + std::to_string(c.pad_l) + " pad_b=" + std::to_string(c.pad_b) +
               " pad_r=" + std::to_string(c.pad_r));
  const int Ho = c.Ho(), Wo = c.Wo(), P = Ho * Wo, tiles = (P + kT - 1) / kT;
  std::vector<int8_t> mem(kBytes);
  for (auto& b : mem) b = static_cast<int8_t>(r.uniform(-128, 127));
  auto X = [&](int ch, int y, int x) { return mem[(static_cast<size_t>(ch) * c.H + y) * c.W + x]; };
  const double bp = r.uniform01() * 0.6;

  Vesc_window_gen& d = dut();
  d.start_i = 0;
  d.abort_i = 0;
  d.grp_ready_i = 0;
  reset();
  d.cfg_c_i = c.C;
  d.cfg_h_i = c.H;
  d.cfg_w_i = c.W;
  d.cfg_k3_i = c.K == 3;
  d.cfg_stride2_i = c.stride == 2;
  d.cfg_pad_t_i = c.pad_t;
  d.cfg_pad_l_i = c.pad_l;
  d.cfg_wo_i = Wo;
  d.cfg_hw_i = c.H * c.W;
  d.cfg_num_pix_i = P;
  d.cfg_num_tiles_i = tiles;

  // Behavioural memory: rd_data one cycle after rd_en.
  bool rd_pending = false;
  uint32_t rd_addr = 0;
  std::vector<std::vector<int8_t>> got;  // groups: T*9 bytes
  std::vector<int> got_c;
  sim().on_drive([&] {
    if (rd_pending) {
      rd_pending = false;
      const uint32_t base = rd_addr & ~7u;
      for (int b = 0; b < kSegBytes; ++b) {
        set_bits(d.rd_data_i, 8 * b, 8, static_cast<uint8_t>(mem[(base + b) % kBytes]));
      }
    }
    d.grp_ready_i = r.uniform01() >= bp;
  });
  sim().on_edge([&] {
    if (d.grp_valid_o && d.grp_ready_i) {
      std::vector<int8_t> g(kT * 9);
      for (int k = 0; k < kT * 9; ++k) g[k] = static_cast<int8_t>(get_bits(d.grp_win_o, 8 * k, 8));
      got.push_back(g);
      got_c.push_back(d.grp_c_o);
    }
    if (d.rd_en_o) {
      rd_pending = true;
      rd_addr = d.rd_addr_o;
    }
  });
  d.start_i = 1;
  cycle();
  d.start_i = 0;
  const size_t want = static_cast<size_t>(tiles) * c.C;
  for (int i = 0; i < 200000 && got.size() < want; ++i) cycle();
  cycle(20);  // no extra groups
  ASSERT_EQ(got.size(), want) << "groups emitted";
  EXPECT_FALSE(d.busy_o);
  for (int k = 0; k < tiles; ++k) {
    for (int ch = 0; ch < c.C; ++ch) {
      const size_t gi = static_cast<size_t>(k) * c.C + ch;
      ASSERT_EQ(got_c[gi], ch) << "group " << gi;
      for (int t = 0; t < kT; ++t) {
        const int p = k * kT + t;
        for (int i = 0; i < 3; ++i) {
          for (int j = 0; j < 3; ++j) {
            int8_t want_b = 0;
            if (p < P && i < c.K && j < c.K) {
              const int y = p / Wo, x = p % Wo;
              const int iy = y * c.stride + i - c.pad_t, ix = x * c.stride + j - c.pad_l;
              if (iy >= 0 && iy < c.H && ix >= 0 && ix < c.W) want_b = X(ch, iy, ix);
            }
            ASSERT_EQ(got[gi][t * 9 + i * 3 + j], want_b)
                << "tile " << k << " channel " << ch << " lane " << t << " (pixel " << p
                << ") tap (" << i << "," << j << ")";
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Random, WindowGen, ::testing::Range(0, 60));

}  // namespace
}  // namespace esc
