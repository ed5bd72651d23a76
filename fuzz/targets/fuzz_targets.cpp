// Registry of the fuzz entry points compiled into this build.
#include "fuzz_targets.hpp"

namespace esc::fuzz {

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> t = {
      {"npy", fuzz_npy},
      {"coef", fuzz_coef},
      {"layer", fuzz_layer},
#ifdef ESC_FUZZ_HAVE_MODELS
      {"model", fuzz_model},
#endif
  };
  return t;
}

}  // namespace esc::fuzz
