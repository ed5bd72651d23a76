// Host operations and whole-network inference of the trained integer CNN (docs/trained.md).
#include "esc/network.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace esc {

namespace {

std::string shape_str(const ActT& t) {
  return "(" + std::to_string(t.dimension(0)) + ", " + std::to_string(t.dimension(1)) + ", " +
         std::to_string(t.dimension(2)) + ")";
}

std::string shape_str(int c, int h, int w) {
  return "(" + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")";
}

}  // namespace

ActT quantise_input(const uint8_t* pixels, int H, int W, int shift) {
  if (H < 1 || W < 1) {
    throw std::invalid_argument("quantise_input: image size " + std::to_string(H) + "x" +
                                std::to_string(W) + " must be at least 1x1");
  }
  if (shift < 1 || shift > 8) {
    throw std::invalid_argument("quantise_input: shift " + std::to_string(shift) +
                                " must be in 1..8 so that every pixel fits int8");
  }
  ActT x(1, H, W);
  for (int i = 0; i < H * W; ++i) x.data()[i] = static_cast<int8_t>(pixels[i] >> shift);
  return x;
}

ActT residual_add(const ActT& a, const ActT& b, uint16_t ma, uint16_t mb, int shift, bool relu) {
  if (a.dimensions() != b.dimensions()) {
    throw std::invalid_argument("residual_add: operand shapes differ, a " + shape_str(a) + ", b " +
                                shape_str(b));
  }
  if (shift < 0 || shift > 63) {
    throw std::invalid_argument("residual_add: shift " + std::to_string(shift) +
                                " must be in 0..63");
  }
  ActT out(a.dimension(0), a.dimension(1), a.dimension(2));
  const int64_t lo = relu ? 0 : -128;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const int64_t v = int64_t{a.data()[i]} * ma + int64_t{b.data()[i]} * mb;
    out.data()[i] = static_cast<int8_t>(std::clamp<int64_t>(rshift(v, shift), lo, 127));
  }
  return out;
}

std::vector<int32_t> gap_sum(const ActT& in) {
  const Eigen::Index C = in.dimension(0), P = in.dimension(1) * in.dimension(2);
  std::vector<int32_t> pool(static_cast<size_t>(C), 0);
  for (Eigen::Index c = 0; c < C; ++c) {
    int64_t s = 0;
    for (Eigen::Index p = 0; p < P; ++p) s += in.data()[c * P + p];
    if (s < std::numeric_limits<int32_t>::min() || s > std::numeric_limits<int32_t>::max()) {
      throw std::overflow_error("gap_sum: channel " + std::to_string(c) + " sums to " +
                                std::to_string(s) + ", outside int32 (map too large)");
    }
    pool[static_cast<size_t>(c)] = static_cast<int32_t>(s);
  }
  return pool;
}

std::vector<int32_t> fully_connected(const std::vector<int32_t>& in, const FcWeightT& weight,
                                     const std::vector<int32_t>& bias) {
  const Eigen::Index K = weight.dimension(0), C = weight.dimension(1);
  if (static_cast<Eigen::Index>(in.size()) != C || static_cast<Eigen::Index>(bias.size()) != K) {
    throw std::invalid_argument("fully_connected: weight (" + std::to_string(K) + ", " +
                                std::to_string(C) + ") needs " + std::to_string(C) +
                                " inputs and " + std::to_string(K) + " biases, got " +
                                std::to_string(in.size()) + " and " + std::to_string(bias.size()));
  }
  std::vector<int32_t> out(static_cast<size_t>(K));
  for (Eigen::Index k = 0; k < K; ++k) {
    int64_t s = bias[static_cast<size_t>(k)];
    for (Eigen::Index c = 0; c < C; ++c) s += int64_t{weight(k, c)} * in[static_cast<size_t>(c)];
    if (s < std::numeric_limits<int32_t>::min() || s > std::numeric_limits<int32_t>::max()) {
      throw std::overflow_error("fully_connected: logit " + std::to_string(k) + " = " +
                                std::to_string(s) + " does not fit int32");
    }
    out[static_cast<size_t>(k)] = static_cast<int32_t>(s);
  }
  return out;
}

int argmax_first(const std::vector<int32_t>& v) {
  if (v.empty()) throw std::invalid_argument("argmax_first: empty vector");
  // std::max_element returns the first of equal maxima.
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

const char* op_kind_name(NetOp::Kind k) {
  switch (k) {
    case NetOp::Kind::kConv:
      return "conv";
    case NetOp::Kind::kAdd:
      return "add";
    case NetOp::Kind::kGapSum:
      return "gap_sum";
    case NetOp::Kind::kFc:
      return "fc";
  }
  return "?";
}

std::vector<const NetOp*> Network::convs() const {
  std::vector<const NetOp*> v;
  for (const NetOp& op : ops) {
    if (op.kind == NetOp::Kind::kConv) v.push_back(&op);
  }
  return v;
}

int Network::classes() const {
  return ops.empty() || ops.back().kind != NetOp::Kind::kFc
             ? 0
             : static_cast<int>(ops.back().fc_weight.dimension(0));
}

std::string validate(const Network& net) {
  // Shapes of the tensors written so far: maps (C, H, W), vectors (n, -1, -1).
  struct Shape {
    int c = 0, h = -1, w = -1;
    bool map() const { return h >= 0; }
  };
  std::map<std::string, Shape> shapes;
  if (net.H < 1 || net.W < 1) return "network: image size must be at least 1x1";
  if (net.input_shift < 1 || net.input_shift > 8) return "network: input_shift must be in 1..8";
  shapes[net.input] = {1, net.H, net.W};
  if (net.ops.empty()) return "network: no operations";
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const NetOp& op = net.ops[i];
    const std::string where = std::string(op_kind_name(op.kind)) + " " + op.name + ": ";
    const size_t want_in = op.kind == NetOp::Kind::kAdd ? 2 : 1;
    if (op.in.size() != want_in) {
      return where + "needs " + std::to_string(want_in) + " input(s), has " +
             std::to_string(op.in.size());
    }
    std::vector<Shape> in;
    for (const std::string& t : op.in) {
      const auto it = shapes.find(t);
      if (it == shapes.end()) return where + "reads " + t + ", which no earlier op writes";
      in.push_back(it->second);
    }
    if (shapes.count(op.out)) return where + "writes " + op.out + ", which already exists";
    if (op.kind != NetOp::Kind::kFc && i + 1 == net.ops.size()) {
      return where + "the last op must be the classifier (fc)";
    }
    Shape out;
    switch (op.kind) {
      case NetOp::Kind::kConv: {
        const LayerConfig& c = op.conv.cfg;
        if (!in[0].map() || in[0].c != c.C || in[0].h != c.H || in[0].w != c.W) {
          return where + "input " + op.in[0] + " is " + shape_str(in[0].c, in[0].h, in[0].w) +
                 ", the layer needs (C, H, W) = " + shape_str(c.C, c.H, c.W);
        }
        IntLayer probe = op.conv;
        probe.x = ActT(c.C, c.H, c.W);
        if (const std::string e = validate(probe); !e.empty()) return where + e;
        out = {c.N, c.Ho(), c.Wo()};
        break;
      }
      case NetOp::Kind::kAdd:
        if (!in[0].map() || !in[1].map() || in[0].c != in[1].c || in[0].h != in[1].h ||
            in[0].w != in[1].w) {
          return where + "operands " + op.in[0] + " " + shape_str(in[0].c, in[0].h, in[0].w) +
                 " and " + op.in[1] + " " + shape_str(in[1].c, in[1].h, in[1].w) + " differ";
        }
        if (op.shift < 0 || op.shift > 63) return where + "shift must be in 0..63";
        out = in[0];
        break;
      case NetOp::Kind::kGapSum:
        if (!in[0].map()) return where + "input " + op.in[0] + " is not a map";
        out = {in[0].c, -1, -1};
        break;
      case NetOp::Kind::kFc:
        if (i + 1 != net.ops.size()) return where + "the classifier must be the last op";
        if (in[0].map()) return where + "input " + op.in[0] + " must be a vector (gap_sum)";
        if (op.fc_weight.dimension(1) != in[0].c || op.fc_weight.dimension(0) < 1 ||
            static_cast<Eigen::Index>(op.fc_bias.size()) != op.fc_weight.dimension(0)) {
          return where + "weight (" + std::to_string(op.fc_weight.dimension(0)) + ", " +
                 std::to_string(op.fc_weight.dimension(1)) + ") and bias (" +
                 std::to_string(op.fc_bias.size()) + ") do not fit an input of " +
                 std::to_string(in[0].c);
        }
        out = {static_cast<int>(op.fc_weight.dimension(0)), -1, -1};
        break;
    }
    shapes[op.out] = out;
  }
  return "";
}

NetResult run_network(const Network& net, const ActT& x0, const ConvFn& conv) {
  if (const std::string e = validate(net); !e.empty()) {
    throw std::invalid_argument("run_network: " + e);
  }
  if (x0.dimension(0) != 1 || x0.dimension(1) != net.H || x0.dimension(2) != net.W) {
    throw std::invalid_argument("run_network: input is " + shape_str(x0) + ", the network needs " +
                                shape_str(1, net.H, net.W));
  }
  NetResult r;
  r.maps[net.input] = x0;
  for (const NetOp& op : net.ops) {
    switch (op.kind) {
      case NetOp::Kind::kConv: {
        IntLayer layer = op.conv;
        layer.x = r.maps.at(op.in[0]);
        if (conv) {
          OutT y = conv(op, layer);
          const LayerConfig& c = layer.cfg;
          if (y.dimension(0) != c.N || y.dimension(1) != c.Ho() || y.dimension(2) != c.Wo()) {
            throw std::invalid_argument("run_network: conv " + op.name + " returned " +
                                        shape_str(y) + ", expected " +
                                        shape_str(c.N, c.Ho(), c.Wo()));
          }
          r.maps[op.out] = std::move(y);
        } else {
          IntResult g = run_int(layer);
          if (g.overflow && r.overflow.empty()) r.overflow = op.name + ": " + g.overflow_at;
          r.maps[op.out] = std::move(g.y);
        }
        break;
      }
      case NetOp::Kind::kAdd:
        r.maps[op.out] =
            residual_add(r.maps.at(op.in[0]), r.maps.at(op.in[1]), op.ma, op.mb, op.shift, op.relu);
        break;
      case NetOp::Kind::kGapSum:
        r.vecs[op.out] = gap_sum(r.maps.at(op.in[0]));
        break;
      case NetOp::Kind::kFc:
        r.vecs[op.out] = fully_connected(r.vecs.at(op.in[0]), op.fc_weight, op.fc_bias);
        break;
    }
  }
  r.logits = r.vecs.at(net.ops.back().out);
  r.pred = argmax_first(r.logits);
  return r;
}

}  // namespace esc
