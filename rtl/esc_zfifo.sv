`include "esc_assert.svh"

// Z slot FIFO between the BCU and the coefficient lanes: one writer, NumReaders independent
// readers. Every reader walks the slots in order with its own pointer (kept in the lane, which
// reads a slot as long as it needs it and then pulses release_i). A slot is free again once
// every reader has released it. Reads are combinational (slot, word) selects, so a lane can
// fetch the Zq[m][*] word its current entry needs in the same cycle it decodes the entry.
// Depth must be a power of two (pointers carry one wrap bit).
module esc_zfifo #(
  parameter int unsigned Depth      = 8,
  parameter int unsigned NumReaders = 8,
  parameter int unsigned SlotW      = 512,  // bits per slot
  parameter int unsigned WordW      = 64,   // bits per read word
  localparam int unsigned NumWords  = SlotW / WordW,
  localparam int unsigned IdxW      = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned PtrW      = IdxW + 1,
  localparam int unsigned WordIdxW  = (NumWords > 1) ? $clog2(NumWords) : 1
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  input  logic                           flush_i,    // start/abort: drop all slots
  input  logic                           enable_i,   // accept slots (layer running)
  // write side
  input  logic                           wr_valid_i,
  output logic                           wr_ready_o,
  input  logic [SlotW-1:0]               wr_data_i,
  output logic [PtrW-1:0]                wr_ptr_o,   // slots written so far (mod 2*Depth)
  // read side
  input  logic [NumReaders-1:0]          release_i,  // reader r is done with its oldest slot
  input  logic [NumReaders*IdxW-1:0]     rd_slot_i,
  input  logic [NumReaders*WordIdxW-1:0] rd_word_i,
  output logic [NumReaders*WordW-1:0]    rd_data_o,
  // status
  output logic                           full_o,
  output logic                           empty_o     // every reader released every slot
);

  logic [SlotW-1:0] slot_q [Depth];
  logic [PtrW-1:0]  wr_ptr_q, wr_ptr_d;
  logic [PtrW-1:0]  rel_ptr_q [NumReaders];
  logic [PtrW-1:0]  rel_ptr_d [NumReaders];
  logic [NumReaders-1:0] rd_full, rd_empty;
  logic             push;

  // Occupancy seen by each reader; the FIFO is full when the slowest reader is Depth behind.
  always_comb begin
    for (int r = 0; r < NumReaders; r++) begin
      rd_full[r]  = (wr_ptr_q - rel_ptr_q[r]) == PtrW'(Depth);
      rd_empty[r] = (wr_ptr_q == rel_ptr_q[r]);
    end
  end

  assign full_o     = |rd_full;
  assign empty_o    = &rd_empty;
  assign wr_ready_o = enable_i && !full_o;
  assign push       = wr_valid_i && wr_ready_o;
  assign wr_ptr_o   = wr_ptr_q;

  always_comb begin
    wr_ptr_d = wr_ptr_q;
    for (int r = 0; r < NumReaders; r++) begin
      rel_ptr_d[r] = rel_ptr_q[r];
    end
    if (flush_i) begin
      wr_ptr_d = '0;
      for (int r = 0; r < NumReaders; r++) begin
        rel_ptr_d[r] = '0;
      end
    end else begin
      if (push) begin
        wr_ptr_d = wr_ptr_q + 1'b1;
      end
      for (int r = 0; r < NumReaders; r++) begin
        if (release_i[r]) begin
          rel_ptr_d[r] = rel_ptr_q[r] + 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      for (int r = 0; r < NumReaders; r++) begin
        rel_ptr_q[r] <= '0;
      end
    end else begin
      wr_ptr_q <= wr_ptr_d;
      for (int r = 0; r < NumReaders; r++) begin
        rel_ptr_q[r] <= rel_ptr_d[r];
      end
    end
  end

  // Slot storage: plain registers (L concurrent readers), no reset (data only).
  always_ff @(posedge clk_i) begin
    if (push) begin
      slot_q[wr_ptr_q[IdxW-1:0]] <= wr_data_i;
    end
  end

  always_comb begin
    for (int r = 0; r < NumReaders; r++) begin
      rd_data_o[r*WordW +: WordW] =
          slot_q[rd_slot_i[r*IdxW +: IdxW]][rd_word_i[r*WordIdxW +: WordIdxW]*WordW +: WordW];
    end
  end

  ////////////////
  // Assertions //
  ////////////////

`ifndef SYNTHESIS
  initial begin
    if (Depth < 2 || (Depth & (Depth - 1)) != 0) $fatal(1, "esc_zfifo: Depth must be 2**k >= 2");
  end
`endif
  // Never push into a full FIFO, never release a slot that was not written.
  `ESC_ASSERT_NEVER(ZfifoOverflow_A, wr_valid_i && wr_ready_o && full_o)
  for (genvar r = 0; r < NumReaders; r++) begin : gen_rd_asserts
    `ESC_ASSERT_NEVER(ZfifoUnderflow_A, release_i[r] && rd_empty[r] && !flush_i)
  end
  `ESC_ASSERT_KNOWN(ZfifoReadyKnown_A, wr_ready_o)
  `ESC_COVER(ZfifoFull_C, full_o && enable_i)
  `ESC_COVER(ZfifoEmptyBusy_C, empty_o && enable_i)

endmodule
