// Fuzz target: the model-file parser of tools/ (esc::parse_model) and the --layers selection.
// Input: model text, optionally followed by a NUL byte and a --layers list.
#include <string>

#include "esc/model_file.hpp"
#include "fuzz_targets.hpp"

namespace esc::fuzz {

int fuzz_model(const uint8_t* data, size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string text = all.substr(0, nul);
  const std::string list = nul == std::string::npos ? "" : all.substr(nul + 1);
  Model m;
  try {
    m = parse_model(text, "fuzz.txt");
  } catch (const ModelError& e) {
    if (std::string(e.what()).rfind("fuzz.txt", 0) != 0)
      throw FuzzPropertyError(std::string("ModelError does not name the file: ") + e.what());
    if (e.line < 0) throw FuzzPropertyError("ModelError with a negative line");
    return 0;
  }
  if (m.layers.empty()) throw FuzzPropertyError("parse_model accepted a model without layers");
  for (const ModelLayer& L : m.layers) {
    if (L.Ho() < 1 || L.Wo() < 1 || L.C < 1 || L.N < 1 || L.M < 1 || !(L.density > 0.0) ||
        L.density > 1.0)
      throw FuzzPropertyError("parse_model accepted layer " + L.name + " with an empty shape");
    const ModelMacs macs = expected_macs(L);
    if (macs.nnz < 0 || macs.useful < macs.basis || macs.dense < 0)
      throw FuzzPropertyError("expected_macs inconsistent for layer " + L.name);
  }
  (void)expected_macs(m);
  if (!list.empty()) {
    try {
      const std::vector<size_t> sel = select_layers(m, list);
      for (size_t i = 0; i < sel.size(); ++i)
        if (sel[i] >= m.layers.size() || (i > 0 && sel[i] <= sel[i - 1]))
          throw FuzzPropertyError("select_layers: indices out of range or not ascending");
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).rfind("--layers: ", 0) != 0)
        throw FuzzPropertyError(std::string("select_layers message lacks --layers: ") + e.what());
    }
  }
  return 0;
}

}  // namespace esc::fuzz
