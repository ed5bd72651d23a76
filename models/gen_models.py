#!/usr/bin/env python3
"""Regenerate the built-in workload tables of models/ (format: models/README.md).

The layer shapes follow the public architectures; the per-layer M and densities follow the
policy below (documented in models/README.md). Run: python3 models/gen_models.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def density(k, c, n):
    """PENNI-like coefficient density of a layer (fraction of the N*C*M coefficients kept)."""
    if k == 1:
        return 0.10 if n <= 256 else 0.06
    if c <= 3:
        return 0.20  # first layer: tiny, keep more
    if n <= 64:
        return 0.12  # BCU-bound on ESCALATE anyway: density is free here
    if n <= 128:
        return 0.065  # CAU/BCU balance point for N = 128 is density*N = 8
    return 0.05


def m_of(k):
    return 1 if k == 1 else 5


class Table:
    def __init__(self):
        self.rows = []

    def conv(self, name, c, n, h, w, k, s, p, d=None):
        self.rows.append((name, c, n, h, w, k, s, p, m_of(k), d if d is not None else density(k, c, n)))
        return (h + 2 * p - k) // s + 1

    def write(self, fname, header):
        path = os.path.join(HERE, fname)
        with open(path, "w") as f:
            for line in header.strip().splitlines():
                f.write("# " + line + "\n" if line else "#\n")
            f.write("#\n# %-22s %5s %5s %4s %4s %2s %6s %3s %2s %7s\n" %
                    ("name", "C", "N", "H", "W", "K", "stride", "pad", "M", "density"))
            for r in self.rows:
                f.write("%-24s %5d %5d %4d %4d %2d %6d %3d %2d %7.3f\n" % r)


def resnet18_cifar():
    t = Table()
    t.conv("conv1", 3, 64, 32, 32, 3, 1, 1)
    c, h = 64, 32
    for stage, n in enumerate([64, 128, 256, 512], start=1):
        for b in range(2):
            s = 2 if (b == 0 and stage > 1) else 1
            # Run order: the shortcut conv first (it reads the block input, like conv1), so
            # its small load hides behind the previous block's conv2 and conv1's behind it.
            if s != 1 or c != n:
                t.conv("layer%d.%d.shortcut" % (stage, b), c, n, h, h, 1, s, 0)
            ho = t.conv("layer%d.%d.conv1" % (stage, b), c, n, h, h, 3, s, 1)
            t.conv("layer%d.%d.conv2" % (stage, b), n, n, ho, ho, 3, 1, 1)
            c, h = n, ho
    t.write("resnet18_cifar10.txt", """
ResNet-18 for CIFAR-10 (kuangliu/pytorch-cifar style): conv1 3->64 at 32x32, four stages of two
BasicBlocks (64/128/256/512 channels); the first conv of stages 2-4 has stride 2 and the block
has a 1x1 stride-2 shortcut conv, listed (and run) before the block's conv1: both read the
block input, and this order lets each layer's load overlap the layer before it. The final
linear layer is not a convolution and is omitted.
PENNI-like defaults: M = 5 for 3x3, 1x1 as K=1 M=1. Densities are chosen so that the network
keeps about 8 % of its dense MACs (checked by the unit test ModelFiles.ResNet18Keeps8Percent).""")


def vgg16_cifar():
    t = Table()
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    c, h, i = 3, 32, 0
    for v in cfg:
        if v == "M":
            h //= 2
            continue
        t.conv("features.%d" % i, c, v, h, h, 3, 1, 1)
        c, i = v, i + 1
    t.write("vgg16_cifar10.txt", """
VGG-16 for CIFAR-10: 13 3x3 convs (64,64,M,128,128,M,256x3,M,512x3,M,512x3,M) at 32x32 input;
M = max-pooling (not a convolution, so it only halves H and W of the next layer).
PENNI-like defaults: M = 5, density by width (see models/README.md).""")


def resnet56_cifar():
    t = Table()
    t.conv("conv1", 3, 16, 32, 32, 3, 1, 1)
    c, h = 16, 32
    for stage, n in enumerate([16, 32, 64], start=1):
        for b in range(9):
            s = 2 if (b == 0 and stage > 1) else 1
            ho = t.conv("layer%d.%d.conv1" % (stage, b), c, n, h, h, 3, s, 1,
                        d=0.20 if n <= 32 else 0.12)
            t.conv("layer%d.%d.conv2" % (stage, b), n, n, ho, ho, 3, 1, 1,
                   d=0.20 if n <= 32 else 0.12)
            c, h = n, ho
    t.write("resnet56_cifar10.txt", """
ResNet-56 for CIFAR-10 (He et al. 2016, section 4.2): conv1 3->16 at 32x32, three stages of nine
BasicBlocks with 16/32/64 channels at 32/16/8; the first conv of stages 2-3 has stride 2.
Shortcuts are option A (identity with zero-padded channels), so they have no convolution.
The layers are narrow (N <= 64), so ESCALATE is BCU-bound everywhere; densities 12-20 %.""")


def resnet50_imagenet():
    t = Table()
    h = t.conv("conv1", 3, 64, 224, 224, 7, 2, 3, d=0.20)  # golden-only on the RTL (K=7)
    h = h // 2  # 3x3 stride-2 max-pool: 112 -> 56
    c = 64
    for stage, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        out = width * 4
        for b in range(blocks):
            s = 2 if (b == 0 and stage > 1) else 1
            p = "layer%d.%d." % (stage, b)
            if b == 0:  # run first, like ResNet-18's shortcut (see resnet18_cifar)
                t.conv(p + "downsample", c, out, h, h, 1, s, 0)
            t.conv(p + "conv1", c, width, h, h, 1, 1, 0)
            ho = t.conv(p + "conv2", width, width, h, h, 3, s, 1)
            t.conv(p + "conv3", width, out, ho, ho, 1, 1, 0)
            c, h = out, ho
    t.write("resnet50_imagenet.txt", """
ResNet-50 for ImageNet (torchvision layout, stride on the 3x3 conv of each bottleneck):
conv1 7x7/2 3->64 at 224x224, 3x3/2 max-pool to 56x56, then 3/4/6/3 bottlenecks
(1x1 reduce, 3x3, 1x1 expand x4) with a 1x1 downsample conv in the first block of each stage,
listed (and run) first in its block: it reads the block input, like conv1.
conv1 has K=7: the RTL supports K in {1,3}, so the CLI runs it on the golden model only and
marks it "golden-only (K=7)" in the report.""")


if __name__ == "__main__":
    resnet18_cifar()
    vgg16_cifar()
    resnet56_cifar()
    resnet50_imagenet()
