"""Unit tests of the NumPy integer reference (run from the repository root):

    /usr/bin/python3 -m unittest discover -s train -p 'test_*.py'
    /usr/bin/python3 -m unittest train.test_int_ref          (same, as a module path)

int_ref.conv_layer (vectorised, float64 BLAS) must equal a direct, loop-based transcription
of docs/semantics.md bit for bit, including Zq saturation, int32 wrap, per-channel shifts of
0 and large values, both ReLU modes, K in {1, 3}, strides 1 and 2, asymmetric padding and
4-bit coefficients. The host ops are checked against docs/trained.md the same way, and the
ONNX export (if python3-onnx is installed) against int_ref through onnx_exec.
"""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import int_ref  # noqa: E402


def rshift_scalar(v, k):
    """docs/semantics.md: k = 0 -> v; else floor((v + 2^(k-1)) / 2^k), in Python integers."""
    v, k = int(v), int(k)
    return v if k == 0 else (v + (1 << (k - 1))) >> k


def sat(v, b):
    return max(-(1 << (b - 1)), min((1 << (b - 1)) - 1, v))


def wrap32(v):
    return ((v + 2 ** 31) % 2 ** 32) - 2 ** 31


def loop_layer(x, L):
    """Direct per-pixel transcription of docs/semantics.md (Python ints, no NumPy maths)."""
    basis, coef = L["basis"], L["coef"]
    C, H, W = x.shape
    N, _, M = coef.shape
    K = basis.shape[-1]
    s = L["stride"]
    pt, pb, pl, pr = L["pads"]
    Ho = (H + pt + pb - K) // s + 1
    Wo = (W + pl + pr - K) // s + 1
    lo = 0 if L["relu"] else -128
    y = np.zeros((N, Ho, Wo), np.int64)
    accs = np.zeros((N, Ho, Wo), np.int64)
    for oy in range(Ho):
        for ox in range(Wo):
            zq = [[0] * M for _ in range(C)]
            for c in range(C):
                cb = c if basis.shape[0] > 1 else 0
                for m in range(M):
                    z = 0
                    for i in range(K):
                        for j in range(K):
                            r, q = s * oy + i - pt, s * ox + j - pl
                            xv = int(x[c, r, q]) if (0 <= r < H and 0 <= q < W) else 0
                            z += int(basis[cb, m, i, j]) * xv
                    zq[c][m] = sat(rshift_scalar(z, L["zshift"]), 16)
            for n in range(N):
                acc = 0
                for c in range(C):
                    for m in range(M):
                        acc = wrap32(acc + int(coef[n, c, m]) * zq[c][m])
                p = (acc + int(L["bias"][n])) * int(L["mult"][n])
                y[n, oy, ox] = max(lo, min(127, rshift_scalar(p, L["shift"][n])))
                accs[n, oy, ox] = acc
    return y, accs


def random_layer(rng, C, N, H, W, K, stride, pads, M, coef_w, zshift, relu, density=0.4, big=False):
    qmax = 127 if coef_w == 8 else 7
    basis = rng.randint(-128, 128, size=(1, M, K, K)).astype(np.int8)
    coef = rng.randint(-qmax - 1, qmax + 1, size=(N, C, M))
    coef[rng.rand(N, C, M) > density] = 0
    L = {"name": "t", "basis": basis, "coef": coef.astype(np.int8), "stride": stride, "pads": pads,
         "zshift": zshift, "relu": relu,
         "bias": rng.randint(-2 ** 20 if not big else -2 ** 31, 2 ** 20 if not big else 2 ** 31 - 1,
                             size=N).astype(np.int32),
         "mult": rng.randint(0, 65536, size=N).astype(np.uint16),
         "shift": rng.randint(0, 64, size=N).astype(np.uint8)}
    L["shift"][0] = 0
    if N > 2:
        L["shift"][1] = 1
        L["shift"][2] = 63
    x = rng.randint(-128, 128, size=(2, C, H, W)).astype(np.int8)
    return x, L


class RShift(unittest.TestCase):
    def test_documented_cases(self):
        # the cases listed in docs/semantics.md 'Helper functions'
        for v, k, want in [(5, 1, 3), (-5, 1, -2), (-6, 2, -1), (-7, 2, -2), (7, 0, 7), (-7, 0, -7)]:
            self.assertEqual(int(int_ref.rshift(np.int64(v), k)), want, (v, k))
            self.assertEqual(rshift_scalar(v, k), want, (v, k))

    def test_vector_shift_and_extremes(self):
        rng = np.random.RandomState(0)
        v = np.concatenate([rng.randint(-2 ** 47, 2 ** 47, size=2000, dtype=np.int64),
                            np.array([2 ** 62, -2 ** 62, 2 ** 63 - 1, -2 ** 63, 0, 1, -1], np.int64)])
        k = rng.randint(0, 64, size=v.size)
        got = int_ref.rshift(v, k)
        for a, b, g in zip(v, k, got):
            self.assertEqual(int(g), rshift_scalar(a, b), (a, b))

    def test_wrap32(self):
        for v in [0, 2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1, 2 ** 33 + 5, -2 ** 34 - 7]:
            self.assertEqual(int(int_ref.wrap32(np.int64(v))), wrap32(v))


class ConvLayer(unittest.TestCase):
    CASES = [  # C, N, H, W, K, stride, pads, M, coef_w, zshift, relu
        (1, 3, 6, 5, 3, 1, (1, 1, 1, 1), 5, 8, 0, True),
        (3, 5, 7, 6, 3, 2, (1, 1, 1, 1), 5, 8, 2, False),
        (4, 6, 5, 7, 3, 2, (0, 2, 1, 0), 3, 4, 1, True),
        (5, 4, 6, 6, 1, 2, (0, 0, 0, 0), 1, 8, 0, False),
        (2, 9, 4, 5, 3, 1, (2, 0, 0, 2), 8, 4, 0, False),
        (6, 3, 5, 5, 1, 1, (0, 0, 0, 0), 1, 4, 3, True),
        (3, 4, 5, 5, 3, 1, (1, 1, 1, 1), 5, 8, 9, False),      # large zshifts
        (3, 4, 5, 5, 3, 2, (1, 1, 1, 1), 5, 8, 17, False),
        (3, 4, 5, 5, 3, 1, (1, 1, 1, 1), 5, 8, 31, True),
    ]

    def check(self, x, L):
        y, acc = int_ref.conv_layer(x, L)
        for b in range(x.shape[0]):
            yl, al = loop_layer(x[b], L)
            np.testing.assert_array_equal(y[b].astype(np.int64), yl)
            np.testing.assert_array_equal(acc[b].astype(np.int64), al)

    def test_random_layers_match_loop_reference(self):
        rng = np.random.RandomState(14)
        for case in self.CASES:
            with self.subTest(case=case):
                C, N, H, W, K, s, pads, M, cw, zs, relu = case
                x, L = random_layer(rng, C, N, H, W, K, s, pads, M, cw, zs, relu)
                if K == 1:
                    L["basis"] = np.ones((1, 1, 1, 1), np.int8)
                self.check(x, L)

    def test_zq_saturation_and_wrap(self):
        # zshift 0 with extreme inputs saturates Zq; large coefficients over many channels wrap acc
        rng = np.random.RandomState(3)
        x, L = random_layer(rng, 80, 3, 3, 3, 3, 1, (1, 1, 1, 1), 8, 8, 0, False, density=1.0, big=True)
        x[:] = 127
        L["basis"][:] = 127
        L["coef"][:] = -128          # 640 terms of -128 * 32767: below -2^31, wraps
        L["coef"][1] = 127
        y, acc = int_ref.conv_layer(x, L)
        st = {}
        int_ref.conv_layer(x, L, st)
        self.assertGreater(st["t"]["zq_saturated"], 0)
        self.assertGreater(st["t"]["acc_overflow"], 0)
        self.check(x, L)


class HostOps(unittest.TestCase):
    def test_add(self):
        rng = np.random.RandomState(5)
        a = rng.randint(-128, 128, size=(3, 4, 5)).astype(np.int8)
        b = rng.randint(-128, 128, size=(3, 4, 5)).astype(np.int8)
        for relu in (True, False):
            op = {"ma": 40000, "mb": 65535, "shift": 17, "relu": relu}
            got = int_ref.add_op(a, b, op)
            lo = 0 if relu else -128
            for idx in np.ndindex(a.shape):
                v = int(a[idx]) * 40000 + int(b[idx]) * 65535
                self.assertEqual(int(got[idx]), max(lo, min(127, rshift_scalar(v, 17))))

    def test_pool_fc_argmax(self):
        rng = np.random.RandomState(6)
        x = rng.randint(0, 128, size=(4, 8, 7, 7)).astype(np.int8)
        s = int_ref.gap_sum(x)
        self.assertEqual(int(s[1, 3]), int(x[1, 3].astype(np.int64).sum()))
        op = {"weight": rng.randint(-128, 128, size=(10, 8)).astype(np.int8),
              "bias": rng.randint(-10 ** 6, 10 ** 6, size=10).astype(np.int32)}
        lg = int_ref.fc_op(s, op)
        for b in range(4):
            for k in range(10):
                self.assertEqual(int(lg[b, k]), sum(int(op["weight"][k, c]) * int(s[b, c]) for c in range(8))
                                 + int(op["bias"][k]))
        self.assertEqual(int(int_ref.argmax_first(np.array([[1, 5, 5, 2]]))[0]), 1)   # ties: lowest index


class OnnxRoundTrip(unittest.TestCase):
    """Export a tiny random network, read it back, execute the ONNX graph operator by operator:
    all three (dict, loaded dict, graph) must agree exactly."""

    def test_roundtrip(self):
        try:
            import export_onnx
            import onnx_exec
        except ImportError as e:      # python3-onnx not installed
            self.skipTest(str(e))
        rng = np.random.RandomState(7)
        ops = []
        _, L0 = random_layer(rng, 1, 8, 28, 28, 3, 1, (1, 1, 1, 1), 5, 8, 1, True)
        _, L1 = random_layer(rng, 8, 8, 28, 28, 3, 2, (1, 1, 1, 1), 4, 4, 2, False)
        _, L2 = random_layer(rng, 8, 8, 28, 28, 1, 2, (0, 0, 0, 0), 1, 8, 0, False)
        L2["basis"] = np.ones((1, 1, 1, 1), np.int8)
        geo = lambda L, n, src, C, H: dict(L, name=n, **{"in": src}, out=n, C=C, N=8, H=H, W=H,
                                            K=L["basis"].shape[-1], M=L["basis"].shape[1], coef_w=8)
        for L in (L0, L1, L2):     # keep outputs in a useful range
            L["shift"][:] = 22
            L["mult"][:] = 300
        ops += [geo(L0, "c0", "x0", 1, 28), geo(L1, "c1", "c0", 8, 28), geo(L2, "sc", "c0", 8, 28),
                {"op": "add", "name": "a", "a": "c1", "b": "sc", "out": "a", "ma": 30000, "mb": 50000,
                 "shift": 16, "relu": True},
                {"op": "gap_sum", "name": "pool", "in": "a", "out": "pool"},
                {"op": "fc", "name": "fc", "in": "pool", "out": "logits",
                 "weight": rng.randint(-128, 128, size=(10, 8)).astype(np.int8),
                 "bias": rng.randint(-1000, 1000, size=10).astype(np.int32)}]
        for o in ops[:3]:
            o["op"] = "conv"
        net = {"input": "x0", "output": "logits", "coef_w": 8, "ops": ops}
        img = rng.randint(0, 256, size=(5, 28, 28)).astype(np.uint8)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.onnx")
            export_onnx.save(net, path)
            back = export_onnx.load(path)
            import onnx
            out = onnx_exec.execute(onnx.load(path), {"image": img[:, None]})
        ref = int_ref.run(net, img)
        np.testing.assert_array_equal(int_ref.run(back, img), ref)
        np.testing.assert_array_equal(out["logits"].astype(np.int64), ref)
        np.testing.assert_array_equal(out["class"], int_ref.argmax_first(ref))


if __name__ == "__main__":
    unittest.main()
