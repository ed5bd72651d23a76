"""ONNX (opset 13) writer and reader of the integer Fashion-MNIST network.

The graph uses standard operators only and computes the integer network *exactly*:
integer tensors keep their integer types (int8 activations, int8 basis/coefficients, int32
bias, uint16 mult, uint8 shifts); the steps ONNX has no integer operator for (round-half-up
arithmetic right shift, int16 saturation of Zq, int32 wrap of the accumulator, requantisation)
are spelled out in float64 (double) arithmetic, where every value involved is an integer of
magnitude < 2^53, so each Add/Mul/Div-by-a-power-of-two/Floor is exact. The mapping and the
naming convention are documented in docs/trained.md; the sidecar JSON beside the model holds
the wiring, the per-layer geometry and the host-op semantics as data, and is what
`load()` reads together with the initializers.

A decomposed layer L (input x: int8, C channels) is:

  Zt  = Tile(L.basis, L.tile)                          int8 (C*M, 1, K, K): basis repeated C times
  Z   = ConvInteger(x, Zt, 0, 0, group=C, strides, pads)   int32 (B, C*M, Ho, Wo), channel c*M+m
  Zq  = Clip(rshift(Cast<double>(Z), L.zshift), -32768, 32767)
  acc = Conv(Zq, Cast<double>(L.coef))                 1x1, weights (N, C*M, 1, 1): the sparse stage
  accw= acc - 2^32 * Floor((acc + 2^31) / 2^32)        wrap to int32
  y   = Cast<int8>(Clip(rshift((accw + L.bias) * L.mult, L.shift), relu ? 0 : -128, 127))

with rshift(v, k) = Floor((v + Floor(2^k / 2)) / 2^k) (= v for k = 0).
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
FORMAT = "escalate-fmnist-int/1"
D = TensorProto.DOUBLE


class _G:
    def __init__(self):
        self.nodes, self.inits, self.names = [], [], set()
        self.k = 0

    def init(self, name, arr):
        assert name not in self.names, name
        self.names.add(name)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(self, op, inputs, prefix, out=None, **attrs):
        self.k += 1
        out = out or f"{prefix}/{op}_{self.k}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{prefix}/{op}_{self.k}", **attrs))
        return out

    def cast(self, x, to, prefix, out=None):
        return self.node("Cast", [x], prefix, out=out, to=to)

    def rshift(self, v, shift_u8, prefix, per_channel):
        sh = self.cast(shift_u8, D, prefix)
        if per_channel:
            sh = self.node("Reshape", [sh, "c.chan_shape"], prefix)
        pw = self.node("Pow", ["c.two", sh], prefix)
        hf = self.node("Floor", [self.node("Mul", [pw, "c.half"], prefix)], prefix)
        return self.node("Floor", [self.node("Div", [self.node("Add", [v, hf], prefix), pw], prefix)], prefix)


def save(net, path, meta=None):
    """Write net (the dict of int_ref.run) as ONNX at path and its sidecar JSON beside it."""
    g = _G()
    consts = {"c.one_u8": np.uint8(1), "c.zp": np.int8(0), "c.two": np.float64(2),
              "c.half": np.float64(0.5), "c.2p31": np.float64(2 ** 31), "c.2p32": np.float64(2 ** 32),
              "c.i16min": np.float64(-32768), "c.i16max": np.float64(32767),
              "c.i8min": np.float64(-128), "c.zero": np.float64(0), "c.i8max": np.float64(127),
              "c.chan_shape": np.array([1, -1, 1, 1], np.int64), "c.axes_hw": np.array([2, 3], np.int64)}
    for k, v in consts.items():
        g.init(k, v)
    shifted = g.node("BitShift", ["image", "c.one_u8"], "input", direction="RIGHT")
    g.cast(shifted, TensorProto.INT8, "input", out=net["input"])
    side_ops = []
    for op in net["ops"]:
        kind, name = op["op"], op["name"]
        meta_op = {k: v for k, v in op.items() if not isinstance(v, np.ndarray)}
        if kind == "conv":
            C, M, K = op["C"], op["M"], op["K"]
            pt, pb, pl, pr = op["pads"]
            g.init(f"{name}.basis", op["basis"].astype(np.int8).reshape(M, 1, K, K))
            g.init(f"{name}.tile", np.array([C, 1, 1, 1], np.int64))
            g.init(f"{name}.coef", op["coef"].astype(np.int8).reshape(op["N"], C * M, 1, 1))
            g.init(f"{name}.bias", op["bias"].astype(np.int32))
            g.init(f"{name}.mult", op["mult"].astype(np.uint16))
            g.init(f"{name}.shift", op["shift"].astype(np.uint8))
            g.init(f"{name}.zshift", np.uint8(op["zshift"]))
            bt = g.node("Tile", [f"{name}.basis", f"{name}.tile"], name)
            z = g.node("ConvInteger", [op["in"], bt, "c.zp", "c.zp"], name, out=f"{name}/Z", group=C,
                       kernel_shape=[K, K], strides=[op["stride"]] * 2, pads=[pt, pl, pb, pr])
            zr = g.rshift(g.cast(z, D, name), f"{name}.zshift", name, per_channel=False)
            zq = g.node("Clip", [zr, "c.i16min", "c.i16max"], name, out=f"{name}/Zq")
            acc = g.node("Conv", [zq, g.cast(f"{name}.coef", D, name)], name, out=f"{name}/acc_exact",
                         kernel_shape=[1, 1])
            q = g.node("Floor", [g.node("Div", [g.node("Add", [acc, "c.2p31"], name), "c.2p32"], name)], name)
            accw = g.node("Sub", [acc, g.node("Mul", [q, "c.2p32"], name)], name, out=f"{name}/acc")
            bias = g.node("Reshape", [g.cast(f"{name}.bias", D, name), "c.chan_shape"], name)
            mult = g.node("Reshape", [g.cast(f"{name}.mult", D, name), "c.chan_shape"], name)
            p = g.node("Mul", [g.node("Add", [accw, bias], name), mult], name)
            r = g.rshift(p, f"{name}.shift", name, per_channel=True)
            c = g.node("Clip", [r, "c.zero" if op["relu"] else "c.i8min", "c.i8max"], name)
            g.cast(c, TensorProto.INT8, name, out=op["out"])
        elif kind == "add":
            g.init(f"{name}.ma", np.uint16(op["ma"]))
            g.init(f"{name}.mb", np.uint16(op["mb"]))
            g.init(f"{name}.shift", np.uint8(op["shift"]))
            ta = g.node("Mul", [g.cast(op["a"], D, name), g.cast(f"{name}.ma", D, name)], name)
            tb = g.node("Mul", [g.cast(op["b"], D, name), g.cast(f"{name}.mb", D, name)], name)
            r = g.rshift(g.node("Add", [ta, tb], name), f"{name}.shift", name, per_channel=False)
            c = g.node("Clip", [r, "c.zero" if op["relu"] else "c.i8min", "c.i8max"], name)
            g.cast(c, TensorProto.INT8, name, out=op["out"])
        elif kind == "gap_sum":
            g.node("ReduceSum", [g.cast(op["in"], TensorProto.INT32, name), "c.axes_hw"], name,
                   out=op["out"], keepdims=0)
        elif kind == "fc":
            g.init(f"{name}.weight", op["weight"].astype(np.int8))
            g.init(f"{name}.bias", op["bias"].astype(np.int32))
            lg = g.node("Gemm", [g.cast(op["in"], D, name), g.cast(f"{name}.weight", D, name),
                                 g.cast(f"{name}.bias", D, name)], name, transB=1)
            g.cast(lg, TensorProto.INT32, name, out=op["out"])
            g.node("ArgMax", [op["out"]], name, out="class", axis=1, keepdims=0)
        else:
            raise ValueError(kind)
        side_ops.append(meta_op)
    graph = helper.make_graph(
        g.nodes, "escalate_fmnist_penni",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info(net["output"], TensorProto.INT32, ["batch", 10]),
         helper.make_tensor_value_info("class", TensorProto.INT64, ["batch"])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="escalate train/penni_fmnist.py")
    model.ir_version = 8   # onnx 1.12 writes 8 for opset 13..17; fixed for reproducible bytes
    side_name = os.path.splitext(os.path.basename(path))[0] + ".json"
    model.doc_string = (f"ESCALATE integer PENNI network for Fashion-MNIST ({FORMAT}). Exact in "
                        f"double arithmetic; see docs/trained.md and the sidecar {side_name}.")
    helper.set_model_props(model, {"escalate.format": FORMAT, "escalate.sidecar": side_name})
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    side = {"format": FORMAT, "onnx": os.path.basename(path), "input": net["input"],
            "output": net["output"], "input_quant": "x0[b][0][y][x] = image[b][y][x] >> 1 (uint8 -> int8, 0..127)",
            "coef_w": net["coef_w"], "ops": side_ops}
    if meta:
        side.update(meta)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(side, f, indent=1, default=_jsonable)
        f.write("\n")
    return model


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(type(v))


def load(path):
    """Read the ONNX model and its sidecar JSON back into the dict int_ref.run takes.

    Arrays come from the ONNX initializers (naming convention of docs/trained.md); the wiring
    and scalars from the sidecar, checked against the initializers and node attributes."""
    model = onnx.load(path)
    with open(os.path.splitext(path)[0] + ".json") as f:
        side = json.load(f)
    if side.get("format") != FORMAT:
        raise ValueError(f"{path}: sidecar format {side.get('format')!r}, expected {FORMAT!r}")
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    convint = {n.output[0].split("/")[0]: n for n in model.graph.node if n.op_type == "ConvInteger"}
    ops = []
    for o in side["ops"]:
        op = dict(o)
        n = op["name"]
        if op["op"] == "conv":
            K, M, C, N = op["K"], op["M"], op["C"], op["N"]
            op["basis"] = inits[f"{n}.basis"].reshape(1, M, K, K)
            op["coef"] = inits[f"{n}.coef"].reshape(N, C, M)
            for k in ("bias", "mult", "shift"):
                op[k] = inits[f"{n}.{k}"]
            if int(inits[f"{n}.zshift"]) != op["zshift"]:
                raise ValueError(f"{path}: {n}.zshift differs between ONNX and sidecar")
            at = {a.name: helper.get_attribute_value(a) for a in convint[n].attribute}
            pt, pb, pl, pr = op["pads"]
            if list(at["strides"]) != [op["stride"]] * 2 or list(at["pads"]) != [pt, pl, pb, pr] \
                    or at["group"] != C:
                raise ValueError(f"{path}: {n} geometry differs between ONNX and sidecar")
        elif op["op"] == "add":
            for k in ("ma", "mb", "shift"):
                if int(inits[f"{n}.{k}"]) != op[k]:
                    raise ValueError(f"{path}: {n}.{k} differs between ONNX and sidecar")
        elif op["op"] == "fc":
            op["weight"] = inits[f"{n}.weight"]
            op["bias"] = inits[f"{n}.bias"]
        ops.append(op)
    return {"input": side["input"], "output": side["output"], "coef_w": side["coef_w"], "ops": ops}
