// Load-stream encoder (esc/load_encoder.hpp). Field layouts: rtl/esc_interface.toml.
#include "esc/load_encoder.hpp"

#include "esc/coef_codec.hpp"

namespace esc {

uint32_t ksp_word(const LayerConfig& c) {
  namespace f = hw::ksp_reg;
  return static_cast<uint32_t>(f::kK.put(c.K) | f::kStride.put(c.stride) | f::kPadT.put(c.pad_t) |
                               f::kPadB.put(c.pad_b) | f::kPadL.put(c.pad_l) |
                               f::kPadR.put(c.pad_r));
}

uint32_t mode_word(const LayerConfig& c) {
  namespace f = hw::mode_reg;
  return static_cast<uint32_t>(f::kCoef4.put(c.coef_w == 4) | f::kRelu.put(c.relu) |
                               f::kBasisPerCh.put(c.basis_per_channel));
}

LoadBeat coef_beat(int lane, int64_t index, int n, int m, int a, int64_t coef_depth) {
  namespace f = hw::coef_beat;
  LoadBeat b;
  b.tgt = hw::kTgtCoef;
  b.addr = static_cast<uint32_t>(lane * coef_depth + index);
  b.lo = f::kA.put(static_cast<uint8_t>(a)) | f::kM.put(static_cast<uint64_t>(m)) |
         f::kN.put(static_cast<uint64_t>(n));
  return b;
}

LoadBeat colptr_beat(int lane, int c, uint32_t ptr, uint32_t colptr_stride) {
  LoadBeat b;
  b.tgt = hw::kTgtColptr;
  b.addr = static_cast<uint32_t>(lane) * colptr_stride + static_cast<uint32_t>(c);
  b.lo = hw::colptr_beat::kPtr.put(ptr);
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

std::vector<LoadBeat> encode_load(const IntLayer& layer, const DeviceCaps& caps) {
  const LayerConfig& cfg = layer.cfg;
  std::vector<LoadBeat> out;
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
  const EncodedCoef enc = encode_coef(layer.coef, caps.hw.L);
  for (int l = 0; l < enc.lanes; ++l) {
    for (size_t i = 0; i < enc.entries[l].size(); ++i) {
      const CoefEntry& e = enc.entries[l][i];
      out.push_back(coef_beat(l, static_cast<int64_t>(i), e.n, e.m, e.a, caps.hw.coef_depth));
    }
  }
  for (int l = 0; l < enc.lanes; ++l) {
    for (int c = 0; c <= cfg.C; ++c) {
      out.push_back(colptr_beat(l, c, enc.colptr[l][c], caps.colptr_stride));
    }
  }
  // BIAS / requant per output channel.
  for (int n = 0; n < cfg.N; ++n) {
    out.push_back(bias_beat(n, layer.rq.bias[n], layer.rq.mult[n], layer.rq.shift[n]));
  }
  return out;
}

}  // namespace esc
