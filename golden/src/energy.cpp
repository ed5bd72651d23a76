// Energy table, ESCALATE energy from events, and the SPEC 5b reference engines (esc/energy.hpp).
#include "esc/energy.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace esc {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw std::invalid_argument("energy table " + origin + ": " + what);
}

// A numeric entry: {"pj": v, "source": key, ...}; `field` names the value's key.
double entry(const json& j, const std::string& path, const std::string& field, EnergyTable& t) {
  if (!j.is_object()) fail(t.origin, path + " is not an object");
  if (!j.contains(field) || !j.at(field).is_number())
    fail(t.origin, path + "." + field + " missing");
  if (!j.contains("source") || !j.at("source").is_string()) {
    fail(t.origin, path + " names no source");
  }
  const std::string src = j.at("source").get<std::string>();
  if (t.sources.count(src) == 0) fail(t.origin, path + " names unknown source '" + src + "'");
  const double v = j.at(field).get<double>();
  if (!(v > 0.0) || !std::isfinite(v)) fail(t.origin, path + "." + field + " must be > 0");
  t.entry_sources.emplace_back(path, src);
  return v;
}

double ceil_div(int64_t a, int64_t b) {
  return static_cast<double>((a + b - 1) / b);
}

}  // namespace

double EnergyTable::sram_pj_per_bit(double bytes) const {
  if (sram.empty()) throw std::logic_error("energy table has no SRAM points");
  double pj;
  if (sram.size() == 1 || bytes <= sram.front().bytes) {
    pj = sram.front().pj;
  } else {
    size_t i = 1;
    while (i + 1 < sram.size() && bytes > sram[i].bytes) ++i;
    const SramPoint &a = sram[i - 1], &b = sram[i];
    const double f = std::log(bytes / a.bytes) / std::log(b.bytes / a.bytes);
    pj = a.pj + f * (b.pj - a.pj);
  }
  return pj / sram_access_bits;
}

EnergyTable parse_energy_table(const std::string& json_text, const std::string& origin) {
  EnergyTable t;
  t.origin = origin;
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    fail(origin, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) fail(origin, "top level is not an object");
  if (!j.contains("sources") || !j.at("sources").is_object() || j.at("sources").empty()) {
    fail(origin, "no 'sources' object");
  }
  for (const auto& [key, cite] : j.at("sources").items()) {
    if (!cite.is_string() || cite.get<std::string>().empty())
      fail(origin, "source " + key + " empty");
    t.sources[key] = cite.get<std::string>();
  }
  t.node = j.value("node", "");
  if (!j.contains("arith")) fail(origin, "no 'arith' section");
  const json& a = j.at("arith");
  for (const char* k : {"mul_int8", "mul_int8x16", "add_int32"}) {
    if (!a.contains(k)) fail(origin, std::string("arith.") + k + " missing");
  }
  // Every entry of the section must carry a source, also the ones the model does not use.
  for (const auto& [key, val] : a.items()) {
    const double v = entry(val, "arith." + key, "pj", t);
    if (key == "mul_int8") t.mul_int8 = v;
    if (key == "mul_int8x16") t.mul_int8x16 = v;
    if (key == "add_int32") t.add_int32 = v;
  }
  if (!j.contains("sram") || !j.at("sram").contains("points")) fail(origin, "no sram.points");
  const json& s = j.at("sram");
  t.sram_access_bits = s.value("access_bits", 64.0);
  if (!(t.sram_access_bits > 0.0)) fail(origin, "sram.access_bits must be > 0");
  const json& pts = s.at("points");
  if (!pts.is_array() || pts.empty()) fail(origin, "sram.points is empty");
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string path = "sram.points[" + std::to_string(i) + "]";
    SramPoint p;
    p.pj = entry(pts[i], path, "pj", t);
    if (!pts[i].contains("bytes") || !pts[i].at("bytes").is_number()) fail(origin, path + ".bytes");
    p.bytes = pts[i].at("bytes").get<double>();
    p.source = pts[i].at("source").get<std::string>();
    if (!t.sram.empty() && !(p.bytes > t.sram.back().bytes && p.pj >= t.sram.back().pj)) {
      fail(origin, path + ": points must grow in bytes and not fall in energy");
    }
    if (!(p.bytes > 0.0)) fail(origin, path + ".bytes must be > 0");
    t.sram.push_back(p);
  }
  if (!j.contains("dram")) fail(origin, "no 'dram' entry");
  t.dram_pj_per_byte = entry(j.at("dram"), "dram", "pj_per_byte", t);
  return t;
}

EnergyTable load_energy_table(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("energy table " + path + ": cannot open the file");
  std::ostringstream s;
  s << f.rdbuf();
  return parse_energy_table(s.str(), path);
}

const EnergyTable& default_energy_table() {
  static const EnergyTable t = parse_energy_table(default_energy_table_text(), "built-in");
  return t;
}

const char* energy_term_name(EnergyTerm t) {
  switch (t) {
    case EnergyTerm::kMac:
      return "MAC";
    case EnergyTerm::kSram:
      return "SRAM";
    case EnergyTerm::kDram:
      return "DRAM";
  }
  return "?";
}

EnergyTerm EnergyBreakdown::dominant() const {
  if (mac >= sram && mac >= dram) return EnergyTerm::kMac;
  return sram >= dram ? EnergyTerm::kSram : EnergyTerm::kDram;
}

EnergyBreakdown& EnergyBreakdown::operator+=(const EnergyBreakdown& o) {
  mac += o.mac;
  sram += o.sram;
  dram += o.dram;
  for (int i = 0; i < kNumMems; ++i) mem[i] += o.mem[i];
  return *this;
}

EnergyBreakdown escalate_energy(const EventCounts& e, const HwCaps& hw, const EnergyTable& t,
                                double dram_scale) {
  const auto d = [](uint64_t v) { return static_cast<double>(v); };
  EnergyBreakdown b;
  b.mac = d(e.bcu_macs) * t.mac_int8_pj() + d(e.cau_macs) * t.mac_cau_pj();
  for (int i = 0; i < kNumMems; ++i) {
    const Mem m = static_cast<Mem>(i);
    const MemoryInfo info = memory_info(m, hw);
    const double bytes = static_cast<double>(info.words) * info.word_bits / 8.0;
    const double bits = d(e.reads(m)) * info.rd_bits + d(e.writes(m)) * info.wr_bits;
    b.mem[i] = bits * t.sram_pj_per_bit(bytes);
    b.sram += b.mem[i];
  }
  b.dram = d(e.ld_bytes + e.res_bytes) * t.dram_pj_per_byte * dram_scale;
  return b;
}

RefEvents reference_events(const LayerConfig& cfg, int pc, int pn, int64_t nnz_w,
                           int64_t weight_bytes) {
  if (pc < 1 || pn < 1) throw std::invalid_argument("reference_events: pc and pn must be >= 1");
  const int64_t C = cfg.C, N = cfg.N, k2 = int64_t{cfg.K} * cfg.K;
  const int64_t pix = int64_t{cfg.Ho()} * cfg.Wo();
  const auto gc = static_cast<int64_t>(ceil_div(C, std::min<int64_t>(pc, C)));
  const auto gn = static_cast<int64_t>(ceil_div(N, std::min<int64_t>(pn, N)));
  const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  RefEvents r;
  r.pc = pc;
  r.pn = pn;
  r.macs = u(nnz_w * pix);
  r.w_bytes = u(weight_bytes);
  r.in_bytes = u(C * cfg.H * cfg.W);
  r.in_reads = u(gn) * r.in_bytes;
  r.psum_reads = r.psum_writes = u(N * pix * (gc - 1));
  r.out_bytes = u(N * pix);
  r.in_buf_bytes = C * cfg.H * cfg.W;
  r.w_buf_bytes = 2 * int64_t{pc} * k2 * pn;
  r.psum_buf_bytes = gc > 1 ? int64_t{pn} * pix * 4 : 0;
  return r;
}

EnergyBreakdown reference_energy(const RefEvents& ev, const EnergyTable& t, double dram_scale) {
  const auto d = [](uint64_t v) { return static_cast<double>(v); };
  const auto sz = [](int64_t v) { return static_cast<double>(v); };
  EnergyBreakdown b;
  b.mac = d(ev.macs) * t.mac_int8_pj();
  b.mem[0] = 8.0 * d(ev.in_bytes + ev.in_reads) * t.sram_pj_per_bit(sz(ev.in_buf_bytes));
  b.mem[1] = 8.0 * d(2 * ev.w_bytes) * t.sram_pj_per_bit(sz(ev.w_buf_bytes));
  b.mem[2] = ev.psum_buf_bytes > 0 ? 32.0 * d(ev.psum_reads + ev.psum_writes) *
                                         t.sram_pj_per_bit(sz(ev.psum_buf_bytes))
                                   : 0.0;
  b.sram = b.mem[0] + b.mem[1] + b.mem[2];
  b.dram = d(ev.dram_bytes()) * t.dram_pj_per_byte * dram_scale;
  return b;
}

namespace {

// The tile of least nominal energy for a multiplier budget `budget` (dense weight positions).
RefEvents best_tile(const LayerConfig& cfg, int64_t budget, const EnergyTable& t, int64_t nnz_w,
                    int64_t weight_bytes) {
  const int64_t k2 = int64_t{cfg.K} * cfg.K;
  const int64_t per_pc = std::max<int64_t>(1, budget / k2);  // channel pairs the budget holds
  RefEvents best;
  double best_e = -1.0;
  for (int64_t pc = 1; pc <= std::min<int64_t>(cfg.C, per_pc); ++pc) {
    const int64_t pn = std::min<int64_t>(cfg.N, std::max<int64_t>(1, per_pc / pc));
    const RefEvents ev =
        reference_events(cfg, static_cast<int>(pc), static_cast<int>(pn), nnz_w, weight_bytes);
    const double e = reference_energy(ev, t).total();
    if (best_e < 0.0 || e < best_e) {
      best = ev;
      best_e = e;
    }
  }
  return best;
}

}  // namespace

RefEvents dense_reference(const LayerConfig& cfg, const HwCaps& hw, const EnergyTable& t) {
  const int64_t w = int64_t{cfg.N} * cfg.C * cfg.K * cfg.K;
  return best_tile(cfg, multipliers(hw), t, w, w);
}

RefEvents sparse_reference(const LayerConfig& cfg, const HwCaps& hw, const EnergyTable& t,
                           int64_t nnz_w, int64_t weight_bits) {
  if (nnz_w < 1) throw std::invalid_argument("sparse_reference: nnz_w must be >= 1");
  const int64_t dense_w = int64_t{cfg.N} * cfg.C * cfg.K * cfg.K;
  const int64_t budget = multipliers(hw) * dense_w / nnz_w;
  return best_tile(cfg, budget, t, nnz_w, (weight_bits + 7) / 8);
}

}  // namespace esc
