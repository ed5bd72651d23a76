// Host-side driver of esc_top: register driver, load driver, result monitor, tiling, watchdog.
#include "esc/accel.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <stdexcept>

#include "esc/accel_driver.hpp"
#include "esc/tiling.hpp"

namespace esc {

namespace {
SimOptions sim_options(const AccelOptions& opt) {
  SimOptions s;
  s.seed = opt.seed;
  s.rand_reset = opt.rand_reset;
  s.fst_path = opt.fst_path;
  s.cov_path = opt.cov_path;
  return s;
}
}  // namespace

// ------------------------------------------------------------------------------------------
// AccelDriver
// ------------------------------------------------------------------------------------------
AccelDriver::AccelDriver(const AccelOptions& opt)
    : opt_(opt), sim_(sim_options(opt)), rng_(opt.seed * 0x9E3779B97F4A7C15ull + 17) {
  sim_.on_drive([this] { drive(); });
  sim_.on_edge([this] { edge(); });
  sim_.on_sample([this] { sample(); });
  if (!opt.record_path.empty()) {
    // After edge(): a monitor, it changes no input. Registered before the reset below, so a
    // recording starts with the reset cycles.
    rec_ = std::make_unique<PortRecorder<Vesc_top>>(opt.record_path, opt.record_tag);
    sim_.on_edge([this] { rec_->record(sim_.top()); });
  }
  Vesc_top& t = sim_.top();
  t.reg_valid_i = 0;
  t.reg_write_i = 0;
  t.reg_addr_i = 0;
  t.reg_wdata_i = 0;
  t.ld_valid_i = 0;
  t.res_ready_i = 0;
  reset();
}

void AccelDriver::reset(uint64_t n) {
  load_q_.clear();
  ld_valid_ = false;
  // A reset legitimately drops whatever the result stream held: the monitor starts over.
  clear_results();
  Vesc_top& t = sim_.top();
  t.reg_valid_i = 0;
  t.ld_valid_i = 0;
  sim_.reset(n);
}

void AccelDriver::drive() {
  Vesc_top& t = sim_.top();
  // Load driver: a presented beat is held until accepted; otherwise maybe insert an idle cycle.
  if (!ld_valid_ && !load_q_.empty()) {
    if (opt_.idle_prob <= 0.0 || rng_.uniform01() >= opt_.idle_prob) {
      ld_cur_ = load_q_.front();
      load_q_.pop_front();
      ld_valid_ = true;
    }
  }
  t.ld_valid_i = ld_valid_ ? 1 : 0;
  if (ld_valid_) {
    t.ld_tgt_i = ld_cur_.tgt;
    t.ld_addr_i = ld_cur_.addr;
    set_bits(t.ld_data_i, 0, 64, ld_cur_.lo);
    set_bits(t.ld_data_i, 64, 8, ld_cur_.hi);
  } else {
    // Garbage on the bus while not valid: the DUT must ignore it.
    t.ld_tgt_i = static_cast<uint8_t>(rng_.next() & 7);
    t.ld_addr_i = static_cast<uint32_t>(rng_.next() & hw::Field{0, hw::LdAddrW}.mask());
    set_bits(t.ld_data_i, 0, 64, rng_.next());
  }
  // Result backpressure.
  t.res_ready_i =
      (opt_.backpressure_prob <= 0.0 || rng_.uniform01() >= opt_.backpressure_prob) ? 1 : 0;
}

void AccelDriver::edge() {
  Vesc_top& t = sim_.top();
  if (ld_valid_ && t.ld_ready_o) {
    ld_valid_ = false;
    ++ld_accepted_;
  }
  const bool valid = t.res_valid_o;
  ResBeat b;
  if (valid) {
    const int T = T_ > 0 ? T_ : 1;
    b.y.resize(T);
    b.acc.resize(T);
    for (int i = 0; i < T; ++i) {
      b.y[i] = static_cast<int8_t>(get_bits(t.res_data_o, 8 * i, 8));
      b.acc[i] = static_cast<int32_t>(static_cast<uint32_t>(get_bits(t.res_acc_o, 32 * i, 32)));
    }
    b.n = t.res_n_o;
    b.tile = t.res_tile_o;
    b.last = t.res_last_o;
  }
  // An ABORT written on the register bus (or a run-time error, which aborts internally) lets
  // the RTL withdraw a stalled beat: from then until the next clear_results()/reset() the hold
  // rule below is not enforced (docs/architecture.md: ABORT flushes the result stream).
  if (t.reg_valid_i && t.reg_write_i && t.reg_addr_i == reg::kCtrl &&
      (t.reg_wdata_i & kCtrlAbort) != 0) {
    aborting_ = true;
  }
  if (t.error_o) aborting_ = true;
  // Stream rule on the DUT's output: once valid without ready, valid and data hold.
  if (res_prev_stalled_ && !aborting_ && proto_err_.empty()) {
    if (!valid) {
      proto_err_ = "res_valid_o dropped before the beat was accepted (cycle " +
                   std::to_string(sim_.cycles()) + ")";
    } else if (b.y != res_prev_.y || b.acc != res_prev_.acc || b.n != res_prev_.n ||
               b.tile != res_prev_.tile || b.last != res_prev_.last) {
      proto_err_ =
          "result beat changed while stalled (cycle " + std::to_string(sim_.cycles()) + ")";
    }
  }
  res_prev_stalled_ = valid && !t.res_ready_i;
  if (valid && !t.res_ready_i) res_prev_ = b;
  if (valid && t.res_ready_i) {
    if (last_seen_ && proto_err_.empty()) {
      proto_err_ = "result beat after res_last_o (n=" + std::to_string(b.n) +
                   " tile=" + std::to_string(b.tile) + ")";
    }
    if (b.last) last_seen_ = true;
    res_.push_back(std::move(b));
  }
}

void AccelDriver::sample() {}

void AccelDriver::reg_write(uint32_t addr, uint32_t value) {
  Vesc_top& t = sim_.top();
  t.reg_valid_i = 1;
  t.reg_write_i = 1;
  t.reg_addr_i = static_cast<uint8_t>(addr);
  t.reg_wdata_i = value;
  sim_.cycle();
  t.reg_valid_i = 0;
  t.reg_write_i = 0;
}

uint32_t AccelDriver::reg_read(uint32_t addr) {
  Vesc_top& t = sim_.top();
  t.reg_valid_i = 1;
  t.reg_write_i = 0;
  t.reg_addr_i = static_cast<uint8_t>(addr);
  sim_.cycle();  // request accepted at this edge; rdata valid after it
  t.reg_valid_i = 0;
  sim_.settle();
  return t.reg_rdata_o;
}

EventCounts AccelDriver::read_events() {
  EventCounts e;
  e.bcu_macs = reg_read(reg::kEvtBcuMacs);
  e.cau_macs = reg_read(reg::kEvtCauMacs);
  // EVT_<MEM>_RD, EVT_<MEM>_WR in Mem order from EVT_IFMAP_RD on.
  static_assert(reg::kEvtIfmapRd + 2 * (kNumMems - 1) + 1 == reg::kEvtBiasWr,
                "EVT_* registers follow esc::Mem order");
  for (int m = 0; m < kNumMems; ++m) {
    e.rd[static_cast<size_t>(m)] = reg_read(reg::kEvtIfmapRd + 2 * static_cast<uint32_t>(m));
    e.wr[static_cast<size_t>(m)] = reg_read(reg::kEvtIfmapRd + 2 * static_cast<uint32_t>(m) + 1);
  }
  e.ld_bytes = reg_read(reg::kLdBytes);
  e.res_bytes = reg_read(reg::kResBytes);
  return e;
}

DeviceCaps AccelDriver::read_caps() {
  DeviceCaps c;
  c.id = reg_read(reg::kCapId);
  c.hw.T = static_cast<int>(reg_read(reg::kCapT));
  c.hw.L = static_cast<int>(reg_read(reg::kCapL));
  c.hw.M_MAX = static_cast<int>(reg_read(reg::kCapMmax));
  c.hw.K_MAX = static_cast<int>(reg_read(reg::kCapKmax));
  c.hw.C_MAX = reg_read(reg::kCapCmax);
  c.hw.N_MAX = reg_read(reg::kCapNmax);
  c.hw.ifmap_bytes = reg_read(reg::kCapIfmap);
  c.hw.coef_depth = reg_read(reg::kCapCoef);
  c.colptr_stride = reg_read(reg::kCapCpstr);
  c.max_dim = reg_read(reg::kCapMaxdim);
  c.hw.coef_w = static_cast<int>(reg_read(reg::kCapCoefw));
  c.hw.basis_per_ch = static_cast<int>(reg_read(reg::kCapBasisch));
  T_ = c.hw.T;
  return c;
}

void AccelDriver::pump_load(uint64_t watchdog) {
  uint64_t n = 0;
  while (load_pending() > 0) {
    if (++n > watchdog) {
      throw AccelError(AccelError::kHang, "watchdog: load stream stalled for " +
                                              std::to_string(watchdog) + " cycles with " +
                                              std::to_string(load_pending()) +
                                              " beats pending (ld_ready_o low?)");
    }
    sim_.cycle();
  }
}

void AccelDriver::write_config(const LayerConfig& cfg, int ibank, int wbank) {
  reg_write(reg::kC, static_cast<uint32_t>(cfg.C));
  reg_write(reg::kN, static_cast<uint32_t>(cfg.N));
  reg_write(reg::kH, static_cast<uint32_t>(cfg.H));
  reg_write(reg::kW, static_cast<uint32_t>(cfg.W));
  reg_write(reg::kKsp, ksp_word(cfg));
  reg_write(reg::kM, static_cast<uint32_t>(cfg.M));
  reg_write(reg::kZshift, static_cast<uint32_t>(cfg.zshift));
  reg_write(reg::kMode, mode_word(cfg, ibank, wbank));
}

AccelDriver::Outcome AccelDriver::start_and_wait(uint64_t watchdog) {
  return wait_done(start(), watchdog);
}

uint64_t AccelDriver::start() {
  const uint64_t c0 = sim_.cycles();
  reg_write(reg::kCtrl, kCtrlStart);
  return c0;
}

AccelDriver::Outcome AccelDriver::wait_done(uint64_t c0, uint64_t watchdog) {
  Vesc_top& t = sim_.top();
  Outcome o;
  while (true) {
    if (t.error_o) {
      o.error = true;
      o.code = static_cast<int>(hw::status_reg::kCode.get(reg_read(reg::kStatus)));
      break;
    }
    if (t.done_o && !t.busy_o && last_seen_) break;
    if (sim_.cycles() - c0 > watchdog) {
      std::ostringstream m;
      m << "watchdog: no done/error within " << watchdog
        << " cycles after START (busy=" << int(t.busy_o) << " done=" << int(t.done_o)
        << " beats=" << res_.size() << " last_seen=" << last_seen_ << ")";
      throw AccelError(AccelError::kHang, m.str());
    }
    sim_.cycle();
  }
  o.cycles = sim_.cycles() - c0;
  return o;
}

void AccelDriver::wait_idle(uint64_t watchdog) {
  const uint64_t c0 = sim_.cycles();
  while (sim_.top().busy_o) {
    if (sim_.cycles() - c0 > watchdog) {
      throw AccelError(AccelError::kHang,
                       "watchdog: busy_o still high after " + std::to_string(watchdog) + " cycles");
    }
    sim_.cycle();
  }
}

// ------------------------------------------------------------------------------------------
// Accel
// ------------------------------------------------------------------------------------------
namespace {

uint64_t auto_watchdog(const IntLayer& l, const HwCaps& hw, const AccelOptions& opt) {
  const LayerConfig& c = l.cfg;
  const uint64_t P = static_cast<uint64_t>(std::max(0, c.Ho())) * std::max(0, c.Wo());
  const uint64_t T = std::max(1, hw.T);
  const uint64_t tiles = (P + T - 1) / T;
  uint64_t nnz = 0;
  for (int64_t i = 0; i < l.coef.size(); ++i) nnz += l.coef.data()[i] != 0;
  const uint64_t bcu = tiles * c.C * std::max<uint64_t>({uint64_t(c.M), T, 9});
  const uint64_t cau = tiles * (nnz + static_cast<uint64_t>(c.C) * std::max(1, hw.L));
  const uint64_t drain = tiles * c.N;
  double bound = 4.0 * static_cast<double>(bcu + cau + drain) + 5000.0;
  if (opt.backpressure_prob > 0.0) bound /= std::max(0.02, 1.0 - opt.backpressure_prob);
  return static_cast<uint64_t>(bound);
}

}  // namespace

Accel::Accel(const AccelOptions& opt) : drv_(std::make_unique<AccelDriver>(opt)) {}
Accel::~Accel() = default;

AccelDriver& Accel::driver() {
  return *drv_;
}

HwCaps Accel::caps() const {
  return drv_->read_caps().hw;
}

int Accel::max_dim() const {
  return static_cast<int>(drv_->read_caps().max_dim);
}

void Accel::reset() {
  drv_->reset();
}

uint64_t Accel::cycle() const {
  return drv_->sim().cycles();
}

namespace {

// Load-side counters: they restart on CLEAR only, so a pass's share is the difference between
// two snapshots taken just before consecutive STARTs (when every beat of the pass about to
// start has been accepted and none of the next pass has been queued).
struct LoadSnapshot {
  uint64_t beats = 0, bytes = 0, idle = 0;
  std::array<uint64_t, kNumMems> wr{};
};

bool written_by_loads(Mem m) {
  return m != Mem::kZfifo && m != Mem::kPsum;
}

LoadSnapshot read_load_counters(AccelDriver& d) {
  LoadSnapshot s;
  s.beats = d.reg_read(reg::kLdBeats);
  s.bytes = d.reg_read(reg::kLdBytes);
  s.idle = d.reg_read(reg::kLdIdle);
  for (int m = 0; m < kNumMems; ++m) {
    if (written_by_loads(static_cast<Mem>(m))) {
      s.wr[static_cast<size_t>(m)] =
          d.reg_read(reg::kEvtIfmapRd + 2 * static_cast<uint32_t>(m) + 1);
    }
  }
  return s;
}

// The run-side counters of the pass that just ended (they restart when a layer is accepted).
void read_run_counters(AccelDriver& d, RunStats& st) {
  PerfCounters pc;
  pc.total = d.reg_read(reg::kCycTotal);
  pc.bcu = d.reg_read(reg::kCycBcu);
  pc.cau = d.reg_read(reg::kCycCau);
  pc.stall = d.reg_read(reg::kCycStall);
  pc.res_beats = d.reg_read(reg::kResBeats);
  st.perf.total += pc.total;
  st.perf.bcu += pc.bcu;
  st.perf.cau += pc.cau;
  st.perf.stall += pc.stall;
  st.perf.res_beats += pc.res_beats;
  EventCounts e;
  e.bcu_macs = d.reg_read(reg::kEvtBcuMacs);
  e.cau_macs = d.reg_read(reg::kEvtCauMacs);
  for (int m = 0; m < kNumMems; ++m) {
    e.rd[static_cast<size_t>(m)] = d.reg_read(reg::kEvtIfmapRd + 2 * static_cast<uint32_t>(m));
    if (!written_by_loads(static_cast<Mem>(m))) {
      e.wr[static_cast<size_t>(m)] =
          d.reg_read(reg::kEvtIfmapRd + 2 * static_cast<uint32_t>(m) + 1);
    }
  }
  e.res_bytes = d.reg_read(reg::kResBytes);
  st.result_bytes += e.res_bytes;
  st.events += e;
}

void add_load_delta(const LoadSnapshot& a, const LoadSnapshot& b, RunStats& st) {
  st.perf.ld_beats += b.beats - a.beats;
  st.load_bytes += b.bytes - a.bytes;
  st.ld_idle += b.idle - a.idle;
  EventCounts e;
  for (size_t m = 0; m < kNumMems; ++m) e.wr[m] = b.wr[m] - a.wr[m];
  e.ld_bytes = b.bytes - a.bytes;
  st.events += e;
}

// One pass of the schedule: a slice of one layer, what it loads and which banks it reads.
struct Job {
  size_t layer;
  Pass pass;
  bool whole;  // the pass is the whole layer (no slice)
  PassLoad load;
};

}  // namespace

AccelResult Accel::run_layer(const IntLayer& layer) {
  std::vector<AccelResult> r = run_layers({&layer});
  return std::move(r.front());
}

std::vector<AccelResult> Accel::run_layers(const std::vector<const IntLayer*>& layers,
                                           const std::function<void(size_t)>& done) {
  // Reject inconsistent layers before anything is sized or indexed from their configuration.
  for (size_t i = 0; i < layers.size(); ++i) {
    if (const std::string bad = validate(*layers[i]); !bad.empty()) {
      throw std::invalid_argument("Accel::run_layer: invalid layer" +
                                  (layers.size() > 1 ? " " + std::to_string(i) : std::string()) +
                                  " (" + bad + "); nothing was sent to the accelerator");
    }
  }
  AccelDriver& d = *drv_;
  const DeviceCaps caps = d.read_caps();
  if (caps.id != hw::kCapIdValue) {
    std::ostringstream m;
    m << "capability ID reads 0x" << std::hex << caps.id << ", expected 0x" << hw::kCapIdValue
      << " (\"ESC1\"): esc_top register file not implemented or not responding";
    throw AccelError(AccelError::kNoDevice, m.str());
  }
  // The same checks the RTL makes at elaboration (rtl/esc_interface.toml), on what the device
  // reports; ZFifoDepth has no capability register and is taken as the default.
  const HwCaps& h = caps.hw;
  const auto bad_caps = hw::param_errors(
      static_cast<uint32_t>(h.T), static_cast<uint32_t>(h.L), static_cast<uint32_t>(h.M_MAX),
      static_cast<uint32_t>(h.K_MAX), static_cast<uint32_t>(h.C_MAX),
      static_cast<uint32_t>(h.N_MAX), static_cast<uint32_t>(h.ifmap_bytes),
      static_cast<uint32_t>(h.coef_depth), hw::ZFifoDepth, static_cast<uint32_t>(h.coef_w),
      static_cast<uint32_t>(h.basis_per_ch), caps.max_dim);
  if (!bad_caps.empty()) {
    throw AccelError(AccelError::kNoDevice,
                     "capability registers describe an illegal build: " + bad_caps.front());
  }
  const int T = caps.hw.T;

  // The schedule: every pass of every layer, in order, with its banks.
  std::vector<Job> jobs;
  std::vector<AccelResult> out(layers.size());
  BankTracker banks;
  for (size_t li = 0; li < layers.size(); ++li) {
    const IntLayer& layer = *layers[li];
    const LayerConfig& cfg = layer.cfg;
    const std::vector<Pass> passes =
        plan_passes(layer, caps.hw, static_cast<int>(caps.max_dim), d.options().balance_lanes);
    for (const Pass& p : passes) {
      jobs.push_back(Job{li, p, passes.size() == 1, banks.next(next_layer_id_ + li, p)});
    }
    AccelResult& r = out[li];
    r.y = OutT(cfg.N, cfg.Ho(), cfg.Wo());
    r.acc = AccT(cfg.N, cfg.Ho(), cfg.Wo());
    r.y.setZero();
    r.acc.setZero();
    // Split by input channel: each pass's int32 accumulators are partial sums over its
    // channels; the host adds them (two's-complement wrap, as one long accumulation) and
    // requantises.
    r.stats.channel_groups = channel_groups(passes);
  }
  next_layer_id_ += layers.size();
  const bool balance = d.options().balance_lanes;
  auto slice = [&](const Job& j) {
    return prepare_pass(*layers[j.layer], j.pass, j.whole, caps.hw, balance);
  };
  auto watchdog = [&](const IntLayer& sl) {
    return d.options().watchdog_cycles != 0 ? d.options().watchdog_cycles
                                            : auto_watchdog(sl, caps.hw, d.options());
  };
  auto load_bound = [&](size_t beats) {
    return static_cast<uint64_t>(static_cast<double>(beats) * 4.0 /
                                 std::max(0.02, 1.0 - d.options().idle_prob)) +
           1000;
  };

  // Recover from a previous abort/hang, then clear latched errors, done and the load counters.
  d.drop_loads();
  if (d.top().busy_o) {
    d.reg_write(reg::kCtrl, kCtrlAbort);
    d.wait_idle(jobs.empty() ? 100000 : watchdog(slice(jobs.front()).layer));
  }
  d.reg_write(reg::kCtrl, kCtrlClear);
  LoadSnapshot snap = read_load_counters(d);

  // Pass q's beats are queued while pass q-1 runs: the RTL takes them into the banks q-1 does
  // not read, and holds any other beat until q-1 ends. The beats it could not take during q-1
  // are the loads no pass overlapped (LD_IDLE).
  PassLayer cur = jobs.empty() ? PassLayer{} : slice(jobs.front());
  size_t queued = 0;
  if (!jobs.empty()) {
    const Job& j0 = jobs.front();
    const auto beats = encode_load(
        cur.layer, caps, LoadPlan{j0.load.ifmap, j0.load.weights, j0.load.ibank, j0.load.wbank});
    queued = beats.size();
    d.queue_load(beats);
  }
  for (size_t q = 0; q < jobs.size(); ++q) {
    const Job& j = jobs[q];
    const Pass& p = j.pass;
    AccelResult& r = out[j.layer];
    const uint64_t wd = watchdog(cur.layer);
    d.pump_load(load_bound(queued));
    const LoadSnapshot now = read_load_counters(d);
    add_load_delta(snap, now, r.stats);
    snap = now;
    d.write_config(cur.layer.cfg, j.load.ibank, j.load.wbank);
    d.clear_results();
    const uint64_t c0 = d.start();
    PassLayer next;
    queued = 0;
    if (q + 1 < jobs.size()) {
      const Job& jn = jobs[q + 1];
      next = slice(jn);
      const auto beats = encode_load(
          next.layer, caps, LoadPlan{jn.load.ifmap, jn.load.weights, jn.load.ibank, jn.load.wbank});
      queued = beats.size();
      d.queue_load(beats);
    }
    const AccelDriver::Outcome o = d.wait_done(c0, wd);
    const std::string where =
        (layers.size() > 1 ? "layer " + std::to_string(j.layer) + " " : std::string()) + "pass " +
        std::to_string(q) + "/" + std::to_string(jobs.size()) + " (n [" + std::to_string(p.n0) +
        "," + std::to_string(p.n1) + ") rows [" + std::to_string(p.r0) + "," +
        std::to_string(p.r1) + ") c [" + std::to_string(p.c0) + "," + std::to_string(p.c1) + "))";
    if (o.error) {
      d.drop_loads();
      throw AccelError(o.code, "RTL raised error code " + std::to_string(o.code) + " in " + where);
    }
    if (!d.protocol_error().empty()) {
      d.drop_loads();
      throw AccelError(AccelError::kProtocol, d.protocol_error() + " in " + where);
    }
    // Place the beats: one per (tile, n), tiles in order, n = 0..N-1 within a tile; device
    // channel n is the pass's output channel cur.order[n] (lane balancing).
    const LayerConfig& sc = cur.layer.cfg;
    const bool csplit = r.stats.channel_groups > 1;
    const int Ho = sc.Ho(), Wo = sc.Wo();
    const int64_t P = static_cast<int64_t>(Ho) * Wo;
    const int64_t tiles = (P + T - 1) / T;
    const auto& res = d.results();
    if (static_cast<int64_t>(res.size()) != tiles * sc.N) {
      d.drop_loads();
      throw AccelError(AccelError::kProtocol, "expected " + std::to_string(tiles * sc.N) +
                                                  " result beats, got " +
                                                  std::to_string(res.size()) + " in " + where);
    }
    for (size_t i = 0; i < res.size(); ++i) {
      const ResBeat& b = res[i];
      const int64_t want_tile = static_cast<int64_t>(i) / sc.N;
      const int64_t want_n = static_cast<int64_t>(i) % sc.N;
      const bool want_last = i + 1 == res.size();
      if (b.tile != want_tile || b.n != want_n || b.last != want_last) {
        d.drop_loads();
        throw AccelError(AccelError::kProtocol,
                         "result beat " + std::to_string(i) + " has (tile " +
                             std::to_string(b.tile) + ", n " + std::to_string(b.n) + ", last " +
                             std::to_string(b.last) + "), expected (tile " +
                             std::to_string(want_tile) + ", n " + std::to_string(want_n) +
                             ", last " + std::to_string(want_last) + ") in " + where);
      }
      for (int t = 0; t < T; ++t) {
        const int64_t px = want_tile * T + t;
        if (px >= P) break;
        const int y = static_cast<int>(px / Wo), x = static_cast<int>(px % Wo);
        const int n = p.n0 + cur.order[static_cast<size_t>(want_n)];
        int32_t& acc = r.acc(n, p.r0 + y, x);
        if (csplit) {
          acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(b.acc[t]));
        } else {
          r.y(n, p.r0 + y, x) = b.y[t];
          acc = b.acc[t];
        }
      }
    }
    read_run_counters(d, r.stats);
    r.stats.passes += 1;
    if (done && (q + 1 == jobs.size() || jobs[q + 1].layer != j.layer)) done(j.layer);
    cur = std::move(next);
  }
  for (size_t li = 0; li < layers.size(); ++li) {
    AccelResult& r = out[li];
    if (r.stats.channel_groups <= 1) continue;
    const IntLayer& layer = *layers[li];
    const LayerConfig& cfg = layer.cfg;
    for (int n = 0; n < cfg.N; ++n) {
      for (int y = 0; y < cfg.Ho(); ++y) {
        for (int x = 0; x < cfg.Wo(); ++x) {
          r.y(n, y, x) = requant(r.acc(n, y, x), layer.rq.bias[n], layer.rq.mult[n],
                                 layer.rq.shift[n], cfg.relu);
        }
      }
    }
  }
  return out;
}

}  // namespace esc
