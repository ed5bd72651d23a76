// Golden-model speed: the Basis-First reference (run_int) against a naive evaluation of the
// same formula per output element, and the dense integer convolution the decomposition
// replaces. Layer: ResNet-18/CIFAR-10 style 3x3 conv, M = 5, coefficient density from arg 1
// (percent).
#include <benchmark/benchmark.h>

#include "esc/coef_codec.hpp"
#include "esc/layer.hpp"

namespace {

esc::LayerConfig bench_cfg(int ch, int hw) {
  esc::LayerConfig cfg;
  cfg.C = cfg.N = ch;
  cfg.H = cfg.W = hw;
  cfg.M = 5;
  return cfg;
}

void BM_RunInt(benchmark::State& st) {
  const esc::IntLayer L =
      esc::make_random_layer(bench_cfg(int(st.range(0)), int(st.range(1))), st.range(2) / 100.0, 1);
  for (auto _ : st) benchmark::DoNotOptimize(esc::run_int(L));
  const double P = double(L.cfg.Ho()) * L.cfg.Wo();
  int64_t nnz = 0;
  for (Eigen::Index i = 0; i < L.coef.size(); ++i) nnz += L.coef.data()[i] != 0;
  st.counters["useful_MACs/s"] = benchmark::Counter(
      (double(L.cfg.C) * L.cfg.M * 9 * P + double(nnz) * P) * double(st.iterations()),
      benchmark::Counter::kIsRate);
}

// Naive: recompute Zq per (n, pixel) instead of streaming it (what the Basis-First order avoids).
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

BENCHMARK(BM_RunInt)
    ->Args({64, 32, 10})
    ->Args({128, 16, 10})
    ->Args({64, 32, 100})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NaivePerOutput)->Args({64, 32, 10})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeCoef)->Args({256, 4, 10})->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
