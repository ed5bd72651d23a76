// Activity events of one accelerator pass: the arithmetic and memory accesses the RTL's event
// counters count (registers EVT_* and LD_BYTES / RES_BYTES, rtl/esc_interface.toml), the
// golden prediction of those counts, and the geometry of each on-chip memory. The energy model
// (esc/energy.hpp) turns events into picojoules; docs/energy.md describes both.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

// The on-chip memories of the datapath, in register order (EVT_<MEM>_RD, EVT_<MEM>_WR).
enum class Mem : int { kIfmap, kBasis, kCoef, kColptr, kZfifo, kPsum, kBias };
inline constexpr int kNumMems = 7;
const char* mem_name(Mem m);  // "ifmap", "basis", ...

// One event is one access of one memory instance at the width given by MemoryInfo::rd_bits /
// wr_bits (a 16-byte IFMAP segment read is one event; a Z word written into all L lane copies
// is L events). MAC events are products issued: T * K * K per BCU basis step (the taps j >= K
// of a smaller kernel see zero operands) and T per coefficient entry a CAU lane issues. A
// coefficient read is one word of Cpb stored entries (read once per word a column touches). Pixels
// of a last, partial tile are issued like the others. Load bytes are LdDataW / 8 per accepted
// beat; result bytes are the T int8 outputs of a result beat (the int32 accumulator side
// channel is a verification port and is not counted).
struct EventCounts {
  uint64_t bcu_macs = 0, cau_macs = 0;
  std::array<uint64_t, kNumMems> rd{}, wr{};
  uint64_t ld_bytes = 0, res_bytes = 0;

  uint64_t& reads(Mem m) { return rd[static_cast<int>(m)]; }
  uint64_t& writes(Mem m) { return wr[static_cast<int>(m)]; }
  uint64_t reads(Mem m) const { return rd[static_cast<int>(m)]; }
  uint64_t writes(Mem m) const { return wr[static_cast<int>(m)]; }
  EventCounts& operator+=(const EventCounts& o);
  bool operator==(const EventCounts& o) const;
  bool operator!=(const EventCounts& o) const { return !(*this == o); }
};

// `e` with the buffer writes (and load bytes) of a load that wrote only the IFMAP (ifmap) and/or
// only the weights, BASIS, COEF, COLPTR and BIAS (weights): one write event per load beat.
EventCounts only_loads_of(EventCounts e, bool ifmap, bool weights);

// First field that differs, e.g. "coef_rd: 120 vs 121", or "" when equal.
std::string first_difference(const EventCounts& a, const EventCounts& b);

// Geometry of one memory of a build: `instances` copies of `words` x `word_bits`; one read
// event moves rd_bits, one write event wr_bits (per instance).
struct MemoryInfo {
  Mem mem;
  int64_t words;
  int word_bits;
  int instances;
  int rd_bits, wr_bits;
  int64_t bits() const { return words * word_bits * instances; }
};
MemoryInfo memory_info(Mem m, const HwCaps& hw);

// Events of one pass of `layer` (as the device sees it: one START, loaded from scratch by the
// host's load encoder) on a build with capacities `hw`:
//   tiles = ceil(Ho*Wo / T), nnz = stored coefficient entries, rows(k) = output rows tile k
//   touches;
//   bcu_macs = tiles*C*M*T*K^2          cau_macs = tiles*nnz*T
//   ifmap rd = C*K*sum_k rows(k)        wr = ceil(C*H*W / 8)
//   basis rd = tiles*C*M                wr = CB*M
//   coef  rd = tiles*sum_{lane, column} words the column's entries span
//                                       wr = sum_lane ceil(entries / Cpb)
//         (Cpb = fields_per_beat(entry width) entries per word and per COEF beat)
//   colptr rd = L*tiles*ceil((C+1)/Ppb) wr = L*ceil((C+1)/Ppb)
//         (Ppb = fields_per_beat(pointer width) pointers per word and per COLPTR beat)
//   zfifo rd = tiles*nnz                wr = L*tiles*C*M
//   psum  rd = tiles*(nnz+N)            wr = tiles*nnz
//   bias  rd = tiles*N                  wr = N
//   ld_bytes = 9 * load beats (IFMAP + BASIS + coef words + pointer words + BIAS beats)
//   res_bytes = T*tiles*N
EventCounts predict_events(const IntLayer& layer, const HwCaps& hw);

}  // namespace esc
