// A whole integer CNN around the decomposed convolutions: the host operations of the trained
// network (input quantisation, residual add, global sum pool, classifier, argmax) in the golden
// model's integer arithmetic, and the network as data. The semantics are docs/trained.md
// ("Integer semantics of the whole network"); the convolutions are docs/semantics.md (layer.hpp).
// Readers of network files (ONNX) live in host/ (esc/onnx_model.hpp); this file has no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "esc/layer.hpp"
#include "esc/tensor.hpp"

namespace esc {

using FcWeightT = Tensor<int8_t, 2>;  // classifier weight (classes, channels)

// Step 1: x0[0][y][x] = pixels[y * W + x] >> shift (logical, floor), an int8 (1, H, W) map.
// The trained network uses shift = 1 (uint8 0..255 -> 0..127). shift in 1..8 keeps every value
// in int8; shift 0 is rejected (200 does not fit int8). Throws std::invalid_argument.
ActT quantise_input(const uint8_t* pixels, int H, int W, int shift = 1);

// Step 3: out = clamp(rshift(a * ma + b * mb, shift), relu ? 0 : -128, 127), elementwise, with
// rshift the round-half-up shift of layer.hpp; exact in int64 (|a*ma + b*mb| < 2^24).
// Throws std::invalid_argument if the shapes differ or shift is outside 0..63.
ActT residual_add(const ActT& a, const ActT& b, uint16_t ma, uint16_t mb, int shift, bool relu);

// Step 4: pool[c] = sum over y, x of in[c][y][x], int32 (no division, no shift).
std::vector<int32_t> gap_sum(const ActT& in);

// Step 5: logits[k] = sum_c weight[k][c] * in[c] + bias[k], exact in int64. Throws
// std::invalid_argument on a size mismatch and std::overflow_error if a logit leaves int32.
std::vector<int32_t> fully_connected(const std::vector<int32_t>& in, const FcWeightT& weight,
                                     const std::vector<int32_t>& bias);

// Step 6: index of the largest value, the lowest index on ties. Throws on an empty vector.
int argmax_first(const std::vector<int32_t>& v);

// One operation of a network, in execution order. Tensors are named; every op reads named
// tensors and writes one.
struct NetOp {
  enum class Kind { kConv, kAdd, kGapSum, kFc };
  Kind kind = Kind::kConv;
  std::string name;
  std::vector<std::string> in;  // kConv, kGapSum, kFc: one tensor; kAdd: {a, b}
  std::string out;
  // kConv: the layer without its input (conv.x is empty; run_network fills it).
  IntLayer conv;
  // kAdd (docs/trained.md step 3)
  uint16_t ma = 0, mb = 0;
  int shift = 0;
  bool relu = false;
  // kFc (step 5)
  FcWeightT fc_weight;
  std::vector<int32_t> fc_bias;
};

const char* op_kind_name(NetOp::Kind k);  // "conv", "add", "gap_sum", "fc"

struct Network {
  std::string name;
  std::string input = "x0";  // the int8 (1, H, W) map made by quantise_input
  int H = 0, W = 0;          // image size
  int input_shift = 1;       // quantise_input's shift
  std::vector<NetOp> ops;    // execution order; the last op is a kFc whose output are the logits
  // Conv ops in execution order (pointers into ops).
  std::vector<const NetOp*> convs() const;
  int classes() const;  // rows of the classifier weight
};

// "" if the network is consistent (every op reads tensors written before it, with the shapes
// it needs; conv layers pass validate(); one kFc, last), else one message naming the op.
std::string validate(const Network& net);

// Everything an inference computes, by tensor name.
struct NetResult {
  std::map<std::string, ActT> maps;                  // int8 maps, the input included
  std::map<std::string, std::vector<int32_t>> vecs;  // int32 vectors: gap_sum and fc outputs
  std::vector<int32_t> logits;                       // the last op's output
  int pred = -1;                                     // argmax_first(logits)
  // First int32 accumulator overflow of a conv layer (the accumulator wraps, which is part of
  // the semantics; reported because a trained network should not rely on it). "" if none.
  std::string overflow;
};

// Runs a conv op: returns its int8 output for `layer` (the op's layer with x = its input).
// The default (an empty function) is the golden model: run_int(layer).y.
using ConvFn = std::function<OutT(const NetOp& op, const IntLayer& layer)>;

// One image through the network. Throws std::invalid_argument if validate(net) fails or the
// image is not (1, H, W).
NetResult run_network(const Network& net, const ActT& x0, const ConvFn& conv = {});

}  // namespace esc
