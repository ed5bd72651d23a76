"""Effective throughput of ESCALATE on a models/ workload, for area-per-throughput numbers.

Uses the SPEC section 5 definitions (useful MACs, ideal cycles, dense cycles) and, as a
second, less optimistic estimate, the cycle model of docs/architecture.md. Both are models,
not RTL measurements; the report says so.
"""

import math
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_model(name):
    path = os.path.join(ROOT, "models", name + ".txt")
    layers = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].split()
            if len(line) < 10:
                continue
            n, c, nn, h, w, k, s, p, m, d = line[:10]
            layers.append({"name": n, "C": int(c), "N": int(nn), "H": int(h), "W": int(w),
                           "K": int(k), "stride": int(s), "pad": int(p), "M": int(m),
                           "density": float(d)})
    return layers


def throughput(layers, T, L, taps=9):
    bcu_mults, cau_mults = taps * T, L * T
    mults = bcu_mults + cau_mults
    tot = {"dense_macs": 0, "useful_macs": 0, "ideal": 0.0, "model": 0.0, "dense": 0.0,
           "weights": 0, "nnz": 0.0}
    for ly in layers:
        ho = (ly["H"] + 2 * ly["pad"] - ly["K"]) // ly["stride"] + 1
        wo = (ly["W"] + 2 * ly["pad"] - ly["K"]) // ly["stride"] + 1
        px = ho * wo
        k2 = ly["K"] * ly["K"]
        nnz = ly["density"] * ly["N"] * ly["C"] * ly["M"]
        bcu = ly["C"] * ly["M"] * k2 * px
        cau = nnz * px
        dense = ly["N"] * ly["C"] * k2 * px
        tot["dense_macs"] += dense
        tot["weights"] += ly["N"] * ly["C"] * k2
        tot["nnz"] += nnz
        tot["useful_macs"] += bcu + cau
        tot["ideal"] += max(bcu / bcu_mults, cau / cau_mults)
        tot["dense"] += dense / mults
        # docs/architecture.md cycle model: BCU tiles*C*max(M,T); CAU tiles*C*max(1, nnz/(C*L))
        tiles = math.ceil(px / T)
        per_col = nnz / ly["C"] / L
        tot["model"] += max(tiles * ly["C"] * max(ly["M"], T),
                            tiles * ly["C"] * max(1.0, per_col)) + ly["N"] + 10
    return {
        "multipliers": mults,
        "dense_macs": tot["dense_macs"],
        "useful_macs": round(tot["useful_macs"]),
        "dense_weights": tot["weights"],
        "nnz": round(tot["nnz"]),
        "mac_fraction": tot["useful_macs"] / tot["dense_macs"],
        "ideal_cycles": round(tot["ideal"]),
        "model_cycles": round(tot["model"]),
        "dense_cycles": round(tot["dense"]),
        "speedup_ideal": tot["dense"] / tot["ideal"],
        "speedup_model": tot["dense"] / tot["model"],
    }
