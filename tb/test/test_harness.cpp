// Checks of the harness itself that need no working RTL: tiling planner, load encoding,
// scoreboard (it must catch a single flipped bit and locate it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "esc/accel_driver.hpp"
#include "esc/coef_codec.hpp"
#include "esc/fixture.hpp"
#include "esc/random_layer.hpp"
#include "esc/scoreboard.hpp"
#include "esc/tiling.hpp"

namespace esc {
namespace {

LayerConfig small_cfg() {
  LayerConfig c;
  c.C = 4;
  c.N = 10;
  c.H = 9;
  c.W = 7;
  c.K = 3;
  c.M = 3;
  return c;
}

// Slices of a tiled plan must reproduce the whole-layer golden output exactly: each pass's acc
// is its input channels' partial sum; the wrapped sum over a split equals the layer's acc, and
// y = requant(acc) where a split happened (what Accel::run_layer does with the RTL's results).
void expect_plan_reproduces(const IntLayer& l, const HwCaps& hw, int max_dim, size_t min_passes,
                            int min_channel_groups = 1) {
  const auto passes = plan_passes(l, hw, max_dim);
  EXPECT_GE(passes.size(), min_passes);
  const int groups = channel_groups(passes);
  EXPECT_GE(groups, min_channel_groups);
  const IntResult whole = run_int(l);
  const LayerConfig& c = l.cfg;
  AccT acc(c.N, c.Ho(), c.Wo());
  acc.setZero();
  std::vector<int> covered(static_cast<size_t>(c.N) * c.Ho() * c.C, 0);
  for (const Pass& p : passes) {
    const IntLayer s = slice_layer(l, p.n0, p.n1, p.r0, p.r1, p.c0, p.c1);
    EXPECT_LE(int64_t{s.cfg.C} * s.cfg.H * s.cfg.W, hw.ifmap_bytes);
    EXPECT_LE(p.n1 - p.n0, hw.N_MAX);
    EXPECT_LE(p.c1 - p.c0, hw.C_MAX);
    // in the lane order the driver sends (balanced, esc::Accel's default)
    const PassLayer sent = prepare_pass(l, p, passes.size() == 1, hw, true);
    for (int64_t k : lane_entries(sent.layer.coef, 0, s.cfg.N, hw.L)) EXPECT_LE(k, hw.coef_depth);
    const IntResult part = run_int(s);
    for (int n = p.n0; n < p.n1; ++n) {
      for (int r = p.r0; r < p.r1; ++r) {
        for (int ch = p.c0; ch < p.c1; ++ch)
          ++covered[(static_cast<size_t>(n) * c.Ho() + r) * c.C + ch];
        for (int x = 0; x < c.Wo(); ++x) {
          int32_t& a = acc(n, r, x);
          a = static_cast<int32_t>(static_cast<uint32_t>(a) +
                                   static_cast<uint32_t>(part.acc(n - p.n0, r - p.r0, x)));
          if (groups == 1) {
            ASSERT_EQ(part.y(n - p.n0, r - p.r0, x), whole.y(n, r, x));
          }
        }
      }
    }
  }
  for (int v : covered) EXPECT_EQ(v, 1) << "every (n, row, c) must be covered exactly once";
  for (int n = 0; n < c.N; ++n) {
    for (int r = 0; r < c.Ho(); ++r) {
      for (int x = 0; x < c.Wo(); ++x) {
        ASSERT_EQ(acc(n, r, x), whole.acc(n, r, x));
        ASSERT_EQ(requant(acc(n, r, x), l.rq.bias[n], l.rq.mult[n], l.rq.shift[n], c.relu),
                  whole.y(n, r, x));
      }
    }
  }
}

TEST(Tiling, FitsInOnePass) {
  const IntLayer l = make_random_layer(small_cfg(), 0.5, 1);
  EXPECT_EQ(plan_passes(l, HwCaps{}, 1023).size(), 1u);
}

TEST(Tiling, RowBandsWhenIfmapSmall) {
  HwCaps hw;
  hw.ifmap_bytes = 4 * 7 * 4;  // 4 input rows
  for (int stride : {1, 2}) {
    LayerConfig c = small_cfg();
    c.stride = stride;
    expect_plan_reproduces(make_random_layer(c, 0.5, 2), hw, 1023, 2);
  }
}

// Bands are evened out: 7 output rows with room for 3 per band run as 3, 2, 2 (not 3, 3, 1).
TEST(Tiling, RowBandsAreEven) {
  HwCaps hw;
  hw.ifmap_bytes = 4 * 7 * 5;  // 5 input rows: 3 output rows of a 3x3 stride-1 layer
  LayerConfig c = small_cfg();
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = 0;
  const IntLayer l = make_random_layer(c, 0.5, 2);
  ASSERT_EQ(l.cfg.Ho(), 7);
  const auto passes = plan_passes(l, hw, 1023);
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes[0].r1 - passes[0].r0, 3);
  EXPECT_EQ(passes[1].r1 - passes[1].r0, 2);
  EXPECT_EQ(passes[2].r1 - passes[2].r0, 2);
  expect_plan_reproduces(l, hw, 1023, 3);
}

TEST(Tiling, ChannelGroupsWhenNmaxSmall) {
  HwCaps hw;
  hw.N_MAX = 3;
  expect_plan_reproduces(make_random_layer(small_cfg(), 0.5, 3), hw, 1023, 4);
}

TEST(Tiling, ChannelGroupsWhenCoefDepthSmall) {
  HwCaps hw;
  hw.L = 2;
  hw.coef_depth = 12;  // each n has about C*M/2 = 6 entries
  expect_plan_reproduces(make_random_layer(small_cfg(), 0.5, 4), hw, 1023, 3);
}

// Output-channel groups are the fewest that fit, cut near-equal: every group repeats the BCU
// work of the layer, so packing groups full and leaving a sliver for the last one wastes a
// whole BCU pass (ResNet-18's N = 512 layers ran 3 full groups + 3 % of the entries).
TEST(Tiling, OutputGroupsAreFewestAndEven) {
  LayerConfig c = small_cfg();
  c.N = 30;
  const IntLayer l = make_random_layer(c, 0.5, 7);
  HwCaps hw;
  hw.L = 2;
  const int64_t total = lane_entries(l.coef, 0, c.N, 1)[0];
  // room for the entries in 3 groups with 40 % to spare: packing groups full would fill two
  // and leave the third a sliver
  hw.coef_depth = static_cast<int>((total * 140 / 100 + 3 * hw.L - 1) / (3 * hw.L));
  for (const bool balance : {true, false}) {
    const auto passes = plan_passes(l, hw, 1023, balance);
    ASSERT_EQ(passes.size(), 3u) << "balance " << balance << ", depth " << hw.coef_depth;
    int lo = c.N, hi = 0;
    for (const Pass& p : passes) {
      lo = std::min(lo, p.n1 - p.n0);
      hi = std::max(hi, p.n1 - p.n0);
      const PassLayer sent = prepare_pass(l, p, false, hw, balance);
      for (int64_t k : lane_entries(sent.layer.coef, 0, p.n1 - p.n0, hw.L))
        EXPECT_LE(k, hw.coef_depth)
            << "balance " << balance << ", pass n [" << p.n0 << "," << p.n1 << ")";
    }
    EXPECT_LE(hi - lo, 1) << "balance " << balance;
  }
  expect_plan_reproduces(l, hw, 1023, 3);
}

TEST(Tiling, BandsAndGroupsTogether) {
  HwCaps hw;
  hw.N_MAX = 4;
  hw.ifmap_bytes = 4 * 7 * 5;
  LayerConfig c = small_cfg();
  c.pad_t = 2;
  c.pad_b = 0;
  expect_plan_reproduces(make_random_layer(c, 0.5, 5), hw, 1023, 6);
}

TEST(Tiling, InputChannelGroupsWhenCmaxSmall) {
  HwCaps hw;
  hw.C_MAX = 3;  // C = 4: two groups of two channels
  const IntLayer l = make_random_layer(small_cfg(), 0.5, 6);
  expect_plan_reproduces(l, hw, 1023, 2, 2);
  LayerConfig pc = small_cfg();
  pc.basis_per_channel = true;
  HwCaps hwp = hw;
  hwp.basis_per_ch = 1;
  expect_plan_reproduces(make_random_layer(pc, 0.5, 16), hwp, 1023, 2, 2);
  EXPECT_THROW(plan_passes(make_random_layer(pc, 0.5, 16), HwCaps{}, 1023), std::invalid_argument)
      << "the default build has no per-channel basis store";
}

TEST(Tiling, InputChannelGroupsWhenOneRowOfAllChannelsDoesNotFit) {
  HwCaps hw;
  hw.ifmap_bytes = 2 * 3 * 7;  // one 3-row window of two channels, not of four
  expect_plan_reproduces(make_random_layer(small_cfg(), 0.5, 17), hw, 1023, 2, 2);
}

TEST(Tiling, UntileableLayersThrow) {
  HwCaps hw2;
  hw2.ifmap_bytes = 2 * 7;  // less than one 3-row window of one channel
  EXPECT_THROW(plan_passes(make_random_layer(small_cfg(), 0.5, 6), hw2, 1023),
               std::invalid_argument);
  EXPECT_THROW(plan_passes(make_random_layer(small_cfg(), 0.5, 6), HwCaps{}, 5),
               std::invalid_argument);
  LayerConfig c8 = small_cfg();
  HwCaps hw4;
  hw4.coef_w = 4;  // a CoefWidth = 4 build cannot run an 8-bit layer
  EXPECT_THROW(plan_passes(make_random_layer(c8, 0.5, 6), hw4, 1023), std::invalid_argument);
}

TEST(LoadEncoding, FormatsMatchArchitectureDoc) {
  LayerConfig c = small_cfg();
  c.N = 3;
  const IntLayer l = make_random_layer(c, 1.0, 7);
  DeviceCaps dc;
  dc.colptr_stride = 1024;
  const auto beats = encode_load(l, dc);
  int64_t ifmap = 0, basis = 0, coef = 0, colptr = 0, bias = 0;
  for (const LoadBeat& b : beats) {
    switch (b.tgt) {
      case hw::kTgtIfmap: {
        for (int k = 0; k < 8; ++k) {
          const int64_t byte = int64_t{b.addr} * 8 + k;
          if (byte < l.x.size()) {
            ASSERT_EQ(static_cast<int8_t>(b.lo >> (8 * k)), l.x.data()[byte]);
          }
        }
        ++ifmap;
        break;
      }
      case hw::kTgtBasis: {
        const int m = static_cast<int>(b.addr % dc.hw.M_MAX);
        ASSERT_EQ(static_cast<int8_t>(b.hi), l.basis(0, m, 2, 2));  // tap 8
        ASSERT_EQ(static_cast<int8_t>(b.lo >> 8), l.basis(0, m, 0, 1));
        ++basis;
        break;
      }
      case hw::kTgtCoef: {
        // Words of per_beat stored entries {n / L, m, a}; count the nonzero ones.
        const CoefEntryLayout f = coef_entry_layout(dc.hw);
        const int lane = static_cast<int>(b.addr / (dc.hw.coef_depth / f.per_beat));
        ASSERT_LT(lane, dc.hw.L);
        for (uint32_t k = 0; k < f.per_beat; ++k) {
          const uint64_t a = hw::Field{k * f.width, f.a_w}.get(b.lo);
          coef += a != 0;
        }
        break;
      }
      case hw::kTgtColptr: {
        // Words of per_beat pointers; each equals the CSC pointer it stands for.
        const ColptrLayout f = colptr_layout(dc.hw);
        const uint32_t words = dc.colptr_stride / f.per_beat;
        const int lane = static_cast<int>(b.addr / words);
        const uint32_t w = b.addr % words;
        ASSERT_LT(lane, dc.hw.L);
        const EncodedCoef enc = encode_coef(l.coef, dc.hw.L);
        for (uint32_t k = 0; k < f.per_beat && w * f.per_beat + k <= static_cast<uint32_t>(c.C);
             ++k) {
          ASSERT_LE((k + 1) * f.width, 64u);
          const hw::Field field{k * f.width, f.width};
          EXPECT_EQ(field.get(b.lo), enc.colptr[static_cast<size_t>(lane)][w * f.per_beat + k])
              << "lane " << lane << " c " << w * f.per_beat + k;
        }
        ++colptr;
        break;
      }
      case hw::kTgtBias: {
        ASSERT_EQ(static_cast<int32_t>(hw::bias_beat::kBias.get(b.lo)), l.rq.bias[b.addr]);
        ASSERT_EQ(hw::bias_beat::kMult.get(b.lo), l.rq.mult[b.addr]);
        ASSERT_EQ(hw::bias_beat::kShift.get(b.lo), l.rq.shift[b.addr]);
        ++bias;
        break;
      }
      default:
        FAIL() << "unknown target";
    }
  }
  EXPECT_EQ(ifmap, (l.x.size() + 7) / 8);
  EXPECT_EQ(basis, c.M);
  EXPECT_EQ(coef, int64_t{c.N} * c.C * c.M);
  const int64_t per = colptr_layout(dc.hw).per_beat;
  EXPECT_EQ(colptr, int64_t{dc.hw.L} * ((c.C + 1 + per - 1) / per));
  EXPECT_EQ(bias, c.N);
}

// LoadPlan: the IFMAP beats go to ibank, the weight beats to wbank (bit LdSpaceW of the
// address), and a plan without a class has none of its beats.
TEST(LoadEncoding, BanksAndPartsFollowThePlan) {
  const IntLayer l = make_random_layer(small_cfg(), 0.6, 9);
  DeviceCaps dc;
  dc.colptr_stride = 1024;
  const auto all = encode_load(l, dc);
  const auto mixed = encode_load(l, dc, LoadPlan{true, true, 1, 0});
  ASSERT_EQ(all.size(), mixed.size());
  const uint32_t bank = 1u << hw::LdSpaceW;
  for (size_t i = 0; i < all.size(); ++i) {
    const bool ifmap = all[i].tgt == hw::kTgtIfmap;
    EXPECT_EQ(mixed[i].addr, all[i].addr | (ifmap ? bank : 0u)) << "beat " << i;
    EXPECT_EQ(mixed[i].lo, all[i].lo);
    EXPECT_EQ(all[i].addr & bank, 0u);
  }
  const auto only_w = encode_load(l, dc, LoadPlan{false, true, 0, 1});
  const auto only_i = encode_load(l, dc, LoadPlan{true, false, 0, 1});
  EXPECT_EQ(only_w.size() + only_i.size(), all.size());
  for (const LoadBeat& b : only_w) {
    EXPECT_NE(b.tgt, hw::kTgtIfmap);
    EXPECT_NE(b.addr & bank, 0u);
  }
  for (const LoadBeat& b : only_i) EXPECT_EQ(b.tgt, hw::kTgtIfmap);
  EXPECT_THROW(bank_addr(0, bank), std::logic_error);
}

// BankTracker: row bands share the weights (loaded once), output-channel groups share the input
// rows; a class that needs new data loads into the bank the previous pass does not read.
TEST(BankTracker, BandsAndGroupsReuseWhatIsLoaded) {
  BankTracker t;
  // bands outer, groups inner: (b0,g0) (b0,g1) (b1,g0) (b1,g1)
  const Pass p00{0, 8, 0, 2, 0, 4}, p01{8, 16, 0, 2, 0, 4}, p10{0, 8, 2, 4, 0, 4},
      p11{8, 16, 2, 4, 0, 4};
  const PassLoad a = t.next(7, p00), b = t.next(7, p01), c = t.next(7, p10), d = t.next(7, p11);
  EXPECT_TRUE(a.ifmap && a.weights);
  EXPECT_EQ(a.ibank, 0);
  EXPECT_EQ(a.wbank, 0);
  EXPECT_FALSE(b.ifmap);
  EXPECT_TRUE(b.weights);
  EXPECT_EQ(b.ibank, 0);
  EXPECT_EQ(b.wbank, 1);
  EXPECT_TRUE(c.ifmap);
  EXPECT_FALSE(c.weights) << "group 0's weights are still in bank 0";
  EXPECT_EQ(c.ibank, 1);
  EXPECT_EQ(c.wbank, 0);
  EXPECT_FALSE(d.ifmap);
  EXPECT_FALSE(d.weights);
  EXPECT_EQ(d.ibank, 1);
  EXPECT_EQ(d.wbank, 1);
  // Another layer finds nothing and loads into the banks the last pass does not read.
  const PassLoad e = t.next(8, p00);
  EXPECT_TRUE(e.ifmap && e.weights);
  EXPECT_EQ(e.ibank, 0);
  EXPECT_EQ(e.wbank, 0);
  t.forget();
  EXPECT_TRUE(t.next(8, p00).weights);
}

// Lane balancing: channels of 4, 3, 2, 1 entries on L = 2 lanes. n mod L gives lanes 6 and 4;
// the balanced order [0, 1, 3, 2] gives 5 and 5. A lane over CoefDepth keeps the identity.
// Longest-first alone leaves the lane with one position more heavier: entries 3, 3, 2, 2, 2
// on 2 lanes (3 positions and 2) go 3+2+2 = 7 against 3+2 = 5; one exchange makes it 6 and 6.
TEST(LaneBalance, ExchangesLowerTheHeaviestLane) {
  const std::vector<int> entries{3, 3, 2, 2, 2};
  CoefT coef(5, 3, 1);
  coef.setZero();
  for (int n = 0; n < 5; ++n) {
    for (int c = 0; c < entries[static_cast<size_t>(n)]; ++c) coef(n, c, 0) = 1;
  }
  HwCaps hw;
  hw.L = 2;
  hw.coef_depth = 6;  // 7 in a lane would not fit: the identity (3+2+2, 3+2) would be used
  const std::vector<int> order = balanced_order(coef, hw);
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4}));
  int64_t lane[2] = {0, 0};
  for (size_t i = 0; i < order.size(); ++i) lane[i % 2] += entries[static_cast<size_t>(order[i])];
  EXPECT_EQ(lane[0], 6);
  EXPECT_EQ(lane[1], 6);
  EXPECT_NE(order, (std::vector<int>{0, 1, 2, 3, 4})) << "fell back to the identity";
}

TEST(LaneBalance, LongestFirstToTheLightestLane) {
  CoefT coef(4, 4, 1);
  coef.setZero();
  for (int n = 0; n < 4; ++n) {
    for (int c = 0; c < 4 - n; ++c) coef(n, c, 0) = static_cast<int8_t>(n + 1);
  }
  HwCaps hw;
  hw.L = 2;
  hw.coef_depth = 64;
  const std::vector<int> order = balanced_order(coef, hw);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 3, 2}));
  hw.coef_depth = 4;  // lane loads of 5 would not fit
  EXPECT_EQ(balanced_order(coef, hw), (std::vector<int>{0, 1, 2, 3}));

  LayerConfig c = small_cfg();
  c.N = 4;
  c.C = 4;
  c.M = 1;
  IntLayer l = make_random_layer(c, 0.5, 3);
  l.coef = coef;
  const IntLayer r = reorder_outputs(l, order);
  for (int i = 0; i < 4; ++i) {
    const int n = order[static_cast<size_t>(i)];
    EXPECT_EQ(r.rq.bias[static_cast<size_t>(i)], l.rq.bias[static_cast<size_t>(n)]);
    for (int ci = 0; ci < 4; ++ci) EXPECT_EQ(r.coef(i, ci, 0), l.coef(n, ci, 0));
  }
  // The reordered layer computes the same outputs, reordered.
  const IntResult a = run_int(l), b = run_int(r);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(b.acc(i, 0, 0), a.acc(order[static_cast<size_t>(i)], 0, 0));
  }
}

TEST(Scoreboard, CatchesOneFlippedBitAndLocatesIt) {
  const IntLayer l = make_random_layer(small_cfg(), 0.5, 8);
  const IntResult g = run_int(l);
  AccelResult r;
  r.y = g.y;
  r.acc = g.acc;
  Scoreboard sb("unit", 42);
  EXPECT_FALSE(sb.compare(l, g, r, HwCaps{}, 1023).has_value());
  r.y(7, 3, 5) ^= 0x10;
  auto mm = sb.compare(l, g, r, HwCaps{}, 1023);
  ASSERT_TRUE(mm.has_value());
  EXPECT_EQ(mm->n, 7);
  EXPECT_EQ(mm->row, 3);
  EXPECT_EQ(mm->col, 5);
  EXPECT_NE(mm->report.find("ESC_SEED=42"), std::string::npos) << mm->report;
  EXPECT_NE(mm->report.find("hw tile"), std::string::npos) << mm->report;
  r.y = g.y;
  r.acc(0, 0, 1) += 1;
  mm = sb.compare(l, g, r, HwCaps{}, 1023);
  ASSERT_TRUE(mm.has_value());
  EXPECT_EQ(mm->what, "acc");
}

TEST(Scoreboard, CountsEveryMismatchAndNeverSkipsAcc) {
  const IntLayer l = make_random_layer(small_cfg(), 0.5, 9);
  const IntResult g = run_int(l);
  AccelResult r;
  r.y = g.y;
  r.acc = g.acc;
  Scoreboard sb("L", 5);
  r.y(1, 2, 3) ^= 1;
  r.y(1, 0, 1) ^= 4;
  auto mm = sb.compare(l, g, r, HwCaps{}, 1023);
  ASSERT_TRUE(mm.has_value());
  EXPECT_EQ(mm->count, 2);
  EXPECT_EQ(mm->row, 0);  // raster order: (1, 0, 1) comes first
  EXPECT_NE(mm->report.find("2 of " + std::to_string(g.y.size())), std::string::npos) << mm->report;
  // An RTL result without accumulators is a failure, never a silently skipped check.
  r.y = g.y;
  r.acc = AccT();
  mm = sb.compare(l, g, r, HwCaps{}, 1023);
  ASSERT_TRUE(mm.has_value());
  EXPECT_EQ(mm->what, "shape");
  // Split by input channel: the RTL's acc is reported first even where y differs too.
  r.acc = g.acc;
  r.stats.channel_groups = 2;
  r.acc(0, 1, 1) += 1;
  r.y(0, 1, 1) ^= 1;
  mm = sb.compare(l, g, r, HwCaps{}, 1023);
  ASSERT_TRUE(mm.has_value());
  EXPECT_EQ(mm->what, "acc");
  EXPECT_NE(mm->report.find("requantised on the host"), std::string::npos) << mm->report;
}

// Sharding: every random case is its own test, and its default seed is derived from its name
// alone, so GoogleTest shards (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX partition the case list)
// and ctest's test ranges run disjoint seed sets whose union is the whole suite. That holds only
// while no two case names share a seed: checked for every random suite the build defines.
TEST(Seeds, RandomSuitesHaveDistinctSeeds) {
  std::map<uint64_t, std::string> seen;
  const std::pair<std::string, int> suites[] = {
      {ESC_CI_RANDOM_SUITE, ESC_CI_RANDOM_CASES},
      {ESC_SLOW_RANDOM_SUITE, ESC_SLOW_RANDOM_CASES},
      {"GateLevel", ESC_GATE_RANDOM_CASES},
      {ESC_ICARUS_RANDOM_SUITE, ESC_ICARUS_RANDOM_CASES},
  };
  std::vector<std::pair<std::string, int>> all(std::begin(suites), std::end(suites));
  std::string cfgs = ESC_CFG_RANDOM_SUITES;  // "Config_l4,Config_l16,..." from tb/CMakeLists.txt
  for (size_t p = 0; p < cfgs.size();) {
    const size_t q = std::min(cfgs.find(',', p), cfgs.size());
    all.emplace_back(cfgs.substr(p, q - p), ESC_CFG_RANDOM_CASES);
    p = q + 1;
  }
  ASSERT_GE(all.size(), 4u);
  size_t n = 0;
  for (const auto& [suite, cases] : all) {
    for (int i = 0; i < cases; ++i, ++n) {
      const std::string name = random_case_name(suite, i);
      const auto [it, fresh] = seen.emplace(default_seed_for(name), name);
      EXPECT_TRUE(fresh) << name << " and " << it->second << " share seed " << it->first;
    }
  }
  EXPECT_EQ(seen.size(), n);
}

TEST(Seeds, EnvOverridesDefault) {
  const uint64_t d = default_seed_for("A.B");
  EXPECT_EQ(d, default_seed_for("A.B"));
  EXPECT_NE(d, default_seed_for("A.C"));
}

}  // namespace
}  // namespace esc

namespace esc {
namespace {

// Functional coverage of the CI random regression's stimulus: the seeds of the cases of suite
// ESC_CI_RANDOM_SUITE (ESC_CI_RANDOM_CASES of them; both from tb/CMakeLists.txt, the same values
// esc_tb_random is built with) must hit every mode bin and corner. The cases are generated for
// the capacities the device reports (one Accel probe of the default model reads the capability
// registers), exactly as test_random.cpp does, and the bins use the device's T and L.
TEST(RandomStimulus, CiSeedsCoverEveryModeAndCorner) {
  HwCaps hw;
  {
    Accel probe{AccelOptions{}};
    hw = probe.caps();
  }
  ASSERT_GT(hw.T, 0);
  ASSERT_GT(hw.L, 0);
  std::map<std::string, int> bins;
  for (int i = 0; i < ESC_CI_RANDOM_CASES; ++i) {
    const uint64_t s = default_seed_for(random_case_name(ESC_CI_RANDOM_SUITE, i));
    const RandomCase rc = make_random_case(s, hw);
    const LayerConfig& c = rc.layer.cfg;
    ++bins["K" + std::to_string(c.K) + "_s" + std::to_string(c.stride)];
    ++bins["coef_w" + std::to_string(c.coef_w)];
    ++bins[c.basis_per_channel ? "basis_per_channel" : "basis_shared"];
    ++bins[c.relu ? "relu_on" : "relu_off"];
    ++bins["M" + std::to_string(c.M)];
    ++bins[std::string("flavour ") + rc.flavour];
    ++bins[rc.backpressure_prob > 0 ? "backpressure" : "no_backpressure"];
    ++bins[rc.idle_prob > 0 ? "idle" : "no_idle"];
    if (c.pad_t + c.pad_b + c.pad_l + c.pad_r == 0) ++bins["no_pad"];
    if (c.pad_t != c.pad_b || c.pad_l != c.pad_r) ++bins["asymmetric_pad"];
    if (c.Ho() * c.Wo() % hw.T != 0) ++bins["partial_last_tile"];
    if (c.Wo() == 1 || c.Ho() == 1) ++bins["one_pixel_wide_or_tall"];
    if (c.N > hw.L) ++bins["N_more_than_lanes"];
    if (c.zshift > 0) ++bins["zshift_nonzero"];
    if (std::string(rc.flavour) == "int32 wrap" && run_int(rc.layer).overflow) ++bins["acc_wraps"];
    int64_t nnz = 0;
    for (int64_t k = 0; k < rc.layer.coef.size(); ++k) nnz += rc.layer.coef.data()[k] != 0;
    if (nnz == 0) ++bins["all_zero_coef"];
    bool empty_col = false;
    for (int ch = 0; ch < c.C && !empty_col; ++ch) {
      int64_t k = 0;
      for (int n = 0; n < c.N; ++n) {
        for (int m = 0; m < c.M; ++m) k += rc.layer.coef(n, ch, m) != 0;
      }
      empty_col = k == 0;
    }
    if (empty_col && nnz > 0) ++bins["empty_column"];
  }
  const char* required[] = {"K1_s1",
                            "K1_s2",
                            "K3_s1",
                            "K3_s2",
                            "coef_w4",
                            "coef_w8",
                            "basis_per_channel",
                            "basis_shared",
                            "relu_on",
                            "relu_off",
                            "M1",
                            "flavour all-zero coefficients",
                            "flavour dense coefficients",
                            "flavour very sparse",
                            "flavour extreme values",
                            "flavour int32 wrap",
                            "acc_wraps",
                            "backpressure",
                            "no_backpressure",
                            "idle",
                            "no_idle",
                            "no_pad",
                            "asymmetric_pad",
                            "partial_last_tile",
                            "one_pixel_wide_or_tall",
                            "N_more_than_lanes",
                            "zshift_nonzero",
                            "all_zero_coef",
                            "empty_column"};
  for (const char* b : required) {
    // The per-channel basis mode exists only on a BasisPerChannel = 1 build (matrix: basisch1).
    if (std::string(b) == "basis_per_channel" && hw.basis_per_ch == 0) {
      EXPECT_EQ(bins[b], 0) << "the device has no per-channel basis store";
      continue;
    }
    EXPECT_GE(bins[b], 5) << "bin '" << b << "' under-covered";
  }
  const std::string m_max = "M" + std::to_string(hw.M_MAX);  // M = M_MAX of the device
  EXPECT_GE(bins[m_max], 5) << "bin '" << m_max << "' under-covered";
  for (const auto& kv : bins) std::printf("  %-32s %d\n", kv.first.c_str(), kv.second);
}

}  // namespace
}  // namespace esc
