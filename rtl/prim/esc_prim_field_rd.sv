// Reads fields packed Fields to a RAM word, in front of an esc_prim_ram_1r1w (which holds its
// read data while it is not read).
//
// * Field i sits in word i / Fields at slot i mod Fields.
// * The RAM is read only for the first field of a run (first_i) and when the field index enters
//   a new word (slot 0); the other fields of the word are selected from the held read data.
// * The slot is registered with the take, so field_o is the field taken last, valid in the
//   cycle the RAM's read data is (one cycle after take_i), and held until the next take.
// * Fields = 1: every take reads the RAM and field_o is its word.
`include "esc_assert.svh"

module esc_prim_field_rd #(
  parameter int unsigned  Fields = 2,  // fields per RAM word, a power of two
  parameter int unsigned  FieldW = 8,
  parameter int unsigned  IdxW   = 8,  // field index width
  parameter int unsigned  AddrW  = 7,  // RAM word address width
  localparam int unsigned SelW   = Fields > 1 ? $clog2(Fields) : 1
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     take_i,      // field idx_i is taken this cycle
  input  logic                     first_i,     // ... and it starts a run: read its word
  input  logic [IdxW-1:0]          idx_i,
  output logic                     ram_re_o,
  output logic [AddrW-1:0]         ram_addr_o,
  input  logic [Fields*FieldW-1:0] ram_word_i,
  output logic [FieldW-1:0]        field_o
);

  `ESC_ASSERT_INIT(FieldRdFieldsPow2_A, Fields >= 1 && (Fields & (Fields - 1)) == 0)
  `ESC_ASSERT_INIT(FieldRdIdxFits_A, IdxW >= AddrW + (Fields > 1 ? SelW : 0))

  if (Fields > 1) begin : gen_select
    logic [SelW-1:0] sel_d, sel_q;
    assign ram_re_o   = take_i && (first_i || (idx_i[SelW-1:0] == '0));
    assign ram_addr_o = idx_i[SelW +: AddrW];
    assign sel_d      = take_i ? idx_i[SelW-1:0] : sel_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        sel_q <= '0;
      end else begin
        sel_q <= sel_d;
      end
    end
    assign field_o = ram_word_i[32'(sel_q)*FieldW +: FieldW];

    // The contract that makes the held word the right one: within a run (no first_i) a take
    // that does not start a word is the next index after the last take. The formal proof
    // assumes it (formal/esc_prim_field_rd_props.svh); simulation checks it here.
`ifndef SYNTHESIS
    logic [IdxW-1:0] last_idx_q;  // the index taken last (checks only)
    logic            taken_q;     // a take since reset
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        last_idx_q <= '0;
        taken_q    <= 1'b0;
      end else if (take_i) begin
        last_idx_q <= idx_i;
        taken_q    <= 1'b1;
      end
    end
    `ESC_ASSERT(FieldRdSequential_A, take_i && !first_i && idx_i[SelW-1:0] != '0 |->
                                     taken_q && idx_i == last_idx_q + 1'b1)
`endif

    // The index bits above the word address (a wider counter) are the caller's.
    if (IdxW > SelW + AddrW) begin : gen_unused_idx
      logic unused_idx;
      assign unused_idx = ^idx_i[IdxW-1:SelW+AddrW];
    end

`ifdef FORMAL
  `include "esc_prim_field_rd_props.svh"
`endif
  end else begin : gen_word
    assign ram_re_o   = take_i;
    assign ram_addr_o = idx_i[AddrW-1:0];
    assign field_o    = ram_word_i;
    logic unused_word;
    assign unused_word = ^{clk_i, rst_ni, first_i};
    if (IdxW > AddrW) begin : gen_unused_idx
      logic unused_idx;
      assign unused_idx = ^idx_i[IdxW-1:AddrW];
    end
  end

  `ESC_ASSERT(FieldRdReadsOnlyOnTake_A, ram_re_o |-> take_i)
endmodule
