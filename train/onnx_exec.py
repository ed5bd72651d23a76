#!/usr/bin/env -S /usr/bin/python3
"""A minimal NumPy executor of standard ONNX operators, enough for the exported network.

Debian 12 has no ONNX runtime and onnx 1.12 has no reference evaluator, so this executes the
graph node by node with each operator's ONNX definition (integer ops in int64, double ops in
float64). It knows nothing about the network; it is the independent check that the exported
graph says exactly what int_ref.py (docs/semantics.md + docs/trained.md) computes:

    /usr/bin/python3 train/onnx_exec.py models/fmnist/penni_int8.onnx --n 200
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

NP = {onnx.TensorProto.DOUBLE: np.float64, onnx.TensorProto.FLOAT: np.float32,
      onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8,
      onnx.TensorProto.INT16: np.int16, onnx.TensorProto.UINT16: np.uint16,
      onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT64: np.int64}


def _conv(x, w, group, strides, pads, dtype):
    """N-D conv (2-D here) by im2col; ONNX pads [top, left, bottom, right]."""
    B, C, H, W = x.shape
    O, Cg, K1, K2 = w.shape
    pt, pl, pb, pr = pads
    s1, s2 = strides
    xp = np.zeros((B, C, H + pt + pb, W + pl + pr), dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    Ho, Wo = (H + pt + pb - K1) // s1 + 1, (W + pl + pr - K2) // s2 + 1
    cols = np.stack([xp[:, :, i:i + s1 * (Ho - 1) + 1:s1, j:j + s2 * (Wo - 1) + 1:s2]
                     for i in range(K1) for j in range(K2)], axis=2)   # (B, C, K1*K2, Ho, Wo)
    Og = O // group
    out = np.empty((B, O, Ho, Wo), dtype)
    for g in range(group):
        xc = cols[:, g * Cg:(g + 1) * Cg].reshape(B, Cg * K1 * K2, Ho * Wo)
        wg = w[g * Og:(g + 1) * Og].reshape(Og, Cg * K1 * K2).astype(dtype)
        out[:, g * Og:(g + 1) * Og] = np.matmul(wg, xc).reshape(B, Og, Ho, Wo)
    return out


def run_node(n, v):
    a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
    i = [v[x] if x else None for x in n.input]
    t = n.op_type
    if t == "Cast":
        return i[0].astype(NP[a["to"]])
    if t == "BitShift":
        assert i[0].dtype.kind == "u", "BitShift is defined on unsigned types only"
        return (i[0] >> i[1]) if a["direction"] == b"RIGHT" else (i[0] << i[1])
    if t in ("Add", "Sub", "Mul", "Div", "Pow"):
        x, y = i
        if t == "Div" and x.dtype.kind in "iu":
            raise NotImplementedError("integer Div is not used (its rounding is runtime-defined)")
        return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide,
                "Pow": np.power}[t](x, y).astype(x.dtype)
    if t == "Floor":
        return np.floor(i[0])
    if t == "Clip":
        return np.clip(i[0], i[1], i[2])
    if t == "Reshape":
        return i[0].reshape(i[1])
    if t == "Tile":
        return np.tile(i[0], i[1])
    if t == "ConvInteger":
        x = i[0].astype(np.int64) - (0 if i[2] is None else int(i[2]))
        w = i[1].astype(np.int64) - (0 if len(i) < 4 or i[3] is None else int(i[3]))
        y = _conv(x, w, a.get("group", 1), a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), np.int64)
        assert np.abs(y).max(initial=0) < 2 ** 31
        return y.astype(np.int32)
    if t == "Conv":
        assert i[0].dtype == np.float64 and len(i) == 2
        return _conv(i[0], i[1], a.get("group", 1), a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), np.float64)
    if t == "ReduceSum":
        r = i[0].astype(np.int64).sum(axis=tuple(i[1]), keepdims=bool(a.get("keepdims", 1)))
        return r.astype(i[0].dtype)
    if t == "Gemm":
        A, Bm, C = i[0], i[1], i[2]
        A = A.T if a.get("transA", 0) else A
        Bm = Bm.T if a.get("transB", 0) else Bm
        return a.get("alpha", 1.0) * (A @ Bm) + a.get("beta", 1.0) * C
    if t == "ArgMax":
        assert not a.get("select_last_index", 0)
        r = np.argmax(i[0], axis=a.get("axis", 0))
        return np.expand_dims(r, a.get("axis", 0)) if a.get("keepdims", 1) else r
    raise NotImplementedError(t)


def execute(model, feeds):
    v = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    v.update(feeds)
    for n in model.graph.node:
        v[n.output[0]] = run_node(n, v)
    return {o.name: v[o.name] for o in model.graph.output}


def main(argv=None):
    import data
    import export_onnx
    import int_ref
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--n", type=int, default=200)
    a = p.parse_args(argv)
    m = onnx.load(a.model)
    x, y = data.load("test")
    x = x[:a.n]
    out = execute(m, {"image": x[:, None]})
    ref = int_ref.run(export_onnx.load(a.model), x)
    same = np.array_equal(out["logits"].astype(np.int64), ref) and \
        np.array_equal(out["class"], int_ref.argmax_first(ref))
    print(f"{a.model}: ONNX graph executed on {a.n} images: logits and classes "
          f"{'IDENTICAL to' if same else 'DIFFER from'} int_ref; accuracy {(out['class'] == y[:a.n]).mean() * 100:.2f} %")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
