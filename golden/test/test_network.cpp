// Host operations of the trained network (docs/trained.md) against independent transcriptions
// of the spec, and whole-network inference against the same ops composed by hand.
#include <gtest/gtest.h>

#include <stdexcept>

#include "esc/network.hpp"
#include "test_util.hpp"

namespace esc {
namespace {

// floor(v / 2^k) by integer floor division, no shifts: the round-half-up shift of the spec,
// floor((v + 2^(k-1)) / 2^k), written the long way.
int64_t spec_rshift(int64_t v, int k) {
  if (k == 0) return v;
  const int64_t d = int64_t{1} << k;
  const int64_t n = v + d / 2;
  int64_t q = n / d;
  if ((n % d != 0) && (n < 0)) --q;  // C++ truncates toward zero; floor goes down
  return q;
}

TEST(HostOps, QuantiseInputIsLogicalShiftOfEveryPixelValue) {
  std::vector<uint8_t> px(256);
  for (int i = 0; i < 256; ++i) px[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  const ActT x = quantise_input(px.data(), 16, 16);
  ASSERT_EQ(x.dimension(0), 1);
  ASSERT_EQ(x.dimension(1), 16);
  ASSERT_EQ(x.dimension(2), 16);
  for (int i = 0; i < 256; ++i) {
    ASSERT_EQ(x(0, i / 16, i % 16), i / 2) << "pixel " << i;
  }
  EXPECT_EQ(x(0, 15, 15), 127);  // 255 >> 1
  const ActT x2 = quantise_input(px.data(), 16, 16, 2);
  EXPECT_EQ(x2(0, 15, 15), 63);
  EXPECT_THROW(quantise_input(px.data(), 16, 16, 0), std::invalid_argument);  // 255 > 127
  EXPECT_THROW(quantise_input(px.data(), 0, 16), std::invalid_argument);
}

TEST(HostOps, ResidualAddRoundsHalfUpAndClamps) {
  ActT a(1, 1, 6), b(1, 1, 6);
  // a*ma + b*mb = -1, -3, 1, 3, large positive, large negative (ma = mb = 1, shift 1):
  // floor((v + 1) / 2) = 0, -1, 1, 2, 127 (clamped), -128 or 0 with relu.
  const int8_t av[6] = {-1, -2, 1, 2, 127, -128};
  const int8_t bv[6] = {0, -1, 0, 1, 127, -128};
  for (int i = 0; i < 6; ++i) {
    a(0, 0, i) = av[i];
    b(0, 0, i) = bv[i];
  }
  const ActT o = residual_add(a, b, 1, 1, 1, false);
  const int want[6] = {0, -1, 1, 2, 127, -128};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(o(0, 0, i), want[i]) << i;
  const ActT r = residual_add(a, b, 1, 1, 1, true);
  const int want_relu[6] = {0, 0, 1, 2, 127, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r(0, 0, i), want_relu[i]) << i;
}

TEST(HostOps, ResidualAddMatchesSpecOnRandomOperands) {
  SplitMix64 rng(test::test_seed(0x7e5a0001));
  for (int trial = 0; trial < 200; ++trial) {
    ActT a(3, 4, 5), b(3, 4, 5);
    for (Eigen::Index i = 0; i < a.size(); ++i) {
      a.data()[i] = static_cast<int8_t>(rng.uniform(-128, 127));
      b.data()[i] = static_cast<int8_t>(rng.uniform(-128, 127));
    }
    const auto ma = static_cast<uint16_t>(rng.uniform(0, 65535));
    const auto mb = static_cast<uint16_t>(rng.uniform(0, 65535));
    const int shift = static_cast<int>(rng.uniform(0, 24));
    const bool relu = rng.uniform(0, 1) == 1;
    const ActT o = residual_add(a, b, ma, mb, shift, relu);
    for (Eigen::Index i = 0; i < a.size(); ++i) {
      const int64_t v = int64_t{a.data()[i]} * ma + int64_t{b.data()[i]} * mb;
      const int64_t want =
          std::min<int64_t>(127, std::max<int64_t>(relu ? 0 : -128, spec_rshift(v, shift)));
      ASSERT_EQ(o.data()[i], want)
          << "trial " << trial << " element " << i << " v " << v << " shift " << shift;
    }
  }
}

TEST(HostOps, ResidualAddRejectsShapeAndShift) {
  EXPECT_THROW(residual_add(ActT(2, 3, 3), ActT(2, 3, 4), 1, 1, 0, false), std::invalid_argument);
  EXPECT_THROW(residual_add(ActT(1, 1, 1), ActT(1, 1, 1), 1, 1, 64, false), std::invalid_argument);
}

TEST(HostOps, GapSumSumsEachChannelWithoutDivision) {
  ActT x(2, 7, 7);
  x.setConstant(-128);
  for (int y = 0; y < 7; ++y)
    for (int i = 0; i < 7; ++i) x(1, y, i) = static_cast<int8_t>(y * 7 + i);  // 0..48
  const std::vector<int32_t> p = gap_sum(x);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], -128 * 49);
  EXPECT_EQ(p[1], 48 * 49 / 2);
}

TEST(HostOps, FullyConnectedIsExactAndChecksInt32) {
  FcWeightT w(2, 3);
  w.setValues({{1, -2, 3}, {-128, 127, 0}});
  const std::vector<int32_t> in = {1000, -2000, 30};
  const std::vector<int32_t> out = fully_connected(in, w, {5, -7});
  EXPECT_EQ(out[0], 1000 + 4000 + 90 + 5);
  EXPECT_EQ(out[1], -128000 - 254000 - 7);
  // 127 * 2^31/... : a logit outside int32 is an error, not a wrap.
  FcWeightT big(1, 2);
  big.setValues({{127, 127}});
  EXPECT_THROW(fully_connected({1 << 30, 1 << 30}, big, {0}), std::overflow_error);
  EXPECT_THROW(fully_connected({1, 2}, w, {0, 0}), std::invalid_argument);
}

TEST(HostOps, ArgmaxTakesTheLowestIndexOnTies) {
  EXPECT_EQ(argmax_first({3, 7, 7, -1}), 1);
  EXPECT_EQ(argmax_first({-5, -5}), 0);
  EXPECT_EQ(argmax_first({0, 0, 1}), 2);
  EXPECT_THROW(argmax_first({}), std::invalid_argument);
}

// A small residual network: conv a (3x3, relu) -> conv b (3x3) ; add(b, x1) ; pool ; fc.
Network tiny_network(uint64_t seed) {
  Network net;
  net.name = "tiny";
  net.H = 6;
  net.W = 6;
  LayerConfig c0;
  c0.C = 1;
  c0.N = 8;
  c0.H = c0.W = 6;
  c0.M = 3;
  c0.zshift = 1;
  c0.relu = true;
  NetOp a;
  a.kind = NetOp::Kind::kConv;
  a.name = "a";
  a.in = {"x0"};
  a.out = "a";
  a.conv = make_random_layer(c0, 0.8, seed);
  a.conv.x = ActT();
  LayerConfig c1 = c0;
  c1.C = 8;
  c1.relu = false;
  NetOp b = a;
  b.name = b.out = "b";
  b.in = {"a"};
  b.conv = make_random_layer(c1, 0.5, seed + 1);
  b.conv.x = ActT();
  NetOp add;
  add.kind = NetOp::Kind::kAdd;
  add.name = add.out = "s";
  add.in = {"b", "a"};
  add.ma = 30000;
  add.mb = 20000;
  add.shift = 15;
  add.relu = true;
  NetOp pool;
  pool.kind = NetOp::Kind::kGapSum;
  pool.name = pool.out = "pool";
  pool.in = {"s"};
  NetOp fc;
  fc.kind = NetOp::Kind::kFc;
  fc.name = "fc";
  fc.out = "logits";
  fc.in = {"pool"};
  fc.fc_weight = FcWeightT(4, 8);
  SplitMix64 rng(seed + 2);
  for (Eigen::Index i = 0; i < fc.fc_weight.size(); ++i)
    fc.fc_weight.data()[i] = static_cast<int8_t>(rng.uniform(-128, 127));
  fc.fc_bias = {10, -20, 30, -40};
  net.ops = {a, b, add, pool, fc};
  return net;
}

TEST(Network, RunNetworkComposesTheHostOps) {
  const uint64_t seed = test::test_seed(0x7e5a0002);
  const Network net = tiny_network(seed);
  ASSERT_EQ(validate(net), "");
  SplitMix64 rng(seed + 3);
  std::vector<uint8_t> px(36);
  for (auto& p : px) p = static_cast<uint8_t>(rng.uniform(0, 255));
  const ActT x0 = quantise_input(px.data(), 6, 6);
  const NetResult r = run_network(net, x0);

  IntLayer la = net.ops[0].conv;
  la.x = x0;
  const OutT ya = run_int(la).y;
  IntLayer lb = net.ops[1].conv;
  lb.x = ya;
  const OutT yb = run_int(lb).y;
  const ActT s = residual_add(yb, ya, 30000, 20000, 15, true);
  const std::vector<int32_t> logits =
      fully_connected(gap_sum(s), net.ops[4].fc_weight, net.ops[4].fc_bias);
  EXPECT_EQ(r.logits, logits);
  EXPECT_EQ(r.pred, argmax_first(logits));
  ASSERT_EQ(r.maps.count("s"), 1u);
  for (Eigen::Index i = 0; i < s.size(); ++i) ASSERT_EQ(r.maps.at("s").data()[i], s.data()[i]);
  EXPECT_EQ(r.vecs.at("pool"), gap_sum(s));
  EXPECT_EQ(net.classes(), 4);
  EXPECT_EQ(net.convs().size(), 2u);
}

TEST(Network, ConvHookSeesEachLayerWithItsInput) {
  const uint64_t seed = test::test_seed(0x7e5a0003);
  const Network net = tiny_network(seed);
  std::vector<uint8_t> px(36, 200);
  const ActT x0 = quantise_input(px.data(), 6, 6);
  std::vector<std::string> seen;
  const NetResult golden = run_network(net, x0);
  const NetResult hooked = run_network(net, x0, [&](const NetOp& op, const IntLayer& l) {
    seen.push_back(op.name);
    EXPECT_EQ(l.x.dimension(0), op.conv.cfg.C);
    return run_int(l).y;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(hooked.logits, golden.logits);
  // A hook whose output has the wrong shape is an error, not a silent resize.
  EXPECT_THROW(run_network(net, x0, [](const NetOp&, const IntLayer&) { return OutT(1, 1, 1); }),
               std::invalid_argument);
  // A hook that changes one output changes the result: the hook's output is what flows on.
  const NetResult changed = run_network(net, x0, [](const NetOp& op, const IntLayer& l) {
    OutT y = run_int(l).y;
    if (op.name == "b") y.setConstant(127);
    return y;
  });
  EXPECT_NE(changed.vecs.at("pool"), golden.vecs.at("pool"));
}

TEST(Network, ValidateNamesTheFaultyOp) {
  const Network good = tiny_network(test::test_seed(0x7e5a0004));
  Network n = good;
  n.ops[2].in = {"b", "nowhere"};
  EXPECT_NE(validate(n).find("add s: reads nowhere"), std::string::npos) << validate(n);
  n = good;
  std::swap(n.ops[3], n.ops[4]);
  EXPECT_NE(validate(n).find("fc"), std::string::npos) << validate(n);
  n = good;
  n.ops[1].conv.cfg.C = 4;  // input a has 8 channels
  EXPECT_NE(validate(n).find("conv b: input a is (8, 6, 6)"), std::string::npos) << validate(n);
  n = good;
  n.ops[4].fc_bias.pop_back();
  EXPECT_NE(validate(n).find("fc fc: weight (4, 8) and bias (3)"), std::string::npos)
      << validate(n);
  n = good;
  n.ops[0].conv.rq.shift[0] = 64;
  EXPECT_NE(validate(n).find("conv a: rq.shift"), std::string::npos) << validate(n);
  EXPECT_THROW(run_network(n, ActT(1, 6, 6)), std::invalid_argument);
  EXPECT_THROW(run_network(good, ActT(1, 5, 6)), std::invalid_argument);
}

}  // namespace
}  // namespace esc
