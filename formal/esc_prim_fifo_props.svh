// Formal properties of esc_prim_fifo, included at the end of the module under `ifdef FORMAL
// (so they see the internal state that k-induction needs). See formal/README.md.
// Labels end in _P; scripts/formal.sh counts them per job.
// No environment assumption: the FIFO must be safe for any input sequence.
`ifdef ESC_FTOP_esc_prim_fifo

  reg f_past_valid = 1'b0;
  always @(posedge clk_i) f_past_valid <= 1'b1;
  initial assume (!rst_ni);

  // Reference occupancy: pushes minus pops since reset or flush, from the port handshakes.
  logic       f_push, f_pop;
  logic [7:0] f_count;
  assign f_push = in_valid_i && in_ready_o && !flush_i;
  assign f_pop  = out_valid_o && out_ready_i && !flush_i;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)      f_count <= '0;
    else if (flush_i) f_count <= '0;
    else              f_count <= f_count + 8'(f_push) - 8'(f_pop);
  end

  // One symbolic entry followed through the queue: f_pick chooses (once) which push to track;
  // f_pos is the number of entries ahead of it. It must leave at the right pop, with its data.
  (* anyseq *) logic f_pick;
  logic             f_armed;
  logic [7:0]       f_pos;
  logic [Width-1:0] f_data;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_armed <= 1'b0;
      f_pos   <= '0;
      f_data  <= '0;
    end else if (flush_i) begin
      f_armed <= 1'b0;
    end else if (!f_armed && f_push && f_pick) begin
      f_armed <= 1'b1;
      f_pos   <= f_count - 8'(f_pop);
      f_data  <= in_data_i;
    end else if (f_armed && f_pop) begin
      if (f_pos == 0) f_armed <= 1'b0;
      else            f_pos   <= f_pos - 8'd1;
    end
  end

  // Narrow arithmetic only: a 32-bit `%` by a non-power-of-two Depth stalls z3.
  logic [7:0] f_slot, f_ptr_diff;  // memory index of the tracked entry; wr - rd mod Depth
  assign f_slot     = (8'(rd_q) + f_pos >= 8'(Depth)) ? 8'(rd_q) + f_pos - 8'(Depth)
                                                      : 8'(rd_q) + f_pos;
  assign f_ptr_diff = (wr_q >= rd_q) ? 8'(wr_q) - 8'(rd_q) : 8'(wr_q) + 8'(Depth) - 8'(rd_q);

  always @(*) begin
    if (rst_ni) begin
      // Occupancy: the fill count is pushes minus pops, within 0..Depth.
      FifoFillIsPushesMinusPops_P: assert (32'(fill_o) == 32'(f_count));
      FifoFillBound_P:             assert (32'(fill_q) <= Depth);
      // No overflow / underflow: ready exactly when not full, valid exactly when not empty.
      FifoReadyIffNotFull_P:       assert (in_ready_o == (32'(fill_q) < Depth));
      FifoValidIffNotEmpty_P:      assert (out_valid_o == (fill_q != '0));
      // Pointer invariants (internal; make the induction step inductive).
      FifoPtrRange_P:   assert (32'(wr_q) < Depth && 32'(rd_q) < Depth);
      FifoPtrFill_P:    assert (f_ptr_diff == ((32'(fill_q) == Depth) ? 8'd0 : 8'(fill_q)));
      // The tracked entry is in the queue, at its place, with its data.
      FifoTrackedHeld_P: assert (!f_armed || (f_pos < 8'(fill_q) &&
                                             mem_q[f_slot*Width +: Width] == f_data));
      // Order and data: when the tracked entry reaches the head, it is what the output shows.
      FifoTrackedOut_P:  assert (!(f_armed && f_pos == 0) || out_data_o == f_data);
    end
  end

  always @(posedge clk_i) begin
    if (f_past_valid && rst_ni && $past(rst_ni)) begin
      // Output stream rule: a stalled beat stays, with the same data, unless flushed.
      if ($past(out_valid_o && !out_ready_i && !flush_i)) begin
        FifoOutStream_P: assert (out_valid_o && out_data_o == $past(out_data_o));
      end
      // Flush empties the FIFO in one cycle, whatever else happened in that cycle.
      if ($past(flush_i)) begin
        FifoFlushEmpties_P: assert (fill_o == '0 && !out_valid_o && in_ready_o);
      end
    end
  end

  // Reachability of the conditions the properties above depend on (scripts/formal.sh runs
  // yosys-smtbmc -c and fails if one is not reached: a property that cannot trigger is vacuous).
  always @(*) begin
    if (rst_ni) begin
      FifoFull_C:        cover (32'(fill_q) == Depth);
      FifoStall_C:       cover (out_valid_o && !out_ready_i && !flush_i && 32'(fill_q) > 1);
      FifoTrackedPop_C:  cover (f_armed && f_pos == 0 && f_pop && f_count > 1);
      FifoFlushFull_C:   cover (flush_i && 32'(fill_q) == Depth);
    end
  end

`endif
