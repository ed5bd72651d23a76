// Fuzz target: the .npy reader (esc::parse_npy from memory).
#include "esc/npy.hpp"
#include "fuzz_targets.hpp"

namespace esc::fuzz {

int fuzz_npy(const uint8_t* data, size_t size) {
  NpyArray a;
  try {
    a = parse_npy(data, size, "fuzz.npy");
  } catch (const NpyError& e) {
    if (std::string(e.what()).rfind("fuzz.npy: ", 0) != 0)
      throw FuzzPropertyError(std::string("NpyError does not name the file: ") + e.what());
    return 0;
  }
  // Accepted: the shape and data must agree and the array must survive a write/read round trip.
  if (a.size() < 0 ||
      a.data.size() != static_cast<size_t>(a.size()) * static_cast<size_t>(dtype_bytes(a.dtype)))
    throw FuzzPropertyError("parse_npy: data size does not match shape * dtype size");
  const std::vector<uint8_t> bytes = serialize_npy(a);
  const NpyArray b = parse_npy(bytes.data(), bytes.size(), "roundtrip.npy");
  if (b.dtype != a.dtype || b.shape != a.shape || b.data != a.data)
    throw FuzzPropertyError("parse_npy(serialize_npy(a)) != a");
  // Typed conversion must either succeed or throw NpyError (rank / dtype mismatch).
  try {
    if (a.shape.size() == 3 && a.dtype == "int8") (void)to_tensor<int8_t, 3>(a, "x");
    if (a.shape.size() == 4 && a.dtype == "int8") (void)to_tensor<int8_t, 4>(a, "basis");
    if (a.shape.size() == 1 && a.dtype == "int32") (void)to_vector<int32_t>(a, "bias");
    (void)to_vector<uint16_t>(a, "mult");
  } catch (const NpyError&) {
  }
  return 0;
}

}  // namespace esc::fuzz
