// Compressed coefficient format: CSC by input channel, bucketed by lane = n mod L.
// The same layout the COEF / COLPTR load targets use (docs/architecture.md).
#pragma once

#include <cstdint>
#include <vector>

#include "esc/layer.hpp"
#include "esc/tensor.hpp"

namespace esc {

struct CoefEntry {
  uint16_t n;
  uint8_t m;
  int8_t a;
};

struct EncodedCoef {
  int lanes = 0, N = 0, C = 0, M = 0;
  std::vector<std::vector<uint32_t>> colptr;    // [lane][C + 1]
  std::vector<std::vector<CoefEntry>> entries;  // [lane][...], column-major, sorted by (n, m)
  int64_t nnz() const;
};

EncodedCoef encode_coef(const CoefT& coef, int lanes);
// Throws std::invalid_argument on bad indices, pointers, ordering or explicit zeros.
CoefT decode_coef(const EncodedCoef& enc);

// Storage accounting (docs/semantics.md, "Storage"): bits of the compressed weights.
struct StorageBits {
  int64_t basis, values, indices, pointers, total;
};
StorageBits storage_bits(const LayerConfig& cfg, const EncodedCoef& enc);

// Number of bits needed to store any value in [0, v] (0 for v = 0).
int bits_for(int64_t v);

}  // namespace esc
