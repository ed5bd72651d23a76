// CSC-by-input-channel coefficient codec, bucketed by lane = n mod L (docs/semantics.md).
#include "esc/coef_codec.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace esc {

int64_t EncodedCoef::nnz() const {
  int64_t total = 0;
  for (const auto& e : entries) total += static_cast<int64_t>(e.size());
  return total;
}

int bits_for(int64_t v) {
  int b = 0;
  while (v > 0) {
    ++b;
    v >>= 1;
  }
  return b;
}

EncodedCoef encode_coef(const CoefT& coef, int lanes) {
  if (lanes < 1) throw std::invalid_argument("encode_coef: lanes must be >= 1");
  EncodedCoef enc;
  enc.lanes = lanes;
  enc.N = static_cast<int>(coef.dimension(0));
  enc.C = static_cast<int>(coef.dimension(1));
  enc.M = static_cast<int>(coef.dimension(2));
  if (enc.N > 65536 || enc.M > 256)
    throw std::invalid_argument("encode_coef: N must be <= 65536 and M <= 256 (index widths)");
  enc.colptr.assign(lanes, std::vector<uint32_t>(enc.C + 1, 0));
  enc.entries.assign(lanes, {});
  for (int l = 0; l < lanes; ++l) {
    for (int c = 0; c < enc.C; ++c) {
      enc.colptr[l][c] = static_cast<uint32_t>(enc.entries[l].size());
      for (int n = l; n < enc.N; n += lanes) {  // ascending n, then ascending m
        for (int m = 0; m < enc.M; ++m) {
          const int8_t a = coef(n, c, m);
          if (a != 0)
            enc.entries[l].push_back(
                CoefEntry{static_cast<uint16_t>(n), static_cast<uint8_t>(m), a});
        }
      }
    }
    enc.colptr[l][enc.C] = static_cast<uint32_t>(enc.entries[l].size());
  }
  return enc;
}

CoefT decode_coef(const EncodedCoef& enc) {
  auto fail = [](const std::string& msg) { throw std::invalid_argument("decode_coef: " + msg); };
  if (enc.lanes < 1 || enc.N < 1 || enc.C < 1 || enc.M < 1)
    fail("lanes, N, C and M must all be >= 1");
  if (static_cast<int>(enc.colptr.size()) != enc.lanes ||
      static_cast<int>(enc.entries.size()) != enc.lanes)
    fail("colptr and entries must have one vector per lane");
  CoefT coef(enc.N, enc.C, enc.M);
  coef.setZero();
  for (int l = 0; l < enc.lanes; ++l) {
    const auto& ptr = enc.colptr[l];
    const auto& ent = enc.entries[l];
    const std::string lane = "lane " + std::to_string(l) + ": ";
    if (static_cast<int>(ptr.size()) != enc.C + 1) fail(lane + "colptr must have C + 1 entries");
    if (ptr[0] != 0) fail(lane + "colptr[0] must be 0");
    if (ptr[enc.C] != ent.size()) fail(lane + "colptr[C] must equal the number of entries");
    for (int c = 0; c < enc.C; ++c) {
      if (ptr[c] > ptr[c + 1]) fail(lane + "colptr decreases at column " + std::to_string(c));
      if (ptr[c + 1] > ent.size())
        fail(lane + "colptr[" + std::to_string(c + 1) + "] is past the entries");
      for (uint32_t i = ptr[c]; i < ptr[c + 1]; ++i) {
        const CoefEntry& e = ent[i];
        const std::string at = lane + "entry " + std::to_string(i) + ": ";
        if (e.n >= enc.N) fail(at + "n = " + std::to_string(e.n) + " >= N");
        if (e.m >= enc.M) fail(at + "m = " + std::to_string(e.m) + " >= M");
        if (e.n % enc.lanes != l) fail(at + "n mod lanes != lane");
        if (e.a == 0) fail(at + "explicit zero coefficient");
        if (i > ptr[c]) {
          const CoefEntry& p = ent[i - 1];
          if (p.n > e.n || (p.n == e.n && p.m >= e.m))
            fail(at + "not strictly sorted by (n, m) within column " + std::to_string(c));
        }
        coef(e.n, c, e.m) = e.a;
      }
    }
  }
  return coef;
}

StorageBits storage_bits(const LayerConfig& cfg, const EncodedCoef& enc) {
  StorageBits s{};
  s.basis = int64_t{cfg.CB()} * cfg.M * cfg.K * cfg.K * 8;
  const int64_t nnz = enc.nnz();
  s.values = nnz * cfg.coef_w;
  // The lane implies n mod L, so an entry stores n / L and m.
  const int64_t rows_per_lane = (int64_t{enc.N} + enc.lanes - 1) / enc.lanes;
  s.indices = nnz * (bits_for(rows_per_lane - 1) + bits_for(enc.M - 1));
  size_t longest = 0;
  for (const auto& e : enc.entries) longest = std::max(longest, e.size());
  s.pointers = int64_t{enc.lanes} * (enc.C + 1) * bits_for(static_cast<int64_t>(longest));
  s.total = s.basis + s.values + s.indices + s.pointers;
  return s;
}

}  // namespace esc
