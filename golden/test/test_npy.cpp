// .npy reader/writer: round trips, byte-exact header of a known file, and clear errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "esc/layer.hpp"
#include "esc/npy.hpp"
#include "test_util.hpp"

namespace esc {
namespace {

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

// Header exactly as numpy 1.x writes np.save(f, np.arange(6, dtype=np.int8).reshape(2, 3)).
std::vector<uint8_t> numpy_int8_2x3() {
  std::string h = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string f = "\x93NUMPY";
  f += '\x01';
  f += '\x00';
  f += static_cast<char>(h.size());
  f += '\x00';
  f += h;
  for (char i = 0; i < 6; ++i) f += i;
  return bytes_of(f);
}

TEST(Npy, ParsesNumpyFileAndSerialisesIdentically) {
  const std::vector<uint8_t> f = numpy_int8_2x3();
  const NpyArray a = parse_npy(f.data(), f.size(), "mem");
  EXPECT_EQ(a.dtype, "int8");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  const Tensor<int8_t, 2> t = to_tensor<int8_t, 2>(a);
  EXPECT_EQ(t(1, 2), 5);
  EXPECT_EQ(t(1, 0), 3);
  EXPECT_EQ(serialize_npy(a), f);
}

TEST(Npy, RoundTripsEveryDtypeThroughAFile) {
  SplitMix64 rng(test::test_seed(0x4e590001));
  const std::string path = ::testing::TempDir() + "esc_npy_roundtrip.npy";
  Tensor<float, 4> w(2, 3, 3, 3);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = float(rng.uniform01() - 0.5);
  write_npy(path, from_tensor(w));
  const Tensor<float, 4> back = to_tensor<float, 4>(read_npy(path));
  for (Eigen::Index i = 0; i < w.size(); ++i) ASSERT_EQ(back.data()[i], w.data()[i]);
  const std::vector<int32_t> v = {-1, 2, 1 << 30, -(1 << 30)};
  write_npy(path, from_vector(v));
  EXPECT_EQ(to_vector<int32_t>(read_npy(path)), v);
  const std::vector<uint16_t> u = {0, 65535, 7};
  write_npy(path, from_vector(u));
  EXPECT_EQ(to_vector<uint16_t>(read_npy(path)), u);
  NpyArray scalar;
  scalar.dtype = "float64";
  scalar.data.assign(8, 0);
  write_npy(path, scalar);
  EXPECT_TRUE(read_npy(path).shape.empty());
  std::remove(path.c_str());
}

TEST(Npy, ErrorsNameFileProblemAndFix) {
  auto expect_error = [](std::vector<uint8_t> f, const std::string& needle) {
    try {
      parse_npy(f.data(), f.size(), "bad.npy");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const NpyError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("bad.npy: ", 0), 0u) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_NE(msg.find("; "), std::string::npos) << "no fix in: " << msg;
    }
  };
  std::vector<uint8_t> f = numpy_int8_2x3();
  expect_error(bytes_of("hello world"), "bad magic");
  std::vector<uint8_t> t = f;
  t.pop_back();
  expect_error(t, "truncated data");
  t = f;
  t.push_back(0);
  expect_error(t, "trailing bytes");
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s(f.begin(), f.end());
    s.replace(s.find(from), from.size(), to);
    return bytes_of(s);
  };
  expect_error(replace("'|i1'", "'>i4'"), "big-endian");
  expect_error(replace("'|i1'", "'<c8'"), "unsupported dtype");
  expect_error(replace("False", "True "), "Fortran");
  expect_error(replace("(2, 3)", "(2, x)"), "bad shape");
  t = f;
  t[6] = 9;
  expect_error(t, "version");
  t = f;
  t[8] = 0xff;
  expect_error(t, "header length");
  const NpyArray a = parse_npy(f.data(), f.size(), "ok.npy");
  EXPECT_THROW((to_tensor<int32_t, 2>(a)), NpyError);
  EXPECT_THROW((to_tensor<int8_t, 3>(a)), NpyError);
  EXPECT_THROW(read_npy("/nonexistent/dir/x.npy"), NpyError);
}

}  // namespace
}  // namespace esc
