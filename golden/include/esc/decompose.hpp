// PENNI kernel decomposition without training (SPEC section 1): SVD initialisation, magnitude
// pruning, least-squares refits of the coefficients (under their mask) and of the basis, and
// quantisation into an IntLayer for the bit-exact integer path. Float math is for
// decomposition quality only; the integer semantics live in layer.hpp / docs/semantics.md.
#pragma once

#include <vector>

#include "esc/coef_codec.hpp"
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
// std is the population standard deviation (NumPy np.std, ddof = 0) of all N*C*M coefficients,
// zeros included, about their mean. (torch.std, used by train/, divides by n - 1 instead: a
// factor sqrt(n / (n - 1)), below 0.1 % for n > 500.)
void prune_by_std(Decomposition& d, double factor = 1.0);

// Least-squares refit of the nonzero coefficients of each kernel, pattern kept.
void refit_coef(Decomposition& d, const WeightT& w);
// Least-squares refit of the basis for fixed coefficients (minimum-norm if rank deficient).
void refit_basis(Decomposition& d, const WeightT& w);
// Least-squares coefficients of every kernel on the current basis, all M of them (no pattern):
// the unconstrained step of iterative hard thresholding.
void fit_coef_dense(Decomposition& d, const WeightT& w);
// Scale every basis kernel to unit Frobenius norm and its coefficients inversely (the product
// is unchanged), so that coefficient magnitudes are comparable across bases.
void normalize_basis(Decomposition& d);

// Reconstructed weights sum_m coef * basis, shape (N, C, K, K).
WeightT compose(const Decomposition& d);
// ||W - compose(d)||_F / ||W||_F (0 if W = 0).
double relative_error(const Decomposition& d, const WeightT& w);

// SVD init, prune to `density`, then `iters` rounds of (refit_coef, refit_basis), ending with a
// final refit_coef. The support stays the one of the first prune; the error never increases
// across the refits.
Decomposition decompose(const WeightT& w, int M, double density, int iters = 5);

// How the refit rounds treat the support (which coefficients are kept).
enum class Support {
  kFixed,  // prune once after the SVD initialisation; every refit keeps that support
  kIht,    // iterative hard thresholding: each round refits all coefficients on the current
           // (unit-norm) basis without a pattern, re-selects the kept ones by the same rule
           // (the same count for a density, the std rule for a factor), then refits the kept
           // coefficients and the basis
};
struct DecomposeParams {
  int M = 5;
  double density = 0.1;     // fraction of the N*C*M coefficients kept (if std_factor <= 0)
  double std_factor = 0.0;  // > 0: keep |a| >= std_factor * std(a) instead (prune_by_std)
  int iters = 5;            // refit rounds
  Support support = Support::kIht;
};
// The SVD initialisation pruned and refitted once (round 0), then `iters` rounds; returns the
// decomposition with the lowest relative error of all rounds, so it is never worse than
// round 0. With Support::kFixed and a density this is decompose(w, M, density, iters).
Decomposition decompose(const WeightT& w, const DecomposeParams& p);

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

// Float decomposed convolution, the two evaluation orders of SPEC sections 1 and 2. `basis` is
// (CB, M, K, K) with CB = 1 (layer-shared) or C (cfg.basis_per_channel); `coef` is (N, C, M).
// Geometry from cfg (C, N, H, W, K, stride, pads, relu); bias may be empty (= 0). All three
// float paths accumulate in double and agree to rounding; with W = compose(d) they equal
// conv_float(W) up to float rounding (linearity).
//
// (a) Stage order: the basis stage over the whole map, Z[c][m][y][x] (C*M*Ho*Wo values,
//     stored), then the coefficient stage Y[n] = sum_c sum_m A[n][c][m] * Z[c][m].
Tensor<float, 3> conv_decomposed_stages(const Tensor<float, 4>& basis, const Tensor<float, 3>& coef,
                                        const std::vector<float>& bias, const Tensor<float, 3>& x,
                                        const LayerConfig& cfg);
// (b) Basis-First streaming order (SPEC section 2): for each tile of `tile` output pixels
//     (raster order), stream the input channels; per channel compute Z[m][t] for the tile only
//     and scatter it through the nonzeros (n, m, a) of column c of A into psum[n][t]. Z is never
//     stored beyond one (channel, tile).
Tensor<float, 3> conv_basis_first(const Tensor<float, 4>& basis, const Tensor<float, 3>& coef,
                                  const std::vector<float>& bias, const Tensor<float, 3>& x,
                                  const LayerConfig& cfg, int tile = 8);
// Layer-shared convenience forms: basis (M, K, K) of a Decomposition.
Tensor<float, 3> conv_decomposed_stages(const Decomposition& d, const std::vector<float>& bias,
                                        const Tensor<float, 3>& x, const LayerConfig& cfg);
Tensor<float, 3> conv_basis_first(const Decomposition& d, const std::vector<float>& bias,
                                  const Tensor<float, 3>& x, const LayerConfig& cfg, int tile = 8);

// Real-valued decomposition represented by a quantised layer: basis * scales.basis and
// coef[n] * scales.coef[n] (layer-shared basis only). Used to measure the quantisation error.
Decomposition dequantize(const IntLayer& layer, const QuantScales& scales);

// Quality and size of a decomposition against the dense weights it replaces.
struct DecompositionReport {
  double rel_error = 0;    // ||W - AB||_F / ||W||_F
  double sqnr_db = 0;      // 10 log10(||W||^2 / ||W - AB||^2); +inf if exact
  int64_t nnz = 0;         // nonzero coefficients
  int64_t coef_slots = 0;  // N * C * M
  double density = 0;      // nnz / coef_slots
  StorageBits bits{};      // storage_bits() of the CSC encoding (coef_w, lanes)
  int64_t dense_fp32_bits = 0, dense_int8_bits = 0;   // N*C*K*K * 32 / * 8
  double compression_fp32 = 0, compression_int8 = 0;  // dense bits / bits.total (SPEC section 5)
};
// coef_w (8 or 4) and lanes (>= 1) fix the value width and the encoder bucketing used for the
// storage accounting; the layer-shared basis is counted at 8 bits per element.
DecompositionReport decomposition_report(const Decomposition& d, const WeightT& w, int coef_w = 8,
                                         int lanes = 16);

}  // namespace esc
