// Simple dual-port RAM: one synchronous write port, one registered read port. Every on-chip
// buffer (ifmap, basis, coefficients, column pointers, bias, PSUM banks, Z FIFO) is built on it.
//
// * Read data appears the cycle after re_i and holds while re_i is low.
// * Read-during-write to the same address returns the OLD data.
// * The array has no reset (an SRAM macro in a real flow); rst_ni only gates the assertions.
// * Depth need not be a power of two (e.g. MaxChannels + 1 column pointers).
// Written the way Yosys infers a $mem: the array write and the read register each in a plain
// clocked always_ff without reset (the only always_ff in rtl/ that is not reset + q <= d).
`include "esc_assert.svh"

module esc_prim_ram_1r1w #(
  parameter int unsigned Depth  = 16,
  parameter int unsigned Width  = 8,
  localparam int unsigned AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,  // assertions only
  input  logic             we_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);

  logic [Width-1:0] mem_q [Depth];
  logic [Width-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[waddr_i] <= wdata_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) begin
      rdata_q <= mem_q[raddr_i];
    end
  end

  assign rdata_o = rdata_q;

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_INIT(RamDepthLegal_A, Depth >= 1 && Width >= 1)
  // Addresses stay inside the array (matters when Depth is not a power of two).
  `ESC_ASSERT_NEVER(RamWaddrRange_A, we_i && (32'(waddr_i) >= Depth))
  `ESC_ASSERT_NEVER(RamRaddrRange_A, re_i && (32'(raddr_i) >= Depth))
  `ESC_ASSERT_KNOWN(RamWeKnown_A, we_i)
  `ESC_ASSERT_KNOWN(RamReKnown_A, re_i)

`ifdef FORMAL
  `include "esc_prim_ram_1r1w_props.svh"
`endif

endmodule
