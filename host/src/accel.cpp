// Host-side driver of esc_top: register driver, load driver, result monitor, tiling, watchdog.
#include "esc/accel.hpp"

#include <algorithm>
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

void AccelDriver::write_config(const LayerConfig& cfg) {
  reg_write(reg::kC, static_cast<uint32_t>(cfg.C));
  reg_write(reg::kN, static_cast<uint32_t>(cfg.N));
  reg_write(reg::kH, static_cast<uint32_t>(cfg.H));
  reg_write(reg::kW, static_cast<uint32_t>(cfg.W));
  reg_write(reg::kKsp, ksp_word(cfg));
  reg_write(reg::kM, static_cast<uint32_t>(cfg.M));
  reg_write(reg::kZshift, static_cast<uint32_t>(cfg.zshift));
  reg_write(reg::kMode, mode_word(cfg));
}

AccelDriver::Outcome AccelDriver::start_and_wait(uint64_t watchdog) {
  Vesc_top& t = sim_.top();
  Outcome o;
  const uint64_t c0 = sim_.cycles();
  reg_write(reg::kCtrl, kCtrlStart);
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

AccelResult Accel::run_layer(const IntLayer& layer) {
  // Reject inconsistent layers before anything is sized or indexed from their configuration.
  if (const std::string bad = validate(layer); !bad.empty()) {
    throw std::invalid_argument("Accel::run_layer: invalid layer (" + bad +
                                "); nothing was sent to the accelerator");
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
  const auto bad_caps =
      hw::param_errors(static_cast<uint32_t>(h.T), static_cast<uint32_t>(h.L),
                       static_cast<uint32_t>(h.M_MAX), static_cast<uint32_t>(h.K_MAX),
                       static_cast<uint32_t>(h.C_MAX), static_cast<uint32_t>(h.N_MAX),
                       static_cast<uint32_t>(h.ifmap_bytes), static_cast<uint32_t>(h.coef_depth),
                       hw::ZFifoDepth, static_cast<uint32_t>(h.coef_w), caps.max_dim);
  if (!bad_caps.empty()) {
    throw AccelError(AccelError::kNoDevice,
                     "capability registers describe an illegal build: " + bad_caps.front());
  }
  const LayerConfig& cfg = layer.cfg;
  const std::vector<Pass> passes = plan_passes(layer, caps.hw, static_cast<int>(caps.max_dim));
  AccelResult r;
  r.y = OutT(cfg.N, cfg.Ho(), cfg.Wo());
  r.acc = AccT(cfg.N, cfg.Ho(), cfg.Wo());
  r.y.setZero();
  r.acc.setZero();
  const int T = caps.hw.T;
  // Split by input channel: each pass's int32 accumulators are partial sums over its channels;
  // the host adds them (two's-complement wrap, as one long accumulation) and requantises.
  r.stats.channel_groups = channel_groups(passes);
  const bool csplit = r.stats.channel_groups > 1;
  for (size_t pi = 0; pi < passes.size(); ++pi) {
    const Pass& p = passes[pi];
    const bool whole = passes.size() == 1;
    const IntLayer sl = whole ? layer : slice_layer(layer, p.n0, p.n1, p.r0, p.r1, p.c0, p.c1);
    const LayerConfig& sc = sl.cfg;
    const uint64_t wd = d.options().watchdog_cycles != 0 ? d.options().watchdog_cycles
                                                         : auto_watchdog(sl, caps.hw, d.options());
    // Recover from a previous abort/hang, then clear latched errors and done.
    if (d.top().busy_o) {
      d.reg_write(reg::kCtrl, kCtrlAbort);
      d.wait_idle(wd);
    }
    d.reg_write(reg::kCtrl, kCtrlClear);
    const std::vector<LoadBeat> beats = encode_load(sl, caps);
    d.queue_load(beats);
    const double idle = d.options().idle_prob;
    d.pump_load(static_cast<uint64_t>(static_cast<double>(beats.size()) * 4.0 /
                                      std::max(0.02, 1.0 - idle)) +
                1000);
    d.write_config(sc);
    d.clear_results();
    const AccelDriver::Outcome o = d.start_and_wait(wd);
    const std::string where = "pass " + std::to_string(pi) + "/" + std::to_string(passes.size()) +
                              " (n [" + std::to_string(p.n0) + "," + std::to_string(p.n1) +
                              ") rows [" + std::to_string(p.r0) + "," + std::to_string(p.r1) +
                              ") c [" + std::to_string(p.c0) + "," + std::to_string(p.c1) + "))";
    if (o.error) {
      throw AccelError(o.code, "RTL raised error code " + std::to_string(o.code) + " in " + where);
    }
    if (!d.protocol_error().empty()) {
      throw AccelError(AccelError::kProtocol, d.protocol_error() + " in " + where);
    }
    // Place the beats: one per (tile, n), tiles in order, n = 0..N-1 within a tile.
    const int Ho = sc.Ho(), Wo = sc.Wo();
    const int64_t P = static_cast<int64_t>(Ho) * Wo;
    const int64_t tiles = (P + T - 1) / T;
    const auto& res = d.results();
    if (static_cast<int64_t>(res.size()) != tiles * sc.N) {
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
        int32_t& acc = r.acc(p.n0 + want_n, p.r0 + y, x);
        if (csplit) {
          acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(b.acc[t]));
        } else {
          r.y(p.n0 + want_n, p.r0 + y, x) = b.y[t];
          acc = b.acc[t];
        }
      }
    }
    PerfCounters pc;
    pc.total = d.reg_read(reg::kCycTotal);
    pc.bcu = d.reg_read(reg::kCycBcu);
    pc.cau = d.reg_read(reg::kCycCau);
    pc.stall = d.reg_read(reg::kCycStall);
    pc.res_beats = d.reg_read(reg::kResBeats);
    pc.ld_beats = d.reg_read(reg::kLdBeats);
    r.stats.perf.total += pc.total;
    r.stats.perf.bcu += pc.bcu;
    r.stats.perf.cau += pc.cau;
    r.stats.perf.stall += pc.stall;
    r.stats.perf.res_beats += pc.res_beats;
    r.stats.perf.ld_beats += pc.ld_beats;
    const EventCounts ev = d.read_events();
    r.stats.load_bytes += ev.ld_bytes;
    r.stats.result_bytes += ev.res_bytes;
    r.stats.events += ev;
    r.stats.passes += 1;
  }
  if (csplit) {
    for (int n = 0; n < cfg.N; ++n) {
      for (int y = 0; y < cfg.Ho(); ++y) {
        for (int x = 0; x < cfg.Wo(); ++x) {
          r.y(n, y, x) = requant(r.acc(n, y, x), layer.rq.bias[n], layer.rq.mult[n],
                                 layer.rq.shift[n], cfg.relu);
        }
      }
    }
  }
  return r;
}

}  // namespace esc
