#!/usr/bin/env python3
"""Mutation testing of the RTL (docs/verification.md, "Mutation testing"; issue #15).

Plants one operator mutation at a time in rtl/*.sv and rtl/prim/*.sv, rebuilds only what the
mutated module reaches, runs a test set and records whether the tests notice. The score
killed / (killed + survived) measures the test set, not the RTL.

Sites (one file, one line, one textual change each; id `<file>:<line>:<op>[.<k>]`, stable as
long as the file does not change): see OPERATORS below. Never mutated: the generated
rtl/esc_pkg.sv and rtl/esc_param_check.sv, comments, strings, module headers (parameter and
port lists), declarations, `include/`define lines, assertion macros (ESC_ASSERT*, ESC_COVER,
also over several lines), anything between `ifdef FORMAL and its `endif, loop headers, and in
always_ff blocks everything but the condition of a non-reset `if` (a memory's write or read
enable; house style: they hold only reset and `x_q <= x_d`, so a `<=` there is an assignment).
A `<=` elsewhere is mutated only where it is a comparison: inside parentheses or to the right
of an assignment `=`.

Test set (default, `--tests formal,sim`), cheapest first, stopping at the first failure:
  formal  the scripts/formal.sh jobs whose source list contains the mutated file (ctest
          `formal.<job>`, label formal), with ESC_FORMAL_SRC=<tree>; seconds per job, no build.
  sim     the GoogleTest executables of ctest -L rtl -LE "slow|matrix" built on the default
          esc_top model and on the block models whose hierarchy contains the mutated module:
          esc_tb_prim_fifo, esc_tb_prim_stream_reg, esc_tb_bcu, esc_tb_postproc,
          esc_tb_window_gen, esc_tb_cau, esc_tb_top, esc_tb_random (the 1000-case CI
          regression; shard.random runs the same cases) and esc_tb_unit (label unit, but its
          capability probe reads the esc_top model). Each is run directly with
          --gtest_fail_fast, which runs the same tests as the ctest entries gtest_discover_tests
          registers, in one process. Only these targets are built (every Verilated model lists
          all RTL files as sources; a bare `ninja` would rebuild ~20 models per mutant).
  matrix  (opt-in, not in the default) the configuration matrix, ctest label matrix: one
          esc_tb_cfg_<cfg> per entry of rtl/esc_configs.json, each on its own esc_top model
          (a full esc_top build per configuration, so minutes each); --configs picks entries.
          For a mutant that only a non-default parameter set can expose, e.g.
          `--only esc_top.sv:359:and2or --tests matrix --configs basisch1`.
Not in the default set: the configuration matrix (label matrix; `--tests matrix` above),
esc_tb_xunique, the classify and CLI tests, the Icarus replay, the gate-level runs, the
sanitizer job, the lint gate and every `slow` test. The score is therefore a lower bound of
what the full CI (.ci/run) would kill.

Outcomes: killed (a test failed; the first failing test(s) are recorded), timeout (the tests
ran past --timeout, default 300 s against about 7 s for the whole unmutated set; counted as
killed), build-error (Verilator or Yosys rejected the mutant:
stillborn, listed separately and not in the score), survived.

The file is always restored (try/finally, also on Ctrl-C and SIGTERM). The models built with
a mutant are rebuilt by the next run that needs them (the restored file is newer).

  scripts/mutate.py --list                             every site
  scripts/mutate.py --count 10 --seed 1 --out build-mut/mutate --build build-mut
  scripts/mutate.py --only esc_regs.sv:97:and2or --build build-mut    replay one mutant
  scripts/mutate.py --self-test                        the enumeration invariants (unittest)
  scripts/mutate.py --table docs/mutation/sample_seed1.json   the Markdown table of a run
"""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXCLUDED = {"esc_pkg.sv", "esc_param_check.sv"}

# Verilated executables: (target, model top). Cheapest first: a block model is built and run
# in seconds, esc_top's model takes minutes to compile.
EXECUTABLES = [
    ("esc_tb_prim_fifo", "esc_prim_fifo"),
    ("esc_tb_prim_stream_reg", "esc_prim_stream_reg"),
    ("esc_tb_postproc", "esc_postproc"),
    ("esc_tb_bcu", "esc_bcu"),
    ("esc_tb_window_gen", "esc_window_gen"),
    ("esc_tb_cau", "esc_cau"),
    ("esc_tb_top", "esc_top"),
    ("esc_tb_unit", "esc_top"),
    ("esc_tb_random", "esc_top"),
]

# --- Site enumeration ---------------------------------------------------------------------

CMP = r"(?:==|!=|<=|>=|<|>)"
ENABLE_TOKEN = re.compile(
    r"^(?:(?:\w*_)?(?:we|re|wr|rd|en|ena)(?:_[a-z])?|\w*fire\w*|\w*_take\w*)$")


def _not_after(s, i, chars):
    return i == 0 or s[i - 1] not in chars


def _paren_depth(code, pos):
    d = 0
    for c in code[:pos]:
        if c in "([{":
            d += 1
        elif c in ")]}":
            d -= 1
    return d


def _assign_before(code, pos):
    """True if an assignment `=` (not ==, !=, <=, >=) comes before pos on the line."""
    return re.search(r"(?<![=!<>])=(?!=)", code[:pos]) is not None


def _is_comparison_le(code, pos):
    """A `<=` at pos is a comparison if it is inside parentheses or right of an `=`."""
    return _paren_depth(code, pos) > 0 or _assign_before(code, pos)


def _ops():
    """(name, function(code) -> [(start, end, replacement)])."""

    def simple(pattern, repl, check=None):
        rx = re.compile(pattern)

        def f(code):
            out = []
            for m in rx.finditer(code):
                if check is None or check(code, m):
                    out.append((m.start(), m.end(), m.expand(repl)))
            return out
        return f

    def le_ok(code, m):
        return _is_comparison_le(code, m.start())

    def not_index(code, m):
        return code[:m.start()].count("[") == code[:m.start()].count("]")

    def bound(code):
        rx = re.compile(r"(?P<op>==|!=|<=|>=|<(?![<=])|>(?![>=]))\s*"
                        r"(?P<cast>(?:[A-Za-z_][\w:]*|\d+)'\()?"
                        r"(?P<id>(?:esc_pkg::)?[A-Z][a-z]\w*)\b(?!\s*')(?!\s*\()")
        out = []
        for m in rx.finditer(code):
            if m.group("op") == "<=" and not _is_comparison_le(code, m.start()):
                continue
            if m.group("op") in ("<", ">") and not _not_after(code, m.start(), "<>-="):
                continue
            if re.match(r"(?:esc_pkg::)?St[A-Z]", m.group("id")):
                continue  # a state (enum) name, not a bound
            out.append((m.start("id"), m.end("id"), "(%s - 1)" % m.group("id")))
        return out

    def force_enable(code):
        out = []
        for m in re.finditer(r"\bif\s*\(", code):
            d, i = 1, m.end()
            while i < len(code) and d:
                d += {"(": 1, ")": -1}.get(code[i], 0)
                i += 1
            if d:
                continue
            cond = code[m.end():i - 1]
            if any(ENABLE_TOKEN.match(t) for t in re.findall(r"[A-Za-z_]\w*", cond)):
                out.append((m.end(), i - 1, "1'b1"))
        return out

    return [
        ("eq2ne", simple(r"(?<![=!<>])==(?!=)", "!=")),
        ("ne2eq", simple(r"!=(?!=)", "==")),
        ("lt2le", simple(r"(?<![<\-=])<(?![<=])", "<=")),
        ("gt2ge", simple(r"(?<![>\-=])>(?![>=])", ">=")),
        ("le2lt", simple(r"(?<![<])<=", "<", le_ok)),
        ("ge2gt", simple(r"(?<![>])>=", ">")),
        ("and2or", simple(r"&&", "||")),
        ("or2and", simple(r"\|\|", "&&")),
        ("inc2dec", simple(r"\+(\s*)(1'b1|1'd1|\b1\b)(?!\s*[:'])", r"-\1\2", not_index)),
        ("dec2inc", simple(r"(?<![\[(])-(\s*)(1'b1|1'd1|\b1\b)(?!\s*[:'])", r"+\1\2",
                           not_index)),
        ("true2false", simple(r"(?<![=!<>])(=\s*)1'b1(?=\s*;)", r"\g<1>1'b0")),
        ("false2true", simple(r"(?<![=!<>])(=\s*)1'b0(?=\s*;)", r"\g<1>1'b1")),
        ("dropnot", simple(r"!(?=\s*[A-Za-z_(])", "")),
        ("bound", bound),
        ("force_en", force_enable),
    ]


OPERATORS = _ops()
OPERATOR_NAMES = [n for n, _ in OPERATORS]

DECL = re.compile(r"^\s*(?:logic|wire|reg|input|output|inout|localparam|parameter|typedef|"
                  r"genvar|int|integer|import|`include|`define|`timescale|function|"
                  r"endfunction|module|endmodule|package)\b")
ASSERT_MACRO = re.compile(r"`(?:ESC_ASSERT\w*|ESC_COVER\w*)")
SYSTASK = re.compile(r"\$(?:error|fatal|warning|info|display|write|finish|stop)\b")


def code_lines(text):
    """Yield (lineno, code, (lo, hi)) for the lines that may be mutated: code is the line
    without its comment, a mutant must lie within code[lo:hi] (in always_ff: the condition of
    an `if`); every excluded region (see the module docstring) yields nothing."""
    in_block = False
    ifdef_stack = []      # True for a FORMAL (or nested inside FORMAL) region
    in_header = False
    macro_depth = 0       # open parentheses of an assertion macro spanning lines
    ff_depth = None       # begin/end depth inside always_ff, None outside
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw
        # Block comments.
        code = ""
        i = 0
        while i < len(line):
            if in_block:
                j = line.find("*/", i)
                if j < 0:
                    i = len(line)
                    continue
                in_block = False
                i = j + 2
                continue
            if line.startswith("/*", i):
                in_block = True
                i += 2
                continue
            if line.startswith("//", i):
                break
            code += line[i]
            i += 1
        stripped = code.strip()
        # Preprocessor regions.
        m = re.match(r"`(ifdef|ifndef|elsif|else|endif)\b\s*(\w*)", stripped)
        if m:
            kw, name = m.groups()
            if kw in ("ifdef", "ifndef"):
                ifdef_stack.append(name == "FORMAL" or any(ifdef_stack))
            elif kw == "endif" and ifdef_stack:
                ifdef_stack.pop()
            elif kw in ("else", "elsif") and ifdef_stack:
                parent = any(ifdef_stack[:-1])
                ifdef_stack[-1] = parent or name == "FORMAL"
            continue
        if any(ifdef_stack):
            continue
        # Module header: from `module` to the `);` closing the port list.
        if re.match(r"^\s*module\b", code):
            in_header = not re.search(r"\)\s*;", code) and ";" not in code.split("module", 1)[1]
            continue
        if in_header:
            if re.match(r"^\s*\)\s*;", code):
                in_header = False
            continue
        # Assertion macros, possibly over several lines.
        if macro_depth > 0:
            macro_depth += code.count("(") - code.count(")")
            continue
        am = ASSERT_MACRO.search(code)
        if am:
            macro_depth = code[am.end():].count("(") - code[am.end():].count(")")
            continue
        # always_ff blocks.
        if ff_depth is not None or re.search(r"\balways_ff\b", code):
            # Depth 0 inside always_ff: no begin seen yet, the block ends at the first `;`.
            ff_depth = (ff_depth or 0) + (len(re.findall(r"\bbegin\b", code))
                                          - len(re.findall(r"\bend\b", code)))
            if ff_depth <= 0 and (code.rstrip().endswith(";") or re.search(r"\bend\b", code)):
                ff_depth = None
            # Only the condition of an `if` (a write/read enable), never the reset branch.
            m = re.search(r"\bif\s*\(", code)
            if m and "rst_ni" not in code:
                d, i = 1, m.end()
                while i < len(code) and d:
                    d += {"(": 1, ")": -1}.get(code[i], 0)
                    i += 1
                if d == 0:
                    yield n, code, (m.end(), i - 1)
            continue
        # Declarations, loop headers (structural: a changed bound mostly gives an elaboration
        # error or an out-of-range index), system tasks and strings.
        if (not stripped or DECL.match(code) or SYSTASK.search(code) or '"' in code
                or re.search(r"\bfor\s*\(", code)):
            continue
        yield n, code, (0, len(code))


def file_sites(path):
    """Every mutation site of one file: dicts with id, file, line, op, col, orig, mut."""
    base = os.path.basename(path)
    rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    sites = []
    for n, code, (lo, hi) in code_lines("\n".join(lines)):
        raw = lines[n - 1]
        for name, fn in OPERATORS:
            found = [m for m in sorted(fn(code)) if lo <= m[0] and m[1] <= hi]
            for k, (s, e, repl) in enumerate(found):
                new = raw[:s] + repl + raw[e:]
                if new == raw:
                    continue
                sid = "%s:%d:%s%s" % (base, n, name, "" if k == 0 else ".%d" % (k + 1))
                sites.append({"id": sid, "file": rel, "line": n, "op": name,
                              "orig": raw, "mut": new})
    return sites


def rtl_files(tree):
    out = []
    for d in ("rtl", os.path.join("rtl", "prim")):
        for f in sorted(os.listdir(os.path.join(tree, d))):
            if f.endswith(".sv") and f.startswith("esc_") and f not in EXCLUDED:
                out.append(os.path.join(tree, d, f))
    return out


def all_sites(tree):
    sites = []
    for p in rtl_files(tree):
        for s in file_sites(p):
            s["file"] = os.path.relpath(p, tree)
            sites.append(s)
    return sites


def sample(sites, count, seed):
    """Deterministic: every file's sites shuffled with one RNG, files visited round-robin in
    a shuffled order, so that every module gets a mutant before any gets a second."""
    rng = random.Random(seed)
    by_file = {}
    for s in sites:
        by_file.setdefault(s["file"], []).append(s)
    files = sorted(by_file)
    for f in files:
        rng.shuffle(by_file[f])
    rng.shuffle(files)
    out = []
    while len(out) < count and any(by_file.values()):
        for f in files:
            if by_file[f] and len(out) < count:
                out.append(by_file[f].pop(0))
    return out


# --- Which tests see a file ---------------------------------------------------------------

def hierarchy(tree):
    """module -> set of modules it instantiates (directly)."""
    children = {}
    for p in rtl_files(tree):
        mod = os.path.basename(p)[:-3]
        with open(p, encoding="utf-8") as f:
            text = re.sub(r"//[^\n]*", "", f.read())
        children[mod] = set(re.findall(r"^\s*(esc_\w+)\s*(?:#\s*\(|u_\w+|g_\w+)", text, re.M))
        children[mod].discard(mod)
    return children


def reaches(children, top, mod):
    seen, todo = set(), [top]
    while todo:
        m = todo.pop()
        if m == mod:
            return True
        if m not in seen:
            seen.add(m)
            todo.extend(children.get(m, ()))
    return False


def matrix_targets(tree):
    """The esc_tb_cfg_<cfg> executables of the configuration matrix, named as
    tb/CMakeLists.txt names them: label and value of each rtl/esc_configs.json entry, lower
    case, without `_`."""
    with open(os.path.join(tree, "rtl", "esc_configs.json"), encoding="utf-8") as f:
        data = json.load(f)
    return ["esc_tb_cfg_" + ("%s%s" % (sw["label"], v)).lower().replace("_", "")
            for sw in data["sweeps"] for v in sw["values"]]


def formal_jobs(tree):
    """(job, [repo-relative sources]) from the JOBS table of scripts/formal.sh."""
    with open(os.path.join(tree, "scripts", "formal.sh"), encoding="utf-8") as f:
        text = f.read()
    block = text.split("JOBS=(", 1)[1].split("\n)", 1)[0]
    return [(m.group(1), m.group(2).split())
            for m in re.finditer(r'^\s*"([\w]+)\|\w+\|([^|]*)\|', block, re.M)]


# --- Running one mutant -------------------------------------------------------------------

class Restore:
    """Writes a mutant and always puts the original back (also on SIGINT/SIGTERM)."""

    def __init__(self, path, original):
        self.path, self.original = path, original

    def __enter__(self):
        self.old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum, frame):
            raise KeyboardInterrupt
        signal.signal(signal.SIGTERM, handler)
        return self

    def write(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def __exit__(self, *exc):
        self.write(self.original)
        for s, h in self.old.items():
            signal.signal(s, h)
        return False


def run(cmd, timeout=None, env=None, cwd=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, env=env, cwd=cwd, start_new_session=True)
        return p.returncode, p.stdout, time.monotonic() - t0
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out, time.monotonic() - t0


def configure(tree, build):
    if not os.path.exists(os.path.join(build, "build.ninja")):
        rc, out, _ = run(["cmake", "-S", tree, "-B", build, "-G", "Ninja",
                          "-DCMAKE_BUILD_TYPE=Release"])
        if rc != 0:
            sys.exit("mutate: cmake configure failed:\n" + out[-3000:])


def exe_path(build, target):
    return os.path.join(build, "tb", target)


def test_plan(args, children, jobs, site):
    """[(kind, name, payload)] in the order they run."""
    mod = os.path.basename(site["file"])[:-3]
    plan = []
    if "formal" in args.tests:
        for job, srcs in jobs:
            if site["file"] in srcs:
                plan.append(("formal", job, None))
    if "sim" in args.tests:
        for target, top in EXECUTABLES:
            if reaches(children, top, mod):
                plan.append(("sim", target, top))
    if "matrix" in args.tests and reaches(children, "esc_top", mod):
        for target in args.matrix:
            plan.append(("sim", target, "esc_top"))
    return plan


def run_mutant(args, children, jobs, site, log):
    path = os.path.join(args.tree, site["file"])
    with open(path, encoding="utf-8") as f:
        original = f.read()
    lines = original.split("\n")
    if lines[site["line"] - 1] != site["orig"]:
        sys.exit("mutate: %s: line %d is not the enumerated text (file changed?)"
                 % (site["id"], site["line"]))
    lines[site["line"] - 1] = site["mut"]
    mutated = "\n".join(lines)
    assert mutated != original
    res = {"id": site["id"], "file": site["file"], "line": site["line"], "op": site["op"],
           "orig": site["orig"].strip(), "mut": site["mut"].strip(), "outcome": "survived",
           "killed_by": [], "tests_run": [], "build_s": 0.0, "test_s": 0.0}
    plan = test_plan(args, children, jobs, site)
    env = dict(os.environ, ESC_FORMAL_SRC=args.tree)
    deadline = time.monotonic() + args.timeout
    mdir = os.path.join(args.out, "mutants", site["id"].replace(":", "_"))
    os.makedirs(mdir, exist_ok=True)
    t0 = time.monotonic()
    with Restore(path, original) as r:
        r.write(mutated)
        built = set()
        for kind, name, _top in plan:
            left = deadline - time.monotonic()
            if left <= 0:
                res["outcome"] = "timeout"
                break
            if kind == "formal":
                rc, out, dt = run([os.path.join(args.tree, "scripts", "formal.sh"),
                                   "-o", os.path.join(mdir, "formal"), "-j", name],
                                  timeout=left, env=env)
                res["test_s"] += dt
                res["tests_run"].append("formal." + name)
                _save(mdir, "formal." + name, out)
                if rc is None:
                    res["outcome"], res["killed_by"] = "timeout", ["formal." + name]
                    break
                if rc == 77:
                    continue
                if rc != 0:
                    if "yosys error" in out:
                        res["outcome"] = "build-error"
                        res["killed_by"] = ["yosys (formal.%s)" % name]
                    else:
                        res["outcome"], res["killed_by"] = "killed", ["formal." + name]
                    break
                continue
            if name not in built:
                rc, out, dt = run(["ninja", "-C", args.build, name])
                res["build_s"] += dt
                deadline += dt  # the timeout is for the tests, not the build
                _save(mdir, "build." + name, out)
                if rc != 0:
                    res["outcome"] = "build-error"
                    res["killed_by"] = [_first_error(out)]
                    break
                built.add(name)
            left = deadline - time.monotonic()
            rc, out, dt = run([exe_path(args.build, name), "--gtest_fail_fast", "--gtest_brief=1"],
                              timeout=left, cwd=args.build)
            res["test_s"] += dt
            res["tests_run"].append(name)
            _save(mdir, "test." + name, out)
            if rc is None:
                res["outcome"], res["killed_by"] = "timeout", [name]
                break
            if rc != 0:
                failed = re.findall(r"^\[  FAILED  \] (\S+?)(?:,| \(|$)", out, re.M)
                res["outcome"] = "killed"
                res["killed_by"] = sorted(set(failed))[:3] or ["%s (exit %d)" % (name, rc)]
                break
    res["seconds"] = round(time.monotonic() - t0, 1)
    res["build_s"] = round(res["build_s"], 1)
    res["test_s"] = round(res["test_s"], 1)
    log("%-44s %-11s %6.0fs  %s" % (res["id"], res["outcome"], res["seconds"],
                                   ", ".join(res["killed_by"])))
    return res


def _save(mdir, name, text):
    with open(os.path.join(mdir, name + ".log"), "w", encoding="utf-8") as f:
        f.write(text)


def _first_error(out):
    for line in out.splitlines():
        if line.startswith("%Error") or "error:" in line:
            return line.strip()[:160]
    return "ninja failed"


# --- Report -------------------------------------------------------------------------------

def score(results):
    k = sum(r["outcome"] in ("killed", "timeout") for r in results)
    s = sum(r["outcome"] == "survived" for r in results)
    b = sum(r["outcome"] == "build-error" for r in results)
    return k, s, b


def markdown(results, args):
    k, s, b = score(results)
    out = ["| mutant | file:line | original -> mutated | outcome | killed by | s (build + tests) |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        diff = _short_diff(r["orig"], r["mut"])
        out.append("| `%s` | %s:%d | %s | %s | %s | %.0f (%.0f + %.0f) |" % (
            r["id"], r["file"], r["line"], diff, r["outcome"],
            ", ".join("`%s`" % t for t in r["killed_by"]) or "-",
            r["seconds"], r["build_s"], r["test_s"]))
    pct = 100.0 * k / (k + s) if k + s else 0.0
    out.append("")
    chosen = ("`--only`" if args.only else "`--count %d --seed %d`" % (args.count, args.seed))
    out.append("**Score: %d / %d killed (%.0f %%); %d survived, %d build-error (stillborn, "
               "not scored); test set `%s`, mutants %s.**" % (k, k + s, pct, s, b,
                                                             ",".join(args.tests), chosen))
    return "\n".join(out) + "\n"


def changed_span(a, b):
    """(i, j): a and b share a[:i] and their last j characters; the change lies between."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    return i, j


def _short_diff(a, b):
    """`orig` -> `mut` around the change only."""
    i, j = changed_span(a, b)
    lo = max(0, i - 24)
    ea, eb = len(a) - j, len(b) - j
    ctx_a = a[lo:min(len(a), ea + 16)]
    ctx_b = b[lo:min(len(b), eb + 16)]
    return "`%s` -> `%s`" % (ctx_a.replace("|", "\\|"), ctx_b.replace("|", "\\|"))


# --- Self-test ----------------------------------------------------------------------------

def self_test():
    import unittest
    sys.path.insert(0, os.path.join(HERE, "test"))
    suite = unittest.defaultTestLoader.discover(os.path.join(HERE, "test"),
                                                pattern="test_mutate.py")
    ok = unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful()
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", default=ROOT,
                    help="working tree to mutate in place (default: %(default)s)")
    ap.add_argument("--build", help="build dir (configured if absent; default: <tree>/build-mut)")
    ap.add_argument("--out", help="results dir (default: <build>/mutate)")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", nargs="+", metavar="ID", help="run exactly these mutants")
    ap.add_argument("--list", action="store_true", help="print every site and exit")
    ap.add_argument("--tests", default="formal,sim",
                    help="comma list of: formal, sim, matrix (default: %(default)s)")
    ap.add_argument("--configs", help="with --tests matrix: comma list of configuration "
                    "matrix entries, e.g. basisch1,t2 (default: all)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds of tests per mutant (builds not counted)")
    ap.add_argument("--self-test", action="store_true", help="run scripts/test/test_mutate.py")
    ap.add_argument("--table", metavar="JSON", help="print the Markdown table of a mutants.json")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if args.table:
        with open(args.table, encoding="utf-8") as f:
            data = json.load(f)
        args.only, args.tests = data.get("only"), data["tests"]
        args.count, args.seed = data.get("count", len(data["mutants"])), data["seed"]
        sys.stdout.write(markdown(data["mutants"], args))
        return 0
    args.tree = os.path.abspath(args.tree)
    args.tests = [t for t in args.tests.split(",") if t]
    if set(args.tests) - {"formal", "sim", "matrix"}:
        ap.error("--tests takes formal, sim and/or matrix")
    args.matrix = matrix_targets(args.tree)
    if args.configs:
        want = ["esc_tb_cfg_" + c for c in args.configs.split(",") if c]
        unknown = [w[len("esc_tb_cfg_"):] for w in want if w not in args.matrix]
        if unknown:
            ap.error("unknown --configs entry: %s (known: %s)" % (
                " ".join(unknown), " ".join(t[len("esc_tb_cfg_"):] for t in args.matrix)))
        args.matrix = want
    sites = all_sites(args.tree)
    if args.list:
        for s in sites:
            print("%-44s %s" % (s["id"], _short_diff(s["orig"].strip(), s["mut"].strip())))
        print("%d sites in %d files" % (len(sites), len({s["file"] for s in sites})),
              file=sys.stderr)
        return 0
    if args.only:
        by_id = {s["id"]: s for s in sites}
        missing = [i for i in args.only if i not in by_id]
        if missing:
            ap.error("unknown mutant id(s): %s (see --list)" % " ".join(missing))
        chosen = [by_id[i] for i in args.only]
    else:
        chosen = sample(sites, args.count, args.seed)
    args.build = os.path.abspath(args.build or os.path.join(args.tree, "build-mut"))
    args.out = os.path.abspath(args.out or os.path.join(args.build, "mutate"))
    os.makedirs(args.out, exist_ok=True)
    if "sim" in args.tests or "matrix" in args.tests:
        configure(args.tree, args.build)
    children, jobs = hierarchy(args.tree), formal_jobs(args.tree)

    def log(msg):
        print(msg, flush=True)

    results = []
    try:
        for s in chosen:
            results.append(run_mutant(args, children, jobs, s, log))
            _write(args, results)
    except KeyboardInterrupt:
        print("mutate: interrupted; the mutated file was restored", file=sys.stderr)
        _write(args, results)
        return 130
    k, s, b = score(results)
    print("mutate: %d killed, %d survived, %d build-error; score %d/%d; %s" % (
        k, s, b, k, k + s, os.path.join(args.out, "mutants.md")))
    return 0


def _write(args, results):
    with open(os.path.join(args.out, "mutants.json"), "w", encoding="utf-8") as f:
        k, s, b = score(results)
        json.dump({"seed": None if args.only else args.seed, "only": args.only or None,
                   "count": len(results), "tests": args.tests, "killed": k, "survived": s,
                   "build_error": b, "mutants": results}, f, indent=1)
    with open(os.path.join(args.out, "mutants.md"), "w", encoding="utf-8") as f:
        f.write(markdown(results, args))


if __name__ == "__main__":
    sys.exit(main())
