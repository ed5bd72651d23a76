// BASIS buffer: two banks (esc_top) of CB x MaxBases basis kernels of K_MAX^2 int8 taps
// (72 bits per entry); bank b starts at entry b * Depth / 2. Within a bank, entry
// cb*MaxBases + m holds B[cb][m] with tap i*K + j at [8*tap +: 8]. Layer-shared mode
// uses cb = 0 only; per-input-channel mode uses cb = c. Written by load beats, read by the
// BCU one basis per cycle (synchronous read, data the cycle after rd_en_i).
module esc_basis_buf #(
  parameter int unsigned MaxBases    = esc_pkg::MaxBases,
  parameter int unsigned MaxChannels = esc_pkg::MaxChannels,
  parameter int unsigned Depth       = 2 * MaxBases * MaxChannels,  // both banks
  parameter int unsigned AddrW       = $clog2(Depth)
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  input  logic                       wr_en_i,
  input  logic [AddrW-1:0]           wr_addr_i,
  input  logic [esc_pkg::LdDataW-1:0] wr_data_i,
  input  logic                       rd_en_i,
  input  logic [AddrW-1:0]           rd_addr_i,
  output logic [esc_pkg::LdDataW-1:0] rd_data_o
);
`include "esc_assert.svh"

  esc_prim_ram_1r1w #(
    .Depth(Depth),
    .Width(esc_pkg::LdDataW)
  ) u_mem (
    .clk_i,
    .rst_ni,
    .we_i   (wr_en_i),
    .waddr_i(wr_addr_i),
    .wdata_i(wr_data_i),
    .re_i   (rd_en_i),
    .raddr_i(rd_addr_i),
    .rdata_o(rd_data_o)
  );

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT(BasisRdInRange_A, !rd_en_i || (32'(rd_addr_i) < Depth))
  // Entries below Depth / 2 are bank 0, the others bank 1 (esc_top): a load may write one bank
  // while the BCU reads the other, never the bank being read.
  `ESC_ASSERT_NEVER(BasisRdWrSameBank_A, rd_en_i && wr_en_i &&
                    ((32'(rd_addr_i) >= Depth / 2) == (32'(wr_addr_i) >= Depth / 2)))
endmodule
