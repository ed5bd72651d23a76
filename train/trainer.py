"""Training loops (float, PENNI L1 retraining with alternating basis/coefficient steps,
masked fine-tuning, quantisation-aware fine-tuning). CPU only."""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F


def to_float_input(images_u8):
    """The float network's input is exactly the host's int8 image / 127 (docs/trained.md)."""
    x = torch.from_numpy((np.asarray(images_u8) >> 1).astype(np.float32) / 127.0)
    return x.unsqueeze(1)


def augment(xb, gen):
    """Random crop (zero pad 2, 28x28 window) and horizontal flip, vectorised."""
    B = xb.shape[0]
    xp = F.pad(xb, (2, 2, 2, 2))
    oy = torch.randint(0, 5, (B,), generator=gen)
    ox = torch.randint(0, 5, (B,), generator=gen)
    ar = torch.arange(28)
    iy = (oy[:, None] + ar)[:, :, None]
    ix = (ox[:, None] + ar)[:, None, :]
    out = xp[torch.arange(B)[:, None, None], 0, iy, ix].unsqueeze(1)
    flip = torch.rand(B, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(-1), out)


@torch.no_grad()
def evaluate(net, X, Y, batch=1000):
    net.eval()
    correct = 0
    for i in range(0, X.shape[0], batch):
        correct += int((net(X[i:i + batch]).argmax(1) == Y[i:i + batch]).sum())
    return correct / X.shape[0]


def lr_at(step, total, peak, warmup_frac):
    w = max(1, int(total * warmup_frac))
    if step < w:
        return peak * (step + 1) / w
    t = (step - w) / max(1, total - w)
    return peak * 0.5 * (1 + math.cos(math.pi * t))


def param_groups(net):
    """Split parameters: coefficient tensors (A, 1x1 weights), bases B, BN/bias, the rest."""
    coef, basis, nodecay, rest = [], [], [], []
    for u in net.units():
        if u.A is not None:
            coef.append(u.A)
            basis.append(u.B)
        elif u.stage != "dense":
            coef.append(u.weight)
        else:
            rest.append(u.weight)
        if u.bn is not None:
            nodecay += [u.bn.weight, u.bn.bias]
        if getattr(u, "bias", None) is not None and u.bn is None:
            nodecay.append(u.bias)
    rest += [net.fc.weight]
    nodecay += [net.fc.bias]
    return coef, basis, nodecay, rest


def train(net, X, Y, *, epochs, lr, wd, seed, batch=128, l1=0.0, alternate=False,
          warmup=0.03, max_steps=None, log=print, tag=""):
    """SGD (momentum 0.9, Nesterov) with linear warm-up and cosine decay.

    l1 > 0 adds l1 * sum|coef| over every decomposed / 1x1 coefficient tensor.
    alternate=True steps the coefficient optimiser on even steps and the basis optimiser on
    odd steps (PENNI retrains basis and coefficients alternately); BN, bias and FC parameters
    are stepped every time.
    """
    gen = torch.Generator().manual_seed(seed)
    coef, basis, nodecay, rest = param_groups(net)
    mk = lambda ps, w: torch.optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True, weight_decay=w)
    opt_rest = mk([{"params": rest, "weight_decay": wd}, {"params": nodecay, "weight_decay": 0.0}], wd)
    opt_coef = mk(coef, 0.0 if l1 > 0 else wd) if coef else None
    opt_basis = mk(basis, 0.0) if basis else None
    opts = [o for o in (opt_rest, opt_coef, opt_basis) if o is not None]
    n = X.shape[0]
    steps_per_epoch = n // batch
    total = epochs * steps_per_epoch
    if max_steps is not None:
        total = min(total, max_steps)
    step = 0
    t0 = time.time()
    while step < total:
        perm = torch.randperm(n, generator=gen)
        for k in range(steps_per_epoch):
            if step >= total:
                break
            net.train()
            idx = perm[k * batch:(k + 1) * batch]
            xb = augment(X[idx], gen)
            out = net(xb)
            loss = F.cross_entropy(out, Y[idx])
            if l1 > 0:
                loss = loss + l1 * sum(u.l1() for u in net.units() if not getattr(u, "no_l1", False))
            cur = lr_at(step, total, lr, warmup)
            for o in opts:
                for g in o.param_groups:
                    g["lr"] = cur
                o.zero_grad(set_to_none=True)
            loss.backward()
            opt_rest.step()
            if alternate:
                (opt_coef if step % 2 == 0 else opt_basis).step()
            else:
                for o in (opt_coef, opt_basis):
                    if o is not None:
                        o.step()
            step += 1
            if step % 100 == 0 or step == total:
                log(f"  {tag} step {step}/{total} loss {loss.item():.4f} lr {cur:.4f} "
                    f"({time.time() - t0:.0f}s)")
    return net
