// Negative test for the synth flow: a combinational loop. `check -assert` must reject it.
module esc_loop_bad (
  input  logic a_i,
  output logic y_o
);
  logic x, z;
  assign x   = a_i ^ z;
  assign z   = ~x;
  assign y_o = x;
endmodule
