#!/usr/bin/env python3
"""Write the measured figures in README.md and docs/ from ONE committed run artefact.

The artefacts are synth/results/resnet18_run.json (the JSON report of
`escalate run --model resnet18-cifar10 --seed 1`) and synth/results/fmnist_int8_run.json (the
trained Fashion-MNIST network, models/fmnist/penni_int8.txt, with its pruned baseline), each
with the commit it was measured at. Every figure of those runs in the documents sits between
markers

    <!-- BEGIN run:<block> -->  ...  <!-- END run:<block> -->

and is rewritten from the artefact, so the documents cannot disagree with it or with each other
(docs/area.md is written by synth/area_doc.py from the same file).

Usage:
  python3 scripts/docs_from_run.py            rewrite the marked blocks
  python3 scripts/docs_from_run.py --check    exit 1 if a block differs (test lint.docs)
  python3 scripts/docs_from_run.py --run BIN  first re-run `BIN run` to refresh the artefacts
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTEFACT = os.path.join(ROOT, "synth", "results", "resnet18_run.json")
FMNIST = os.path.join(ROOT, "synth", "results", "fmnist_int8_run.json")
# artefact -> the `escalate run` arguments that produce it
RESULTS = os.path.join(ROOT, "synth", "results")
# The headline run uses one uniform density (the default); the tuned and spread runs and
# ResNet-50 are reported beside it (models/README.md, "Density modes"). The Fashion-MNIST
# table holds the trained network's real densities, so it runs with the file's densities.
TUNED = os.path.join(RESULTS, "resnet18_tuned_run.json")
SPREAD = os.path.join(RESULTS, "resnet18_spread_run.json")
RESNET50 = os.path.join(RESULTS, "resnet50_run.json")
RUNS = {ARTEFACT: ["--model", "resnet18-cifar10", "--seed", "1", "--energy-plot",
                   os.path.join(RESULTS, "resnet18_energy.svg")],
        TUNED: ["--model", "resnet18-cifar10", "--seed", "1", "--density", "tuned"],
        SPREAD: ["--model", "resnet18-cifar10", "--seed", "1", "--density", "spread"],
        RESNET50: ["--model", "resnet50-imagenet", "--seed", "1"],
        FMNIST: ["--model", os.path.join(ROOT, "models", "fmnist", "penni_int8.txt"), "--seed",
                 "1", "--density", "tuned", "--energy-plot",
                 os.path.join(RESULTS, "fmnist_int8_energy.svg")]}
DOCS = ["README.md", os.path.join("docs", "architecture.md"), os.path.join("docs", "energy.md")]


def fmt_int(v):
    return f"{int(round(v)):,}"


def uj(pj):
    return f"{pj * 1e-6:,.1f}"


def escalate_dram_parts(run):
    """ESCALATE's load/result bytes by what they carry, and the bytes of the same information
    packed into full beats (the what-if of docs/energy.md). Every load beat is LdDataW = 72 bits
    (9 bytes) and writes one word of one buffer, so the buffer-write events (events.hpp) count
    the beats of each kind: IFMAP words of 8 activations, COEF words of fields_per_beat entries,
    fields_per_beat column pointers, one basis, one bias/requant triple."""
    beat = 9
    parts = {"ifmap": 0, "coef": 0, "colptr": 0, "basis_bias": 0, "result": 0}
    packed = {"ifmap": 0.0, "weights": 0.0, "result": 0.0}
    for l in run["layers"]:
        if not l["rtl"]:
            continue
        ev = l["events"]
        parts["ifmap"] += ev["ifmap_wr"] * beat
        parts["coef"] += ev["coef_wr"] * beat
        parts["colptr"] += ev["colptr_wr"] * beat
        parts["basis_bias"] += (ev["basis_wr"] + ev["bias_wr"]) * beat
        parts["result"] += ev["res_bytes"]
        packed["ifmap"] += l["C"] * l["H"] * l["W"]
        packed["weights"] += (l["storage_bits"]["total"] + 54 * l["N"]) / 8
        packed["result"] += l["N"] * l["Ho"] * l["Wo"]
        loaded = sum(ev[k] for k in ("ifmap_wr", "coef_wr", "colptr_wr", "basis_wr", "bias_wr"))
        if loaded * beat != ev["ld_bytes"]:
            raise SystemExit(f"docs_from_run: layer {l['name']}: {loaded} buffer writes but "
                             f"{ev['ld_bytes']} load bytes (not {beat} per beat)")
    return parts, packed


def energy_blocks(run):
    e = run["energy"]
    esc, dense = e["escalate"], e["dense"]
    pj_b = e["dram_pj_per_byte"]
    gen = run.get("generated", {})
    where = (f"commit `{gen['commit']}`, {gen['date']}" if gen else "commit not recorded")

    def share(b, term):
        return f"{100 * b[term + '_pj'] / b['total_pj']:.0f} %"

    def row(name, b, ratio, lo, hi):
        return (f"| {name} | **{uj(b['total_pj'])}** | {uj(b['mac_pj'])} ({share(b, 'mac')}) | "
                f"{uj(b['sram_pj'])} ({share(b, 'sram')}) | {uj(b['dram_pj'])} "
                f"({share(b, 'dram')}) | {b['dominant']} | {ratio} | {lo} | {hi} |")

    mems = esc["sram_by_memory_pj"]
    mem_txt = ", ".join(f"{m} {uj(v)} ({100 * v / esc['sram_pj']:.0f} %)"
                        for m, v in sorted(mems.items(), key=lambda kv: -kv[1]))
    table = "\n".join([
        f"ResNet-18/CIFAR-10, `escalate run` seed {run['seed']} ({where}; "
        f"`synth/results/resnet18_run.json`), {e['rtl_layers']} layers on the RTL, "
        f"{e['node']} table, DRAM {pj_b:.2f} pJ/B. uJ per inference (share of the engine's "
        "total):",
        "",
        "| engine | total | MAC | SRAM | DRAM | dominant | dense / ESCALATE | DRAM x0.5 | "
        "DRAM x2 |",
        "| --- | --: | --: | --: | --: | --- | --: | --: | --: |",
        row("ESCALATE (event counters)", esc, "", "", ""),
        row("dense reference (SPEC 5b)", dense, f"**{e['ratio_dense']:.2f}x**",
            f"{e['dram_x0.5']['ratio_dense']:.2f}x", f"{e['dram_x2']['ratio_dense']:.2f}x"),
        "",
        f"ESCALATE's SRAM term by memory (uJ): {mem_txt}.",
    ])
    parts, packed = escalate_dram_parts(run)
    total = sum(parts.values())
    dense_bytes = dense["dram_pj"] / pj_b
    n_packed = sum(packed.values())
    esc_packed = esc["total_pj"] - esc["dram_pj"] + n_packed * pj_b
    psum = mems["psum"]
    dram = "\n".join([
        "| ESCALATE DRAM bytes | measured (9-byte load beats) | packed (same information) |",
        "| --- | --: | --: |",
        f"| activations in (IFMAP beats) | {fmt_int(parts['ifmap'])} | "
        f"{fmt_int(packed['ifmap'])} |",
        f"| weights: coefficient words (one beat each) | {fmt_int(parts['coef'])} | "
        f"{fmt_int(packed['weights'])} (weight bits + 54-bit bias/requant per channel) |",
        f"| weights: column-pointer words (per lane) | {fmt_int(parts['colptr'])} | |",
        f"| weights: basis and bias/requant beats | {fmt_int(parts['basis_bias'])} | |",
        f"| results out | {fmt_int(parts['result'])} | {fmt_int(packed['result'])} |",
        f"| **total** | **{fmt_int(total)}** | **{fmt_int(n_packed)}** |",
        "",
        f"The dense reference moves {fmt_int(dense_bytes)} bytes (every int8 weight, input and "
        f"output byte once). With ESCALATE's loads packed, its energy would be "
        f"{uj(esc_packed)} uJ and the ratio **{dense['total_pj'] / esc_packed:.2f}x**; removing "
        f"the PSUM read-modify-write term as well ({uj(psum)} uJ, see below) would give "
        f"**{dense['total_pj'] / (esc_packed - psum):.2f}x**.",
    ])
    summary = (f"| energy per inference, {e['node']} table ([docs/energy.md](docs/energy.md)) | "
               f"ESCALATE {uj(esc['total_pj'])} uJ vs dense {uj(dense['total_pj'])} uJ = "
               f"**{e['ratio_dense']:.2f}x** (DRAM cost x0.5: {e['dram_x0.5']['ratio_dense']:.2f}x,"
               f" x2: {e['dram_x2']['ratio_dense']:.2f}x); dominant term: ESCALATE {esc['dominant']}, "
               f"dense {dense['dominant']} |")
    return {"energy-table": table, "energy-dram": dram}, summary


def area_row(t):
    """SPEC 5b area efficiency including SRAM (escalate run's area model)."""
    ae = t.get("area_efficiency", {})
    if "ratio" not in ae:
        return f"| area efficiency including SRAM (SPEC 5b) | - ({ae.get('unavailable', 'n/a')}) |"
    return (f"| area efficiency including SRAM (SPEC 5b; [docs/area.md](docs/area.md)) | "
            f"{ae['escalate_mac_per_cycle_per_mm2']:.0f} vs dense "
            f"{ae['dense_mac_per_cycle_per_mm2']:.0f} end-to-end dense-equivalent MAC/cycle per "
            f"mm^2 = **{ae['ratio']:.2f}x** ({ae['escalate_mm2']:.3f} vs {ae['dense_mm2']:.3f} "
            f"mm^2, the dense engine with its {fmt_int(ae['dense_buffer_bits'])}-bit buffers) |")


def blocks(run):
    t = run["totals"]
    energy, energy_row = energy_blocks(run)
    gen = run.get("generated", {})
    where = (f"commit `{gen['commit']}`, {gen['date']}" if gen else "commit not recorded")
    mults = t["multipliers"]
    return {
        "resnet18-table": "\n".join([
            f"`escalate run` (ResNet-18/CIFAR-10, {run.get('density_mode', 'tuned')} densities, "
            f"seed {run['seed']}, {where}; all "
            f"{t['checked']} layers bit-exact against the golden model), cycles from the RTL's "
            "own counters, bounds per SPEC section 5:",
            "",
            "| quantity | value |",
            "| --- | --- |",
            f"| measured cycles / sum of per-layer ideal bounds | {fmt_int(t['cycles'])} / "
            f"{fmt_int(t['ideal_cycles'])} = **{t['measured_over_ideal']:.3f}x** |",
            f"| speedup vs an equal-multiplier ({mults}) dense engine, compute only | "
            f"**{t['speedup_vs_dense']:.2f}x** (dense bound {fmt_int(t['dense_cycles'])} cycles) |",
            f"| end-to-end cycles (RTL cycles + load beats no pass overlapped) / SPEC 5b dense "
            "reference | "
            f"{fmt_int(t['e2e_cycles'])} / {fmt_int(t['dense_e2e_cycles'])} = "
            f"**{t['speedup_e2e']:.2f}x** end to end |",
            f"| utilisation of the {mults} multipliers | {100 * t['utilisation']:.1f} % |",
            f"| useful MACs kept | {100 * t['kept_macs']:.2f} % of dense |",
            f"| weight compression | {t['compression_vs_fp32']:.1f}x vs fp32, "
            f"{t['compression_vs_int8']:.1f}x vs dense int8 |",
            f"| simulated cycles including the load streams | {fmt_int(t['sim_cycles'])} |",
            f"| load / result bytes | {fmt_int(t['load_bytes'])} / {fmt_int(t['result_bytes'])} |",
            area_row(t),
            energy_row,
        ]),
        "resnet18-measured": (
            f"Measured ({where}, `synth/results/resnet18_run.json`): "
            f"{t['measured_over_ideal']:.3f}x of ideal, {t['speedup_vs_dense']:.2f}x over dense "
            f"(compute only), {t['speedup_e2e']:.2f}x end to end (SPEC 5b)."),
        **energy,
    }


def render(text, values, path):
    def sub(m):
        name = m.group(1)
        if name not in values:
            raise KeyError(f"{path}: unknown block run:{name}")
        return f"<!-- BEGIN run:{name} -->\n{values[name]}\n<!-- END run:{name} -->"
    return re.sub(r"<!-- BEGIN run:([\w-]+) -->.*?<!-- END run:\1 -->", sub, text, flags=re.S)


def refresh(binary):
    for artefact, args in RUNS.items():
        refresh_one(binary, artefact, args)


def refresh_one(binary, artefact, args):
    out = artefact + ".tmp"
    subprocess.run([binary, "run"] + args + ["--json", out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        run = json.load(f)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    # Uncommitted changes to what the run measures (not to documents) make the commit inexact.
    code = ["rtl", "host", "golden", "tools", "tb", "models", "cmake", "CMakeLists.txt"]
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no",
                            "--"] + code, capture_output=True, text=True).stdout.strip()
    date = subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout
    run["generated"] = {"commit": commit + ("+changes" if dirty else ""), "date": date.strip()}
    # Wall time, simulation speed and the machine's paths are not part of the artefact.
    for k in ("wall_s", "sim_cycles_per_s"):
        run["totals"].pop(k, None)
    for layer in run["layers"]:
        layer.pop("wall_s", None)
    for k in ("model_path",):
        if isinstance(run.get(k), str):
            run[k] = os.path.relpath(run[k], ROOT)
    if isinstance(run.get("energy", {}).get("sparse_baseline"), str) and \
            os.path.isabs(run["energy"]["sparse_baseline"]):
        run["energy"]["sparse_baseline"] = os.path.relpath(run["energy"]["sparse_baseline"], ROOT)
    with open(out, "w") as f:
        json.dump(run, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(out, artefact)


def fmnist_blocks(run):
    """The trained network: energy of the three engines (sparse = the pruned baseline)."""
    e = run["energy"]
    t = run["totals"]
    gen = run.get("generated", {})
    where = (f"commit `{gen['commit']}`, {gen['date']}" if gen else "commit not recorded")

    def row(name, b, ratio):
        tot = b["total_pj"]
        return (f"| {name} | **{uj(tot)}** | {uj(b['mac_pj'])} | {uj(b['sram_pj'])} | "
                f"{uj(b['dram_pj'])} | {b['dominant']} | {ratio} |")

    sp = e.get("sparse")
    lines = [
        f"Trained PENNI network on Fashion-MNIST (`models/fmnist/penni_int8.txt`, `escalate run` "
        f"seed {run['seed']}, {where}; `synth/results/fmnist_int8_run.json`), "
        f"{t['checked']} layers bit-exact on the RTL, sparse reference from "
        f"`{e.get('sparse_baseline') or 'no baseline'}` ({e['sparse_layers']} layers), "
        f"{e['node']} table. uJ per inference (one 28x28 image):",
        "",
        "| engine | total | MAC | SRAM | DRAM | dominant | engine / ESCALATE |",
        "| --- | --: | --: | --: | --: | --- | --: |",
        row("ESCALATE (event counters)", e["escalate"], ""),
        row("dense reference (SPEC 5b)", e["dense"], f"**{e['ratio_dense']:.2f}x**"),
    ]
    if sp:
        lines.append(row("sparse reference (magnitude-pruned baseline)", sp,
                         f"**{e['ratio_sparse']:.2f}x**"))
    lines += ["", f"With the DRAM cost halved / doubled: dense / ESCALATE "
              f"{e['dram_x0.5']['ratio_dense']:.2f}x / {e['dram_x2']['ratio_dense']:.2f}x" +
              (f", sparse / ESCALATE {e['dram_x0.5']['ratio_sparse']:.2f}x / "
               f"{e['dram_x2']['ratio_sparse']:.2f}x." if sp else ".")]
    return {"fmnist-energy": "\n".join(lines)}


def modes_block():
    """The headline run beside the tuned and spread ResNet-18 runs and ResNet-50 (issue #12's
    bars), one row per artefact."""
    rows = ["| workload | densities | measured / ideal | compute only vs dense | end to end "
            "(SPEC 5b) | slowest layer end to end | passes | energy dense / ESCALATE |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for path, name in ((ARTEFACT, "ResNet-18/CIFAR-10"), (TUNED, "ResNet-18/CIFAR-10"),
                       (SPREAD, "ResNet-18/CIFAR-10"), (RESNET50, "ResNet-50/ImageNet")):
        with open(path) as f:
            run = json.load(f)
        t = run["totals"]
        rtl = [ly for ly in run["layers"] if ly["rtl"]]
        slow = min(rtl, key=lambda ly: ly["speedup_e2e"])
        rows.append(f"| {name} | {run.get('density_mode', 'tuned')} | "
                    f"{t['measured_over_ideal']:.3f} | {t['speedup_vs_dense']:.2f}x | "
                    f"**{t['speedup_e2e']:.2f}x** | {slow['speedup_e2e']:.2f}x "
                    f"({slow['name']}) | {sum(ly['passes'] for ly in rtl)} | "
                    f"{run['energy']['ratio_dense']:.2f}x |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if a marked block is stale")
    ap.add_argument("--run", metavar="ESCALATE", help="re-run this escalate binary first")
    a = ap.parse_args()
    if a.run:
        refresh(a.run)
    with open(ARTEFACT) as f:
        values = blocks(json.load(f))
    with open(FMNIST) as f:
        values.update(fmnist_blocks(json.load(f)))
    values["density-modes"] = modes_block()
    stale, used = [], set()
    for rel in DOCS:
        with open(os.path.join(ROOT, rel)) as f:
            used |= set(re.findall(r"<!-- BEGIN run:([\w-]+) -->", f.read()))
    if used != set(values):
        print("docs_from_run: blocks never placed in " + ", ".join(DOCS) + ": " +
              ", ".join(sorted(set(values) - used)), file=sys.stderr)
        return 1
    for rel in DOCS:
        path = os.path.join(ROOT, rel)
        with open(path) as f:
            old = f.read()
        new = render(old, values, rel)
        if new == old:
            continue
        if a.check:
            stale.append(rel)
        else:
            with open(path, "w") as f:
                f.write(new)
    if stale:
        print("docs_from_run: " + ", ".join(stale) + " disagree with " +
              ", ".join(os.path.relpath(a, ROOT) for a in RUNS) +
              "; run `python3 scripts/docs_from_run.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
