// Negative test for the synth flow: a latch inferred from an always_comb block.
module esc_latch_comb (
  input  logic       clk_i,
  input  logic       en_i,
  input  logic [7:0] d_i,
  output logic [7:0] q_o
);
  logic [7:0] hold;
  always_comb begin
    if (en_i) hold = d_i;
  end
  always_ff @(posedge clk_i) q_o <= hold;
endmodule
