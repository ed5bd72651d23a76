// ONNX export of the trained network -> esc::Network (docs/trained.md, "ONNX export").
#include "esc/onnx_model.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>

namespace esc {

OnnxModelError::OnnxModelError(const std::string& f, const std::string& w, const std::string& msg)
    : std::runtime_error(f + ": " + w + ": " + msg), file(f), where(w) {}

namespace {

using nlohmann::json;
using TP = onnx::TensorProto;

// The fix for anything that is not the escalate export.
const char* const kReexport =
    "; the file is not the escalate export of docs/trained.md (\"ONNX export\"): re-export it "
    "with /usr/bin/python3 train/penni_fmnist.py --from export, or restore it with git checkout";

const char* dtype_name(int t) {
  static const std::pair<int, const char*> kNames[] = {
      {TP::FLOAT, "float32"}, {TP::UINT8, "uint8"},  {TP::INT8, "int8"},   {TP::UINT16, "uint16"},
      {TP::INT16, "int16"},   {TP::INT32, "int32"},  {TP::INT64, "int64"}, {TP::DOUBLE, "float64"},
      {TP::UINT32, "uint32"}, {TP::UINT64, "uint64"}};
  for (const auto& [type, name] : kNames) {
    if (type == t) return name;
  }
  return "an unsupported type";
}

std::string dims_str(const std::vector<int64_t>& d) {
  std::ostringstream s;
  s << "(";
  for (size_t i = 0; i < d.size(); ++i) s << (i ? ", " : "") << d[i];
  s << (d.size() == 1 ? ",)" : ")");
  return s.str();
}

template <typename T>
std::string list_str(const std::vector<T>& v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << "]";
  return s.str();
}

// Operators the export uses (default domain); anything else is not the export.
const std::set<std::string>& known_ops() {
  static const std::set<std::string> ops = {
      "ArgMax", "BitShift", "Cast", "Clip", "Conv", "ConvInteger", "Div",     "Floor",
      "Gemm",   "Mul",      "Pow",  "Add",  "Sub",  "ReduceSum",   "Reshape", "Tile"};
  return ops;
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  OnnxModel read();

 private:
  [[noreturn]] void fail(const std::string& where, const std::string& msg) const {
    throw OnnxModelError(path_, where, msg);
  }
  [[noreturn]] void fail_sidecar(const std::string& where, const std::string& msg) const {
    throw OnnxModelError(sidecar_, where, msg);
  }

  void parse();
  void index();
  void read_sidecar();

  // --- initializers ------------------------------------------------------------------------
  const TP& init(const std::string& name, int dtype, const std::vector<int64_t>& dims,
                 const std::string& what) const;
  template <typename T>
  std::vector<T> values(const TP& t) const;
  double scalar(const std::string& name) const;  // numeric scalar initializer as a double

  // --- nodes -------------------------------------------------------------------------------
  const onnx::NodeProto& producer(const std::string& tensor, const std::string& op_type,
                                  const std::string& what) const;
  std::string node_where(const onnx::NodeProto& n) const {
    return "node " + (n.name().empty() ? "(unnamed " + n.op_type() + ")" : n.name());
  }
  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) const;
  int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t dflt) const;
  std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name) const;
  void need_inputs(const onnx::NodeProto& n, int count) const;
  // The node's input `i` must be a Cast of `tensor` (to `to`, or any type if to < 0).
  void expect_cast_of(const onnx::NodeProto& n, int i, const std::string& tensor, int to,
                      const std::string& what) const;
  // out = Cast<int8>(Clip(v, lo, 127)): returns whether lo is 0 (ReLU) or -128 (none).
  bool output_relu(const std::string& out, const std::string& what) const;

  // --- sidecar -----------------------------------------------------------------------------
  int64_t jint(const json& op, const std::string& key, const std::string& where) const;
  std::string jstr(const json& op, const std::string& key, const std::string& where) const;
  bool jbool(const json& op, const std::string& key, const std::string& where) const;
  void agree(const std::string& where, const std::string& field, int64_t sidecar, int64_t graph,
             const std::string& graph_where) const;

  NetOp read_conv(const json& op, const std::string& where);
  NetOp read_add(const json& op, const std::string& where);
  NetOp read_gap(const json& op, const std::string& where);
  NetOp read_fc(const json& op, const std::string& where);
  void read_input();

  std::string path_, sidecar_;
  onnx::ModelProto model_;
  json side_;
  std::map<std::string, const TP*> inits_;
  std::map<std::string, const onnx::NodeProto*> producers_;
  std::map<std::string, std::vector<const onnx::NodeProto*>> consumers_;
  // Shapes of the maps (C, H, W) and vectors (n) as the graph defines them.
  std::map<std::string, std::vector<int64_t>> shapes_;
  OnnxModel out_;
};

void Reader::parse() {
  std::ifstream f(path_, std::ios::binary);
  if (!f) {
    fail("file", std::string("cannot open it (") + std::strerror(errno) +
                     "); check the path (--model), relative paths are from the current directory");
  }
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.empty()) fail("file", std::string("is empty") + kReexport);
  if (!model_.ParseFromString(bytes)) {
    fail("file",
         "is not a valid ONNX protobuf (onnx::ModelProto does not parse: truncated or "
         "not ONNX)" +
             std::string(kReexport));
  }
  if (!model_.has_graph() || model_.graph().node_size() == 0) {
    fail("graph", std::string("has no nodes (truncated, or not an ONNX model)") + kReexport);
  }
  for (const auto& o : model_.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") out_.opset = o.version();
  }
  if (out_.opset < 13) {
    fail("opset_import", "default-domain opset " + std::to_string(out_.opset) +
                             " is older than 13, the opset of the export" + kReexport);
  }
  out_.producer = model_.producer_name();
}

void Reader::index() {
  const onnx::GraphProto& g = model_.graph();
  for (const TP& t : g.initializer()) inits_[t.name()] = &t;
  for (const onnx::NodeProto& n : g.node()) {
    if (!(n.domain().empty() || n.domain() == "ai.onnx") || known_ops().count(n.op_type()) == 0) {
      fail(node_where(n),
           "operator " + (n.domain().empty() ? "" : n.domain() + ".") + n.op_type() +
               " is not one the escalate export uses (" +
               "ArgMax BitShift Cast Clip Conv ConvInteger Div Floor Gemm Mul Pow Add Sub "
               "ReduceSum Reshape Tile)" +
               kReexport);
    }
    for (const std::string& o : n.output()) {
      if (producers_.count(o) || inits_.count(o)) {
        fail(node_where(n), "writes tensor " + o + ", which is already defined" + kReexport);
      }
      producers_[o] = &n;
    }
    for (const std::string& i : n.input()) consumers_[i].push_back(&n);
  }
}

void Reader::read_sidecar() {
  std::string rel;
  std::string format;
  for (const auto& p : model_.metadata_props()) {
    if (p.key() == "escalate.sidecar") rel = p.value();
    if (p.key() == "escalate.format") format = p.value();
  }
  if (rel.empty()) {
    fail("metadata_props", std::string("no escalate.sidecar entry naming the sidecar JSON (the op "
                                       "order and coefficient width live there)") +
                               kReexport);
  }
  if (format != "escalate-fmnist-int/1") {
    fail("metadata_props", "escalate.format is \"" + format +
                               "\", this reader knows \"escalate-fmnist-int/1\"" + kReexport);
  }
  if (rel.find('/') != std::string::npos || rel == "." || rel == "..") {
    fail("metadata_props", "escalate.sidecar \"" + rel +
                               "\" must be a file name beside the model, not a path" + kReexport);
  }
  const size_t slash = path_.find_last_of('/');
  sidecar_ = (slash == std::string::npos ? std::string() : path_.substr(0, slash + 1)) + rel;
  std::ifstream f(sidecar_);
  if (!f) {
    fail("metadata_props", "its sidecar " + sidecar_ +
                               " (escalate.sidecar) cannot be read; keep the .json the export "
                               "wrote beside the .onnx file");
  }
  try {
    f >> side_;
  } catch (const json::exception& e) {
    fail_sidecar("file", std::string("not valid JSON (") + e.what() +
                             "); restore it with git checkout or re-export the model");
  }
  if (!side_.is_object() || side_.value("format", "") != "escalate-fmnist-int/1") {
    fail_sidecar("format", "is not \"escalate-fmnist-int/1\"; the sidecar of another model?");
  }
  if (!side_.contains("ops") || !side_["ops"].is_array() || side_["ops"].empty()) {
    fail_sidecar("ops", "missing or empty; the sidecar lists the network's ops in order");
  }
}

const TP& Reader::init(const std::string& name, int dtype, const std::vector<int64_t>& dims,
                       const std::string& what) const {
  const auto it = inits_.find(name);
  const std::string where = "initializer " + name;
  if (it == inits_.end()) fail(where, "missing (" + what + ")" + kReexport);
  const TP& t = *it->second;
  if (t.data_type() != dtype) {
    fail(where, std::string("has type ") + dtype_name(t.data_type()) + ", expected " +
                    dtype_name(dtype) + " (" + what + ")" + kReexport);
  }
  std::vector<int64_t> got(t.dims().begin(), t.dims().end());
  if (got != dims) {
    fail(where, "has shape " + dims_str(got) + ", expected " + dims_str(dims) + " (" + what + ")" +
                    kReexport);
  }
  if (t.data_location() == TP::EXTERNAL) {
    fail(where,
         "stores its data in an external file, which escalate does not read; save the "
         "model with the data inside the .onnx file");
  }
  return t;
}

template <typename T>
std::vector<T> Reader::values(const TP& t) const {
  const std::string where = "initializer " + t.name();
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > (int64_t{1} << 31) || n * std::max<int64_t>(d, 1) > (int64_t{1} << 31)) {
      fail(where, "has an impossible shape" + std::string(kReexport));
    }
    n *= d;
  }
  std::vector<T> v(static_cast<size_t>(n));
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (raw.size() != static_cast<size_t>(n) * sizeof(T)) {
      fail(where, "raw_data has " + std::to_string(raw.size()) + " bytes, the shape needs " +
                      std::to_string(static_cast<size_t>(n) * sizeof(T)) + " (truncated?)" +
                      kReexport);
    }
    // ONNX raw_data is little-endian whatever the host: assemble each value from its bytes.
    for (size_t i = 0; i < v.size(); ++i) {
      uint64_t u = 0;
      for (size_t b = 0; b < sizeof(T); ++b) {
        u |= uint64_t{static_cast<uint8_t>(raw[i * sizeof(T) + b])} << (8 * b);
      }
      if constexpr (std::is_integral_v<T>) {
        v[i] = static_cast<T>(u);  // two's complement: the low sizeof(T) bytes
      } else if constexpr (sizeof(T) == 8) {
        std::memcpy(&v[i], &u, 8);
      } else {
        const auto u32 = static_cast<uint32_t>(u);
        std::memcpy(&v[i], &u32, 4);
      }
    }
    return v;
  }
  // Typed fields: int8..int32 (and bool, float16) live in int32_data, int64 in int64_data.
  auto take = [&](const auto& field, const char* fname) {
    if (field.size() != n) {
      fail(where, std::string(fname) + " has " + std::to_string(field.size()) +
                      " values, the shape needs " + std::to_string(n) + kReexport);
    }
    for (int64_t i = 0; i < n; ++i) {
      const auto x = field.Get(static_cast<int>(i));
      if constexpr (std::is_integral_v<T>) {
        if (x < static_cast<decltype(x)>(std::numeric_limits<T>::min()) ||
            x > static_cast<decltype(x)>(std::numeric_limits<T>::max())) {
          fail(where, std::string(fname) + "[" + std::to_string(i) + "] = " + std::to_string(x) +
                          " does not fit its type" + kReexport);
        }
      }
      v[static_cast<size_t>(i)] = static_cast<T>(x);
    }
  };
  switch (t.data_type()) {
    case TP::INT64:
      take(t.int64_data(), "int64_data");
      break;
    case TP::DOUBLE:
      take(t.double_data(), "double_data");
      break;
    case TP::FLOAT:
      take(t.float_data(), "float_data");
      break;
    default:
      take(t.int32_data(), "int32_data");
  }
  return v;
}

double Reader::scalar(const std::string& name) const {
  const auto it = inits_.find(name);
  if (it == inits_.end())
    fail("initializer " + name, "missing (a constant)" + std::string(kReexport));
  const TP& t = *it->second;
  if (t.dims_size() != 0) fail("initializer " + name, "must be a scalar" + std::string(kReexport));
  switch (t.data_type()) {
    case TP::DOUBLE:
      return values<double>(t)[0];
    case TP::FLOAT:
      return values<float>(t)[0];
    case TP::INT8:
      return values<int8_t>(t)[0];
    case TP::UINT8:
      return values<uint8_t>(t)[0];
    case TP::UINT16:
      return values<uint16_t>(t)[0];
    case TP::INT32:
      return values<int32_t>(t)[0];
    case TP::INT64:
      return static_cast<double>(values<int64_t>(t)[0]);
    default:
      fail("initializer " + name, std::string("has type ") + dtype_name(t.data_type()) + kReexport);
  }
}

const onnx::NodeProto& Reader::producer(const std::string& tensor, const std::string& op_type,
                                        const std::string& what) const {
  const auto it = producers_.find(tensor);
  if (it == producers_.end()) {
    fail("tensor " + tensor, "no node produces it (" + what + ")" + kReexport);
  }
  const onnx::NodeProto& n = *it->second;
  if (n.op_type() != op_type) {
    fail(node_where(n), "produces " + tensor + " with " + n.op_type() + ", expected " + op_type +
                            " (" + what + ")" + kReexport);
  }
  return n;
}

const onnx::AttributeProto* Reader::attr(const onnx::NodeProto& n, const std::string& name) const {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t Reader::attr_int(const onnx::NodeProto& n, const std::string& name, int64_t dflt) const {
  const onnx::AttributeProto* a = attr(n, name);
  if (a == nullptr) return dflt;
  if (a->type() != onnx::AttributeProto::INT) {
    fail(node_where(n), "attribute " + name + " is not an integer" + kReexport);
  }
  return a->i();
}

std::vector<int64_t> Reader::attr_ints(const onnx::NodeProto& n, const std::string& name) const {
  const onnx::AttributeProto* a = attr(n, name);
  if (a == nullptr) return {};
  if (a->type() != onnx::AttributeProto::INTS) {
    fail(node_where(n), "attribute " + name + " is not a list of integers" + kReexport);
  }
  return {a->ints().begin(), a->ints().end()};
}

void Reader::need_inputs(const onnx::NodeProto& n, int count) const {
  if (n.input_size() < count) {
    fail(node_where(n), n.op_type() + " has " + std::to_string(n.input_size()) +
                            " inputs, expected " + std::to_string(count) + kReexport);
  }
}

void Reader::expect_cast_of(const onnx::NodeProto& n, int i, const std::string& tensor, int to,
                            const std::string& what) const {
  need_inputs(n, i + 1);
  const onnx::NodeProto& c = producer(n.input(i), "Cast", what);
  need_inputs(c, 1);
  if (c.input(0) != tensor) {
    fail(node_where(c),
         "casts " + c.input(0) + ", expected " + tensor + " (" + what + ")" + kReexport);
  }
  if (to >= 0 && attr_int(c, "to", -1) != to) {
    fail(node_where(c), std::string("casts to ") +
                            dtype_name(static_cast<int>(attr_int(c, "to", -1))) + ", expected " +
                            dtype_name(to) + " (" + what + ")" + kReexport);
  }
}

bool Reader::output_relu(const std::string& out, const std::string& what) const {
  const onnx::NodeProto& cast = producer(out, "Cast", what + ": int8 output");
  if (attr_int(cast, "to", -1) != TP::INT8) {
    fail(node_where(cast), "must cast to int8 (" + what + " output)" + kReexport);
  }
  need_inputs(cast, 1);
  const onnx::NodeProto& clip = producer(cast.input(0), "Clip", what + ": output clamp");
  need_inputs(clip, 3);
  const double lo = scalar(clip.input(1)), hi = scalar(clip.input(2));
  if (hi != 127.0 || (lo != 0.0 && lo != -128.0)) {
    fail(node_where(clip), "clamps to [" + std::to_string(lo) + ", " + std::to_string(hi) +
                               "]; the int8 output clamp is [0, 127] (ReLU) or [-128, 127]" +
                               kReexport);
  }
  return lo == 0.0;
}

int64_t Reader::jint(const json& op, const std::string& key, const std::string& where) const {
  if (!op.contains(key) || !op[key].is_number_integer()) {
    fail_sidecar(where, "field \"" + key + "\" is missing or not an integer");
  }
  return op[key].get<int64_t>();
}

std::string Reader::jstr(const json& op, const std::string& key, const std::string& where) const {
  if (!op.contains(key) || !op[key].is_string()) {
    fail_sidecar(where, "field \"" + key + "\" is missing or not a string");
  }
  return op[key].get<std::string>();
}

bool Reader::jbool(const json& op, const std::string& key, const std::string& where) const {
  if (!op.contains(key) || !op[key].is_boolean()) {
    fail_sidecar(where, "field \"" + key + "\" is missing or not true/false");
  }
  return op[key].get<bool>();
}

void Reader::agree(const std::string& where, const std::string& field, int64_t sidecar,
                   int64_t graph, const std::string& graph_where) const {
  if (sidecar != graph) {
    fail_sidecar(where, "\"" + field + "\" is " + std::to_string(sidecar) + " but the graph (" +
                            graph_where + " in " + path_ + ") says " + std::to_string(graph) +
                            "; the sidecar belongs to another export: keep the pair the export "
                            "wrote together");
  }
}

NetOp Reader::read_conv(const json& op, const std::string& where) {
  NetOp r;
  r.kind = NetOp::Kind::kConv;
  r.name = jstr(op, "name", where);
  const std::string& L = r.name;
  r.in = {jstr(op, "in", where)};
  r.out = jstr(op, "out", where);
  const auto in_shape = shapes_.find(r.in[0]);
  if (in_shape == shapes_.end() || in_shape->second.size() != 3) {
    fail_sidecar(where,
                 "conv " + L + " reads " + r.in[0] + ", which no earlier op writes as a map");
  }
  const int64_t C = in_shape->second[0], H = in_shape->second[1], W = in_shape->second[2];

  // Basis stage: ConvInteger(x, Tile(L.basis, L.tile), 0, 0, group = C).
  const std::string what = "conv " + L + " basis stage";
  const onnx::NodeProto& ci = producer(L + "/Z", "ConvInteger", what);
  need_inputs(ci, 2);
  if (ci.input(0) != r.in[0]) {
    fail(node_where(ci),
         "reads " + ci.input(0) + ", the sidecar says conv " + L + " reads " + r.in[0] + kReexport);
  }
  const onnx::NodeProto& tile = producer(ci.input(1), "Tile", what + " weight");
  need_inputs(tile, 2);
  if (tile.input(0) != L + ".basis" || tile.input(1) != L + ".tile") {
    fail(node_where(tile), "tiles " + tile.input(0) + " by " + tile.input(1) + ", expected " + L +
                               ".basis by " + L + ".tile" + kReexport);
  }
  const auto b_it = inits_.find(L + ".basis");
  if (b_it == inits_.end()) fail("initializer " + L + ".basis", "missing" + std::string(kReexport));
  if (b_it->second->dims_size() != 4) {
    fail("initializer " + L + ".basis",
         "must have 4 dimensions (M, 1, K, K)" + std::string(kReexport));
  }
  const int64_t M = b_it->second->dims(0), K = b_it->second->dims(2);
  const TP& basis_t = init(L + ".basis", TP::INT8, {M, 1, K, K}, "layer-shared basis (M, 1, K, K)");
  const std::vector<int64_t> tile_v =
      values<int64_t>(init(L + ".tile", TP::INT64, {4}, "Tile repeats [C, 1, 1, 1]"));
  if (tile_v != std::vector<int64_t>{C, 1, 1, 1}) {
    fail("initializer " + L + ".tile", "is " + list_str(tile_v) + ", expected [" +
                                           std::to_string(C) + ", 1, 1, 1] (C of input " + r.in[0] +
                                           ")" + kReexport);
  }
  const int64_t group = attr_int(ci, "group", 1);
  if (group != C) {
    fail(node_where(ci), "group = " + std::to_string(group) + ", expected C = " +
                             std::to_string(C) + " (one group per input channel)" + kReexport);
  }
  const std::vector<int64_t> ks = attr_ints(ci, "kernel_shape");
  if (!ks.empty() && ks != std::vector<int64_t>{K, K}) {
    fail(node_where(ci), "kernel_shape " + list_str(ks) + " disagrees with the basis (K = " +
                             std::to_string(K) + ")" + kReexport);
  }
  std::vector<int64_t> strides = attr_ints(ci, "strides");
  if (strides.empty()) strides = {1, 1};
  if (strides.size() != 2 || strides[0] != strides[1]) {
    fail(node_where(ci), "strides " + list_str(strides) +
                             " must be two equal values (the hardware has one stride)" + kReexport);
  }
  std::vector<int64_t> pads = attr_ints(ci, "pads");  // [top, left, bottom, right]
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4) fail(node_where(ci), "pads must have 4 values" + std::string(kReexport));
  for (const char* a : {"dilations"}) {
    for (int64_t d : attr_ints(ci, a)) {
      if (d != 1) fail(node_where(ci), "dilations must be 1" + std::string(kReexport));
    }
  }
  // Coefficient stage: Conv 1x1 of L/Zq with Cast<double>(L.coef).
  const onnx::NodeProto& cc =
      producer(L + "/acc_exact", "Conv", "conv " + L + " coefficient stage");
  need_inputs(cc, 2);
  if (cc.input(0) != L + "/Zq") {
    fail(node_where(cc), "reads " + cc.input(0) + ", expected " + L + "/Zq" + kReexport);
  }
  expect_cast_of(cc, 1, L + ".coef", TP::DOUBLE, "conv " + L + " coefficients");
  if (cc.input_size() > 2 && !cc.input(2).empty()) {
    fail(node_where(cc),
         "has a bias input; the bias is added after the int32 wrap" + std::string(kReexport));
  }
  const auto c_it = inits_.find(L + ".coef");
  if (c_it == inits_.end()) fail("initializer " + L + ".coef", "missing" + std::string(kReexport));
  const int64_t N = c_it->second->dims_size() > 0 ? c_it->second->dims(0) : 0;
  const TP& coef_t = init(L + ".coef", TP::INT8, {N, C * M, 1, 1},
                          "coefficients (N, C*M, 1, 1), A[n][c][m] at [n][c*M + m]");
  const std::vector<int32_t> bias =
      values<int32_t>(init(L + ".bias", TP::INT32, {N}, "bias per output channel"));
  const std::vector<uint16_t> mult =
      values<uint16_t>(init(L + ".mult", TP::UINT16, {N}, "requantisation multiplier"));
  const std::vector<uint8_t> shift =
      values<uint8_t>(init(L + ".shift", TP::UINT8, {N}, "requantisation shift"));
  const int64_t zshift =
      values<uint8_t>(init(L + ".zshift", TP::UINT8, {}, "basis-stage shift, a scalar"))[0];
  const bool relu = output_relu(r.out, "conv " + L);

  // The sidecar says the same, and the coefficient width ONNX cannot say.
  const std::string g = "node " + ci.name();
  agree(where, "C", jint(op, "C", where), C, "input " + r.in[0]);
  agree(where, "H", jint(op, "H", where), H, "input " + r.in[0]);
  agree(where, "W", jint(op, "W", where), W, "input " + r.in[0]);
  agree(where, "N", jint(op, "N", where), N, "initializer " + L + ".coef");
  agree(where, "M", jint(op, "M", where), M, "initializer " + L + ".basis");
  agree(where, "K", jint(op, "K", where), K, "initializer " + L + ".basis");
  agree(where, "stride", jint(op, "stride", where), strides[0], g + " strides");
  agree(where, "zshift", jint(op, "zshift", where), zshift, "initializer " + L + ".zshift");
  agree(where, "relu", jbool(op, "relu", where) ? 1 : 0, relu ? 1 : 0,
        "the lower bound of the output Clip");
  if (!op.contains("pads") || !op["pads"].is_array() || op["pads"].size() != 4) {
    fail_sidecar(where, "field \"pads\" must be [top, bottom, left, right]");
  }
  const char* pad_names[4] = {"pads[0] (top)", "pads[1] (bottom)", "pads[2] (left)",
                              "pads[3] (right)"};
  const int64_t graph_pads[4] = {pads[0], pads[2], pads[1], pads[3]};
  for (int i = 0; i < 4; ++i) {
    if (!op["pads"][static_cast<size_t>(i)].is_number_integer()) {
      fail_sidecar(where, std::string("field \"") + pad_names[i] + "\" is not an integer");
    }
    agree(where, pad_names[i], op["pads"][static_cast<size_t>(i)].get<int64_t>(), graph_pads[i],
          g + " pads");
  }
  const int64_t coef_w = jint(op, "coef_w", where);
  if (coef_w != 8 && coef_w != 4) {
    fail_sidecar(where, "\"coef_w\" is " + std::to_string(coef_w) + ", must be 8 or 4");
  }

  LayerConfig& cfg = r.conv.cfg;
  auto narrow = [&](int64_t v, const std::string& field, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      fail("conv " + L, field + " = " + std::to_string(v) + " is outside " + std::to_string(lo) +
                            ".." + std::to_string(hi) + kReexport);
    }
    return static_cast<int>(v);
  };
  cfg.C = narrow(C, "C", 1, 65536);
  cfg.N = narrow(N, "N", 1, 65536);
  cfg.H = narrow(H, "H", 1, 65536);
  cfg.W = narrow(W, "W", 1, 65536);
  cfg.K = narrow(K, "K", 1, 7);
  cfg.M = narrow(M, "M", 1, 256);
  cfg.stride = narrow(strides[0], "stride", 1, 2);
  cfg.pad_t = narrow(pads[0], "pad top", 0, 6);
  cfg.pad_l = narrow(pads[1], "pad left", 0, 6);
  cfg.pad_b = narrow(pads[2], "pad bottom", 0, 6);
  cfg.pad_r = narrow(pads[3], "pad right", 0, 6);
  cfg.zshift = narrow(zshift, "zshift", 0, 31);
  cfg.coef_w = static_cast<int>(coef_w);
  cfg.relu = relu;
  cfg.basis_per_channel = false;
  // (M, 1, K, K) and (1, M, K, K) have the same element order; so do (N, C*M, 1, 1), (N, C, M).
  const std::vector<int8_t> bv = values<int8_t>(basis_t);
  r.conv.basis = BasisT(1, cfg.M, cfg.K, cfg.K);
  std::copy(bv.begin(), bv.end(), r.conv.basis.data());
  const std::vector<int8_t> cv = values<int8_t>(coef_t);
  r.conv.coef = CoefT(cfg.N, cfg.C, cfg.M);
  std::copy(cv.begin(), cv.end(), r.conv.coef.data());
  r.conv.rq.bias = bias;
  r.conv.rq.mult = mult;
  r.conv.rq.shift = shift;
  IntLayer probe = r.conv;
  probe.x = ActT(cfg.C, cfg.H, cfg.W);
  if (const std::string e = validate(probe); !e.empty()) {
    fail("conv " + L, e + (cfg.coef_w == 4 ? " (sidecar coef_w = 4)" : "") + kReexport);
  }
  shapes_[r.out] = {cfg.N, cfg.Ho(), cfg.Wo()};
  return r;
}

NetOp Reader::read_add(const json& op, const std::string& where) {
  NetOp r;
  r.kind = NetOp::Kind::kAdd;
  r.name = jstr(op, "name", where);
  const std::string& A = r.name;
  r.in = {jstr(op, "a", where), jstr(op, "b", where)};
  r.out = jstr(op, "out", where);
  r.ma = values<uint16_t>(init(A + ".ma", TP::UINT16, {}, "multiplier of operand a"))[0];
  r.mb = values<uint16_t>(init(A + ".mb", TP::UINT16, {}, "multiplier of operand b"))[0];
  r.shift = values<uint8_t>(init(A + ".shift", TP::UINT8, {}, "shift of the sum"))[0];
  r.relu = output_relu(r.out, "add " + A);
  // Operand wiring: Mul(Cast(operand), Cast(A.ma)) and the same with A.mb.
  for (int k = 0; k < 2; ++k) {
    const std::string m = A + (k == 0 ? ".ma" : ".mb");
    const std::string what = "add " + A + " operand " + (k == 0 ? "a" : "b");
    std::string operand;
    const auto cs = consumers_.find(m);
    if (cs != consumers_.end()) {
      for (const onnx::NodeProto* cast : cs->second) {
        if (cast->op_type() != "Cast" || cast->output_size() != 1) continue;
        const auto muls = consumers_.find(cast->output(0));
        if (muls == consumers_.end()) continue;
        for (const onnx::NodeProto* mul : muls->second) {
          if (mul->op_type() != "Mul" || mul->input_size() != 2) continue;
          const std::string other =
              mul->input(0) == cast->output(0) ? mul->input(1) : mul->input(0);
          const auto p = producers_.find(other);
          if (p != producers_.end() && p->second->op_type() == "Cast" &&
              p->second->input_size() == 1) {
            operand = p->second->input(0);
          }
        }
      }
    }
    if (operand.empty()) {
      fail("initializer " + m,
           "no Mul(Cast(operand), Cast(" + m + ")) uses it (" + what + ")" + kReexport);
    }
    if (operand != r.in[static_cast<size_t>(k)]) {
      fail_sidecar(where, what + " is " + r.in[static_cast<size_t>(k)] + " but the graph (" +
                              path_ + ") multiplies " + operand + " by " + m +
                              "; keep the .onnx and .json the export wrote together");
    }
  }
  agree(where, "ma", jint(op, "ma", where), r.ma, "initializer " + A + ".ma");
  agree(where, "mb", jint(op, "mb", where), r.mb, "initializer " + A + ".mb");
  agree(where, "shift", jint(op, "shift", where), r.shift, "initializer " + A + ".shift");
  agree(where, "relu", jbool(op, "relu", where) ? 1 : 0, r.relu ? 1 : 0,
        "the lower bound of the output Clip");
  const auto sa = shapes_.find(r.in[0]), sb = shapes_.find(r.in[1]);
  if (sa == shapes_.end() || sb == shapes_.end() || sa->second != sb->second ||
      sa->second.size() != 3) {
    fail_sidecar(where, "add " + A + " adds " + r.in[0] + " and " + r.in[1] +
                            ", which are not two earlier maps of the same shape");
  }
  shapes_[r.out] = sa->second;
  return r;
}

NetOp Reader::read_gap(const json& op, const std::string& where) {
  NetOp r;
  r.kind = NetOp::Kind::kGapSum;
  r.name = jstr(op, "name", where);
  r.in = {jstr(op, "in", where)};
  r.out = jstr(op, "out", where);
  const std::string what = "gap_sum " + r.name;
  const onnx::NodeProto& rs = producer(r.out, "ReduceSum", what);
  need_inputs(rs, 2);
  if (attr_int(rs, "keepdims", 1) != 0) {
    fail(node_where(rs), "keepdims must be 0 (" + what + ")" + kReexport);
  }
  const std::vector<int64_t> axes =
      values<int64_t>(init(rs.input(1), TP::INT64, {2}, what + " axes"));
  if (axes != std::vector<int64_t>{2, 3}) {
    fail("initializer " + rs.input(1),
         "axes " + list_str(axes) + ", expected [2, 3] (H, W) (" + what + ")" + kReexport);
  }
  expect_cast_of(rs, 0, r.in[0], TP::INT32, what + " input");
  const auto s = shapes_.find(r.in[0]);
  if (s == shapes_.end() || s->second.size() != 3) {
    fail_sidecar(where, what + " reads " + r.in[0] + ", which is not an earlier map");
  }
  shapes_[r.out] = {s->second[0]};
  return r;
}

NetOp Reader::read_fc(const json& op, const std::string& where) {
  NetOp r;
  r.kind = NetOp::Kind::kFc;
  r.name = jstr(op, "name", where);
  r.in = {jstr(op, "in", where)};
  r.out = jstr(op, "out", where);
  const std::string what = "fc " + r.name;
  const onnx::NodeProto& cast = producer(r.out, "Cast", what + " int32 logits");
  if (attr_int(cast, "to", -1) != TP::INT32) {
    fail(node_where(cast), "must cast the logits to int32" + std::string(kReexport));
  }
  need_inputs(cast, 1);
  const onnx::NodeProto& gemm = producer(cast.input(0), "Gemm", what);
  need_inputs(gemm, 3);
  if (attr_int(gemm, "transA", 0) != 0 || attr_int(gemm, "transB", 0) != 1) {
    fail(node_where(gemm),
         "needs transA = 0, transB = 1 (weight (classes, channels))" + std::string(kReexport));
  }
  for (const char* a : {"alpha", "beta"}) {
    const onnx::AttributeProto* p = attr(gemm, a);
    if (p != nullptr && p->f() != 1.0f) {
      fail(node_where(gemm), std::string(a) + " must be 1" + kReexport);
    }
  }
  expect_cast_of(gemm, 0, r.in[0], TP::DOUBLE, what + " input");
  expect_cast_of(gemm, 1, r.name + ".weight", TP::DOUBLE, what + " weight");
  expect_cast_of(gemm, 2, r.name + ".bias", TP::DOUBLE, what + " bias");
  const auto s = shapes_.find(r.in[0]);
  if (s == shapes_.end() || s->second.size() != 1) {
    fail_sidecar(where, what + " reads " + r.in[0] + ", which is not an earlier gap_sum vector");
  }
  const auto w_it = inits_.find(r.name + ".weight");
  const int64_t classes =
      w_it != inits_.end() && w_it->second->dims_size() > 0 ? w_it->second->dims(0) : 0;
  if (classes < 1 || classes > 65536) {
    fail("initializer " + r.name + ".weight",
         "missing or without classes" + std::string(kReexport));
  }
  const std::vector<int8_t> w = values<int8_t>(init(
      r.name + ".weight", TP::INT8, {classes, s->second[0]}, "classifier weight (classes, C)"));
  r.fc_weight = FcWeightT(classes, s->second[0]);
  std::copy(w.begin(), w.end(), r.fc_weight.data());
  r.fc_bias = values<int32_t>(init(r.name + ".bias", TP::INT32, {classes}, "classifier bias"));
  shapes_[r.out] = {classes};
  return r;
}

void Reader::read_input() {
  const onnx::GraphProto& g = model_.graph();
  const onnx::ValueInfoProto* image = nullptr;
  for (const auto& in : g.input()) {
    if (!inits_.count(in.name())) {
      if (image != nullptr)
        fail("graph inputs", "more than one non-constant input" + std::string(kReexport));
      image = &in;
    }
  }
  if (image == nullptr) fail("graph inputs", "no image input" + std::string(kReexport));
  const std::string where = "graph input " + image->name();
  const auto& tt = image->type().tensor_type();
  if (tt.elem_type() != TP::UINT8) {
    fail(where, std::string("has type ") + dtype_name(tt.elem_type()) + ", expected uint8 pixels" +
                    kReexport);
  }
  const auto& sh = tt.shape();
  if (sh.dim_size() != 4 || !sh.dim(1).has_dim_value() || sh.dim(1).dim_value() != 1 ||
      !sh.dim(2).has_dim_value() || !sh.dim(3).has_dim_value() || sh.dim(2).dim_value() < 1 ||
      sh.dim(3).dim_value() < 1 || sh.dim(2).dim_value() > 65536 || sh.dim(3).dim_value() > 65536) {
    fail(where, "must have shape (batch, 1, H, W) with fixed H and W" + std::string(kReexport));
  }
  Network& net = out_.net;
  net.H = static_cast<int>(sh.dim(2).dim_value());
  net.W = static_cast<int>(sh.dim(3).dim_value());
  net.input = side_.contains("input") && side_["input"].is_string()
                  ? side_["input"].get<std::string>()
                  : std::string("x0");
  // x0 = Cast<int8>(BitShift(image, shift, direction = RIGHT)).
  const onnx::NodeProto& cast = producer(net.input, "Cast", "input quantisation");
  if (attr_int(cast, "to", -1) != TP::INT8) {
    fail(node_where(cast), "must cast the input map to int8" + std::string(kReexport));
  }
  need_inputs(cast, 1);
  const onnx::NodeProto& bs = producer(cast.input(0), "BitShift", "input quantisation");
  need_inputs(bs, 2);
  const onnx::AttributeProto* dir = attr(bs, "direction");
  if (bs.input(0) != image->name() || dir == nullptr || dir->s() != "RIGHT") {
    fail(node_where(bs), "must shift the image right" + std::string(kReexport));
  }
  const double k = scalar(bs.input(1));
  if (k < 1 || k > 8 || k != static_cast<int>(k)) {
    fail("initializer " + bs.input(1),
         "input shift " + std::to_string(k) + " must be an integer in 1..8" + kReexport);
  }
  net.input_shift = static_cast<int>(k);
  shapes_[net.input] = {1, net.H, net.W};
}

OnnxModel Reader::read() {
  parse();
  index();
  read_sidecar();
  out_.onnx_path = path_;
  out_.sidecar_path = sidecar_;
  const size_t slash = path_.find_last_of('/');
  std::string stem = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".onnx") == 0)
    stem.resize(stem.size() - 5);
  out_.net.name = stem;
  read_input();
  const json& ops = side_["ops"];
  out_.coef_w = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const json& op = ops[i];
    std::string where = "ops[" + std::to_string(i) + "]";
    if (!op.is_object()) fail_sidecar(where, "is not an object");
    where += " (" + op.value("name", std::string("?")) + ")";
    const std::string kind = jstr(op, "op", where);
    if (kind == "conv") {
      NetOp c = read_conv(op, where);
      if (out_.coef_w == 0) out_.coef_w = c.conv.cfg.coef_w;
      out_.net.ops.push_back(std::move(c));
    } else if (kind == "add") {
      out_.net.ops.push_back(read_add(op, where));
    } else if (kind == "gap_sum") {
      out_.net.ops.push_back(read_gap(op, where));
    } else if (kind == "fc") {
      out_.net.ops.push_back(read_fc(op, where));
    } else {
      fail_sidecar(where, "op \"" + kind + "\" is not conv, add, gap_sum or fc");
    }
  }
  bool found = false;
  for (const auto& o : model_.graph().output())
    found = found || o.name() == out_.net.ops.back().out;
  if (!found) {
    fail("graph outputs", "do not include " + out_.net.ops.back().out +
                              ", the classifier output the sidecar names" + kReexport);
  }
  if (const std::string e = validate(out_.net); !e.empty()) fail_sidecar("ops", e);
  return out_;
}

}  // namespace

OnnxModel load_onnx_model(const std::string& onnx_path) {
  return Reader(onnx_path).read();
}

}  // namespace esc
