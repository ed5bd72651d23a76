// SHA-256 (FIPS 180-4), used to compare tensors with the hashes the Python reference writes
// (models/fmnist/expected.json, image0_tensor_sha256_16).
#pragma once

#include <cstddef>
#include <string>

namespace esc {

// Lower-case hex digest (64 digits) of `n` bytes at `data`.
std::string sha256_hex(const void* data, size_t n);

}  // namespace esc
