// IFMAP buffer: the CHW int8 input map, written one 8-byte word per load beat, read as one
// K_MAX x K_MAX = 9-byte window per cycle (synchronous read, data the cycle after rd_en_i).
//
// Banking. The architecture sketch suggested 9 banks indexed by (y mod 3, x mod 3), which
// is conflict-free for any 3x3 window at any stride. That banking needs W (and the row of
// every byte) when a load beat is written, but the host contract loads the buffers BEFORE
// the layer configuration is written (CLEAR -> load -> config -> START), and a load beat
// carries only a linear byte address. So the buffer is banked by address instead:
//   * window row i (i = 0..2) reads 3 consecutive bytes X[a_i], X[a_i+1], X[a_i+2] with
//     a_i = rowbase + i*W (linear CHW byte address of the leftmost tap);
//   * each row has its own copy of the map (3 copies, every load beat writes all three);
//   * each copy is split into an even-word bank and an odd-word bank of 8-byte words, so
//     the two words that 3 consecutive bytes can straddle (w and w+1) are always in
//     different banks: even bank index (w+1)>>1, odd bank index w>>1.
// Every read is therefore conflict-free for any W, stride, pad and alignment, at the cost
// of 3x the storage of one map (documented in docs/architecture.md). Taps outside the image
// read whatever the address points at (addresses wrap); the window generator masks them.
module esc_ifmap_buf #(
  parameter int unsigned IfmapBytes = esc_pkg::IfmapBytes,  // multiple of 16, power of 2
  parameter int unsigned ByteAddrW  = $clog2(IfmapBytes),
  parameter int unsigned WordAddrW  = ByteAddrW - 3
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  // Load port: one 8-byte word, byte b at [8b+7:8b]
  input  logic                   wr_en_i,
  input  logic [WordAddrW-1:0]   wr_word_i,
  input  logic [63:0]            wr_data_i,
  // Window read port: rd_addr_i[i*ByteAddrW +: ByteAddrW] = byte address of row i, tap j=0
  input  logic                   rd_en_i,
  input  logic [3*ByteAddrW-1:0] rd_addr_i,
  output logic [9*8-1:0]         rd_data_o   // byte i*3+j = X[a_i + j]
);
`include "esc_assert.svh"

  localparam int unsigned BankDepth = IfmapBytes / 16;
  localparam int unsigned BankAddrW = WordAddrW - 1;

  // Write side: the same word goes to all three row copies.
  logic                 we_even, we_odd;
  logic [BankAddrW-1:0] wr_bank_addr;
  assign we_even      = wr_en_i && !wr_word_i[0];
  assign we_odd       = wr_en_i && wr_word_i[0];
  assign wr_bank_addr = wr_word_i[WordAddrW-1:1];

  for (genvar r = 0; r < 3; r++) begin : gen_row
    logic [ByteAddrW-1:0] addr;
    logic [WordAddrW-1:0] word, word_p1;
    logic [BankAddrW-1:0] even_idx, odd_idx;
    logic [63:0]          even_data, odd_data;
    logic                 sel_odd_d, sel_odd_q;  // word w was odd
    logic [2:0]           off_d, off_q;          // byte offset in word w
    logic [127:0]         pair;
    logic [127:0]         shifted;

    assign addr     = rd_addr_i[r*ByteAddrW +: ByteAddrW];
    assign word     = addr[ByteAddrW-1:3];
    assign word_p1  = word + 1'b1;
    assign even_idx = word_p1[WordAddrW-1:1];
    assign odd_idx  = word[WordAddrW-1:1];

    esc_ram_1r1w #(
      .Depth(BankDepth),
      .Width(64)
    ) u_even (
      .clk_i,
      .rst_ni,
      .we_i   (we_even),
      .waddr_i(wr_bank_addr),
      .wdata_i(wr_data_i),
      .re_i   (rd_en_i),
      .raddr_i(even_idx),
      .rdata_o(even_data)
    );

    esc_ram_1r1w #(
      .Depth(BankDepth),
      .Width(64)
    ) u_odd (
      .clk_i,
      .rst_ni,
      .we_i   (we_odd),
      .waddr_i(wr_bank_addr),
      .wdata_i(wr_data_i),
      .re_i   (rd_en_i),
      .raddr_i(odd_idx),
      .rdata_o(odd_data)
    );

    always_comb begin
      sel_odd_d = sel_odd_q;
      off_d     = off_q;
      if (rd_en_i) begin
        sel_odd_d = word[0];
        off_d     = addr[2:0];
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        sel_odd_q <= 1'b0;
        off_q     <= '0;
      end else begin
        sel_odd_q <= sel_odd_d;
        off_q     <= off_d;
      end
    end

    // {word w+1, word w}, then bytes off, off+1, off+2.
    assign pair    = sel_odd_q ? {even_data, odd_data} : {odd_data, even_data};
    assign shifted = pair >> {off_q, 3'b000};
    assign rd_data_o[r*24 +: 24] = shifted[23:0];

    logic unused_bits;
    assign unused_bits = ^{shifted[127:24], word_p1[0]};
  end

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT_KNOWN(IfmapWrEnKnown_A, wr_en_i)
  `ESC_ASSERT_KNOWN(IfmapRdEnKnown_A, rd_en_i)
  // The three rows of a window are read in the same cycle and never collide with a load
  // write (loads only happen while the accelerator is idle).
  `ESC_ASSERT_NEVER(IfmapRdWrSameCycle_A, rd_en_i && wr_en_i)
`ifndef SYNTHESIS
  initial begin
    if (IfmapBytes % 16 != 0 || (IfmapBytes & (IfmapBytes - 1)) != 0) begin
      $error("esc_ifmap_buf: IfmapBytes must be a power of two >= 16");
    end
  end
`endif
endmodule
