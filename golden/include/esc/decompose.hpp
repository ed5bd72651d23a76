// PENNI kernel decomposition without training (SPEC section 1): SVD initialisation, magnitude
// pruning, least-squares refits of the coefficients (under their mask) and of the basis, and
// quantisation into an IntLayer for the bit-exact integer path. Float math is for
// decomposition quality only; the integer semantics live in layer.hpp / docs/semantics.md.
#pragma once

#include <vector>

#include "esc/layer.hpp"
#include "esc/tensor.hpp"

namespace esc {

// W[n][c] ~= sum_m coef[n][c][m] * basis[m] (layer-shared basis).
struct Decomposition {
  Tensor<float, 3> basis;  // (M, K, K)
  Tensor<float, 3> coef;   // (N, C, M); exact 0 = pruned
  int M() const { return static_cast<int>(basis.dimension(0)); }
};

// Top-M right singular vectors of the (N*C) x K^2 kernel matrix (orthonormal basis) and the
// projections onto them. M is limited to K^2. K = 1 is not decomposed: basis [1], coef = W.
Decomposition svd_init(const WeightT& w, int M);

// Zero all but the round(density * N*C*M) largest |coef| (ties: lower flat index kept).
void prune_to_density(Decomposition& d, double density);
// Zero every |coef| < factor * std(coef) (PENNI's rule, factor 1.0 in the authors' code).
void prune_by_std(Decomposition& d, double factor = 1.0);

// Least-squares refit of the nonzero coefficients of each kernel, pattern kept.
void refit_coef(Decomposition& d, const WeightT& w);
// Least-squares refit of the basis for fixed coefficients (minimum-norm if rank deficient).
void refit_basis(Decomposition& d, const WeightT& w);

// Reconstructed weights sum_m coef * basis, shape (N, C, K, K).
WeightT compose(const Decomposition& d);
// ||W - compose(d)||_F / ||W||_F (0 if W = 0).
double relative_error(const Decomposition& d, const WeightT& w);

// SVD init, prune to `density`, then `iters` rounds of (refit_coef, refit_basis), ending with a
// final refit_coef. The error never increases across the refits.
Decomposition decompose(const WeightT& w, int M, double density, int iters = 5);

// Quantisation of a float layer y = conv(W, x) + bias into the integer semantics.
struct QuantOptions {
  int coef_w = 8;        // 8 or 4
  float x_scale = 1.0f;  // real x = x_scale * int8 x
  float y_scale = 1.0f;  // real y = y_scale * int8 y
};
// Basis: one scale for the layer (max |basis| -> 127). Coefficients: one scale per output
// channel (max |coef[n]| -> 127 or 7), folded into mult/shift. zshift: the smallest shift that
// keeps max |Z| of the calibration input `x` inside 16 bits. cfg gives the geometry (C, N, H, W,
// K, stride, pads, relu); M, zshift, coef_w and basis_per_channel are set here.
// Scales chosen by quantize(): real basis = basis * int basis, real coef[n] = coef[n] * int
// coef, real value of one accumulator LSB of channel n = acc_unit[n].
struct QuantScales {
  double basis = 1.0;
  std::vector<double> coef;
  std::vector<double> acc_unit;
};
IntLayer quantize(const Decomposition& d, const std::vector<float>& bias, const LayerConfig& cfg,
                  const ActT& x, const QuantOptions& opt, QuantScales* scales = nullptr);

// Float reference convolution with the geometry of cfg (zero padding), plus bias and optional
// ReLU: the quantity quantize() approximates, in real units.
Tensor<float, 3> conv_float(const WeightT& w, const std::vector<float>& bias,
                            const Tensor<float, 3>& x, const LayerConfig& cfg);

}  // namespace esc
