// Performance report of `escalate run`: per-layer records, totals, and the text, Markdown,
// JSON and SVG renderings (SPEC section 5 metric definitions, golden metrics.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "esc/coef_codec.hpp"
#include "esc/energy.hpp"
#include "esc/events.hpp"
#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

struct LayerReport {
  std::string name;
  LayerConfig cfg;
  double density_target = 0.0;  // from the model file
  int64_t nnz = 0;              // nonzero coefficients actually generated
  uint64_t seed = 0;            // make_random_layer seed (replay)
  bool rtl = true;              // false: golden model only
  std::string note;             // e.g. "golden-only (K=7)"
  // RTL measurements (perf counters summed over tiling passes)
  uint64_t cycles = 0, bcu_cycles = 0, cau_cycles = 0, stall_cycles = 0;
  uint64_t ld_beats = 0;  // load beats accepted (LD_BEATS), summed over passes
  int passes = 0;
  uint64_t load_bytes = 0, result_bytes = 0;
  EventCounts events{};  // activity events (RTL event counters), summed over passes
  // Pruned baseline of the same layer for the SPEC 5b sparse reference engine (nonzero weights
  // and their storage bits, values + indices); sparse_nnz = 0: no baseline.
  int64_t sparse_nnz = 0, sparse_bits = 0;
  // golden metrics
  LayerMetrics metrics{};
  StorageBits bits{};
  bool overflow = false;  // golden accumulator overflow (int32 wrap) seen
  // check
  bool checked = false;  // RTL output compared with the golden model
  bool match = false;
  std::string mismatch;  // first mismatch, "" if none
  double wall_s = 0.0;

  double density() const;      // nnz / (N*C*M)
  double utilisation() const;  // useful / (all mults * cycles); 0 if no RTL run
  double speedup() const;      // dense_cycles / cycles; 0 if no RTL run
  // SPEC 5b end to end: first load beat to last result beat with the load stream at full rate.
  // Load beats no pass overlapped (LD_IDLE: accepted while the accelerator was idle).
  uint64_t ld_idle = 0;
  // End to end (SPEC 5b): CYC_TOTAL + LD_IDLE. Beats taken while the previous pass ran cost
  // nothing; register programming between passes is not counted (a host overlaps it).
  uint64_t e2e_cycles() const { return ld_idle + cycles; }
  double speedup_e2e() const;  // dense_e2e_cycles / e2e_cycles; 0 if no RTL run
  double cr_fp32() const;      // N*C*K*K*32 / bits.total
  double cr_int8() const;      // N*C*K*K*8 / bits.total
  // What the loads of this layer must carry at least, once (#12): the C*H*W input bytes and
  // the golden encoder's storage bits of the weights (basis, values, indices, pointers) plus
  // the bias/requant triple of every output channel, in bytes. load_bytes / this is the
  // overhead of the load format and of re-loads across passes.
  uint64_t needed_load_bytes() const;
};

// Fill the golden-side fields (nnz, metrics, storage bits) of a report for `layer`.
void fill_golden_metrics(LayerReport& r, const IntLayer& layer, const HwCaps& hw);

// Energy of one layer (docs/energy.md): ESCALATE from its events (RTL layers only), the dense
// reference engine always, the sparse one where the layer has a baseline. pJ.
struct LayerEnergy {
  bool escalate_known = false, sparse_known = false;
  EnergyBreakdown escalate, dense, sparse;
  RefEvents dense_ev, sparse_ev;
  double ratio_dense() const;   // dense / ESCALATE total; 0 if ESCALATE unknown
  double ratio_sparse() const;  // sparse / ESCALATE total; 0 if either unknown
};
LayerEnergy layer_energy(const LayerReport& l, const HwCaps& hw, const EnergyTable& t,
                         double dram_scale = 1.0);

// Network energy over the RTL layers (the ones with measured events); the sparse engine only if
// every RTL layer has a baseline.
struct RunEnergy {
  int layers = 0, sparse_layers = 0;
  EnergyBreakdown escalate, dense, sparse;
  bool sparse_known() const { return layers > 0 && sparse_layers == layers; }
  double ratio_dense() const;
  double ratio_sparse() const;
};

struct RunTotals {
  int layers = 0, rtl_layers = 0, golden_only = 0, mismatches = 0, checked = 0;
  uint64_t cycles = 0;                      // measured, RTL layers
  uint64_t e2e_cycles = 0;                  // end to end (SPEC 5b), RTL layers
  double ideal_cycles = 0.0;                // RTL layers
  double dense_cycles = 0.0;                // RTL layers
  double dense_e2e_cycles = 0.0;            // SPEC 5b dense reference, RTL layers
  int64_t useful_macs = 0, dense_macs = 0;  // all layers
  int64_t useful_macs_rtl = 0;
  uint64_t load_bytes = 0, result_bytes = 0;
  uint64_t needed_load_bytes = 0;               // RTL layers, LayerReport::needed_load_bytes
  int64_t storage_bits = 0, dense_weights = 0;  // all layers
  double measured_over_ideal() const;
  double speedup() const;      // dense_cycles / cycles
  double speedup_e2e() const;  // dense_e2e_cycles / e2e_cycles
  double utilisation(const HwCaps& hw) const;
  double kept_macs() const;  // useful / dense
};

// Areas of one build and of the dense reference's MAC array (synth/results/area.json, written
// by synth/area_doc.py from the Yosys flow) and the SRAM density model of synth/synth.py, for
// the SPEC 5b area efficiency.
struct AreaModel {
  HwCaps caps;  // the configuration the areas belong to
  double esc_logic_um2 = 0.0, esc_sram_um2 = 0.0, dense_logic_um2 = 0.0;
  int64_t esc_sram_bits = 0;
  double bitcell_um2 = 0.0;
  std::vector<std::pair<int64_t, double>>
      efficiency;                       // (min bits, array efficiency), largest first
  double sram_um2(int64_t bits) const;  // one macro of `bits`
};
// Throws std::invalid_argument naming the file and the field on a malformed file.
AreaModel load_area_model(const std::string& path);

// SPEC 5b: end-to-end dense-equivalent MACs per cycle per mm^2 of ESCALATE (its measured
// end-to-end speedup, logic + every RAM bit) and of the dense reference (its MAC array + its own
// best-case buffers: the largest input + weight + psum buffers of any RTL layer, docs/energy.md,
// at 100 % utilisation end to end). valid = false with `why` when no area model matches.
struct AreaEfficiency {
  bool valid = false;
  std::string why;
  double esc_mm2 = 0.0, dense_mm2 = 0.0;
  int64_t dense_buffer_bits = 0;
  double esc = 0.0, dense = 0.0;  // MAC/cycle per mm^2
  double ratio() const { return dense > 0.0 ? esc / dense : 0.0; }
};

struct RunReport {
  std::string model, model_path;
  uint64_t seed = 1;
  std::string density_mode = "tuned";  // escalate run --density
  HwCaps caps;
  std::vector<LayerReport> layers;
  double wall_s = 0.0;      // whole run
  uint64_t sim_cycles = 0;  // every simulated clock cycle (loads, runs, drains, polls)
  std::string error;        // non-empty if the run stopped on an error
  EnergyTable energy_table = default_energy_table();
  std::string sparse_baseline;    // file the sparse-engine baseline came from, "" if none
  std::optional<AreaModel> area;  // synth/results/area.json, if found
  AreaEfficiency area_efficiency() const;
  RunTotals totals() const;
  RunEnergy energy(double dram_scale = 1.0) const;
  double sim_cycles_per_s() const;  // sim_cycles (or measured cycles if 0) / wall time
};

std::string format_table(const RunReport& r);  // terminal table + totals
std::string to_markdown(const RunReport& r);
nlohmann::json to_json(const RunReport& r);
std::string to_svg(const RunReport& r);  // per-layer measured vs ideal and dense cycles
// Network energy per inference, one stacked bar (MAC / SRAM / DRAM) per engine.
std::string to_energy_svg(const RunReport& r);

// How evenly a layer's coefficients load the L CAU lanes (lane l takes output channels
// n = l mod L, docs/architecture.md). Counted over all input channels of output channels [0, N),
// i.e. for a layer that runs as one output-channel group (N <= N_MAX).
struct LaneBalance {
  int lanes = 0;
  int64_t nnz = 0;
  int64_t min = 0, max = 0;  // coefficient entries of the least / most loaded lane
  // CAU time of one tile in the cycle model of docs/architecture.md:
  // max over lanes l of sum over input channels c of max(1, entries of lane l in column c).
  int64_t cau_tile_cycles = 0;
  double mean() const { return lanes > 0 ? static_cast<double>(nnz) / lanes : 0.0; }
  double balance() const;  // mean / max: 1 = every lane equally loaded (1 if no entries)
  // nnz / L (a perfect split, no empty-column cycles) over cau_tile_cycles.
  double cau_efficiency() const;
};
LaneBalance lane_balance(const CoefT& coef, int lanes);
// The same in the order esc::Accel sends the output channels (esc::balanced_order), i.e. what
// the lanes of a single-group pass actually carry.
LaneBalance lane_balance(const CoefT& coef, const HwCaps& hw);

// Read the magnitude-pruned baseline of `path` (models/fmnist/baselines.json format:
// baselines.magnitude.layers[] with name, nnz, dense, storage_bits) into the layers of `r` with
// the same name whose N*C*K*K equals `dense`. Returns the number of layers matched; throws
// std::invalid_argument on an unreadable file or a name whose size disagrees.
int attach_sparse_baseline(RunReport& r, const std::string& path);

// Write `content` to `path` via a temporary file in the same directory and rename(2), so a
// failed run never leaves a partial file. Throws std::runtime_error naming the path.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace esc
