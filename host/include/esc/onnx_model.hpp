// Reader of the trained network's ONNX export (models/fmnist/penni_int{8,4}.onnx and the sidecar
// JSON beside it; format in docs/trained.md, "ONNX export"). The ONNX file is parsed by
// libonnx-dev's generated protobuf classes (onnx::ModelProto); nothing here parses protobuf by
// hand.
//
// What comes from where:
//   ONNX graph   every array (basis, coefficients, bias/mult/shift, zshift, add constants,
//                classifier), every geometry the operators carry (ConvInteger group, kernel,
//                strides, pads; ReLU as the lower bound of the output Clip; the input shift;
//                the wiring of adds, pool and classifier) and the image size;
//   sidecar JSON the op order and op kinds (a reader need not pattern-match the graph to find
//                them) and what ONNX cannot say: the coefficient width (4-bit coefficients are
//                stored as int8). Every sidecar field the graph also says is cross-checked.
// Any disagreement, missing or malformed piece is an OnnxModelError naming the file, the
// node / initializer / sidecar field, and the fix.
#pragma once

#include <stdexcept>
#include <string>

#include "esc/network.hpp"

namespace esc {

struct OnnxModelError : std::runtime_error {
  // what(): "<file>: <where>: <message>"
  OnnxModelError(const std::string& file, const std::string& where, const std::string& msg);
  std::string file;
  std::string where;  // e.g. "initializer b1c1.coef", "node b1c1/ConvInteger_40", "sidecar ops[3]"
};

struct OnnxModel {
  Network net;  // net.name: the file stem ("penni_int8")
  std::string onnx_path, sidecar_path;
  int coef_w = 8;        // coefficient width of the conv layers (sidecar)
  int64_t opset = 0;     // default-domain opset of the file
  std::string producer;  // producer_name of the file
};

// Reads `onnx_path` and the sidecar its metadata names (metadata_props "escalate.sidecar",
// relative to the ONNX file's directory). Throws OnnxModelError; never returns a network that
// fails validate(Network).
OnnxModel load_onnx_model(const std::string& onnx_path);

}  // namespace esc
