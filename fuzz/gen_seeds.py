#!/usr/bin/env python3
"""Write the small seed corpora of the fuzz targets (fuzz/corpus/<target>/).

Seeds are valid (or nearly valid) inputs in each target's byte layout, so the fuzzers start
deep inside the parsers. Deterministic; re-run after changing a layout:
    python3 fuzz/gen_seeds.py
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(descr, shape, raw, version=1):
    """A .npy file as numpy.save writes it (no NumPy needed)."""
    shp = "(" + "".join("%d, " % d for d in shape)
    shp = (shp[:-2] + ("," if len(shape) == 1 else "") if shape else shp) + ")"
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shp)
    pre = 10 if version == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    ln = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + ln + h.encode() + raw


def ints(fmt, vals):
    return b"".join(struct.pack("<" + fmt, v) for v in vals)


def npy_seeds():
    rng = random.Random(1)
    out("npy", "act_int8_c3h4w4", npy_bytes("|i1", (3, 4, 4), ints("b", [rng.randint(-128, 127) for _ in range(48)])))
    out("npy", "basis_int8_1x5x3x3", npy_bytes("|i1", (1, 5, 3, 3), ints("b", [rng.randint(-128, 127) for _ in range(45)])))
    out("npy", "bias_int32", npy_bytes("<i4", (8,), ints("i", range(-3, 5))))
    out("npy", "mult_uint16", npy_bytes("<u2", (8,), ints("H", [i * 1000 for i in range(8)])))
    out("npy", "weights_float32", npy_bytes("<f4", (2, 2, 3, 3), ints("f", [rng.gauss(0, 1) for _ in range(36)])))
    out("npy", "float64_scalar", npy_bytes("<f8", (), ints("d", [1.5])))
    out("npy", "int16_empty", npy_bytes("<i2", (0, 3), b""))
    out("npy", "uint8_v2", npy_bytes("|u1", (5,), bytes(range(5)), version=2))


def coef_bytes(lanes, N, C, M, dense):
    """Encode dense A[n][c][m] (nested lists) in fuzz_coef's layout (u8 colptr)."""
    b = bytearray([lanes, N, C, M, 0])
    for l in range(lanes):
        ptr, ent = [], []
        for c in range(C):
            ptr.append(len(ent))
            for n in range(l, N, lanes):
                for m in range(M):
                    if dense[n][c][m]:
                        ent.append((n, m, dense[n][c][m]))
        ptr.append(len(ent))
        assert len(ent) < 256
        b += bytes(ptr)
        b.append(len(ent))
        for n, m, a in ent:
            b += struct.pack("<HBb", n, m, a)
    return bytes(b)


def coef_seeds():
    rng = random.Random(2)
    for lanes, N, C, M, dens in [(8, 16, 4, 5, 0.3), (1, 3, 2, 1, 1.0), (4, 9, 3, 3, 0.0),
                                 (16, 20, 2, 9, 0.1)]:
        a = [[[rng.choice([v for v in range(-128, 128) if v]) if rng.random() < dens else 0
               for _ in range(M)] for _ in range(C)] for _ in range(N)]
        out("coef", "valid_l%d_n%d_c%d_m%d" % (lanes, N, C, M), coef_bytes(lanes, N, C, M, a))


def layer_field(v):
    """fuzz_layer field: small values -2..17 as one byte, others as 0x80 + raw int32."""
    if -2 <= v <= 17:
        return bytes([v + 2])
    return bytes([0x80]) + struct.pack("<i", v)


def layer_bytes(C, N, H, W, K, s, pads, M, zshift, coef_w, flags, tail_len, step=37):
    b = b"".join(layer_field(v) for v in [C, N, H, W, K, s, *pads, M, zshift, coef_w])
    tail = bytes((i * step + 11) % 256 for i in range(tail_len))
    return b + bytes([flags]) + tail


def layer_seeds():
    out("layer", "k3_s1_pad1", layer_bytes(3, 4, 6, 5, 3, 1, (1, 1, 1, 1), 5, 4, 8, 0x01, 64))
    out("layer", "k1_m1", layer_bytes(4, 6, 3, 3, 1, 1, (0, 0, 0, 0), 1, 0, 8, 0x40, 32))
    out("layer", "k3_s2_coef4_perch", layer_bytes(2, 3, 7, 7, 3, 2, (1, 0, 2, 1), 3, 2, 4, 0x82, 80, 1))
    out("layer", "bad_m0", layer_bytes(2, 2, 4, 4, 3, 1, (1, 1, 1, 1), 0, 0, 8, 0, 16))
    out("layer", "bad_shape", layer_bytes(2, 2, 4, 4, 3, 1, (1, 1, 1, 1), 2, 0, 8, 0x04, 16))



def model_seeds():
    out("model", "resnet_like",
        b"# name C N H W K stride pad M density\n"
        b"conv1 3 64 32 32 3 1 1 5 0.5\n"
        b"layer1.0.conv1 64 64 32 32 3 1 1 5 8%\n"
        b"down 64 128 32 32 1 2 0 1 0.1\n\x000,conv1,1-2")
    out("model", "bad_field", b"conv1 3 64 32 32 4 1 1 5 0.5\n")
    out("model", "short_line", b"a 1 1 1 1 1 1 0 1 1\nb 1 1\n")


if __name__ == "__main__":
    npy_seeds()
    coef_seeds()
    layer_seeds()
    model_seeds()
