// Energy per inference from activity events (docs/energy.md): the per-event energy table
// (golden/data/energy_45nm.json, every entry with its published source), ESCALATE's energy from
// its event counts (esc/events.hpp), and the two reference engines of SPEC section 5b under the
// dataflow stated below, all priced with the same table.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "esc/events.hpp"
#include "esc/layer.hpp"
#include "esc/metrics.hpp"

namespace esc {

// One point of the SRAM curve: a `bytes`-byte array costs `pj` per 64-bit access.
struct SramPoint {
  double bytes = 0.0, pj = 0.0;
  std::string source;
};

// The table of golden/data/energy_45nm.json. All energies in pJ.
struct EnergyTable {
  std::string node, origin;  // origin: file path, or "built-in" for the embedded copy
  double mul_int8 = 0.0;     // 8 x 8 bit multiply
  double mul_int8x16 = 0.0;  // 8-bit coefficient x 16-bit Zq multiply (CAU)
  double add_int32 = 0.0;    // accumulate add of every MAC
  double sram_access_bits = 64.0;
  std::vector<SramPoint> sram;  // ascending bytes
  double dram_pj_per_byte = 0.0;
  std::map<std::string, std::string> sources;  // key -> citation
  // Every numeric entry of the file ("arith.mul_int8", "sram.points[1]", "dram") and the source
  // key it names; parse_energy_table rejects an entry without one, or naming an unknown key.
  std::vector<std::pair<std::string, std::string>> entry_sources;

  // Energy of one bit of an access to an array of `bytes` bytes: the 64-bit figure interpolated
  // linearly in log(bytes) between the points, flat below the first, extrapolated along the last
  // segment above the last, divided by sram_access_bits.
  double sram_pj_per_bit(double bytes) const;
  double sram_access_pj(double bytes, double bits) const { return bits * sram_pj_per_bit(bytes); }
  double mac_int8_pj() const { return mul_int8 + add_int32; }
  double mac_cau_pj() const { return mul_int8x16 + add_int32; }
};

// Parse a table; throws std::invalid_argument naming `origin` and the entry on any missing field,
// missing or unknown source, non-positive energy or unsorted SRAM curve.
EnergyTable parse_energy_table(const std::string& json_text, const std::string& origin);
EnergyTable load_energy_table(const std::string& path);  // throws if unreadable
// The copy of golden/data/energy_45nm.json embedded at build time.
const EnergyTable& default_energy_table();
const std::string& default_energy_table_text();

enum class EnergyTerm : int { kMac, kSram, kDram };
const char* energy_term_name(EnergyTerm t);  // "MAC", "SRAM", "DRAM"

// Energy of one engine (one layer, or summed). pJ.
struct EnergyBreakdown {
  double mac = 0.0;   // multiplies + accumulate adds
  double sram = 0.0;  // on-chip memories (sum of `mem` for ESCALATE)
  double dram = 0.0;  // external memory: bytes through the load and result ports
  // ESCALATE: SRAM energy by on-chip memory (esc::Mem order); references: 0 = input buffer,
  // 1 = weight buffer, 2 = psum buffer.
  std::array<double, kNumMems> mem{};
  double total() const { return mac + sram + dram; }
  EnergyTerm dominant() const;
  EnergyBreakdown& operator+=(const EnergyBreakdown& o);
};

// ESCALATE from its event counts: bcu_macs * (mul_int8 + add_int32)
// + cau_macs * (mul_int8x16 + add_int32); each memory m: (reads * rd_bits + writes * wr_bits)
// * sram_pj_per_bit(bytes of one instance of m) (memory_info); (ld_bytes + res_bytes) *
// dram_pj_per_byte * dram_scale.
EnergyBreakdown escalate_energy(const EventCounts& e, const HwCaps& hw, const EnergyTable& t,
                                double dram_scale = 1.0);

// Events of a reference engine for one layer. The dataflow (docs/energy.md, "Reference
// engines") is weight-stationary on P multipliers. A tile holds the int8 weights of pc input
// channels x K*K taps x pn output channels (pc*K*K*pn <= P), one weight per multiplier, loaded
// once from the weight buffer and kept in the multiplier's register while every output pixel
// streams past (weight reuse Ho*Wo). Each cycle an adder tree sums the pc*K*K products of each of
// the pn output channels (psum reuse pc*K*K); each input value is read from the input buffer
// once per output-channel group and broadcast to the pn channels of the tile, the K x K window
// being formed in line-buffer registers (input reuse pn * K*K / stride^2 MACs per read). Loop
// order: output-channel group, input-channel group, pixel. Partial sums of the pn channels for
// every pixel wait in a psum buffer between input-channel groups; the last group's sums go to
// requantisation and out through the result port (no output buffer, as in ESCALATE).
//   gc = ceil(C/pc), gn = ceil(N/pn)
//   macs        = N*C*K*K*Ho*Wo (dense) or nnz_w*Ho*Wo (sparse)
//   weights     DRAM = buffer writes = buffer reads = weight bytes (N*C*K*K, or bits/8 sparse)
//   inputs      DRAM = buffer writes = C*H*W bytes; buffer reads = gn*C*H*W bytes
//   psums       buffer reads = writes = N*Ho*Wo*(gc-1) int32 words
//   outputs     DRAM = N*Ho*Wo bytes
// Buffers are sized to the layer (best case for the reference): input C*H*W bytes, weight
// 2*pc*K*K*pn bytes (a double-buffered tile), psum pn*Ho*Wo*4 bytes.
// Registers (weights in the array, line buffer, adder-tree pipeline), control, index decoding
// and the sparse engine's scatter network are not counted, as in ESCALATE's events.
struct RefEvents {
  int pc = 1, pn = 1;
  uint64_t macs = 0;
  uint64_t w_bytes = 0;                      // weight bytes: DRAM, buffer writes, buffer reads
  uint64_t in_bytes = 0, in_reads = 0;       // input bytes (DRAM, buffer writes); buffer bytes read
  uint64_t psum_reads = 0, psum_writes = 0;  // int32 words
  uint64_t out_bytes = 0;
  int64_t in_buf_bytes = 0, w_buf_bytes = 0, psum_buf_bytes = 0;
  uint64_t dram_bytes() const { return w_bytes + in_bytes + out_bytes; }
};

// Events of the stated dataflow for a given tile (pc, pn) and weight set: the dense engine
// (nnz_w = N*C*K*K, weight_bytes = nnz_w) or the sparse one (weight_bytes = ceil(bits / 8)).
RefEvents reference_events(const LayerConfig& cfg, int pc, int pn, int64_t nnz_w,
                           int64_t weight_bytes);
EnergyBreakdown reference_energy(const RefEvents& ev, const EnergyTable& t,
                                 double dram_scale = 1.0);

// SPEC 5b dense reference engine: P = multipliers(hw), and the tile (pc, pn) with
// pc * K*K * pn <= P, pc <= C, pn <= N of least energy at the nominal table (ties: smaller pc).
RefEvents dense_reference(const LayerConfig& cfg, const HwCaps& hw, const EnergyTable& t);
// SPEC 5b sparse reference engine (SCNN/SparTen class, best case): nnz_w nonzero int8 weights
// stored in weight_bits (value + index bits); the P multipliers hold P nonzero weights, so a
// tile covers floor(P * N*C*K*K / nnz_w) dense weight positions (the same search on that
// budget); MACs are nnz_w * Ho * Wo.
RefEvents sparse_reference(const LayerConfig& cfg, const HwCaps& hw, const EnergyTable& t,
                           int64_t nnz_w, int64_t weight_bits);

}  // namespace esc
