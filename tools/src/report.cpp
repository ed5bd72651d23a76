// Report records and renderings for `escalate run`.
#include "esc/report.hpp"

#include "esc/tiling.hpp"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace esc {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string shape_of(const LayerConfig& c) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%dx%dx%d>%dx%dx%d k%ds%d", c.C, c.H, c.W, c.N, c.Ho(), c.Wo(),
                c.K, c.stride);
  return buf;
}

double safe_div(double a, double b) {
  return b > 0.0 ? a / b : 0.0;
}

std::string check_text(const LayerReport& l) {
  if (!l.checked) return l.note.empty() ? "not run" : l.note;
  return l.match ? "match" : "MISMATCH";
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += ch;
    }
  }
  return o;
}

}  // namespace

double LayerReport::density() const {
  return safe_div(static_cast<double>(nnz), static_cast<double>(cfg.N) * cfg.C * cfg.M);
}
double LayerReport::utilisation() const {
  if (!rtl || cycles == 0) return 0.0;
  return safe_div(static_cast<double>(metrics.useful_macs),
                  static_cast<double>(metrics.bcu_mults + metrics.cau_mults) * cycles);
}
double LayerReport::speedup() const {
  if (!rtl || cycles == 0) return 0.0;
  return safe_div(metrics.dense_cycles, static_cast<double>(cycles));
}
double LayerReport::speedup_e2e() const {
  if (!rtl || cycles == 0) return 0.0;
  return safe_div(metrics.dense_e2e_cycles, static_cast<double>(e2e_cycles()));
}
double LayerReport::cr_fp32() const {
  return safe_div(static_cast<double>(cfg.N) * cfg.C * cfg.K * cfg.K * 32.0,
                  static_cast<double>(bits.total));
}
uint64_t LayerReport::needed_load_bytes() const {
  const uint64_t bias_bits = hw::bias_beat::kShift.lsb + hw::bias_beat::kShift.width;
  const uint64_t weight_bits = static_cast<uint64_t>(bits.total) + bias_bits * cfg.N;
  return static_cast<uint64_t>(cfg.C) * cfg.H * cfg.W + (weight_bits + 7) / 8;
}

double LayerReport::cr_int8() const {
  return safe_div(static_cast<double>(cfg.N) * cfg.C * cfg.K * cfg.K * 8.0,
                  static_cast<double>(bits.total));
}

void fill_golden_metrics(LayerReport& r, const IntLayer& layer, const HwCaps& hw) {
  r.cfg = layer.cfg;
  EncodedCoef enc = encode_coef(layer.coef, hw.L);
  r.nnz = enc.nnz();
  r.metrics = layer_metrics(layer.cfg, r.nnz, hw);
  r.bits = storage_bits(layer.cfg, enc);
}

double LaneBalance::balance() const {
  return max > 0 ? mean() / static_cast<double>(max) : 1.0;
}

double LaneBalance::cau_efficiency() const {
  return cau_tile_cycles > 0 ? mean() / static_cast<double>(cau_tile_cycles) : 0.0;
}

LaneBalance lane_balance(const CoefT& coef, int lanes) {
  LaneBalance b;
  b.lanes = std::max(1, lanes);
  const int N = static_cast<int>(coef.dimension(0)), C = static_cast<int>(coef.dimension(1)),
            M = static_cast<int>(coef.dimension(2));
  std::vector<int64_t> per_lane(static_cast<size_t>(b.lanes), 0), cycles = per_lane;
  std::vector<int64_t> column(static_cast<size_t>(b.lanes));
  for (int c = 0; c < C; ++c) {
    std::fill(column.begin(), column.end(), 0);
    for (int n = 0; n < N; ++n) {
      for (int m = 0; m < M; ++m) column[static_cast<size_t>(n % b.lanes)] += coef(n, c, m) != 0;
    }
    for (size_t l = 0; l < column.size(); ++l) {
      per_lane[l] += column[l];
      cycles[l] += std::max<int64_t>(1, column[l]);
    }
  }
  for (int64_t e : per_lane) b.nnz += e;
  b.min = *std::min_element(per_lane.begin(), per_lane.end());
  b.max = *std::max_element(per_lane.begin(), per_lane.end());
  b.cau_tile_cycles = *std::max_element(cycles.begin(), cycles.end());
  return b;
}

LaneBalance lane_balance(const CoefT& coef, const HwCaps& hw) {
  const std::vector<int> order = balanced_order(coef, hw);
  CoefT c = coef;
  const int C = static_cast<int>(coef.dimension(1)), M = static_cast<int>(coef.dimension(2));
  for (size_t i = 0; i < order.size(); ++i) {
    for (int ci = 0; ci < C; ++ci) {
      for (int m = 0; m < M; ++m) c(static_cast<int>(i), ci, m) = coef(order[i], ci, m);
    }
  }
  return lane_balance(c, hw.L);
}

double RunTotals::measured_over_ideal() const {
  return safe_div(static_cast<double>(cycles), ideal_cycles);
}
double RunTotals::speedup() const {
  return safe_div(dense_cycles, static_cast<double>(cycles));
}
double RunTotals::speedup_e2e() const {
  return safe_div(dense_e2e_cycles, static_cast<double>(e2e_cycles));
}
double RunTotals::utilisation(const HwCaps& hw) const {
  const double mults = static_cast<double>(multipliers(hw));
  return safe_div(static_cast<double>(useful_macs_rtl), mults * static_cast<double>(cycles));
}
double RunTotals::kept_macs() const {
  return safe_div(static_cast<double>(useful_macs), static_cast<double>(dense_macs));
}

RunTotals RunReport::totals() const {
  RunTotals t;
  for (const auto& l : layers) {
    ++t.layers;
    t.useful_macs += l.metrics.useful_macs;
    t.dense_macs += l.metrics.dense_macs;
    t.storage_bits += l.bits.total;
    t.dense_weights += static_cast<int64_t>(l.cfg.N) * l.cfg.C * l.cfg.K * l.cfg.K;
    if (l.checked) ++t.checked;
    if (l.checked && !l.match) ++t.mismatches;
    if (!l.rtl) {
      ++t.golden_only;
      continue;
    }
    ++t.rtl_layers;
    t.cycles += l.cycles;
    t.e2e_cycles += l.e2e_cycles();
    t.ideal_cycles += l.metrics.ideal_cycles;
    t.dense_cycles += l.metrics.dense_cycles;
    t.dense_e2e_cycles += l.metrics.dense_e2e_cycles;
    t.useful_macs_rtl += l.metrics.useful_macs;
    t.load_bytes += l.load_bytes;
    t.needed_load_bytes += l.needed_load_bytes();
    t.result_bytes += l.result_bytes;
  }
  return t;
}

double AreaModel::sram_um2(int64_t bits) const {
  double eff = efficiency.empty() ? 1.0 : efficiency.back().second;
  for (const auto& [min_bits, e] : efficiency) {
    if (bits >= min_bits) {
      eff = e;
      break;
    }
  }
  return static_cast<double>(bits) * bitcell_um2 / eff;
}

AreaModel load_area_model(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(path + ": cannot open the area model");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    throw std::invalid_argument(path + ": not JSON (" + e.what() +
                                "); regenerate it with "
                                "`python3 synth/synth.py doc`");
  }
  auto num = [&](const nlohmann::json& o, const char* key) {
    if (!o.is_object() || !o.contains(key) || !o[key].is_number() || o[key].get<double>() < 0) {
      throw std::invalid_argument(path + ": field '" + key +
                                  "' missing or not a non-negative number; regenerate it with "
                                  "`python3 synth/synth.py doc`");
    }
    return o[key].get<double>();
  };
  AreaModel a;
  const nlohmann::json& c = j.value("config", nlohmann::json::object());
  a.caps.T = static_cast<int>(num(c, "T"));
  a.caps.L = static_cast<int>(num(c, "L"));
  a.caps.M_MAX = static_cast<int>(num(c, "M_MAX"));
  a.caps.C_MAX = static_cast<int64_t>(num(c, "C_MAX"));
  a.caps.N_MAX = static_cast<int64_t>(num(c, "N_MAX"));
  a.caps.ifmap_bytes = static_cast<int64_t>(num(c, "ifmap_bytes"));
  a.caps.coef_depth = static_cast<int64_t>(num(c, "coef_depth"));
  a.caps.coef_w = static_cast<int>(num(c, "coef_w"));
  a.caps.basis_per_ch = static_cast<int>(num(c, "basis_per_ch"));
  const nlohmann::json& e = j.value("escalate", nlohmann::json::object());
  a.esc_logic_um2 = num(e, "logic_um2");
  a.esc_sram_um2 = num(e, "sram_um2");
  a.esc_sram_bits = static_cast<int64_t>(num(e, "sram_bits"));
  a.dense_logic_um2 = num(j.value("dense", nlohmann::json::object()), "logic_um2");
  const nlohmann::json& m = j.value("sram_model", nlohmann::json::object());
  a.bitcell_um2 = num(m, "bitcell_um2");
  if (!m.contains("efficiency") || !m["efficiency"].is_array() || m["efficiency"].empty()) {
    throw std::invalid_argument(path +
                                ": field 'sram_model.efficiency' must be a non-empty "
                                "array of [min_bits, efficiency]");
  }
  for (const auto& p : m["efficiency"]) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number() ||
        p[1].get<double>() <= 0.0 || p[1].get<double>() > 1.0) {
      throw std::invalid_argument(path +
                                  ": 'sram_model.efficiency' entries must be "
                                  "[min_bits, efficiency in (0, 1]]");
    }
    a.efficiency.emplace_back(p[0].get<int64_t>(), p[1].get<double>());
  }
  std::sort(a.efficiency.begin(), a.efficiency.end(),
            [](const auto& x, const auto& y) { return x.first > y.first; });
  return a;
}

AreaEfficiency RunReport::area_efficiency() const {
  AreaEfficiency r;
  if (!area) {
    r.why = "no area model (synth/results/area.json)";
    return r;
  }
  const HwCaps& a = area->caps;
  if (a.T != caps.T || a.L != caps.L || a.M_MAX != caps.M_MAX || a.C_MAX != caps.C_MAX ||
      a.N_MAX != caps.N_MAX || a.ifmap_bytes != caps.ifmap_bytes ||
      a.coef_depth != caps.coef_depth || a.coef_w != caps.coef_w ||
      a.basis_per_ch != caps.basis_per_ch) {
    r.why = "the area model describes another build";
    return r;
  }
  const RunTotals t = totals();
  if (t.rtl_layers == 0 || t.e2e_cycles == 0) {
    r.why = "no RTL layer ran";
    return r;
  }
  for (const LayerReport& l : layers) {
    if (!l.rtl) continue;
    const RefEvents ev = dense_reference(l.cfg, caps, energy_table);
    r.dense_buffer_bits =
        std::max(r.dense_buffer_bits, 8 * (ev.in_buf_bytes + ev.w_buf_bytes + ev.psum_buf_bytes));
  }
  const double P = static_cast<double>(multipliers(caps));
  r.esc_mm2 = (area->esc_logic_um2 + area->esc_sram_um2) / 1e6;
  r.dense_mm2 = (area->dense_logic_um2 + area->sram_um2(r.dense_buffer_bits)) / 1e6;
  r.esc = P * t.speedup_e2e() / r.esc_mm2;
  r.dense = P / r.dense_mm2;
  r.valid = r.esc_mm2 > 0.0 && r.dense_mm2 > 0.0;
  if (!r.valid) r.why = "zero area in the area model";
  return r;
}

double RunReport::sim_cycles_per_s() const {
  const uint64_t c = sim_cycles > 0 ? sim_cycles : totals().cycles;
  return safe_div(static_cast<double>(c), wall_s);
}

LayerEnergy layer_energy(const LayerReport& l, const HwCaps& hw, const EnergyTable& t,
                         double dram_scale) {
  LayerEnergy e;
  e.dense_ev = dense_reference(l.cfg, hw, t);
  e.dense = reference_energy(e.dense_ev, t, dram_scale);
  if (l.rtl && l.cycles > 0) {
    e.escalate_known = true;
    e.escalate = escalate_energy(l.events, hw, t, dram_scale);
  }
  if (l.sparse_nnz > 0) {
    e.sparse_known = true;
    e.sparse_ev = sparse_reference(l.cfg, hw, t, l.sparse_nnz, l.sparse_bits);
    e.sparse = reference_energy(e.sparse_ev, t, dram_scale);
  }
  return e;
}

double LayerEnergy::ratio_dense() const {
  return escalate_known ? safe_div(dense.total(), escalate.total()) : 0.0;
}
double LayerEnergy::ratio_sparse() const {
  return escalate_known && sparse_known ? safe_div(sparse.total(), escalate.total()) : 0.0;
}
double RunEnergy::ratio_dense() const {
  return safe_div(dense.total(), escalate.total());
}
double RunEnergy::ratio_sparse() const {
  return sparse_known() ? safe_div(sparse.total(), escalate.total()) : 0.0;
}

RunEnergy RunReport::energy(double dram_scale) const {
  RunEnergy n;
  for (const auto& l : layers) {
    const LayerEnergy e = layer_energy(l, caps, energy_table, dram_scale);
    if (!e.escalate_known) continue;
    ++n.layers;
    n.escalate += e.escalate;
    n.dense += e.dense;
    if (e.sparse_known) {
      ++n.sparse_layers;
      n.sparse += e.sparse;
    }
  }
  return n;
}

int attach_sparse_baseline(RunReport& r, const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("sparse baseline " + path + ": cannot open the file");
  nlohmann::json j;
  try {
    f >> j;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("sparse baseline " + path + ": not valid JSON: " + e.what());
  }
  const nlohmann::json* layers = nullptr;
  if (j.contains("baselines") && j["baselines"].contains("magnitude") &&
      j["baselines"]["magnitude"].contains("layers")) {
    layers = &j["baselines"]["magnitude"]["layers"];
  }
  if (layers == nullptr || !layers->is_array()) {
    throw std::invalid_argument("sparse baseline " + path +
                                ": no baselines.magnitude.layers array (models/fmnist format)");
  }
  int matched = 0;
  for (const auto& b : *layers) {
    const std::string name = b.value("name", "");
    for (auto& l : r.layers) {
      if (l.name != name) continue;
      const int64_t dense = int64_t{l.cfg.N} * l.cfg.C * l.cfg.K * l.cfg.K;
      const int64_t nnz = b.value("nnz", int64_t{0}), bits = b.value("storage_bits", int64_t{0});
      if (b.value("dense", int64_t{-1}) != dense || nnz <= 0 || nnz > dense || bits <= 0) {
        throw std::invalid_argument("sparse baseline " + path + ": layer " + name +
                                    " does not fit the model's layer (dense " +
                                    std::to_string(dense) + " weights)");
      }
      l.sparse_nnz = nnz;
      l.sparse_bits = bits;
      ++matched;
    }
  }
  if (matched > 0) r.sparse_baseline = path;
  return matched;
}

namespace {

std::string uj(double pj) {
  return fmt("%.2f", pj * 1e-6);
}

// "DRAM 61 %": the dominant term and its share.
std::string dominant_text(const EnergyBreakdown& b) {
  const EnergyTerm d = b.dominant();
  const double v = d == EnergyTerm::kMac ? b.mac : d == EnergyTerm::kSram ? b.sram : b.dram;
  return std::string(energy_term_name(d)) + " " + fmt("%.0f %%", 100.0 * safe_div(v, b.total()));
}

// The memory of ESCALATE whose SRAM energy is largest, with its share of the SRAM term.
std::string top_memory(const EnergyBreakdown& b) {
  int best = 0;
  for (int i = 1; i < kNumMems; ++i)
    if (b.mem[i] > b.mem[best]) best = i;
  return std::string(mem_name(static_cast<Mem>(best))) + " " +
         fmt("%.0f %%", 100.0 * safe_div(b.mem[best], b.sram));
}

std::string energy_heading(const RunReport& r) {
  const EnergyTable& t = r.energy_table;
  return "energy per inference, " + t.node + " table (" + t.origin + ", DRAM " +
         fmt("%.2f", t.dram_pj_per_byte) +
         " pJ/B; docs/energy.md); ESCALATE from the event counters, dense/sparse: SPEC 5b "
         "reference engines (weight-stationary, same " +
         std::to_string(multipliers(r.caps)) + " multipliers)";
}

nlohmann::json breakdown_json(const EnergyBreakdown& b, bool escalate) {
  nlohmann::json j = {{"mac_pj", b.mac},
                      {"sram_pj", b.sram},
                      {"dram_pj", b.dram},
                      {"total_pj", b.total()},
                      {"dominant", energy_term_name(b.dominant())}};
  nlohmann::json m;
  if (escalate) {
    for (int i = 0; i < kNumMems; ++i) m[mem_name(static_cast<Mem>(i))] = b.mem[i];
    j["sram_by_memory_pj"] = m;
  } else {
    j["sram_by_buffer_pj"] = {{"input", b.mem[0]}, {"weight", b.mem[1]}, {"psum", b.mem[2]}};
  }
  return j;
}

nlohmann::json ref_json(const EnergyBreakdown& b, const RefEvents& ev) {
  nlohmann::json j = breakdown_json(b, false);
  j["tile"] = {{"input_channels", ev.pc}, {"output_channels", ev.pn}};
  j["events"] = {{"macs", ev.macs},
                 {"weight_bytes", ev.w_bytes},
                 {"input_bytes", ev.in_bytes},
                 {"input_buffer_reads_bytes", ev.in_reads},
                 {"psum_reads", ev.psum_reads},
                 {"psum_writes", ev.psum_writes},
                 {"output_bytes", ev.out_bytes},
                 {"dram_bytes", ev.dram_bytes()}};
  j["buffers_bytes"] = {
      {"input", ev.in_buf_bytes}, {"weight", ev.w_buf_bytes}, {"psum", ev.psum_buf_bytes}};
  return j;
}

std::string energy_text(const RunReport& r) {
  std::ostringstream o;
  char buf[512];
  o << "\nEnergy (" << energy_heading(r) << "), uJ:\n";
  std::snprintf(buf, sizeof buf,
                "%-3s %-20s %9s %8s %8s %8s %-9s %9s %8s %8s %8s %-9s %8s %8s %8s %9s %8s\n", "#",
                "layer", "ESCALATE", "MAC", "SRAM", "DRAM", "dominant", "dense", "MAC", "SRAM",
                "DRAM", "dominant", "dense/E", "DRAMx.5", "DRAMx2", "sparse", "sparse/E");
  o << buf;
  int i = 0;
  for (const auto& l : r.layers) {
    const LayerEnergy e = layer_energy(l, r.caps, r.energy_table);
    const LayerEnergy lo = layer_energy(l, r.caps, r.energy_table, 0.5);
    const LayerEnergy hi = layer_energy(l, r.caps, r.energy_table, 2.0);
    const bool k = e.escalate_known;
    std::snprintf(buf, sizeof buf,
                  "%-3d %-20.20s %9s %8s %8s %8s %-9s %9s %8s %8s %8s %-9s %8s %8s %8s %9s %8s\n",
                  i++, l.name.c_str(), k ? uj(e.escalate.total()).c_str() : "-",
                  k ? uj(e.escalate.mac).c_str() : "-", k ? uj(e.escalate.sram).c_str() : "-",
                  k ? uj(e.escalate.dram).c_str() : "-",
                  k ? energy_term_name(e.escalate.dominant()) : "-", uj(e.dense.total()).c_str(),
                  uj(e.dense.mac).c_str(), uj(e.dense.sram).c_str(), uj(e.dense.dram).c_str(),
                  energy_term_name(e.dense.dominant()),
                  k ? fmt("%.2fx", e.ratio_dense()).c_str() : "-",
                  k ? fmt("%.2fx", lo.ratio_dense()).c_str() : "-",
                  k ? fmt("%.2fx", hi.ratio_dense()).c_str() : "-",
                  e.sparse_known ? uj(e.sparse.total()).c_str() : "-",
                  e.sparse_known && k ? fmt("%.2fx", e.ratio_sparse()).c_str() : "-");
    o << buf;
  }
  const RunEnergy n = r.energy(), n_lo = r.energy(0.5), n_hi = r.energy(2.0);
  if (n.layers == 0) {
    o << "  (no RTL layer: no ESCALATE energy)\n";
    return o.str();
  }
  std::snprintf(
      buf, sizeof buf,
      "  network (%d RTL layers)  ESCALATE %s uJ (MAC %s, SRAM %s, DRAM %s; dominant %s;"
      " largest SRAM term %s)\n"
      "                           dense    %s uJ (MAC %s, SRAM %s, DRAM %s; dominant %s)\n",
      n.layers, uj(n.escalate.total()).c_str(), uj(n.escalate.mac).c_str(),
      uj(n.escalate.sram).c_str(), uj(n.escalate.dram).c_str(), dominant_text(n.escalate).c_str(),
      top_memory(n.escalate).c_str(), uj(n.dense.total()).c_str(), uj(n.dense.mac).c_str(),
      uj(n.dense.sram).c_str(), uj(n.dense.dram).c_str(), dominant_text(n.dense).c_str());
  o << buf;
  if (n.sparse_known()) {
    std::snprintf(buf, sizeof buf,
                  "                           sparse   %s uJ (MAC %s, SRAM %s, DRAM %s; dominant "
                  "%s; baseline %s)\n",
                  uj(n.sparse.total()).c_str(), uj(n.sparse.mac).c_str(), uj(n.sparse.sram).c_str(),
                  uj(n.sparse.dram).c_str(), dominant_text(n.sparse).c_str(),
                  r.sparse_baseline.c_str());
    o << buf;
  } else {
    o << "                           sparse   - (no pruned baseline for "
      << (n.sparse_layers == 0 ? "this model" : "every layer") << ")\n";
  }
  std::snprintf(buf, sizeof buf,
                "  energy ratio dense / ESCALATE  %.2fx  (DRAM cost x0.5: %.2fx, x2: %.2fx)\n",
                n.ratio_dense(), n_lo.ratio_dense(), n_hi.ratio_dense());
  o << buf;
  if (n.sparse_known()) {
    std::snprintf(buf, sizeof buf,
                  "  energy ratio sparse / ESCALATE %.2fx  (DRAM cost x0.5: %.2fx, x2: %.2fx)\n",
                  n.ratio_sparse(), n_lo.ratio_sparse(), n_hi.ratio_sparse());
    o << buf;
  }
  return o.str();
}

std::string energy_markdown(const RunReport& r) {
  std::ostringstream o;
  o << "\n## Energy per inference\n\n"
    << "Per-event " << energy_heading(r)
    << ". uJ per inference; dominant = largest of MAC / SRAM / DRAM; the ratio is dense / "
       "ESCALATE, then with the DRAM cost halved and doubled.\n\n";
  o << "| # | layer | ESCALATE | MAC | SRAM | DRAM | dominant | dense | MAC | SRAM | DRAM | "
       "dominant | dense tile (C x N) | dense / ESCALATE | DRAM x0.5 | DRAM x2 | sparse | sparse / "
       "ESCALATE |\n";
  o << "|---|---|--:|--:|--:|--:|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|\n";
  int i = 0;
  for (const auto& l : r.layers) {
    const LayerEnergy e = layer_energy(l, r.caps, r.energy_table);
    const LayerEnergy lo = layer_energy(l, r.caps, r.energy_table, 0.5);
    const LayerEnergy hi = layer_energy(l, r.caps, r.energy_table, 2.0);
    const bool k = e.escalate_known;
    const auto part = [&](double v) { return k ? uj(v) : std::string("-"); };
    o << "| " << i++ << " | " << l.name << " | " << part(e.escalate.total()) << " | "
      << part(e.escalate.mac) << " | " << part(e.escalate.sram) << " | " << part(e.escalate.dram)
      << " | " << (k ? energy_term_name(e.escalate.dominant()) : "-") << " | "
      << uj(e.dense.total()) << " | " << uj(e.dense.mac) << " | " << uj(e.dense.sram) << " | "
      << uj(e.dense.dram) << " | " << energy_term_name(e.dense.dominant()) << " | " << e.dense_ev.pc
      << " x " << e.dense_ev.pn << " | " << (k ? fmt("%.2fx", e.ratio_dense()) : "-") << " | "
      << (k ? fmt("%.2fx", lo.ratio_dense()) : "-") << " | "
      << (k ? fmt("%.2fx", hi.ratio_dense()) : "-") << " | "
      << (e.sparse_known ? uj(e.sparse.total()) : "-") << " | "
      << (e.sparse_known && k ? fmt("%.2fx", e.ratio_sparse()) : "-") << " |\n";
  }
  const RunEnergy n = r.energy(), n_lo = r.energy(0.5), n_hi = r.energy(2.0);
  if (n.layers == 0) return o.str() + "\nNo RTL layer: no ESCALATE energy.\n";
  o << "\n| network (" << n.layers
    << " RTL layers) | total uJ | MAC | SRAM | DRAM | dominant | ratio to ESCALATE | DRAM x0.5 "
       "| DRAM x2 |\n|---|--:|--:|--:|--:|---|--:|--:|--:|\n";
  const auto row = [&](const char* name, const EnergyBreakdown& b, double ratio, double rlo,
                       double rhi) {
    o << "| " << name << " | " << uj(b.total()) << " | " << uj(b.mac) << " | " << uj(b.sram)
      << " | " << uj(b.dram) << " | " << dominant_text(b) << " | " << fmt("%.2fx", ratio) << " | "
      << fmt("%.2fx", rlo) << " | " << fmt("%.2fx", rhi) << " |\n";
  };
  row("ESCALATE", n.escalate, 1.0, 1.0, 1.0);
  row("dense reference", n.dense, n.ratio_dense(), n_lo.ratio_dense(), n_hi.ratio_dense());
  if (n.sparse_known()) {
    row("sparse reference", n.sparse, n.ratio_sparse(), n_lo.ratio_sparse(), n_hi.ratio_sparse());
  }
  o << "\nESCALATE SRAM energy by memory (uJ): ";
  for (int m = 0; m < kNumMems; ++m) {
    o << (m ? ", " : "") << mem_name(static_cast<Mem>(m)) << " " << uj(n.escalate.mem[m]);
  }
  o << ".\n";
  if (n.sparse_known()) {
    o << "\nSparse reference: pruned baseline from `" << r.sparse_baseline << "`.\n";
  } else {
    o << "\nSparse reference: no pruned baseline for "
      << (n.sparse_layers == 0 ? "this model" : "every layer") << ".\n";
  }
  return o.str();
}

}  // namespace

std::string format_table(const RunReport& r) {
  std::ostringstream o;
  char buf[2048];
  std::snprintf(buf, sizeof buf,
                "%-3s %-20s %-25s %2s %6s %6s %10s %10s %6s %11s %7s %10s %7s %6s %5s %9s %9s %9s  "
                "%s\n",
                "#", "layer", "shape CxHxW>NxHoxWo", "M", "dens%", "nnz", "cycles", "ideal",
                "util%", "dense-bound", "speedup", "e2e", "e2e x", "CRfp32", "CRi8", "load B",
                "need B", "result B", "check");
  o << buf;
  int i = 0;
  for (const auto& l : r.layers) {
    const bool rt = l.rtl && l.cycles > 0;
    std::snprintf(buf, sizeof buf,
                  "%-3d %-20.20s %-25s %2d %6.2f %6lld %10s %10.0f %6s %11.0f %7s %10s %7s %6.1f "
                  "%5.1f %9s %9llu %9s  %s\n",
                  i++, l.name.c_str(), shape_of(l.cfg).c_str(), l.cfg.M, 100.0 * l.density(),
                  static_cast<long long>(l.nnz), rt ? std::to_string(l.cycles).c_str() : "-",
                  l.metrics.ideal_cycles, rt ? fmt("%.1f", 100.0 * l.utilisation()).c_str() : "-",
                  l.metrics.dense_cycles, rt ? fmt("%.2fx", l.speedup()).c_str() : "-",
                  rt ? std::to_string(l.e2e_cycles()).c_str() : "-",
                  rt ? fmt("%.2fx", l.speedup_e2e()).c_str() : "-", l.cr_fp32(), l.cr_int8(),
                  rt ? std::to_string(l.load_bytes).c_str() : "-",
                  static_cast<unsigned long long>(l.needed_load_bytes()),
                  rt ? std::to_string(l.result_bytes).c_str() : "-",
                  (check_text(l) + (l.note.empty() || !l.checked ? "" : " " + l.note)).c_str());
    o << buf;
  }
  const RunTotals t = r.totals();
  o << "\nTotals (" << t.layers << " layers: " << t.rtl_layers << " on RTL + golden, "
    << t.golden_only << " golden-only)\n";
  std::snprintf(
      buf, sizeof buf,
      "  measured cycles      %llu  (sum of RTL perf counters)\n"
      "  ideal cycles         %.0f  (perfect BCU/CAU overlap)\n"
      "  measured / ideal     %.3f\n"
      "  dense-bound cycles   %.0f  (same multipliers, dense)\n"
      "  speedup vs dense     %.2fx  (compute only)\n"
      "  end-to-end cycles    %llu  (RTL cycles + the load beats no pass overlapped, LD_IDLE)\n"
      "  dense e2e cycles     %.0f  (SPEC 5b: same multipliers, %.0f B in / %.0f B out per cycle)\n"
      "  speedup end to end   %.2fx\n"
      "  utilisation          %.1f %%  (%d multipliers)\n"
      "  useful / dense MACs  %lld / %lld = %.2f %% kept\n"
      "  compression          %.1fx vs fp32, %.1fx vs int8 dense\n"
      "  load / result bytes  %llu / %llu  (the loads must carry %llu: inputs once + stored "
      "weights)\n",
      static_cast<unsigned long long>(t.cycles), t.ideal_cycles, t.measured_over_ideal(),
      t.dense_cycles, t.speedup(), static_cast<unsigned long long>(t.e2e_cycles),
      t.dense_e2e_cycles, port_in_bytes(r.caps), port_out_bytes(r.caps), t.speedup_e2e(),
      100.0 * t.utilisation(r.caps), static_cast<int>(multipliers(r.caps)),
      static_cast<long long>(t.useful_macs), static_cast<long long>(t.dense_macs),
      100.0 * t.kept_macs(),
      safe_div(32.0 * static_cast<double>(t.dense_weights), static_cast<double>(t.storage_bits)),
      safe_div(8.0 * static_cast<double>(t.dense_weights), static_cast<double>(t.storage_bits)),
      static_cast<unsigned long long>(t.load_bytes),
      static_cast<unsigned long long>(t.result_bytes),
      static_cast<unsigned long long>(t.needed_load_bytes));
  o << buf;
  std::snprintf(buf, sizeof buf,
                "  wall time            %.2f s (RTL + golden + set-up)\n"
                "  simulated cycles     %llu in total (incl. load streams), %.3g cycles/s\n",
                r.wall_s, static_cast<unsigned long long>(r.sim_cycles), r.sim_cycles_per_s());
  o << buf;
  o << "  check                " << (t.checked - t.mismatches) << "/" << t.checked
    << " layers match the golden model bit for bit";
  if (t.mismatches > 0) o << ", " << t.mismatches << " MISMATCH";
  o << "\n";
  const AreaEfficiency ae = r.area_efficiency();
  if (ae.valid) {
    std::snprintf(buf, sizeof buf,
                  "  area efficiency      %.0f vs %.0f e2e dense-equiv. MAC/cycle per mm^2 = %.2fx"
                  "  (SPEC 5b, incl. SRAM: ESCALATE %.3f mm^2, dense %.3f mm^2 with its %lld-bit "
                  "buffers)\n",
                  ae.esc, ae.dense, ae.ratio(), ae.esc_mm2, ae.dense_mm2,
                  static_cast<long long>(ae.dense_buffer_bits));
  } else {
    std::snprintf(buf, sizeof buf, "  area efficiency      - (%s)\n", ae.why.c_str());
  }
  o << buf;
  o << energy_text(r);
  if (!r.error.empty()) o << "  ERROR: " << r.error << "\n";
  return o.str();
}

std::string to_markdown(const RunReport& r) {
  std::ostringstream o;
  const RunTotals t = r.totals();
  o << "# escalate run: " << r.model << "\n\n";
  o << "Model file `" << r.model_path << "`, seed " << r.seed << ", hardware T=" << r.caps.T
    << " L=" << r.caps.L << " M_MAX=" << r.caps.M_MAX << " K_MAX=" << r.caps.K_MAX << " ("
    << bcu_multipliers(r.caps) << " BCU + " << cau_multipliers(r.caps) << " CAU multipliers).\n\n";
  o << "| # | layer | C | H x W | N | Ho x Wo | K/s | M | density | nnz | cycles | ideal | util | "
       "dense-bound | speedup | e2e cycles | dense e2e | e2e speedup | BCU busy | CAU busy | "
       "CR fp32 | CR int8 | load B | need B | result B | passes | check |\n";
  o << "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--"
       ":"
       "|--:|--:|--:|---|\n";
  int i = 0;
  for (const auto& l : r.layers) {
    const bool rt = l.rtl && l.cycles > 0;
    const auto& c = l.cfg;
    o << "| " << i++ << " | " << l.name << " | " << c.C << " | " << c.H << "x" << c.W << " | "
      << c.N << " | " << c.Ho() << "x" << c.Wo() << " | " << c.K << "/" << c.stride << " | " << c.M
      << " | " << fmt("%.2f %%", 100.0 * l.density()) << " | " << l.nnz << " | "
      << (rt ? std::to_string(l.cycles) : "-") << " | " << fmt("%.0f", l.metrics.ideal_cycles)
      << " | " << (rt ? fmt("%.1f %%", 100.0 * l.utilisation()) : "-") << " | "
      << fmt("%.0f", l.metrics.dense_cycles) << " | " << (rt ? fmt("%.2fx", l.speedup()) : "-")
      << " | " << (rt ? std::to_string(l.e2e_cycles()) : "-") << " | "
      << fmt("%.0f", l.metrics.dense_e2e_cycles) << " | "
      << (rt ? fmt("%.2fx", l.speedup_e2e()) : "-") << " | "
      << (rt ? fmt("%.0f %%", 100.0 * safe_div(l.bcu_cycles, l.cycles)) : "-") << " | "
      << (rt ? fmt("%.0f %%", 100.0 * safe_div(l.cau_cycles, l.cycles)) : "-") << " | "
      << fmt("%.1f", l.cr_fp32()) << " | " << fmt("%.1f", l.cr_int8()) << " | "
      << (rt ? std::to_string(l.load_bytes) : "-") << " | " << l.needed_load_bytes() << " | "
      << (rt ? std::to_string(l.result_bytes) : "-") << " | " << l.passes << " | " << check_text(l)
      << (l.checked && !l.note.empty() ? " " + l.note : "") << " |\n";
  }
  o << "\nBCU busy / CAU busy: share of the measured cycles in which the BCU issued a basis step /"
       " at least one CAU lane issued a coefficient (RTL counters CYC_BCU, CYC_CAU).\n";
  o << "\n## Totals\n\n| metric | value |\n|---|--:|\n";
  o << "| layers | " << t.layers << " (" << t.rtl_layers << " RTL, " << t.golden_only
    << " golden-only) |\n";
  o << "| measured cycles | " << t.cycles << " |\n";
  o << "| ideal cycles | " << fmt("%.0f", t.ideal_cycles) << " |\n";
  o << "| measured / ideal | " << fmt("%.3f", t.measured_over_ideal()) << " |\n";
  o << "| dense-bound cycles | " << fmt("%.0f", t.dense_cycles) << " |\n";
  o << "| speedup vs dense, compute only | " << fmt("%.2fx", t.speedup()) << " |\n";
  o << "| end-to-end cycles (RTL cycles + load beats no pass overlapped) | " << t.e2e_cycles
    << " |\n";
  o << "| dense reference end to end (SPEC 5b) | " << fmt("%.0f", t.dense_e2e_cycles) << " |\n";
  o << "| speedup end to end | " << fmt("%.2fx", t.speedup_e2e()) << " |\n";
  if (const AreaEfficiency ae = r.area_efficiency(); ae.valid) {
    o << "| area efficiency incl. SRAM (SPEC 5b), e2e dense-equiv. MAC/cycle per mm^2 | "
      << fmt("%.0f", ae.esc) << " vs dense " << fmt("%.0f", ae.dense) << " = "
      << fmt("%.2fx", ae.ratio()) << " (" << fmt("%.3f", ae.esc_mm2) << " vs "
      << fmt("%.3f", ae.dense_mm2) << " mm^2) |\n";
  } else {
    o << "| area efficiency incl. SRAM (SPEC 5b) | - (" << ae.why << ") |\n";
  }
  o << "| utilisation | " << fmt("%.1f %%", 100.0 * t.utilisation(r.caps)) << " |\n";
  o << "| useful / dense MACs | " << t.useful_macs << " / " << t.dense_macs << " ("
    << fmt("%.2f %%", 100.0 * t.kept_macs()) << ") |\n";
  o << "| compression vs fp32 / int8 | "
    << fmt("%.1fx", safe_div(32.0 * t.dense_weights, static_cast<double>(t.storage_bits))) << " / "
    << fmt("%.1fx", safe_div(8.0 * t.dense_weights, static_cast<double>(t.storage_bits))) << " |\n";
  o << "| load / result bytes | " << t.load_bytes << " / " << t.result_bytes << " |\n";
  o << "| load bytes / bytes the loads must carry (inputs once + stored weights) | " << t.load_bytes
    << " / " << t.needed_load_bytes << " = "
    << fmt("%.2fx",
           safe_div(static_cast<double>(t.load_bytes), static_cast<double>(t.needed_load_bytes)))
    << " |\n";
  o << "| wall time | " << fmt("%.2f s", r.wall_s) << " |\n";
  o << "| simulated cycles (incl. loads) | " << r.sim_cycles << " |\n";
  o << "| simulated cycles / s | " << fmt("%.3g", r.sim_cycles_per_s()) << " |\n";
  o << "| check | " << (t.checked - t.mismatches) << "/" << t.checked << " match |\n";
  o << energy_markdown(r);
  for (const auto& l : r.layers)
    if (!l.mismatch.empty()) o << "\nFirst mismatch: " << l.mismatch << "\n";
  if (!r.error.empty()) o << "\n**Error:** " << r.error << "\n";
  return o.str();
}

nlohmann::json to_json(const RunReport& r) {
  using nlohmann::json;
  const RunTotals t = r.totals();
  json j;
  j["model"] = r.model;
  j["model_path"] = r.model_path;
  j["seed"] = r.seed;
  j["density_mode"] = r.density_mode;
  j["caps"] = {{"T", r.caps.T},
               {"L", r.caps.L},
               {"M_MAX", r.caps.M_MAX},
               {"K_MAX", r.caps.K_MAX},
               {"C_MAX", r.caps.C_MAX},
               {"N_MAX", r.caps.N_MAX},
               {"ifmap_bytes", r.caps.ifmap_bytes},
               {"coef_depth", r.caps.coef_depth}};
  json layers = json::array();
  for (const auto& l : r.layers) {
    const auto& c = l.cfg;
    json x;
    x["name"] = l.name;
    x["C"] = c.C;
    x["N"] = c.N;
    x["H"] = c.H;
    x["W"] = c.W;
    x["Ho"] = c.Ho();
    x["Wo"] = c.Wo();
    x["K"] = c.K;
    x["stride"] = c.stride;
    x["pad"] = c.pad_t;
    x["M"] = c.M;
    x["zshift"] = c.zshift;
    x["density_target"] = l.density_target;
    x["density"] = l.density();
    x["nnz"] = l.nnz;
    x["seed"] = l.seed;
    x["rtl"] = l.rtl;
    x["note"] = l.note;
    x["cycles"] = l.cycles;
    x["bcu_cycles"] = l.bcu_cycles;
    x["cau_cycles"] = l.cau_cycles;
    x["stall_cycles"] = l.stall_cycles;
    x["passes"] = l.passes;
    x["ideal_cycles"] = l.metrics.ideal_cycles;
    x["dense_cycles"] = l.metrics.dense_cycles;
    x["useful_macs"] = l.metrics.useful_macs;
    x["bcu_macs"] = l.metrics.bcu_macs;
    x["cau_macs"] = l.metrics.cau_macs;
    x["dense_macs"] = l.metrics.dense_macs;
    x["utilisation"] = l.utilisation();
    x["speedup_vs_dense"] = l.speedup();
    x["ld_beats"] = l.ld_beats;
    x["ld_idle"] = l.ld_idle;
    x["e2e_cycles"] = l.e2e_cycles();
    x["dense_e2e_cycles"] = l.metrics.dense_e2e_cycles;
    x["speedup_e2e"] = l.speedup_e2e();
    x["storage_bits"] = {{"basis", l.bits.basis},
                         {"values", l.bits.values},
                         {"indices", l.bits.indices},
                         {"pointers", l.bits.pointers},
                         {"total", l.bits.total}};
    x["compression_vs_fp32"] = l.cr_fp32();
    x["compression_vs_int8"] = l.cr_int8();
    x["load_bytes"] = l.load_bytes;
    x["load_bytes_needed"] = l.needed_load_bytes();
    x["result_bytes"] = l.result_bytes;
    x["golden_overflow"] = l.overflow;
    x["checked"] = l.checked;
    x["match"] = l.match;
    x["mismatch"] = l.mismatch;
    x["wall_s"] = l.wall_s;
    {
      const LayerEnergy e = layer_energy(l, r.caps, r.energy_table);
      const LayerEnergy lo = layer_energy(l, r.caps, r.energy_table, 0.5);
      const LayerEnergy hi = layer_energy(l, r.caps, r.energy_table, 2.0);
      json en;
      en["escalate"] = e.escalate_known ? breakdown_json(e.escalate, true) : json(nullptr);
      en["dense"] = ref_json(e.dense, e.dense_ev);
      en["sparse"] = e.sparse_known ? ref_json(e.sparse, e.sparse_ev) : json(nullptr);
      en["ratio_dense"] = e.ratio_dense();
      en["ratio_dense_dram_x0.5"] = lo.ratio_dense();
      en["ratio_dense_dram_x2"] = hi.ratio_dense();
      en["ratio_sparse"] = e.ratio_sparse();
      en["ratio_sparse_dram_x0.5"] = lo.ratio_sparse();
      en["ratio_sparse_dram_x2"] = hi.ratio_sparse();
      x["energy"] = en;
      json ev = {{"bcu_macs", l.events.bcu_macs},
                 {"cau_macs", l.events.cau_macs},
                 {"ld_bytes", l.events.ld_bytes},
                 {"res_bytes", l.events.res_bytes}};
      for (int m = 0; m < kNumMems; ++m) {
        const std::string nm = mem_name(static_cast<Mem>(m));
        ev[nm + "_rd"] = l.events.rd[static_cast<size_t>(m)];
        ev[nm + "_wr"] = l.events.wr[static_cast<size_t>(m)];
      }
      x["events"] = ev;
      if (l.sparse_nnz > 0) x["sparse_baseline"] = {{"nnz", l.sparse_nnz}, {"bits", l.sparse_bits}};
    }
    layers.push_back(x);
  }
  j["layers"] = layers;
  j["totals"] = {{"layers", t.layers},
                 {"rtl_layers", t.rtl_layers},
                 {"golden_only_layers", t.golden_only},
                 {"cycles", t.cycles},
                 {"ideal_cycles", t.ideal_cycles},
                 {"measured_over_ideal", t.measured_over_ideal()},
                 {"dense_cycles", t.dense_cycles},
                 {"speedup_vs_dense", t.speedup()},
                 {"e2e_cycles", t.e2e_cycles},
                 {"dense_e2e_cycles", t.dense_e2e_cycles},
                 {"speedup_e2e", t.speedup_e2e()},
                 {"port_in_bytes", port_in_bytes(r.caps)},
                 {"port_out_bytes", port_out_bytes(r.caps)},
                 {"utilisation", t.utilisation(r.caps)},
                 {"useful_macs", t.useful_macs},
                 {"dense_macs", t.dense_macs},
                 {"kept_macs", t.kept_macs()},
                 {"storage_bits", t.storage_bits},
                 {"dense_weights", t.dense_weights},
                 {"compression_vs_fp32", safe_div(32.0 * static_cast<double>(t.dense_weights),
                                                  static_cast<double>(t.storage_bits))},
                 {"compression_vs_int8", safe_div(8.0 * static_cast<double>(t.dense_weights),
                                                  static_cast<double>(t.storage_bits))},
                 {"multipliers", multipliers(r.caps)},
                 {"load_bytes", t.load_bytes},
                 {"load_bytes_needed", t.needed_load_bytes},
                 {"result_bytes", t.result_bytes},
                 {"checked", t.checked},
                 {"mismatches", t.mismatches},
                 {"wall_s", r.wall_s},
                 {"sim_cycles", r.sim_cycles},
                 {"sim_cycles_per_s", r.sim_cycles_per_s()}};
  {
    const AreaEfficiency ae = r.area_efficiency();
    j["totals"]["area_efficiency"] = ae.valid ? json{{"escalate_mm2", ae.esc_mm2},
                                                     {"dense_mm2", ae.dense_mm2},
                                                     {"dense_buffer_bits", ae.dense_buffer_bits},
                                                     {"escalate_mac_per_cycle_per_mm2", ae.esc},
                                                     {"dense_mac_per_cycle_per_mm2", ae.dense},
                                                     {"ratio", ae.ratio()}}
                                              : json{{"unavailable", ae.why}};
  }
  {
    const RunEnergy n = r.energy(), lo = r.energy(0.5), hi = r.energy(2.0);
    json en;
    en["table"] = r.energy_table.origin;
    en["node"] = r.energy_table.node;
    en["dram_pj_per_byte"] = r.energy_table.dram_pj_per_byte;
    en["sparse_baseline"] = r.sparse_baseline;
    en["rtl_layers"] = n.layers;
    en["sparse_layers"] = n.sparse_layers;
    en["escalate"] = breakdown_json(n.escalate, true);
    en["dense"] = breakdown_json(n.dense, false);
    en["sparse"] = n.sparse_known() ? breakdown_json(n.sparse, false) : json(nullptr);
    en["ratio_dense"] = n.ratio_dense();
    en["ratio_sparse"] = n.ratio_sparse();
    for (const auto& [key, v] : {std::pair<const char*, const RunEnergy*>{"dram_x0.5", &lo},
                                 std::pair<const char*, const RunEnergy*>{"dram_x2", &hi}}) {
      en[key] = {{"escalate_pj", v->escalate.total()},
                 {"dense_pj", v->dense.total()},
                 {"sparse_pj", v->sparse_known() ? json(v->sparse.total()) : json(nullptr)},
                 {"ratio_dense", v->ratio_dense()},
                 {"ratio_sparse", v->ratio_sparse()}};
    }
    j["energy"] = en;
  }
  j["error"] = r.error;
  return j;
}

std::string to_svg(const RunReport& r) {
  const int n = static_cast<int>(r.layers.size());
  const int bw = 22, left = 70, top = 40, ph = 300, bottom = 150;
  const int width = left + std::max(1, n) * bw + 180, height = top + ph + bottom;
  double vmax = 1.0, vmin = 1e30;
  for (const auto& l : r.layers) {
    for (double v :
         {static_cast<double>(l.cycles), l.metrics.ideal_cycles, l.metrics.dense_cycles}) {
      if (v > 0) {
        vmax = std::max(vmax, v);
        vmin = std::min(vmin, v);
      }
    }
  }
  if (vmin > vmax) vmin = 1.0;
  const double lo = std::floor(std::log10(std::max(1.0, vmin))),
               hi = std::ceil(std::log10(vmax) + 1e-9);
  const double span = std::max(1.0, hi - lo);
  auto ypos = [&](double v) {
    double lv = std::log10(std::max(v, std::pow(10.0, lo)));
    return top + ph - (lv - lo) / span * ph;
  };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">" << xml_escape(r.model)
    << ": cycles per layer (log scale), seed " << r.seed << "</text>\n";
  for (int d = static_cast<int>(lo); d <= static_cast<int>(hi); ++d) {
    const double y = ypos(std::pow(10.0, d));
    o << "<line x1=\"" << left << "\" x2=\"" << left + n * bw << "\" y1=\"" << y << "\" y2=\"" << y
      << "\" stroke=\"#ddd\"/>\n";
    o << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">1e" << d
      << "</text>\n";
  }
  o << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\"" << top + ph
    << "\" stroke=\"black\"/>\n";
  for (int i = 0; i < n; ++i) {
    const auto& l = r.layers[i];
    const double x = left + i * bw;
    if (l.rtl && l.cycles > 0) {
      const double y = ypos(static_cast<double>(l.cycles));
      o << "<rect x=\"" << x + 3 << "\" y=\"" << y << "\" width=\"" << bw - 6 << "\" height=\""
        << top + ph - y << "\" fill=\"" << (l.checked && !l.match ? "#d62728" : "#1f77b4")
        << "\"><title>" << xml_escape(l.name) << ": " << l.cycles << " cycles</title></rect>\n";
    } else {
      o << "<text x=\"" << x + bw / 2 << "\" y=\"" << top + ph - 4
        << "\" font-size=\"8\" text-anchor=\"middle\" fill=\"#888\">gold</text>\n";
    }
    const double yi = ypos(l.metrics.ideal_cycles), yd = ypos(l.metrics.dense_cycles);
    o << "<line x1=\"" << x + 1 << "\" x2=\"" << x + bw - 1 << "\" y1=\"" << yi << "\" y2=\"" << yi
      << "\" stroke=\"#2ca02c\" stroke-width=\"3\"><title>ideal "
      << fmt("%.0f", l.metrics.ideal_cycles) << "</title></line>\n";
    o << "<line x1=\"" << x + 1 << "\" x2=\"" << x + bw - 1 << "\" y1=\"" << yd << "\" y2=\"" << yd
      << "\" stroke=\"#ff7f0e\" stroke-width=\"3\" stroke-dasharray=\"3,2\"><title>dense "
      << fmt("%.0f", l.metrics.dense_cycles) << "</title></line>\n";
    o << "<text transform=\"translate(" << x + bw / 2 + 4 << "," << top + ph + 6
      << ") rotate(60)\" font-size=\"10\">" << xml_escape(l.name) << "</text>\n";
  }
  const int lx = left + n * bw + 20;
  o << "<rect x=\"" << lx << "\" y=\"" << top << "\" width=\"14\" height=\"10\" fill=\"#1f77b4\"/>"
    << "<text x=\"" << lx + 20 << "\" y=\"" << top + 9 << "\">measured (RTL)</text>\n";
  o << "<line x1=\"" << lx << "\" x2=\"" << lx + 14 << "\" y1=\"" << top + 25 << "\" y2=\""
    << top + 25 << "\" stroke=\"#2ca02c\" stroke-width=\"3\"/><text x=\"" << lx + 20 << "\" y=\""
    << top + 29 << "\">ideal bound</text>\n";
  o << "<line x1=\"" << lx << "\" x2=\"" << lx + 14 << "\" y1=\"" << top + 45 << "\" y2=\""
    << top + 45 << "\" stroke=\"#ff7f0e\" stroke-width=\"3\" stroke-dasharray=\"3,2\"/><text x=\""
    << lx + 20 << "\" y=\"" << top + 49 << "\">dense bound</text>\n";
  o << "</svg>\n";
  return o.str();
}

std::string to_energy_svg(const RunReport& r) {
  const RunEnergy n = r.energy();
  struct Bar {
    std::string name;
    EnergyBreakdown b;
  };
  std::vector<Bar> bars = {{"ESCALATE", n.escalate}, {"dense", n.dense}};
  if (n.sparse_known()) bars.push_back({"sparse", n.sparse});
  const int left = 80, top = 50, ph = 300, bw = 70, gap = 50, bottom = 70;
  const int nb = static_cast<int>(bars.size());
  const int width = std::max(640, left + nb * (bw + gap) + 170), height = top + ph + bottom;
  double vmax = 0.0;
  for (const Bar& b : bars) vmax = std::max(vmax, b.b.total() * 1e-6);
  // Axis: a 1/2/5 x 10^k step with at most 6 ticks above 0.
  double step = 1e-3;
  for (double mag = 1e-3; mag < 1e12; mag *= 10.0) {
    bool found = false;
    for (double f : {1.0, 2.0, 5.0}) {
      if (vmax / (f * mag) <= 6.0) {
        step = f * mag;
        found = true;
        break;
      }
    }
    if (found) break;
  }
  const double ymax = std::max(step, std::ceil(vmax / step) * step);
  auto ypos = [&](double v_uj) { return top + ph - v_uj / ymax * ph; };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">" << xml_escape(r.model)
    << ": energy per inference (uJ), " << n.layers << " RTL layers, seed " << r.seed << "</text>\n";
  o << "<text x=\"" << left << "\" y=\"37\">dense / ESCALATE " << fmt("%.2fx", n.ratio_dense())
    << " (DRAM x0.5: " << fmt("%.2fx", r.energy(0.5).ratio_dense())
    << ", x2: " << fmt("%.2fx", r.energy(2.0).ratio_dense()) << "); "
    << xml_escape(r.energy_table.node) << " table, DRAM "
    << fmt("%.2f", r.energy_table.dram_pj_per_byte) << " pJ/B</text>\n";
  for (double v = 0.0; v <= ymax + step / 2; v += step) {
    const double y = ypos(v);
    o << "<line x1=\"" << left << "\" x2=\"" << left + nb * (bw + gap) << "\" y1=\"" << y
      << "\" y2=\"" << y << "\" stroke=\"#ddd\"/>\n";
    o << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << fmt("%g", v)
      << "</text>\n";
  }
  o << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\"" << top + ph
    << "\" stroke=\"black\"/>\n";
  const char* colour[3] = {"#1f77b4", "#2ca02c", "#d62728"};
  for (int i = 0; i < nb; ++i) {
    const Bar& b = bars[static_cast<size_t>(i)];
    const double x = left + gap / 2 + i * (bw + gap);
    double base = 0.0;
    const double parts[3] = {b.b.mac, b.b.sram, b.b.dram};
    for (int k = 0; k < 3; ++k) {
      const double v = parts[k] * 1e-6;
      const double y1 = ypos(base + v), y0 = ypos(base);
      o << "<rect class=\"energy\" data-engine=\"" << b.name << "\" data-term=\""
        << energy_term_name(static_cast<EnergyTerm>(k)) << "\" data-pj=\"" << fmt("%.6g", parts[k])
        << "\" x=\"" << x << "\" y=\"" << y1 << "\" width=\"" << bw << "\" height=\"" << y0 - y1
        << "\" fill=\"" << colour[k] << "\"><title>" << b.name << " "
        << energy_term_name(static_cast<EnergyTerm>(k)) << ": " << uj(parts[k])
        << " uJ</title></rect>\n";
      base += v;
    }
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << ypos(base) - 5 << "\" text-anchor=\"middle\">"
      << uj(b.b.total()) << "</text>\n";
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << top + ph + 16 << "\" text-anchor=\"middle\">"
      << b.name << "</text>\n";
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << top + ph + 30
      << "\" text-anchor=\"middle\" font-size=\"9\" fill=\"#555\">"
      << xml_escape(dominant_text(b.b)) << "</text>\n";
  }
  const int lx = left + nb * (bw + gap) + 20;
  const char* label[3] = {"MAC (mult + add)", "on-chip SRAM", "DRAM (ext. memory)"};
  for (int k = 2; k >= 0; --k) {
    const int y = top + (2 - k) * 20;
    o << "<rect x=\"" << lx << "\" y=\"" << y << "\" width=\"14\" height=\"10\" fill=\""
      << colour[k] << "\"/><text x=\"" << lx + 20 << "\" y=\"" << y + 9 << "\">" << label[k]
      << "</text>\n";
  }
  o << "<text x=\"" << left << "\" y=\"" << height - 12 << "\" font-size=\"9\" fill=\"#555\">"
    << "docs/energy.md: event energies, reference dataflows and what the model leaves out"
    << "</text>\n";
  o << "</svg>\n";
  return o.str();
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error(path + ": cannot create the file (does the directory exist?)");
    f << content;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename the temporary file into place");
  }
}

}  // namespace esc
