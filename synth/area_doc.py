"""Generate docs/area.md: the area report of the default configuration.

    synth/synth.py doc            # synthesises esc_top and esc_dense_ref, writes docs/area.md

The numbers are produced by the flow; the method text below is the documentation of the
weights and models used (kept next to the code that applies them).
"""

import json
import math
import os
import time

import synth
import workload

# Function of every module's OWN logic (children are attributed to their own module).
CATEGORY = {
    "esc_bcu": "BCU", "esc_window_gen": "BCU",
    "esc_cau_lane": "CAU lanes", "esc_prim_field_rd": "CAU lanes",
    "esc_ifmap_buf": "buffers", "esc_basis_buf": "buffers", "esc_zfifo": "buffers",
    "esc_prim_ram_1r1w": "buffers", "esc_prim_fifo": "buffers", "esc_prim_stream_reg": "buffers",
    "esc_psum_bank": "buffers",
    "esc_coef_buf": "buffers",
    "esc_drain": "post-processing", "esc_postproc": "post-processing",
    "esc_ctrl": "controller + registers", "esc_regs": "controller + registers",
    "esc_events": "event counters",
    "esc_top": "glue (top, back-end wrapper)", "esc_cau": "glue (top, back-end wrapper)",
}
ORDER = ["BCU", "CAU lanes", "buffers", "post-processing", "controller + registers",
         "event counters", "glue (top, back-end wrapper)"]


def coef_entry_bits(word_bits, beat_bits=72):
    """Stored entry width of a coefficient-RAM word: the word holds E = fields_per_beat(entry)
    entries (rtl/esc_interface.toml), the largest power of two that fits the load beat."""
    best = word_bits
    for e in (2, 4, 8, 16):
        w = word_bits // e
        if word_bits % e == 0 and w > 0:
            per = 1 << ((beat_bits // w + 1 - 1).bit_length() - 1)
            if per == e:
                best = w
    return best


def categories(node, acc):
    module = node["module"].split("(")[0]
    if module not in CATEGORY:  # a new module must be given a function, not summed as "other"
        raise SystemExit(f"area_doc: module {module} has no category in CATEGORY "
                         "(synth/area_doc.py)")
    cat = CATEGORY[module]
    a = acc.setdefault(cat, {"kge": 0.0, "flops": 0, "mem_bits": 0, "cmos": 0})
    a["kge"] += node["own_kge"]
    a["flops"] += node["own_flops"]
    a["mem_bits"] += node["own_mem_bits"]
    a["cmos"] += node["own_cmos"]
    for c in node["children"]:
        categories(c, acc)
    return acc


def ge_table():
    src = {
        "$_NOT_": "INV_X1 0.532", "$_NAND_": "NAND2_X1 0.798",
        "$_NOR_": "NOR2_X1 0.798", "$_AND_": "AND2_X1 1.064", "$_OR_": "OR2_X1 1.064",
        "$_XOR_": "XOR2_X1 1.596", "$_XNOR_": "XNOR2_X1 1.596", "$_MUX_": "MUX2_X1 1.862",
        "$_AOI3_": "AOI21_X1 1.064", "$_OAI3_": "OAI21_X1 1.064", "$_AOI4_": "AOI22_X1 1.330",
        "$_OAI4_": "OAI22_X1 1.330", "$_DFF_P_": "DFF_X1 4.522", "$_DFF_PN0_": "DFFR_X1 5.320",
        "$_DFF_PN1_": "DFFS_X1 5.320", "$_DLATCH_P_": "DLH_X1 2.660",
    }
    rows = ["| Yosys cell | NanGate45 cell, area um^2 | GE | transistors (cmos) |",
            "| --- | --- | ---: | ---: |"]
    for t, s in src.items():
        cm = synth.CMOS.get(t, synth.CMOS_ASYNC_FLOP if t in synth.FLOP_TYPES else "-")
        rows.append(f"| `{t}` | {s} | {synth.GE[t]:.3f} | {cm} |")
    return "\n".join(rows)


def buffer_need_rows(ifmap_bank, coef_bank, lanes):
    """Per workload: the largest whole-layer need of each pass-sized buffer, at the model's
    uniform density (escalate run's default), and the passes one bank makes that layer take."""
    rows = []
    for name in ("resnet18_cifar10", "vgg16_cifar10", "resnet56_cifar10", "resnet50_imagenet"):
        layers = [ly for ly in workload.read_model(name) if ly["K"] in (1, 3)]
        num = den = 0.0
        for ly in layers:
            ho = (ly["H"] + 2 * ly["pad"] - ly["K"]) // ly["stride"] + 1
            w = ly["N"] * ly["C"] * ly["M"] * ho * ho
            num += ly["density"] * w
            den += w
        d = num / den
        big_x = max(layers, key=lambda ly: ly["C"] * ly["H"] * ly["W"])
        x = big_x["C"] * big_x["H"] * big_x["W"]
        big_c = max(layers, key=lambda ly: ly["N"] * ly["C"] * ly["M"])
        per_lane = d * big_c["N"] * big_c["C"] * big_c["M"] / lanes
        rows.append((name, d, big_x["name"], x, math.ceil(x / ifmap_bank), big_c["name"],
                     per_lane, math.ceil(per_lane / coef_bank)))
    return rows


def generate(out_path, sweep_json=None, run_report=None, reuse=False):
    t0 = time.time()
    out = os.path.join(synth.HERE, "out")
    if reuse:  # reports of the previous doc run (e.g. to add the sweep without re-synthesising)
        with open(os.path.join(out, "doc_top.json"), encoding="utf-8") as fh:
            top = json.load(fh)
        with open(os.path.join(out, "doc_dense.json"), encoding="utf-8") as fh:
            dense = json.load(fh)
    else:
        top = synth.run_flow("esc_top")
        dense = synth.run_flow("esc_dense_ref")
    # Keep the machine-readable reports next to the doc run (baseline updates can reuse them).
    synth.write_reports(top, os.path.join(synth.HERE, "out"), "doc_top")
    synth.write_reports(dense, os.path.join(synth.HERE, "out"), "doc_dense")
    T, L = synth.read_pkg_param("NumPixLanes"), synth.read_pkg_param("NumCoefLanes")
    wl = workload.throughput(workload.read_model("resnet18_cifar10"), T, L)
    cats = categories(top["hierarchy"], {})
    coef_w = coef_entry_bits(
        max((m["width"] for m in top["memories"] if "coef" in m["path"]), default=32))
    total_flow = time.time() - t0 if not reuse else top["runtime_s"] + dense["runtime_s"]

    D = []
    D.append("# ESCALATE area report (default configuration)")
    D.append("")
    D.append("Generated by `synth/synth.py doc` (Yosys 0.23) from the RTL at the time of "
             "writing; regenerate after RTL changes. Method, weights and models are below. "
             "Machine-readable: `synth/synth.py run --out DIR` writes `report.json`.")
    D.append("")
    D.append(f"Configuration: T = {T} pixel lanes, L = {L} coefficient lanes, "
             f"M_MAX = {synth.read_pkg_param('MaxBases')}, COEF_W = "
             f"{synth.read_pkg_param('CoefWidth')}, C_MAX = N_MAX = "
             f"{synth.read_pkg_param('MaxChannels')}, IfmapBytes = "
             f"{synth.read_pkg_param('IfmapBytes')}, CoefDepth = "
             f"{synth.read_pkg_param('CoefDepth')} (the defaults of `rtl/esc_interface.toml`, "
             "generated into `rtl/esc_pkg.sv`).")
    D.append("")
    D.append("## Summary")
    D.append("")
    D.append("| block (own logic by function) | kGE | flip-flops | RAM bits | transistors |")
    D.append("| --- | ---: | ---: | ---: | ---: |")
    for c in ORDER:
        if c in cats:
            a = cats[c]
            D.append(f"| {c} | {a['kge']:.2f} | {a['flops']:,} | {a['mem_bits']:,} | "
                     f"{a['cmos']:,} |")
    D.append(f"| **esc_top total** | **{top['kge']:.2f}** | **{top['flops']:,}** | "
             f"**{top['mem_bits']:,}** | **{top['transistors']:,}** |")
    D.append(f"| dense reference `esc_dense_ref` ({dense_macs(T, L)} int8 MACs) | "
             f"{dense['kge']:.2f} | {dense['flops']:,} | 0 | {dense['transistors']:,} |")
    D.append("")
    D.append(f"The categories sum exactly to the total (each module's own cells are counted "
             f"once). Flow runtime for both designs: {total_flow:.0f} s on the shared 2-core "
             f"machine (esc_top {top['runtime_s']} s, dense {dense['runtime_s']} s).")
    D.append("")
    D.append(f"Area at 45 nm: logic {top['logic_um2'] / 1e6:.3f} mm^2 (70 % utilisation) + "
             f"SRAM {top['sram_um2'] / 1e6:.3f} mm^2 (model below) = "
             f"{(top['logic_um2'] + top['sram_um2']) / 1e6:.3f} mm^2. Every load-written "
             "buffer has two banks (docs/architecture.md, \"Double buffering\"), each sized for "
             "a pass, not a layer: the table there says which layer sets each size.")
    D.append("")

    # The area model escalate run reads for the SPEC 5b area efficiency (tools/src/report.cpp).
    area_model = {
        "generated_by": "synth/area_doc.py (synth/synth.py doc)",
        "config": {"T": T, "L": L, "M_MAX": synth.read_pkg_param("MaxBases"),
                   "C_MAX": synth.read_pkg_param("MaxChannels"),
                   "N_MAX": synth.read_pkg_param("MaxFilters"),
                   "ifmap_bytes": synth.read_pkg_param("IfmapBytes"),
                   "coef_depth": synth.read_pkg_param("CoefDepth"),
                   "coef_w": synth.read_pkg_param("CoefWidth"),
                   "basis_per_ch": synth.read_pkg_param("BasisPerChannel")},
        "escalate": {"logic_um2": round(top["logic_um2"], 1), "sram_um2": round(top["sram_um2"], 1),
                     "sram_bits": top["mem_bits"]},
        "dense": {"logic_um2": round(dense["logic_um2"], 1)},
        "sram_model": {"node": synth.SRAM_NODE, "bitcell_um2": synth.BITCELL_UM2,
                       "efficiency": [[64 * 1024, synth.sram_efficiency(64 * 1024)],
                                      [4 * 1024, synth.sram_efficiency(4 * 1024)],
                                      [0, synth.sram_efficiency(0)]]},
    }
    with open(os.path.join(synth.HERE, "results", "area.json"), "w", encoding="utf-8") as fh:
        json.dump(area_model, fh, indent=1)
        fh.write("\n")

    ifmap_bank = synth.read_pkg_param("IfmapBytes")
    coef_bank = synth.read_pkg_param("CoefDepth")
    D.append("## What each buffer must hold (the workload table)")
    D.append("")
    D.append(f"One bank holds one pass: IFMAP {ifmap_bank:,} bytes, {coef_bank:,} coefficient "
             "entries per lane. The largest layer of each workload (uniform density, the "
             "default of `escalate run`) needs more than one bank, so the host planner cuts it "
             "into row bands (IFMAP) or output-channel groups (coefficients); each pass's load "
             "overlaps the pass before it, so a bigger IFMAP bank would save only the pipeline "
             "fill of the extra passes. Output-channel groups cost more: each group repeats "
             "the BCU work of the layer, so the planner makes the fewest groups that fit and "
             "cuts them near-equal (`esc::plan_passes`). It used to pack each group up to the "
             "depth, which left ResNet-18's N = 512 layers with three full groups and a sliver "
             "of about 3 % of the coefficients whose pass still cost a whole BCU pass: 59.4 k "
             "cycles against a 48.1 k ideal on each of those layers, the main loss of the run. "
             "Cut evenly, and with lanes balanced by exchanges after longest-first, they fit "
             "the lower bound of three groups (4,006 of 4,096 entries per lane on average) and "
             "take 49.5-50.1 k (per layer in the run report: `passes`, `cycles`, "
             "`ideal_cycles`). The table's COEF passes is that lower bound, ceil(entries per "
             "lane / depth); the planner reaches it when the lanes balance within the spare "
             "depth.")
    D.append("")
    D.append("| workload | uniform density | largest input map (layer: C*H*W bytes) | IFMAP "
             "passes | most coefficients (layer: entries per lane) | COEF passes (at least) |")
    D.append("| --- | ---: | --- | ---: | --- | ---: |")
    for (name, d, xn, x, xp, cn, cl, cp) in buffer_need_rows(ifmap_bank, coef_bank, L):
        D.append(f"| {name} | {d * 100:.2f} % | {xn}: {x:,} | {xp} | {cn}: {cl:,.0f} | {cp} |")
    D.append("")

    # Area per effective throughput
    sp_i, sp_m = wl["speedup_ideal"], wl["speedup_model"]
    meas = None
    if run_report and os.path.exists(run_report):
        with open(run_report, encoding="utf-8") as fh:
            rr = json.load(fh)
        tt = rr["totals"]
        if rr.get("error") == "" and tt["rtl_layers"] == tt["layers"] and tt["mismatches"] == 0:
            meas = {"speedup": tt["speedup_vs_dense"], "cycles": tt["cycles"],
                    "layers": tt["layers"], "seed": rr["seed"], "caps": rr["caps"],
                    "util": tt["utilisation"], "e2e": tt.get("speedup_e2e"),
                    "density": rr.get("density_mode", "tuned"),
                    # the dense engine's own buffers (SPEC 5b; docs/energy.md): the largest
                    # input + weight + psum buffers any layer needs
                    "dense_buf_bytes": max(
                        sum(ly["energy"]["dense"]["buffers_bytes"].values())
                        for ly in rr["layers"] if ly.get("rtl"))}
    D.append("## ESCALATE vs dense: area per effective throughput")
    D.append("")
    D.append(f"Workload: ResNet-18 / CIFAR-10 from `models/resnet18_cifar10.txt` (PENNI-like, "
             f"M = 5, {wl['mac_fraction'] * 100:.1f} % of the dense MACs kept). Both engines "
             f"have {wl['multipliers']} multipliers. Effective throughput = dense-equivalent "
             "MACs per cycle = multipliers x speedup vs dense (SPEC section 5).")
    D.append("")
    if meas:
        D.append(f"**Measured**: `escalate run --model resnet18-cifar10 --seed {meas['seed']} "
                 f"--json synth/results/resnet18_run.json` ran all {meas['layers']} layers on "
                 f"the RTL (Verilator), bit-exact against the golden model: {meas['cycles']:,} "
                 f"cycles, speedup vs dense {meas['speedup']:.2f}x, utilisation "
                 f"{meas['util'] * 100:.1f} %. For reference, `ideal` is the SPEC section 5 "
                 "ideal-cycles bound and `model` the cycle model of docs/architecture.md (both "
                 "computed by `synth/workload.py`).")
    else:
        D.append("**No RTL run report was found, so the speedup here is a model, not a "
                 "measurement**: `ideal` is the SPEC section 5 ideal-cycles bound, `model` the "
                 "cycle model of docs/architecture.md. Pass `--run-report` (JSON of `escalate "
                 "run --json`) to use the measured speedup.")
    D.append("")
    D.append("| design | logic kGE | speedup vs dense | dense-equiv. MAC/cycle | kGE per "
             "(MAC/cycle) | logic+SRAM mm^2 per (MAC/cycle) |")
    D.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    m = wl["multipliers"]
    dense_mm2 = dense["logic_um2"] / 1e6
    D.append(f"| dense MAC array | {dense['kge']:.1f} | 1.00 | {m} | {dense['kge'] / m:.3f} | "
             f"{dense_mm2 / m:.5f} (logic only) |")
    rows = [("ideal", sp_i), ("model", sp_m)]
    if meas:
        rows.insert(0, ("**measured, RTL**", meas["speedup"]))
    for label, sp in rows:
        thr = m * sp
        D.append(f"| ESCALATE ({label}) | {top['kge']:.1f} | {sp:.2f} | {thr:.0f} | "
                 f"{top['kge'] / thr:.3f} | "
                 f"{(top['logic_um2'] + top['sram_um2']) / 1e6 / thr:.5f} |")
    D.append("")
    head = (f"**{top['kge'] / dense['kge'] / meas['speedup']:.2f}x** with the measured speedup "
            f"({top['kge'] / dense['kge'] / sp_i:.2f}x with the ideal one)" if meas else
            f"**{top['kge'] / dense['kge'] / sp_i:.2f}x** (ideal speedup) to "
            f"**{top['kge'] / dense['kge'] / sp_m:.2f}x** (cycle model)")
    D.append(f"Logic area per effective throughput, ESCALATE / dense: {head}; below 1 means "
             "ESCALATE needs less logic per unit of effective work. The dense array is a bare "
             "MAC grid: its weight and activation buffers are not included (a dense int8 "
             f"ResNet-18 has {wl['dense_weights'] / 1e6:.1f} M weights = "
             f"{wl['dense_weights'] * 8 / 1e6:.0f} Mbit, against {wl['nnz'] / 1e3:.0f} k "
             f"PENNI coefficients at the {coef_w}-bit stored entry of the coefficient RAMs = "
             f"{wl['nnz'] * coef_w / 1e6:.1f} Mbit), which favours dense in the logic+SRAM "
             "column.")
    D.append("")

    if meas and meas.get("e2e"):
        # SPEC 5b area efficiency: end-to-end dense-equivalent MACs per cycle / total area.
        dense_bits = meas["dense_buf_bytes"] * 8
        dense_area = dense["logic_um2"] + synth.sram_um2(dense_bits)
        top_area = top["logic_um2"] + top["sram_um2"]
        eff_top = m * meas["e2e"] / (top_area / 1e6)
        eff_dense = m * 1.0 / (dense_area / 1e6)
        D.append("## Area efficiency including SRAM (SPEC section 5b)")
        D.append("")
        D.append("End-to-end dense-equivalent MACs per cycle per mm^2 (logic at 70 % utilisation "
                 "+ SRAM by the bitcell model below). ESCALATE: the measured end-to-end speedup "
                 f"of the run above ({meas['density']} densities) and every RAM bit of the "
                 "build, both banks of every load buffer. Dense reference: its MAC array from "
                 "the same flow plus its own best-case buffers, sized to the largest ResNet-18 "
                 "layer as docs/energy.md states them (input C*H*W bytes + a double-buffered "
                 "weight tile + a psum buffer: "
                 f"{meas['dense_buf_bytes']:,} bytes = {dense_bits:,} bits, from the run "
                 "report's per-layer `buffers_bytes`), running at 100 % utilisation end to "
                 "end (its SPEC 5b cycles).")
        D.append("")
        D.append("| design | logic mm^2 | SRAM bits | SRAM mm^2 | total mm^2 | e2e dense-equiv. "
                 "MAC/cycle | MAC/cycle per mm^2 |")
        D.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        D.append(f"| dense reference | {dense['logic_um2'] / 1e6:.3f} | {dense_bits:,} | "
                 f"{synth.sram_um2(dense_bits) / 1e6:.3f} | {dense_area / 1e6:.3f} | {m} | "
                 f"{eff_dense:.0f} |")
        D.append(f"| ESCALATE | {top['logic_um2'] / 1e6:.3f} | {top['mem_bits']:,} | "
                 f"{top['sram_um2'] / 1e6:.3f} | {top_area / 1e6:.3f} | "
                 f"{m * meas['e2e']:.0f} | {eff_top:.0f} |")
        D.append("")
        D.append(f"ESCALATE / dense: **{eff_top / eff_dense:.2f}x** area efficiency including "
                 "SRAM (issue #12 asks for at least 1.5x).")
        D.append("")

    D.append("## Method")
    D.append("")
    D.append("### Flow (`synth/synth.py`)")
    D.append("")
    D.append("1. `read_verilog -sv -DSYNTHESIS -Irtl/prim rtl/esc_pkg.sv` + only the files the top "
             "needs (found by scanning instantiations, so a half-written unrelated file does "
             "not break the flow); `chparam` for the esc_top parameters (T, L, M_MAX, CoefWidth, "
             "capacities).")
    D.append("2. `hierarchy -check`; `synth -run begin:coarse`; `proc`; **`check -assert`** on "
             "the elaborated RTL (undriven and multiply driven nets, combinational loops), "
             "before `opt` can fold an undriven net into a constant.")
    D.append("3. `synth -run coarse:fine` (fsm, wreduce, alumacc, share, `memory -nomap`): "
             "RAMs stay `$mem_v2` cells; the read-data registers are absorbed as synchronous "
             "read ports, as in an SRAM macro. **Latch check**: `select -assert-none "
             "t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*` (Yosys also errors "
             "out on a latch inferred from `always_comb`).")
    D.append("4. `memory_map` only for RAMs of depth <= 32 (`--rf-depth`): those are register "
             "files (FIFO slots) and are counted as flops; deeper RAMs stay macros and are "
             "counted as RAM bits.")
    D.append("5. `techmap`; `dfflegalize -cell $_DFF_P_ x -cell $_DFF_PN0_ x -cell $_DFF_PN1_ "
             "x`: every flop with enable or synchronous reset becomes a plain flop plus gates, so "
             "that both the GE and the `stat -tech cmos` count see the enable muxes (Yosys' cmos "
             "table has no entry for enable/sync-reset flops).")
    D.append(f"6. `abc -g {synth.ABC_GATES} -fast`: a gate set in which every gate has a "
             "NanGate45 cell. `-fast` keeps CI short; the full ABC script gives ~13 % fewer "
             "gates (measured on the dense array: 80.1 vs 92.5 kGE) but takes minutes on the "
             "64-bit requantisation multiplier, so every number here (ESCALATE and dense) uses "
             "`-fast`. `--abc-full` is available.")
    D.append("7. Latch check again, `hierarchy -check`, **`check -assert`** on the mapped "
             "netlist, `stat`, `stat -tech cmos`, `write_json`; the per-module breakdown, GE and "
             "memory table are computed from the JSON netlist (hierarchy kept, not flattened, so "
             "every module's own area is known and the rows sum to the top).")
    D.append("")
    D.append("### NAND2 gate equivalents")
    D.append("")
    D.append("GE = cell area / NAND2 area in the public NanGate FreePDK45 Open Cell Library "
             "(X1 drive strengths; NAND2_X1 = 0.798 um^2 = 3 placement sites of 0.19 x 1.4 um). "
             "ABC maps only to gates that exist in that library (no ANDNOT/ORNOT), so each "
             "Yosys cell is one library cell:")
    D.append("")
    D.append(ge_table())
    D.append("")
    D.append("The transistor column is Yosys 0.23's `stat -tech cmos` table (kernel/cost.h). It "
             "has no entry for flops with an asynchronous reset (`$_DFF_PN0_`/`_PN1_`, the "
             "lowRISC-style `rst_ni` flops), so Yosys prints a total with a `+`; the report adds "
             f"{synth.CMOS_ASYNC_FLOP} transistors per such flop (the 16-transistor DFF with the "
             "two storage-loop inverters turned into 2-input gates) and states both numbers.")
    D.append("")
    D.append("### SRAM density model")
    D.append("")
    D.append(f"RAM macros are counted in bits and turned into area at {synth.SRAM_NODE}, the "
             "node of the logic weights: a 6T bitcell of 0.346 um^2 (Intel 45 nm high-k/metal-"
             "gate process, Mistry et al., IEDM 2007) divided by an array efficiency for the "
             "periphery (decoders, sense amplifiers, write drivers, control): 0.70 for macros "
             ">= 64 kbit, 0.50 for 4-64 kbit, 0.35 below 4 kbit. These efficiencies are "
             "assumptions typical of compiled single-port/two-port SRAMs, not vendor data; the "
             "bit counts are exact. RAMs with an asynchronous read port would need flops or a "
             "latch array instead and are flagged `ASYNC` in the memory table.")
    D.append("")
    D.append("## Full breakdown")
    D.append("")
    D.append(synth.markdown(top, "esc_top (default parameters)", max_depth=3))
    D.append("")
    D.append(synth.markdown(dense, "esc_dense_ref (dense comparison point)"))
    D.append("")
    D.append("## Parameter sweep")
    D.append("")
    if sweep_json and os.path.exists(sweep_json):
        with open(sweep_json, encoding="utf-8") as fh:
            sw = json.load(fh)
        D.append("Table, plot and JSON in `synth/results/` (`synth/synth.py sweep`, ctest "
                 "`synth.sweep`, label `slow`):")
        D.append("")
        D.append("![area sweep](../synth/results/sweep.svg)")
        D.append("")
        D.append("| parameter | value | total kGE | BCU kGE | CAU kGE | flops | RAM bits |")
        D.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for p in sw["points"]:
            D.append(f"| {p['label']} | {p['value']} | {p['kge']:.1f} | "
                     f"{p['blocks_kge'].get('u_bcu', 0):.1f} | "
                     f"{p['blocks_kge'].get('u_cau', 0):.1f} | {p['flops']:,} | "
                     f"{p['mem_bits']:,} |")
        if sw.get("missing"):
            D.append("")
            D.append("**Incomplete sweep** (the run was cut short by the session time limit): "
                     "missing " + ", ".join(sw["missing"]) + ". `synth/synth.py sweep` "
                     "regenerates all points.")
    else:
        D.append("Run `synth/synth.py sweep` (ctest `synth.sweep`, label `slow`); results go to "
                 "`synth/results/sweep.{md,json,svg}`.")
    D.append("")
    D.append("## Area-regression guard")
    D.append("")
    D.append("ctest `synth.guard` compares the report of `synth.flow.esc_top` (the default "
             "configuration; `synth/synth.py guard` alone re-synthesises it) with "
             "`synth/baseline.json` and fails on kGE or RAM-bit growth above 5 % "
             "(`synth.guard.fires` proves it fails against a 1-kGE baseline). An intended "
             "growth is accepted by running `synth/synth.py guard --update` and committing "
             "`synth/baseline.json` in the same change (the diff of the baseline then documents "
             "the growth in review).")
    D.append("")
    D.append("## Gate-level netlist for simulation")
    D.append("")
    D.append("`synth/synth.py netlist -o build/esc_top_gl.v [--set P=V] [--keep-mem] [--lint]` "
             "writes a small esc_top (MaxChannels = MaxFilters = 16, IfmapBytes = 1024, "
             "CoefDepth = 64 unless overridden with `--set`) with `write_verilog -noattr` after "
             "the same flow. By default every RAM is mapped to flops (a true gate-level netlist: "
             "about 816 kGE, 59.5 k flops, 13 MB of Verilog); `--keep-mem` leaves the RAMs as "
             "behavioural `reg` arrays (much smaller and faster to verilate; used by ctest "
             "`synth.netlist`, which also runs `verilator --lint-only` on the result). Gates "
             "are plain Verilog expressions and flops are `always @(posedge clk_i, negedge "
             "rst_ni)` blocks, so no cell library is needed. The top module keeps the name and "
             "ports of `esc_top` (parameters are baked in; sub-modules have Yosys `$paramod` "
             "escaped names), so tb/ can verilate it in place of the RTL: "
             "`verilate(tgt SOURCES esc_top_gl.v PREFIX Vesc_top_gl TOP_MODULE esc_top "
             "VERILATOR_ARGS -Wno-fatal -Wno-lint -Wno-style)`. The host driver reads the "
             "capacities from the CAP registers, so it drives the small configuration "
             "correctly; layers must fit C, N <= 16 and C*H*W <= 1024 (or be tiled by the "
             "driver). Assertions are compiled out (the netlist is post-SYNTHESIS).")
    D.append("")
    D.append("## Known limitations")
    D.append("")
    D.append("- GE from NanGate45 X1 cells, no timing-driven sizing or buffering: treat kGE as "
             "a relative, not a sign-off, number. `abc -fast` overestimates logic by ~13 % "
             "against the full ABC script for both designs alike.")
    D.append("- SRAM efficiencies are assumptions (see above); bit counts are exact.")
    D.append("- The register-file rule is by depth (<= 32 words become flops). Parameters that "
             "shrink a RAM to 32 words flip it to flops: e.g. at L = 16 the PSUM banks are "
             "N_MAX / L = 32 deep and become over 100 k flops, which dominates that sweep "
             "point; at M_MAX = 4 the Z FIFO RAMs drop to 32 words and become ~16 k flops. "
             "Those two points measure the rule, not the architecture; use `--rf-depth 16` to "
             "keep them as RAMs.")
    D.append("- The per-module numbers come from a hierarchical (not flattened) synthesis: no "
             "constant propagation or sharing across module boundaries.")
    if not meas:
        D.append("- The speedup in the area-per-throughput comparison is modelled, not measured.")
    D.append("- The dense reference is a bare MAC array (no buffers, no control); it is the "
             "logic comparison point the issue asks for, not a complete dense accelerator.")
    D.append("")
    with open(out_path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(D))
    return top, dense, wl


def dense_macs(T, L):
    return T * 9 + L * T
