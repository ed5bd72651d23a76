// Synthetic workloads: a model-file layer turned into a seeded integer layer of the golden model.
#pragma once

#include <cstdint>

#include "esc/layer.hpp"
#include "esc/model_file.hpp"

namespace esc {

// LayerConfig of a model layer (symmetric padding, default flags).
LayerConfig to_config(const ModelLayer& layer);
// Seed of layer `index` of a run with seed `seed` (so --layers subsets replay identically).
uint64_t layer_seed(uint64_t seed, size_t index);
// How a run sets coefficient densities (models/README.md, "Density modes"):
//   tuned    each layer's density from the model file;
//   uniform  one density for every layer, keeping the model's coefficient MACs
//            (uniform_density);
//   spread   the uniform density, spread over the filters of a layer: filter n keeps each
//            coefficient with probability min(1, d * f_n), f_n = exp(0.5 z_n - 0.125) with z_n
//            standard normal (lognormal, mean 1), drawn from the layer's seed.
enum class DensityMode { kTuned, kUniform, kSpread };
const char* density_mode_name(DensityMode m);  // "tuned", "uniform", "spread"
// The density d with sum d*N*C*M*Ho*Wo = sum density_i*N_i*C_i*M_i*Ho_i*Wo_i over the layers:
// the coefficient MACs of the tuned file at one density.
double uniform_density(const Model& model);
// The layer a run builds: make_random_layer(to_config(layer), density, layer_seed(seed,
// index)) with the density of `mode` (`uniform` is uniform_density(model) for uniform/spread).
IntLayer make_model_layer(const ModelLayer& layer, uint64_t seed, size_t index,
                          DensityMode mode = DensityMode::kTuned, double uniform = 0.0);

}  // namespace esc
