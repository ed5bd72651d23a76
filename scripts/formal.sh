#!/usr/bin/env bash
# Formal property checking: every job is yosys (read_verilog -formal, prep, async2sync, dffunmap,
# write_smt2) then yosys-smtbmc with z3 -- BMC, and k-induction for the jobs that are proven.
# The properties live in formal/<module>_props.svh, included by each module under `ifdef FORMAL.
#
# Usage: scripts/formal.sh [-o OUTDIR] [-j JOB]...          run jobs (default: all)
#        scripts/formal.sh --list                             job names, one a line
#        scripts/formal.sh [-o OUTDIR] --summary              run all, then print the counts
#        scripts/formal.sh [-o OUTDIR] --table                print the README table from results
#        scripts/formal.sh [-o OUTDIR] --check-readme         README table == results (no solver)
#        scripts/formal.sh [-o OUTDIR] --write-readme         rewrite the README table
#        scripts/formal.sh [-o OUTDIR] --mutant NAME          planted bug: PASS iff the proof fails
#                                                             with a counterexample VCD
# One line per job: PASS/FAIL, proven (BMC + k-induction) or bounded (BMC depth N), and every
# cover (_C, the conditions the properties depend on) reached within the BMC depth; on failure
# the counterexample is OUTDIR/<job>/<bmc|ind>.vcd. Exit 1 on any failure, 77 if z3 is missing.
# ESC_FORMAL_SRC=DIR reads the RTL from DIR/rtl instead of the checkout (for mutation scripts).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/formal"
README="$ROOT/formal/README.md"

# name | top | sources (repo-relative, space-separated) | parameters (+NAME: a define) | bmc depth | induction depth
# Induction depth 0 means bounded only (BMC); formal/README.md justifies each bound.
JOBS=(
  "fifo_d3|esc_prim_fifo|rtl/prim/esc_prim_fifo.sv|Depth=3 Width=4|12|4"
  "fifo_d4|esc_prim_fifo|rtl/prim/esc_prim_fifo.sv|Depth=4 Width=4|12|4"
  "ram|esc_prim_ram_1r1w|rtl/prim/esc_prim_ram_1r1w.sv|Depth=5 Width=4|10|3"
  "stream_reg|esc_prim_stream_reg|rtl/prim/esc_prim_stream_reg.sv|Width=4|10|3"
  "field_rd|esc_prim_field_rd|rtl/prim/esc_prim_field_rd.sv|Fields=4 FieldW=3 IdxW=6 AddrW=3|6|2"
  "psum|esc_psum_bank|rtl/prim/esc_prim_ram_1r1w.sv rtl/esc_psum_bank.sv|Depth=4 Width=4|10|3"
  "psum_data|esc_psum_bank|rtl/prim/esc_prim_ram_1r1w.sv rtl/esc_psum_bank.sv|Depth=4 Width=4 +ESC_F_PSUM_DATA|10|0"
  "ctrl|esc_ctrl|rtl/esc_pkg.sv rtl/esc_ctrl.sv||8|4"
  "regs|esc_regs|rtl/esc_pkg.sv rtl/esc_regs.sv||4|2"
  "zfifo|esc_zfifo|rtl/prim/esc_prim_ram_1r1w.sv rtl/esc_zfifo.sv|Depth=2 NumReaders=2 SlotW=8 WordW=4|10|4"
  "zfifo_data|esc_zfifo|rtl/prim/esc_prim_ram_1r1w.sv rtl/esc_zfifo.sv|Depth=2 NumReaders=2 SlotW=8 WordW=4 +ESC_F_ZFIFO_DATA|10|0"
)

# Planted bugs: name | job | file | sed expression (the rest of the line; it may contain |).
# The sed must change the file.
# One per job at least, so that every property set is shown able to fail on every run.
MUTANTS=(
  "fifo_full_off_by_one|fifo_d4|rtl/prim/esc_prim_fifo.sv|s/in_ready_o  = (fill_q != FillW'(Depth))/in_ready_o  = (fill_q != FillW'(Depth + 1))/"
  "fifo_d3_no_wrap|fifo_d3|rtl/prim/esc_prim_fifo.sv|s/wr_d = (IsPow2 || wr_q != LastIdx) ? wr_q + 1'b1 : '0;/wr_d = wr_q + 1'b1;/"
  "ram_write_at_read_addr|ram|rtl/prim/esc_prim_ram_1r1w.sv|s/mem_q\[waddr_i\] <= wdata_i/mem_q[raddr_i] <= wdata_i/"
  "stream_reg_flush_ignored|stream_reg|rtl/prim/esc_prim_stream_reg.sv|s/if (flush_i) begin/if (1'b0) begin/"
  "field_rd_no_reread_on_first|field_rd|rtl/prim/esc_prim_field_rd.sv|s/assign ram_re_o   = take_i \&\& (first_i || /assign ram_re_o   = take_i \&\& (/"
  "psum_drain_keeps_entry|psum|rtl/esc_psum_bank.sv|s/vld_d\[dr_vidx\] = 1'b0;/vld_d[dr_vidx] = vld_q[dr_vidx];/"
  "psum_drain_reads_lane_addr|psum_data|rtl/esc_psum_bank.sv|s/? dr_addr_i : rd_addr_i/? rd_addr_i : rd_addr_i/"
  "ctrl_pad_check_off_by_one|ctrl|rtl/esc_ctrl.sv|s/if (pad_t >= k || pad_b >= k/if (pad_t > k || pad_b >= k/"
  "ctrl_flush_timeout|ctrl|rtl/esc_ctrl.sv|s/if (!run_abort_q \&\& !fe_busy_i \&\& !cau_busy_i) begin/if (!run_abort_q \&\& !fe_busy_i \&\& !cau_busy_i || flush_cnt_q == 2'd1) begin/"
  "ctrl_clear_keeps_done|ctrl|rtl/esc_ctrl.sv|s/^      done_d  = 1'b0;$/      done_d  = 1'b1;/"
  "regs_read_writes_config|regs|rtl/esc_regs.sv|s/if (wr \&\& !busy_i) begin/if (reg_valid_i \&\& !busy_i) begin/"
  "regs_cap_word_shifted|regs|rtl/esc_regs.sv|s/assign cap_idx = reg_addr_i\[CapIdxW-1:0\];/assign cap_idx = reg_addr_i[CapIdxW-1:0] + 1'b1;/"
  "zfifo_full_off_by_one|zfifo|rtl/esc_zfifo.sv|s/== PtrW'(Depth);/== PtrW'(Depth + 1);/"
  "zfifo_copy_one_word|zfifo_data|rtl/esc_zfifo.sv|s/\\* NumWords + 32'(stg_word_q));/* NumWords);/"
)

die() { echo "formal: $*" >&2; exit 2; }

field() { echo "$1" | cut -d'|' -f"$2"; }

job_line() {
  local j
  for j in "${JOBS[@]}"; do [ "$(field "$j" 1)" = "$1" ] && { echo "$j"; return 0; }; done
  return 1
}

need_tools() {
  command -v yosys >/dev/null || die "yosys not installed"
  command -v yosys-smtbmc >/dev/null || die "yosys-smtbmc not installed"
  if ! command -v z3 >/dev/null; then
    echo "formal: SKIP: z3 is not installed (apt-get install z3, or scripts/setup.sh)" >&2
    exit 77
  fi
}

# run_job LINE SRCROOT DIR -> prints the result line, writes DIR.result; returns 0 on PASS
run_job() {
  local line="$1" src="$2" dir="$3"
  local name top files params bmc ind
  name=$(field "$line" 1); top=$(field "$line" 2); files=$(field "$line" 3)
  params=$(field "$line" 4); bmc=$(field "$line" 5); ind=$(field "$line" 6)
  rm -rf "$dir"; mkdir -p "$dir"
  local t0=$SECONDS f p chp="" rd=""
  for f in $files; do rd+=" $src/$f"; done
  local defs=""
  for p in $params; do
    case "$p" in +*) defs+=" -D${p#+}" ;; *) chp+=" -set ${p%%=*} ${p#*=}" ;; esac
  done
  # esc_pkg.sv first for the blocks that use the package.
  cat >"$dir/model.ys" <<EOF
read_verilog -formal -sv -I$src/rtl/prim -I$ROOT/formal -DESC_FTOP_$top$defs $rd
${chp:+chparam$chp $top}
prep -top $top
async2sync
dffunmap
write_smt2 -wires $dir/model.smt2
EOF
  if ! yosys -q -l "$dir/yosys.log" "$dir/model.ys" >/dev/null 2>&1; then
    echo "FAIL $name: yosys error (see $dir/yosys.log)"
    echo "$name FAIL error 0 0" >"$dir.result"
    return 1
  fi
  # Properties: the labelled assertions (names ending in _P) in the model.
  grep -o '^; yosys-smt2-assert [0-9]* [A-Za-z0-9_]*_P$' "$dir/model.smt2" | awk '{print $4}' \
    | sort -u >"$dir/props.txt"
  local nprops; nprops=$(wc -l <"$dir/props.txt")
  [ "$nprops" -gt 0 ] || { echo "FAIL $name: no properties"; echo "$name FAIL error 0 0" >"$dir.result"; return 1; }
  # --unroll: z3 4.8 stalls on the uninterpreted-function encoding of even tiny models.
  local smt=(yosys-smtbmc -s z3 --unroll --noprogress)
  local status=PASS kind cex=""
  if ! timeout 600 "${smt[@]}" -t "$bmc" --dump-vcd "$dir/bmc.vcd" "$dir/model.smt2" >"$dir/bmc.log" 2>&1; then
    status=FAIL; cex="$dir/bmc.vcd"
  fi
  if [ "$status" = PASS ] && [ "$ind" -gt 0 ]; then
    if ! timeout 600 "${smt[@]}" -i -t "$ind" --dump-vcd "$dir/ind.vcd" "$dir/model.smt2" >"$dir/ind.log" 2>&1; then
      status=FAIL; cex="$dir/ind.vcd"
    fi
  fi
  # Covers (labels ending in _C): every one must be reached within the BMC depth, else a
  # property guarded by that condition could be vacuous.
  local ncov; ncov=$(grep -c '^; yosys-smt2-cover ' "$dir/model.smt2")
  if [ "$status" = PASS ] && [ "$ncov" -gt 0 ]; then
    if ! timeout 600 "${smt[@]}" -c -t "$bmc" "$dir/model.smt2" >"$dir/cover.log" 2>&1; then
      status=FAIL; cex="$dir/cover.vcd"
    fi
  fi
  if [ "$ind" -gt 0 ]; then kind=proven; else kind=bounded; fi
  local secs=$((SECONDS - t0))
  echo "$name $status $kind $bmc $ind $nprops" >"$dir.result"
  if [ "$status" = PASS ]; then
    if [ "$kind" = proven ]; then
      printf 'PASS %-12s %-20s %2d properties proven (k-induction, k=%d; BMC %d), %d covers reached %3ds\n' "$name" "$top" "$nprops" "$ind" "$bmc" "$ncov" "$secs"
    else
      printf 'PASS %-12s %-20s %2d properties bounded (BMC depth %d), %d covers reached %3ds\n' "$name" "$top" "$nprops" "$bmc" "$ncov" "$secs"
    fi
    return 0
  fi
  printf 'FAIL %-12s %-20s %s\n' "$name" "$top" "$( (grep -m1 -E 'Assert failed|Unreached cover' "${cex%.vcd}.log" || grep -m1 -i 'failed' "${cex%.vcd}.log") | sed 's/^## *[0-9:]* *//')"
  [ -s "$cex" ] && echo "     counterexample: $cex" || echo "     (no counterexample written; see ${cex%.vcd}.log)"
  return 1
}

# Markdown table (README) from the results in $OUT.
table() {
  local j name top r status kind bmc ind n pr=0 bd=0 fl=0
  echo "| job | block | property | status |"
  echo "| --- | --- | --- | --- |"
  for j in "${JOBS[@]}"; do
    name=$(field "$j" 1); top=$(field "$j" 2)
    [ -f "$OUT/$name.result" ] || die "no result for job $name in $OUT (run scripts/formal.sh first)"
    read -r _ status kind bmc ind n <"$OUT/$name.result"
    local st
    if [ "$status" != PASS ]; then st="failing"; fl=$((fl + n))
    elif [ "$kind" = proven ]; then st="proven (k-induction, k=$ind)"; pr=$((pr + n))
    else st="bounded (BMC depth $bmc)"; bd=$((bd + n)); fi
    while read -r p; do echo "| $name | $top | \`$p\` | $st |"; done <"$OUT/$name/props.txt"
  done
  echo
  echo "**Total: $((pr + bd + fl)) properties: $pr proven, $bd bounded, $fl failing.**"
}

readme_block() {
  sed -n '/<!-- formal-table:begin -->/,/<!-- formal-table:end -->/p' "$README" | sed '1d;$d'
}

# docs/verification.md carries the total line of the table (same markers, formal-total).
VERIF="$ROOT/docs/verification.md"
verif_block() {
  sed -n '/<!-- formal-total:begin -->/,/<!-- formal-total:end -->/p' "$VERIF" | sed '1d;$d'
}

MODE=run; SEL=(); MUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -j) SEL+=("$2"); shift 2 ;;
    --list) for j in "${JOBS[@]}"; do field "$j" 1; done; exit 0 ;;
    --list-mutants) for m in "${MUTANTS[@]}"; do field "$m" 1; done; exit 0 ;;
    --summary) MODE=summary; shift ;;
    --table) MODE=table; shift ;;
    --check-readme) MODE=check; shift ;;
    --write-readme) MODE=write; shift ;;
    --mutant) MODE=mutant; MUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
mkdir -p "$OUT"

case "$MODE" in
  table) table; exit 0 ;;
  check)
    need_tools
    if diff <(readme_block) <(table) >"$OUT/readme.diff" &&
       diff <(verif_block) <(table | tail -1) >>"$OUT/readme.diff"; then
      echo "formal: README table and docs/verification.md total match the results in $OUT"; exit 0
    fi
    echo "formal: formal/README.md table differs from the results (scripts/formal.sh --write-readme):"
    cat "$OUT/readme.diff"; exit 1 ;;
  write)
    t=$(table) || exit 2
    python3 - "$README" "$t" "$VERIF" <<'EOF'
import sys, re
p, t, v = sys.argv[1], sys.argv[2], sys.argv[3]
for path, tag, text in ((p, "formal-table", t), (v, "formal-total", t.splitlines()[-1])):
    s = open(path).read()
    s = re.sub(r'(<!-- ' + tag + r':begin -->\n).*?(<!-- ' + tag + r':end -->)',
               lambda m: m.group(1) + text + '\n' + m.group(2), s, flags=re.S)
    open(path, 'w').write(s)
EOF
    echo "formal: wrote the table into $README and its total into $VERIF"; exit 0 ;;
  mutant)
    need_tools
    mline=""
    for m in "${MUTANTS[@]}"; do [ "$(field "$m" 1)" = "$MUT" ] && mline="$m"; done
    [ -n "$mline" ] || die "unknown mutant $MUT"
    job=$(field "$mline" 2); file=$(field "$mline" 3); expr=$(echo "$mline" | cut -d'|' -f4-)
    line=$(job_line "$job") || die "unknown job $job"
    src="$OUT/mutant_$MUT/src"; rm -rf "$src"; mkdir -p "$src"
    cp -r "$ROOT/rtl" "$src/"
    sed -i "$expr" "$src/$file"
    if cmp -s "$ROOT/$file" "$src/$file"; then echo "FAIL mutant $MUT: sed did not change $file"; exit 1; fi
    echo "mutant $MUT: $file"; diff "$ROOT/$file" "$src/$file" | sed 's/^/  /'
    if run_job "$line" "$src" "$OUT/mutant_$MUT/$job"; then
      echo "FAIL mutant $MUT: the proof passed on the planted bug"; exit 1
    fi
    vcd=$(ls "$OUT/mutant_$MUT/$job"/*.vcd 2>/dev/null | head -1)
    [ -s "$vcd" ] || { echo "FAIL mutant $MUT: no counterexample VCD"; exit 1; }
    step=$(grep -o 'in step [0-9]*' "${vcd%.vcd}.log" | tail -1)
    echo "PASS mutant $MUT: the proof fails on the planted bug ($step); counterexample $vcd"
    exit 0 ;;
esac

need_tools
if [ ${#SEL[@]} -eq 0 ]; then for j in "${JOBS[@]}"; do SEL+=("$(field "$j" 1)"); done; fi
fail=0; t0=$SECONDS
for s in "${SEL[@]}"; do
  line=$(job_line "$s") || die "unknown job $s (see --list)"
  run_job "$line" "${ESC_FORMAL_SRC:-$ROOT}" "$OUT/$s" || fail=1
done
if [ "$MODE" = summary ] || [ ${#SEL[@]} -gt 1 ]; then
  pr=0; bd=0; fl=0
  for s in "${SEL[@]}"; do
    read -r _ status kind _ _ n <"$OUT/$s.result"
    if [ "$status" != PASS ]; then fl=$((fl + n)); elif [ "$kind" = proven ]; then pr=$((pr + n)); else bd=$((bd + n)); fi
  done
  echo "formal: $((pr + bd + fl)) properties: $pr proven, $bd bounded, $fl failing ($((SECONDS - t0)) s)"
fi
exit $fail
