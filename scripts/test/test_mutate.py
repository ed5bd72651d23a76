"""Unit checks of scripts/mutate.py's site enumeration (ctest `scripts.mutate.unit`, label
unit): no mutant changes a nonblocking assignment, a comment, an assertion, a FORMAL region or
a module header; every mutant changes exactly one line; the sample is reproducible and visits
every file. No simulator or solver is run."""

import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import mutate  # noqa: E402

SNIPPET = """\
// a == b in a file comment
module esc_demo #(
  parameter int unsigned Depth = 4,   // x == y
  parameter int unsigned W = Depth > 2 ? 1 : 0
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic a_i,
  output logic b_o
);
`include "esc_assert.svh"
  logic [2:0] cnt_d, cnt_q;
  logic       cnt_en;
  /* block comment: cnt_q == 3'd1 && a_i
     still a comment: !a_i */
  assign cnt_en = a_i && (cnt_q < Depth);  // trailing: cnt_q != 0
  always_comb begin
    cnt_d = cnt_q;
    if (cnt_en) cnt_d = cnt_q + 1'b1;
    b_o = 1'b0;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cnt_q <= '0;
    else         cnt_q <= (cnt_d == 3'd7) ? '0 : cnt_d;
  end
  always_ff @(posedge clk_i)
    if (a_i && cnt_en) cnt_q <= cnt_d;
  // Assertions
  `ESC_ASSERT(Cnt_A, cnt_q != 3'd7 &&
              a_i == 1'b1)
  `ESC_COVER(Cnt_C, cnt_q == 3'd6)
`ifdef FORMAL
  assign cnt_en = cnt_q == 3'd1 && !a_i;
`endif
endmodule
"""


def nba_spans(line):
    """Spans of `<=` that are nonblocking assignments: at parenthesis depth 0 with only an
    lvalue (after an optional `if (...)`/`else`) before them. Independent of mutate.py."""
    spans = []
    for m in re.finditer(r"<=", line):
        pre = line[:m.start()]
        if pre.count("(") != pre.count(")"):
            continue
        pre = re.sub(r"^\s*(?:end\s+)?(?:else\s+)?(?:if\s*\(.*\)\s*)?", "", pre)
        if re.fullmatch(r"[A-Za-z_][\w.\[\]:+\-*' ]*", pre):
            spans.append((m.start(), m.end()))
    return spans


class Snippet(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix=".sv", prefix="esc_demo")
        with os.fdopen(fd, "w") as f:
            f.write(SNIPPET)

    def tearDown(self):
        os.unlink(self.path)

    def test_sites_exactly(self):
        # Only the continuous assignment (16), always_comb (19, 20) and the enable condition
        # of the second always_ff (27): nothing in the comments, the header, the declarations,
        # the reset branch and the assignments of always_ff (their `<=`, `==`, `!`), the
        # assertion macros (also their second line) or the FORMAL region.
        got = sorted((s["line"], s["op"]) for s in mutate.file_sites(self.path))
        self.assertEqual(got, [
            (16, "and2or"), (16, "bound"), (16, "lt2le"),
            (19, "force_en"), (19, "inc2dec"),
            (20, "false2true"),
            (27, "and2or"), (27, "force_en"),
        ])
        by = {(s["line"], s["op"]): s["mut"].strip() for s in mutate.file_sites(self.path)}
        self.assertEqual(by[(16, "bound")],
                         "assign cnt_en = a_i && (cnt_q < (Depth - 1));  // trailing: cnt_q != 0")
        self.assertEqual(by[(19, "force_en")], "if (1'b1) cnt_d = cnt_q + 1'b1;")
        self.assertEqual(by[(27, "force_en")], "if (1'b1) cnt_q <= cnt_d;")


class RealRtl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sites = mutate.all_sites(mutate.ROOT)

    def test_there_are_sites_in_every_file(self):
        files = {os.path.relpath(p, mutate.ROOT) for p in mutate.rtl_files(mutate.ROOT)}
        with_sites = {s["file"] for s in self.sites}
        self.assertTrue(len(self.sites) > 100)
        # esc_basis_buf is a memory wrapper without operators in its logic.
        self.assertLessEqual(files - with_sites, {"rtl/esc_basis_buf.sv"})
        self.assertNotIn("rtl/esc_pkg.sv", with_sites)
        self.assertNotIn("rtl/esc_param_check.sv", with_sites)

    def test_ids_unique_and_one_line_changed(self):
        ids = [s["id"] for s in self.sites]
        self.assertEqual(len(ids), len(set(ids)))
        for s in self.sites:
            self.assertNotEqual(s["orig"], s["mut"], s["id"])
            self.assertNotIn("\n", s["mut"], s["id"])

    def test_no_comment_no_nba_no_assertion_changed(self):
        for s in self.sites:
            a, b = s["orig"], s["mut"]
            lo, tail = mutate.changed_span(a, b)
            hi = len(a) - tail
            c = a.find("//")
            self.assertTrue(c < 0 or hi <= c, "%s changes a comment: %s" % (s["id"], a))
            for ns, ne in nba_spans(a):
                self.assertTrue(hi <= ns or lo >= ne,
                                "%s changes a nonblocking assignment: %s" % (s["id"], a))
            self.assertEqual(len(nba_spans(a)), len(nba_spans(b)),
                             "%s: nonblocking assignments changed: %s -> %s" % (s["id"], a, b))
            self.assertNotRegex(a, r"`ESC_(ASSERT|COVER)", s["id"])
            self.assertNotRegex(a, r"^\s*(module|input|output|parameter)\b", s["id"])

    def test_lines_match_the_files(self):
        for s in self.sites:
            with open(os.path.join(mutate.ROOT, s["file"])) as f:
                self.assertEqual(f.read().split("\n")[s["line"] - 1], s["orig"], s["id"])

    def test_sample_reproducible_and_spread(self):
        a = [s["id"] for s in mutate.sample(self.sites, 16, 1)]
        b = [s["id"] for s in mutate.sample(self.sites, 16, 1)]
        c = [s["id"] for s in mutate.sample(self.sites, 16, 2)]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        nfiles = len({s["file"] for s in self.sites})
        self.assertEqual(len({i.split(":")[0] for i in a}), min(16, nfiles))

    def test_matrix_targets_named_like_cmake(self):
        # tb/CMakeLists.txt: string(TOLOWER "${_label}${_value}"), then drop every `_`.
        t = mutate.matrix_targets(mutate.ROOT)
        self.assertEqual(len(t), len(set(t)))
        self.assertIn("esc_tb_cfg_basisch1", t)
        self.assertIn("esc_tb_cfg_mmax6", t)
        for name in t:
            self.assertRegex(name, r"^esc_tb_cfg_[a-z0-9]+$")


if __name__ == "__main__":
    unittest.main()
