// Synchronous FIFO of Depth entries of Width bits, in flops (meant for small queues).
//
// * Not fall-through: an entry pushed in cycle t is visible at the output in cycle t+1.
// * in_ready_o = not full; out_valid_o = not empty. Push and pop may happen in the same cycle.
// * out_data_o always shows the entry at the read pointer (stale data while empty).
// * flush_i empties the FIFO in one cycle (pointers and count to zero); a push or pop in the
//   flush cycle is ignored. Entries are not cleared.
// * fill_o is the number of entries held (0..Depth), registered. Producers that push on credit
//   (without looking at in_ready_o) use it to count free space.
// * Depth need not be a power of two.
`include "esc_assert.svh"

module esc_prim_fifo #(
  parameter int unsigned Depth  = 4,
  parameter int unsigned Width  = 8,
  localparam int unsigned IdxW  = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned FillW = $clog2(Depth + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             flush_i,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [Width-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [Width-1:0] out_data_o,
  output logic [FillW-1:0] fill_o
);

  // Pointers wrap at Depth; for a power of two the plain increment already does.
  localparam bit                IsPow2  = (Depth & (Depth - 1)) == 0;
  localparam logic [IdxW-1:0]   LastIdx = IdxW'(Depth - 1);

  logic [Depth*Width-1:0] mem_q, mem_d;
  logic [IdxW-1:0]        wr_q, wr_d, rd_q, rd_d;
  logic [FillW-1:0]       fill_q, fill_d;
  logic                   push, pop;

  assign in_ready_o  = (fill_q != FillW'(Depth));
  assign out_valid_o = (fill_q != '0);
  assign push        = in_valid_i && in_ready_o && !flush_i;
  assign pop         = out_valid_o && out_ready_i && !flush_i;

  always_comb begin
    wr_d   = wr_q;
    rd_d   = rd_q;
    fill_d = fill_q + FillW'(push) - FillW'(pop);
    if (push) begin
      wr_d = (IsPow2 || wr_q != LastIdx) ? wr_q + 1'b1 : '0;
    end
    if (pop) begin
      rd_d = (IsPow2 || rd_q != LastIdx) ? rd_q + 1'b1 : '0;
    end
    if (flush_i) begin
      wr_d   = '0;
      rd_d   = '0;
      fill_d = '0;
    end
  end

  for (genvar i = 0; i < Depth; i++) begin : gen_entry
    assign mem_d[i*Width +: Width] = (push && (wr_q == IdxW'(i))) ? in_data_i
                                                                  : mem_q[i*Width +: Width];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mem_q  <= '0;
      wr_q   <= '0;
      rd_q   <= '0;
      fill_q <= '0;
    end else begin
      mem_q  <= mem_d;
      wr_q   <= wr_d;
      rd_q   <= rd_d;
      fill_q <= fill_d;
    end
  end

  assign out_data_o = mem_q[rd_q*Width +: Width];
  assign fill_o     = fill_q;

  ////////////////
  // Assertions //
  ////////////////

  `ESC_ASSERT_INIT(FifoDepthLegal_A, Depth >= 1 && Width >= 1)
  // Occupancy: the count never exceeds Depth and agrees with the pointers.
  `ESC_ASSERT(FifoFillBound_A, 32'(fill_q) <= Depth)
  `ESC_ASSERT(FifoFillPtrs_A, (32'(wr_q) + Depth - 32'(rd_q)) % Depth == 32'(fill_q) % Depth)
  // The output is a proper stream: a stalled entry stays until popped (or flushed).
  `ESC_ASSERT_STREAM(FifoOutStream_A, out_valid_o, out_ready_i, out_data_o, flush_i)
  `ESC_ASSERT_KNOWN(FifoInReadyKnown_A, in_ready_o)
  `ESC_ASSERT_KNOWN(FifoOutValidKnown_A, out_valid_o)
  `ESC_COVER(FifoFull_C, !in_ready_o)
  `ESC_COVER(FifoPushPop_C, push && pop)

`ifdef FORMAL
  `include "esc_prim_fifo_props.svh"
`endif

endmodule
