// escalate layer: one layer from .npy files on the RTL, checked against the golden model.
#include <chrono>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "cli.hpp"
#include "esc/accel.hpp"
#include "esc/npy.hpp"
#include "esc/report.hpp"
#include "esc/scoreboard.hpp"

namespace esc::cli {

namespace {

// Any integer .npy of rank 1 and length n as int64 values in [lo, hi].
std::vector<int64_t> read_int_vector(const std::string& path, const std::string& what, int64_t n,
                                     int64_t lo, int64_t hi) {
  const NpyArray a = read_npy(path);
  if (a.shape.size() != 1 || a.shape[0] != n) {
    std::string s;
    for (auto d : a.shape) s += (s.empty() ? "" : ",") + std::to_string(d);
    throw InputError(path + ": " + what + " has shape (" + s + "), expected (" + std::to_string(n) +
                     ",) = one value per output channel N");
  }
  // Any integer dtype (NumPy's default int64 included) whose values fit.
  std::vector<int64_t> v = npy_integers(a, path + " (" + what + ")");
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x = v[static_cast<size_t>(i)];
    if (x < lo || x > hi) {
      throw InputError(path + ": " + what + "[" + std::to_string(i) + "] = " + std::to_string(x) +
                       " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    }
  }
  return v;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string o;
  for (auto d : s) o += (o.empty() ? "" : ",") + std::to_string(d);
  return "(" + o + ")";
}

// The one file or option a validate() message is about: the shapes come from the files (C, H, W
// from x; M, K from the basis; N from coef), the rest from options.
std::string culprit(const std::string& msg, const LayerOptions& o, const LayerConfig& c) {
  const size_t end = msg.find_first_of(": ");
  const std::string field = msg.substr(0, end);
  if (field == "C" || field == "H" || field == "W" || field == "x") return o.x + " (--x)";
  if (field == "K" || field == "M" || field == "basis") return o.basis + " (--basis)";
  if (field == "N" || field == "coef") return o.coef + " (--coef)";
  if (field.rfind("pad_", 0) == 0) {
    return "--pad " + std::to_string(c.pad_t) + " (K = " + std::to_string(c.K) + " from " +
           o.basis + ")";
  }
  if (field == "stride") return "--stride " + std::to_string(c.stride);
  if (field == "zshift") return "--zshift " + std::to_string(c.zshift);
  if (field == "coef_w") return "--coef-w " + std::to_string(c.coef_w);
  if (field == "rq.bias") return o.bias.empty() ? "--bias" : o.bias + " (--bias)";
  if (field == "rq.mult") return o.mult.empty() ? "--mult" : o.mult + " (--mult)";
  if (field == "rq.shift") return o.shift.empty() ? "--shift" : o.shift + " (--shift)";
  return "layer from " + o.x + ", " + o.basis + ", " + o.coef;
}

}  // namespace

int cmd_layer(const LayerOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  check_output_path(o.out, "--out");
  check_output_path(o.acc, "--acc");
  check_output_path(o.trace_path, "--trace-file");
  IntLayer L;
  L.x = to_int_tensor<int8_t, 3>(read_npy(o.x), o.x + " (--x, activations (C,H,W))");
  const NpyArray b = read_npy(o.basis);
  if (o.per_channel_basis) {
    L.basis =
        to_int_tensor<int8_t, 4>(b, o.basis + " (--basis with --per-channel-basis, (C,M,K,K))");
  } else {
    if (b.shape.size() == 4 && b.shape[0] != 1) {
      throw InputError(o.basis + ": basis has shape " + shape_str(b.shape) +
                       "; a 4-D basis (C,M,K,K) needs --per-channel-basis, or give (M,K,K)");
    }
    NpyArray b4 = b;
    if (b4.shape.size() == 3) b4.shape.insert(b4.shape.begin(), 1);
    L.basis = to_int_tensor<int8_t, 4>(b4, o.basis + " (--basis, (M,K,K))");
  }
  L.coef = to_int_tensor<int8_t, 3>(read_npy(o.coef), o.coef + " (--coef, (N,C,M))");
  LayerConfig& c = L.cfg;
  c.C = static_cast<int>(L.x.dimension(0));
  c.H = static_cast<int>(L.x.dimension(1));
  c.W = static_cast<int>(L.x.dimension(2));
  c.M = static_cast<int>(L.basis.dimension(1));
  c.K = static_cast<int>(L.basis.dimension(2));
  c.N = static_cast<int>(L.coef.dimension(0));
  c.stride = o.stride;
  if (o.pad_given && o.pad < 0) {
    throw InputError("--pad " + std::to_string(o.pad) + ": must be in 0..K-1 = 0.." +
                     std::to_string(c.K - 1) + " (K = " + std::to_string(c.K) + " from " + o.basis +
                     "); leave --pad out for (K-1)/2");
  }
  const int pad = o.pad_given ? o.pad : (c.K - 1) / 2;
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = pad;
  c.zshift = o.zshift;
  c.coef_w = o.coef_w;
  c.relu = o.relu;
  c.basis_per_channel = o.per_channel_basis;
  if (L.coef.dimension(1) != c.C) {
    throw InputError(o.coef + ": coef has C = " + std::to_string(L.coef.dimension(1)) +
                     " but x has C = " + std::to_string(c.C) + "; coef must be (N, C, M)");
  }
  if (L.coef.dimension(2) != c.M) {
    throw InputError(o.coef + ": coef has M = " + std::to_string(L.coef.dimension(2)) +
                     " but the basis has M = " + std::to_string(c.M) + "; coef must be (N, C, M)");
  }
  const int64_t N = c.N;
  L.rq.bias.assign(static_cast<size_t>(N), 0);
  L.rq.mult.assign(static_cast<size_t>(N), 1);
  L.rq.shift.assign(static_cast<size_t>(N), 0);
  if (!o.bias.empty()) {
    auto v = read_int_vector(o.bias, "bias", N, std::numeric_limits<int32_t>::min(),
                             std::numeric_limits<int32_t>::max());
    for (int64_t i = 0; i < N; ++i) L.rq.bias[i] = static_cast<int32_t>(v[i]);
  }
  if (!o.mult.empty()) {
    auto v = read_int_vector(o.mult, "mult", N, 0, 65535);
    for (int64_t i = 0; i < N; ++i) L.rq.mult[i] = static_cast<uint16_t>(v[i]);
  }
  if (!o.shift.empty()) {
    auto v = read_int_vector(o.shift, "shift", N, 0, 63);
    for (int64_t i = 0; i < N; ++i) L.rq.shift[i] = static_cast<uint8_t>(v[i]);
  }
  if (const std::string bad = validate(L); !bad.empty()) {
    throw InputError(culprit(bad, o, c) + ": " + bad);
  }

  const IntResult g = run_int(L);
  AccelOptions aopt;
  aopt.seed = o.seed;
  aopt.fst_path = o.trace_path;
  Accel accel(aopt);
  const HwCaps hw = accel.caps();
  const int max_dim = accel.max_dim();
  LayerReport lr;
  lr.name = "layer";
  fill_golden_metrics(lr, L, hw);
  std::printf(
      "layer: C=%d H=%d W=%d -> N=%d Ho=%d Wo=%d, K=%d stride=%d pad=%d M=%d zshift=%d "
      "coef_w=%d relu=%d basis=%s, nnz=%lld (%.2f %%)\n",
      c.C, c.H, c.W, c.N, c.Ho(), c.Wo(), c.K, c.stride, pad, c.M, c.zshift, c.coef_w,
      c.relu ? 1 : 0, c.basis_per_channel ? "per-channel" : "shared",
      static_cast<long long>(lr.nnz), 100.0 * lr.density());
  if (g.overflow)
    std::printf("warning: golden accumulator overflow (int32 wraps): %s\n", g.overflow_at.c_str());
  int rc = kExitOk;
  if (const std::string why = rtl_unsupported(L, hw, max_dim); !why.empty()) {
    std::printf("golden-only (the RTL cannot run this layer: %s): writing the golden output\n",
                why.c_str());
    write_npy(o.out, from_tensor(g.y));
    if (!o.acc.empty()) write_npy(o.acc, from_tensor(g.acc));
  } else {
    const AccelResult r = accel.run_layer(L);
    const int groups = r.stats.channel_groups;
    if (groups > 1) {
      std::printf(
          "C = %d > C_MAX = %lld: ran %d input-channel groups, int32 accumulators summed "
          "and requantised on the host\n",
          c.C, static_cast<long long>(hw.C_MAX), groups);
    }
    lr.cycles = r.stats.perf.total;
    lr.ld_beats = r.stats.perf.ld_beats;
    lr.ld_idle = r.stats.ld_idle;
    const auto found = Scoreboard("layer", o.seed).compare(L, g, r, hw, max_dim);
    const std::string mm = found ? found->report : "";
    write_npy(o.out, from_tensor(r.y));
    if (!o.acc.empty()) write_npy(o.acc, from_tensor(r.acc));
    std::printf(
        "RTL: %llu cycles in %d pass(es), ideal %.0f, utilisation %.1f %%, dense-bound "
        "%.0f (speedup %.2fx), load %llu B, result %llu B\n",
        static_cast<unsigned long long>(lr.cycles), r.stats.passes, lr.metrics.ideal_cycles,
        100.0 * lr.utilisation(), lr.metrics.dense_cycles, lr.speedup(),
        static_cast<unsigned long long>(r.stats.load_bytes),
        static_cast<unsigned long long>(r.stats.result_bytes));
    if (mm.empty()) {
      std::printf("check: RTL output matches the golden model bit for bit (y and acc)\n");
    } else {
      std::fprintf(stderr, "escalate: %s\n", mm.c_str());
      std::printf("check: MISMATCH (RTL output written anyway for debugging)\n");
      rc = kExitMismatch;
    }
  }
  std::printf("compression: %.1fx vs fp32, %.1fx vs int8 dense (%lld bits)\n", lr.cr_fp32(),
              lr.cr_int8(), static_cast<long long>(lr.bits.total));
  std::printf("wrote %s%s%s (%.2f s)\n", o.out.c_str(), o.acc.empty() ? "" : ", ", o.acc.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return rc;
}

}  // namespace esc::cli
