// IFMAP buffer: the CHW int8 input map, written one 8-byte word per load beat, read as one
// 16-byte row segment per cycle (synchronous read, data the cycle after rd_en_i).
//
// Banking. A (y mod 3, x mod 3) banking would serve a whole 3x3 window per cycle, but it
// needs W (and the row of every byte) when a load beat is written, while the host contract
// loads the buffers BEFORE the layer configuration (CLEAR -> load -> config -> START) and a
// beat carries only a linear byte address. So the buffer is banked by address: SegWords
// banks of 8-byte words, word w in bank w mod SegWords (SegWords = 2 at T = 4: an even and an
// odd bank). A read at byte address a returns the SegWords consecutive words starting at
// w = a>>3 (bank b reads index (w + SegWords-1 - b) / SegWords: all banks differ), i.e. bytes
// [8w, 8w + 8*SegWords) as rd_data_o[8b +: 8] = X[8w + b]. SegWords is chosen so that one
// kernel row of all T windows of a tile row ((T-1)*2 + 3 bytes at stride 2) always fits
// after an offset of up to 7. The window generator reads K segments per tile row and
// channel. Taps outside the image read whatever the address points at (addresses wrap
// within the half); the window generator masks them. The wrap matters: a segment read at
// byte -1 (left pad of the first row) returns bytes 0..14 in its second word.
//
// Two halves. The buffer holds the two load banks of esc_top, IfmapBytes each: a write goes
// to half wr_half_i, a read to half rd_half_i, and every address wraps within its half.
module esc_ifmap_buf #(
  parameter int unsigned IfmapBytes  = esc_pkg::IfmapBytes,  // one half; power of two, >= 16
  parameter int unsigned NumPixLanes = esc_pkg::NumPixLanes,
  parameter int unsigned SegWords    = esc_pkg::seg_words(NumPixLanes),
  parameter int unsigned ByteAddrW   = $clog2(IfmapBytes),
  parameter int unsigned WordAddrW   = ByteAddrW - 3,
  localparam int unsigned WordW      = esc_pkg::IfmapBeatBytesW  // one load beat's word
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // Load port: one 8-byte word, byte b at [8b+7:8b]
  input  logic                 wr_en_i,
  input  logic                 wr_half_i,
  input  logic [WordAddrW-1:0] wr_word_i,
  input  logic [WordW-1:0]     wr_data_i,
  // Segment read port
  input  logic                 rd_en_i,
  input  logic                 rd_half_i,
  input  logic [ByteAddrW-1:0] rd_addr_i,
  output logic [SegWords*WordW-1:0] rd_data_o  // byte b = X[(rd_addr_i & ~7) + b]
);
`include "esc_assert.svh"

  localparam int unsigned BankDepth = 2 * IfmapBytes / (8 * SegWords);  // both halves
  localparam int unsigned Lg        = $clog2(SegWords);
  localparam int unsigned BankAddrW = WordAddrW - Lg;

  logic [WordAddrW-1:0] word;
  logic [Lg-1:0]        rot_d, rot_q;  // bank of word w
  logic [SegWords*WordW-1:0] bank_data;
  assign word  = rd_addr_i[ByteAddrW-1:3];
  assign rot_d = rd_en_i ? word[Lg-1:0] : rot_q;

  for (genvar b = 0; b < SegWords; b++) begin : gen_bank
    logic [WordAddrW-1:0] sum;
    logic [BankAddrW-1:0] ridx;
    assign sum  = word + WordAddrW'(SegWords - 1 - b);
    assign ridx = sum[WordAddrW-1:Lg];
    esc_prim_ram_1r1w #(
      .Depth(BankDepth),
      .Width(WordW)
    ) u_bank (
      .clk_i,
      .rst_ni,
      .we_i   (wr_en_i && (wr_word_i[Lg-1:0] == Lg'(b))),
      .waddr_i({wr_half_i, wr_word_i[WordAddrW-1:Lg]}),
      .wdata_i(wr_data_i),
      .re_i   (rd_en_i),
      .raddr_i({rd_half_i, ridx}),
      .rdata_o(bank_data[b*WordW +: WordW])
    );
    logic unused_sum;
    assign unused_sum = ^sum[Lg-1:0];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rot_q <= '0;
    end else begin
      rot_q <= rot_d;
    end
  end

  // Segment word k = word w + k, which sits in bank (w + k) mod SegWords.
  always_comb begin
    for (int k = 0; k < SegWords; k++) begin
      rd_data_o[k*WordW +: WordW] = bank_data[((32'(rot_q) + k) % SegWords)*WordW +: WordW];
    end
  end

  logic unused_bits;
  assign unused_bits = ^rd_addr_i[2:0];

  // ---------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------
  `ESC_ASSERT_KNOWN(IfmapWrEnKnown_A, wr_en_i)
  `ESC_ASSERT_KNOWN(IfmapRdEnKnown_A, rd_en_i)
  // The two halves are the two load banks (esc_top): a load may write one while the layer
  // reads the other, never the half being read.
  `ESC_ASSERT_NEVER(IfmapRdWrSameHalf_A, rd_en_i && wr_en_i && (rd_half_i == wr_half_i))
  // IfmapBytes must be a power of two >= 16.
  `ESC_ASSERT_INIT(IfmapBytesLegal_A, IfmapBytes >= 16 && (IfmapBytes & (IfmapBytes - 1)) == 0)
endmodule
