// Dense comparison point for the area report (NOT part of the accelerator).
//
// An output-stationary int8 MAC array with exactly as many multipliers as ESCALATE's
// BCU + CAU: NumPixLanes rows x (MaxTaps + NumCoefLanes) columns = T*9 + L*T MACs
// (68 at the defaults). Row r gets one activation per cycle (broadcast along the row),
// column c one weight per cycle (broadcast down the column); every PE accumulates
// act*wgt into an int32 accumulator. Results are drained one column per cycle through a
// shift chain along the row (acc[r][c] <= acc[r][c+1]), which is what a real dense
// engine needs to get its outputs out without a wide read mux.
module esc_dense_ref #(
  parameter int unsigned NumPixLanes  = esc_pkg::NumPixLanes,
  parameter int unsigned NumCoefLanes = esc_pkg::NumCoefLanes,
  localparam int unsigned Rows = NumPixLanes,
  localparam int unsigned Cols = esc_pkg::MaxTaps + NumCoefLanes,
  localparam int unsigned ActW = esc_pkg::ActW,
  localparam int unsigned AccW = esc_pkg::AccW
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 valid_i,   // act/wgt valid: accumulate this cycle
  input  logic                 clear_i,   // zero all accumulators (wins over valid_i)
  input  logic                 drain_i,   // shift accumulators one column towards col 0
  input  logic [Rows*ActW-1:0] act_i,
  input  logic [Cols*ActW-1:0] wgt_i,
  output logic [Rows*AccW-1:0] acc_o      // column 0 of every row
);

  logic [Rows*ActW-1:0] act_d, act_q;
  logic [Cols*ActW-1:0] wgt_d, wgt_q;
  logic                 vld_d, vld_q;
  // PE (r, c) owns acc_*[(r*Cols+c)*AccW +: AccW] (flat vectors: Yosys 0.23 friendly).
  logic [Rows*Cols*AccW-1:0] acc_d, acc_q;

  // Input pipeline registers (operands are registered once, as in any systolic/broadcast array).
  always_comb begin
    act_d = valid_i ? act_i : act_q;
    wgt_d = valid_i ? wgt_i : wgt_q;
    vld_d = valid_i & ~clear_i;
  end

  for (genvar r = 0; r < Rows; r++) begin : gen_row
    for (genvar c = 0; c < Cols; c++) begin : gen_col
      logic signed [2*ActW-1:0] prod;
      always_comb begin
        prod = $signed(act_q[r*ActW +: ActW]) * $signed(wgt_q[c*ActW +: ActW]);
        if (clear_i) begin
          acc_d[(r*Cols+c)*AccW +: AccW] = '0;
        end else if (drain_i) begin
          if (c == Cols - 1) begin
            acc_d[(r*Cols+c)*AccW +: AccW] = '0;
          end else begin
            acc_d[(r*Cols+c)*AccW +: AccW] = acc_q[(r*Cols+(c+1)%Cols)*AccW +: AccW];
          end
        end else if (vld_q) begin
          acc_d[(r*Cols+c)*AccW +: AccW] = acc_q[(r*Cols+c)*AccW +: AccW] + AccW'($signed(prod));
        end else begin
          acc_d[(r*Cols+c)*AccW +: AccW] = acc_q[(r*Cols+c)*AccW +: AccW];
        end
      end
    end
    assign acc_o[r*AccW +: AccW] = acc_q[r*Cols*AccW +: AccW];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q <= '0;
      wgt_q <= '0;
      vld_q <= 1'b0;
      acc_q <= '0;
    end else begin
      act_q <= act_d;
      wgt_q <= wgt_d;
      vld_q <= vld_d;
      acc_q <= acc_d;
    end
  end

endmodule
