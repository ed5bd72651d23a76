#!/usr/bin/env -S /usr/bin/python3
"""scripts/export_torch.py against real PyTorch (ctest tools.export_torch).

Builds a small seeded model (an nn.Sequential, so its module names are digits, 1 input channel,
3x3 and 1x1 convs with stride 2, a grouped and a non-square conv that must be skipped), saves it
with torch.save, runs the script on the checkpoint, and checks:
  - every exported .npy equals the module's weight exactly (float32, (N, C, K, K));
  - the skipped convs are reported and not written;
  - layers.txt has the traced input sizes, K, stride, pad, M, and escalate reads it
    (`escalate run --model layers.txt --list`);
  - `escalate decompose` takes an exported file;
  - a state_dict without --model is refused with a message.
Exit 77 (ctest SKIP_RETURN_CODE) when torch is not installed.
Usage: test_export_torch.py ESCALATE_BIN SCRIPT [WORKDIR]; ESC_SEED overrides the seed.
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError:
    print("SKIP: torch is not installed for %s (apt-get install python3-torch)" % sys.executable)
    sys.exit(77)
import numpy as np


def run(cmd, ok=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if ok and r.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def main():
    escalate, script = sys.argv[1], sys.argv[2]
    work = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="esc_export_torch_")
    os.makedirs(work, exist_ok=True)
    seed = int(os.environ.get("ESC_SEED", "20261205"), 0)
    print("seed %d (replay: ESC_SEED=%d)" % (seed, seed))
    torch.manual_seed(seed)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),               # "0"  -> conv0, 16x16
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, stride=2, padding=1),    # "2"  -> conv2, 16x16 -> 8x8
        nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1, groups=2),   # "4"  skipped: groups
        nn.Conv2d(16, 16, (1, 3), padding=(0, 1)),   # "5"  skipped: 1x3
        nn.Conv2d(16, 24, 1, stride=2),              # "6"  -> conv6, 8x8
        nn.Conv2d(24, 24, 3, padding="same"),        # "7"  -> conv7, 4x4, pad 1
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(24, 10))
    ckpt = os.path.join(work, "model.pt")
    torch.save(model, ckpt)
    out = os.path.join(work, "weights")
    r = run([sys.executable, script, "--checkpoint", ckpt, "--out", out, "--input-size", "16"])
    print(r.stdout, r.stderr, sep="")

    want = {"conv0": (model[0], 16, 1), "conv2": (model[2], 16, 1),
            "conv6": (model[6], 8, 0), "conv7": (model[7], 4, 1)}
    failures = []
    for name, (mod, hw, pad) in want.items():
        path = os.path.join(out, name + ".npy")
        if not os.path.exists(path):
            failures.append("%s not written" % path)
            continue
        got = np.load(path)
        ref = mod.weight.detach().numpy()
        if got.dtype != np.float32 or got.shape != ref.shape or not np.array_equal(got, ref):
            failures.append("%s: %s %s differs from the module's weight %s" %
                            (path, got.dtype, got.shape, ref.shape))
    for skipped in ("4", "5", "conv4", "conv5"):
        if os.path.exists(os.path.join(out, skipped + ".npy")):
            failures.append("grouped / non-square conv %s was written" % skipped)
    if "skip 4: groups=2" not in r.stderr or "skip 5: 1x3 kernel" not in r.stderr:
        failures.append("the skipped convs are not reported:\n" + r.stderr)

    rows = {}
    with open(os.path.join(out, "layers.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                fields = line.split()
                rows[fields[0]] = fields[1:]
    for name, (mod, hw, pad) in want.items():
        n, c, k, _ = mod.weight.shape
        expect = [str(c), str(n), str(hw), str(hw), str(k), str(mod.stride[0]), str(pad),
                  "1" if k == 1 else "5", "1.000"]
        if rows.get(name) != expect:
            failures.append("layers.txt %s: %s, expected %s" % (name, rows.get(name), expect))

    # escalate reads the manifest and decomposes an exported file.
    lst = run([escalate, "run", "--model", os.path.join(out, "layers.txt"), "--list"])
    if not re.search(r"4 conv layers", lst.stdout):
        failures.append("escalate run --list:\n" + lst.stdout)
    dec = run([escalate, "decompose", "--weights", os.path.join(out, "conv2.npy"), "--M", "5",
               "--density", "0.3", "--out-basis", os.path.join(work, "b.npy"),
               "--out-coef", os.path.join(work, "a.npy")])
    coef = np.load(os.path.join(work, "a.npy"))
    if coef.shape != (16, 8, 5) or "rel. error" not in dec.stdout:
        failures.append("escalate decompose of conv2.npy: coef %s\n%s" % (coef.shape, dec.stdout))

    # A state_dict needs --model (a torchvision architecture): refused with a message.
    sd = os.path.join(work, "sd.pt")
    torch.save(model.state_dict(), sd)
    bad = run([sys.executable, script, "--checkpoint", sd, "--out", out], ok=False)
    if bad.returncode == 0 or "holds a state_dict" not in bad.stderr + bad.stdout:
        failures.append("state_dict without --model: exit %d\n%s" % (bad.returncode, bad.stderr))

    if failures:
        print("FAIL (seed %d):\n  " % seed + "\n  ".join(failures))
        return 1
    print("export_torch.py: %d convs exported bit-exactly, 2 skipped, manifest read by escalate"
          % len(want))
    return 0


if __name__ == "__main__":
    sys.exit(main())
