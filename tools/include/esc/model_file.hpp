// Workload tables: the plain-text model format of models/README.md and its parser.
//
// One convolution layer per line, whitespace-separated, '#' starts a comment:
//
//   name  C  N  H  W  K  stride  pad  M  density
//
// The parser has no dependency on the golden model or the RTL so that it can be fuzzed alone.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace esc {

struct ModelLayer {
  std::string name;
  int C = 0, N = 0, H = 0, W = 0;
  int K = 3, stride = 1, pad = 1;
  int M = 5;
  double density = 0.1;  // fraction of the N*C*M coefficients that are nonzero
  int line = 0;          // 1-based line of the definition in its file
  int Ho() const { return (H + 2 * pad - K) / stride + 1; }
  int Wo() const { return (W + 2 * pad - K) / stride + 1; }
};

struct Model {
  std::string name;  // file stem, e.g. "resnet18_cifar10"
  std::string path;  // file it was read from ("" if parsed from memory)
  std::vector<ModelLayer> layers;
};

// A malformed model file: names the file, the 1-based line, the field and the fix.
struct ModelError : std::runtime_error {
  ModelError(const std::string& file, int line, const std::string& field, const std::string& msg);
  std::string file;
  int line;
  std::string field;
};

// Field names in column order (column 1 = "name").
const std::vector<std::string>& model_fields();

// Parse the text of a model file; `file` is used in messages. Throws ModelError.
Model parse_model(const std::string& text, const std::string& file);
// Read and parse a file. Throws ModelError (line 0 if the file cannot be read).
Model load_model(const std::string& path);

// Directory of the built-in models: $ESC_MODELS_DIR if set, else the source tree's models/.
std::string models_dir();
// Built-in model names (file stems of models_dir()/*.txt), sorted.
std::vector<std::string> list_models(const std::string& dir);
// NAME (case-insensitive, '-' == '_', e.g. "resnet18-cifar10") or an existing FILE path.
// Throws std::invalid_argument listing the available names if neither matches.
std::string resolve_model(const std::string& name_or_file, const std::string& dir);

// Layer selection: comma-separated items, each a layer name, an index or an index range
// "a-b" (0-based, inclusive). Returns indices in model order without duplicates.
// Throws std::invalid_argument naming the unknown item.
std::vector<size_t> select_layers(const Model& model, const std::string& list);

// SPEC section 5 MAC accounting for a model layer with nnz = round(density * N * C * M).
struct ModelMacs {
  int64_t nnz = 0;
  int64_t basis = 0;   // C * M * K^2 * Ho * Wo
  int64_t coef = 0;    // nnz * Ho * Wo
  int64_t useful = 0;  // basis + coef
  int64_t dense = 0;   // N * C * K^2 * Ho * Wo
};
int64_t expected_nnz(const ModelLayer& layer);
ModelMacs expected_macs(const ModelLayer& layer);
ModelMacs expected_macs(const Model& model);  // summed over all layers

}  // namespace esc
