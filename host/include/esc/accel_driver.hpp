// Register driver, load-stream driver and result-stream monitor of esc_top, on top of Sim.
// Accel (esc/accel.hpp) composes them into "run a layer"; tests use them directly for error
// paths, protocol checks and mid-layer resets.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "Vesc_top.h"
#include "esc/accel.hpp"
#include "esc/events.hpp"
#include "esc/hw_interface.hpp"
#include "esc/layer.hpp"
#include "esc/load_encoder.hpp"
#include "esc/port_recorder.hpp"
#include "esc/sim.hpp"

namespace esc {

// Register addresses, fields, targets and error codes: esc::hw (generated from
// rtl/esc_interface.toml). Capacities are never copied: they are read from the CAP registers.
namespace reg = hw::reg;
using hw::LoadTarget;

// CTRL words (one command bit each).
inline constexpr uint32_t kCtrlStart = 1u << hw::ctrl_reg::kStart.lsb;
inline constexpr uint32_t kCtrlAbort = 1u << hw::ctrl_reg::kAbort.lsb;
inline constexpr uint32_t kCtrlClear = 1u << hw::ctrl_reg::kClear.lsb;

struct ResBeat {
  std::vector<int8_t> y;     // T lanes
  std::vector<int32_t> acc;  // T lanes
  uint32_t n = 0, tile = 0;
  bool last = false;
};

class AccelDriver {
 public:
  explicit AccelDriver(const AccelOptions& opt);

  Sim<Vesc_top>& sim() { return sim_; }
  Vesc_top& top() { return sim_.top(); }
  const AccelOptions& options() const { return opt_; }
  // Change stream randomisation / watchdog between layers (e.g. after a provoked hang).
  void set_stream_probs(double idle_prob, double backpressure_prob) {
    opt_.idle_prob = idle_prob;
    opt_.backpressure_prob = backpressure_prob;
  }
  void set_watchdog(uint64_t cycles) { opt_.watchdog_cycles = cycles; }

  void reset(uint64_t n = 4);
  void cycle(uint64_t n = 1) { sim_.cycle(n); }

  // Register bus: one request per call (write: one cycle; read: data the cycle after).
  void reg_write(uint32_t addr, uint32_t value);
  uint32_t reg_read(uint32_t addr);
  DeviceCaps read_caps();
  // The event counters (EVT_*, LD_BYTES, RES_BYTES) after a pass: load-side counters since
  // the last CLEAR, the others since the last accepted START.
  EventCounts read_events();

  // Queue beats; pump() runs cycles until all are accepted or the watchdog expires (throws).
  void queue_load(const std::vector<LoadBeat>& beats) {
    load_q_.insert(load_q_.end(), beats.begin(), beats.end());
  }
  void pump_load(uint64_t watchdog);
  size_t load_pending() const { return load_q_.size() + (ld_valid_ ? 1 : 0); }
  // Drop the queued beats (a beat already presented is held until accepted: stream rule).
  void drop_loads() { load_q_.clear(); }

  // Program the configuration registers of `cfg`; MODE names the banks the layer reads.
  void write_config(const LayerConfig& cfg, int ibank = 0, int wbank = 0);

  struct Outcome {
    bool error = false;
    int code = 0;
    uint64_t cycles = 0;  // cycles from START until done/error observed
  };
  // START, then cycle until done_o (with all beats received) or error_o; watchdog -> AccelError.
  Outcome start_and_wait(uint64_t watchdog);
  // The two halves of start_and_wait: write START (returns the cycle of the write), then wait.
  // Queued load beats keep flowing in between (into the banks the layer does not read).
  uint64_t start();
  Outcome wait_done(uint64_t start_cycle, uint64_t watchdog);
  // Cycle until busy_o drops (e.g. after ABORT); watchdog -> AccelError.
  void wait_idle(uint64_t watchdog);

  // Result-stream monitor: beats accepted since the last clear_results().
  const std::vector<ResBeat>& results() const { return res_; }
  // Start the monitor over for a new layer: drops the beats, the last/stall tracking, the abort
  // window and a protocol error of the previous layer (run_layer reports it before clearing).
  // reset() calls it too: a reset legitimately drops a beat that was valid but not accepted.
  void clear_results() {
    res_.clear();
    last_seen_ = false;
    res_prev_stalled_ = false;
    aborting_ = false;
    proto_err_.clear();
  }
  // First protocol violation the monitors saw since the last clear_results()/reset() ("" if
  // none). A stalled beat withdrawn after an ABORT write or while error_o is high is legal.
  const std::string& protocol_error() const { return proto_err_; }
  uint64_t ld_accepted() const { return ld_accepted_; }

 private:
  void drive();
  void edge();
  void sample();

  AccelOptions opt_;
  Sim<Vesc_top> sim_;
  std::unique_ptr<PortRecorder<Vesc_top>> rec_;  // options().record_path set
  SplitMix64 rng_;
  int T_ = 0;  // from the capability register (0 until read_caps)

  std::deque<LoadBeat> load_q_;
  bool ld_valid_ = false;
  LoadBeat ld_cur_;
  uint64_t ld_accepted_ = 0;

  std::vector<ResBeat> res_;
  bool last_seen_ = false;
  bool res_prev_stalled_ = false;  // valid & !ready in the previous cycle
  ResBeat res_prev_;
  bool aborting_ = false;  // ABORT written / error_o seen: a stalled beat may be withdrawn
  std::string proto_err_;
};

}  // namespace esc
