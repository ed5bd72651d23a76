// One-entry valid/ready pipeline register (the pattern of PULP's cc stream_register).
//
// * in_ready_o = register empty or the consumer takes the entry this cycle, so a full
//   register accepts a new entry in the cycle its old one leaves (full throughput).
// * out_valid_o / out_data_o come straight from flops; data holds while valid && !ready.
// * flush_i drops the held entry (valid to 0) and discards a load in the same cycle; the
//   data register may still take the input (its content does not matter while not valid).
`include "esc_assert.svh"

module esc_prim_stream_reg #(
  parameter int unsigned Width = 8
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             flush_i,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [Width-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [Width-1:0] out_data_o
);

  logic             valid_q, valid_d;
  logic [Width-1:0] data_q, data_d;
  logic             load;

  assign in_ready_o = !valid_q || out_ready_i;
  assign load       = in_valid_i && in_ready_o;

  always_comb begin
    valid_d = valid_q && !out_ready_i;
    data_d  = data_q;
    if (load) begin
      valid_d = 1'b1;
      data_d  = in_data_i;
    end
    if (flush_i) begin
      valid_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      data_q  <= '0;
    end else begin
      valid_q <= valid_d;
      data_q  <= data_d;
    end
  end

  assign out_valid_o = valid_q;
  assign out_data_o  = data_q;

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_INIT(StreamRegWidthLegal_A, Width >= 1)
  `ESC_ASSERT_STREAM(StreamRegOut_A, out_valid_o, out_ready_i, out_data_o, flush_i)
  // A taken input appears at the output the next cycle, unless flushed.
  `ESC_ASSERT(StreamRegLoad_A, (load && !flush_i) |=> (out_valid_o && out_data_o == $past(in_data_i)))
  `ESC_ASSERT_KNOWN(StreamRegValidKnown_A, out_valid_o)
  `ESC_ASSERT_KNOWN(StreamRegReadyKnown_A, in_ready_o)
  `ESC_COVER(StreamRegStall_C, out_valid_o && !out_ready_i)

`ifdef FORMAL
  `include "esc_prim_stream_reg_props.svh"
`endif

endmodule
