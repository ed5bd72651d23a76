// Negative test for the synth flow: an accidental latch (incomplete assignment in a
// combinational block). `synth.py expect --kind latch` passes only if the flow rejects it.
module esc_latch_bad (
  input  logic       en_i,
  input  logic [7:0] d_i,
  output logic [7:0] q_o
);
  always @* begin
    if (en_i) q_o = d_i;
  end
endmodule
