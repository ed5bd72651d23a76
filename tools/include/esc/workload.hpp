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
// make_random_layer(to_config(layer), layer.density, layer_seed(seed, index)).
IntLayer make_model_layer(const ModelLayer& layer, uint64_t seed, size_t index);

}  // namespace esc
