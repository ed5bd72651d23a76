"""Parameter sweep for the area report: one parameter at a time around the default.

The points are the configuration matrix rtl/esc_configs.json (L, M_MAX, COEF_W, T through
chparam on esc_top), the same builds that CI lints and simulates against the golden model, so
the sweep publishes only configurations that pass. Writes sweep.json, sweep.md and sweep.svg
(plain SVG, no matplotlib needed).
"""

import json
import os
import sys
import time

import synth

with open(os.path.join(synth.RTL, "esc_configs.json"), encoding="utf-8") as _fh:
    MATRIX = json.load(_fh)["sweeps"]
# (label, kind, parameter, values): every matrix value plus the default, for the plot.
SWEEPS = [(s["label"], "set", s["param"],
           sorted(set(s["values"]) | {synth.read_pkg_param(s["param"])})) for s in MATRIX]
QUICK = [sw for sw in SWEEPS if sw[0] in ("L", "T")]
COLORS = {"total": "#222222", "u_bcu": "#1f77b4", "u_cau": "#d62728", "other": "#2ca02c"}


def defaults():
    return {s["param"]: synth.read_pkg_param(s["param"]) for s in MATRIX}


def run_point(kind, name, value, timeout):
    params, pkg = {}, {}
    (params if kind == "set" else pkg)[name] = value
    res = synth.run_flow("esc_top", params, pkg, None, (), 32, timeout)
    blocks = {c["name"]: round(c["kge"], 3) for c in res["hierarchy"]["children"]}
    return {
        "kge": round(res["kge"], 3),
        "flops": res["flops"],
        "mem_bits": res["mem_bits"],
        "sram_mm2": round(res["sram_um2"] / 1e6, 4),
        "logic_mm2": round(res["logic_um2"] / 1e6, 4),
        "transistors": res["transistors"],
        "blocks_kge": blocks,
        "runtime_s": res["runtime_s"],
    }


def svg_plot(points, path):
    """Four small panels (one per swept parameter): kGE of the top, BCU, CAU and the rest."""
    groups = []
    for label in dict.fromkeys(p["label"] for p in points):
        groups.append((label, [p for p in points if p["label"] == label]))
    pw, ph, ml, mt, gap = 260, 200, 55, 40, 30
    width = ml + len(groups) * (pw + gap) + 130
    height = mt + ph + 60
    ymax = max(p["kge"] for p in points) * 1.1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="14">'
           'ESCALATE esc_top logic area (kGE) vs parameters, one at a time around the default'
           '</text>']

    def series(p, key):
        if key == "total":
            return p["kge"]
        if key == "other":
            return p["kge"] - p["blocks_kge"].get("u_bcu", 0) - p["blocks_kge"].get("u_cau", 0)
        return p["blocks_kge"].get(key, 0)

    for gi, (label, pts) in enumerate(groups):
        x0 = ml + gi * (pw + gap)
        out.append(f'<rect x="{x0}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
        out.append(f'<text x="{x0 + pw / 2}" y="{mt + ph + 35}" text-anchor="middle">{label}</text>')
        for k in range(5):
            yv = ymax * k / 4
            yy = mt + ph - ph * k / 4
            out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{yy}" y2="{yy}" stroke="#eee"/>')
            if gi == 0:
                out.append(f'<text x="{x0 - 5}" y="{yy + 4}" text-anchor="end">{yv:.0f}</text>')
        n = len(pts)
        xs = [x0 + pw * (i + 0.5) / n for i in range(n)]
        for i, p in enumerate(pts):
            out.append(f'<text x="{xs[i]}" y="{mt + ph + 15}" text-anchor="middle">{p["value"]}'
                       '</text>')
        for key, color in COLORS.items():
            coords = [(xs[i], mt + ph - ph * series(p, key) / ymax) for i, p in enumerate(pts)]
            out.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                color, " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)))
            for x, y in coords:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
    lx = ml + len(groups) * (pw + gap)
    for i, (key, color) in enumerate(COLORS.items()):
        name = {"total": "esc_top", "u_bcu": "BCU", "u_cau": "CAU (back end)",
                "other": "rest"}[key]
        out.append(f'<rect x="{lx}" y="{mt + 10 + i * 18}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{lx + 18}" y="{mt + 20 + i * 18}">{name}</text>')
    out.append(f'<text x="14" y="{mt + ph / 2}" transform="rotate(-90 14 {mt + ph / 2})" '
               'text-anchor="middle">kGE (NAND2 = 1)</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def commit():
    import subprocess
    res = subprocess.run(["git", "-C", synth.ROOT, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return res.stdout.strip() or "unknown"


def markdown(points, dflt):
    blocks = sorted({b for p in points for b in p["blocks_kge"]})
    L = ["# ESCALATE area sweep (esc_top, Yosys 0.23)", "",
         "One parameter at a time around the default "
         + ", ".join(f"{k}={v}" for k, v in dflt.items())
         + ". Logic in kGE (NAND2 = 1, weights in docs/area.md); RAM in bits and mm^2 at 45 nm "
         "(SRAM model in docs/area.md). Regenerate with `synth/synth.py sweep`.", "",
         f"Measured at commit `{commit()}`; every point is an entry of the configuration matrix "
         "(`rtl/esc_configs.json`) that CI lints and simulates bit-exactly.", "",
         "![sweep](sweep.svg)", "",
         "| parameter | value | total kGE | " + " | ".join(blocks)
         + " | flops | RAM bits | SRAM mm^2 | logic mm^2 | runtime s |",
         "| --- | ---: | ---: | " + " | ".join("---:" for _ in blocks)
         + " | ---: | ---: | ---: | ---: | ---: |"]
    for p in points:
        L.append(f"| {p['label']} | {p['value']} | {p['kge']:.1f} | "
                 + " | ".join(f"{p['blocks_kge'].get(b, 0):.1f}" for b in blocks)
                 + f" | {p['flops']:,} | {p['mem_bits']:,} | {p['sram_mm2']:.3f} | "
                 f"{p['logic_mm2']:.3f} | {p['runtime_s']} |")
    return "\n".join(L) + "\n"


# Synthesis order: the default first, then the most informative points, so that an
# interrupted sweep still leaves a useful (and clearly incomplete) table behind.
PRIORITY = [("NumCoefLanes", 4), ("NumCoefLanes", 16), ("NumPixLanes", 2), ("NumPixLanes", 8),
            ("CoefWidth", 4), ("MaxBases", 4), ("MaxBases", 16)]


def write_outputs(out, sweeps, cache, dflt):
    points, missing = [], []
    for label, kind, name, values in sweeps:
        for v in values:
            key = None if v == dflt[name] else (name, v)
            if key in cache:
                points.append(dict(cache[key], label=label, param=name, value=v))
            else:
                missing.append(f"{label}={v}")
    with open(os.path.join(out, "sweep.json"), "w", encoding="utf-8") as fh:
        json.dump({"defaults": dflt, "points": points, "missing": missing}, fh, indent=1)
    md = markdown(points, dflt)
    if missing:
        md += "\n**Incomplete sweep** (interrupted): missing " + ", ".join(missing) + ".\n"
    with open(os.path.join(out, "sweep.md"), "w", encoding="utf-8") as fh:
        fh.write(md)
    if points:
        svg_plot(points, os.path.join(out, "sweep.svg"))
    return points, missing


def cmd_sweep(a):
    os.makedirs(a.out, exist_ok=True)
    dflt = defaults()
    sweeps = QUICK if a.quick else SWEEPS
    kinds = {name: kind for _, kind, name, _ in sweeps}
    wanted = {(name, v) for _, _, name, vals in sweeps for v in vals if v != dflt[name]}
    order = [None] + [k for k in PRIORITY if k in wanted] + sorted(
        wanted - set(PRIORITY), key=str)
    cache = {}
    t0 = time.time()
    for key in order:
        name, v = key if key else ("NumCoefLanes", dflt["NumCoefLanes"])
        print(f"sweep: {name}={v} ...", flush=True)
        try:
            cache[key] = run_point(kinds.get(name, "set"), name, v, a.timeout)
        except synth.FlowError as e:
            print(f"FAIL ({e.kind}) at {name}={v}: {e}", file=sys.stderr)
            return 2
        points, _ = write_outputs(a.out, sweeps, cache, dflt)
    # Sanity: more lanes must never cost less logic (catches a flow that silently drops logic).
    for label in ("L", "T"):
        pts = [p for p in points if p["label"] == label]
        for p, q in zip(pts, pts[1:]):
            if q["kge"] <= p["kge"]:
                print(f"FAIL: {label}={q['value']} is not larger than {label}={p['value']}",
                      file=sys.stderr)
                return 1
    print(f"sweep: {len(cache)} syntheses in {time.time() - t0:.0f} s -> {a.out}/sweep.md")
    return 0
