// Shared declarations of the escalate subcommands (tools/src/cmd_*.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "esc/layer.hpp"
#include "esc/metrics.hpp"
#include "esc/report.hpp"

namespace esc::cli {

// Exit codes (documented in `escalate --help`).
constexpr int kExitOk = 0;
constexpr int kExitMismatch = 1;  // RTL output differs from the golden model
constexpr int kExitInput = 2;     // bad command line, model file or .npy input
constexpr int kExitRtl = 3;       // the RTL raised an error or hung

// A user-facing input problem; message names the file/field and the fix.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  std::string model = "resnet18_cifar10";
  uint64_t seed = 1;
  std::string layers;
  bool trace = false;
  std::string trace_path;
  std::string json, md, plot;
  std::string energy_plot;   // "" : <plot>-energy.svg when --plot is given
  std::string energy_table;  // "" : the built-in golden/data/energy_45nm.json
  std::string baseline;      // "" : baselines.json beside the model file, if any
  bool no_baseline = false;
  bool list = false;
  bool quiet = false;
  double idle_prob = 0.0, backpressure_prob = 0.0;
  std::string density = "uniform";  // tuned | uniform | spread (esc::DensityMode)
};
int cmd_run(const RunOptions& o);

struct LayerOptions {
  std::string x, basis, coef, bias, mult, shift;
  int zshift = 0, stride = 1, pad = -1, coef_w = 8;
  bool pad_given = false;  // --pad on the command line (else (K-1)/2)
  bool relu = false, per_channel_basis = false;
  std::string out, acc;
  uint64_t seed = 1;
  std::string trace_path;
};
int cmd_layer(const LayerOptions& o);

struct DecomposeOptions {
  std::string weights;
  int M = 5;
  double density = 0.1;
  double std_factor = 0.0;  // > 0: prune by std threshold instead of density
  int iters = 5;
  std::string support = "iht";  // "iht" or "fixed"
  int coef_w = 8;
  std::string out_basis, out_coef, out_scales, json;
};
int cmd_decompose(const DecomposeOptions& o);

struct ClassifyOptions {
  std::string model;     // "" : <models dir>/fmnist/penni_int8.onnx
  std::string data_dir;  // "" : $FMNIST_DIR or /usr/share/datasets/fashion-mnist
  int images = 100, first = 0;
  bool golden_only = false;
  bool no_sweep = false;  // skip the golden model over the whole test set
  std::string expected;   // "" : expected.json beside the model, if present
  bool no_expected = false;
  std::string json;
  bool quiet = false;
  uint64_t seed = 1;
  double idle_prob = 0.0, backpressure_prob = 0.0;
};
int cmd_classify(const ClassifyOptions& o);

// Throw InputError if `path` (an output file of option `option`) cannot be created: checked
// before a long run so that the run is not wasted. Empty path: nothing to check.
void check_output_path(const std::string& path, const std::string& option);

// Why the RTL cannot run `layer` on a device with these capabilities ("" if it can): K > K_MAX,
// M > M_MAX, or whatever the host's pass planner cannot tile (W > MaxDim: the planner splits
// rows, output channels and input channels, not columns). Such layers run golden-only.
std::string rtl_unsupported(const IntLayer& layer, const HwCaps& hw, int max_dim);
// The area model of the default build for the SPEC 5b area efficiency (synth/results/area.json,
// or $ESC_AREA_JSON): nullopt if there is none; InputError if it is malformed.
std::optional<AreaModel> default_area_model();

// True if stderr is a terminal (progress bars only there).
bool stderr_is_tty();

}  // namespace esc::cli
