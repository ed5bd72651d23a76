`include "esc_assert.svh"

// Z slot FIFO between the BCU and the coefficient lanes: one writer, NumReaders independent
// readers. Every reader walks the slots in order with its own pointer (kept in the lane, which
// reads a slot as long as it needs it and then pulses release_i). A slot is free again once
// every reader has released it.
//
// Storage: one small RAM per reader (Depth * NumWords words of WordW bits, word address
// slot * NumWords + m), all written together, each with its own synchronous read port, so a
// lane reads the Zq[m][*] word of its current entry with the same one-cycle latency as its
// PSUM read. A slot arrives as one wide beat into a staging register and is copied into the
// RAMs one word per cycle; only the first cfg_m_i words are copied (the lanes never use the
// others: an entry with m >= M is an error). The slot becomes visible to the readers once all
// its words are written. The next slot is accepted in the cycle the last word is written, so
// the FIFO takes one slot every M cycles -- never slower than the BCU, which needs max(M, T).
// (A flop array with L combinational 64:1 word muxes was ~109 kGE; this is RAM + ~1/10 logic.)
// Depth must be a power of two (pointers carry one wrap bit).
module esc_zfifo #(
  parameter int unsigned Depth      = 8,
  parameter int unsigned NumReaders = 8,
  parameter int unsigned SlotW      = 512,  // bits per slot
  parameter int unsigned WordW      = 64,   // bits per read word
  localparam int unsigned NumWords  = SlotW / WordW,
  localparam int unsigned IdxW      = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned PtrW      = IdxW + 1,
  localparam int unsigned WordIdxW  = (NumWords > 1) ? $clog2(NumWords) : 1,
  localparam int unsigned RamDepth  = Depth * NumWords,
  localparam int unsigned RamAW     = (RamDepth > 1) ? $clog2(RamDepth) : 1
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  input  logic                           flush_i,    // start/abort: drop all slots
  input  logic                           enable_i,   // accept slots (layer running)
  input  logic [7:0]                     cfg_m_i,    // words per slot in use (1..NumWords)
  // write side
  input  logic                           wr_valid_i,
  output logic                           wr_ready_o,
  input  logic [SlotW-1:0]               wr_data_i,
  output logic [PtrW-1:0]                wr_ptr_o,   // slots readable so far (mod 2*Depth)
  // read side
  input  logic [NumReaders-1:0]          release_i,  // reader r is done with its oldest slot
  input  logic [NumReaders-1:0]          rd_en_i,
  input  logic [NumReaders*IdxW-1:0]     rd_slot_i,
  input  logic [NumReaders*WordIdxW-1:0] rd_word_i,
  output logic [NumReaders*WordW-1:0]    rd_data_o,  // one cycle after rd_en_i
  // status
  output logic                           full_o,
  output logic                           empty_o,    // every reader released every slot
  output logic                           ram_we_o    // a word is written (into every copy)
);

  logic [PtrW-1:0]       wr_ptr_q, wr_ptr_d;     // slots fully written
  logic [PtrW-1:0]       rel_ptr_q [NumReaders];
  logic [PtrW-1:0]       rel_ptr_d [NumReaders];
  logic [NumReaders-1:0] rd_full, rd_empty;
  logic                  push;
  // staging
  logic                  stg_v_q, stg_v_d;
  logic [SlotW-1:0]      stg_data_q;
  logic [WordIdxW-1:0]   stg_word_q, stg_word_d;
  logic [WordIdxW-1:0]   last_word;
  logic                  stg_last;
  logic [PtrW-1:0]       res_ptr;                // slots written or being written
  // RAM write port (shared by every reader's copy)
  logic                  ram_we;
  logic [RamAW-1:0]      ram_waddr;
  logic [WordW-1:0]      ram_wdata;

  assign last_word = (cfg_m_i == 8'd0) ? '0 :
                     (32'(cfg_m_i) >= NumWords) ? WordIdxW'(NumWords - 1) :
                     WordIdxW'(cfg_m_i - 8'd1);
  assign stg_last  = stg_v_q && (stg_word_q == last_word);
  assign res_ptr   = wr_ptr_q + PtrW'(stg_v_q);

  // A new slot needs a free index behind the one being copied (if any), seen by every reader.
  always_comb begin
    for (int r = 0; r < NumReaders; r++) begin
      rd_full[r]  = (res_ptr - rel_ptr_q[r]) == PtrW'(Depth);
      rd_empty[r] = (wr_ptr_q == rel_ptr_q[r]);
    end
  end

  assign full_o     = |rd_full;
  assign empty_o    = &rd_empty;
  // While a slot is being copied, the next one is accepted together with its last word; res_ptr
  // counts the staged slot, so full_o then asks for the index after it.
  assign wr_ready_o = enable_i && (!stg_v_q || stg_last) && !full_o;
  assign push       = wr_valid_i && wr_ready_o;
  assign wr_ptr_o   = wr_ptr_q;

  always_comb begin
    wr_ptr_d   = wr_ptr_q;
    stg_v_d    = stg_v_q;
    stg_word_d = stg_word_q;
    for (int r = 0; r < NumReaders; r++) begin
      rel_ptr_d[r] = rel_ptr_q[r];
    end
    if (stg_v_q) begin
      stg_word_d = stg_word_q + 1'b1;
    end
    if (stg_last) begin
      wr_ptr_d = wr_ptr_q + 1'b1;
      stg_v_d  = 1'b0;
    end
    if (push) begin
      stg_v_d    = 1'b1;
      stg_word_d = '0;
    end
    for (int r = 0; r < NumReaders; r++) begin
      if (release_i[r]) begin
        rel_ptr_d[r] = rel_ptr_q[r] + 1'b1;
      end
    end
    if (flush_i) begin
      wr_ptr_d   = '0;
      stg_v_d    = 1'b0;
      stg_word_d = '0;
      for (int r = 0; r < NumReaders; r++) begin
        rel_ptr_d[r] = '0;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q   <= '0;
      stg_v_q    <= 1'b0;
      stg_word_q <= '0;
      stg_data_q <= '0;
      for (int r = 0; r < NumReaders; r++) begin
        rel_ptr_q[r] <= '0;
      end
    end else begin
      wr_ptr_q   <= wr_ptr_d;
      stg_v_q    <= stg_v_d;
      stg_word_q <= stg_word_d;
      if (push) begin
        stg_data_q <= wr_data_i;
      end
      for (int r = 0; r < NumReaders; r++) begin
        rel_ptr_q[r] <= rel_ptr_d[r];
      end
    end
  end

  // Copy the staged slot into the RAMs, one word per cycle, at slot index wr_ptr_q.
  assign ram_we    = stg_v_q && !flush_i;
  assign ram_we_o  = ram_we;
  assign ram_waddr = RamAW'(32'(wr_ptr_q[IdxW-1:0]) * NumWords + 32'(stg_word_q));
  assign ram_wdata = stg_data_q[stg_word_q*WordW +: WordW];

  for (genvar r = 0; r < NumReaders; r++) begin : gen_rd
    logic [RamAW-1:0] raddr;
    assign raddr = RamAW'(32'(rd_slot_i[r*IdxW +: IdxW]) * NumWords +
                          32'(rd_word_i[r*WordIdxW +: WordIdxW]));
    esc_prim_ram_1r1w #(
      .Depth(RamDepth),
      .Width(WordW)
    ) u_ram (
      .clk_i,
      .rst_ni,
      .we_i   (ram_we),
      .waddr_i(ram_waddr),
      .wdata_i(ram_wdata),
      .re_i   (rd_en_i[r]),
      .raddr_i(raddr),
      .rdata_o(rd_data_o[r*WordW +: WordW])
    );
  end

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_INIT(ZfifoDepthPow2_A, Depth >= 2 && (Depth & (Depth - 1)) == 0)
  // Never accept a slot without a free index or over a slot still being copied, never release
  // a slot that was not written.
  `ESC_ASSERT_NEVER(ZfifoOverflow_A, push && full_o)
  `ESC_ASSERT_NEVER(ZfifoStagingBusy_A, push && stg_v_q && !stg_last)
  for (genvar r = 0; r < NumReaders; r++) begin : gen_rd_asserts
    `ESC_ASSERT_NEVER(ZfifoUnderflow_A, release_i[r] && rd_empty[r] && !flush_i)
  end
  `ESC_ASSERT_KNOWN(ZfifoReadyKnown_A, wr_ready_o)
  `ESC_COVER(ZfifoFull_C, full_o && enable_i)
  `ESC_COVER(ZfifoEmptyBusy_C, empty_o && enable_i)
  `ESC_COVER(ZfifoBackToBack_C, push && stg_last)

`ifdef FORMAL
  `include "esc_zfifo_props.svh"
`endif

endmodule
