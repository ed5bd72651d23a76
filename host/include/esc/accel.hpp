// Host-side driver of the ESCALATE RTL (docs/contracts.md, "Host-driver C++ API").
// Wraps the shared Verilated build of esc_top (target esc_top_model). Capacities are read
// from the capability registers, never copied from esc_pkg.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "esc/events.hpp"
#include "esc/layer.hpp"
#include "esc/metrics.hpp"
#include "esc/tensor.hpp"

namespace esc {

struct AccelOptions {
  uint64_t seed = 1;               // drives random idle cycles / backpressure
  double idle_prob = 0.0;          // probability the load driver inserts an idle cycle
  double backpressure_prob = 0.0;  // probability res_ready is low in a cycle
  std::string fst_path;            // non-empty: dump FST waves there
  uint64_t watchdog_cycles = 0;    // 0 = automatic bound from the cycle model
  // Order each pass's output channels so that the coefficient lanes carry equal entry counts
  // (esc::balanced_order); the results are put back in the layer's order.
  bool balance_lanes = true;
  // Harness extensions (not in the minimal contract; defaults keep contract behaviour):
  int rand_reset = 0;    // Verilator randReset: 2 = random init (x-unique builds)
  std::string cov_path;  // coverage build: write coverage data here on destruction
  // Non-empty: write every esc_top port once per cycle there (esc/port_recorder.hpp), for the
  // 4-state replay in Icarus; record_tag is copied into the file's header (test name, seed).
  std::string record_path;
  std::string record_tag;
};

struct PerfCounters {
  uint64_t total = 0, bcu = 0, cau = 0, stall = 0, res_beats = 0, ld_beats = 0;
};
// load_bytes: 9 bytes (72-bit beat) per load beat; result_bytes: T bytes of y per result beat.
// perf.ld_beats, load_bytes and ld_idle count the loads of this layer's passes, wherever they
// were accepted (while the previous pass ran, or while the accelerator was idle).
struct RunStats {
  PerfCounters perf;
  uint64_t load_bytes = 0, result_bytes = 0;
  // Load beats accepted while no pass ran (LD_IDLE): the loads no compute overlapped.
  uint64_t ld_idle = 0;
  // End-to-end cycles (SPEC 5b) from the RTL counters: busy cycles plus the load beats no
  // pass overlapped (the load stream at full rate; register programming not counted).
  uint64_t e2e_cycles() const { return perf.total + ld_idle; }
  int passes = 0;
  // > 1: the layer was split by input channel; y is the host's requantisation of the summed
  // RTL accumulators (acc is what the RTL computed, and what a comparison checks first).
  int channel_groups = 1;
  // Activity events summed over the passes (esc/events.hpp): the RTL's event counters.
  EventCounts events;
};
struct AccelResult {
  OutT y;
  AccT acc;
  RunStats stats;
};

// code: esc_pkg::err_code_e value (> 0) reported by the RTL, or a harness code (< 0).
struct AccelError : std::runtime_error {
  static constexpr int kHang = -1;      // watchdog expired (no done/error in time)
  static constexpr int kProtocol = -2;  // stream protocol / ordering violation seen by a monitor
  // -3 is not used: an RTL assertion throws esc::SimError (esc/sim.hpp) from the cycle it fires.
  static constexpr int kNoDevice = -4;  // capability ID register does not read "ESC1"
  int code;
  AccelError(int c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};

class AccelDriver;  // esc/accel_driver.hpp: register/load/result level access for tests

class Accel {
 public:
  explicit Accel(const AccelOptions& opt = {});
  ~Accel();
  Accel(const Accel&) = delete;
  Accel& operator=(const Accel&) = delete;

  HwCaps caps() const;                           // from the capability registers
  int max_dim() const;                           // REG_CAP_MAXDIM (largest H, W)
  AccelResult run_layer(const IntLayer& layer);  // tiles when over capacity; throws AccelError
  // Layers one after another with the loads of each pass overlapping the pass before it (also
  // across layers); the layers are independent (each brings its own input map).
  // done(i) is called when layer i's last pass has ended.
  std::vector<AccelResult> run_layers(const std::vector<const IntLayer*>& layers,
                                      const std::function<void(size_t)>& done = {});
  void reset();            // assert rst_ni for a few cycles
  uint64_t cycle() const;  // simulated cycles so far

  AccelDriver& driver();  // low-level access (tests)

 private:
  std::unique_ptr<AccelDriver> drv_;
  uint64_t next_layer_id_ = 0;  // BankTracker keys: a layer never finds another's data
};

}  // namespace esc
