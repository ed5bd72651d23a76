// escalate run: a whole network, layer by layer, on the RTL and the golden model.
#include <sys/stat.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>

#include "cli.hpp"
#include "esc/accel.hpp"
#include "esc/model_file.hpp"
#include "esc/report.hpp"
#include "esc/scoreboard.hpp"
#include "esc/workload.hpp"

namespace esc::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void print_model_list(const Model& m) {
  std::printf("%s (%s): %zu conv layers\n", m.name.c_str(), m.path.c_str(), m.layers.size());
  std::printf("%-3s %-24s %5s %5s %9s %9s %2s %2s %3s %2s %7s %12s %12s\n", "#", "name", "C", "N",
              "HxW", "HoxWo", "K", "s", "pad", "M", "density", "dense MACs", "useful MACs");
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const ModelLayer& l = m.layers[i];
    const ModelMacs mm = expected_macs(l);
    std::printf("%-3zu %-24s %5d %5d %4dx%-4d %4dx%-4d %2d %2d %3d %2d %7.3f %12lld %12lld\n", i,
                l.name.c_str(), l.C, l.N, l.H, l.W, l.Ho(), l.Wo(), l.K, l.stride, l.pad, l.M,
                l.density, static_cast<long long>(mm.dense), static_cast<long long>(mm.useful));
  }
  const ModelMacs t = expected_macs(m);
  std::printf("total: dense %lld MACs, useful %lld MACs (%.2f %% kept; basis %lld + coef %lld)\n",
              static_cast<long long>(t.dense), static_cast<long long>(t.useful),
              100.0 * static_cast<double>(t.useful) / static_cast<double>(t.dense),
              static_cast<long long>(t.basis), static_cast<long long>(t.coef));
}

// --energy-plot, or <plot without .svg>-energy.svg beside --plot, or "" (no energy plot).
std::string energy_plot_path(const RunOptions& o) {
  if (!o.energy_plot.empty() || o.plot.empty()) return o.energy_plot;
  const std::string stem = o.plot.size() > 4 && o.plot.compare(o.plot.size() - 4, 4, ".svg") == 0
                               ? o.plot.substr(0, o.plot.size() - 4)
                               : o.plot;
  return stem + "-energy.svg";
}

// --baseline, or baselines.json in the model file's directory if it exists, or "".
std::string baseline_path(const RunOptions& o, const std::string& model_path) {
  if (o.no_baseline) return "";
  if (!o.baseline.empty()) {
    if (!std::ifstream(o.baseline)) throw InputError("--baseline " + o.baseline + ": cannot read");
    return o.baseline;
  }
  const size_t slash = model_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : model_path.substr(0, slash);
  const std::string guess = dir + "/baselines.json";
  struct stat st {};
  return ::stat(guess.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? guess : "";
}

void progress(bool on, size_t done, size_t total, const std::string& name, double elapsed) {
  if (!on) return;
  const int width = 30;
  const int fill = total == 0 ? width : static_cast<int>(width * done / total);
  std::string bar(static_cast<size_t>(fill), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r[%s] %zu/%zu %-22.22s %6.1f s ", bar.c_str(), done, total, name.c_str(),
               elapsed);
  std::fflush(stderr);
}

}  // namespace

int cmd_run(const RunOptions& o) {
  const Clock::time_point t0 = Clock::now();
  check_output_path(o.json, "--json");
  check_output_path(o.md, "--md");
  check_output_path(o.plot, "--plot");
  const std::string eplot = energy_plot_path(o);
  check_output_path(eplot, "--energy-plot");
  const EnergyTable table =
      o.energy_table.empty() ? default_energy_table() : load_energy_table(o.energy_table);
  if (o.trace) check_output_path(o.trace_path, "--trace-file");
  const std::string path = resolve_model(o.model, models_dir());
  const Model model = load_model(path);
  if (o.list) {
    print_model_list(model);
    return kExitOk;
  }
  std::vector<size_t> idx;
  if (o.layers.empty()) {
    for (size_t i = 0; i < model.layers.size(); ++i) idx.push_back(i);
  } else {
    idx = select_layers(model, o.layers);
  }

  AccelOptions aopt;
  aopt.seed = o.seed;
  aopt.idle_prob = o.idle_prob;
  aopt.backpressure_prob = o.backpressure_prob;
  if (o.trace) aopt.fst_path = o.trace_path.empty() ? model.name + ".fst" : o.trace_path;
  Accel accel(aopt);
  RunReport rep;
  rep.model = model.name;
  rep.model_path = path;
  rep.seed = o.seed;
  const DensityMode dmode = o.density == "tuned"    ? DensityMode::kTuned
                            : o.density == "spread" ? DensityMode::kSpread
                                                    : DensityMode::kUniform;
  const double d_uniform = uniform_density(model);
  rep.density_mode = density_mode_name(dmode);
  rep.caps = accel.caps();
  rep.energy_table = table;
  rep.area = default_area_model();
  const std::string baseline = baseline_path(o, path);
  const HwCaps& hw = rep.caps;
  const int max_dim = accel.max_dim();

  const bool bar = !o.quiet && stderr_is_tty();
  const uint64_t cycle0 = accel.cycle();
  bool rtl_error = false;
  // Every layer and its golden metrics first; then the RTL runs all RTL-capable layers as one
  // schedule (each pass's loads overlap the pass before it, also across layers) while the
  // golden model runs on a second thread.
  std::vector<IntLayer> layers;
  layers.reserve(idx.size());
  for (size_t k = 0; k < idx.size(); ++k) {
    const size_t i = idx[k];
    const ModelLayer& ml = model.layers[i];
    LayerReport lr;
    lr.name = ml.name;
    lr.density_target = dmode == DensityMode::kTuned ? ml.density : d_uniform;
    lr.seed = layer_seed(o.seed, i);
    layers.push_back(make_model_layer(ml, o.seed, i, dmode, d_uniform));
    fill_golden_metrics(lr, layers.back(), hw);
    if (ml.K > hw.K_MAX) {
      lr.rtl = false;
      lr.note = "golden-only (K=" + std::to_string(ml.K) + ")";
    } else if (const std::string why = rtl_unsupported(layers.back(), hw, max_dim); !why.empty()) {
      lr.rtl = false;
      lr.note = "golden-only (" + why + ")";
    }
    rep.layers.push_back(lr);
  }
  std::future<std::vector<IntResult>> gold = std::async(std::launch::async, [&layers] {
    std::vector<IntResult> g;
    g.reserve(layers.size());
    for (const IntLayer& l : layers) g.push_back(run_int(l));
    return g;
  });
  std::vector<size_t> on_rtl;  // positions in layers / rep.layers
  std::vector<const IntLayer*> rtl_layers;
  for (size_t k = 0; k < layers.size(); ++k) {
    if (rep.layers[k].rtl) {
      on_rtl.push_back(k);
      rtl_layers.push_back(&layers[k]);
    }
  }
  std::vector<AccelResult> rtl(layers.size());
  std::vector<std::string> rtl_err(layers.size());
  Clock::time_point tl = Clock::now();
  auto layer_done = [&](size_t r) {
    const size_t k = on_rtl[r];
    rep.layers[k].wall_s = seconds_since(tl);
    tl = Clock::now();
    progress(bar, r + 1, on_rtl.size(), rep.layers[k].name, seconds_since(t0));
  };
  try {
    std::vector<AccelResult> all = accel.run_layers(rtl_layers, layer_done);
    for (size_t r = 0; r < on_rtl.size(); ++r) rtl[on_rtl[r]] = std::move(all[r]);
  } catch (const std::exception&) {
    // Isolate the failure: run the layers one at a time, each error reported on its layer.
    accel.reset();
    for (size_t r = 0; r < on_rtl.size(); ++r) {
      const size_t k = on_rtl[r];
      tl = Clock::now();
      try {
        rtl[k] = accel.run_layer(layers[k]);
      } catch (const std::exception& e) {
        const auto* ae = dynamic_cast<const AccelError*>(&e);
        rep.layers[k].note =
            std::string("RTL ERROR") + (ae ? " (code " + std::to_string(ae->code) + ")" : "");
        rtl_err[k] = e.what();
        accel.reset();
      }
      layer_done(r);
    }
  }
  const std::vector<IntResult> golden = gold.get();
  for (size_t k = 0; k < layers.size(); ++k) {
    LayerReport& lr = rep.layers[k];
    const ModelLayer& ml = model.layers[idx[k]];
    const IntLayer& layer = layers[k];
    if (lr.rtl && rtl_err[k].empty()) {
      const AccelResult& r = rtl[k];
      if (r.stats.channel_groups > 1) {
        lr.note = "C-split x" + std::to_string(r.stats.channel_groups) +
                  " (RTL acc summed, y requantised on the host)";
      }
      lr.cycles = r.stats.perf.total;
      lr.ld_beats = r.stats.perf.ld_beats;
      lr.ld_idle = r.stats.ld_idle;
      lr.bcu_cycles = r.stats.perf.bcu;
      lr.cau_cycles = r.stats.perf.cau;
      lr.stall_cycles = r.stats.perf.stall;
      lr.passes = r.stats.passes;
      lr.load_bytes = r.stats.load_bytes;
      lr.result_bytes = r.stats.result_bytes;
      lr.events = r.stats.events;
      lr.checked = true;
    } else if (lr.rtl) {
      lr.mismatch =
          "layer " + ml.name + ": " + rtl_err[k] + " (seed " + std::to_string(lr.seed) + ")";
      rtl_error = true;
      if (rep.error.empty()) rep.error = lr.mismatch;
    }
    const IntResult& g = golden[k];
    lr.overflow = g.overflow;
    if (g.overflow) lr.note += (lr.note.empty() ? "" : "; ") + std::string("acc overflow (wraps)");
    if (lr.checked) {
      const auto mm = Scoreboard(ml.name, lr.seed).compare(layer, g, rtl[k], hw, max_dim);
      lr.mismatch = mm ? mm->report : "";
      lr.match = lr.mismatch.empty();
      if (!lr.match) {
        lr.mismatch += "; replay: escalate run --model " + model.name + " --density " +
                       rep.density_mode + " --seed " + std::to_string(o.seed) + " --layers " +
                       ml.name;
      }
    }
    if (!lr.mismatch.empty()) {
      if (bar) std::fprintf(stderr, "\n");
      std::fprintf(stderr, "escalate: %s\n", lr.mismatch.c_str());
    }
  }
  progress(bar, idx.size(), idx.size(), "done", seconds_since(t0));
  if (bar) std::fprintf(stderr, "\n");
  rep.wall_s = seconds_since(t0);
  rep.sim_cycles = accel.cycle() - cycle0;
  // A bad baseline costs the sparse engine, not the run: warn and report without it.
  try {
    if (!baseline.empty() && attach_sparse_baseline(rep, baseline) == 0) {
      std::fprintf(stderr, "escalate: note: %s names none of the run's layers; no sparse engine\n",
                   baseline.c_str());
    }
  } catch (const std::invalid_argument& e) {
    for (auto& l : rep.layers) l.sparse_nnz = l.sparse_bits = 0;
    rep.sparse_baseline.clear();
    std::fprintf(stderr, "escalate: warning: %s; reporting no sparse engine\n", e.what());
  }

  std::printf(
      "escalate run: model %s (%s), seed %llu, densities %s%s, T=%d L=%d M_MAX=%d K_MAX=%d\n\n",
      model.name.c_str(), path.c_str(), static_cast<unsigned long long>(o.seed),
      rep.density_mode.c_str(),
      dmode == DensityMode::kTuned
          ? ""
          : (" (" + std::to_string(100.0 * d_uniform).substr(0, 5) + " % every layer)").c_str(),
      hw.T, hw.L, hw.M_MAX, hw.K_MAX);
  std::fputs(format_table(rep).c_str(), stdout);
  std::fflush(stdout);
  if (!o.json.empty()) write_file_atomic(o.json, to_json(rep).dump(2) + "\n");
  if (!o.md.empty()) write_file_atomic(o.md, to_markdown(rep));
  if (!o.plot.empty()) write_file_atomic(o.plot, to_svg(rep));
  if (!eplot.empty()) write_file_atomic(eplot, to_energy_svg(rep));
  if (rtl_error) return kExitRtl;
  return rep.totals().mismatches > 0 ? kExitMismatch : kExitOk;
}

}  // namespace esc::cli
