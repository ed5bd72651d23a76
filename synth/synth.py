#!/usr/bin/env python3
"""ESCALATE area flow on Yosys 0.23: synthesise, check, and report area.

Sub-commands (all runnable on their own, from any directory):

  run       synthesise one top (default esc_top) at chosen parameters, check it (no latches,
            no combinational loops, no undriven nets) and write report.{md,json}
  guard     run the default configuration and compare its kGE / memory bits with the
            committed baseline (synth/baseline.json); fail on > 5 % growth
  expect    run a deliberately broken module and pass only if the named check fires
  sweep     parameter sweep (lanes L, M_MAX, coefficient width, T): table + SVG plot
  netlist   write a Verilator-simulatable gate-level netlist of a small esc_top

Flow per top (see docs/area.md for the reasoning):
  read_verilog -sv -DSYNTHESIS -Irtl/prim esc_pkg.sv + the modules the top needs
  chparam; hierarchy -check; synth -run begin:fine   (proc .. memory -nomap: RAMs stay $mem_v2)
  latch check; memory_map only for small register files (depth <= --rf-depth)
  techmap; dfflegalize to $_DFF_P_/$_DFF_PN0_/$_DFF_PN1_ (+ gates for enables / sync resets)
  abc -g <gate set with a NanGate45 counterpart for every gate>; check -assert
  stat / stat -tech cmos / write_json  ->  per-module breakdown computed here
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# ESC_RTL_DIR points the flow at another RTL tree (e.g. a copy with an injected bug).
RTL = os.environ.get("ESC_RTL_DIR", os.path.join(ROOT, "rtl"))
PKG = os.path.join(RTL, "esc_pkg.sv")
# Primitives (RAM, FIFO, stream register) and the assertion header live in rtl/prim/.
RTL_PRIM = os.path.join(RTL, "prim")
EXTRA_SRC = [os.path.join(HERE, "esc_dense_ref.sv")]
BASELINE = os.path.join(HERE, "baseline.json")

# ---------------------------------------------------------------------------------------------
# Area model (justified in docs/area.md)
# ---------------------------------------------------------------------------------------------
# NAND2 gate equivalents per Yosys internal cell, from the cell areas of the public NanGate
# FreePDK45 Open Cell Library (X1 drive): NAND2_X1 = 0.798 um^2 = 1 GE.
NAND2_UM2 = 0.798
GE = {
    "$_BUF_": 0.798 / NAND2_UM2,  # BUF_X1
    "$_NOT_": 0.532 / NAND2_UM2,  # INV_X1
    "$_NAND_": 0.798 / NAND2_UM2,  # NAND2_X1
    "$_NOR_": 0.798 / NAND2_UM2,  # NOR2_X1
    "$_AND_": 1.064 / NAND2_UM2,  # AND2_X1
    "$_OR_": 1.064 / NAND2_UM2,  # OR2_X1
    "$_XOR_": 1.596 / NAND2_UM2,  # XOR2_X1
    "$_XNOR_": 1.596 / NAND2_UM2,  # XNOR2_X1
    "$_MUX_": 1.862 / NAND2_UM2,  # MUX2_X1
    "$_AOI3_": 1.064 / NAND2_UM2,  # AOI21_X1
    "$_OAI3_": 1.064 / NAND2_UM2,  # OAI21_X1
    "$_AOI4_": 1.330 / NAND2_UM2,  # AOI22_X1
    "$_OAI4_": 1.330 / NAND2_UM2,  # OAI22_X1
    "$_DFF_P_": 4.522 / NAND2_UM2,  # DFF_X1
    "$_DFF_PN0_": 5.320 / NAND2_UM2,  # DFFR_X1
    "$_DFF_PN1_": 5.320 / NAND2_UM2,  # DFFS_X1
    "$_DLATCH_P_": 2.660 / NAND2_UM2,  # DLH_X1 (never expected: the flow rejects latches)
    "$_DLATCH_N_": 2.660 / NAND2_UM2,
}
# Gate set handed to ABC: every gate has a NanGate45 X1 cell (no ANDNOT/ORNOT/NMUX there).
ABC_GATES = "AND,NAND,OR,NOR,XOR,XNOR,MUX,AOI3,OAI3,AOI4,OAI4"
FLOP_TYPES = ("$_DFF_P_", "$_DFF_PN0_", "$_DFF_PN1_")
LATCH_TYPES = ("$_DLATCH_P_", "$_DLATCH_N_")
# Yosys 0.23 `stat -tech cmos` transistor table (kernel/cost.h); it has no entry for flops
# with an asynchronous reset/set, which we count as a DFF (16) plus 4 transistors for the
# reset gating of the master and slave loops (NAND/NOR instead of INV in both loops).
CMOS = {
    "$_BUF_": 1, "$_NOT_": 2, "$_AND_": 6, "$_NAND_": 4, "$_OR_": 6, "$_NOR_": 4,
    "$_ANDNOT_": 6, "$_ORNOT_": 6, "$_XOR_": 12, "$_XNOR_": 12, "$_AOI3_": 6, "$_OAI3_": 6,
    "$_AOI4_": 8, "$_OAI4_": 8, "$_MUX_": 12, "$_NMUX_": 10, "$_DFF_P_": 16, "$_DFF_N_": 16,
}
CMOS_ASYNC_FLOP = 20

# SRAM density model: Intel 45 nm 6T bitcell, 0.346 um^2 (Mistry et al., IEDM 2007), the same
# node as the NanGate45 logic weights. Macro area = bits * cell / array efficiency, with the
# efficiency (fraction of the macro that is bitcells; the rest is decoders, sense amps, write
# drivers, control) falling for small macros.
BITCELL_UM2 = 0.346
SRAM_NODE = "45 nm"


def sram_efficiency(bits):
    if bits >= 64 * 1024:
        return 0.70
    if bits >= 4 * 1024:
        return 0.50
    return 0.35


# Logic placed at 70 % utilisation: um^2 = GE * 0.798 / 0.7
LOGIC_UTIL = 0.70


class FlowError(Exception):
    def __init__(self, kind, msg):
        super().__init__(msg)
        self.kind = kind  # "latch", "check", "yosys", "timeout"


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------
def module_files(extra):
    """Map module name -> file for rtl/*.sv, rtl/prim/*.sv and the extra sources."""
    files = sorted(
        os.path.join(d, f)
        for d in (RTL, RTL_PRIM) if os.path.isdir(d)
        for f in os.listdir(d) if f.endswith(".sv") and f != "esc_pkg.sv"
    )
    files += [f for f in EXTRA_SRC + list(extra) if f not in files]
    mods = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        for m in re.finditer(r"^\s*module\s+(\w+)", text, re.M):
            mods[m.group(1)] = f
    return mods


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def source_closure(top, extra):
    """Files needed by `top` (so half-written unrelated files do not break the flow)."""
    mods = module_files(extra)
    if top not in mods:
        raise FlowError("yosys", f"module {top} not found in rtl/ or {extra}")
    need, todo = [], [top]
    while todo:
        m = todo.pop()
        f = mods[m]
        if f in need:
            continue
        need.append(f)
        with open(f, encoding="utf-8") as fh:
            body = strip_comments(fh.read())
        for inst in re.finditer(r"\b(\w+)\s*(?:#\s*\(|\w+\s*\()", body):
            name = inst.group(1)
            if name in mods and name != m and mods[name] not in need:
                todo.append(name)
    return need


def package_copy(overrides, tmpdir):
    """esc_pkg.sv with localparam overrides (e.g. MaxKernel) for experiments."""
    if not overrides:
        return PKG
    with open(PKG, encoding="utf-8") as fh:
        text = fh.read()
    for name, value in overrides.items():
        pat = re.compile(r"(localparam\s+int\s+unsigned\s+" + name + r"\s*=\s*)([^;]+);")
        if not pat.search(text):
            raise FlowError("yosys", f"package parameter {name} not found in esc_pkg.sv")
        text = pat.sub(lambda mo: mo.group(1) + str(value) + ";", text, count=1)
    path = os.path.join(tmpdir, "esc_pkg.sv")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def read_pkg_param(name):
    with open(PKG, encoding="utf-8") as fh:
        m = re.search(r"localparam\s+int\s+unsigned\s+" + name + r"\s*=\s*(\d+)", fh.read())
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------------
# Yosys
# ---------------------------------------------------------------------------------------------
LATCH_SEL = "t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*"


def yosys_script(top, files, pkg, params, outdir, rf_depth, netlist=None, map_all_mem=False,
                 abc_fast=True):
    s = [f"read_verilog -sv -DSYNTHESIS -I{RTL_PRIM} {pkg} " + " ".join(files)]
    for k, v in params.items():
        s.append(f"chparam -set {k} {v} {top}")
    s += [
        f"hierarchy -check -top {top}",
        f"synth -top {top} -run begin:coarse",
        "proc",
        # Early structural check on the elaborated RTL (undriven / multiply driven nets, loops)
        # before opt can fold an undriven net into a constant and hide it.
        "log ESC_CHECK_DESIGN",
        "check -assert",
        "log ESC_CHECK_DESIGN_DONE",
        f"synth -top {top} -run coarse:fine",
        "log ESC_CHECK_LATCH",
        f"select -assert-none {LATCH_SEL}",
        "log ESC_CHECK_LATCH_DONE",
    ]
    if map_all_mem:
        s.append("memory_map")
    elif rf_depth > 0:
        # Small register files (FIFO slots, ...) become flops; deeper arrays stay RAM macros.
        s.append(f"memory_map t:$mem_v2 r:SIZE<={rf_depth} %i")
    s += [
        "opt -fast -full",
        "techmap",
        "opt -fast",
        "dfflegalize -cell $_DFF_P_ x -cell $_DFF_PN0_ x -cell $_DFF_PN1_ x",
        f"abc -g {ABC_GATES}" + (" -fast" if abc_fast else ""),
        "opt_clean",
        "log ESC_CHECK_LATCH",
        f"select -assert-none {LATCH_SEL}",
        "log ESC_CHECK_LATCH_DONE",
        "log ESC_CHECK_DESIGN",
        "hierarchy -check",
        "check -assert",
        "log ESC_CHECK_DESIGN_DONE",
        f"tee -q -o {outdir}/stat.txt stat -top {top}",
        f"tee -q -o {outdir}/stat_cmos.txt stat -tech cmos -top {top}",
    ]
    if netlist:
        s.append(f"write_verilog -noattr {netlist}")
    # The INIT parameter of a big $mem_v2 is SIZE*WIDTH bits of 'x': drop it before the JSON
    # (after retyping the cell, since a $mem_v2 without INIT fails the internal cell check).
    s.append("chtype -set esc_ram_macro t:$mem_v2")
    s.append("setparam -unset INIT t:esc_ram_macro")
    s.append(f"write_json {outdir}/netlist.json")
    return "\n".join(s) + "\n"


def run_yosys(script, outdir, timeout):
    ys = os.path.join(outdir, "flow.ys")
    with open(ys, "w", encoding="utf-8") as fh:
        fh.write(script)
    log = os.path.join(outdir, "yosys.log")
    t0 = time.time()
    try:
        proc = subprocess.run(
            ["yosys", "-q", "-l", log, ys],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            text=True,
        )
    except subprocess.TimeoutExpired as exc:
        raise FlowError("timeout", f"yosys timed out after {timeout} s (log: {log})") from exc
    runtime = time.time() - t0
    if proc.returncode != 0:
        with open(log, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        markers = re.findall(r"ESC_CHECK_\w+", text)
        last = markers[-1] if markers else ""
        err = re.findall(r"^ERROR:.*$", text, re.M)
        err = err[-1] if err else proc.stderr.strip()[-500:]
        if last == "ESC_CHECK_LATCH" or "Latch inferred" in text:
            raise FlowError("latch", f"latch found: {err} (log: {log})")
        if last == "ESC_CHECK_DESIGN":
            warns = re.findall(r"^Warning:.*$", text[text.rfind("ESC_CHECK_DESIGN"):], re.M)
            raise FlowError("check", f"check -assert failed: {'; '.join(warns[:5])} {err}")
        raise FlowError("yosys", f"yosys failed: {err} (log: {log})")
    return runtime


# ---------------------------------------------------------------------------------------------
# Netlist analysis
# ---------------------------------------------------------------------------------------------
def pretty_module(name):
    """'$paramod$abc\\esc_prim_ram_1r1w\\Depth=...' -> 'esc_prim_ram_1r1w(Depth=...)'."""
    if not name.startswith("$paramod"):
        return name
    parts = name.split("\\")
    base = parts[1] if len(parts) > 1 else name
    params = [p for p in parts[2:] if p]
    vals = []
    for p in params:
        k, _, v = p.partition("=")
        if re.fullmatch(r"32'[01]+", v):
            v = str(int(v[3:], 2))
        vals.append(f"{k}={v}")
    return base + (f"({','.join(vals)})" if vals else "")


def mem_info(cell):
    p = cell["parameters"]

    def num(v):
        return int(v, 2) if isinstance(v, str) else int(v)

    size, width = num(p["SIZE"]), num(p["WIDTH"])
    rd, wr = num(p["RD_PORTS"]), num(p["WR_PORTS"])
    rclk = p.get("RD_CLK_ENABLE", "0")
    sync = all(ch == "1" for ch in str(rclk)) if rd else True
    return {"depth": size, "width": width, "bits": size * width, "rd_ports": rd,
            "wr_ports": wr, "sync_read": sync}


def sram_um2(bits):
    return bits * BITCELL_UM2 / sram_efficiency(bits)


def analyse(netlist_json, top):
    with open(netlist_json, encoding="utf-8") as fh:
        design = json.load(fh)["modules"]
    own = {}
    for mname, mod in design.items():
        cells, insts, mems, unknown = {}, [], [], {}
        for cname, cell in mod.get("cells", {}).items():
            t = cell["type"]
            if t in design:
                insts.append((cname, t))
            elif t in ("$mem_v2", "esc_ram_macro"):
                info = mem_info(cell)
                info["name"] = cname.lstrip("\\")
                mems.append(info)
            else:
                cells[t] = cells.get(t, 0) + 1
                if t not in GE:
                    unknown[t] = unknown.get(t, 0) + 1
        if unknown:
            raise FlowError("yosys", f"no GE weight for cell types {unknown} in {mname}")
        own[mname] = {
            "cells": cells,
            "insts": insts,
            "mems": mems,
            "ge": sum(GE[t] * n for t, n in cells.items()),
            "flops": sum(n for t, n in cells.items() if t in FLOP_TYPES),
            "latches": sum(n for t, n in cells.items() if t in LATCH_TYPES),
            "cmos_yosys": sum(CMOS.get(t, 0) * n for t, n in cells.items()),
            "cmos": sum(CMOS.get(t, CMOS_ASYNC_FLOP if t in FLOP_TYPES else 0) * n
                        for t, n in cells.items()),
        }

    totals = {}

    def total(mname):
        if mname in totals:
            return totals[mname]
        o = own[mname]
        t = {k: o[k] for k in ("ge", "flops", "latches", "cmos", "cmos_yosys")}
        t["cells"] = dict(o["cells"])
        t["mem_bits"] = sum(m["bits"] for m in o["mems"])
        t["sram_um2"] = sum(sram_um2(m["bits"]) for m in o["mems"])
        for _, sub in o["insts"]:
            st = total(sub)
            for k in ("ge", "flops", "latches", "cmos", "cmos_yosys", "mem_bits", "sram_um2"):
                t[k] += st[k]
            for ct, n in st["cells"].items():
                t["cells"][ct] = t["cells"].get(ct, 0) + n
        totals[mname] = t
        return t

    top_key = top if top in design else next(
        (k for k in design if pretty_module(k).split("(")[0] == top), None)
    if top_key is None:
        raise FlowError("yosys", f"top {top} not in netlist")

    def tree(mname, path, depth, name):
        t = total(mname)
        node = {
            "path": path,
            "name": name,
            "module": pretty_module(mname),
            "kge": t["ge"] / 1000.0,
            "own_kge": own[mname]["ge"] / 1000.0,
            "own_flops": own[mname]["flops"],
            "own_mem_bits": sum(m["bits"] for m in own[mname]["mems"]),
            "own_cmos": own[mname]["cmos"],
            "flops": t["flops"],
            "mem_bits": t["mem_bits"],
            "cmos": t["cmos"],
            "children": [],
        }
        for cname, sub in sorted(own[mname]["insts"]):
            inst = cname.lstrip("\\")
            node["children"].append(tree(sub, path + "." + inst, depth + 1, inst))
        return node

    memories = []

    def collect_mems(mname, path):
        for m in own[mname]["mems"]:
            mm = dict(m)
            mm["path"] = path + "." + m["name"]
            mm["sram_um2"] = sram_um2(m["bits"])
            mm["efficiency"] = sram_efficiency(m["bits"])
            memories.append(mm)
        for cname, sub in own[mname]["insts"]:
            collect_mems(sub, path + "." + cname.lstrip("\\"))

    collect_mems(top_key, top)
    t = total(top_key)
    per_type = {}
    for mname in own:
        per_type[pretty_module(mname)] = {
            "own_kge": own[mname]["ge"] / 1000.0,
            "own_flops": own[mname]["flops"],
            "own_mem_bits": sum(m["bits"] for m in own[mname]["mems"]),
        }
    return {
        "top": top,
        "kge": t["ge"] / 1000.0,
        "flops": t["flops"],
        "latches": t["latches"],
        "cells": dict(sorted(t["cells"].items())),
        "transistors": t["cmos"],
        "transistors_yosys_cmos": t["cmos_yosys"],
        "mem_bits": t["mem_bits"],
        "sram_um2": t["sram_um2"],
        "logic_um2": t["ge"] * NAND2_UM2 / LOGIC_UTIL,
        "memories": memories,
        "hierarchy": tree(top_key, top, 0, top),
        "modules": per_type,
    }


def yosys_cmos_total(path):
    """Last 'Estimated number of transistors' in a stat -tech cmos -top log (hierarchy total)."""
    try:
        with open(path, encoding="utf-8") as fh:
            vals = re.findall(r"Estimated number of transistors:\s+(\d+)(\+?)", fh.read())
    except OSError:
        return None
    if not vals:
        return None
    return {"value": int(vals[-1][0]), "incomplete": vals[-1][1] == "+"}


def run_flow(top="esc_top", params=None, pkg=None, outdir=None, extra=(), rf_depth=32,
             timeout=1800, netlist=None, map_all_mem=False, keep=False, abc_fast=True):
    params = dict(params or {})
    temp = outdir is None
    outdir = outdir or tempfile.mkdtemp(prefix=f"esc_synth_{top}_")
    os.makedirs(outdir, exist_ok=True)
    files = source_closure(top, extra)
    pkg_path = package_copy(pkg or {}, outdir)
    script = yosys_script(top, files, pkg_path, params, outdir, rf_depth, netlist, map_all_mem,
                          abc_fast)
    runtime = run_yosys(script, outdir, timeout)
    res = analyse(os.path.join(outdir, "netlist.json"), top)
    res["params"] = params
    res["pkg_overrides"] = pkg or {}
    res["runtime_s"] = round(runtime, 1)
    res["rf_depth"] = rf_depth
    res["abc_fast"] = abc_fast
    res["yosys_cmos"] = yosys_cmos_total(os.path.join(outdir, "stat_cmos.txt"))
    res["sources"] = [os.path.relpath(f, ROOT) for f in files]
    if temp:
        shutil.rmtree(outdir, ignore_errors=True)  # kept on failure for the log
    elif not keep:
        try:
            os.remove(os.path.join(outdir, "netlist.json"))
        except OSError:
            pass
    return res


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------
def fmt_bits(b):
    return f"{b / 1024:.1f} kbit" if b >= 1024 else f"{b} bit"


def tree_rows(node, depth, max_depth, rows):
    rows.append((depth, node))
    if depth < max_depth:
        for c in node["children"]:
            tree_rows(c, depth + 1, max_depth, rows)
    return rows


def markdown(res, title=None, max_depth=2):
    L = []
    L.append(f"## {title or res['top']}")
    L.append("")
    params = ", ".join(f"{k}={v}" for k, v in res["params"].items()) or "package defaults"
    pk = ", ".join(f"esc_pkg::{k}={v}" for k, v in res["pkg_overrides"].items())
    L.append(f"Parameters: {params}{'; ' + pk if pk else ''}. Yosys 0.23, runtime "
             f"{res['runtime_s']} s; memories with depth <= {res['rf_depth']} mapped to flops, "
             "deeper ones kept as RAM macros.")
    L.append("")
    L.append("| metric | value |")
    L.append("| --- | --- |")
    L.append(f"| logic | **{res['kge']:.2f} kGE** (NAND2 = 1) |")
    L.append(f"| transistors (`stat -tech cmos` + async-reset flops) | {res['transistors']:,} |")
    yc = res.get("yosys_cmos")
    if yc:
        L.append(f"| transistors as printed by Yosys (no async-reset flops) | "
                 f"{yc['value']:,}{'+' if yc['incomplete'] else ''} |")
    L.append(f"| flip-flops | {res['flops']:,} |")
    L.append(f"| latches | {res['latches']} |")
    L.append(f"| RAM bits | {res['mem_bits']:,} ({fmt_bits(res['mem_bits'])}) |")
    L.append(f"| logic area @45 nm, 70 % util. | {res['logic_um2'] / 1e6:.4f} mm^2 |")
    L.append(f"| SRAM area @45 nm (model) | {res['sram_um2'] / 1e6:.4f} mm^2 |")
    L.append("")
    L.append("### Per-module breakdown (hierarchical; every row includes its children)")
    L.append("")
    L.append("| instance | module | kGE | own kGE | flops | RAM bits | transistors |")
    L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for depth, n in tree_rows(res["hierarchy"], 0, max_depth, []):
        name = ("&nbsp;&nbsp;" * depth) + n["name"]
        L.append(f"| {name} | `{n['module']}` | {n['kge']:.2f} | {n['own_kge']:.2f} | "
                 f"{n['flops']:,} | {n['mem_bits']:,} | {n['cmos']:,} |")
    kids = res["hierarchy"]["children"]
    if kids:
        s = sum(c["kge"] for c in kids) + res["hierarchy"]["own_kge"]
        L.append("")
        L.append(f"Check: own logic of `{res['top']}` + children = {s:.2f} kGE "
                 f"= total {res['kge']:.2f} kGE.")
    L.append("")
    L.append("### Cells by type")
    L.append("")
    L.append("| cell | count | GE each | kGE |")
    L.append("| --- | ---: | ---: | ---: |")
    for t, n in res["cells"].items():
        L.append(f"| `{t}` | {n:,} | {GE[t]:.3f} | {GE[t] * n / 1000:.2f} |")
    if res["memories"]:
        L.append("")
        L.append("### Memories (kept as RAM macros)")
        L.append("")
        L.append("| memory | depth x width | bits | ports R/W | read | array eff. | um^2 @45 nm |")
        L.append("| --- | --- | ---: | --- | --- | ---: | ---: |")
        for m in res["memories"]:
            L.append(f"| `{m['path']}` | {m['depth']} x {m['width']} | {m['bits']:,} | "
                     f"{m['rd_ports']}/{m['wr_ports']} | {'sync' if m['sync_read'] else 'ASYNC'} | "
                     f"{m['efficiency']:.2f} | {m['sram_um2']:,.0f} |")
    L.append("")
    return "\n".join(L)


def write_reports(res, outdir, stem="report", title=None):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, stem + ".json"), "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=1)
    with open(os.path.join(outdir, stem + ".md"), "w", encoding="utf-8") as fh:
        fh.write(markdown(res, title))


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
def parse_kv(items):
    out = {}
    for it in items or []:
        k, _, v = it.partition("=")
        if not v:
            raise SystemExit(f"expected NAME=VALUE, got {it}")
        out[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    return out


def cmd_run(a):
    try:
        res = run_flow(a.top, parse_kv(a.set), parse_kv(a.pkg), a.work, a.src, a.rf_depth,
                       a.timeout, keep=a.keep, abc_fast=a.abc_fast)
    except FlowError as e:
        print(f"FAIL ({e.kind}): {e}", file=sys.stderr)
        return 2
    write_reports(res, a.out, a.stem)
    print(f"{a.top}: {res['kge']:.2f} kGE, {res['flops']} flops, {res['mem_bits']} RAM bits, "
          f"{res['transistors']} transistors, {res['runtime_s']} s -> {a.out}/{a.stem}.md")
    return 0


def cmd_expect(a):
    """Pass only if the flow fails with the expected kind (proves the check can fire)."""
    try:
        run_flow(a.top, {}, {}, a.work, a.src, a.rf_depth, a.timeout, abc_fast=True)
    except FlowError as e:
        if e.kind == a.kind:
            print(f"OK: {a.top} rejected as expected ({e.kind}): {e}")
            return 0
        print(f"FAIL: {a.top} rejected for the wrong reason ({e.kind}): {e}", file=sys.stderr)
        return 1
    print(f"FAIL: {a.top} passed the flow but a '{a.kind}' failure was expected", file=sys.stderr)
    return 1


def cmd_guard(a):
    with open(a.baseline, encoding="utf-8") as fh:
        base = json.load(fh)
    try:
        if a.from_report:
            with open(a.from_report, encoding="utf-8") as fh:
                res = json.load(fh)
            # The report must come from the configuration the baseline describes.
            want = {"top": base["top"], "params": base.get("params", {}),
                    "pkg_overrides": base.get("pkg_overrides", {}),
                    "rf_depth": base.get("rf_depth", 32), "abc_fast": base.get("abc_fast", True)}
            got = {k: res.get(k) for k in want}
            if got != want:
                print(f"FAIL: report configuration {got} != baseline {want}", file=sys.stderr)
                return 2
        else:
            res = run_flow(base["top"], base.get("params", {}), base.get("pkg_overrides", {}),
                       a.work, (), base.get("rf_depth", 32), a.timeout,
                       abc_fast=base.get("abc_fast", True))
    except FlowError as e:
        print(f"FAIL ({e.kind}): {e}", file=sys.stderr)
        return 2
    if a.update:
        base.update({"kge": round(res["kge"], 3), "mem_bits": res["mem_bits"],
                     "flops": res["flops"],
                     "blocks_kge": {c["name"]: round(c["kge"], 3)
                                    for c in res["hierarchy"]["children"]}})
        with open(a.baseline, "w", encoding="utf-8") as fh:
            json.dump(base, fh, indent=1)
            fh.write("\n")
        print(f"baseline updated: {res['kge']:.3f} kGE, {res['mem_bits']} RAM bits")
        return 0
    tol = base.get("tolerance", 0.05)
    ok = True
    for key in ("kge", "mem_bits"):
        old, new = base[key], res[key]
        growth = (new - old) / old if old else (math.inf if new else 0.0)
        verdict = "OK" if growth <= tol else "FAIL"
        ok &= growth <= tol
        print(f"{verdict}: {key} {old} -> {new:.3f} ({growth * 100:+.2f} %, limit +{tol * 100:.0f} %)"
              if isinstance(new, float) else
              f"{verdict}: {key} {old} -> {new} ({growth * 100:+.2f} %, limit +{tol * 100:.0f} %)")
        if growth < -tol:
            print(f"note: {key} shrank by more than {tol * 100:.0f} %: consider "
                  "`synth/synth.py guard --update` to tighten the baseline")
    for c in res["hierarchy"]["children"]:
        name = c["name"]
        old = base.get("blocks_kge", {}).get(name)
        if old:
            print(f"  {name}: {old} -> {c['kge']:.3f} kGE ({(c['kge'] - old) / old * 100:+.1f} %)")
    if not ok:
        print("Area grew beyond the limit. If intended, run `synth/synth.py guard --update` and "
              "commit synth/baseline.json in the same change.", file=sys.stderr)
    return 0 if ok else 1


# The small esc_top of the gate-level flow; the 4-state replay (scripts/icarus_replay.py and
# esc_top_model_small in tb/CMakeLists.txt) uses the same set and checks that it does.
NETLIST_PARAMS = {"MaxChannels": 16, "MaxFilters": 16, "IfmapBytes": 1024, "CoefDepth": 64}


def cmd_netlist(a):
    params = dict(NETLIST_PARAMS)
    params.update(parse_kv(a.set))
    out = os.path.abspath(a.output)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    try:
        res = run_flow(a.top, params, parse_kv(a.pkg), a.work, (), a.rf_depth, a.timeout,
                       netlist=out, map_all_mem=not a.keep_mem, abc_fast=True)
    except FlowError as e:
        print(f"FAIL ({e.kind}): {e}", file=sys.stderr)
        return 2
    if a.lint:
        # The netlist must be accepted by Verilator as tb/ would use it (see docs/area.md).
        cmd = ["verilator", "--lint-only", "-Wno-fatal", "-Wno-lint", "-Wno-style",
               "--top-module", a.top, out]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"FAIL: verilator rejects the netlist:\n{proc.stderr[-2000:]}", file=sys.stderr)
            return 1
        print("verilator --lint-only: netlist accepted")
    print(f"netlist {out}: {res['kge']:.2f} kGE, {res['flops']} flops, "
          f"{res['mem_bits']} RAM bits left behavioural, {res['runtime_s']} s")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, top="esc_top"):
        p.add_argument("--top", default=top)
        p.add_argument("--work", default=None, help="Yosys work dir (default: temp)")
        p.add_argument("--src", action="append", default=[], help="extra source file")
        p.add_argument("--rf-depth", type=int, default=32,
                       help="memories up to this depth become flops (register files)")
        p.add_argument("--timeout", type=int, default=1800)
        p.add_argument("--abc-full", dest="abc_fast", action="store_false",
                       help="full ABC script (much slower on big arithmetic, ~13 %% fewer gates)")

    p = sub.add_parser("run")
    common(p)
    p.add_argument("--set", action="append", help="top parameter NAME=VALUE (chparam)")
    p.add_argument("--pkg", action="append", help="esc_pkg localparam override NAME=VALUE")
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--stem", default="report")
    p.add_argument("--keep", action="store_true", help="keep netlist.json in --work")
    p.set_defaults(fn=cmd_run)

    p = sub.add_parser("expect")
    common(p)
    p.add_argument("--kind", required=True, choices=["latch", "check"])
    p.set_defaults(fn=cmd_expect)

    p = sub.add_parser("guard")
    p.add_argument("--baseline", default=BASELINE)
    p.add_argument("--update", action="store_true")
    p.add_argument("--from-report", help="use this report.json instead of synthesising")
    p.add_argument("--work", default=None)
    p.add_argument("--timeout", type=int, default=1800)
    p.set_defaults(fn=cmd_guard)

    p = sub.add_parser("netlist")
    common(p)
    p.add_argument("--set", action="append")
    p.add_argument("--pkg", action="append")
    p.add_argument("--keep-mem", action="store_true",
                   help="leave RAMs as behavioural arrays instead of flops")
    p.add_argument("-o", "--output", default=os.path.join(HERE, "out", "esc_top_gl.v"))
    p.add_argument("--lint", action="store_true", help="verilator --lint-only the netlist")
    p.set_defaults(fn=cmd_netlist)

    p = sub.add_parser("doc", help="write docs/area.md (default configuration + dense)")
    p.add_argument("-o", "--output", default=os.path.join(ROOT, "docs", "area.md"))
    p.add_argument("--sweep-json", default=os.path.join(HERE, "results", "sweep.json"))
    p.add_argument("--run-report", default=os.path.join(HERE, "results", "resnet18_run.json"),
                   help="JSON of `escalate run --json` for the measured speedup")
    p.add_argument("--reuse", action="store_true",
                   help="reuse synth/out/doc_{top,dense}.json of the previous doc run")
    p.set_defaults(fn=lambda a: (__import__("area_doc").generate(a.output, a.sweep_json,
                                                                 a.run_report, a.reuse), 0)[1])

    p = sub.add_parser("sweep")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--timeout", type=int, default=3600)
    p.add_argument("--quick", action="store_true", help="fewer points (for CI)")
    p.set_defaults(fn=lambda a: __import__("sweep").cmd_sweep(a))

    a = ap.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    sys.exit(main())
