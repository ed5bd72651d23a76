// Negative test for the synth flow: a net that is used but never driven.
module esc_undriven_bad (
  input  logic [3:0] a_i,
  output logic [3:0] y_o
);
  logic [3:0] floating;
  assign y_o = a_i & floating;
endmodule
