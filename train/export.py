"""From the quantisation-aware fine-tuned torch model to the integer network of
docs/semantics.md + docs/trained.md; integer accuracy; artefacts and report."""
import hashlib
import json
import math
import os
import time

import numpy as np
import torch

import data
import export_onnx
import int_ref
import model as mdl

LANES = 8          # coefficient lanes assumed by the storage accounting (brief: L = 8)


def mult_shift(r, max_shift=63):
    """uint16 mult and shift 0..63 with mult / 2^shift ~= r: the largest shift that keeps
    round(r * 2^shift) <= 65535."""
    if r <= 0:
        return 0, 0
    sh = int(math.floor(math.log2(65535.5 / r)))
    sh = max(0, min(max_shift, sh))
    while sh > 0 and round(r * 2 ** sh) > 65535:
        sh -= 1
    m = int(round(r * 2 ** sh))
    if m > 65535:
        raise ValueError(f"ratio {r} needs mult > 65535 at shift 0")
    return m, sh


def zshift_for(max_abs_z):
    """Smallest zshift (0..31) for which no calibration |Zq| reaches the int16 rail."""
    for k in range(32):
        if int(int_ref.rshift(np.int64(max_abs_z), k)) < 2 ** 15 - 1:
            return k
    return 31


def build_intnet(net, calib_u8, coef_bits, log=print):
    """Integer parameters from a folded, fake-quantised torch Net; zshift from calibration."""
    qmax = 127 if coef_bits == 8 else 7
    scales = {"x0": 1.0 / 127}
    env = {"x0": data.quantize_input(calib_u8)[:, None]}
    ops = []
    tab = {r[0]: r for r in mdl.conv_table(net)}

    def conv(u, src):
        name, C, N, H, W, K, s, p, M, _ = tab[u.name]
        with torch.no_grad():
            a = u.coef().detach().double().numpy().reshape(N, C, -1)       # (N, C, M)
            if u.A is not None:
                b = u.B.detach().double().numpy()
                sb = np.abs(b).max() / 127
                bq = np.clip(np.round(b / sb), -128, 127).astype(np.int8)
            else:
                sb, bq = 1.0, np.ones((1, 1, 1), np.int8)
            bias = u.bias.detach().double().numpy()
        amax = np.abs(a).reshape(N, -1).max(axis=1)
        sa = np.where(amax > 0, amax / qmax, 1.0)
        aq = np.clip(np.round(a / sa[:, None, None]), -qmax - 1, qmax).astype(np.int8)
        L = {"op": "conv", "name": name, "in": src, "out": name, "C": C, "N": N, "H": H, "W": W,
             "K": K, "stride": s, "pads": [p, p, p, p], "M": bq.shape[0], "relu": bool(u.relu),
             "coef_w": coef_bits, "basis": bq.reshape(1, -1, K, K), "coef": aq,
             "bias": np.zeros(N, np.int32), "mult": np.zeros(N, np.uint16),
             "shift": np.zeros(N, np.uint8), "zshift": 0}
        st = {}
        int_ref.conv_layer(env[src], dict(L, coef=np.zeros((1, C, L["M"]), np.int8), bias=L["bias"][:1],
                                          mult=L["mult"][:1], shift=L["shift"][:1]), st)
        L["zshift"] = zshift_for(st[name]["max_abs_z"])
        s_in, s_out = scales[src], float(u.out_q.scale)
        u_acc = sa * sb * s_in * 2.0 ** L["zshift"]                      # real value of one acc LSB
        bq_ = np.round(bias / u_acc)
        if np.abs(bq_).max() >= 2 ** 31:
            raise ValueError(f"{name}: bias does not fit int32")
        L["bias"] = bq_.astype(np.int32)
        ms = [mult_shift(r) for r in u_acc / s_out]
        L["mult"] = np.array([m for m, _ in ms], np.uint16)
        L["shift"] = np.array([k for _, k in ms], np.uint8)
        L["nnz"] = int((aq != 0).sum())
        L["density"] = L["nnz"] / aq.size
        scales[name] = s_out
        env[name], _ = int_ref.conv_layer(env[src], L)
        ops.append(L)
        return name

    def add(name, a, b, s_out, relu=True):
        ra, rb = scales[a] / s_out, scales[b] / s_out
        sh = 63
        while sh > 0 and max(round(ra * 2 ** sh), round(rb * 2 ** sh)) > 65535:
            sh -= 1
        op = {"op": "add", "name": name, "a": a, "b": b, "out": name, "ma": int(round(ra * 2 ** sh)),
              "mb": int(round(rb * 2 ** sh)), "shift": sh, "relu": relu}
        scales[name] = s_out
        env[name] = int_ref.add_op(env[a], env[b], op)
        ops.append(op)
        return name

    x = conv(net.conv0, "x0")
    for blk in (net.b1, net.b2, net.b3):
        h = conv(blk.c2, conv(blk.c1, x))
        sc = conv(blk.sc, x) if blk.sc is not None else x
        x = add(blk.name, h, sc, float(blk.add_q.scale))
    ops.append({"op": "gap_sum", "name": "pool", "in": x, "out": "pool"})
    hw = int(np.prod(env[x].shape[2:]))
    w = net.fc.weight.detach().double().numpy()
    sw = np.abs(w).max() / 127
    wq = np.clip(np.round(w / sw), -128, 127).astype(np.int8)
    u_fc = sw * scales[x] / hw
    bfc = np.round(net.fc.bias.detach().double().numpy() / u_fc).astype(np.int32)
    ops.append({"op": "fc", "name": "fc", "in": "pool", "out": "logits", "weight": wq, "bias": bfc})
    return {"input": "x0", "output": "logits", "coef_w": coef_bits, "ops": ops}, scales


def storage_bits(L, lanes=LANES):
    """docs/semantics.md 'Storage accounting' for one layer (layer-shared 8-bit basis)."""
    bits = lambda v: int(v).bit_length()
    N, C, M, K = L["N"], L["C"], L["M"], L["K"]
    coef = L["coef"]
    nnz = int((coef != 0).sum())
    lane_counts = [int((coef[l::lanes] != 0).sum()) for l in range(lanes)]
    basis = M * K * K * 8
    values = nnz * L["coef_w"]
    idx = nnz * (bits(math.ceil(N / lanes) - 1) + bits(M - 1))
    ptr = lanes * (C + 1) * bits(max(lane_counts))
    return {"basis": basis, "values": values, "indices": idx, "pointers": ptr,
            "total": basis + values + idx + ptr, "lane_nnz": lane_counts}


def layer_metrics(L):
    N, C, M, K, H, W, s = L["N"], L["C"], L["M"], L["K"], L["H"], L["W"], L["stride"]
    pt, pb, pl, pr = L["pads"]
    Ho, Wo = (H + pt + pb - K) // s + 1, (W + pl + pr - K) // s + 1
    nnz = int((L["coef"] != 0).sum())
    P = Ho * Wo
    dense_params = N * C * K * K
    params = (M * K * K + nnz) if K > 1 else nnz       # 1x1: basis [1] is not a parameter
    sb = storage_bits(L)
    return {"name": L["name"], "C": C, "N": N, "H": H, "W": W, "K": K, "stride": s, "pad": pt,
            "M": M, "Ho": Ho, "Wo": Wo, "nnz": nnz, "density": nnz / (N * C * M),
            "zshift": L["zshift"], "relu": L["relu"],
            "dense_params": dense_params, "params": params,
            "dense_macs": dense_params * P, "macs": C * M * K * K * P + nnz * P,
            "bcu_macs": C * M * K * K * P, "cau_macs": nnz * P,
            "storage_bits": sb, "fp32_bits": dense_params * 32, "int8_bits": dense_params * 8}


def summarize(layers, pred=lambda r: True):
    rs = [r for r in layers if pred(r)]
    s = lambda k: sum(r[k] for r in rs)
    st = sum(r["storage_bits"]["total"] for r in rs)
    return {"dense_params": s("dense_params"), "params": s("params"), "params_kept": s("params") / s("dense_params"),
            "dense_macs": s("dense_macs"), "macs": s("macs"), "macs_kept": s("macs") / s("dense_macs"),
            "storage_bits": st, "compression_fp32": s("fp32_bits") / st, "compression_int8": s("int8_bits") / st}


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def run(args, state, ck, xtr, ytr, xte, yte, log):
    rng = np.random.RandomState(args.seed)
    calib = xtr[rng.choice(xtr.shape[0], 1000 if not args.smoke else 200, replace=False)]
    n = args.int_eval
    expected = {"format": "escalate-fmnist-expected/1", "dataset": "/usr/share/datasets/fashion-mnist "
                "t10k (first images in file order)", "models": {}}
    state["int"] = {}
    for bits in (8, 4):
        t = time.time()
        net = torch.load(ck(f"qat{bits}"))
        net.eval()
        intnet, scales = build_intnet(net, calib, bits, log)
        path = os.path.join(args.out, f"penni_int{bits}.onnx")
        layers = [layer_metrics(L) for L in intnet["ops"] if L["op"] == "conv"]
        export_onnx.save(intnet, path, meta={
            "scales": scales, "layers": [{k: v for k, v in r.items() if k != "storage_bits"} for r in layers]})
        loaded = export_onnx.load(path)                # what the C++ side will read
        stats = {}
        acc, logits = int_ref.accuracy(loaded, xte[:n], yte[:n], stats=stats)
        pred = int_ref.argmax_first(logits)
        keep = {}
        int_ref.run(loaded, xte[:1], keep=keep)
        expected["models"][os.path.basename(path)] = {
            "coef_w": bits, "n_test": int(n), "correct": int((pred == yte[:n]).sum()), "accuracy": acc,
            "pred": pred[:100].tolist(), "labels": yte[:100].tolist(), "logits": logits[:100].tolist(),
            "image0_tensor_sha256_16": {k: sha(v[0]) for k, v in keep.items()},
        }
        overflow = sum(s["acc_overflow"] for s in stats.values())
        sat = sum(s["zq_saturated"] for s in stats.values())
        state["acc"][f"int{bits}"] = acc
        state["int"][f"int{bits}"] = {"layers": layers, "stats": stats, "n_test": int(n),
                                      "overflow": overflow, "zq_saturated": sat,
                                      "onnx_bytes": os.path.getsize(path),
                                      "all": summarize(layers), "k3": summarize(layers, lambda r: r["K"] == 3)}
        state["times"][f"int{bits}"] = time.time() - t
        log(f"int{bits}: integer accuracy {acc:.4f} on {n} test images; overflow {overflow}, "
            f"Zq saturated {sat}; {os.path.getsize(path)} bytes ONNX ({time.time() - t:.0f}s)")
        write_layer_table(os.path.join(args.out, f"penni_int{bits}.txt"), layers, bits)
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=None, separators=(",", ":"))
        f.write("\n")


def write_layer_table(path, layers, bits):
    with open(path, "w") as f:
        f.write(f"# Fashion-MNIST ResNet, PENNI-trained, {bits}-bit coefficients: real per-layer M and\n"
                f"# coefficient density of the exported integer network (train/penni_fmnist.py).\n"
                f"# Format: models/README.md. Weights: penni_int{bits}.onnx beside this file.\n")
        f.write("# name C N H W K stride pad M density\n")
        for r in layers:
            f.write(f"{r['name']} {r['C']} {r['N']} {r['H']} {r['W']} {r['K']} {r['stride']} {r['pad']} "
                    f"{r['M']} {r['density']:.6f}\n")


def write_report(args, state, log):
    out = args.out
    acc, tm = state["acc"], state["times"]
    rep = {"seed": args.seed, "threads": args.threads, "smoke": bool(args.smoke),
           "lanes_for_storage": LANES, "accuracy": acc, "times_s": tm,
           "prune_threshold": state.get("prune_threshold"), "int": state.get("int"),
           "args": {k: v for k, v in vars(args).items() if k not in ("out", "work")}}
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(rep, f, indent=1, default=export_onnx._jsonable)
        f.write("\n")
    pc = lambda v: f"{100 * v:.2f} %"
    L = []
    L.append("# Fashion-MNIST PENNI pipeline report\n")
    L.append(f"Produced by `/usr/bin/python3 train/penni_fmnist.py` (seed {args.seed}, {args.threads} torch "
             f"thread(s){', SMOKE RUN' if args.smoke else ''}). Test set: 10,000 Fashion-MNIST images "
             f"(integer rows: {state['int']['int8']['n_test']} images).\n")
    L.append("## Accuracy at every stage\n")
    L.append("| stage | test accuracy |\n| --- | --- |")
    names = [("float", "float (dense, BN)"), ("penni_svd_init", "PENNI SVD init (M=5), before retraining"),
             ("penni_l1", "PENNI after L1 retraining (dense coefficients)"),
             ("penni_pruned", "PENNI after std-rule pruning, before fine-tuning"),
             ("penni_float", "**PENNI float after masked fine-tuning**"),
             ("fakequant8_calibrated", "fake-quant 8-bit coef, calibrated, before QAT"),
             ("qat8_float", "fake-quant 8-bit coef after QAT (torch)"),
             ("int8", "**integer, 8-bit coefficients (NumPy reference)**"),
             ("fakequant4_calibrated", "fake-quant 4-bit coef, calibrated, before QAT"),
             ("qat4_float", "fake-quant 4-bit coef after QAT (torch)"),
             ("int4", "**integer, 4-bit coefficients (NumPy reference)**")]
    for k, label in names:
        if k in acc:
            L.append(f"| {label} | {pc(acc[k])} |")
    L.append("")
    for bits in (8, 4):
        I = state["int"][f"int{bits}"]
        L.append(f"## Integer network, {bits}-bit coefficients (`penni_int{bits}.onnx`, {I['onnx_bytes']} bytes)\n")
        L.append("| layer | C | N | H×W | K | stride | pad | M | nnz | density | zshift | params kept | MACs kept | storage bits | ×fp32 | ×int8 |")
        L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in I["layers"]:
            sb = r["storage_bits"]["total"]
            L.append(f"| {r['name']} | {r['C']} | {r['N']} | {r['H']}×{r['W']} | {r['K']} | {r['stride']} | {r['pad']} | "
                     f"{r['M']} | {r['nnz']} | {pc(r['density'])} | {r['zshift']} | {pc(r['params'] / r['dense_params'])} | "
                     f"{pc(r['macs'] / r['dense_macs'])} | {sb} | {r['fp32_bits'] / sb:.1f} | {r['int8_bits'] / sb:.1f} |")
        for key, label in (("k3", "3×3 layers"), ("all", "all conv layers")):
            s = I[key]
            L.append(f"| **{label}** | | | | | | | | | | | **{pc(s['params_kept'])}** ({s['params']}/{s['dense_params']}) | "
                     f"**{pc(s['macs_kept'])}** | {s['storage_bits']} | {s['compression_fp32']:.1f} | {s['compression_int8']:.1f} |")
        L.append(f"\nAccumulator overflow (int32) on the evaluated images: {I['overflow']}; Zq saturations: "
                 f"{I['zq_saturated']}.\n")
    L.append("Definitions: params kept = (M·K² basis + nnz coefficients) / (N·C·K²) (1×1 layers: nnz / (N·C)); "
             "MACs kept = (C·M·K²·Ho·Wo + nnz·Ho·Wo) / (N·C·K²·Ho·Wo) (SPEC §5); storage bits = docs/semantics.md "
             f"'Storage accounting' with L = {LANES} lanes (8-bit basis, coef_w-bit values, per-entry index "
             "bits(ceil(N/L)-1) + bits(M-1), pointers L·(C+1)·bits(max lane entries)); ×fp32 = N·C·K²·32 / storage bits, "
             "×int8 = N·C·K²·8 / storage bits. Bias and requantisation parameters are not counted (as in the "
             "project's accounting); the FC layer (640 int8 weights) is not a conv and is not counted.\n")
    L.append("## Wall time\n")
    L.append("| stage | seconds |\n| --- | --- |")
    labels = {"float": "float training", "penni": "PENNI: SVD, L1 retraining, pruning, fine-tuning",
              "qat8": "QAT, 8-bit coefficients", "qat4": "QAT, 4-bit coefficients",
              "int8": "(of export) 8-bit: integer params, ONNX, 10,000-image integer eval",
              "int4": "(of export) 4-bit: same", "export": "export + integer evaluation, total",
              "total": "**total** (float + penni + qat8 + qat4 + export)"}
    for k in ("float", "penni", "qat8", "qat4", "int8", "int4", "export", "total"):
        if k in tm:
            L.append(f"| {labels[k]} | {tm[k]:.0f} |")
    if state.get("time_note"):
        L.append(f"\n{state['time_note']}")
    L.append("")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(L))
