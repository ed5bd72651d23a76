// Golden-model speed (issue #3, "Performance").
//
// For every conv layer of ResNet-18/CIFAR-10 (the shapes and densities of
// models/resnet18_cifar10.txt, M = 5 for 3x3, 1x1 as K = 1, M = 1):
//   BM_Golden/<layer>    run_int, the bit-exact Basis-First reference;
//   BM_SixLoop/<layer>   a naive six-loop dense integer convolution (n, c, y, x, i, j) with the
//                        composed weights W = A*B, measured in the same run.
// Counters: useful_MAC/s (SPEC section 5 useful MACs per second, golden only) and
// dense_MAC/s (N*C*K*K*Ho*Wo per second: the work of the dense layer, the same number for
// both, so the two rates compare directly). BM_ResNet18Pass runs all 20 layers back to back:
// its time per iteration is the full golden pass, time_per_layer its mean per layer.
// Also: BM_NaivePerOutput (decomposed formula per output element, recomputing Z) and
// BM_EncodeCoef.
#include <benchmark/benchmark.h>

#include <iterator>
#include <string>
#include <vector>

#include "esc/coef_codec.hpp"
#include "esc/layer.hpp"

namespace {

struct Shape {
  const char* name;
  int C, N, HW, K, stride, pad, M;
  double density;
};

// models/resnet18_cifar10.txt (kept in sync by hand; the golden library has no file parser).
const Shape kResNet18[] = {
    {"conv1", 3, 64, 32, 3, 1, 1, 5, 0.200},
    {"layer1.0.conv1", 64, 64, 32, 3, 1, 1, 5, 0.120},
    {"layer1.0.conv2", 64, 64, 32, 3, 1, 1, 5, 0.120},
    {"layer1.1.conv1", 64, 64, 32, 3, 1, 1, 5, 0.120},
    {"layer1.1.conv2", 64, 64, 32, 3, 1, 1, 5, 0.120},
    {"layer2.0.conv1", 64, 128, 32, 3, 2, 1, 5, 0.065},
    {"layer2.0.conv2", 128, 128, 16, 3, 1, 1, 5, 0.065},
    {"layer2.0.shortcut", 64, 128, 32, 1, 2, 0, 1, 0.100},
    {"layer2.1.conv1", 128, 128, 16, 3, 1, 1, 5, 0.065},
    {"layer2.1.conv2", 128, 128, 16, 3, 1, 1, 5, 0.065},
    {"layer3.0.conv1", 128, 256, 16, 3, 2, 1, 5, 0.050},
    {"layer3.0.conv2", 256, 256, 8, 3, 1, 1, 5, 0.050},
    {"layer3.0.shortcut", 128, 256, 16, 1, 2, 0, 1, 0.100},
    {"layer3.1.conv1", 256, 256, 8, 3, 1, 1, 5, 0.050},
    {"layer3.1.conv2", 256, 256, 8, 3, 1, 1, 5, 0.050},
    {"layer4.0.conv1", 256, 512, 8, 3, 2, 1, 5, 0.050},
    {"layer4.0.conv2", 512, 512, 4, 3, 1, 1, 5, 0.050},
    {"layer4.0.shortcut", 256, 512, 8, 1, 2, 0, 1, 0.060},
    {"layer4.1.conv1", 512, 512, 4, 3, 1, 1, 5, 0.050},
    {"layer4.1.conv2", 512, 512, 4, 3, 1, 1, 5, 0.050},
};

esc::LayerConfig to_cfg(const Shape& s) {
  esc::LayerConfig c;
  c.C = s.C;
  c.N = s.N;
  c.H = c.W = s.HW;
  c.K = s.K;
  c.stride = s.stride;
  c.pad_t = c.pad_b = c.pad_l = c.pad_r = s.pad;
  c.M = s.M;
  return c;
}

const std::vector<esc::IntLayer>& resnet18_layers() {
  static const std::vector<esc::IntLayer> layers = [] {
    std::vector<esc::IntLayer> v;
    uint64_t seed = 18;
    for (const Shape& s : kResNet18)
      v.push_back(esc::make_random_layer(to_cfg(s), s.density, ++seed));
    return v;
  }();
  return layers;
}

int64_t nnz_of(const esc::IntLayer& L) {
  int64_t nnz = 0;
  for (Eigen::Index i = 0; i < L.coef.size(); ++i) nnz += L.coef.data()[i] != 0;
  return nnz;
}

double dense_macs(const esc::LayerConfig& c) {
  return double(c.N) * c.C * c.K * c.K * c.Ho() * c.Wo();
}

void BM_Golden(benchmark::State& st, int idx) {
  const esc::IntLayer& L = resnet18_layers()[idx];
  for (auto _ : st) benchmark::DoNotOptimize(esc::run_int(L));
  const esc::LayerConfig& c = L.cfg;
  const double P = double(c.Ho()) * c.Wo();
  const double useful = double(c.C) * c.M * c.K * c.K * P + double(nnz_of(L)) * P;
  const double it = double(st.iterations());
  st.counters["useful_MAC/s"] = benchmark::Counter(useful * it, benchmark::Counter::kIsRate);
  st.counters["dense_MAC/s"] = benchmark::Counter(dense_macs(c) * it, benchmark::Counter::kIsRate);
}

// Naive six-loop dense convolution with the composed integer weights (the computation the
// decomposition replaces). Exact for zshift = 0 without Zq saturation; here it only measures
// speed.
void BM_SixLoop(benchmark::State& st, int idx) {
  const esc::IntLayer& L = resnet18_layers()[idx];
  const esc::LayerConfig& c = L.cfg;
  std::vector<int32_t> w(size_t(c.N) * c.C * c.K * c.K, 0);
  for (int n = 0; n < c.N; ++n)
    for (int ch = 0; ch < c.C; ++ch)
      for (int m = 0; m < c.M; ++m)
        for (int i = 0; i < c.K * c.K; ++i)
          w[(size_t(n) * c.C + ch) * c.K * c.K + i] +=
              int32_t{L.coef(n, ch, m)} * L.basis(0, m, i / c.K, i % c.K);
  const int Ho = c.Ho(), Wo = c.Wo();
  esc::AccT acc(c.N, Ho, Wo);
  for (auto _ : st) {
    acc.setZero();
    for (int n = 0; n < c.N; ++n)
      for (int ch = 0; ch < c.C; ++ch)
        for (int y = 0; y < Ho; ++y)
          for (int x = 0; x < Wo; ++x)
            for (int i = 0; i < c.K; ++i)
              for (int j = 0; j < c.K; ++j) {
                const int iy = c.stride * y + i - c.pad_t, ix = c.stride * x + j - c.pad_l;
                if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W) continue;
                acc(n, y, x) += w[((size_t(n) * c.C + ch) * c.K + i) * c.K + j] * L.x(ch, iy, ix);
              }
    benchmark::DoNotOptimize(acc.data());
    benchmark::ClobberMemory();
  }
  st.counters["dense_MAC/s"] =
      benchmark::Counter(dense_macs(c) * double(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_ResNet18Pass(benchmark::State& st) {
  const std::vector<esc::IntLayer>& layers = resnet18_layers();
  for (auto _ : st)
    for (const esc::IntLayer& L : layers) benchmark::DoNotOptimize(esc::run_int(L));
  double useful = 0;
  for (const esc::IntLayer& L : layers) {
    const double P = double(L.cfg.Ho()) * L.cfg.Wo();
    useful += double(L.cfg.C) * L.cfg.M * L.cfg.K * L.cfg.K * P + double(nnz_of(L)) * P;
  }
  st.counters["useful_MAC/s"] =
      benchmark::Counter(useful * double(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["time_per_layer"] =
      benchmark::Counter(double(layers.size()), benchmark::Counter::kIsIterationInvariantRate |
                                                    benchmark::Counter::kInvert);
}

esc::LayerConfig bench_cfg(int ch, int hw) {
  esc::LayerConfig cfg;
  cfg.C = cfg.N = ch;
  cfg.H = cfg.W = hw;
  cfg.M = 5;
  return cfg;
}

// Decomposed formula per output element: recompute Zq per (n, pixel) instead of streaming it
// (what the Basis-First order avoids).
void BM_NaivePerOutput(benchmark::State& st) {
  const esc::IntLayer L =
      esc::make_random_layer(bench_cfg(int(st.range(0)), int(st.range(1))), st.range(2) / 100.0, 1);
  const esc::LayerConfig& c = L.cfg;
  for (auto _ : st) {
    esc::AccT acc(c.N, c.Ho(), c.Wo());
    for (int n = 0; n < c.N; ++n)
      for (int y = 0; y < c.Ho(); ++y)
        for (int x = 0; x < c.Wo(); ++x) {
          int64_t a = 0;
          for (int ch = 0; ch < c.C; ++ch)
            for (int m = 0; m < c.M; ++m) {
              const int coef = L.coef(n, ch, m);
              if (coef == 0) continue;
              int64_t z = 0;
              for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) {
                  const int iy = y + i - 1, ix = x + j - 1;
                  if (iy >= 0 && iy < c.H && ix >= 0 && ix < c.W)
                    z += int64_t{L.basis(0, m, i, j)} * L.x(ch, iy, ix);
                }
              a += coef * esc::sat_signed(esc::rshift(z, c.zshift), esc::kMidW);
            }
          acc(n, y, x) = static_cast<int32_t>(a);
        }
    benchmark::DoNotOptimize(acc);
  }
}

void BM_EncodeCoef(benchmark::State& st) {
  const esc::IntLayer L =
      esc::make_random_layer(bench_cfg(int(st.range(0)), 4), st.range(2) / 100.0, 1);
  for (auto _ : st) benchmark::DoNotOptimize(esc::encode_coef(L.coef, 8));
}

}  // namespace

BENCHMARK(BM_NaivePerOutput)->Args({64, 32, 10})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeCoef)->Args({256, 4, 10})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ResNet18Pass)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  for (int i = 0; i < static_cast<int>(std::size(kResNet18)); ++i) {
    const std::string name = kResNet18[i].name;
    benchmark::RegisterBenchmark(("BM_Golden/" + name).c_str(), BM_Golden, i)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_SixLoop/" + name).c_str(), BM_SixLoop, i)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
