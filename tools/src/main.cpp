// escalate: run CNN workloads through the ESCALATE RTL (Verilated) and the golden model.
#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>

#include "cli.hpp"
#include "esc/accel.hpp"
#include "esc/idx.hpp"
#include "esc/model_file.hpp"
#include "esc/npy.hpp"
#include "esc/onnx_model.hpp"
#include "esc/tiling.hpp"

namespace esc::cli {
bool stderr_is_tty() {
  return ::isatty(STDERR_FILENO) == 1;
}

void check_output_path(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  const size_t slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw InputError(option + " " + path + ": directory " + dir +
                     " does not exist; create it first");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw InputError(option + " " + path + ": directory " + dir + " is not writable");
  }
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw InputError(option + " " + path + ": is a directory; give a file name");
  }
}
std::optional<AreaModel> default_area_model() {
  // The areas of the default build (synth/area_doc.py): ESC_AREA_JSON overrides the path. A
  // missing file only leaves the area efficiency out; a malformed one is an input error.
  const char* env = std::getenv("ESC_AREA_JSON");
  const std::string path = env != nullptr ? env : ESC_AREA_JSON;
  std::ifstream probe(path);
  if (!probe) return std::nullopt;
  try {
    return load_area_model(path);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
}

std::string rtl_unsupported(const IntLayer& layer, const HwCaps& hw, int max_dim) {
  const LayerConfig& c = layer.cfg;
  if (c.K > hw.K_MAX) return "K=" + std::to_string(c.K) + " > K_MAX " + std::to_string(hw.K_MAX);
  if (c.M > hw.M_MAX) return "M=" + std::to_string(c.M) + " > M_MAX " + std::to_string(hw.M_MAX);
  try {
    (void)plan_passes(layer, hw, max_dim);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    const std::string prefix = "layer cannot be tiled onto this accelerator: ";
    return what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
  }
  return "";
}
}  // namespace esc::cli

int main(int argc, char** argv) {
  using namespace esc::cli;
  CLI::App app{
      "escalate: run CNN workloads through the ESCALATE sparse-CNN accelerator RTL (Verilated)\n"
      "and check every output bit for bit against the golden model."};
  app.footer(
      "Exit codes: 0 ok, 1 RTL/golden mismatch, 2 bad input (command line, model file, .npy),\n"
      "3 RTL error or hang.\n"
      "Examples:\n"
      "  escalate run                               # ResNet-18/CIFAR-10, seed 1, full report\n"
      "  escalate run --model resnet50-imagenet --json r50.json --md r50.md --plot r50.svg\n"
      "  escalate run --layers conv1,3-5 --seed 7\n"
      "  escalate layer --x X.npy --basis B.npy --coef A.npy --out Y.npy\n"
      "  escalate decompose --weights W.npy --M 5 --density 0.1 --out-basis B.npy --out-coef "
      "A.npy\n"
      "  escalate classify                          # 100 Fashion-MNIST test images, trained net\n"
      "Built-in models live in " +
      esc::models_dir() + " (override with $ESC_MODELS_DIR); see models/README.md.");
  app.require_subcommand(1);

  RunOptions ro;
  CLI::App* run = app.add_subcommand(
      "run", "Run a whole network (default ResNet-18/CIFAR-10) layer by layer on RTL + golden.");
  run->footer(
      "Each layer gets seeded synthetic int8 activations, bases and sparse coefficients (golden\n"
      "make_random_layer with the layer's M and density). Layers with K > K_MAX or M > M_MAX of\n"
      "the hardware, or wider than MaxDim (W > 1023 on the default build: the host tiles rows\n"
      "and channels, not columns), run on the golden model only and are marked 'golden-only'.\n"
      "Layers larger than the on-chip buffers are tiled by the host driver (passes column).\n"
      "Every report gives energy per inference (MAC / SRAM / DRAM) for ESCALATE, from the RTL's\n"
      "event counters, and for the SPEC 5b dense (and, with a baseline, sparse) reference\n"
      "engines; docs/energy.md.");
  run->add_option("--model", ro.model,
                  "Built-in model name (e.g. resnet18-cifar10, vgg16-cifar10, resnet56-cifar10, "
                  "resnet50-imagenet) or a model file path")
      ->capture_default_str();
  run->add_option("--seed", ro.seed,
                  "Seed of the synthetic layers (per-layer seeds derive from it)")
      ->capture_default_str();
  run->add_option("--layers", ro.layers,
                  "Comma-separated layer names, indices or index ranges a-b (default: all)");
  run->add_flag("--trace", ro.trace, "Dump FST waves of the whole run (see --trace-file)");
  run->add_option("--trace-file", ro.trace_path, "FST path for --trace (default <model>.fst)");
  run->add_option("--json", ro.json, "Write the report as JSON to this file");
  run->add_option("--md", ro.md, "Write the report as Markdown to this file");
  run->add_option("--plot", ro.plot, "Write an SVG plot of per-layer cycles vs ideal and dense");
  run->add_option("--energy-plot", ro.energy_plot,
                  "Write the energy SVG (one stacked MAC/SRAM/DRAM bar per engine) here "
                  "(default with --plot: <plot>-energy.svg)");
  run->add_option(
      "--energy-table", ro.energy_table,
      "Per-event energy table JSON (default: the built-in golden/data/energy_45nm.json)");
  run->add_option("--baseline", ro.baseline,
                  "Pruned baseline JSON for the sparse reference engine (default: baselines.json "
                  "beside the model file, if present)");
  run->add_flag("--no-baseline", ro.no_baseline, "Do not look for a sparse-engine baseline");
  run->add_option("--density", ro.density,
                  "Coefficient densities: uniform (one density for every layer, the same "
                  "coefficient MACs as the model file's), tuned (each layer's density from the "
                  "file) or spread (uniform, spread over the filters, lognormal sigma 0.5); "
                  "models/README.md")
      ->check(CLI::IsMember({"uniform", "tuned", "spread"}))
      ->capture_default_str();
  run->add_flag("--list", ro.list, "Only print the model's layer table and MAC totals");
  run->add_flag("-q,--quiet", ro.quiet, "No progress bar");
  run->add_option("--idle-prob", ro.idle_prob, "Load-stream idle-cycle probability (stress)")
      ->check(CLI::Range(0.0, 0.95));
  run->add_option("--backpressure", ro.backpressure_prob,
                  "Result-stream backpressure probability (stress)")
      ->check(CLI::Range(0.0, 0.95));

  LayerOptions lo;
  CLI::App* layer = app.add_subcommand(
      "layer", "Run one layer from .npy files on RTL + golden and write the RTL output .npy.");
  layer->footer(
      "Shapes: x int8 (C,H,W); basis int8 (M,K,K) layer-shared or (C,M,K,K) with\n"
      "--per-channel-basis; coef int8 (N,C,M), 0 = pruned; bias int32 (N); mult uint16 (N);\n"
      "shift uint8 (N) (any integer dtype is accepted if the values fit). Output y int8\n"
      "(N,Ho,Wo); --acc writes the raw int32 accumulators (N,Ho,Wo). Semantics:\n"
      "docs/semantics.md. A layer the RTL cannot run (K > K_MAX, M > M_MAX, or W > MaxDim =\n"
      "1023 on the default build: the host tiles rows and channels, not columns) runs\n"
      "golden-only: the golden output is written and the reason printed. Errors name the one\n"
      "file or option at fault.");
  layer->add_option("--x", lo.x, "Activations X.npy, int8 (C,H,W)")->required();
  layer->add_option("--basis", lo.basis, "Basis B.npy, int8 (M,K,K) or (C,M,K,K)")->required();
  layer->add_option("--coef", lo.coef, "Coefficients A.npy, int8 (N,C,M)")->required();
  layer->add_option("--bias", lo.bias, "Bias .npy, int32 (N) (default 0)");
  layer->add_option("--mult", lo.mult, "Requant multiplier .npy, uint16 (N) (default 1)");
  layer->add_option("--shift", lo.shift, "Requant shift .npy, uint8 (N), 0..63 (default 0)");
  layer->add_option("--zshift", lo.zshift, "Basis-stage right shift, 0..31")->capture_default_str();
  layer->add_option("--stride", lo.stride, "Stride, 1 or 2")->capture_default_str();
  CLI::Option* pad_opt =
      layer->add_option("--pad", lo.pad, "Zero padding on every side, 0..K-1 (default (K-1)/2)");
  layer->add_flag("--relu", lo.relu, "Apply ReLU in the output requantisation");
  layer->add_option("--coef-w", lo.coef_w, "Coefficient width, 8 or 4")->capture_default_str();
  layer->add_flag("--per-channel-basis", lo.per_channel_basis,
                  "Basis per input channel, shape (C,M,K,K)");
  layer->add_option("--out", lo.out, "Output Y.npy (RTL result, int8 (N,Ho,Wo))")->required();
  layer->add_option("--acc", lo.acc, "Also write the RTL int32 accumulators (N,Ho,Wo) here");
  layer->add_option("--trace-file", lo.trace_path, "Dump FST waves of the layer here");

  DecomposeOptions dopt;
  CLI::App* dec = app.add_subcommand(
      "decompose",
      "PENNI-decompose dense weights W (N,C,K,K) into an int8 basis and sparse coefficients.");
  dec->footer(
      "Float pipeline (golden decompose.hpp): SVD initialisation, prune to --density (or by\n"
      "--std threshold), --iters rounds of least-squares refits of coefficients and basis\n"
      "(--support iht: each round first re-selects the kept coefficients from the unconstrained\n"
      "least-squares ones on the unit-norm basis, by the same rule; the best round is kept, so\n"
      "it is never worse than the first refit; --support fixed: the first prune's support is\n"
      "kept). --std F prunes |a| < F * std, std = the population standard deviation (NumPy\n"
      "np.std, ddof 0) of all N*C*M coefficients, zeros included; torch.std divides by n - 1.\n"
      "Then symmetric quantisation: basis int8 with one layer scale, coefficients int8 (or\n"
      "4-bit with --coef-w 4) with one scale per output channel. Writes basis int8 (M,K,K) and\n"
      "coef int8 (N,C,M) for `escalate layer`; --out-scales writes float32 [basis_scale,\n"
      "coef_scale[0..N-1]].");
  dec->add_option("--weights", dopt.weights, "Dense weights W.npy, float32/float64 (N,C,K,K)")
      ->required();
  dec->add_option("--M", dopt.M, "Bases per layer (1..K*K; 1x1 layers use 1)")
      ->capture_default_str();
  dec->add_option("--density", dopt.density, "Coefficient density to keep, (0,1]")
      ->capture_default_str();
  dec->add_option("--std", dopt.std_factor,
                  "Prune |coef| < F*std(coef) (PENNI's rule, F=1.0; population std, ddof 0) "
                  "instead of --density");
  dec->add_option("--support", dopt.support,
                  "iht: re-select the kept coefficients every refit round (iterative hard "
                  "thresholding); fixed: keep the first prune's")
      ->capture_default_str()
      ->check(CLI::IsMember({"iht", "fixed"}));
  dec->add_option("--iters", dopt.iters, "Refit rounds")->capture_default_str();
  dec->add_option("--coef-w", dopt.coef_w, "Coefficient width, 8 or 4")->capture_default_str();
  dec->add_option("--out-basis", dopt.out_basis, "Output basis B.npy, int8 (M,K,K)")->required();
  dec->add_option("--out-coef", dopt.out_coef, "Output coefficients A.npy, int8 (N,C,M)")
      ->required();
  dec->add_option("--out-scales", dopt.out_scales, "Output float32 scales .npy (1+N)");
  dec->add_option("--json", dopt.json, "Write the quality report as JSON here");

  ClassifyOptions co;
  CLI::App* cls = app.add_subcommand(
      "classify",
      "Classify Fashion-MNIST test images with the trained network (ONNX), every conv layer on "
      "the RTL.");
  cls->footer(
      "Reads the integer network from its ONNX export and sidecar JSON (docs/trained.md) and the\n"
      "t10k images from --data-dir. Per image, each conv layer runs on the RTL (as in `run`) and\n"
      "on the golden model with the same input; the RTL output must equal the golden one bit for\n"
      "bit (y and int32 acc) and feeds the next layer; residual adds, the sum pool, the\n"
      "classifier and argmax run on the host in the golden model's integer arithmetic. Reports\n"
      "the accuracy on those images (RTL and golden, which must agree), the golden model's\n"
      "accuracy on the whole test set (checked against expected.json beside the model), the\n"
      "per-layer performance table per image and the coefficient-lane balance. Exit 1 on an\n"
      "RTL/golden mismatch (the image, layer and first differing element are printed) or a\n"
      "disagreement with expected.json.");
  cls->add_option("--model", co.model,
                  "ONNX model (default: " + esc::models_dir() + "/fmnist/penni_int8.onnx)");
  cls->add_option("--images", co.images, "Number of test images to classify")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cls->add_option("--first", co.first, "Index of the first test image (file order)")
      ->capture_default_str()
      ->check(CLI::Range(0, 9999));
  cls->add_option("--data-dir", co.data_dir,
                  "Directory with t10k-{images-idx3,labels-idx1}-ubyte[.gz] (default: $FMNIST_DIR "
                  "or /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)");
  cls->add_flag("--golden-only", co.golden_only, "Run the golden model only (no RTL)");
  cls->add_flag("--no-golden-sweep", co.no_sweep,
                "Skip the golden model's pass over the whole test set");
  cls->add_option("--expected", co.expected,
                  "Reference results to check against (default: expected.json beside the model, "
                  "if present)");
  cls->add_flag("--no-expected", co.no_expected, "Do not check against expected.json");
  cls->add_option("--json", co.json, "Write the results and the per-layer report as JSON here");
  cls->add_option("--seed", co.seed,
                  "Seed of the stream randomisation (--idle-prob, "
                  "--backpressure)")
      ->capture_default_str();
  cls->add_option("--idle-prob", co.idle_prob, "Load-stream idle-cycle probability (stress)")
      ->check(CLI::Range(0.0, 0.95));
  cls->add_option("--backpressure", co.backpressure_prob,
                  "Result-stream backpressure probability (stress)")
      ->check(CLI::Range(0.0, 0.95));
  cls->add_flag("-q,--quiet", co.quiet, "No progress bar");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitInput;
  }
  try {
    if (run->parsed()) return cmd_run(ro);
    if (layer->parsed()) {
      lo.pad_given = pad_opt->count() > 0;
      return cmd_layer(lo);
    }
    if (dec->parsed()) return cmd_decompose(dopt);
    if (cls->parsed()) return cmd_classify(co);
  } catch (const esc::ModelError& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  } catch (const InputError& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  } catch (const esc::OnnxModelError& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  } catch (const esc::IdxError& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  } catch (const esc::NpyError& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  } catch (const esc::AccelError& e) {
    std::fprintf(stderr, "escalate: RTL error (code %d): %s\n", e.code, e.what());
    return kExitRtl;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "escalate: error: %s\n", e.what());
    return kExitInput;
  }
  return kExitInput;
}
