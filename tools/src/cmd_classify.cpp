// escalate classify: Fashion-MNIST test images through the trained network (ONNX export), every
// conv layer on the RTL, checked bit for bit against the golden model; host operations in the
// golden model's integer arithmetic (docs/trained.md).
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "esc/accel.hpp"
#include "esc/idx.hpp"
#include "esc/model_file.hpp"
#include "esc/network.hpp"
#include "esc/onnx_model.hpp"
#include "esc/report.hpp"
#include "esc/scoreboard.hpp"

namespace esc::cli {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string dir_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string pct(int64_t k, int64_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f %%", n > 0 ? 100.0 * static_cast<double>(k) / n : 0.0);
  return b;
}

// The Python reference's numbers for this model (models/fmnist/expected.json), if any.
struct Expected {
  std::string path;
  bool have = false;
  int64_t n_test = 0, correct = 0;
  std::vector<std::vector<int32_t>> logits;  // first images, in file order
};

Expected read_expected(const ClassifyOptions& o, const std::string& model_path) {
  Expected e;
  if (o.no_expected) return e;
  e.path = o.expected.empty() ? dir_of(model_path) + "/expected.json" : o.expected;
  if (o.expected.empty() && !is_file(e.path)) return e;  // optional beside the model
  std::ifstream f(e.path);
  if (!f) throw InputError("--expected " + e.path + ": cannot read the file");
  json j;
  try {
    f >> j;
    const json& m = j.at("models").at(base_of(model_path));
    e.n_test = m.at("n_test").get<int64_t>();
    e.correct = m.at("correct").get<int64_t>();
    e.logits = m.at("logits").get<std::vector<std::vector<int32_t>>>();
  } catch (const json::exception& x) {
    throw InputError("--expected " + e.path + ": no usable entry models[\"" + base_of(model_path) +
                     "\"] with n_test, correct and logits (" + x.what() +
                     "); pass --no-expected to skip the check");
  }
  e.have = true;
  return e;
}

void progress(bool on, int done, int total, double elapsed) {
  if (!on) return;
  const int width = 30;
  const int fill = total == 0 ? width : width * done / total;
  std::string bar(static_cast<size_t>(fill), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r[%s] %d/%d images %6.1f s ", bar.c_str(), done, total, elapsed);
  std::fflush(stderr);
}

// The golden model over the whole test set, shared by worker threads in chunks.
class Sweep {
 public:
  Sweep(const Network& net, const Dataset& d)
      : net_(net), d_(d), pred_(static_cast<size_t>(d.images.count), -1) {}

  void work() {
    constexpr int kChunk = 50;
    while (!stop_) {
      const int b = next_.fetch_add(kChunk);
      if (b >= d_.images.count) return;
      const int e = std::min(d_.images.count, b + kChunk);
      try {
        for (int i = b; i < e && !stop_; ++i) {
          const ActT x0 =
              quantise_input(d_.images.image(i), d_.images.rows, d_.images.cols, net_.input_shift);
          pred_[static_cast<size_t>(i)] = static_cast<int8_t>(run_network(net_, x0).pred);
        }
      } catch (const std::exception& x) {
        const std::lock_guard<std::mutex> lock(mu_);
        if (error_.empty()) {
          error_ = "golden model, test images " + std::to_string(b) + ".." + std::to_string(e - 1) +
                   ": " + x.what();
        }
        stop_ = true;
        return;
      }
    }
  }
  void stop() { stop_ = true; }
  // Read after every worker has been joined.
  const std::vector<int8_t>& pred() const { return pred_; }
  const std::string& error() const { return error_; }

 private:
  const Network& net_;
  const Dataset& d_;
  std::vector<int8_t> pred_;
  std::atomic<int> next_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string error_;
};

// Stops and joins the sweep's workers on every way out of cmd_classify (an exception from the
// RTL must not leave a joinable std::thread behind, which would terminate the program).
struct Workers {
  Sweep& sweep;
  std::vector<std::thread> threads;
  ~Workers() {
    sweep.stop();
    join();
  }
  void join() {
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

// Per-layer RTL figures summed over the images (the report shows the mean per image).
struct LayerSums {
  uint64_t cycles = 0, bcu = 0, cau = 0, stall = 0, ld_beats = 0, ld_idle = 0, load_bytes = 0,
           result_bytes = 0;
  uint64_t min_cycles = UINT64_MAX, max_cycles = 0;
  EventCounts events{};
  int passes = 0, channel_groups = 1;
  double wall_s = 0.0;
};

std::string lane_table(const std::vector<LayerReport>& layers, const std::vector<const NetOp*>& ops,
                       const HwCaps& hw) {
  std::string o;
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "\nCoefficient lanes (L = %d, output channels ordered by the host's lane balancing; "
      "entries over all input channels):\n"
      "%-3s %-8s %6s %7s %7s %7s %8s %9s %9s %9s %8s %9s\n",
      hw.L, "#", "layer", "nnz", "min", "mean", "max", "balance", "CAU/tile", "ideal", "measured",
      "CAU eff", "uniform");
  o += buf;
  for (size_t i = 0; i < ops.size(); ++i) {
    const NetOp& op = *ops[i];
    const LayerConfig& c = op.conv.cfg;
    const LaneBalance b = lane_balance(op.conv.coef, hw);
    // The same shape and density with uniformly random coefficients (escalate run's synthetic
    // layers, seed 1): how much the trained sparsity pattern costs the lanes.
    const double density = static_cast<double>(b.nnz) / (static_cast<double>(c.N) * c.C * c.M);
    const LaneBalance u = lane_balance(make_random_layer(c, density, 1).coef, hw);
    const LayerReport& l = layers[i];
    const int64_t tiles = (int64_t{c.Ho()} * c.Wo() + hw.T - 1) / hw.T;
    char measured[32] = "-";
    if (l.rtl && l.cau_cycles > 0 && l.passes == 1) {
      std::snprintf(measured, sizeof measured, "%.1f",
                    static_cast<double>(l.cau_cycles) / static_cast<double>(tiles));
    }
    std::snprintf(buf, sizeof buf,
                  "%-3zu %-8.8s %6lld %7lld %7.1f %7lld %7.1f%% %9lld %9.1f %9s %7.1f%% %8.1f%%\n",
                  i, op.name.c_str(), static_cast<long long>(b.nnz), static_cast<long long>(b.min),
                  b.mean(), static_cast<long long>(b.max), 100.0 * b.balance(),
                  static_cast<long long>(b.cau_tile_cycles), b.mean(), measured,
                  100.0 * b.cau_efficiency(), 100.0 * u.balance());
    o += buf;
  }
  o += "  balance = mean / max lane entries; CAU/tile = the cycle model's CAU time of one tile\n"
       "  (max over lanes of sum over input channels of max(1, entries)); ideal = nnz / L;\n"
       "  measured = RTL CYC_CAU / tiles; CAU eff = ideal / CAU/tile; uniform = balance of the "
       "same\n"
       "  shape and density with uniformly random coefficients (seed 1).\n";
  return o;
}

}  // namespace

int cmd_classify(const ClassifyOptions& o) {
  const Clock::time_point t0 = Clock::now();
  check_output_path(o.json, "--json");
  const std::string model_path =
      o.model.empty() ? models_dir() + "/fmnist/penni_int8.onnx" : o.model;
  const OnnxModel model = load_onnx_model(model_path);
  const Network& net = model.net;
  const std::string data_dir = o.data_dir.empty() ? default_fmnist_dir() : o.data_dir;
  const Dataset data = load_fmnist(data_dir, "t10k", net.classes());
  if (data.images.rows != net.H || data.images.cols != net.W) {
    throw InputError(data.images_path + ": images are " + std::to_string(data.images.rows) + "x" +
                     std::to_string(data.images.cols) + ", the model " + model_path + " takes " +
                     std::to_string(net.H) + "x" + std::to_string(net.W));
  }
  if (o.first < 0 || o.images < 1 || o.first + o.images > data.images.count) {
    throw InputError("--first " + std::to_string(o.first) + " --images " +
                     std::to_string(o.images) + ": the test set has " +
                     std::to_string(data.images.count) + " images (0.." +
                     std::to_string(data.images.count - 1) + ")");
  }
  const Expected expected = read_expected(o, model_path);
  const std::vector<const NetOp*> convs = net.convs();
  // Self-check of the comparison, for tests only: ESC_CLASSIFY_FLIP=<image>:<layer> flips bit 0
  // of the RTL's y[0][0][0] in that layer of that image, before the comparison sees it.
  int flip_image = -1;
  std::string flip_layer;
  if (const char* f = std::getenv("ESC_CLASSIFY_FLIP"); f != nullptr && *f != '\0') {
    const std::string v = f;
    const size_t colon = v.find(':');
    if (colon == std::string::npos) {
      throw InputError("ESC_CLASSIFY_FLIP=" + v + ": expected <image>:<layer>");
    }
    flip_image = std::atoi(v.substr(0, colon).c_str());
    flip_layer = v.substr(colon + 1);
    std::fprintf(stderr,
                 "escalate: ESC_CLASSIFY_FLIP: corrupting the RTL output of layer %s, "
                 "test image %d (test hook)\n",
                 flip_layer.c_str(), flip_image);
  }

  // The golden model over every test image runs beside the RTL: one worker thread now, the
  // main thread joins it when the RTL images are done.
  Sweep sweep(net, data);
  Workers workers{sweep, {}};
  const Clock::time_point ts = Clock::now();
  if (!o.no_sweep) {
    const unsigned hc = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned k = 0; k < std::max(1u, hc - 1); ++k) {
      workers.threads.emplace_back([&sweep] { sweep.work(); });
    }
  }

  AccelOptions aopt;
  aopt.seed = o.seed;
  aopt.idle_prob = o.idle_prob;
  aopt.backpressure_prob = o.backpressure_prob;
  std::unique_ptr<Accel> accel;
  HwCaps hw;
  int max_dim = 1 << 30;
  if (!o.golden_only) {
    accel = std::make_unique<Accel>(aopt);
    hw = accel->caps();
    max_dim = accel->max_dim();
  }
  const uint64_t cycle0 = accel ? accel->cycle() : 0;

  // Per conv layer: report (golden metrics + RTL figures of the images), sums over images.
  std::vector<LayerReport> layers(convs.size());
  std::vector<LayerSums> sums(convs.size());
  for (size_t k = 0; k < convs.size(); ++k) {
    const NetOp& op = *convs[k];
    LayerReport& lr = layers[k];
    lr.name = op.name;
    IntLayer probe = op.conv;
    fill_golden_metrics(lr, probe, hw);
    lr.density_target = lr.density();
    lr.rtl = !o.golden_only;
    if (o.golden_only) {
      lr.note = "golden-only (--golden-only)";
    } else {
      probe.x = ActT(op.conv.cfg.C, op.conv.cfg.H, op.conv.cfg.W);
      if (const std::string why = rtl_unsupported(probe, hw, max_dim); !why.empty()) {
        lr.rtl = false;
        lr.note = "golden-only (" + why + ")";
      }
    }
  }
  auto layer_index = [&](const NetOp& op) {
    return static_cast<size_t>(std::find(convs.begin(), convs.end(), &op) - convs.begin());
  };

  struct ImageResult {
    int index = 0, label = 0, pred = -1, golden_pred = -1;
    std::vector<int32_t> logits;
  };
  std::vector<ImageResult> results;
  std::string mismatch;  // first RTL/golden mismatch
  std::string overflow;  // first golden accumulator overflow
  const bool bar = !o.quiet && stderr_is_tty();
  const Clock::time_point tr = Clock::now();
  for (int i = o.first; i < o.first + o.images && mismatch.empty(); ++i) {
    progress(bar, i - o.first, o.images, seconds_since(t0));
    const ActT x0 =
        quantise_input(data.images.image(i), data.images.rows, data.images.cols, net.input_shift);
    // Each conv layer: golden on the layer's input, and the RTL on the same input; the RTL's
    // output is what the next op reads.
    auto conv = [&](const NetOp& op, const IntLayer& layer) -> OutT {
      const size_t k = layer_index(op);
      LayerReport& lr = layers[k];
      LayerSums& s = sums[k];
      const Clock::time_point tl = Clock::now();
      IntResult g = run_int(layer);
      if (g.overflow && overflow.empty()) {
        overflow = "image " + std::to_string(i) + ", layer " + op.name + ": " + g.overflow_at;
      }
      if (!lr.rtl || !mismatch.empty()) return std::move(g.y);
      AccelResult r;
      try {
        r = accel->run_layer(layer);
      } catch (const AccelError& e) {
        throw AccelError(
            e.code, "test image " + std::to_string(i) + ", layer " + op.name + ": " + e.what());
      }
      if (i == flip_image && op.name == flip_layer) {
        r.y(0, 0, 0) = static_cast<int8_t>(r.y(0, 0, 0) ^ 1);
      }
      const auto mm = Scoreboard(op.name, o.seed).compare(layer, g, r, hw, max_dim);
      if (!lr.checked) lr.match = true;
      lr.checked = true;
      if (mm) {
        lr.match = false;
        lr.mismatch = "test image " + std::to_string(i) + ", layer " + op.name + ": " + mm->report +
                      "; replay: escalate classify --first " + std::to_string(i) +
                      " --images 1 --no-golden-sweep";
        mismatch = lr.mismatch;
      }
      const PerfCounters& p = r.stats.perf;
      s.cycles += p.total;
      s.bcu += p.bcu;
      s.cau += p.cau;
      s.stall += p.stall;
      s.ld_beats += p.ld_beats;
      s.ld_idle += r.stats.ld_idle;  // each layer runs alone here: its loads are not overlapped
      s.load_bytes += r.stats.load_bytes;
      s.result_bytes += r.stats.result_bytes;
      s.events += r.stats.events;
      s.min_cycles = std::min<uint64_t>(s.min_cycles, p.total);
      s.max_cycles = std::max<uint64_t>(s.max_cycles, p.total);
      s.passes = r.stats.passes;
      s.channel_groups = r.stats.channel_groups;
      s.wall_s += seconds_since(tl);
      return std::move(r.y);
    };
    ImageResult ir;
    ir.index = i;
    ir.label = data.labels[static_cast<size_t>(i)];
    const NetResult rtl = run_network(net, x0, conv);
    ir.pred = rtl.pred;
    ir.logits = rtl.logits;
    // The golden model alone on the same image (independent of the hook): same logits.
    const NetResult gold = run_network(net, x0);
    ir.golden_pred = gold.pred;
    if (mismatch.empty() && gold.logits != rtl.logits) {
      mismatch = "test image " + std::to_string(i) +
                 ": logits through the RTL differ from the golden model's although every layer "
                 "matched (host operations?)";
    }
    results.push_back(ir);
  }
  const double rtl_wall = seconds_since(tr);
  progress(bar, static_cast<int>(results.size()), o.images, seconds_since(t0));
  if (bar) std::fprintf(stderr, "\n");
  const uint64_t sim_cycles = accel ? accel->cycle() - cycle0 : 0;
  // The main thread now helps the sweep finish.
  if (!o.no_sweep) {
    sweep.work();
    workers.join();
  }
  const double sweep_wall = seconds_since(ts);

  // ---- Report --------------------------------------------------------------------------
  const int n_run = static_cast<int>(results.size());
  RunReport rep;
  rep.model = net.name;
  rep.model_path = model_path;
  rep.seed = o.seed;
  rep.caps = hw;
  rep.area = default_area_model();
  for (size_t k = 0; k < convs.size(); ++k) {
    LayerReport& lr = layers[k];
    const LayerSums& s = sums[k];
    if (lr.checked && n_run > 0) {
      const auto mean = [&](uint64_t v) { return (v + static_cast<uint64_t>(n_run) / 2) / n_run; };
      lr.cycles = mean(s.cycles);
      lr.bcu_cycles = mean(s.bcu);
      lr.cau_cycles = mean(s.cau);
      lr.stall_cycles = mean(s.stall);
      lr.ld_beats = mean(s.ld_beats);
      lr.ld_idle = mean(s.ld_idle);
      lr.load_bytes = mean(s.load_bytes);
      lr.result_bytes = mean(s.result_bytes);
      lr.passes = s.passes;
      lr.wall_s = s.wall_s / n_run;
      EventCounts ev = s.events;
      ev.bcu_macs = mean(ev.bcu_macs);
      ev.cau_macs = mean(ev.cau_macs);
      ev.ld_bytes = mean(ev.ld_bytes);
      ev.res_bytes = mean(ev.res_bytes);
      for (size_t m = 0; m < ev.rd.size(); ++m) {
        ev.rd[m] = mean(ev.rd[m]);
        ev.wr[m] = mean(ev.wr[m]);
      }
      lr.events = ev;
      if (s.min_cycles != s.max_cycles) {
        lr.note = "cycles " + std::to_string(s.min_cycles) + ".." + std::to_string(s.max_cycles) +
                  " over the images";
      }
      if (s.channel_groups > 1) {
        lr.note += (lr.note.empty() ? "" : "; ") + std::string("C-split x") +
                   std::to_string(s.channel_groups);
      }
    }
    rep.layers.push_back(lr);
  }
  rep.wall_s = n_run > 0 ? rtl_wall / n_run : 0.0;
  rep.sim_cycles = n_run > 0 ? sim_cycles / static_cast<uint64_t>(n_run) : 0;
  const std::string baseline = dir_of(model_path) + "/baselines.json";
  if (is_file(baseline)) {
    try {
      attach_sparse_baseline(rep, baseline);
    } catch (const std::invalid_argument& e) {
      for (auto& l : rep.layers) l.sparse_nnz = l.sparse_bits = 0;
      rep.sparse_baseline.clear();
      std::fprintf(stderr, "escalate: warning: %s; reporting no sparse engine\n", e.what());
    }
  }

  int correct = 0, golden_correct = 0, agree = 0;
  int logits_checked = 0, logits_bad = 0;
  std::string logits_first_bad;
  for (const ImageResult& r : results) {
    correct += r.pred == r.label;
    golden_correct += r.golden_pred == r.label;
    agree += r.pred == r.golden_pred;
    if (expected.have && r.index < static_cast<int>(expected.logits.size())) {
      ++logits_checked;
      if (r.logits != expected.logits[static_cast<size_t>(r.index)]) {
        if (logits_bad++ == 0) logits_first_bad = "test image " + std::to_string(r.index);
      }
    }
  }
  int sweep_correct = 0, sweep_agree = 0;
  if (!o.no_sweep && sweep.error().empty()) {
    for (int i = 0; i < data.images.count; ++i) {
      sweep_correct += sweep.pred()[static_cast<size_t>(i)] == data.labels[static_cast<size_t>(i)];
    }
    for (const ImageResult& r : results) {
      sweep_agree += sweep.pred()[static_cast<size_t>(r.index)] == r.pred;
    }
  }

  const char* engine = o.golden_only ? "golden model" : "RTL";
  std::printf("escalate classify: model %s (%s; sidecar %s), %d-bit coefficients\n",
              net.name.c_str(), model_path.c_str(), model.sidecar_path.c_str(), model.coef_w);
  std::printf("test images %d..%d of %s (%d in the set), %s%s\n", o.first, o.first + o.images - 1,
              data.images_path.c_str(), data.images.count,
              o.golden_only ? "golden model only" : "every conv layer on the RTL",
              o.golden_only
                  ? ""
                  : (", T=" + std::to_string(hw.T) + " L=" + std::to_string(hw.L) +
                     " M_MAX=" + std::to_string(hw.M_MAX) + " K_MAX=" + std::to_string(hw.K_MAX))
                        .c_str());
  if (!o.golden_only) {
    std::printf(
        "\nPer-layer performance, per image (mean over the %d images; cycles depend on the\n"
        "weights only, so every image costs the same unless a note says otherwise):\n\n",
        n_run);
    std::fputs(format_table(rep).c_str(), stdout);
    std::fputs(lane_table(rep.layers, convs, hw).c_str(), stdout);
  }
  std::printf("\nAccuracy\n");
  std::printf("  %-46s %d/%d = %s\n",
              (std::string(engine) + " on test images " + std::to_string(o.first) + ".." +
               std::to_string(o.first + n_run - 1))
                  .c_str(),
              correct, n_run, pct(correct, n_run).c_str());
  if (!o.golden_only) {
    std::printf("  %-46s %d/%d = %s  (%s; %d/%d predictions agree)\n",
                "golden model on the same images", golden_correct, n_run,
                pct(golden_correct, n_run).c_str(),
                golden_correct == correct ? "equal" : "DIFFERENT", agree, n_run);
    int rtl_layers = 0;
    for (const LayerReport& l : layers) rtl_layers += l.rtl;
    const int layers_checked = rtl_layers * n_run;
    std::printf("  %-46s %s\n", "RTL vs golden, every conv layer of every image",
                mismatch.empty() ? ("bit-exact (" + std::to_string(layers_checked) +
                                    " layer runs, y and int32 acc)")
                                       .c_str()
                                 : "MISMATCH (below); stopped after that image");
  }
  bool sweep_bad = false;
  if (o.no_sweep) {
    std::printf("  %-46s %s\n", "golden model on all test images", "skipped (--no-golden-sweep)");
  } else if (!sweep.error().empty()) {
    std::printf("  golden model on all test images: ERROR %s\n", sweep.error().c_str());
    sweep_bad = true;
  } else {
    std::string check;
    if (expected.have && expected.n_test == data.images.count) {
      const bool ok = expected.correct == sweep_correct;
      sweep_bad = !ok;
      check = std::string("; ") + base_of(expected.path) + ": " + std::to_string(expected.correct) +
              "/" + std::to_string(expected.n_test) + " " + (ok ? "match" : "DIFFERENT");
    }
    std::printf(
        "  %-46s %d/%d = %s  (%.1f s, %zu threads%s)\n",
        ("golden model on all " + std::to_string(data.images.count) + " test images").c_str(),
        sweep_correct, data.images.count, pct(sweep_correct, data.images.count).c_str(), sweep_wall,
        workers.threads.size() + 1, check.c_str());
    if (sweep_agree != n_run) {
      std::printf("  the golden test-set pass disagrees with %s on %d of the %d images\n", engine,
                  n_run - sweep_agree, n_run);
      sweep_bad = true;
    }
  }
  if (expected.have) {
    std::printf("  %-46s %s\n", ("int32 logits vs " + base_of(expected.path)).c_str(),
                logits_checked == 0
                    ? "none of these images is in the file"
                    : (std::to_string(logits_checked - logits_bad) + "/" +
                       std::to_string(logits_checked) + " images bit-exact" +
                       (logits_bad ? " (first difference: " + logits_first_bad + ")" : ""))
                          .c_str());
  }
  if (!overflow.empty()) {
    std::printf("  note: golden int32 accumulator overflow (wraps): %s\n", overflow.c_str());
  }
  std::printf("  wall time %.1f s (%s %.2f s per image)\n", seconds_since(t0), engine,
              n_run > 0 ? rtl_wall / n_run : 0.0);
  if (!mismatch.empty()) std::fprintf(stderr, "escalate: %s\n", mismatch.c_str());
  std::fflush(stdout);

  if (!o.json.empty()) {
    json j;
    j["model"] = net.name;
    j["model_path"] = model_path;
    j["sidecar"] = model.sidecar_path;
    j["coef_w"] = model.coef_w;
    j["images_path"] = data.images_path;
    j["labels_path"] = data.labels_path;
    j["first"] = o.first;
    j["images"] = n_run;
    j["rtl"] = !o.golden_only;
    j["correct"] = correct;
    j["accuracy"] = n_run > 0 ? static_cast<double>(correct) / n_run : 0.0;
    j["golden_correct_same_images"] = golden_correct;
    j["bit_exact"] = mismatch.empty();
    j["mismatch"] = mismatch;
    if (!o.no_sweep && sweep.error().empty()) {
      j["golden_test_set"] = {{"n", data.images.count},
                              {"correct", sweep_correct},
                              {"accuracy", static_cast<double>(sweep_correct) / data.images.count},
                              {"wall_s", sweep_wall}};
    }
    if (expected.have) {
      j["expected"] = {{"path", expected.path},
                       {"n_test", expected.n_test},
                       {"correct", expected.correct},
                       {"logits_checked", logits_checked},
                       {"logits_mismatches", logits_bad}};
    }
    json per = json::array();
    for (const ImageResult& r : results) {
      per.push_back(
          {{"index", r.index}, {"label", r.label}, {"pred", r.pred}, {"logits", r.logits}});
    }
    j["per_image"] = per;
    if (!o.golden_only) {
      j["report"] = to_json(rep);
      json lanes = json::array();
      for (const NetOp* op : convs) {
        const LaneBalance b = lane_balance(op->conv.coef, hw);
        lanes.push_back({{"name", op->name},
                         {"nnz", b.nnz},
                         {"min", b.min},
                         {"max", b.max},
                         {"mean", b.mean()},
                         {"balance", b.balance()},
                         {"cau_tile_cycles", b.cau_tile_cycles},
                         {"cau_efficiency", b.cau_efficiency()}});
      }
      j["lanes"] = lanes;
    }
    j["wall_s"] = seconds_since(t0);
    j["seconds_per_image"] = n_run > 0 ? rtl_wall / n_run : 0.0;
    write_file_atomic(o.json, j.dump(2) + "\n");
  }
  if (!mismatch.empty()) return kExitMismatch;
  if (sweep_bad || logits_bad > 0 || (!o.golden_only && golden_correct != correct)) {
    std::fprintf(stderr, "escalate: classify: the integer network disagrees with %s (see above)\n",
                 expected.have ? expected.path.c_str() : "itself");
    return kExitMismatch;
  }
  return kExitOk;
}

}  // namespace esc::cli
