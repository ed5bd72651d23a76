#!/usr/bin/env -S /usr/bin/python3
"""Pure-NumPy integer reference of the exported Fashion-MNIST network.

Conv layers follow docs/semantics.md bit for bit; the host operations (input quantisation,
residual add, global sum pool, fully connected classifier, argmax) follow docs/trained.md.
No torch: only NumPy (and python3-onnx to read the .onnx file).

    /usr/bin/python3 train/int_ref.py models/fmnist/penni_int8.onnx [--n 10000]

Vectorised: im2col per layer over a batch of images. The products and sums are computed with
float64 matrix products, which are exact here because every operand and every partial sum
is an integer below 2^53 in magnitude (|coef * Zq| sums over C*M <= 4096 terms < 2^34;
the basis stage even runs in float32, exact because |basis*x| sums over K*K <= 9 terms stay
below 2^18 < 2^24); the shift/round/saturate steps are exact floor() operations on these
integers; the result is then converted to int64 and wrapped to int32,
which is the same as wrapping every partial sum (wrapping addition is associative).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1


def rshift(v, k):
    """Round-half-up arithmetic right shift; k is a scalar or broadcasts against v (0..63)."""
    v = np.asarray(v, np.int64)
    k = np.asarray(k, np.int64)
    if k.ndim == 0:
        k = int(k)
        return v if k == 0 else (v >> k) + ((v >> (k - 1)) & 1)
    km1 = np.maximum(k - 1, 0)
    return np.where(k == 0, v, (v >> k) + ((v >> km1) & 1))


def wrap32(v):
    return ((np.asarray(v, np.int64) + 2 ** 31) % 2 ** 32) - 2 ** 31


def _sparse_rows_matmul(cmat, zq):
    """cmat @ zq using only the nonzero coefficients: rows of zq no output channel uses are
    skipped, and a sparse channel multiplies only the rows it uses (exact in float64)."""
    nz = cmat != 0
    if nz.mean() > 0.5:
        return cmat @ zq
    used = np.flatnonzero(nz.any(axis=0))
    zu = zq[used]
    cu = cmat[:, used]
    out = np.zeros((cmat.shape[0], zq.shape[1]), np.float64)
    for n in range(cmat.shape[0]):
        idx = np.flatnonzero(cu[n])
        if idx.size:
            out[n] = cu[n, idx] @ zu[idx]
    return out


def conv_layer(x, L, stats=None):
    """One decomposed conv layer (docs/semantics.md), batched.

    x: int8 (B, C, H, W). L: dict with basis (CB, M, K, K) int8, coef (N, C, M) int8,
    bias (N,) int32, mult (N,) uint16, shift (N,) uint8, zshift, stride, pads (t, b, l, r),
    relu. Returns (y int8 (B, N, Ho, Wo), acc int32 (B, N, Ho, Wo)).
    """
    basis, coef = L["basis"], L["coef"]
    B_, C, H, W = x.shape
    N, C2, M = coef.shape
    CB, M2, K, _ = basis.shape
    assert C2 == C and M2 == M, (x.shape, coef.shape, basis.shape)
    s = int(L["stride"])
    pt, pb, pl, pr = (int(v) for v in L["pads"])
    Ho = (H + pt + pb - K) // s + 1
    Wo = (W + pl + pr - K) // s + 1
    # layout (C, B, ...) so that each stage is one large matrix product
    # basis stage in float32: exact, since |B*x| products and their K*K-term sums are < 2^24
    xp = np.zeros((C, B_, H + pt + pb, W + pl + pr), np.float32)
    xp[:, :, pt:pt + H, pl:pl + W] = x.transpose(1, 0, 2, 3)
    P = Ho * Wo
    win = np.stack([xp[:, :, i:i + s * (Ho - 1) + 1:s, j:j + s * (Wo - 1) + 1:s]
                    for i in range(K) for j in range(K)])                # (K2, C, B, Ho, Wo)
    bmat = basis.reshape(CB, M, K * K).astype(np.float32)
    if CB == 1:
        z = (bmat[0] @ win.reshape(K * K, -1)).reshape(M, C, B_ * P).transpose(1, 0, 2)  # (C, M, B*P)
    else:
        z = np.einsum("cmk,kcq->cmq", bmat, win.reshape(K * K, C, B_ * P))
    # Zq = sat16(rshift(Z, zshift)); exact in float64 (|Z| < 2^21): floor((Z + 2^(k-1)) / 2^k)
    zs = int(L["zshift"])
    z = z.astype(np.float64)                       # (Z + 2^(zshift-1)) needs more than 24 bits
    zr = np.floor((z + (2.0 ** (zs - 1) if zs > 0 else 0.0)) / 2.0 ** zs)
    zq = np.clip(zr, -2 ** 15, 2 ** 15 - 1).reshape(C * M, B_ * P).astype(np.float64)  # row c*M+m
    cmat = coef.reshape(N, C * M).astype(np.float64)
    acc_exact = _sparse_rows_matmul(cmat, zq).astype(np.int64)              # (N, B*P), exact
    if stats is not None:
        # sum of |terms| bounds every running sum, in any order: below 2^31 = no overflow
        bound = _sparse_rows_matmul(np.abs(cmat), np.abs(zq)).max() if zq.size else 0.0
        st = stats.setdefault(L["name"], {"max_abs_z": 0, "zq_saturated": 0, "acc_abs_bound": 0,
                                          "acc_overflow": 0, "out_clamped": 0, "outputs": 0})
        st["max_abs_z"] = max(st["max_abs_z"], int(np.abs(z).max(initial=0)))
        st["zq_saturated"] += int(((zr > 2 ** 15 - 1) | (zr < -2 ** 15)).sum())
        st["acc_abs_bound"] = max(st["acc_abs_bound"], int(bound))
        st["acc_overflow"] += int(((acc_exact < INT32_MIN) | (acc_exact > INT32_MAX)).sum())
    acc = wrap32(acc_exact)
    ssum = acc + L["bias"].astype(np.int64)[:, None]
    p = ssum * L["mult"].astype(np.int64)[:, None]
    r = rshift(p, L["shift"].astype(np.int64)[:, None])
    lo = 0 if L["relu"] else -128
    if stats is not None:
        st["out_clamped"] += int(((r < -128) | (r > 127)).sum())   # int8 saturation (not ReLU)
        st["outputs"] += int(r.size)
    y = np.clip(r, lo, 127).astype(np.int8).reshape(N, B_, Ho, Wo).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(y), acc.astype(np.int32).reshape(N, B_, Ho, Wo).transpose(1, 0, 2, 3)


def add_op(a, b, op):
    """Residual add (docs/trained.md): clamp(rshift(a*ma + b*mb, shift), relu?0:-128, 127),
    a, b int8, ma, mb uint16, exact in int64 (|a*ma + b*mb| < 2^24)."""
    v = a.astype(np.int64) * int(op["ma"]) + b.astype(np.int64) * int(op["mb"])
    lo = 0 if op["relu"] else -128
    return np.clip(rshift(v, int(op["shift"])), lo, 127).astype(np.int8)


def gap_sum(x):
    """Global sum pool: int32 sum over H and W of an int8 map (no division)."""
    return x.astype(np.int64).sum(axis=(2, 3))


def fc_op(v, op):
    """Classifier: logits[k] = sum_c weight[k][c] * v[c] + bias[k], int64 (fits int32)."""
    return v.astype(np.int64) @ op["weight"].astype(np.int64).T + op["bias"].astype(np.int64)[None, :]


def argmax_first(logits):
    """Predicted class: the index of the largest logit, the lowest index on ties."""
    return np.argmax(logits, axis=1)


def run(net, images_u8, *, batch=250, stats=None, keep=None):
    """Run the integer network on uint8 images (n, 28, 28). Returns int64 logits (n, 10).

    keep: optional dict; receives every named tensor of the first batch (for debugging)."""
    out = []
    for i in range(0, images_u8.shape[0], batch):
        env = {net["input"]: data.quantize_input(images_u8[i:i + batch])[:, None]}
        for op in net["ops"]:
            k = op["op"]
            if k == "conv":
                env[op["out"]], _ = conv_layer(env[op["in"]], op, stats)
            elif k == "add":
                env[op["out"]] = add_op(env[op["a"]], env[op["b"]], op)
            elif k == "gap_sum":
                env[op["out"]] = gap_sum(env[op["in"]])
            elif k == "fc":
                env[op["out"]] = fc_op(env[op["in"]], op)
            else:
                raise ValueError(f"unknown op {k}")
        out.append(env[net["output"]])
        if keep is not None and i == 0:
            keep.update(env)
    logits = np.concatenate(out)
    assert logits.min() >= INT32_MIN and logits.max() <= INT32_MAX, "logits leave int32"
    return logits


def accuracy(net, images, labels, **kw):
    logits = run(net, images, **kw)
    pred = argmax_first(logits)
    return float((pred == labels).mean()), logits


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="exported .onnx (its sidecar .json beside it)")
    p.add_argument("--n", type=int, default=10000, help="test images (from the first)")
    p.add_argument("--expected", help="expected.json to compare the first images against")
    a = p.parse_args(argv)
    import export_onnx
    net = export_onnx.load(a.model)
    x, y = data.load("test")
    x, y = x[:a.n], y[:a.n]
    t = time.time()
    stats = {}
    acc, logits = accuracy(net, x, y, stats=stats)
    print(f"{a.model}: integer accuracy {acc * 100:.2f} % on {len(y)} test images ({time.time() - t:.1f}s)")
    for name, st in stats.items():
        print(f"  {name:6s} max|Z| {st['max_abs_z']:7d}  Zq saturated {st['zq_saturated']:6d}  "
              f"acc bound {st['acc_abs_bound']:11d}  overflow {st['acc_overflow']}  "
              f"int8-saturated {st['out_clamped'] / max(1, st['outputs']) * 100:.3f} %")
    if a.expected:
        import json
        exp = json.load(open(a.expected))
        key = os.path.basename(a.model)
        ref = exp["models"][key]
        n = len(ref["pred"])
        ok = (argmax_first(logits[:n]).tolist() == ref["pred"]
              and logits[:n].tolist() == ref["logits"])
        print(f"first {n} images vs {a.expected}: {'match' if ok else 'MISMATCH'}")
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
