// Load-stream encoder (esc/load_encoder.hpp). Field layouts: rtl/esc_interface.toml.
#include "esc/load_encoder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace esc {

uint32_t ksp_word(const LayerConfig& c) {
  namespace f = hw::ksp_reg;
  return static_cast<uint32_t>(f::kK.put(c.K) | f::kStride.put(c.stride) | f::kPadT.put(c.pad_t) |
                               f::kPadB.put(c.pad_b) | f::kPadL.put(c.pad_l) |
                               f::kPadR.put(c.pad_r));
}

uint32_t mode_word(const LayerConfig& c, int ibank, int wbank) {
  namespace f = hw::mode_reg;
  return static_cast<uint32_t>(f::kCoef4.put(c.coef_w == 4) | f::kRelu.put(c.relu) |
                               f::kBasisPerCh.put(c.basis_per_channel) | f::kIbank.put(ibank != 0) |
                               f::kWbank.put(wbank != 0));
}

uint32_t bank_addr(int bank, uint32_t addr) {
  if (addr >> hw::LdSpaceW != 0) {
    throw std::logic_error("load address " + std::to_string(addr) + " does not fit one bank");
  }
  return addr | (static_cast<uint32_t>(bank != 0) << hw::LdSpaceW);
}

namespace {

// Writes `width` bits of `v` at bit `lsb` of the LdDataW-bit beat {hi, lo}.
void put_bits(LoadBeat& b, uint32_t lsb, uint32_t width, uint64_t v) {
  for (uint32_t i = 0; i < width; ++i) {
    const uint64_t bit = (v >> i) & 1u;
    const uint32_t pos = lsb + i;
    if (pos < 64) {
      b.lo |= bit << pos;
    } else {
      b.hi = static_cast<uint8_t>(b.hi | (bit << (pos - 64)));
    }
  }
}

}  // namespace

CoefEntryLayout coef_entry_layout(const HwCaps& hw) {
  CoefEntryLayout e;
  const auto nmax = static_cast<uint32_t>(hw.N_MAX), lanes = static_cast<uint32_t>(hw.L);
  e.nl_w = hw::idx_width(hw::lane_filters(nmax, lanes));
  e.m_w = hw::idx_width(static_cast<uint32_t>(hw.M_MAX));
  e.a_w = static_cast<uint32_t>(hw.coef_w);
  e.width = hw::coef_entry_width(nmax, lanes, static_cast<uint32_t>(hw.M_MAX), e.a_w);
  e.per_beat = hw::fields_per_beat(e.width);
  return e;
}

LoadBeat coef_beat(int lane, int64_t word, const std::vector<CoefEntry>& entries,
                   const HwCaps& hw) {
  const CoefEntryLayout f = coef_entry_layout(hw);
  if (entries.size() > f.per_beat) {
    throw std::invalid_argument("coef_beat: " + std::to_string(entries.size()) +
                                " entries, a beat holds " + std::to_string(f.per_beat));
  }
  LoadBeat b;
  b.tgt = hw::kTgtCoef;
  b.addr = static_cast<uint32_t>(lane * (hw.coef_depth / f.per_beat) + word);
  for (size_t k = 0; k < entries.size(); ++k) {
    const CoefEntry& e = entries[k];
    const int lim = 1 << (f.a_w - 1);
    if (e.a < -lim || e.a >= lim || e.n % hw.L != lane || e.m >= hw.M_MAX || e.n >= hw.N_MAX) {
      throw std::invalid_argument("coef_beat: entry (n " + std::to_string(e.n) + ", m " +
                                  std::to_string(e.m) + ", a " + std::to_string(e.a) +
                                  ") does not fit lane " + std::to_string(lane) + " of this build");
    }
    const uint32_t lsb = static_cast<uint32_t>(k) * f.width;
    put_bits(b, lsb, f.a_w, static_cast<uint64_t>(static_cast<uint8_t>(e.a)));
    put_bits(b, lsb + f.a_w, f.m_w, static_cast<uint64_t>(e.m));
    put_bits(b, lsb + f.a_w + f.m_w, f.nl_w, static_cast<uint64_t>(e.n / hw.L));
  }
  return b;
}

ColptrLayout colptr_layout(const HwCaps& hw) {
  ColptrLayout p;
  p.width = hw::coef_ptr_width(static_cast<uint32_t>(hw.coef_depth));
  p.per_beat = hw::fields_per_beat(p.width);
  return p;
}

LoadBeat colptr_beat(int lane, int64_t word, const std::vector<uint32_t>& ptrs, const HwCaps& hw,
                     uint32_t colptr_stride) {
  const ColptrLayout f = colptr_layout(hw);
  if (ptrs.size() > f.per_beat) {
    throw std::invalid_argument("colptr_beat: " + std::to_string(ptrs.size()) +
                                " pointers, a beat holds " + std::to_string(f.per_beat));
  }
  LoadBeat b;
  b.tgt = hw::kTgtColptr;
  b.addr = static_cast<uint32_t>(lane) * (colptr_stride / f.per_beat) + static_cast<uint32_t>(word);
  for (size_t k = 0; k < ptrs.size(); ++k) {
    if (ptrs[k] >> f.width != 0) {
      throw std::invalid_argument("colptr_beat: pointer " + std::to_string(ptrs[k]) +
                                  " does not fit " + std::to_string(f.width) + " bits");
    }
    put_bits(b, static_cast<uint32_t>(k) * f.width, f.width, ptrs[k]);
  }
  return b;
}

LoadBeat bias_beat(int n, int32_t bias, uint16_t mult, uint8_t shift) {
  namespace f = hw::bias_beat;
  LoadBeat b;
  b.tgt = hw::kTgtBias;
  b.addr = static_cast<uint32_t>(n);
  b.lo = f::kBias.put(static_cast<uint32_t>(bias)) | f::kMult.put(mult) | f::kShift.put(shift);
  return b;
}

namespace {

void encode_ifmap(const IntLayer& layer, std::vector<LoadBeat>& out) {
  // IFMAP: CHW byte stream, one word per beat, the last word zero padded.
  constexpr int kWordBytes = static_cast<int>(hw::ifmap_beat::kBytes.width / 8);
  const int64_t bytes = layer.x.size();
  const auto* xb = reinterpret_cast<const uint8_t*>(layer.x.data());
  for (int64_t w = 0; w * kWordBytes < bytes; ++w) {
    LoadBeat b;
    b.tgt = hw::kTgtIfmap;
    b.addr = static_cast<uint32_t>(w);
    for (int k = 0; k < kWordBytes && w * kWordBytes + k < bytes; ++k) {
      b.lo |= uint64_t{xb[w * kWordBytes + k]} << (8 * k);
    }
    out.push_back(b);
  }
}

void encode_weights(const IntLayer& layer, const DeviceCaps& caps, std::vector<LoadBeat>& out) {
  const LayerConfig& cfg = layer.cfg;
  // BASIS: one beat per (cb, m), tap t = i*K + j at bits [8t +: 8].
  const int CB = static_cast<int>(layer.basis.dimension(0));
  const int M = static_cast<int>(layer.basis.dimension(1));
  const int K = cfg.K;
  for (int cb = 0; cb < CB; ++cb) {
    for (int m = 0; m < M; ++m) {
      LoadBeat b;
      b.tgt = hw::kTgtBasis;
      b.addr = static_cast<uint32_t>(cb * caps.hw.M_MAX + m);
      for (int i = 0; i < K; ++i) {
        for (int j = 0; j < K; ++j) {
          const int tap = i * K + j;
          const uint64_t v = static_cast<uint8_t>(layer.basis(cb, m, i, j));
          if (tap < 8) {
            b.lo |= v << (8 * tap);
          } else {
            b.hi = static_cast<uint8_t>(v);
          }
        }
      }
      out.push_back(b);
    }
  }
  // COEF + COLPTR: CSC by input channel, one bucket per lane.
  // COEF: each lane's entries in CSC order, per_beat of them in a beat (one RAM word).
  const EncodedCoef enc = encode_coef(layer.coef, caps.hw.L);
  const uint32_t per_beat = coef_entry_layout(caps.hw).per_beat;
  for (int l = 0; l < enc.lanes; ++l) {
    const auto& lane = enc.entries[l];
    for (size_t i = 0; i < lane.size(); i += per_beat) {
      const std::vector<CoefEntry> word(
          lane.begin() + static_cast<std::ptrdiff_t>(i),
          lane.begin() + static_cast<std::ptrdiff_t>(std::min(lane.size(), i + per_beat)));
      out.push_back(coef_beat(l, static_cast<int64_t>(i / per_beat), word, caps.hw));
    }
  }
  // COLPTR: each lane's C + 1 pointers, per_beat of them in a beat (one RAM word).
  const uint32_t ptr_per_beat = colptr_layout(caps.hw).per_beat;
  for (int l = 0; l < enc.lanes; ++l) {
    const std::vector<uint32_t>& cp = enc.colptr[l];
    for (size_t c = 0; c < cp.size(); c += ptr_per_beat) {
      const std::vector<uint32_t> word(
          cp.begin() + static_cast<std::ptrdiff_t>(c),
          cp.begin() + static_cast<std::ptrdiff_t>(std::min(cp.size(), c + ptr_per_beat)));
      out.push_back(colptr_beat(l, static_cast<int64_t>(c / ptr_per_beat), word, caps.hw,
                                caps.colptr_stride));
    }
  }
  // BIAS / requant per output channel.
  for (int n = 0; n < cfg.N; ++n) {
    out.push_back(bias_beat(n, layer.rq.bias[n], layer.rq.mult[n], layer.rq.shift[n]));
  }
}

}  // namespace

std::vector<LoadBeat> encode_load(const IntLayer& layer, const DeviceCaps& caps,
                                  const LoadPlan& plan) {
  std::vector<LoadBeat> out;
  if (plan.ifmap) encode_ifmap(layer, out);
  if (plan.weights) encode_weights(layer, caps, out);
  const size_t n_ifmap = plan.ifmap ? static_cast<size_t>((layer.x.size() + 7) / 8) : 0;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].addr = bank_addr(i < n_ifmap ? plan.ibank : plan.wbank, out[i].addr);
  }
  return out;
}

}  // namespace esc
