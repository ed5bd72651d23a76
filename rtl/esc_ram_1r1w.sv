// Generic simple dual-port RAM: one synchronous write port, one registered read port.
// Written in the style Yosys infers as a memory ($mem): a single always_ff holds the write
// and the registered read (the only always_ff in rtl/ that is not plain reset + q <= d,
// because a memory array has no reset).
// Shared helper: the back end (esc_cau*) may instantiate it too.
//
// Read data appears the cycle after re_i and holds while re_i is low.
module esc_ram_1r1w #(
  parameter int unsigned Depth = 256,
  parameter int unsigned Width = 8,
  parameter int unsigned AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,  // only used by assertions (memories are not reset)
  input  logic             we_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);
`include "esc_assert.svh"

  logic [Width-1:0] mem_q[Depth];
  logic [Width-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
    if (re_i) rdata_q <= mem_q[raddr_i];
  end

  assign rdata_o = rdata_q;

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT(RamWaddrInRange_A, !we_i || (32'(waddr_i) < Depth))
  `ESC_ASSERT_KNOWN(RamWeKnown_A, we_i)
  `ESC_ASSERT_KNOWN(RamReKnown_A, re_i)
  // The read address may run past Depth only for reads whose data is discarded (the window
  // generator masks taps outside the image), so no range assertion on raddr_i.
  logic unused_rst;
  assign unused_rst = rst_ni;
endmodule
