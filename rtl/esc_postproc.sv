`include "esc_assert.svh"

// Post-processing of one result beat (T pixel lanes):
//   y[t] = clamp(rshift((acc[t] + bias) * mult, shift), relu ? 0 : -128, 127)
// with the sum and the product in 64 bits (the semantics; the widths below show that ProdW
// bits give the same result) and rshift rounding half up:
//   rshift(v, k) = (v + (1 << (k-1))) >>> k for k > 0, v for k = 0.
// Two stages: the product is registered, the rounding shift and clamp are combinational on
// the output side. A side-band tag (n, tile, last) and the raw accumulators travel along.
//
// Widths: acc + bias lies in [-2^32, 2^32) (33 bits signed), mult < 2^16, so the product lies
// in (-2^48, 2^48) and fits ProdW = 50 bits signed with room for the rounding term when
// k <= 49. For k >= 50 the 64-bit result is 0 for every such product (v + 2^(k-1) lies in
// [0, 2^k)), so computing in 50 bits is bit-exact with the 64-bit definition.
module esc_postproc #(
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,
  parameter int unsigned TagW        = 8,
  localparam int unsigned AccW       = esc_pkg::AccW,
  localparam int unsigned ActW       = esc_pkg::ActW,
  localparam int unsigned BiasW      = esc_pkg::BiasW,
  // (acc + bias) * mult, exact: a signed (AccW + 1)-bit sum times an unsigned MultW-bit value
  localparam int unsigned ProdW      = (AccW + 1) + (esc_pkg::MultW + 1)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          flush_i,
  input  logic                          in_valid_i,
  input  logic [NumPixLanes*AccW-1:0]   in_acc_i,
  input  logic [BiasW-1:0]              in_bias_i,
  input  logic [esc_pkg::MultW-1:0]     in_mult_i,
  input  logic [esc_pkg::ShiftW-1:0]    in_shift_i,
  input  logic                          in_relu_i,
  input  logic [TagW-1:0]               in_tag_i,
  output logic                          out_valid_o,
  output logic [NumPixLanes*ActW-1:0]   out_data_o,
  output logic [NumPixLanes*AccW-1:0]   out_acc_o,
  output logic [TagW-1:0]               out_tag_o
);

  logic                              valid_q;
  logic [NumPixLanes*ProdW-1:0]      prod_q, prod_d;
  logic [NumPixLanes*AccW-1:0]       acc_q;
  logic [esc_pkg::ShiftW-1:0]        shift_q;
  logic                              relu_q;
  logic [TagW-1:0]                   tag_q;

  // Stage 1: (acc + bias) * mult in 64 bits.
  // Written with explicit sign extension (no size casts) so both front ends read it the same way.
  for (genvar t = 0; t < NumPixLanes; t++) begin : gen_stage1
    logic signed [AccW:0]    sum;
    logic signed [ProdW-1:0] sum_x, mult_x;
    always_comb begin
      sum    = $signed({in_acc_i[t*AccW+AccW-1], in_acc_i[t*AccW +: AccW]}) +
               $signed({{(AccW + 1 - BiasW){in_bias_i[BiasW-1]}}, in_bias_i});
      sum_x  = $signed({{(ProdW - AccW - 1){sum[AccW]}}, sum});
      mult_x = $signed({{(ProdW - esc_pkg::MultW){1'b0}}, in_mult_i});
      prod_d[t*ProdW +: ProdW] = sum_x * mult_x;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      prod_q  <= '0;
      acc_q   <= '0;
      shift_q <= '0;
      relu_q  <= 1'b0;
      tag_q   <= '0;
    end else begin
      valid_q <= in_valid_i && !flush_i;
      if (in_valid_i) begin
        prod_q  <= prod_d;
        acc_q   <= in_acc_i;
        shift_q <= in_shift_i;
        relu_q  <= in_relu_i;
        tag_q   <= in_tag_i;
      end
    end
  end

  // Stage 2: rounding shift and clamp. The clamp bounds are built by concatenation: Yosys 0.23
  // drops the unary minus of a size-cast constant (-ProdW'(128) became +128, so the netlist
  // clamped every output to -128), Verilator gives -128.
  localparam logic [ProdW-1:0] OutMin = {{(ProdW - ActW + 1){1'b1}}, {(ActW - 1){1'b0}}};
  localparam logic [ProdW-1:0] OutMax = {{(ProdW - ActW + 1){1'b0}}, {(ActW - 1){1'b1}}};
  for (genvar t = 0; t < NumPixLanes; t++) begin : gen_stage2
    logic signed [ProdW-1:0] v, r, lo;
    always_comb begin
      v   = $signed(prod_q[t*ProdW +: ProdW]);
      lo  = relu_q ? '0 : $signed(OutMin);
      if (shift_q == '0) begin
        r = v;
      end else if (32'(shift_q) >= ProdW) begin
        r = '0;
      end else begin
        r = (v + (ProdW'(1) <<< (shift_q - 1'b1))) >>> shift_q;
      end
      if (r < lo) begin
        r = lo;
      end else if (r > $signed(OutMax)) begin
        r = $signed(OutMax);
      end
      out_data_o[t*ActW +: ActW] = r[ActW-1:0];
    end
  end

  assign out_valid_o = valid_q;
  assign out_acc_o   = acc_q;
  assign out_tag_o   = tag_q;

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_KNOWN(PostprocValidKnown_A, out_valid_o)
  `ESC_COVER(PostprocRelu_C, valid_q && relu_q)

endmodule
