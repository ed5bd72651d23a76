// Fuzz target: layer-configuration validation (esc::validate), the gate in front of the golden
// model, the host driver and the CLI. Accepted layers must also run (run_int) and tile
// (slice_layer gives the same results as the whole layer).
//
// Input layout (missing bytes read as 0):
//   13 config fields C N H W K stride pad_t pad_b pad_l pad_r M zshift coef_w, each a u8
//   selector s: s & 0x80 -> a raw int32 (u32) follows; else the small value (s & 0x7f) % 20 - 2
//   u8 flags: bit0 relu, bit1 basis_per_channel, bits2-4 which tensor dim to perturb by +1
//             (0 = none), bit5 requant vectors one short, bits6-7 slice choice
//   then the tensor contents (x, basis, coef, bias, mult, shift), cycled over the remaining bytes
#include <algorithm>
#include <array>
#include <string>

#include "esc/layer.hpp"
#include "esc/tiling.hpp"
#include "fuzz_targets.hpp"

namespace esc::fuzz {

namespace {

constexpr int kMaxDim = 10;  // tensor dims are clamped here; the config may say anything

int field(ByteReader& r) {
  const uint8_t s = r.u8();
  if (s & 0x80) return static_cast<int>(r.u32());
  return (s & 0x7f) % 20 - 2;
}

int dim(int v) {
  return std::clamp(v, 0, kMaxDim);
}

// Cycles over the tail of the input to fill tensors.
class Filler {
 public:
  Filler(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t next() { return n_ ? d_[i_++ % n_] : 0; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

const char* const kFields[] = {"C",     "N",     "H",       "W",       "K",       "stride", "pad_t",
                               "pad_b", "pad_l", "pad_r",   "M",       "zshift",  "coef_w", "x",
                               "basis", "coef",  "rq.bias", "rq.mult", "rq.shift"};

bool names_a_field(const std::string& msg) {
  for (const char* f : kFields) {
    if (msg.rfind(std::string(f) + ":", 0) == 0 || msg.rfind(std::string(f) + " ", 0) == 0)
      return true;
  }
  return false;
}

}  // namespace

IntLayer layer_from_bytes(const uint8_t* data, size_t size, uint8_t* flags_out) {
  ByteReader r(data, size);
  IntLayer L;
  LayerConfig& c = L.cfg;
  int* f[] = {&c.C,     &c.N,     &c.H,     &c.W, &c.K,      &c.stride, &c.pad_t,
              &c.pad_b, &c.pad_l, &c.pad_r, &c.M, &c.zshift, &c.coef_w};
  for (int* p : f) *p = field(r);
  const uint8_t flags = r.u8();
  *flags_out = flags;
  c.relu = flags & 1;
  c.basis_per_channel = flags & 2;
  const int perturb = (flags >> 2) & 7;  // 1..7: one of the tensor dims below gets +1
  std::array<int, 7> d = {dim(c.C), dim(c.H), dim(c.W), dim(c.CB()), dim(c.M), dim(c.K), dim(c.N)};
  if (perturb) d[perturb - 1] += 1;
  const size_t used = size - r.left();
  Filler fill(data + used, r.left());
  L.x = ActT(d[0], d[1], d[2]);
  for (Eigen::Index i = 0; i < L.x.size(); ++i) L.x.data()[i] = static_cast<int8_t>(fill.next());
  L.basis = BasisT(d[3], d[4], d[5], d[5]);
  for (Eigen::Index i = 0; i < L.basis.size(); ++i)
    L.basis.data()[i] = static_cast<int8_t>(fill.next());
  L.coef = CoefT(d[6], d[0], d[4]);
  for (Eigen::Index i = 0; i < L.coef.size(); ++i) {
    int v = static_cast<int8_t>(fill.next());
    if (c.coef_w == 4 && (v & 0x7c) != 0x7c) v = v % 8;  // mostly in range, sometimes not
    L.coef.data()[i] = static_cast<int8_t>(v);
  }
  const int nrq = std::max(0, dim(c.N) - ((flags & 0x20) ? 1 : 0));
  for (int n = 0; n < nrq; ++n) {
    L.rq.bias.push_back(static_cast<int32_t>(fill.next() | (fill.next() << 8)) - 32768);
    L.rq.mult.push_back(static_cast<uint16_t>(fill.next() | (fill.next() << 8)));
    L.rq.shift.push_back(static_cast<uint8_t>(fill.next() % 72));  // > 63 must be rejected
  }
  return L;
}

// The host driver's own check (tb/src/tiling.cpp): a tiling plan for small random capacities
// must cover every (n, output row) exactly once with passes that fit, or name the capacity.
void check_tiling(const IntLayer& L, const uint8_t* data, size_t size) {
  Filler f(data, size);
  HwCaps caps;
  caps.T = 1 + f.next() % 8;
  caps.L = 1 + f.next() % 16;
  caps.M_MAX = 1 + f.next() % 8;
  caps.K_MAX = 1 + 2 * (f.next() % 4);
  caps.C_MAX = 1 + f.next() % 16;
  caps.N_MAX = 1 + f.next() % 16;
  caps.ifmap_bytes = 1 + f.next() * 8;
  caps.coef_depth = 1 + f.next() % 64;
  caps.basis_per_ch = 1;  // a build with the per-channel store: every mode is plannable
  const int max_dim = f.next() % 20;
  const bool balance = (f.next() & 1) != 0;  // the lane order the driver would send
  std::vector<Pass> passes;
  try {
    passes = plan_passes(L, caps, max_dim, balance);
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).rfind("layer cannot be tiled", 0) != 0)
      throw FuzzPropertyError(std::string("plan_passes message: ") + e.what());
    return;
  }
  const LayerConfig& c = L.cfg;
  if (passes.empty()) throw FuzzPropertyError("plan_passes: no passes");
  if (c.M > caps.M_MAX || c.K > caps.K_MAX || (max_dim > 0 && c.W > max_dim))
    throw FuzzPropertyError("plan_passes accepted a layer over M/K/W capacity");
  // Every (output channel, output row, input channel) is in exactly one pass.
  std::vector<int> hits(static_cast<size_t>(c.N) * c.Ho() * c.C, 0);
  for (const Pass& p : passes) {
    if (p.n0 < 0 || p.n1 > c.N || p.n0 >= p.n1 || p.r0 < 0 || p.r1 > c.Ho() || p.r0 >= p.r1 ||
        p.c0 < 0 || p.c1 > c.C || p.c0 >= p.c1)
      throw FuzzPropertyError("plan_passes: pass out of range");
    if (p.n1 - p.n0 > caps.N_MAX) throw FuzzPropertyError("pass over N_MAX");
    if (p.c1 - p.c0 > caps.C_MAX) throw FuzzPropertyError("pass over C_MAX");
    const int rows = input_rows_for(c, p.r0, p.r1);
    if (int64_t{p.c1 - p.c0} * rows * c.W > caps.ifmap_bytes || (max_dim > 0 && rows > max_dim))
      throw FuzzPropertyError("pass over the IFMAP capacity");
    // in the lane order the driver sends: balanced, or n mod L (the planner sizes for it)
    const PassLayer sent = prepare_pass(L, p, passes.size() == 1, caps, balance);
    for (int64_t k : lane_entries(sent.layer.coef, 0, p.n1 - p.n0, caps.L))
      if (k > caps.coef_depth) throw FuzzPropertyError("pass over CoefDepth");
    for (int n = p.n0; n < p.n1; ++n)
      for (int r = p.r0; r < p.r1; ++r)
        for (int ch = p.c0; ch < p.c1; ++ch)
          ++hits[(static_cast<size_t>(n) * c.Ho() + r) * c.C + ch];
  }
  for (int h : hits)
    if (h != 1)
      throw FuzzPropertyError("plan_passes: an output is covered " + std::to_string(h) + " times");
}

int fuzz_layer(const uint8_t* data, size_t size) {
  uint8_t flags = 0;
  const IntLayer L = layer_from_bytes(data, size, &flags);
  const std::string err = validate(L);
  if (!err.empty()) {
    if (!names_a_field(err)) throw FuzzPropertyError("validate message names no field: " + err);
    try {
      (void)run_int(L);
    } catch (const std::invalid_argument&) {
      return 0;
    }
    throw FuzzPropertyError("run_int accepted a layer validate rejected: " + err);
  }
  const LayerConfig& c = L.cfg;
  const int Ho = c.Ho(), Wo = c.Wo();
  if (Ho < 1 || Wo < 1) throw FuzzPropertyError("validate accepted an empty output");
  check_tiling(L, data, size);
  // Keep one execution cheap: the interesting part (validation) already ran.
  const int64_t work = int64_t{c.C} * c.N * c.M * c.K * c.K * Ho * Wo;
  if (work > 100000) return 0;
  const IntResult full = run_int(L);
  if (full.y.dimension(0) != c.N || full.y.dimension(1) != Ho || full.y.dimension(2) != Wo)
    throw FuzzPropertyError("run_int: output shape is not (N, Ho, Wo)");
  // Tiling: one output-channel group and row band, chosen by the flags, must match exactly.
  const int sel = flags >> 6;
  const int n0 = sel & 1 ? c.N / 2 : 0, n1 = c.N;
  const int r0 = sel & 2 ? Ho / 2 : 0, r1 = sel & 2 ? Ho : std::max(1, Ho / 2);
  if (n0 >= n1 || r0 >= r1) return 0;
  const IntLayer s = slice_layer(L, n0, n1, r0, r1);
  const std::string serr = validate(s);
  if (!serr.empty()) throw FuzzPropertyError("slice_layer produced an invalid layer: " + serr);
  const IntResult part = run_int(s);
  for (int n = n0; n < n1; ++n)
    for (int y = r0; y < r1; ++y)
      for (int x = 0; x < Wo; ++x)
        if (part.acc(n - n0, y - r0, x) != full.acc(n, y, x) ||
            part.y(n - n0, y - r0, x) != full.y(n, y, x))
          throw FuzzPropertyError("slice_layer result differs at n=" + std::to_string(n) +
                                  " y=" + std::to_string(y) + " x=" + std::to_string(x));
  return 0;
}

}  // namespace esc::fuzz
