"""The small ResNet for Fashion-MNIST, its PENNI-decomposed form and its QAT form.

One module class, `ConvUnit`, goes through every stage of the pipeline:

  dense     weight (N, C, K, K) + BatchNorm (+ ReLU)               float training
  decomp    K = 3: W = sum_m A[n,c,m] B[m]  (layer-shared basis B)   PENNI retraining
            K = 1: W = weight * mask (not decomposed)
  folded    BatchNorm folded into A (per output channel) and a bias  quantisation-aware
            fine-tuning with fake-quantised B (int8), A (int8 or int4 per output channel)
            and output activations (int8, symmetric, zero point 0)

The structure mirrors the integer network of docs/trained.md exactly: every ConvUnit output,
every residual-add output and the input are int8 tensors there, and fake-quantised here.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# (name, C, N, K, stride, relu) of the convolutions; blocks below wire them.
WIDTHS = (16, 32, 64)


class FakeQuant(nn.Module):
    """Symmetric int8 fake quantiser with a calibrated, then frozen, scale.

    mode 'off': identity; 'calib': records the mean over batches of max|y|; 'on': quantises
    to clamp(round(y / scale), lo, 127) * scale with a straight-through gradient.
    """

    def __init__(self, lo=-128):
        super().__init__()
        self.lo = lo
        self.mode = "off"
        self.register_buffer("scale", torch.tensor(1.0))
        self.register_buffer("calib_sum", torch.tensor(0.0))
        self.register_buffer("calib_n", torch.tensor(0.0))

    def forward(self, y):
        if self.mode == "calib":
            self.calib_sum += y.detach().abs().max()
            self.calib_n += 1
            return y
        if self.mode == "on":
            s = self.scale
            q = torch.clamp(torch.round(y / s), self.lo, 127) * s
            return y + (q - y).detach()
        return y

    def finish_calibration(self):
        self.scale.fill_(float(self.calib_sum / self.calib_n) / 127.0)
        self.mode = "on"


def ste_round(x):
    return x + (torch.round(x) - x).detach()


class ConvUnit(nn.Module):
    def __init__(self, name, C, N, K, stride, relu):
        super().__init__()
        self.name, self.C, self.N, self.K, self.stride, self.relu = name, C, N, K, stride, relu
        self.pad = (K - 1) // 2
        self.weight = nn.Parameter(torch.empty(N, C, K, K))
        nn.init.kaiming_normal_(self.weight, mode="fan_out", nonlinearity="relu")
        self.bn = nn.BatchNorm2d(N)
        self.stage = "dense"
        self.A = None
        self.B = None
        self.register_buffer("mask", torch.ones(N, C, K, K))
        self.out_q = FakeQuant(lo=0 if relu else -128)
        self.coef_qmax = 127

    # ---- PENNI -------------------------------------------------------------------------
    def decompose(self, M):
        """SVD initialisation of the (N*C) x K^2 kernel matrix; layer-shared basis of M rows.

        K = 1 layers are not decomposed (basis [1]); they keep `weight` and get a mask.
        """
        self.stage = "decomp"
        if self.K == 1:
            return
        K2 = self.K * self.K
        Wm = self.weight.detach().reshape(self.N * self.C, K2).double()
        _, _, Vt = torch.linalg.svd(Wm, full_matrices=False)
        B = Vt[:M]                                        # (M, K2), orthonormal rows
        # sign convention of golden/decompose: largest-magnitude element positive
        idx = B.abs().argmax(dim=1)
        B = B * torch.sign(B[torch.arange(M), idx]).unsqueeze(1)
        A = Wm @ B.T                                      # projections (N*C, M)
        self.B = nn.Parameter(B.reshape(M, self.K, self.K).float())
        self.A = nn.Parameter(A.reshape(self.N, self.C, M).float())
        self.register_buffer("mask", torch.ones(self.N, self.C, M))
        del self.weight
        self.weight = None

    def coef(self):
        """The (masked) coefficient tensor: A for 3x3 layers, the 1x1 weight otherwise."""
        if self.A is not None:
            return self.A * self.mask
        return self.weight * self.mask

    def l1(self):
        return self.coef().abs().sum()

    def prune_std(self, factor=1.0):
        """PENNI's rule: zero |A| < factor * std(A), std over all N*C*M entries of this layer
        (torch.std: unbiased, Bessel-corrected), taken of the current (already masked) tensor."""
        with torch.no_grad():
            a = self.coef()
            thr = factor * a.std()
            self.mask.copy_((a.abs() >= thr).float() * self.mask)
            if self.A is not None:
                self.A.mul_(self.mask)
            else:
                self.weight.mul_(self.mask)
        return float(thr)

    def shrink_bases(self):
        """Model shrinking, basis part: remove bases no kept coefficient uses."""
        if self.A is None:
            return
        used = self.mask.sum(dim=(0, 1)) > 0
        if bool(used.all()):
            return
        if not bool(used.any()):
            used[0] = True
        with torch.no_grad():
            self.A = nn.Parameter(self.A[:, :, used].clone())
            self.B = nn.Parameter(self.B[used].clone())
            self.mask = self.mask[:, :, used].clone()

    @property
    def M(self):
        return self.B.shape[0] if self.B is not None else 1

    def eff_weight(self):
        if self.A is not None:
            return torch.einsum("ncm,mij->ncij", self.A * self.mask, self.B)
        return self.weight * self.mask

    # ---- folding and quantisation --------------------------------------------------------
    def fold_bn(self):
        """Fold eval-mode BatchNorm into the coefficients (per output channel) and a bias."""
        with torch.no_grad():
            g = self.bn.weight / torch.sqrt(self.bn.running_var + self.bn.eps)
            b = self.bn.bias - self.bn.running_mean * g
            if self.A is not None:
                self.A.mul_(g.view(-1, 1, 1))
            else:
                self.weight.mul_(g.view(-1, 1, 1, 1))
            self.bias = nn.Parameter(b.clone())
        del self.bn
        self.bn = None
        self.stage = "folded"

    def quant_weight(self):
        """Fake-quantised composed weight: int8 basis (one scale per layer), coefficients with
        one scale per output channel, qmax = 127 (8-bit) or 7 (4-bit, range [-8, 7])."""
        a = self.coef()
        amax = a.detach().abs().flatten(1).max(dim=1).values.clamp_min(1e-12)
        sa = (amax / self.coef_qmax).view(-1, *([1] * (a.dim() - 1)))
        aq = torch.clamp(ste_round(a / sa), -self.coef_qmax - 1, self.coef_qmax) * sa * self.mask
        if self.A is None:
            return aq
        bmax = self.B.detach().abs().max().clamp_min(1e-12)
        sb = bmax / 127
        bq = torch.clamp(ste_round(self.B / sb), -128, 127) * sb
        return torch.einsum("ncm,mij->ncij", aq, bq)

    def forward(self, x):
        if self.stage == "folded":
            w = self.quant_weight() if self.out_q.mode == "on" else self.eff_weight()
            y = F.conv2d(x, w, self.bias, self.stride, self.pad)
        else:
            w = self.weight if self.stage == "dense" else self.eff_weight()
            y = self.bn(F.conv2d(x, w, None, self.stride, self.pad))
        if self.relu:
            y = F.relu(y)
        return self.out_q(y)


class Block(nn.Module):
    """Basic residual block: relu(c2(c1(x)) + shortcut(x)), shortcut a 1x1 conv when the
    shape changes (stride 2 / width change), identity otherwise."""

    def __init__(self, name, C, N, stride):
        super().__init__()
        self.name = name
        self.c1 = ConvUnit(f"{name}c1", C, N, 3, stride, True)
        self.c2 = ConvUnit(f"{name}c2", N, N, 3, 1, False)
        self.sc = ConvUnit(f"{name}sc", C, N, 1, stride, False) if (stride != 1 or C != N) else None
        self.add_q = FakeQuant(lo=0)

    def forward(self, x):
        s = self.sc(x) if self.sc is not None else x
        return self.add_q(F.relu(self.c2(self.c1(x)) + s))


class Net(nn.Module):
    """conv0 (1->16, 28x28) ; b1 (16->32, stride 2, 1x1 shortcut) ; b2 (32->64, stride 2,
    1x1 shortcut) ; b3 (64->64, identity shortcut) ; global average pool ; fc (64->10)."""

    def __init__(self, widths=WIDTHS):
        super().__init__()
        w0, w1, w2 = widths
        self.conv0 = ConvUnit("conv0", 1, w0, 3, 1, True)
        self.b1 = Block("b1", w0, w1, 2)
        self.b2 = Block("b2", w1, w2, 2)
        self.b3 = Block("b3", w2, w2, 1)
        self.fc = nn.Linear(w2, 10)
        self.fc_quant = False

    def units(self):
        return [m for m in self.modules() if isinstance(m, ConvUnit)]

    def fakequants(self):
        return [m for m in self.modules() if isinstance(m, FakeQuant)]

    def forward(self, x):
        x = self.b3(self.b2(self.b1(self.conv0(x))))
        x = x.mean(dim=(2, 3))
        if self.fc_quant:
            s = self.fc.weight.detach().abs().max() / 127
            wq = torch.clamp(ste_round(self.fc.weight / s), -128, 127) * s
            return F.linear(x, wq, self.fc.bias)
        return self.fc(x)


def conv_table(net, H=28, W=28):
    """(name, C, N, H, W, K, stride, pad, M, unit) of every conv, in execution order."""
    rows = []

    def add(u, h, w):
        rows.append((u.name, u.C, u.N, h, w, u.K, u.stride, u.pad, u.M, u))
        return (h + 2 * u.pad - u.K) // u.stride + 1, (w + 2 * u.pad - u.K) // u.stride + 1

    h, w = add(net.conv0, H, W)
    for b in (net.b1, net.b2, net.b3):
        h2, w2 = add(b.c1, h, w)
        add(b.c2, h2, w2)
        if b.sc is not None:
            add(b.sc, h, w)
        h, w = h2, w2
    return rows
