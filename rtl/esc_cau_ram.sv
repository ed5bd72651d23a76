`include "esc_assert.svh"

// Generic 1-write 1-read memory with a registered (synchronous) read, used by the back end
// for the coefficient, column-pointer, bias and PSUM buffers. Written in the style Yosys
// and FPGA/ASIC memory compilers infer as a RAM: one write port in one always_ff, the read
// data register in another. Read-during-write to the same address returns the OLD data.
module esc_cau_ram #(
  parameter int unsigned Depth = 16,
  parameter int unsigned Width = 8,
  localparam int unsigned AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);

  logic [Width-1:0] mem_q [Depth];
  logic [Width-1:0] rdata_q;

  // Memory arrays carry no reset (they are SRAM macros in a real flow).
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

  // Depth need not be a power of two (e.g. C_MAX + 1 column pointers): addresses stay inside.
  // The memory has no reset, so these checks run from time 0.
  `ESC_ASSERT_NEVER(RamWaddrRange_A, we_i && (32'(waddr_i) >= Depth), clk_i, 1'b1)
  `ESC_ASSERT_NEVER(RamRaddrRange_A, re_i && (32'(raddr_i) >= Depth), clk_i, 1'b1)

endmodule
