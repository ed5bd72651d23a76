// Unit tests of esc_cau (the back end) at small parameters (tb/CMakeLists.txt: L = 4,
// MaxFilters = 32, MaxChannels = 16, CoefDepth = 64, ZFifoDepth = 4; T and MaxBases default).
//
// The tests load COEF / COLPTR / BIAS beats exactly as docs/architecture.md specifies, push
// hand-made Z slots (Zq[m][t] at bits [(m*T+t)*16 +: 16], tile-major, channel-minor), and check
// every result beat against a C++ reference: acc[k][n][t] = sum over the entries (n, m, a) of
// every column c of a * Zq[k][c][m][t] (int32 wrap-around), y = golden requant(acc, bias[n], ...).
// The whole beat sequence is checked: count, (tile, n) order, res_last_o, acc and y of every
// pixel lane, and the valid/ready hold rule; so a lost, duplicated or reordered beat fails.
//
// Seeds: RtlFixture (ESC_SEED replays; the seed is printed with every failure).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "Vesc_cau.h"
#include "esc/fixture.hpp"
#include "esc/hw_interface.hpp"
#include "esc/layer.hpp"
#include "esc/load_encoder.hpp"

namespace esc {
namespace {

// Parameters of the esc_cau build (tb/CMakeLists.txt passes the small capacities; the rest are
// the interface defaults). Addresses, fields and codes come from esc/hw_interface.hpp.
constexpr int kT = hw::NumPixLanes;
constexpr int kMaxBases = ESC_CAU_MMAX;
constexpr int kMidW = hw::MidW;
constexpr int kL = ESC_CAU_L;
constexpr int kNMax = ESC_CAU_NMAX;
constexpr int kCMax = ESC_CAU_CMAX;
constexpr int kDepth = ESC_CAU_COEF_DEPTH;
constexpr uint32_t kCpStride = hw::colptr_stride(kCMax);
// COLPTR words: pointers per beat and words per lane (load-address stride).
constexpr uint32_t kCpPer = hw::fields_per_beat(hw::coef_ptr_width(ESC_CAU_COEF_DEPTH));
constexpr uint32_t kCpWords = kCpStride / kCpPer;
static_assert(kCMax / kCpPer + 1 < kCpWords, "a word past C_MAX must stay inside the lane");

constexpr uint8_t kTgtColptr = hw::kTgtColptr, kTgtBias = hw::kTgtBias;
constexpr int kErrCoefPtr = hw::err::kCoefPtr, kErrCoefIndex = hw::err::kCoefIndex,
              kErrCoefRange = hw::err::kCoefRange, kErrLoadAddr = hw::err::kLoadAddr,
              kErrLoadIndex = hw::err::kLoadIndex;

struct Entry {
  int n, m, a;
};

struct LdBeat {
  uint8_t tgt;
  uint32_t addr;
  uint64_t data;
};

using ZSlot = std::array<int16_t, kMaxBases * kT>;  // [m * T + t]

struct CauCase {
  int C = 1, N = 1, M = 1, tiles = 1;
  bool coef4 = false, relu = false;
  std::vector<std::vector<std::vector<Entry>>> col;  // [lane][c] -> entries, n % L == lane
  std::vector<int32_t> bias;
  std::vector<uint16_t> mult;
  std::vector<uint8_t> shift;
  std::vector<ZSlot> z;  // [k * C + c]

  CauCase(int c, int n, int m, int t) : C(c), N(n), M(m), tiles(t) {
    col.assign(kL, std::vector<std::vector<Entry>>(c));
    bias.assign(n, 0);
    mult.assign(n, 1);
    shift.assign(n, 0);
    z.assign(static_cast<size_t>(t) * c, ZSlot{});
  }
  void add(int c, int n, int m, int a) { col[n % kL][c].push_back({n, m, a}); }
  size_t lane_entries(int l) const {
    size_t s = 0;
    for (const auto& v : col[l]) s += v.size();
    return s;
  }
  std::string describe() const {
    std::ostringstream o;
    o << "C=" << C << " N=" << N << " M=" << M << " tiles=" << tiles << " coef4=" << coef4
      << " relu=" << relu << " entries/lane=";
    for (int l = 0; l < kL; ++l) o << (l ? "," : "") << lane_entries(l);
    return o.str();
  }
};

struct Beat {
  std::array<int8_t, kT> y{};
  std::array<int32_t, kT> acc{};
  uint32_t n = 0, tile = 0;
  bool last = false;
};

std::vector<Beat> reference(const CauCase& cs) {
  std::vector<Beat> out;
  for (int k = 0; k < cs.tiles; ++k) {
    std::vector<std::array<uint32_t, kT>> acc(cs.N, std::array<uint32_t, kT>{});
    for (int l = 0; l < kL; ++l) {
      for (int c = 0; c < cs.C; ++c) {
        const ZSlot& z = cs.z[static_cast<size_t>(k) * cs.C + c];
        for (const Entry& e : cs.col[l][c]) {
          for (int t = 0; t < kT; ++t) {
            acc[e.n][t] += static_cast<uint32_t>(static_cast<int32_t>(e.a) * z[e.m * kT + t]);
          }
        }
      }
    }
    for (int n = 0; n < cs.N; ++n) {
      Beat b;
      b.n = static_cast<uint32_t>(n);
      b.tile = static_cast<uint32_t>(k);
      b.last = k == cs.tiles - 1 && n == cs.N - 1;
      for (int t = 0; t < kT; ++t) {
        b.acc[t] = static_cast<int32_t>(acc[n][t]);
        b.y[t] = requant(b.acc[t], cs.bias[n], cs.mult[n], cs.shift[n], cs.relu);
      }
      out.push_back(b);
    }
  }
  return out;
}

// The host's encoder, with the 72-bit beat folded to the 64 bits these targets use.
LdBeat fold(const LoadBeat& b) {
  return {b.tgt, b.addr, b.lo};
}
HwCaps cau_caps() {
  HwCaps h;
  h.T = kT;
  h.L = kL;
  h.M_MAX = kMaxBases;
  h.C_MAX = kCMax;
  h.N_MAX = kNMax;
  h.coef_depth = kDepth;
  return h;
}
// Word `word` of a lane's coefficient RAM: up to coef_entry_layout().per_beat entries.
LdBeat coef_beat(int lane, int word, const std::vector<Entry>& es) {
  std::vector<CoefEntry> v;
  for (const Entry& e : es) {
    v.push_back({static_cast<uint16_t>(e.n), static_cast<uint8_t>(e.m), static_cast<int8_t>(e.a)});
  }
  const LoadBeat b = esc::coef_beat(lane, word, v, cau_caps());
  EXPECT_EQ(b.hi, 0) << "the esc_cau test build's COEF words fit 64 bits";
  return fold(b);
}
// A COEF word packed field by field with no check (the host encoder refuses illegal entries):
// entry k at [k*W +: W] = {n / L, m, a}, the word at `word` of `lane`.
LdBeat raw_coef_beat(int lane, int word, const std::vector<Entry>& es) {
  const CoefEntryLayout f = coef_entry_layout(cau_caps());
  uint64_t lo = 0;
  for (size_t k = 0; k < es.size(); ++k) {
    const uint64_t a = static_cast<uint8_t>(es[k].a) & ((uint64_t{1} << f.a_w) - 1);
    const uint64_t e = a | static_cast<uint64_t>(es[k].m) << f.a_w |
                       static_cast<uint64_t>(es[k].n / kL) << (f.a_w + f.m_w);
    lo |= e << (k * f.width);
  }
  const uint32_t words = static_cast<uint32_t>(kDepth / static_cast<int>(f.per_beat));
  return {hw::kTgtCoef, static_cast<uint32_t>(lane) * words + static_cast<uint32_t>(word), lo};
}
// Column pointers c = 0..C of lane l (entries before column c).
std::vector<uint32_t> lane_ptrs(const CauCase& cs, int l) {
  std::vector<uint32_t> p{0};
  for (int c = 0; c < cs.C; ++c) {
    p.push_back(p.back() + static_cast<uint32_t>(cs.col[l][c].size()));
  }
  return p;
}
// The COLPTR word `word` of `lane` from the lane's pointers (per_beat of them per word).
LdBeat colptr_word(int lane, int word, const std::vector<uint32_t>& ptrs) {
  const size_t per = colptr_layout(cau_caps()).per_beat, c0 = static_cast<size_t>(word) * per;
  const std::vector<uint32_t> w(
      ptrs.begin() + static_cast<std::ptrdiff_t>(c0),
      ptrs.begin() + static_cast<std::ptrdiff_t>(std::min(ptrs.size(), c0 + per)));
  return fold(esc::colptr_beat(lane, word, w, cau_caps(), kCpStride));
}
LdBeat bias_beat(int n, int32_t bias, uint16_t mult, uint8_t shift) {
  return fold(esc::bias_beat(n, bias, mult, shift));
}

std::vector<LdBeat> encode(const CauCase& cs) {
  std::vector<LdBeat> v;
  const size_t per_beat = coef_entry_layout(cau_caps()).per_beat;
  const size_t ptr_per_beat = colptr_layout(cau_caps()).per_beat;
  for (int l = 0; l < kL; ++l) {
    std::vector<Entry> lane;
    for (int c = 0; c < cs.C; ++c) {
      lane.insert(lane.end(), cs.col[l][c].begin(), cs.col[l][c].end());
    }
    const std::vector<uint32_t> ptrs = lane_ptrs(cs, l);
    for (size_t w = 0; w * ptr_per_beat < ptrs.size(); ++w) {
      v.push_back(colptr_word(l, static_cast<int>(w), ptrs));
    }
    for (size_t i = 0; i < lane.size(); i += per_beat) {
      const std::vector<Entry> word(
          lane.begin() + static_cast<std::ptrdiff_t>(i),
          lane.begin() + static_cast<std::ptrdiff_t>(std::min(lane.size(), i + per_beat)));
      v.push_back(coef_beat(l, static_cast<int>(i / per_beat), word));
    }
  }
  for (int n = 0; n < cs.N; ++n) v.push_back(bias_beat(n, cs.bias[n], cs.mult[n], cs.shift[n]));
  return v;
}

int16_t pick_z(SplitMix64& r) {
  switch (r.uniform(0, 7)) {
    case 0:
      return 32767;
    case 1:
      return -32768;
    case 2:
      return 0;
    case 3:
      return static_cast<int16_t>(r.uniform(-300, 300));
    default:
      return static_cast<int16_t>(static_cast<uint16_t>(r.next()));
  }
}

void random_requant(CauCase& cs, SplitMix64& r) {
  for (int n = 0; n < cs.N; ++n) {
    cs.bias[n] = static_cast<int32_t>(r.uniform(-200000, 200000));
    cs.mult[n] = static_cast<uint16_t>(r.uniform(1, 65535));
    cs.shift[n] = static_cast<uint8_t>(r.uniform(8, 30));
  }
}

void random_z(CauCase& cs, SplitMix64& r) {
  for (ZSlot& s : cs.z)
    for (int16_t& v : s) v = pick_z(r);
}

// Random coefficients with `density`; within a column the entries are in (n, m) order or
// shuffled; lanes over CoefDepth are thinned.
void random_coef(CauCase& cs, double density, SplitMix64& r) {
  const int amin = cs.coef4 ? -8 : -128, amax = cs.coef4 ? 7 : 127;
  for (int c = 0; c < cs.C; ++c)
    for (int n = 0; n < cs.N; ++n)
      for (int m = 0; m < cs.M; ++m)
        if (r.uniform01() < density) {
          int a = 0;
          while (a == 0) a = static_cast<int>(r.uniform(amin, amax));
          cs.add(c, n, m, a);
        }
  for (int l = 0; l < kL; ++l) {
    while (cs.lane_entries(l) > static_cast<size_t>(kDepth)) {
      auto& v = cs.col[l][r.uniform(0, cs.C - 1)];
      if (!v.empty()) v.erase(v.begin() + r.uniform(0, static_cast<int64_t>(v.size()) - 1));
    }
    if (r.uniform(0, 1) != 0) {
      for (auto& v : cs.col[l]) {
        for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[r.uniform(0, i - 1)]);
      }
    }
  }
}

// A case with random coefficients (density), Z and requantisation, drawn in that order.
CauCase random_case(int c, int n, int m, int t, double density, SplitMix64& r) {
  CauCase cs(c, n, m, t);
  random_coef(cs, density, r);
  random_z(cs, r);
  random_requant(cs, r);
  return cs;
}

struct RunOpts {
  double bp = 0.0;    // probability res_ready_i is low in a cycle
  double zgap = 0.0;  // probability no Z slot is offered in a cycle
  uint64_t max_cycles = 200000;
  int64_t abort_after = -1;  // >= 0: pulse abort_i after this many cycles (no result check)
};

struct RunOut {
  std::vector<Beat> beats;
  int err_code = 0;  // first err_o code
  uint64_t err_cycle = 0, cycles = 0;
  uint64_t z_stalls = 0, res_stalls = 0;
  bool done = false;
  std::string proto;  // first stream-rule violation
};

class Cau : public RtlFixture<Vesc_cau> {
 protected:
  void SetUp() override {
    RtlFixture<Vesc_cau>::SetUp();
    rng_ = SplitMix64(seed() * 0x9E3779B97F4A7C15ull + 3);
    Vesc_cau& d = dut();
    d.start_i = 0;
    d.abort_i = 0;
    d.ld_we_i = 0;
    d.z_valid_i = 0;
    d.res_ready_i = 0;
    sim().on_drive([this] { drive(); });
    sim().on_edge([this] { edge(); });
    reset();
  }

  // One load beat per cycle; returns the ld_err_o code of each beat (0 = accepted).
  std::vector<int> load(const std::vector<LdBeat>& beats) {
    Vesc_cau& d = dut();
    std::vector<int> codes;
    for (const LdBeat& b : beats) {
      d.ld_we_i = 1;
      d.ld_tgt_i = b.tgt;
      d.ld_addr_i = b.addr;
      clear_bits(d.ld_data_i);
      set_bits(d.ld_data_i, 0, 64, b.data);
      cycle();
      d.ld_we_i = 0;
      sim().settle();
      codes.push_back(d.ld_err_o ? static_cast<int>(d.ld_err_code_o) : 0);
    }
    return codes;
  }

  RunOut run(const CauCase& cs, const RunOpts& o) {
    Vesc_cau& d = dut();
    cs_ = &cs;
    opts_ = o;
    out_ = RunOut{};
    z_next_ = 0;
    z_valid_ = false;
    prev_stalled_ = false;
    aborted_ = false;
    d.cfg_c_i = static_cast<uint16_t>(cs.C);
    d.cfg_n_i = static_cast<uint16_t>(cs.N);
    d.cfg_m_i = static_cast<uint8_t>(cs.M);
    d.cfg_coef4_i = cs.coef4;
    d.cfg_relu_i = cs.relu;
    d.cfg_num_tiles_i = static_cast<uint32_t>(cs.tiles);
    d.start_i = 1;
    cycle();
    d.start_i = 0;
    running_ = true;
    for (uint64_t i = 0; i < o.max_cycles; ++i) {
      if (o.abort_after >= 0 && i == static_cast<uint64_t>(o.abort_after)) {
        d.abort_i = 1;
        aborted_ = true;
        cycle();
        d.abort_i = 0;
        break;
      }
      cycle();
      out_.cycles = i + 1;
      if (out_.done || out_.err_code != 0) break;
    }
    running_ = false;
    d.z_valid_i = 0;
    return out_;
  }

  // Cycles until busy_o and res_valid_o are low (after an abort), at most `bound`.
  int cycles_to_idle(int bound) {
    Vesc_cau& d = dut();
    sim().settle();
    int n = 0;
    while ((d.busy_o || d.res_valid_o) && n <= bound) {
      cycle();
      ++n;
    }
    return n;
  }

  void abort_pulse() {
    dut().abort_i = 1;
    cycle();
    dut().abort_i = 0;
  }

  // First difference between the monitored beats and the reference ("" if none).
  static std::string compare(const CauCase& cs, const std::vector<Beat>& got) {
    const std::vector<Beat> want = reference(cs);
    std::ostringstream m;
    for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
      const Beat &w = want[i], &g = got[i];
      if (w.tile != g.tile || w.n != g.n || w.last != g.last) {
        m << "beat " << i << ": (tile " << g.tile << ", n " << g.n << ", last " << g.last
          << "), expected (tile " << w.tile << ", n " << w.n << ", last " << w.last << ")";
        return m.str();
      }
      for (int t = 0; t < kT; ++t) {
        if (w.acc[t] != g.acc[t] || w.y[t] != g.y[t]) {
          m << "tile " << w.tile << " n " << w.n << " (lane " << w.n % kL << ") pixel " << t
            << ": acc expected " << w.acc[t] << " got " << g.acc[t] << ", y expected "
            << int(w.y[t]) << " got " << int(g.y[t]);
          return m.str();
        }
      }
    }
    if (want.size() != got.size()) {
      m << got.size() << " result beats, expected " << want.size();
      return m.str();
    }
    return "";
  }

  // Run `cs` and expect it to match the reference without error.
  void expect_matches(const CauCase& cs, const RunOpts& o) {
    SCOPED_TRACE(cs.describe() + " bp=" + std::to_string(o.bp) + " zgap=" + std::to_string(o.zgap));
    const std::vector<int> codes = load(encode(cs));
    for (size_t i = 0; i < codes.size(); ++i) ASSERT_EQ(codes[i], 0) << "load beat " << i;
    const RunOut r = run(cs, o);
    ASSERT_EQ(r.proto, "");
    ASSERT_EQ(r.err_code, 0) << "run-time error at cycle " << r.err_cycle;
    ASSERT_TRUE(r.done) << "no done_o within " << o.max_cycles << " cycles (" << r.beats.size()
                        << " beats)";
    ASSERT_EQ(compare(cs, r.beats), "");
    sim().settle();
    ASSERT_FALSE(dut().busy_o) << "busy_o after the last beat";
    last_run_ = r;
  }

  SplitMix64& rng() { return rng_; }
  RunOut last_run_;

 private:
  void drive() {
    Vesc_cau& d = dut();
    if (running_ && !z_valid_ && cs_ != nullptr && z_next_ < cs_->z.size() &&
        (opts_.zgap <= 0.0 || rng_.uniform01() >= opts_.zgap)) {
      z_valid_ = true;
      const ZSlot& s = cs_->z[z_next_];
      for (int i = 0; i < kMaxBases * kT; ++i)
        set_bits(d.z_data_i, i * kMidW, kMidW, static_cast<uint16_t>(s[i]));
    }
    d.z_valid_i = (running_ && z_valid_) ? 1 : 0;
    d.res_ready_i = (opts_.bp <= 0.0 || rng_.uniform01() >= opts_.bp) ? 1 : 0;
  }

  void edge() {
    Vesc_cau& d = dut();
    if (!running_) return;
    if (z_valid_ && d.z_ready_o) {
      z_valid_ = false;
      ++z_next_;
    } else if (z_valid_) {
      ++out_.z_stalls;
    }
    if (d.err_o && out_.err_code == 0) {
      out_.err_code = d.err_code_o;
      out_.err_cycle = sim().cycles();
    }
    Beat b;
    const bool valid = d.res_valid_o;
    if (valid) {
      for (int t = 0; t < kT; ++t) {
        b.y[t] = static_cast<int8_t>(get_bits(d.res_data_o, 8 * t, 8));
        b.acc[t] = static_cast<int32_t>(static_cast<uint32_t>(get_bits(d.res_acc_o, 32 * t, 32)));
      }
      b.n = d.res_n_o;
      b.tile = d.res_tile_o;
      b.last = d.res_last_o;
    }
    if (prev_stalled_ && !aborted_ && out_.proto.empty()) {
      if (!valid) {
        out_.proto =
            "res_valid_o dropped while stalled (cycle " + std::to_string(sim().cycles()) + ")";
      } else if (b.y != prev_.y || b.acc != prev_.acc || b.n != prev_.n || b.tile != prev_.tile ||
                 b.last != prev_.last) {
        out_.proto =
            "result beat changed while stalled (cycle " + std::to_string(sim().cycles()) + ")";
      }
    }
    prev_stalled_ = valid && !d.res_ready_i;
    if (prev_stalled_) {
      prev_ = b;
      ++out_.res_stalls;
    }
    if (valid && d.res_ready_i) {
      if (d.done_o) out_.done = true;
      out_.beats.push_back(b);
    }
  }

  SplitMix64 rng_{1};
  const CauCase* cs_ = nullptr;
  RunOpts opts_;
  RunOut out_;
  size_t z_next_ = 0;
  bool z_valid_ = false, running_ = false, prev_stalled_ = false, aborted_ = false;
  Beat prev_;
};

// Every output channel n is owned by lane n mod L and PSUM address n / L: give each n its own
// coefficient and basis index, so any mis-mapped lane, bank address or pixel lane shows.
TEST_F(Cau, BankLaneMapping) {
  CauCase cs(1, kNMax, kMaxBases, 1);
  for (int n = 0; n < kNMax; ++n) cs.add(0, n, n % kMaxBases, n + 1);
  for (int m = 0; m < kMaxBases; ++m)
    for (int t = 0; t < kT; ++t) cs.z[0][m * kT + t] = static_cast<int16_t>(1 + 10 * m + 1000 * t);
  for (int n = 0; n < kNMax; ++n) cs.mult[n] = 1;
  expect_matches(cs, {});
  // The same on two channels and three tiles, random Z, N not a multiple of L.
  CauCase cs2(2, kNMax - 3, kMaxBases, 3);
  for (int c = 0; c < 2; ++c)
    for (int n = 0; n < cs2.N; ++n) cs2.add(c, n, (n + c) % kMaxBases, (c ? -1 : 1) * (n + 1));
  random_z(cs2, rng());
  random_requant(cs2, rng());
  expect_matches(cs2, {0.3, 0.2});
}

// Several entries on the same n back to back (the S2 -> S1 PSUM forwarding path), duplicate
// (n, m) pairs, and the same n across a column boundary and a tile boundary.
TEST_F(Cau, SameFilterRunsForwarding) {
  SplitMix64& r = rng();
  for (int iter = 0; iter < 4; ++iter) {
    CauCase cs(3, 2 * kL, kMaxBases, 3);
    cs.relu = iter % 2 == 1;
    for (int c = 0; c < cs.C; ++c) {
      for (int l = 0; l < kL; ++l) {
        // runs on n = l, l + L, l, with run lengths 1..6, possibly repeating (n, m)
        const int ns[3] = {l, l + kL, l};
        for (int n : ns) {
          const int len = static_cast<int>(r.uniform(1, 6));
          for (int i = 0; i < len; ++i) {
            int a = 0;
            while (a == 0) a = static_cast<int>(r.uniform(-128, 127));
            cs.add(c, n, static_cast<int>(r.uniform(0, 2)), a);
          }
        }
      }
    }
    random_z(cs, r);
    random_requant(cs, r);
    expect_matches(cs, {iter < 2 ? 0.0 : 0.5, iter % 2 ? 0.0 : 0.3});
    if (HasFatalFailure()) return;
  }
}

// Empty columns: a lane with a single non-empty column, a lane with only the first and last
// column, a lane with no entries at all, one dense lane.
TEST_F(Cau, EmptyColumns) {
  SplitMix64& r = rng();
  CauCase cs(8, 2 * kL, 4, 4);
  auto ra = [&] {
    return r.uniform(0, 1) ? static_cast<int>(r.uniform(1, 127))
                           : -static_cast<int>(r.uniform(1, 128));
  };
  cs.add(3, 0, 2, ra());
  cs.add(0, 1, 0, ra());
  cs.add(7, 1 + kL, 3, ra());
  // lane 2: nothing
  for (int c = 0; c < cs.C; ++c)
    for (int m = 0; m < cs.M; ++m) cs.add(c, 3 + kL * (m % 2), m, ra());
  random_z(cs, r);
  random_requant(cs, r);
  expect_matches(cs, {0.2, 0.2});
}

// No coefficient at all: acc = 0 everywhere, y = requant(0, bias) per n.
TEST_F(Cau, AllZeroLayer) {
  CauCase cs(kCMax, kNMax, kMaxBases, 3);
  random_z(cs, rng());
  random_requant(cs, rng());
  for (int n = 0; n < kNMax; ++n)
    cs.bias[n] = static_cast<int32_t>(rng().uniform(-5000000, 5000000));
  expect_matches(cs, {0.3, 0.0});
}

// Many tiles with a cheap CAU and a slow result stream: the lanes run a tile ahead into the
// other PSUM half and must wait for the drain; the Z FIFO fills. Then the opposite balance.
TEST_F(Cau, PsumDoubleBufferUnderBackpressure) {
  SplitMix64& r = rng();
  {
    CauCase cs = random_case(2, kNMax, 2, 10, 0.15, r);
    expect_matches(cs, {0.8, 0.0});
    if (HasFatalFailure()) return;
    EXPECT_GT(last_run_.res_stalls, 0u);
    EXPECT_GT(last_run_.z_stalls, 0u) << "the Z FIFO never filled: the test lost its point";
  }
  {
    CauCase cs = random_case(4, kNMax, kMaxBases, 8, 0.6, r);
    expect_matches(cs, {0.5, 0.1});
  }
}

// Constrained-random layers within the small capacities, random backpressure and Z gaps,
// 4-bit mode, ReLU, densities 0..1, shuffled column order. Reuses one DUT (back to back).
TEST_F(Cau, RandomLayers) {
  SplitMix64& r = rng();
  const double dens[] = {0.0, 0.05, 0.2, 0.5, 1.0};
  for (int i = 0; i < 40; ++i) {
    CauCase cs(static_cast<int>(r.uniform(1, kCMax)), static_cast<int>(r.uniform(1, kNMax)),
               static_cast<int>(r.uniform(1, kMaxBases)), static_cast<int>(r.uniform(1, 5)));
    cs.coef4 = r.uniform(0, 3) == 0;
    cs.relu = r.uniform(0, 1) == 1;
    const double density = dens[r.uniform(0, 4)];
    random_coef(cs, density, r);
    random_z(cs, r);
    random_requant(cs, r);
    SCOPED_TRACE("random case " + std::to_string(i) + " density " + std::to_string(density));
    expect_matches(cs, {0.1 * static_cast<double>(r.uniform(0, 7)),
                        0.1 * static_cast<double>(r.uniform(0, 5))});
    if (HasFatalFailure()) return;
  }
}

// Run-time coefficient errors: err_o with the right code, then abort_i returns to idle within
// a bound, and a clean layer on the same DUT matches the reference.
TEST_F(Cau, RunTimeErrors) {
  struct ErrCase {
    const char* what;
    int code;
  };
  SplitMix64& r = rng();
  for (int kind = 0; kind < 5; ++kind) {
    CauCase cs = random_case(3, kL + 2, 3, 2, 0.3, r);
    const int lane = static_cast<int>(r.uniform(0, kL - 1));
    ErrCase ec{"", 0};
    std::vector<LdBeat> beats = encode(cs);
    switch (kind) {
      case 0: {  // entry with n >= N (but < MaxFilters, so the load accepts it)
        ec = {"n >= N", kErrCoefIndex};
        const int n = cs.N + ((lane - cs.N) % kL + kL) % kL;
        cs.col[lane][1].push_back({n, 0, 5});
        beats = encode(cs);
        break;
      }
      case 1:  // entry with m >= M
        ec = {"m >= M", kErrCoefIndex};
        cs.col[lane][2].push_back({lane, cs.M, 3});
        beats = encode(cs);
        break;
      case 2:  // 4-bit mode, coefficient outside [-8, 7]
        ec = {"coef4 range", kErrCoefRange};
        cs.coef4 = true;
        for (auto& col : cs.col)
          for (auto& v : col)
            for (Entry& e : v) e.a = std::clamp(e.a, -8, 7) == 0 ? 1 : std::clamp(e.a, -8, 7);
        cs.col[lane][0].push_back({lane, 0, r.uniform(0, 1) ? 8 : -9});
        beats = encode(cs);
        break;
      case 3:  // decreasing column pointers (found before column 0 issues anything)
        ec = {"colptr decreasing", kErrCoefPtr};
        beats.push_back(colptr_word(lane, 0, {1, 0}));
        break;
      case 4:  // end pointer beyond CoefDepth
        ec = {"colptr > CoefDepth", kErrCoefPtr};
        {
          // The largest pointer a word can hold is 2^width - 1.
          const uint32_t top = (1u << colptr_layout(cau_caps()).width) - 1;
          std::vector<uint32_t> p = lane_ptrs(cs, lane);
          p[static_cast<size_t>(cs.C)] =
              kDepth + 1 + static_cast<uint32_t>(r.uniform(0, top - kDepth - 1));
          const int per = static_cast<int>(colptr_layout(cau_caps()).per_beat);
          beats.push_back(colptr_word(lane, cs.C / per, p));
        }
        break;
    }
    SCOPED_TRACE(std::string("error case: ") + ec.what + ", lane " + std::to_string(lane) + ", " +
                 cs.describe());
    const std::vector<int> codes = load(beats);
    for (size_t i = 0; i < codes.size(); ++i) ASSERT_EQ(codes[i], 0) << "load beat " << i;
    RunOpts o;
    o.bp = 0.3;
    o.max_cycles = 2000;
    const RunOut out = run(cs, o);
    ASSERT_EQ(out.err_code, ec.code)
        << "after " << out.cycles << " cycles, " << out.beats.size() << " beats, done " << out.done;
    sim().settle();
    EXPECT_TRUE(dut().busy_o) << "busy_o must hold until esc_ctrl aborts";
    abort_pulse();
    EXPECT_LE(cycles_to_idle(16), 2) << "not idle after abort_i";
    // Clean layer afterwards.
    CauCase ok = random_case(2, kL + 1, 2, 2, 0.5, r);
    expect_matches(ok, {0.2, 0.2});
    if (HasFatalFailure()) return;
  }
}

// Load errors: ld_err_o the cycle after the beat with the right code, and the rejected beat
// writes nothing (it targets addresses of a loaded layer that must still compute correctly).
TEST_F(Cau, LoadErrors) {
  SplitMix64& r = rng();
  CauCase cs = random_case(4, kNMax, 4, 2, 0.3, r);
  const std::vector<int> ok = load(encode(cs));
  for (size_t i = 0; i < ok.size(); ++i) ASSERT_EQ(ok[i], 0) << "load beat " << i;
  const int l = static_cast<int>(r.uniform(0, kL - 1));
  struct Bad {
    const char* what;
    LdBeat beat;
    int code;
  };
  const std::vector<Bad> bad = {
      {"COEF lane >= L", raw_coef_beat(kL, 0, {{kL, 0, 1}}), kErrLoadAddr},
      // MaxFilters = 30 with L = 4: lane 2's local channel 7 is n = 30.
      {"COEF n >= MaxFilters", raw_coef_beat(2, 0, {{2, 0, 5}, {30, 0, 7}}), kErrLoadIndex},
      {"COEF m >= MaxBases", raw_coef_beat(l, 0, {{l, kMaxBases, 7}}), kErrLoadIndex},
      {"COEF m >= MaxBases in the last slot",
       raw_coef_beat(l, 0, {{l, 0, 1}, {l, 0, 1}, {l, 0, 1}, {l, kMaxBases + 1, 7}}),
       kErrLoadIndex},
      {"COLPTR lane >= L", {kTgtColptr, static_cast<uint32_t>(kL) * kCpWords, 1}, kErrLoadAddr},
      // the word after the one holding c = MaxChannels, still inside the lane's address range
      {"COLPTR word > MaxChannels / P",
       {kTgtColptr, static_cast<uint32_t>(l) * kCpWords + static_cast<uint32_t>(kCMax) / kCpPer + 1,
        0},
       kErrLoadAddr},
      {"BIAS n >= MaxFilters", {kTgtBias, static_cast<uint32_t>(kNMax), 0}, kErrLoadAddr},
  };
  for (const Bad& b : bad) {
    const std::vector<int> codes = load({b.beat});
    EXPECT_EQ(codes[0], b.code) << b.what;
    sim().settle();
    cycle();
    EXPECT_FALSE(dut().ld_err_o) << b.what << ": ld_err_o is a one-cycle pulse";
  }
  // The good layer is unchanged by the rejected beats.
  const RunOut out = run(cs, {0.2, 0.1});
  ASSERT_EQ(out.err_code, 0);
  ASSERT_TRUE(out.done);
  ASSERT_EQ(compare(cs, out.beats), "");
}

// abort_i at a random point (often with a stalled result beat): busy_o and res_valid_o low
// within a bound, and the next layer on the same DUT is exact.
TEST_F(Cau, AbortReturnsToIdle) {
  SplitMix64& r = rng();
  for (int iter = 0; iter < 12; ++iter) {
    CauCase cs = random_case(static_cast<int>(r.uniform(1, 6)),
                             static_cast<int>(r.uniform(1, kNMax)), 3, 4, 0.4, r);
    const std::vector<int> codes = load(encode(cs));
    ASSERT_EQ(std::count(codes.begin(), codes.end(), 0), static_cast<long>(codes.size()));
    RunOpts o;
    o.bp = 0.6;
    o.abort_after = r.uniform(0, 150);
    const RunOut out = run(cs, o);
    SCOPED_TRACE("abort after " + std::to_string(o.abort_after) + " cycles, " +
                 std::to_string(out.beats.size()) + " beats: " + cs.describe());
    ASSERT_EQ(out.proto, "");
    const int n = cycles_to_idle(16);
    ASSERT_LE(n, 1) << "busy_o/res_valid_o still high after abort_i";
    cycle(static_cast<uint64_t>(r.uniform(0, 3)));
    sim().settle();
    EXPECT_FALSE(dut().res_valid_o);
    EXPECT_FALSE(dut().busy_o);
    CauCase ok = random_case(static_cast<int>(r.uniform(1, 6)),
                             static_cast<int>(r.uniform(1, kNMax)), 2, 3, 0.5, r);
    expect_matches(ok, {0.4, 0.2});
    if (HasFatalFailure()) return;
  }
}

// Assertions are on in simulation and a firing one fails the test: a second start_i while the
// CAU is busy breaks CauStartWhileBusy_A (the top's controller never does this), and the
// harness turns the simulator's error into esc::SimError at that cycle instead of going on.
TEST_F(Cau, FiringAssertionBecomesSimError) {
  SplitMix64& r = rng();
  CauCase cs = random_case(4, kNMax, 3, 4, 0.6, r);
  const std::vector<int> codes = load(encode(cs));
  ASSERT_EQ(std::count(codes.begin(), codes.end(), 0), static_cast<long>(codes.size()));
  Vesc_cau& d = dut();
  d.cfg_c_i = static_cast<uint16_t>(cs.C);
  d.cfg_n_i = static_cast<uint16_t>(cs.N);
  d.cfg_m_i = static_cast<uint8_t>(cs.M);
  d.cfg_num_tiles_i = static_cast<uint32_t>(cs.tiles);
  d.start_i = 1;
  cycle();
  d.start_i = 0;
  cycle(3);
  sim().settle();
  ASSERT_TRUE(d.busy_o);
  d.start_i = 1;
  try {
    cycle(2);
    ADD_FAILURE() << "start_i while busy did not fire CauStartWhileBusy_A";
  } catch (const SimError& e) {
    EXPECT_NE(std::string(e.what()).find("RTL assertion"), std::string::npos) << e.what();
  }
  d.start_i = 0;
}

}  // namespace
}  // namespace esc
