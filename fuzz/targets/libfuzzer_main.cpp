// libFuzzer entry point; ESC_FUZZ_ENTRY names the target function (set per executable).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return esc::fuzz::ESC_FUZZ_ENTRY(data, size);
}
