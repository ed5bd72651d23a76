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

// Every supported dtype at ranks 0..4 survives serialise -> parse and write -> read byte for
// byte, including empty arrays (a zero dimension).
TEST(Npy, RoundTripsEveryDtypeAndRank) {
  SplitMix64 rng(test::test_seed(0x4e590002));
  const std::string path = ::testing::TempDir() + "esc_npy_every_dtype.npy";
  const char* dtypes[] = {"int8", "uint8", "int16", "uint16", "int32", "float32", "float64"};
  for (const char* dt : dtypes) {
    for (int rank = 0; rank <= 4; ++rank) {
      NpyArray a;
      a.dtype = dt;
      for (int r = 0; r < rank; ++r) a.shape.push_back(rng.uniform(rank == 4 && r == 2 ? 0 : 1, 4));
      a.data.resize(static_cast<size_t>(a.size()) * dtype_bytes(dt));
      for (uint8_t& b : a.data) b = static_cast<uint8_t>(rng.uniform(0, 255));
      const std::vector<uint8_t> bytes = serialize_npy(a);
      ASSERT_EQ(bytes.size() % 64, a.data.size() % 64) << "header not 64-byte aligned";
      const NpyArray m = parse_npy(bytes.data(), bytes.size(), "mem");
      EXPECT_EQ(m.dtype, a.dtype) << dt << " rank " << rank;
      EXPECT_EQ(m.shape, a.shape) << dt << " rank " << rank;
      EXPECT_EQ(m.data, a.data) << dt << " rank " << rank;
      write_npy(path, a);
      const NpyArray f = read_npy(path);
      EXPECT_EQ(f.dtype, a.dtype);
      EXPECT_EQ(f.shape, a.shape);
      EXPECT_EQ(f.data, a.data);
    }
  }
  // Typed helpers for the int16 / float64 / int8 tensors the tools exchange.
  Tensor<int16_t, 2> t16(3, 2);
  for (Eigen::Index i = 0; i < t16.size(); ++i) t16.data()[i] = int16_t(rng.uniform(-32768, 32767));
  const Tensor<int16_t, 2> b16 = to_tensor<int16_t, 2>(parse_npy(
      serialize_npy(from_tensor(t16)).data(), serialize_npy(from_tensor(t16)).size(), "t16"));
  for (Eigen::Index i = 0; i < t16.size(); ++i) EXPECT_EQ(b16.data()[i], t16.data()[i]);
  std::remove(path.c_str());
}

// NumPy's default integer is int64 (np.array([1, 2])) and PyTorch exports int64 too: an integer
// array of any width is taken when its values fit, and the message names the element that does
// not.
TEST(Npy, AnyIntegerDtypeConvertsWhenTheValuesFit) {
  SplitMix64 rng(test::test_seed(0x4e590002));
  Tensor<int8_t, 3> want(2, 3, 4);
  for (Eigen::Index i = 0; i < want.size(); ++i)
    want.data()[i] = static_cast<int8_t>(rng.uniform(-128, 127));
  auto as = [&](auto zero) {
    using T = decltype(zero);
    Tensor<T, 3> t(2, 3, 4);
    for (Eigen::Index i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(want.data()[i]);
    return from_tensor(t);
  };
  const std::string path = ::testing::TempDir() + "esc_npy_int64.npy";
  for (const NpyArray& a : {as(int16_t{}), as(int32_t{}), as(int64_t{})}) {
    write_npy(path, a);  // through a file: the header names the dtype as NumPy does
    const NpyArray back = read_npy(path);
    EXPECT_EQ(back.dtype, a.dtype);
    const Tensor<int8_t, 3> t = to_int_tensor<int8_t, 3>(back, "X.npy");
    for (Eigen::Index i = 0; i < t.size(); ++i) ASSERT_EQ(t.data()[i], want.data()[i]) << a.dtype;
  }
  // Non-negative values in unsigned dtypes.
  Tensor<uint64_t, 1> u(3);
  u.setValues({0, 7, 127});
  EXPECT_EQ((to_int_tensor<int8_t, 1>(from_tensor(u), "u"))(2), 127);
  EXPECT_EQ(npy_integers(from_tensor(u), "u"), (std::vector<int64_t>{0, 7, 127}));
  // The first element that does not fit, with its coordinates.
  Tensor<int64_t, 3> big(2, 3, 4);
  big.setZero();
  big(1, 2, 3) = 128;
  big(1, 2, 2) = -129;
  std::string e;
  try {
    to_int_tensor<int8_t, 3>(from_tensor(big), "X.npy");
  } catch (const NpyError& x) {
    e = x.what();
  }
  EXPECT_NE(e.find("X.npy: element [1][2][2] = -129 does not fit int8 (-128..127)"),
            std::string::npos)
      << e;
  u(1) = ~uint64_t{0};
  EXPECT_THROW(npy_integers(from_tensor(u), "u"), NpyError);
  // Floats are not integers, whatever their values.
  Tensor<float, 1> f(2);
  f.setValues({1.0f, 2.0f});
  try {
    npy_integers(from_tensor(f), "F.npy");
    ADD_FAILURE() << "float32 accepted";
  } catch (const NpyError& x) {
    EXPECT_NE(std::string(x.what()).find("F.npy: dtype is float32, expected an integer dtype"),
              std::string::npos)
        << x.what();
  }
}

TEST(Npy, RejectsMalformedHeadersWithAMessage) {
  auto expect_error = [](const std::vector<uint8_t>& f, const std::string& needle) {
    try {
      parse_npy(f.data(), f.size(), "bad.npy");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const NpyError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("bad.npy"), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << "want '" << needle << "' in: " << msg;
    }
  };
  const std::vector<uint8_t> f = numpy_int8_2x3();
  expect_error({}, "bad magic");                                              // empty file
  expect_error(std::vector<uint8_t>(f.begin(), f.begin() + 9), "bad magic");  // cut in preamble
  expect_error(std::vector<uint8_t>(f.begin(), f.begin() + 40), "header length");  // cut header
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s(f.begin(), f.end());
    s.replace(s.find(from), from.size(), to);
    return bytes_of(s);
  };
  expect_error(replace("'descr'", "'dtype'"), "no 'descr' key");
  expect_error(replace("'shape'", "'shope'"), "no 'shape' key");
  expect_error(replace("'fortran_order'", "'fortran_ordex'"), "no 'fortran_order' key");
  expect_error(replace("'|i1'", "[('a', '<i4')]"), "not a simple dtype");
  expect_error(replace("'|i1'", "'<f2'"), "unsupported dtype");  // float16
  expect_error(replace("'|i1'", "'|O' "), "unsupported dtype");
  expect_error(replace("'|i1'", "'>f8'"), "big-endian");
  expect_error(replace("False", "Maybe"), "fortran_order");
  expect_error(replace("(2, 3)", "(2,-3)"), "bad shape");
  expect_error(replace("(2, 3)", "[2, 3]"), "bad shape");
  expect_error(replace("(2, 3)", "(2, 3 "), "shape");
  expect_error(replace("(2, 3)", "(9999999999999, 9999999999999)"), "too large");
  // Version 2.0 preamble with a 4-byte header length that points past the end.
  std::vector<uint8_t> v2 = f;
  v2[6] = 2;
  v2.insert(v2.begin() + 10, {0xff, 0xff});
  expect_error(v2, "header length");
}

}  // namespace
}  // namespace esc
