// Event prediction and memory geometry; the formulas are listed in esc/events.hpp.
#include "esc/events.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "esc/coef_codec.hpp"

namespace esc {

namespace {
uint32_t coef_entry_bits(const HwCaps& hw) {
  return hw::coef_entry_width(static_cast<uint32_t>(hw.N_MAX), static_cast<uint32_t>(hw.L),
                              static_cast<uint32_t>(hw.M_MAX), static_cast<uint32_t>(hw.coef_w));
}
// Stored entries per word of a lane's coefficient RAM (= per COEF beat).
uint32_t coef_word_entries(const HwCaps& hw) {
  return hw::fields_per_beat(coef_entry_bits(hw));
}
constexpr std::array<const char*, kNumMems> kMemNames = {"ifmap", "basis", "coef", "colptr",
                                                         "zfifo", "psum",  "bias"};
}  // namespace

const char* mem_name(Mem m) {
  return kMemNames.at(static_cast<size_t>(m));
}

EventCounts& EventCounts::operator+=(const EventCounts& o) {
  bcu_macs += o.bcu_macs;
  cau_macs += o.cau_macs;
  for (int i = 0; i < kNumMems; ++i) {
    rd[i] += o.rd[i];
    wr[i] += o.wr[i];
  }
  ld_bytes += o.ld_bytes;
  res_bytes += o.res_bytes;
  return *this;
}

bool EventCounts::operator==(const EventCounts& o) const {
  return bcu_macs == o.bcu_macs && cau_macs == o.cau_macs && rd == o.rd && wr == o.wr &&
         ld_bytes == o.ld_bytes && res_bytes == o.res_bytes;
}

std::string first_difference(const EventCounts& a, const EventCounts& b) {
  auto diff = [](const std::string& name, uint64_t x, uint64_t y) {
    return name + ": " + std::to_string(x) + " vs " + std::to_string(y);
  };
  if (a.bcu_macs != b.bcu_macs) return diff("bcu_macs", a.bcu_macs, b.bcu_macs);
  if (a.cau_macs != b.cau_macs) return diff("cau_macs", a.cau_macs, b.cau_macs);
  for (int i = 0; i < kNumMems; ++i) {
    const std::string name = kMemNames[static_cast<size_t>(i)];
    if (a.rd[i] != b.rd[i]) return diff(name + "_rd", a.rd[i], b.rd[i]);
    if (a.wr[i] != b.wr[i]) return diff(name + "_wr", a.wr[i], b.wr[i]);
  }
  if (a.ld_bytes != b.ld_bytes) return diff("ld_bytes", a.ld_bytes, b.ld_bytes);
  if (a.res_bytes != b.res_bytes) return diff("res_bytes", a.res_bytes, b.res_bytes);
  return "";
}

MemoryInfo memory_info(Mem m, const HwCaps& hw) {
  const auto T = static_cast<uint32_t>(hw.T);
  const auto L = static_cast<uint32_t>(hw.L);
  const int l = hw.L;
  switch (m) {
    case Mem::kIfmap: {
      const int seg = static_cast<int>(hw::seg_words(T)) * 64;
      return {m, 2 * (hw.ifmap_bytes / 8), 64, 1, seg, 64};  // two banks
    }
    case Mem::kBasis: {
      const int w = static_cast<int>(hw::MaxTaps * hw::BasisW);
      return {m, 2 * int64_t{hw.M_MAX} * (hw.basis_per_ch != 0 ? hw.C_MAX : 1), w, 1, w,
              w};  // two banks; M_MAX entries each without a per-channel store
    }
    case Mem::kCoef: {
      const int w = static_cast<int>(coef_word_entries(hw) * coef_entry_bits(hw));
      return {m, 2 * (hw.coef_depth / coef_word_entries(hw)), w, l, w, w};  // two banks
    }
    case Mem::kColptr: {
      const uint32_t pw = hw::coef_ptr_width(static_cast<uint32_t>(hw.coef_depth));
      const int64_t per = hw::fields_per_beat(pw);
      const int w = static_cast<int>(per * pw);
      return {m, 2 * (hw.C_MAX / per + 1), w, l, w, w};  // two banks
    }
    case Mem::kZfifo: {
      const int w = static_cast<int>(T * hw::MidW);
      return {m, int64_t{hw::ZFifoDepth} * hw.M_MAX, w, l, w, w};
    }
    case Mem::kPsum: {
      const int w = static_cast<int>(T * hw::AccW);
      return {m, 2 * int64_t{hw::lane_filters(static_cast<uint32_t>(hw.N_MAX), L)}, w, l, w, w};
    }
    case Mem::kBias: {
      const int w = static_cast<int>(hw::bias_beat::kShift.lsb + hw::bias_beat::kShift.width);
      return {m, 2 * int64_t{hw.N_MAX}, w, 1, w, w};  // two banks
    }
  }
  throw std::invalid_argument("memory_info: unknown memory");
}

EventCounts only_loads_of(EventCounts e, bool ifmap, bool weights) {
  uint64_t beats = 0;
  for (int m = 0; m < kNumMems; ++m) {
    const Mem mem = static_cast<Mem>(m);
    if (mem == Mem::kZfifo || mem == Mem::kPsum) continue;  // not written by loads
    const bool keep = mem == Mem::kIfmap ? ifmap : weights;
    if (!keep) e.writes(mem) = 0;
    beats += e.writes(mem);
  }
  e.ld_bytes = beats * (hw::LdDataW / 8);
  return e;
}

EventCounts predict_events(const IntLayer& layer, const HwCaps& hw) {
  const LayerConfig& cfg = layer.cfg;
  const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  const int64_t T = hw.T, L = hw.L, C = cfg.C, N = cfg.N, M = cfg.M, K = cfg.K;
  const int64_t Wo = cfg.Wo(), P = int64_t{cfg.Ho()} * Wo;
  const int64_t tiles = (P + T - 1) / T;
  int64_t rows = 0;  // sum over tiles of the output rows each touches
  for (int64_t k = 0; k < tiles; ++k) {
    const int64_t first = k * T, last = std::min(P, first + T) - 1;
    rows += last / Wo - first / Wo + 1;
  }
  const EncodedCoef enc = encode_coef(layer.coef, hw.L);
  const int64_t nnz = enc.nnz();
  // Coefficient words: a lane stores its entries Cpb to a word; per tile it reads, for each
  // column with entries [s, e), the words those entries span (it holds the last word read).
  const int64_t cpb = coef_word_entries(hw);
  int64_t coef_words = 0, coef_word_reads = 0;
  for (int l = 0; l < enc.lanes; ++l) {
    coef_words +=
        (static_cast<int64_t>(enc.entries[static_cast<size_t>(l)].size()) + cpb - 1) / cpb;
    const std::vector<uint32_t>& cp = enc.colptr[static_cast<size_t>(l)];
    for (size_t c = 0; c + 1 < cp.size(); ++c) {
      const int64_t s0 = cp[c], e0 = cp[c + 1];
      if (e0 > s0) coef_word_reads += (e0 - 1) / cpb - s0 / cpb + 1;
    }
  }
  const int64_t cb = layer.basis.dimension(0), mb = layer.basis.dimension(1);
  const int64_t ifmap_beats = (int64_t{layer.x.size()} + 7) / 8;

  EventCounts e;
  e.bcu_macs = u(tiles * C * M * T * K * K);
  e.cau_macs = u(tiles * nnz * T);
  e.reads(Mem::kIfmap) = u(C * K * rows);
  e.writes(Mem::kIfmap) = u(ifmap_beats);
  e.reads(Mem::kBasis) = u(tiles * C * M);
  e.writes(Mem::kBasis) = u(cb * mb);
  e.reads(Mem::kCoef) = u(tiles * coef_word_reads);
  e.writes(Mem::kCoef) = u(coef_words);
  // Column pointers: Ppb to a word; per tile a lane reads each word of its C + 1 pointers once.
  const int64_t ppb = hw::fields_per_beat(hw::coef_ptr_width(static_cast<uint32_t>(hw.coef_depth)));
  const int64_t cp_words = (C + 1 + ppb - 1) / ppb;
  e.reads(Mem::kColptr) = u(L * tiles * cp_words);
  e.writes(Mem::kColptr) = u(L * cp_words);
  e.reads(Mem::kZfifo) = u(tiles * nnz);
  e.writes(Mem::kZfifo) = u(L * tiles * C * M);
  e.reads(Mem::kPsum) = u(tiles * (nnz + N));
  e.writes(Mem::kPsum) = u(tiles * nnz);
  e.reads(Mem::kBias) = u(tiles * N);
  e.writes(Mem::kBias) = u(N);
  const int64_t beats = ifmap_beats + cb * mb + coef_words + L * cp_words + N;
  e.ld_bytes = u(beats * int64_t{hw::LdDataW / 8});
  e.res_bytes = u(T * tiles * N * int64_t{hw::ActW / 8});
  return e;
}

}  // namespace esc
