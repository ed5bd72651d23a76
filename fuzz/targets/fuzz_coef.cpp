// Fuzz target: the coefficient-stream decoder (esc::decode_coef on an arbitrary EncodedCoef).
//
// Input layout (missing bytes read as 0), chosen so that a valid stream serialises compactly:
//   u8 lanes % 17, u8 N % 65, u8 C % 17, u8 M % 10        (0 is kept: it must be rejected)
//   u8 flags: bit0 drop one colptr vector, bit1 drop one entries vector,
//             bit2 colptr as u16 instead of u8, bit3 one colptr too short
//   per lane: C + 1 colptr values, u8 entry count, then count * (u16 n, u8 m, i8 a)
#include <string>

#include "esc/coef_codec.hpp"
#include "fuzz_targets.hpp"

namespace esc::fuzz {

EncodedCoef coef_from_bytes(const uint8_t* data, size_t size) {
  ByteReader r(data, size);
  EncodedCoef enc;
  enc.lanes = r.u8() % 17;
  enc.N = r.u8() % 65;
  enc.C = r.u8() % 17;
  enc.M = r.u8() % 10;
  const uint8_t flags = r.u8();
  const int nptr = enc.C + 1 - ((flags & 8) ? 1 : 0);
  for (int l = 0; l < enc.lanes; ++l) {
    std::vector<uint32_t> ptr;
    for (int c = 0; c < nptr; ++c) ptr.push_back((flags & 4) ? r.u16() : r.u8());
    enc.colptr.push_back(ptr);
    std::vector<CoefEntry> ent(r.u8());
    for (auto& e : ent) {
      e.n = r.u16();
      e.m = r.u8();
      e.a = static_cast<int8_t>(r.u8());
    }
    enc.entries.push_back(ent);
  }
  if ((flags & 1) && !enc.colptr.empty()) enc.colptr.pop_back();
  if ((flags & 2) && !enc.entries.empty()) enc.entries.pop_back();
  return enc;
}

int fuzz_coef(const uint8_t* data, size_t size) {
  const EncodedCoef enc = coef_from_bytes(data, size);
  CoefT coef;
  try {
    coef = decode_coef(enc);
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).rfind("decode_coef: ", 0) != 0)
      throw FuzzPropertyError(std::string("decode_coef message lacks its prefix: ") + e.what());
    return 0;
  }
  if (coef.dimension(0) != enc.N || coef.dimension(1) != enc.C || coef.dimension(2) != enc.M)
    throw FuzzPropertyError("decode_coef: wrong output shape");
  // The format is canonical: an accepted stream re-encodes to itself.
  const EncodedCoef again = encode_coef(coef, enc.lanes);
  if (again.colptr != enc.colptr) throw FuzzPropertyError("encode(decode(s)).colptr != s.colptr");
  for (int l = 0; l < enc.lanes; ++l) {
    const auto& a = again.entries[l];
    const auto& b = enc.entries[l];
    if (a.size() != b.size()) throw FuzzPropertyError("encode(decode(s)) changed an entry count");
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].n != b[i].n || a[i].m != b[i].m || a[i].a != b[i].a)
        throw FuzzPropertyError("encode(decode(s)) changed entry " + std::to_string(i) +
                                " of lane " + std::to_string(l));
    }
  }
  if (again.nnz() != enc.nnz()) throw FuzzPropertyError("nnz changed in the round trip");
  return 0;
}

}  // namespace esc::fuzz
