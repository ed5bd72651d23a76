// Minimal NumPy .npy reader/writer (format versions 1.0, 2.0, 3.0; C order; little-endian).
// Supported dtypes: int8, uint8, int16, uint16, int32, float32, float64.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "esc/tensor.hpp"

namespace esc {

struct NpyArray {
  std::string dtype;           // "int8","uint8","int16","uint16","int32","float32","float64"
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
