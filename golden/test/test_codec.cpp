// Coefficient codec: round trip, lane/ordering invariants, rejection of corrupt encodings and
// the storage accounting.
#include <gtest/gtest.h>

#include "esc/coef_codec.hpp"
#include "test_util.hpp"

namespace esc {
namespace {

CoefT random_coef(SplitMix64& rng, int N, int C, int M, double density) {
  CoefT a(N, C, M);
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    int8_t v = 0;
    if (rng.uniform01() < density) {
      v = static_cast<int8_t>(rng.uniform(-128, 126));
      if (v >= 0) ++v;
    }
    a.data()[i] = v;
  }
  return a;
}

bool equal(const CoefT& a, const CoefT& b) {
  if (a.dimensions() != b.dimensions()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

TEST(CoefCodec, RoundTripAndInvariants) {
  const uint64_t seed = test::test_seed(0xc0de0001);
  SplitMix64 rng(seed);
  for (int iter = 0; iter < 50; ++iter) {
    const int N = static_cast<int>(rng.uniform(1, 40)), C = static_cast<int>(rng.uniform(1, 20));
    const int M = static_cast<int>(rng.uniform(1, 8)), lanes = static_cast<int>(rng.uniform(1, 16));
    const CoefT a = random_coef(rng, N, C, M, rng.uniform01());
    const EncodedCoef e = encode_coef(a, lanes);
    int64_t nnz = 0;
    for (Eigen::Index i = 0; i < a.size(); ++i) nnz += a.data()[i] != 0;
    EXPECT_EQ(e.nnz(), nnz);
    for (int l = 0; l < lanes; ++l) {
      ASSERT_EQ(e.colptr[l].size(), static_cast<size_t>(C + 1));
      for (const CoefEntry& x : e.entries[l]) {
        EXPECT_EQ(x.n % lanes, l);
        EXPECT_EQ(a(x.n, 0, 0) * 0 + 1, 1);  // indices addressable
      }
      for (int c = 0; c < C; ++c)
        for (uint32_t i = e.colptr[l][c]; i < e.colptr[l][c + 1]; ++i)
          EXPECT_EQ(a(e.entries[l][i].n, c, e.entries[l][i].m), e.entries[l][i].a);
    }
    ASSERT_TRUE(equal(decode_coef(e), a)) << "iter " << iter;
  }
}

TEST(CoefCodec, RejectsCorruptEncodings) {
  SplitMix64 rng(test::test_seed(0xc0de0002));
  CoefT a = random_coef(rng, 16, 4, 5, 0.5);
  a(0, 0, 0) = 3;
  a(0, 0, 1) = 4;  // lane 0, column 0 has at least two entries
  const EncodedCoef good = encode_coef(a, 4);
  ASSERT_NO_THROW(decode_coef(good));
  auto expect_bad = [&](void (*mutate)(EncodedCoef&), const char* what) {
    EncodedCoef e = good;
    mutate(e);
    EXPECT_THROW(decode_coef(e), std::invalid_argument) << what;
  };
  expect_bad([](EncodedCoef& e) { e.entries[0][0].n = 16; }, "n >= N");
  expect_bad([](EncodedCoef& e) { e.entries[0][0].m = 5; }, "m >= M");
  expect_bad([](EncodedCoef& e) { e.entries[0][0].n = 1; }, "wrong lane");
  expect_bad([](EncodedCoef& e) { e.entries[0][0].a = 0; }, "explicit zero");
  expect_bad([](EncodedCoef& e) { std::swap(e.entries[0][0], e.entries[0][1]); }, "unsorted");
  expect_bad([](EncodedCoef& e) { e.colptr[0][0] = 1; }, "colptr[0]");
  expect_bad([](EncodedCoef& e) { e.colptr[0].back() += 1; }, "colptr end");
  expect_bad([](EncodedCoef& e) { e.colptr[1].pop_back(); }, "colptr size");
  expect_bad([](EncodedCoef& e) { e.colptr[0][1] = 1000; }, "colptr past the entries");
  expect_bad([](EncodedCoef& e) { e.colptr.pop_back(); }, "lane count");
  expect_bad([](EncodedCoef& e) { e.colptr[0][1] = e.colptr[0][2] + 1; }, "decreasing colptr");
}

TEST(CoefCodec, StorageBitsHandComputed) {
  // N = 20, C = 3, M = 5, lanes = 8: n / 8 in 0..2 -> 2 bits, m in 0..4 -> 3 bits.
  CoefT a(20, 3, 5);
  a.setZero();
  a(0, 0, 0) = 1;
  a(8, 0, 4) = -1;
  a(16, 2, 2) = 5;
  a(3, 1, 1) = 7;
  const EncodedCoef e = encode_coef(a, 8);
  LayerConfig cfg;
  cfg.N = 20;
  cfg.C = 3;
  cfg.M = 5;
  cfg.K = 3;
  cfg.coef_w = 4;
  const StorageBits s = storage_bits(cfg, e);
  EXPECT_EQ(s.basis, 5 * 9 * 8);
  EXPECT_EQ(s.values, 4 * 4);
  EXPECT_EQ(s.indices, 4 * (2 + 3));
  EXPECT_EQ(s.pointers, 8 * 4 * 2);  // longest lane has 3 entries -> 2 bits
  EXPECT_EQ(s.total, s.basis + s.values + s.indices + s.pointers);
  EXPECT_EQ(bits_for(0), 0);
  EXPECT_EQ(bits_for(1), 1);
  EXPECT_EQ(bits_for(255), 8);
  EXPECT_EQ(bits_for(256), 9);
}

}  // namespace
}  // namespace esc
