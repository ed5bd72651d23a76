// Fuzz entry points of every input parser, as plain functions. libFuzzer mains (ESC_FUZZ=ON,
// clang) and the corpus/regression replay test (every build) call the same code.
//
// Contract of each entry point: any input may be rejected with the parser's documented error
// type (esc::NpyError, std::invalid_argument, esc::ModelError); everything else -- a crash, a
// sanitizer report, another exception type, or a broken invariant (FuzzPropertyError) -- is a
// bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace esc::fuzz {

// Thrown when an accepted input breaks an invariant (round trip, message format...).
struct FuzzPropertyError : std::logic_error {
  using std::logic_error::logic_error;
};

// .npy reader: parse_npy from memory; accepted arrays must round-trip through serialize_npy.
int fuzz_npy(const uint8_t* data, size_t size);
// Coefficient-stream decoder: bytes -> arbitrary EncodedCoef -> decode_coef; accepted streams
// must re-encode to exactly the same stream (the format is canonical).
int fuzz_coef(const uint8_t* data, size_t size);
// Layer-configuration validation: bytes -> IntLayer (fields raw or near-valid, tensor shapes
// possibly inconsistent) -> validate; accepted layers must run in run_int and slice_layer.
int fuzz_layer(const uint8_t* data, size_t size);
// Model-file parser (tools/): parse_model + select_layers on the text.
int fuzz_model(const uint8_t* data, size_t size);

struct FuzzTarget {
  const char* name;
  int (*fn)(const uint8_t*, size_t);
};
// Every target compiled into this build (model only when tools/ provides esc_models).
const std::vector<FuzzTarget>& fuzz_targets();

// Byte reader used to build structured inputs: missing bytes read as 0.
class ByteReader {
 public:
  ByteReader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t u8() { return p_ < n_ ? d_[p_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  uint32_t u32() { return u16() | (static_cast<uint32_t>(u16()) << 16); }
  size_t left() const { return n_ - p_; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t p_ = 0;
};

}  // namespace esc::fuzz
