#!/usr/bin/env python3
"""4-state replay of Verilator port recordings in Icarus Verilog (docs/verification.md,
"4-state replay (Icarus)").

Sub-commands:

  build    Yosys 0.23 reads the RTL of a small esc_top exactly as the gate-level flow does
           (synth/synth.py: read_verilog -sv -DSYNTHESIS, chparam), runs only `proc` and
           `opt_clean` (RTL level: memories stay arrays, X stays X) and writes Verilog; the port
           widths of that Verilog go to ports.vh; iverilog -g2012 compiles it with
           tb/icarus/esc_replay_tb.v into replay.vvp. Run once per build (a custom command).
  replay   run replay.vvp on recordings (files or directories of *.rec); fails on the first
           differing cycle or X/Z of any recording.
  run      what ctest icarus.replay does: record directed and random layers through the small
           Verilator model (esc_tb_small with ESC_RECORD=<work>), replay every recording, then
           check that the replay can fail: a copy of one recording with one output bit flipped
           must be reported with its cycle and signal, and an X driven on res_ready_i while a
           result beat is valid (+xready) must be reported as X/Z on an output.

  scripts/icarus_replay.py replay build/tb/icarus/replay.vvp build/tb/icarus/rec/X.rec
"""

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TB = os.path.join(ROOT, "tb", "icarus", "esc_replay_tb.v")
sys.path.insert(0, os.path.join(ROOT, "synth"))
import synth  # noqa: E402  (the gate-level flow's source list and parameter set)

TOP = "esc_top"


def fail(msg):
    print(f"icarus_replay: FAIL: {msg}", file=sys.stderr)
    return 1


def parse_params(items):
    out = {}
    for it in items or []:
        k, _, v = it.partition("=")
        out[k] = int(v)
    return out


def port_widths(netlist):
    """{port: width} of module esc_top in the Verilog Yosys wrote."""
    with open(netlist, encoding="utf-8") as fh:
        text = fh.read()
    m = re.search(r"^module " + TOP + r"\(.*?^endmodule", text, re.S | re.M)
    if not m:
        raise RuntimeError(f"module {TOP} not found in {netlist}")
    header = re.match(r"module \w+\(([^)]*)\);", m.group(0))
    names = set(re.findall(r"\w+", header.group(1)))
    ports = {}
    # Declarations of the header's names only: Yosys also writes functions (for $pmux) whose
    # inputs look the same.
    for hi, lo, name in re.findall(r"^\s*(?:input|output)\s+(?:\[(\d+):(\d+)\]\s+)?(\w+);",
                                   m.group(0), re.M):
        if name in names:
            ports[name] = abs(int(hi) - int(lo)) + 1 if hi else 1
    if set(ports) != names:
        raise RuntimeError(f"ports of {TOP} without a declaration: {sorted(names - set(ports))}")
    return ports


def compile_tb(out, netlist, t0, what):
    """ports.vh from the netlist's esc_top, then iverilog: the replay testbench + netlist."""
    ports = port_widths(netlist)
    with open(os.path.join(out, "ports.vh"), "w", encoding="utf-8") as fh:
        fh.write(f"// Port widths of esc_top in {os.path.basename(netlist)} "
                 "(scripts/icarus_replay.py build).\n")
        for name, w in sorted(ports.items()):
            fh.write(f"`define ESC_W_{name} {w}\n")
    vvp = os.path.join(out, "replay.vvp")
    p = subprocess.run(["iverilog", "-g2012", "-Wall", "-I", out, "-o", vvp + ".tmp", "-s",
                        "esc_replay_tb", TB, netlist], capture_output=True, text=True)
    if p.returncode != 0:
        return fail(f"iverilog:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    if p.stdout or p.stderr:
        print(f"icarus_replay: iverilog warnings:\n{p.stdout}{p.stderr}")
    os.replace(vvp + ".tmp", vvp)
    print(f"icarus_replay: {netlist} ({what}) and {vvp} in {time.time() - t0:.1f} s")
    return 0


def cmd_build(a):
    if a.netlist:
        # The gate-level netlist of synth/synth.py netlist (ctest synth.netlist), which is
        # always synthesised at NETLIST_PARAMS, the parameters esc_tb_small records at.
        out = os.path.abspath(a.out)
        os.makedirs(out, exist_ok=True)
        return compile_tb(out, os.path.abspath(a.netlist), time.time(),
                          f"gate level, {synth.NETLIST_PARAMS}")
    params = parse_params(a.param)
    if params != synth.NETLIST_PARAMS:
        return fail(f"parameters {params} differ from synth/synth.py NETLIST_PARAMS "
                    f"{synth.NETLIST_PARAMS}: the Verilator model and the netlist must be the "
                    "same configuration")
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    files = synth.source_closure(TOP, ())
    netlist = os.path.join(out, "esc_top_rtl.v")
    tmp = netlist + ".tmp"
    ys = [f"read_verilog -sv -DSYNTHESIS -I{synth.RTL_PRIM} {synth.PKG} " + " ".join(files)]
    ys += [f"chparam -set {k} {v} {TOP}" for k, v in params.items()]
    ys += [f"hierarchy -check -top {TOP}", "proc", "opt_clean", "check -assert",
           f"write_verilog -noattr {tmp}"]
    with open(os.path.join(out, "rtl.ys"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(ys) + "\n")
    log = os.path.join(out, "yosys.log")
    p = subprocess.run(["yosys", "-q", "-l", log, os.path.join(out, "rtl.ys")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return fail(f"yosys (log {log}):\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    os.replace(tmp, netlist)
    return compile_tb(out, netlist, t0, f"{len(files)} RTL files, {params}")


def recordings(paths):
    recs = []
    for p in paths:
        recs += sorted(glob.glob(os.path.join(p, "*.rec"))) if os.path.isdir(p) else [p]
    return recs


def replay_one(vvp, rec, xidle=False, extra=()):
    cmd = ["vvp", "-n", vvp, f"+rec={rec}"] + (["+xidle"] if xidle else []) + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("ICARUS_REPLAY")]
    ok = p.returncode == 0 and any(ln.startswith("ICARUS_REPLAY PASS") for ln in lines)
    m = re.search(r"(\d+) checked", p.stdout)
    checked = int(m.group(1)) if (ok and m) else 0
    detail = "\n".join(lines) if lines else (p.stdout + p.stderr)[-2000:]
    return ok, checked, detail


def tag_of(rec):
    with open(rec, encoding="utf-8") as fh:
        for ln in fh:
            if ln.startswith("# tag "):
                return ln[6:].strip()
            if not ln.startswith("#"):
                break
    return "?"


def replay_all(vvp, recs, jobs, verbose=True, xidle=False):
    """(number of failures, cycles checked) over `recs`, printing one line per recording."""
    bad, cycles = 0, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for rec, (ok, checked, detail) in zip(recs, ex.map(lambda r: replay_one(vvp, r, xidle), recs)):
            cycles += checked
            if not ok:
                bad += 1
                print(f"{detail}\n  recording of: {tag_of(rec)}")
            elif verbose:
                print(detail)
    return bad, cycles


def cmd_replay(a):
    recs = recordings(a.recs)
    if not recs:
        return fail("no recordings given")
    bad, cycles = replay_all(a.vvp, recs, a.jobs, xidle=a.xidle)
    print(f"icarus_replay: {len(recs) - bad} of {len(recs)} recordings agree"
          f"{' with X on idle payloads' if a.xidle else ''}, {cycles} cycles checked in those")
    return 1 if bad else 0


def flip_check(vvp, recs, work):
    """A copy of the smallest recording with a result beat, with bit 0 of res_acc_o flipped in
    the first cycle with res_valid_o high, must fail naming that cycle and res_acc_o (so the
    replay can fail)."""
    for rec in sorted(recs, key=os.path.getsize):
        with open(rec, encoding="utf-8") as fh:
            lines = fh.readlines()
        if any(len(ln.split()) == 22 and ln.split()[13] == "1" for ln in lines):
            break
    for i, ln in enumerate(lines):
        f = ln.split()
        if ln.startswith("#") or len(f) != 22 or f[13] != "1":  # res_valid_o
            continue
        f[15] = format(int(f[15], 16) ^ 1, "x")  # res_acc_o
        lines[i] = " ".join(f) + "\n"
        flipped = os.path.join(work, "flipped", os.path.basename(rec))
        os.makedirs(os.path.dirname(flipped), exist_ok=True)
        with open(flipped, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
        ok, _, detail = replay_one(vvp, flipped)
        want = f"cycle {f[0]}: res_acc_o differs"
        if ok or want not in detail:
            return fail(f"planted mismatch ({want}, in {flipped}) not reported; replay said:\n"
                        f"{detail}")
        print(f"icarus_replay: planted bit flip caught: {detail.splitlines()[0]}")
        # The X detection: res_ready_i X while that beat is valid makes the handshake unknown,
        # so the result stream's state, and its outputs, must show X in a later cycle.
        ok, _, detail = replay_one(vvp, rec, extra=[f"+xready={f[0]}"])
        if ok or "X/Z on" not in detail:
            return fail(f"X on res_ready_i in cycle {f[0]} of {rec} (+xready) not reported as "
                        f"X/Z; replay said:\n{detail}")
        print(f"icarus_replay: planted X caught: {detail.splitlines()[0]}")
        return 0
    return fail("no recording has a result beat to plant a mismatch in")


def cmd_run(a):
    t0 = time.time()
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, ESC_RECORD=work, ESC_TRACE="0")
    p = subprocess.run([a.recorder, f"--gtest_filter={a.filter}"], env=env,
                       capture_output=True, text=True)
    t_rec = time.time() - t0
    if p.returncode != 0:
        return fail(f"the Verilator recording run failed (it checks every layer against golden):\n"
                    f"{p.stdout[-4000:]}{p.stderr[-2000:]}")
    recs = recordings([work])
    ran = len(re.findall(r"^\[       OK \]", p.stdout, re.M))
    if not recs:
        return fail(f"{ran} tests ran but wrote no recording (filter {a.filter})")
    for rec in recs:
        print(f"recorded {os.path.basename(rec)}: {tag_of(rec)}")
    bad, cycles = replay_all(a.vvp, recs, a.jobs, verbose=False, xidle=a.xidle)
    t_rep = time.time() - t0 - t_rec
    print(f"icarus_replay: {len(recs) - bad} of {len(recs)} recordings ({ran} tests) agree with "
          f"Verilator cycle for cycle with no X/Z"
          f"{' (X on idle payloads)' if a.xidle else ''}, {cycles} cycles checked in those "
          f"(record {t_rec:.1f} s, replay {t_rep:.1f} s)")
    if bad:
        print(f"replay one: {sys.argv[0]} replay {a.vvp} <recording>"
              f"{' --xidle' if a.xidle else ''}")
        return 1
    return flip_check(a.vvp, recs, work)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("build", help="Yosys RTL-level Verilog + iverilog testbench")
    p.add_argument("--out", required=True)
    p.add_argument("--param", action="append", help="esc_top parameter NAME=VALUE")
    p.add_argument("--netlist", help="replay on this gate-level netlist instead of the RTL "
                   "(synth/synth.py netlist; no Yosys step)")
    p.set_defaults(fn=cmd_build)
    p = sub.add_parser("replay", help="replay recordings (files or directories)")
    p.add_argument("vvp")
    p.add_argument("recs", nargs="+")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--xidle", action="store_true",
                   help="X on the load / register payload while its valid is low")
    p.set_defaults(fn=cmd_replay)
    p = sub.add_parser("run", help="record through the Verilator model, replay, self-check")
    p.add_argument("--recorder", required=True, help="esc_tb_small")
    p.add_argument("--vvp", required=True)
    p.add_argument("--work", required=True, help="recordings go here (emptied first)")
    p.add_argument("--filter", default="*", help="--gtest_filter of the recorder")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--xidle", action="store_true",
                   help="X on the load / register payload while its valid is low")
    p.set_defaults(fn=cmd_run)
    a = ap.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
