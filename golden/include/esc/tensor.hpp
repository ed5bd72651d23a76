// Tensor aliases of the golden model. Row-major so that element order equals NumPy C order and
// the CHW byte order of the IFMAP load stream (docs/architecture.md).
#pragma once

#include <cstdint>
#include <unsupported/Eigen/CXX11/Tensor>

namespace esc {

template <typename T, int R>
using Tensor = Eigen::Tensor<T, R, Eigen::RowMajor>;

using ActT = Tensor<int8_t, 3>;    // X (C, H, W)
using BasisT = Tensor<int8_t, 4>;  // B (CB, M, K, K), CB = 1 (layer-shared) or C (per channel)
using CoefT = Tensor<int8_t, 3>;   // A (N, C, M) dense; 0 = pruned
using OutT = Tensor<int8_t, 3>;    // Y (N, Ho, Wo)
using AccT = Tensor<int32_t, 3>;   // psum before bias (N, Ho, Wo)
using WeightT = Tensor<float, 4>;  // W (N, C, K, K)

}  // namespace esc
