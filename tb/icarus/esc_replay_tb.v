// 4-state replay of one esc_top port recording (docs/verification.md, "4-state replay (Icarus)").
//
// Reads a recording written by the Verilator harness (host/include/esc/port_recorder.hpp: one
// line per cycle, inputs as the rising edge sees them, outputs settled before it), and drives
// the Yosys-written Verilog of esc_top with the same inputs. Per cycle, with the clock low:
// apply the inputs, wait #1, check every output (no X/Z after the first reset release; equal
// to the recorded Verilator value), then raise the clock. Stops at the first differing cycle
// and names it: cycle, signal, expected, got, file.
//
//   vvp replay.vvp +rec=<file>.rec      exit status 0 and "ICARUS_REPLAY PASS" when all agree
//   vvp replay.vvp +rec=<file>.rec +xidle   the same, with X on the load / register payload
//                                           inputs in every cycle their valid is low
//   vvp replay.vvp +rec=<file>.rec +xready=<c>  self-check of the X detection: res_ready_i is
//                                           X in cycle c (scripts/icarus_replay.py run uses it)
//
// Port widths come from ports.vh (`ESC_W_<port>), written by scripts/icarus_replay.py from the
// netlist's own port declarations. Plain Verilog-2005 plus $fscanf/$ungetc: iverilog -g2012.
`include "ports.vh"

module esc_replay_tb;
  reg clk_i = 1'b0;
  reg rst_ni = 1'b1;  // as Sim's constructor: reset high until the harness's reset() drives it
  reg reg_valid_i, reg_write_i;
  reg [`ESC_W_reg_addr_i-1:0] reg_addr_i;
  reg [`ESC_W_reg_wdata_i-1:0] reg_wdata_i;
  reg ld_valid_i;
  reg [`ESC_W_ld_tgt_i-1:0] ld_tgt_i;
  reg [`ESC_W_ld_addr_i-1:0] ld_addr_i;
  reg [`ESC_W_ld_data_i-1:0] ld_data_i;
  reg res_ready_i;

  wire [`ESC_W_reg_rdata_o-1:0] reg_rdata_o;
  wire ld_ready_o;
  wire res_valid_o;
  wire [`ESC_W_res_data_o-1:0] res_data_o;
  wire [`ESC_W_res_acc_o-1:0] res_acc_o;
  wire [`ESC_W_res_n_o-1:0] res_n_o;
  wire [`ESC_W_res_tile_o-1:0] res_tile_o;
  wire res_last_o;
  wire busy_o, done_o, error_o;

  esc_top dut (
    .clk_i, .rst_ni,
    .reg_valid_i, .reg_write_i, .reg_addr_i, .reg_wdata_i, .reg_rdata_o,
    .ld_valid_i, .ld_ready_o, .ld_tgt_i, .ld_addr_i, .ld_data_i,
    .res_valid_o, .res_ready_i, .res_data_o, .res_acc_o, .res_n_o, .res_tile_o, .res_last_o,
    .busy_o, .done_o, .error_o
  );

  // Recorded values of one line.
  reg [63:0] cyc;
  reg i_rst, i_rv, i_rw, i_ldv, i_rr;
  reg [`ESC_W_reg_addr_i-1:0] i_ra;
  reg [`ESC_W_reg_wdata_i-1:0] i_wd;
  reg [`ESC_W_ld_tgt_i-1:0] i_tgt;
  reg [`ESC_W_ld_addr_i-1:0] i_la;
  reg [`ESC_W_ld_data_i-1:0] i_ld;
  reg [`ESC_W_reg_rdata_o-1:0] e_rd;
  reg e_ldr, e_rv, e_last, e_busy, e_done, e_err;
  reg [`ESC_W_res_data_o-1:0] e_y;
  reg [`ESC_W_res_acc_o-1:0] e_acc;
  reg [`ESC_W_res_n_o-1:0] e_n;
  reg [`ESC_W_res_tile_o-1:0] e_tile;

  reg [8*1024-1:0] rec;
  integer fd, c, n, cycles, checked, bad;
  reg released;  // the first reset release has been seen: from then on every cycle is checked
  reg xidle;  // +xidle (see below)
  reg xready_set;
  reg [63:0] xready_cyc;

  // One output: X/Z first (a 4-state finding), then the value. Reports and counts the first
  // differing cycle only; the replay stops at the end of that cycle.
  task check;
    input [8*16-1:0] name;
    input [255:0] exp;
    input [255:0] got;
    input integer width;
    reg [255:0] mask;
    begin
      mask = (width >= 256) ? {256{1'b1}} : (({256{1'b0}} | 1'b1) << width) - 1;
      if (^(got & mask) === 1'bx) begin
        $display("ICARUS_REPLAY FAIL %0s: cycle %0d: X/Z on %0s: expected %0h (Verilator), got %0h",
                 rec, cyc, name, exp & mask, got & mask);
        bad = bad + 1;
      end else if ((got & mask) !== (exp & mask)) begin
        $display("ICARUS_REPLAY FAIL %0s: cycle %0d: %0s differs: expected %0h (Verilator), got %0h",
                 rec, cyc, name, exp & mask, got & mask);
        bad = bad + 1;
      end
    end
  endtask

  initial begin
    if (!$value$plusargs("rec=%s", rec)) begin
      $display("ICARUS_REPLAY FAIL: no +rec=<file>");
      $fatal(1, "replay failed");
    end
    fd = $fopen(rec, "r");
    if (fd == 0) begin
      $display("ICARUS_REPLAY FAIL %0s: cannot open", rec);
      $fatal(1, "replay failed");
    end
    xidle = $test$plusargs("xidle");
    xready_set = $value$plusargs("xready=%d", xready_cyc);
    cycles = 0;
    checked = 0;
    bad = 0;
    released = 1'b0;
    reg_valid_i = 1'b0;
    reg_write_i = 1'b0;
    reg_addr_i = 0;
    reg_wdata_i = 0;
    ld_valid_i = 1'b0;
    ld_tgt_i = 0;
    ld_addr_i = 0;
    ld_data_i = 0;
    res_ready_i = 1'b0;
    #1;
    while (bad == 0 && !$feof(fd)) begin
      c = $fgetc(fd);
      if (c == "#") begin
        while (c != "\n" && c != -1) c = $fgetc(fd);  // header line
      end else if (c == "\n" || c == -1) begin
        // blank line / end of file
      end else begin
        c = $ungetc(c, fd);
        n = $fscanf(fd, "%d %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h\n",
                    cyc, i_rst, i_rv, i_rw, i_ra, i_wd, i_ldv, i_tgt, i_la, i_ld, i_rr,
                    e_rd, e_ldr, e_rv, e_y, e_acc, e_n, e_tile, e_last, e_busy, e_done, e_err);
        if (n != 22) begin
          $display("ICARUS_REPLAY FAIL %0s: line of cycle %0d unreadable (%0d of 22 fields)",
                   rec, cycles, n);
          $fatal(1, "replay failed");
        end
        if (cyc != cycles) begin
          $display("ICARUS_REPLAY FAIL %0s: expected the line of cycle %0d, read cycle %0d", rec,
                   cycles, cyc);
          $fatal(1, "replay failed");
        end
        // Clock low: apply the inputs the recorded edge saw.
        rst_ni = i_rst;
        reg_valid_i = i_rv;
        reg_write_i = i_rw;
        reg_addr_i = i_ra;
        reg_wdata_i = i_wd;
        ld_valid_i = i_ldv;
        ld_tgt_i = i_tgt;
        ld_addr_i = i_la;
        ld_data_i = i_ld;
        res_ready_i = i_rr;
        if (xidle) begin
          // +xidle: a payload whose valid is low is X instead of the harness's garbage (which
          // the DUT must ignore); every output must still equal Verilator's and be known.
          if (i_ldv !== 1'b1) begin
            ld_tgt_i = {`ESC_W_ld_tgt_i{1'bx}};
            ld_addr_i = {`ESC_W_ld_addr_i{1'bx}};
            ld_data_i = {`ESC_W_ld_data_i{1'bx}};
          end
          if (i_rv !== 1'b1) begin
            reg_write_i = 1'bx;
            reg_addr_i = {`ESC_W_reg_addr_i{1'bx}};
            reg_wdata_i = {`ESC_W_reg_wdata_i{1'bx}};
          end
        end
        if (xready_set && cyc == xready_cyc) res_ready_i = 1'bx;  // self-check, see +xready
        #1;
        if (i_rst === 1'b1) released = 1'b1;
        if (released) begin
          check("reg_rdata_o", e_rd, reg_rdata_o, `ESC_W_reg_rdata_o);
          check("ld_ready_o", e_ldr, ld_ready_o, 1);
          check("res_valid_o", e_rv, res_valid_o, 1);
          check("res_data_o", e_y, res_data_o, `ESC_W_res_data_o);
          check("res_acc_o", e_acc, res_acc_o, `ESC_W_res_acc_o);
          check("res_n_o", e_n, res_n_o, `ESC_W_res_n_o);
          check("res_tile_o", e_tile, res_tile_o, `ESC_W_res_tile_o);
          check("res_last_o", e_last, res_last_o, 1);
          check("busy_o", e_busy, busy_o, 1);
          check("done_o", e_done, done_o, 1);
          check("error_o", e_err, error_o, 1);
          checked = checked + 1;
        end
        #1 clk_i = 1'b1;
        #1 clk_i = 1'b0;
        cycles = cycles + 1;
      end
    end
    $fclose(fd);
    if (bad != 0) begin
      $display("ICARUS_REPLAY FAIL %0s: %0d output(s) differ in the first differing cycle (of %0d replayed)",
               rec, bad, cycles);
      $fatal(1, "replay failed");
    end
    if (checked == 0) begin
      $display("ICARUS_REPLAY FAIL %0s: no cycle after reset release (empty recording?)", rec);
      $fatal(1, "replay failed");
    end
    $display("ICARUS_REPLAY PASS %0s: %0d cycles replayed, %0d checked after reset release, all outputs equal, no X/Z",
             rec, cycles, checked);
    $finish(0);
  end
endmodule
