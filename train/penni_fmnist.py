#!/usr/bin/env -S /usr/bin/python3
"""PENNI on Fashion-MNIST, end to end: float training -> PENNI decomposition, L1 retraining,
std-rule pruning, masked fine-tuning -> quantisation-aware fine-tuning (8- and 4-bit
coefficients) -> integer export (ONNX + sidecar JSON) -> integer accuracy with the NumPy
reference -> report.

    /usr/bin/python3 train/penni_fmnist.py                 # full run, writes models/fmnist/
    /usr/bin/python3 train/penni_fmnist.py --smoke         # < 1 min, writes to a temp dir

Stages are checkpointed in --work; --from STAGE reuses the checkpoints of earlier stages.
See train/README.md and docs/trained.md.
"""
import argparse
import copy
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import model as mdl  # noqa: E402
import trainer  # noqa: E402

STAGES = ["float", "penni", "qat", "export"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", default=None, help="artefact dir (default models/fmnist; --smoke: a temp dir)")
    p.add_argument("--work", default=None, help="checkpoint dir (default <out>/../.work-fmnist or temp)")
    p.add_argument("--from", dest="from_stage", choices=STAGES, default="float",
                   help="start at this stage, loading earlier checkpoints from --work")
    p.add_argument("--smoke", action="store_true", help="a few steps per stage, small eval, temp output")
    p.add_argument("--epochs-float", type=int, default=10)
    p.add_argument("--epochs-l1", type=int, default=4)
    p.add_argument("--epochs-ft", type=int, default=6)
    p.add_argument("--epochs-qat", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--lr-penni", type=float, default=0.02)
    p.add_argument("--lr-qat", type=float, default=0.002)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--M", type=int, default=5, help="bases per 3x3 layer before shrinking")
    p.add_argument("--l1", type=float, default=5e-4, help="L1 weight on coefficients")
    p.add_argument("--std-factor", type=float, default=1.0, help="prune |A| < f * std(A)")
    p.add_argument("--prune-first", action="store_true",
                   help="also L1-penalise and prune conv0 (default: conv0, C=1 with 80 coefficients, "
                        "is decomposed but kept dense)")
    p.add_argument("--int-eval", type=int, default=10000, help="test images for integer accuracy")
    return p.parse_args(argv)


class Log:
    def __init__(self, path):
        self.f = open(path, "a") if path else None
        self.t0 = time.time()

    def __call__(self, msg):
        line = f"[{time.time() - self.t0:7.1f}s] {msg}"
        print(line, flush=True)
        if self.f:
            self.f.write(line + "\n")
            self.f.flush()


def density_table(net):
    rows = []
    for name, C, N, H, W, K, s, p, M, u in mdl.conv_table(net):
        a = u.coef().detach()
        nnz = int((a != 0).sum())
        rows.append(dict(name=name, C=C, N=N, H=H, W=W, K=K, stride=s, pad=p, M=M,
                         nnz=nnz, total=int(a.numel()), density=nnz / a.numel()))
    return rows


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    if args.smoke:
        args.out = args.out or tempfile.mkdtemp(prefix="penni_fmnist_smoke_")
        args.work = args.work or os.path.join(args.out, "work")
        max_steps, n_test, args.int_eval, args.calib = 15, 500, min(args.int_eval, 200), 256
    else:
        args.out = args.out or os.path.join(REPO, "models", "fmnist")
        args.work = args.work or os.path.join(REPO, "build", "train-fmnist")
        max_steps, n_test, args.calib = None, 10000, 2560
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    log = Log(os.path.join(args.work, "log.txt"))
    log(f"args: {vars(args)}")
    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}, out {args.out}, work {args.work}")

    xtr, ytr = data.load("train")
    xte, yte = data.load("test")
    Xtr, Ytr = trainer.to_float_input(xtr), torch.from_numpy(ytr.astype(np.int64))
    Xte, Yte = trainer.to_float_input(xte[:n_test]), torch.from_numpy(yte[:n_test].astype(np.int64))
    start = STAGES.index(args.from_stage)
    ck = lambda name: os.path.join(args.work, name + ".pt")
    state_path = os.path.join(args.work, "state.json")
    state = json.load(open(state_path)) if (start > 0 and os.path.exists(state_path)) else {"times": {}, "acc": {}}

    def save_state():
        json.dump(state, open(state_path, "w"), indent=1)

    # ---- stage 1: float training ---------------------------------------------------------
    if start <= 0:
        t = time.time()
        net = mdl.Net()
        log(f"float: {sum(p.numel() for p in net.parameters())} parameters")
        trainer.train(net, Xtr, Ytr, epochs=args.epochs_float, lr=args.lr, wd=args.wd,
                      seed=args.seed, max_steps=max_steps, log=log, tag="float")
        state["acc"]["float"] = trainer.evaluate(net, Xte, Yte)
        state["times"]["float"] = time.time() - t
        torch.save(net, ck("float"))
        save_state()
        log(f"float accuracy {state['acc']['float']:.4f} ({state['times']['float']:.0f}s)")

    # ---- stage 2: PENNI ------------------------------------------------------------------
    if start <= 1:
        t = time.time()
        net = torch.load(ck("float"))
        for u in net.units():
            u.decompose(args.M)
        state["acc"]["penni_svd_init"] = trainer.evaluate(net, Xte, Yte)
        log(f"penni: SVD init (M={args.M}) accuracy {state['acc']['penni_svd_init']:.4f}")
        if not args.prune_first:
            net.conv0.no_l1 = True
        trainer.train(net, Xtr, Ytr, epochs=args.epochs_l1, lr=args.lr_penni, wd=args.wd,
                      seed=args.seed + 1, l1=args.l1, alternate=True, max_steps=max_steps,
                      log=log, tag="penni-l1")
        state["acc"]["penni_l1"] = trainer.evaluate(net, Xte, Yte)
        thr = {u.name: u.prune_std(args.std_factor) for u in net.units()
               if u.name != "conv0" or args.prune_first}
        for u in net.units():
            u.shrink_bases()
        state["acc"]["penni_pruned"] = trainer.evaluate(net, Xte, Yte)
        log(f"penni: after L1 {state['acc']['penni_l1']:.4f}, pruned {state['acc']['penni_pruned']:.4f}")
        for r in density_table(net):
            log(f"  {r['name']:6s} M={r['M']} nnz {r['nnz']}/{r['total']} = {r['density']:.3f} thr {thr.get(r['name'], 0):.4g}")
        trainer.train(net, Xtr, Ytr, epochs=args.epochs_ft, lr=args.lr_penni, wd=args.wd,
                      seed=args.seed + 2, max_steps=max_steps, log=log, tag="penni-ft")
        state["acc"]["penni_float"] = trainer.evaluate(net, Xte, Yte)
        state["times"]["penni"] = time.time() - t
        state["prune_threshold"] = thr
        torch.save(net, ck("penni"))
        save_state()
        log(f"penni float accuracy {state['acc']['penni_float']:.4f} ({state['times']['penni']:.0f}s)")

    # ---- stage 3: quantisation-aware fine-tuning -------------------------------------------
    if start <= 2:
        for bits in (8, 4):
            t = time.time()
            net = torch.load(ck("penni"))
            net.eval()
            for u in net.units():
                u.fold_bn()
                u.coef_qmax = 127 if bits == 8 else 7
            # calibration of the activation scales on 2,560 training images (no augmentation)
            for fq in net.fakequants():
                fq.mode = "calib"
            with torch.no_grad():
                for i in range(0, args.calib, 256):
                    net(Xtr[i:i + 256])
            for fq in net.fakequants():
                fq.finish_calibration()
            net.fc_quant = True
            state["acc"][f"fakequant{bits}_calibrated"] = trainer.evaluate(net, Xte, Yte)
            trainer.train(net, Xtr, Ytr, epochs=args.epochs_qat, lr=args.lr_qat, wd=0.0,
                          seed=args.seed + 3, max_steps=max_steps, log=log, tag=f"qat{bits}")
            state["acc"][f"qat{bits}_float"] = trainer.evaluate(net, Xte, Yte)
            state["times"][f"qat{bits}"] = time.time() - t
            torch.save(net, ck(f"qat{bits}"))
            save_state()
            log(f"qat{bits}: calibrated {state['acc'][f'fakequant{bits}_calibrated']:.4f}, "
                f"after QAT {state['acc'][f'qat{bits}_float']:.4f} ({state['times'][f'qat{bits}']:.0f}s)")

    # ---- stage 4: integer export, integer accuracy, report ---------------------------------
    import export  # noqa: E402  (no torch needed by the integer side)
    t = time.time()
    export.run(args, state, ck, xtr, ytr, xte, yte, log)
    state["times"]["export"] = time.time() - t
    note = (f"Machine: {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f} "
            f"(shared with other jobs); torch threads {args.threads}.")
    if start > 0:
        note += (f" Stages before '{args.from_stage}' were loaded from the checkpoints in --work; "
                 "their times are those measured when the checkpoints were produced (same code and seed).")
    state["time_note"] = note
    state["times"]["total"] = sum(state["times"].get(k, 0) for k in ("float", "penni", "qat8", "qat4", "export"))
    save_state()
    export.write_report(args, state, log)
    log(f"done: total {state['times']['total']:.0f}s; artefacts in {args.out}")
    return state


if __name__ == "__main__":
    main()
