#!/usr/bin/env python3
"""Runs the NumPy reference printed in docs/semantics.md on layers dumped by esc_golden_dump
and checks it reproduces the golden model bit for bit (so the documentation stays true).
Usage: check_numpy_reference.py <semantics.md> <esc_golden_dump> <seed> [count]"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


def main():
    doc, dump, seed = sys.argv[1], sys.argv[2], os.environ.get("ESC_SEED", sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    print(f"[ seed     ] ESC_SEED={seed}")
    text = open(doc, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    if len(blocks) != 1:
        sys.exit(f"expected one python block in {doc}, found {len(blocks)}")
    ns = {}
    exec(blocks[0], ns)  # defines rshift and run_int exactly as documented
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([dump, d, seed, str(count)], check=True)
        for t in range(count):
            ld = lambda n: np.load(os.path.join(d, f"case{t}_{n}.npy"))
            K, stride, pt, pb, pl, pr, zshift, relu = (int(v) for v in ld("cfg"))
            y, acc = ns["run_int"](ld("x"), ld("basis"), ld("coef"), ld("bias"), ld("mult"),
                                   ld("shift"), K, stride, (pt, pb, pl, pr), zshift, bool(relu))
            for name, got, want in (("acc", acc, ld("acc")), ("y", y, ld("y"))):
                if got.shape != want.shape or not np.array_equal(got, want):
                    bad = np.argwhere(got != want)[0] if got.shape == want.shape else "shape"
                    sys.exit(f"case {t}: {name} differs at {bad} (K={K} stride={stride} "
                             f"pads={(pt, pb, pl, pr)} zshift={zshift})")
    print(f"NumPy reference of {doc} matches the golden model on {count} layers")


if __name__ == "__main__":
    main()
