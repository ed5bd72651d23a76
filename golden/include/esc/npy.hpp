// Minimal NumPy .npy reader/writer (format versions 1.0, 2.0, 3.0; C order; little-endian).
// Supported dtypes: int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "esc/tensor.hpp"

namespace esc {

struct NpyArray {
  std::string dtype;           // "int8", "uint8", ... "int64", "uint64", "float32", "float64"
  std::vector<int64_t> shape;  // empty = scalar
  std::vector<uint8_t> data;   // little-endian, C order
  int64_t size() const;        // number of elements
};

struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bytes per element of a dtype name; throws NpyError for unknown names.
int dtype_bytes(const std::string& dtype);

// Throw NpyError naming the file, the problem and the fix.
NpyArray read_npy(const std::string& path);
NpyArray parse_npy(const uint8_t* bytes, size_t size, const std::string& name);
// Serialise to the bytes of a version 1.0 (or 2.0 if the header needs it) .npy file.
std::vector<uint8_t> serialize_npy(const NpyArray& a);
// Writes via a temporary file in the same directory plus rename (never a half-written file).
void write_npy(const std::string& path, const NpyArray& a);

template <typename T>
std::string npy_dtype_of() {
  if constexpr (std::is_same_v<T, int8_t>) return "int8";
  if constexpr (std::is_same_v<T, uint8_t>) return "uint8";
  if constexpr (std::is_same_v<T, int16_t>) return "int16";
  if constexpr (std::is_same_v<T, uint16_t>) return "uint16";
  if constexpr (std::is_same_v<T, int32_t>) return "int32";
  if constexpr (std::is_same_v<T, uint32_t>) return "uint32";
  if constexpr (std::is_same_v<T, int64_t>) return "int64";
  if constexpr (std::is_same_v<T, uint64_t>) return "uint64";
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, double>) return "float64";
  static_assert(std::is_arithmetic_v<T>, "unsupported npy element type");
  return "";
}

// Typed view of an array; throws NpyError if dtype or rank differ. `name` is for the message.
template <typename T, int R>
Tensor<T, R> to_tensor(const NpyArray& a, const std::string& name = "array") {
  const std::string want = npy_dtype_of<T>();
  if (a.dtype != want) {
    throw NpyError(name + ": dtype is " + a.dtype + ", expected " + want +
                   "; convert it, e.g. numpy: arr.astype(np." + want + ")");
  }
  if (static_cast<int>(a.shape.size()) != R) {
    throw NpyError(name + ": rank is " + std::to_string(a.shape.size()) + ", expected " +
                   std::to_string(R) + "; reshape the array before saving");
  }
  std::array<Eigen::Index, R> dims{};
  for (int i = 0; i < R; ++i) dims[i] = static_cast<Eigen::Index>(a.shape[i]);
  Tensor<T, R> t(dims);
  if (a.data.size() != static_cast<size_t>(t.size()) * sizeof(T)) {
    throw NpyError(name + ": data size does not match the shape");
  }
  if (t.size() > 0) std::memcpy(t.data(), a.data.data(), a.data.size());  // host is little-endian
  return t;
}

// Every element of an array of any integer dtype (int8 .. int64, uint8 .. uint64) as int64.
// Throws NpyError naming `name` for a float (or other) dtype and for a uint64 value > 2^63 - 1.
std::vector<int64_t> npy_integers(const NpyArray& a, const std::string& name = "array");

// Typed integer tensor from an array of ANY integer dtype whose values all fit T: what NumPy and
// PyTorch users expect (np.array([...]) is int64 by default). Throws NpyError naming `name`, the
// first element that does not fit (flat index and value) and the range, or the rank mismatch.
template <typename T, int R>
Tensor<T, R> to_int_tensor(const NpyArray& a, const std::string& name = "array") {
  static_assert(std::is_integral_v<T> && sizeof(T) < 8,
                "to_int_tensor: int8 .. int32, uint8 .. uint32");
  if (static_cast<int>(a.shape.size()) != R) {
    throw NpyError(name + ": rank is " + std::to_string(a.shape.size()) + ", expected " +
                   std::to_string(R) + "; reshape the array before saving");
  }
  const std::vector<int64_t> v = npy_integers(a, name);
  std::array<Eigen::Index, R> dims{};
  for (int i = 0; i < R; ++i) dims[i] = static_cast<Eigen::Index>(a.shape[i]);
  Tensor<T, R> t(dims);
  constexpr int64_t lo = static_cast<int64_t>(std::numeric_limits<T>::min());
  constexpr int64_t hi = static_cast<int64_t>(std::numeric_limits<T>::max());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < lo || v[i] > hi) {
      std::string at;  // C-order coordinates of flat index i
      int64_t rest = static_cast<int64_t>(i);
      for (int d = R - 1; d >= 0; --d) {
        const int64_t dim = std::max<int64_t>(1, a.shape[static_cast<size_t>(d)]);
        at = "[" + std::to_string(rest % dim) + "]" + at;
        rest /= dim;
      }
      throw NpyError(name + ": element " + at + " = " + std::to_string(v[i]) + " does not fit " +
                     npy_dtype_of<T>() + " (" + std::to_string(lo) + ".." + std::to_string(hi) +
                     "); dtype " + a.dtype + " is accepted when every value fits");
    }
    t.data()[i] = static_cast<T>(v[i]);
  }
  return t;
}

template <typename T, int R>
NpyArray from_tensor(const Tensor<T, R>& t) {
  NpyArray a;
  a.dtype = npy_dtype_of<T>();
  for (int i = 0; i < R; ++i) a.shape.push_back(t.dimension(i));
  a.data.resize(static_cast<size_t>(t.size()) * sizeof(T));
  if (t.size() > 0) std::memcpy(a.data.data(), t.data(), a.data.size());
  return a;
}

template <typename T>
NpyArray from_vector(const std::vector<T>& v) {
  NpyArray a;
  a.dtype = npy_dtype_of<T>();
  a.shape = {static_cast<int64_t>(v.size())};
  a.data.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

template <typename T>
std::vector<T> to_vector(const NpyArray& a, const std::string& name = "array") {
  Tensor<T, 1> t = to_tensor<T, 1>(a, name);
  return std::vector<T>(t.data(), t.data() + t.size());
}

}  // namespace esc
